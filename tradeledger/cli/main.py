"""`tradeledger`: run and inspect an embedded ledger in a folder."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.progress import TaskID
from rich.table import Table

from tradeledger.cli import access as access_commands
from tradeledger.cli.common import DirOption, console, err, parse_refs, progress, when
from tradeledger.cli.entries import entry_app
from tradeledger.cli.errors import fail, friendly_errors
from tradeledger.cli.ipr import ipr_app
from tradeledger.cli.network import network_app
from tradeledger.cli.origin import entry_tools_app, origin_app
from tradeledger.cli.origin_ledger import verification_app
from tradeledger.cli.vc import vc_app
from tradeledger.contracts.documents import is_public_ref
from tradeledger.identity.registry import key_record
from tradeledger.ledger.bundle import BundleError, ProofBundle, verify_bundle
from tradeledger.ledger.collections import halted_collections
from tradeledger.ledger.envelope import COMMITMENT_PATTERN, decode_envelope
from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.node.audit import audit_network
from tradeledger.store.base import LedgerReader, TxRecord
from tradeledger.workflows.documents import (
    anchor_documents,
    find_by_commitment,
    find_by_reference,
    prove_commitment,
    prove_document,
    read_files,
    shown,
)

app = typer.Typer(
    name="tradeledger",
    help="A shared, tamper-evident ledger for trade documents and customs compliance workflows.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command()
@friendly_errors
def init(directory: Path = DirOption, name: str = typer.Option("demo", help="A short network name.")) -> None:
    """Create a new network with demo organizations: customs, importer, exporter, agency, broker."""
    genesis = create_network(directory, name=name)
    table = Table(title=f"network {genesis.name}  ·  origin {genesis.origin}")
    for column in ("--as", "role", "organization"):
        table.add_column(column)
    for org in genesis.organizations:
        table.add_row(org.name, org.role, org.display_name)
    console.print(table)
    console.print(f"genesis: {directory / 'genesis.json'}  ·  network id {genesis.network_id}")


@app.command()
@friendly_errors
def anchor(
    files: list[Path] = typer.Argument(..., help="Files to anchor; they stay in the organization's vault."),
    directory: Path = DirOption,
    organization: str | None = typer.Option(None, "--as", help="Organization that anchors (default: importer)."),
    doc_type: str = typer.Option("document", "--type", help="Document type, e.g. commercial_invoice."),
    ref: list[str] = typer.Option([], "--ref", help="Business reference KEY=VALUE, repeatable; only entry, "
                                                    "verification and issuer are public, the others private."),
    share_with: list[str] = typer.Option([], "--share-with",
                                         help="An organization that holds the private references too, repeatable "
                                              "(the named entry's members always do, once it is filed)."),
    wait: str = typer.Option("final", help="Wait until ordered, committed or final."),
    structured: bool = typer.Option(False, "--structured",
                                    help="Commit a JSON object field by field, to disclose chosen fields later."),
) -> None:
    """Anchor files' salted commitments; prints one JSON line per file."""
    refs = parse_refs(ref)
    contents = read_files(files)
    with EmbeddedNetwork(directory) as network:
        org = organization or _default_org(network)
        for member in share_with:
            network.organization_keys(member)  # an unknown organization is refused with the known ones
        results = anchor_documents(network, org, contents, doc_type, refs, wait, structured, share_with)
    failed = False
    for result in results:
        print(json.dumps(result.to_dict(), sort_keys=True))
        failed |= result.valid is False
    if failed:
        raise typer.Exit(1)


def _default_org(network: EmbeddedNetwork) -> str:
    hosted = network.hosted
    for org in network.genesis.organizations:
        if org.role == "importer" and org.name in hosted:
            return org.name
    return hosted[0]


def _viewer(network: EmbeddedNetwork) -> str:
    """Whose copy of the ledger a read-only command reads: the first organization hosted here."""
    return network.hosted[0]


@app.command()
@friendly_errors
def proof(
    file: Path | None = typer.Argument(None, help="The anchored file (or give --commitment)."),
    directory: Path = DirOption,
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the proof bundle."),
    organization: str | None = typer.Option(None, "--as", help="Whose vault holds the file (default: any)."),
    fields: str | None = typer.Option(None, "--fields",
                                      help="Disclose only these fields (comma-separated) of a --structured file."),
    commitment: str | None = typer.Option(None, "--commitment",
                                          help="Prove existence and time of a commitment, disclosing nothing."),
) -> None:
    """Write the proof bundle of an anchored file, against a final checkpoint."""
    if not output.parent.is_dir():
        fail(f"cannot write {output}: folder {output.parent} does not exist")
    if (file is None) == (commitment is None):
        fail("give the anchored FILE, or --commitment C for a bundle that discloses nothing")
    chosen = sorted({f.strip() for f in fields.split(",") if f.strip()}) if fields is not None else None
    if commitment is not None and chosen is not None:
        fail("--fields needs the FILE whose fields to disclose")
    content = read_files([file])[0][1] if file is not None else b""
    with EmbeddedNetwork(directory) as network:
        network.sync()
        bundle = (prove_commitment(network, commitment) if commitment is not None
                  else prove_document(network, content, organization, chosen))
    output.write_text(json.dumps(bundle.to_dict(), indent=2) + "\n")
    proof_index = bundle.tlog_proof.split("\n")[1]
    console.print(f"wrote {output}  ({proof_index}, leaf of {len(bundle.tlog_proof.splitlines())} proof lines)")


@app.command()
def verify(
    paths: list[Path] = typer.Argument(..., metavar="[FILE] BUNDLE.json",
                                       help="The document (optional) and its proof bundle."),
    policy: Path | None = typer.Option(None, help="A C2SP tlog-policy file to trust instead of the bundle's."),
) -> None:
    """Verify a proof bundle offline, with the document when you have it (a bundle that
    discloses fields, or nothing, verifies alone). Exit 0 when valid, 1 when not."""
    if len(paths) > 2:
        _unreadable("give at most a FILE and a BUNDLE.json")
    file, bundle_file = (paths[0], paths[1]) if len(paths) == 2 else (None, paths[0])
    try:
        content = file.read_bytes() if file is not None else None
        data = json.loads(bundle_file.read_text())
        bundle = ProofBundle.from_dict(data)
        pinned = policy.read_text() if policy else None
    except OSError as exc:
        _unreadable(f"cannot read {exc.filename or bundle_file}: {exc.strerror}")
    except (ValueError, BundleError) as exc:
        _unreadable(f"{bundle_file} is not a tradeledger proof bundle ({exc}); ask its sender for the file "
                    "`tradeledger proof` wrote")
    result = verify_bundle(bundle, content, pinned)
    print(json.dumps(result.to_dict(), indent=2, sort_keys=True))
    if not result.ok:
        err.print(f"[red]invalid:[/red] {result.reason}")
        raise typer.Exit(1)


def _unreadable(reason: str) -> None:
    print(json.dumps({"valid": False, "reason": reason}))
    print(f"error: {reason}", file=sys.stderr)
    raise typer.Exit(1)


@app.command()
@friendly_errors
def audit(directory: Path = DirOption) -> None:
    """Re-verify everything: envelopes, leaves, headers, checkpoints, state. Exit 0 when intact."""
    with EmbeddedNetwork(directory) as network, progress() as bars:
        tasks: dict[str, TaskID] = {}

        def advance(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bars.add_task(f"audit {name}", total=total)
            bars.update(tasks[name], completed=done)

        reports, disagreements = audit_network(network, advance)
    broken = False
    for report in reports:
        if report.ok:
            console.print(f"[green]intact[/green] {report.organization}: {report.blocks} blocks, "
                          f"{report.transactions} envelopes, {report.signatures_checked} checkpoint signatures")
        else:
            broken = True
            console.print(f"[red]BROKEN[/red] {report.organization}:")
            for problem in report.problems:
                console.print(f"  - {problem}")
    for line in disagreements:
        broken = True
        console.print(f"[red]DISAGREEMENT[/red] {line}")
    if broken:
        raise typer.Exit(1)


@app.command()
@friendly_errors
def sync(directory: Path = DirOption) -> None:
    """Close the pending block, catch up every peer, and collect cosignatures."""
    with EmbeddedNetwork(directory) as network:
        network.sync()
        for name in network.hosted:
            head = network.head(name)
            checkpoint = network.ledger(name).checkpoint(head.height)
            final = bool(checkpoint and checkpoint.final)
            console.print(f"{name}: height {head.height}, log size {head.log_size}, "
                          f"root {head.log_root.hex()[:16]}…, {'final' if final else 'not final'}")
            halted = halted_collections(network.state(name))
            if halted:
                # Loud: a member that could not get a payload stopped those collections
                # rather than diverge (docs/privacy.md); the rest of its ledger goes on.
                console.print(f"[bold red]{name}: HALTED collections {', '.join(halted)}[/]: a private payload "
                              "could not be had from any member; `tradeledger audit` names the leaf")


@app.command("log")
@friendly_errors
def show_log(
    directory: Path = DirOption,
    limit: int = typer.Option(20, help="How many of the latest envelopes to show."),
) -> None:
    """The latest envelopes of the log, for people."""
    with EmbeddedNetwork(directory) as network:
        viewer = _viewer(network)
        store = network.ledger(viewer)
        size = network.head(viewer).log_size
        table = Table(title=f"log of {network.genesis.name}: {size} leaves")
        for column in ("leaf", "block", "time (UTC)", "signer org", "contract.action", "verdict", "txid"):
            table.add_column(column)
        for record in store.txs(max(0, size - limit)):
            header = store.header(record.height)
            try:
                envelope = decode_envelope(record.leaf)
                action = f"{envelope.contract}.{envelope.action}"
                key = key_record(store, envelope.signer.partition("#")[0])
                org = key.organization if key else "?"
            except ValueError:
                action, org = "(malformed)", "?"
            verdict = "[green]valid[/green]" if record.valid else f"[red]invalid[/red]: {record.reason}"
            table.add_row(str(record.leaf_index), str(record.height), when(header.time_ms) if header else "",
                          org, action, verdict, record.txid[:16] + "…")
        console.print(table)


@app.command()
@friendly_errors
def show(txid: str = typer.Argument(..., help="Transaction id (or a unique prefix of 8+ hex digits)."),
         directory: Path = DirOption) -> None:
    """One transaction: its envelope, verdict, block and events, as JSON."""
    with EmbeddedNetwork(directory) as network:
        store = network.ledger(_viewer(network))
        record = store.tx_by_id(txid) if len(txid) == 64 else _by_prefix(store, txid)
        if record is None:
            fail(f"no transaction {txid} in this ledger; `tradeledger log --dir {directory}` lists them", 1)
        header = store.header(record.height)
        events = [{"contract": c, "type": t, "data": d} for i, c, t, d in store.events(record.leaf_index)
                  if i == record.leaf_index]
        checkpoint = store.checkpoint(record.height)
        print(json.dumps({
            "txid": record.txid,
            "leaf_index": record.leaf_index,
            "valid": record.valid,
            **({"reason": record.reason} if record.reason else {}),
            "block": {"height": record.height, "time": when(header.time_ms) if header else None,
                      "final": bool(checkpoint and checkpoint.final)},
            "envelope": json.loads(record.leaf),
            "events": events,
        }, indent=2, sort_keys=True))


def _by_prefix(store: LedgerReader, prefix: str) -> TxRecord | None:
    if len(prefix) < 8:
        fail("give at least 8 hex digits of the transaction id")
    for record in store.txs():
        if record.txid.startswith(prefix):
            return record
    return None


@app.command()
@friendly_errors
def find(
    directory: Path = DirOption,
    ref: str | None = typer.Option(None, "--ref", help="Business reference KEY=VALUE, e.g. entry=B76-0324527-8."),
    commitment: str | None = typer.Option(None, help="A document commitment (64 hex digits)."),
    organization: str | None = typer.Option(None, "--as", help="Whose copy of the ledger to read (default: the "
                                                               "first organization hosted here)."),
) -> None:
    """Find anchored documents by reference or commitment; prints JSON lines. A private
    reference is found only in the stores of the document's collection members."""
    if (ref is None) == (commitment is None):
        fail("give exactly one of --ref KEY=VALUE or --commitment HEX")
    name = ""
    with EmbeddedNetwork(directory) as network:
        viewer = organization or _viewer(network)
        network.organization_keys(viewer)  # an unknown organization is refused with the known ones
        if ref is not None:
            [(name, value)] = parse_refs([ref]).items()
            found = find_by_reference(network, viewer, name, value)
        else:
            if not COMMITMENT_PATTERN.match(commitment or ""):
                fail("--commitment takes 64 lowercase hex digits")
            record = find_by_commitment(network, viewer, commitment or "")
            found = [record] if record else []
        lines = [shown(network, viewer, document) for document in found]
    for line in lines:
        print(json.dumps(line, sort_keys=True))
    if not found:
        private = ref is not None and not is_public_ref(name)
        fail("nothing is anchored under that reference or commitment"
             + (f" that {viewer} may see: reference {name} is private to each document's collection "
                "(its owner, whom it shares with and its entry's members)" if private else ""), 1)


@app.command()
@friendly_errors
def demo(
    directory: Path = typer.Option(Path("demo-net"), "--dir", "-d", help="Folder for the demo network."),
) -> None:
    """The main job: build a demo network and walk through a short customs scenario."""
    from tradeledger.cli.demo import run_demo

    run_demo(directory, console)


def _merged(into: typer.Typer, *others: typer.Typer) -> typer.Typer:
    """One command group from several modules' commands (e.g. `entry check-digit` from the
    domain tools and `entry file` from the ledger workflow)."""
    for other in others:
        into.registered_commands.extend(other.registered_commands)
    return into


access_commands.register(app)
app.add_typer(_merged(origin_app, verification_app), name="origin")
app.add_typer(_merged(entry_tools_app, entry_app), name="entry")
app.add_typer(ipr_app, name="ipr")
app.add_typer(vc_app, name="vc")
app.add_typer(network_app, name="network")


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
