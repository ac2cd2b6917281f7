"""`tradeledger`: run and inspect an embedded ledger in a folder."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from tradeledger.cli.errors import fail, friendly_errors
from tradeledger.contracts import documents
from tradeledger.ledger.bundle import BundleError, ProofBundle, verify_bundle
from tradeledger.ledger.envelope import COMMITMENT_PATTERN, decode_envelope
from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.node.audit import audit_network
from tradeledger.node.documents import anchor_documents, prove_document, read_files

app = typer.Typer(
    name="tradeledger",
    help="A shared, tamper-evident ledger for trade documents and customs compliance workflows.",
    no_args_is_help=True,
    add_completion=False,
)
# soft_wrap: a reason or a location stays on one line even when output goes to a pipe.
console = Console(emoji=False, highlight=False, soft_wrap=True)
err = Console(stderr=True, emoji=False, highlight=False, soft_wrap=True)

DirOption = typer.Option(..., "--dir", "-d", help="The network folder.")


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=err, transient=True)


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "Z"


def _parse_refs(refs: list[str]) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for ref in refs:
        name, sep, value = ref.partition("=")
        if not sep or not name or not value:
            fail(f"--ref {ref!r}: write references as KEY=VALUE, for example --ref entry=B76-0324527-8")
        parsed[name] = value
    return parsed


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
    organization: Optional[str] = typer.Option(None, "--as", help="Organization that anchors (default: importer)."),
    doc_type: str = typer.Option("document", "--type", help="Document type, e.g. commercial_invoice."),
    ref: list[str] = typer.Option([], "--ref", help="Business reference KEY=VALUE, repeatable."),
    wait: str = typer.Option("final", help="Wait until ordered, committed or final."),
) -> None:
    """Anchor files' salted commitments; prints one JSON line per file."""
    refs = _parse_refs(ref)
    contents = read_files(files)
    with EmbeddedNetwork(directory) as network:
        org = organization or _default_org(network)
        results = anchor_documents(network, org, contents, doc_type, refs, wait)
    failed = False
    for result in results:
        print(json.dumps(result.to_dict(), sort_keys=True))
        failed |= result.receipt.get("valid") is False
    if failed:
        raise typer.Exit(1)


def _default_org(network: EmbeddedNetwork) -> str:
    for org in network.genesis.organizations:
        if org.role == "importer" and org.name in network.keys:
            return org.name
    return next(iter(network.keys))


@app.command()
@friendly_errors
def proof(
    file: Path = typer.Argument(..., help="The anchored file."),
    directory: Path = DirOption,
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the proof bundle."),
    organization: Optional[str] = typer.Option(None, "--as", help="Whose vault holds the file (default: any)."),
) -> None:
    """Write the proof bundle of an anchored file, against a final checkpoint."""
    if not output.parent.is_dir():
        fail(f"cannot write {output}: folder {output.parent} does not exist")
    content = read_files([file])[0][1]
    with EmbeddedNetwork(directory) as network:
        network.sync()
        bundle = prove_document(network, content, organization)
    output.write_text(json.dumps(bundle.to_dict(), indent=2) + "\n")
    proof_index = bundle.tlog_proof.split("\n")[1]
    console.print(f"wrote {output}  ({proof_index}, leaf of {len(bundle.tlog_proof.splitlines())} proof lines)")


@app.command()
def verify(
    file: Path = typer.Argument(..., help="The document to check."),
    bundle_file: Path = typer.Argument(..., metavar="BUNDLE.json"),
    policy: Optional[Path] = typer.Option(None, help="A C2SP tlog-policy file to trust instead of the bundle's."),
) -> None:
    """Verify a document against a proof bundle, offline. Exit 0 when valid, 1 when not."""
    try:
        content = file.read_bytes()
        data = json.loads(bundle_file.read_text())
        bundle = ProofBundle.from_dict(data)
        pinned = policy.read_text() if policy else None
    except OSError as exc:
        _unreadable(f"cannot read {exc.filename or file}: {exc.strerror}")
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
    with EmbeddedNetwork(directory) as network, _progress() as progress:
        tasks: dict[str, int] = {}

        def advance(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = progress.add_task(f"audit {name}", total=total)
            progress.update(tasks[name], completed=done)

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
        for name, peer in network.peers.items():
            checkpoint = peer.store.checkpoint(peer.head.height)
            final = bool(checkpoint and checkpoint.final)
            console.print(f"{name}: height {peer.head.height}, log size {peer.head.log_size}, "
                          f"root {peer.head.log_root.hex()[:16]}…, {'final' if final else 'not final'}")


@app.command("log")
@friendly_errors
def show_log(
    directory: Path = DirOption,
    limit: int = typer.Option(20, help="How many of the latest envelopes to show."),
) -> None:
    """The latest envelopes of the log, for people."""
    with EmbeddedNetwork(directory) as network:
        store = network.reader.store
        head = store.head()
        size = head.log_size if head else 0
        table = Table(title=f"log of {network.genesis.name}: {size} leaves")
        for column in ("leaf", "block", "time (UTC)", "signer org", "contract.action", "verdict", "txid"):
            table.add_column(column)
        for record in store.txs(max(0, size - limit)):
            header = store.header(record.height)
            try:
                envelope = decode_envelope(record.leaf)
                action = f"{envelope.contract}.{envelope.action}"
                key = store.get_state("registry", "key:" + envelope.signer.partition("#")[0])
                org = key["organization"] if key else "?"
            except ValueError:
                action, org = "(malformed)", "?"
            verdict = "[green]valid[/green]" if record.valid else f"[red]invalid[/red]: {record.reason}"
            table.add_row(str(record.leaf_index), str(record.height), _when(header.time_ms) if header else "",
                          org, action, verdict, record.txid[:16] + "…")
        console.print(table)


@app.command()
@friendly_errors
def show(txid: str = typer.Argument(..., help="Transaction id (or a unique prefix of 8+ hex digits)."),
         directory: Path = DirOption) -> None:
    """One transaction: its envelope, verdict, block and events, as JSON."""
    with EmbeddedNetwork(directory) as network:
        store = network.reader.store
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
            "block": {"height": record.height, "time": _when(header.time_ms) if header else None,
                      "final": bool(checkpoint and checkpoint.final)},
            "envelope": json.loads(record.leaf),
            "events": events,
        }, indent=2, sort_keys=True))


def _by_prefix(store, prefix: str):
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
    ref: Optional[str] = typer.Option(None, "--ref", help="Business reference KEY=VALUE, e.g. entry=B76-0324527-8."),
    commitment: Optional[str] = typer.Option(None, help="A document commitment (64 hex digits)."),
) -> None:
    """Find anchored documents by reference or commitment; prints JSON lines."""
    if (ref is None) == (commitment is None):
        fail("give exactly one of --ref KEY=VALUE or --commitment HEX")
    with EmbeddedNetwork(directory) as network:
        store = network.reader.store
        if ref is not None:
            [(name, value)] = _parse_refs([ref]).items()
            found = documents.find_by_reference(store, name, value)
        else:
            if not COMMITMENT_PATTERN.match(commitment or ""):
                fail("--commitment takes 64 lowercase hex digits")
            record = documents.find_by_commitment(store, commitment or "")
            found = [record] if record else []
    for record in found:
        print(json.dumps(record, sort_keys=True))
    if not found:
        fail("nothing is anchored under that reference or commitment", 1)


@app.command()
@friendly_errors
def demo(
    directory: Path = typer.Option(Path("demo-net"), "--dir", "-d", help="Folder for the demo network."),
) -> None:
    """The main job: build a demo network and walk through a short customs scenario."""
    from tradeledger.cli.demo import run_demo

    run_demo(directory, console)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
