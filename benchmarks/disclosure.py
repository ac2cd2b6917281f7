"""Disclosures per second end to end on the embedded network, and the share of cryptography.

One disclosure, as timed: the requester's node signs an access request (Ed25519); the
owner's node checks the signature against the ledger's key registry, checks the approved
request and its vault, commits an `access.record_access` transaction (signed envelope,
ordered with fsync, executed and committed by every demo organization's peer, checkpoints
signed) and hands over the payload; the requester's node checks it against the anchored
commitment (SHA-256, and for fields each disclosure's digest) and stores it in its vault.

Set-up, not timed: the demo network, an entry reference granted by the importer to the
exporter (so every request is approved at once by that grant), N documents anchored
whole (about 4 KB each) and N structured documents of 10 fields, and one approved request
per document (3 of the 10 fields for the structured ones).

The share of time in cryptography comes from a cProfile run over a further M disclosures
of the same requests (each one a full disclosure, recorded again on the ledger): the self
time of Ed25519 (libsodium through PyNaCl), SHA-256 (hashlib) and tradeledger's own
commitment and disclosure-digest functions, over the total. Because the profiler slows
Python code more than C code, a second estimate is printed: the number of Ed25519 and
SHA-256 calls counted by the profiler times their unprofiled unit cost, over the
unprofiled time per disclosure.

    .venv/bin/python benchmarks/disclosure.py                  # N=500, M=200
    .venv/bin/python benchmarks/disclosure.py --documents 100  # quick run

Last line: disclosures_per_s=<x> crypto_share=<y>
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import pstats
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import nacl.signing
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from tradeledger.contracts import access
from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.workflows.disclosure import (
    Delivery,
    LocalTransfer,
    SignedAccessRequest,
    disclose,
)
from tradeledger.workflows.documents import anchor_documents

console = Console(stderr=True)
ENTRY = "B76-0324527-8"
FIELDS = [f"field{i:02d}" for i in range(10)]
CHOSEN = ["field01", "field04", "field07"]
BATCH = 250  # envelopes per submitted batch during set-up


def progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console)


class TimedTransfer:
    """The in-process transfer, timing the owner's side (check, record, hand over)."""

    def __init__(self, net: EmbeddedNetwork):
        self._inner = LocalTransfer(net)
        self.seconds = 0.0

    def fetch(self, owner: str, request: SignedAccessRequest) -> Delivery:
        start = time.perf_counter()
        try:
            return self._inner.fetch(owner, request)
        finally:
            self.seconds += time.perf_counter() - start


# --- set-up --------------------------------------------------------------------------------

def whole_document(i: int) -> bytes:
    lines = [f"commercial invoice INV-{i:07d} for entry {ENTRY}"]
    lines += [f"line {n}: 7208.51.0030 hot-rolled coil {os.urandom(24).hex()} 40 t" for n in range(40)]
    return ("\n".join(lines) + "\n").encode()


def structured_document(i: int) -> bytes:
    return json.dumps({name: f"{name} of invoice {i}: {os.urandom(12).hex()}" for name in FIELDS}).encode()


def anchor_all(net: EmbeddedNetwork, make: Callable[[int], bytes], n: int, structured: bool, label: str) -> list[str]:
    commitments: list[str] = []
    with progress() as bar:
        task = bar.add_task(label, total=n)
        for lo in range(0, n, BATCH):
            files = [(Path(f"doc-{i}"), make(i)) for i in range(lo, min(lo + BATCH, n))]
            results = anchor_documents(net, "importer", files, "commercial_invoice", {"entry": ENTRY},
                                       wait="committed", structured=structured)
            if not all(r.valid for r in results):
                raise SystemExit("an anchor was refused; the benchmark would be meaningless")
            commitments += [r.commitment for r in results]
            bar.advance(task, len(files))
    return commitments


def request_all(net: EmbeddedNetwork, commitments: Sequence[str], fields: list[str], label: str) -> list[str]:
    ids: list[str] = []
    with progress() as bar:
        task = bar.add_task(label, total=len(commitments))
        for lo in range(0, len(commitments), BATCH):
            envelopes = [net.sign("exporter", access.NAMESPACE, "request",
                                  {"commitment": c, "fields": fields, "purpose": "benchmark"})
                         for c in commitments[lo:lo + BATCH]]
            receipts = net.submit(envelopes, wait="committed")
            for receipt in receipts:
                record = access.find_request(net.state("exporter"), receipt.txid)
                if not receipt.valid or record is None or not record.approved:
                    raise SystemExit("a request was not approved by the grant; the benchmark would be meaningless")
                ids.append(receipt.txid)
            bar.advance(task, len(envelopes))
    return ids


# --- the timed runs --------------------------------------------------------------------------

def run_disclosures(net: EmbeddedNetwork, request_ids: Sequence[str], label: str,
                    transfer: TimedTransfer) -> float:
    start = time.perf_counter()
    with progress() as bar:
        task = bar.add_task(label, total=len(request_ids))
        for request_id in request_ids:
            disclose(net, request_id, "exporter", transfer)
            bar.advance(task)
    return time.perf_counter() - start


def is_ed25519(filename: str, name: str) -> bool:
    return "/nacl/" in filename or "crypto_sign" in name or "_sodium" in name


def is_sha256(filename: str, name: str) -> bool:
    return "_hashlib" in name or "openssl_sha" in name or "_sha2" in name or "HASH" in name


def is_tradeledger_crypto(filename: str, name: str) -> bool:
    """tradeledger's hashing, key, commitment and disclosure-digest code; not canonical JSON."""
    crypto = os.sep.join(("tradeledger", "crypto", ""))
    if crypto in filename:
        return not filename.endswith("canonical.py")
    return os.sep.join(("tradeledger", "merkle", "hashing.py")) in filename


def profile_shares(net: EmbeddedNetwork, request_ids: Sequence[str]) -> tuple[dict[str, float], dict[str, int], float]:
    """Self time per kind of work over a profiled run, the calls counted, and its wall time."""
    profiler = cProfile.Profile()
    transfer = TimedTransfer(net)
    profiler.enable()
    seconds = run_disclosures(net, request_ids, "profiled disclosures (cProfile)", transfer)
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    kinds = {"ed25519": 0.0, "sha256": 0.0, "tradeledger crypto": 0.0, "total": 0.0}
    calls = {"ed25519_sign": 0, "ed25519_verify": 0, "sha256": 0}
    for (filename, _line, name), (_cc, count, self_time, _cum, _callers) in stats.items():
        kinds["total"] += self_time
        if is_ed25519(filename, name):
            kinds["ed25519"] += self_time
        elif is_sha256(filename, name):
            kinds["sha256"] += self_time
        elif is_tradeledger_crypto(filename, name):
            kinds["tradeledger crypto"] += self_time
        if "/nacl/signing.py" in filename and name == "sign":
            calls["ed25519_sign"] += count
        if "/nacl/signing.py" in filename and name == "verify":
            calls["ed25519_verify"] += count
        if name in ("<built-in method _hashlib.openssl_sha256>", "<built-in method _hashlib.new>"):
            calls["sha256"] += count
    return kinds, calls, seconds


def unit_costs(seconds: float = 0.5) -> dict[str, float]:
    """Unprofiled seconds per Ed25519 sign, verify and SHA-256 of a typical small message."""
    key = nacl.signing.SigningKey.generate()
    message = os.urandom(400)
    signature = key.sign(message).signature

    def per_call(work: Callable[[], object]) -> float:
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            for _ in range(100):
                work()
            count += 100
        return (time.perf_counter() - start) / count

    return {
        "ed25519_sign": per_call(lambda: key.sign(message)),
        "ed25519_verify": per_call(lambda: key.verify_key.verify(message, signature)),
        "sha256": per_call(lambda: hashlib.sha256(message).digest()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=500, help="N: documents of each kind (default 500)")
    parser.add_argument("--profiled", type=int, default=200, help="M: disclosures of each kind under cProfile")
    args = parser.parse_args()
    n, m = args.documents, min(args.profiled, args.documents)
    if n < 1 or m < 1:
        parser.error("--documents and --profiled must be at least 1")

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "net"
        create_network(directory, name="bench")
        with EmbeddedNetwork(directory) as net:
            net.submit_checked("importer", access.NAMESPACE, "grant",
                               {"grantee": "exporter", "ref": f"entry={ENTRY}", "purpose": "benchmark"})
            whole = anchor_all(net, whole_document, n, False, "anchoring whole documents")
            structured = anchor_all(net, structured_document, n, True, "anchoring structured documents")
            whole_requests = request_all(net, whole, [], "requesting whole documents")
            field_requests = request_all(net, structured, CHOSEN, "requesting 3 of 10 fields")
            net.sync()
            records_before = len(access.access_records(net.state("exporter")))

            whole_transfer, field_transfer = TimedTransfer(net), TimedTransfer(net)
            whole_s = run_disclosures(net, whole_requests, "disclosing whole documents", whole_transfer)
            fields_s = run_disclosures(net, field_requests, "disclosing 3 of 10 fields", field_transfer)

            received = net.vault("exporter").received()
            records = len(access.access_records(net.state("exporter"))) - records_before
            if len(received) != 2 * n or records != 2 * n:
                raise SystemExit(f"expected {2 * n} deliveries and access records, got {len(received)} and {records}")
            if sum(r.fields is not None and sorted(r.fields) == CHOSEN for r in received) != n:
                raise SystemExit("the field disclosures did not carry exactly the three chosen fields")

            kinds, calls, profiled_s = profile_shares(net, whole_requests[:m] + field_requests[:m])

    costs = unit_costs()
    per_disclosure = (whole_s + fields_s) / (2 * n)
    estimated_crypto = sum(calls[k] * costs[k] for k in calls) / (2 * m)
    crypto_share = (kinds["ed25519"] + kinds["sha256"] + kinds["tradeledger crypto"]) / kinds["total"]
    rate = 2 * n / (whole_s + fields_s)

    table = Table(title=f"Disclosures end to end, embedded network of 5 organizations, N={n} of each kind")
    for column in ("", "disclosures/s", "ms each", "owner's node ms", "requester's node ms"):
        table.add_column(column, justify="right" if column else "left")
    for label, seconds, transfer in (("whole documents (~4 KB)", whole_s, whole_transfer),
                                     ("3 of 10 fields", fields_s, field_transfer)):
        table.add_row(label, f"{n / seconds:,.1f}", f"{1000 * seconds / n:.2f}",
                      f"{1000 * transfer.seconds / n:.2f}", f"{1000 * (seconds - transfer.seconds) / n:.2f}")
    table.add_row("both", f"{rate:,.1f}", f"{1000 * per_disclosure:.2f}", "", "")
    console.print(table)

    shares = Table(title=f"Where the time goes: cProfile self time over {2 * m} further disclosures "
                         f"({profiled_s:.1f} s profiled)")
    shares.add_column("work")
    shares.add_column("share", justify="right")
    for kind in ("ed25519", "sha256", "tradeledger crypto"):
        shares.add_row(kind, f"{kinds[kind] / kinds['total']:.1%}")
    shares.add_row("cryptography, all", f"{crypto_share:.1%}")
    shares.add_row("everything else (SQLite, fsync, JSON, contracts, Python)", f"{1 - crypto_share:.1%}")
    console.print(shares)
    console.print(
        f"per disclosure: {calls['ed25519_sign'] / (2 * m):.1f} Ed25519 signatures, "
        f"{calls['ed25519_verify'] / (2 * m):.1f} verifications, {calls['sha256'] / (2 * m):.1f} SHA-256 calls; "
        f"at unprofiled unit costs that is {1000 * estimated_crypto:.3f} ms of {1000 * per_disclosure:.2f} ms "
        f"= {estimated_crypto / per_disclosure:.1%} (crypto_share_unprofiled)"
    )
    print(f"disclosures_per_s={rate:.1f} crypto_share={crypto_share:.3f}")


if __name__ == "__main__":
    main()
