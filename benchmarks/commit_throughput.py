"""Envelopes committed per second through the real path, against the Ed25519 verify rate.

The path timed: order (SQLite append with fsync), form blocks, decode and check each
envelope, resolve and verify its signer's signature, execute the documents contract,
append to the tiled Merkle log, commit the block in one SQLite transaction, sign the
checkpoint, exchange cosignatures until final. Envelopes are signed beforehand, as their
submitters sign them on their own machines; the signing rate is printed too.

The floor is signature verification: every envelope's signature must be checked. The
headline figure is one organization's node under load (in a network each node runs on its
own machine, and submitters keep its stream full): it verifies signatures in a worker
process, a window of blocks ahead of execution, as a cluster node started with
`--parallel-verification` does; timing starts once the node runs (its worker started).
The same run reports the node with one submitter waiting for each batch, the node
verifying serially, and the embedded network with every demo organization's peer
sharing this one process.

Private mode (DESIGN.md decision 15): on one network of customs, an importer, its broker
and an exporter, the same run times public anchors and then entry filings by the broker,
each with a 5-line summary as a private part whose collection has 3 members (importer,
broker, customs): sealed delivery to each member, the public handler at every peer, the
summary part (parse, power-of-attorney re-check, claims) at the members, the collections'
digests signed with the checkpoints. Target: private >= 0.5x public.

    .venv/bin/python benchmarks/commit_throughput.py [--envelopes N] [--batch B] [--filings F]
Last lines: private_tx_per_s=<p> public_tx_per_s=<q> private_ratio=<p/q>
            commit_tx_per_s=<x> verify_per_s=<y> ratio=<x/y>
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import nacl.signing
from rich.console import Console
from rich.progress import Progress

from tradeledger.contracts import brokers, entries
from tradeledger.credentials import build_credential, issue_credential
from tradeledger.credentials.data_integrity import default_created
from tradeledger.credentials.datetimes import utc_now
from tradeledger.credentials.types import customs_broker_license_subject
from tradeledger.crypto import canonical_bytes
from tradeledger.domain.entry_number import complete_entry_number
from tradeledger.identity import web_base_of_genesis
from tradeledger.ledger.collections import commit_part
from tradeledger.ledger.proving import build_bundle
from tradeledger.ledger.signatures import PARALLEL_THRESHOLD
from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.setup import DEMO_ORGANIZATIONS, OrgPlan
from tradeledger.workflows.brokers import register_broker
from tradeledger.workflows.entries import filing_inputs

console = Console(stderr=True)


def verify_rate(seconds: float = 2.0) -> float:
    """Single-core PyNaCl (libsodium) Ed25519 verifications per second on envelope-sized messages."""
    key = nacl.signing.SigningKey.generate()
    messages = [os.urandom(400) for _ in range(256)]
    signed = [(m, key.sign(m).signature) for m in messages]
    verify = key.verify_key.verify
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for message, signature in signed:
            verify(message, signature)
        count += len(signed)
    return count / (time.perf_counter() - start)


def run(organizations, envelopes: int, batch: int, label: str, parallel: bool,
        loaded: bool = False) -> tuple[float, float]:
    """Envelopes per second from the first submit until the last block is final.

    One submitter waits for each batch to be final before sending the next; `loaded` has
    submitters keep the stream full (each batch acknowledged as ordered), so peers catch
    up over many blocks at once, as a busy node does, and the last batch waits for final.
    """
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "net"
        create_network(directory, organizations, name="bench", max_block_transactions=batch)
        with EmbeddedNetwork(directory, parallel_verification=parallel) as net:
            owners = list(net.keys)
            # A running node: its verification worker is started (the first block large
            # enough to use it starts it), as it would be before submitters arrive.
            net.submit([net.sign(owners[0], "documents", "anchor", {"doc_type": "warm_up"}, [os.urandom(32).hex()])
                        for _ in range(2 * PARALLEL_THRESHOLD)])
            start = time.perf_counter()
            signed = [
                net.sign(owners[i % len(owners)], "documents", "anchor",
                         {"doc_type": "commercial_invoice", "refs": {"entry": f"B76-{i:07d}-0"}},
                         [os.urandom(32).hex()])
                for i in range(envelopes)
            ]
            sign_seconds = time.perf_counter() - start
            leaves = [envelope.leaf_bytes() for envelope in signed]  # what clients send
            # Envelopes must be fresh at their block's time: re-sign if signing took long.
            assert now_ms() - signed[0].created_ms < net.genesis.max_past_ms / 2
            start = time.perf_counter()
            with Progress(console=console, transient=True) as progress:
                task = progress.add_task(f"{label}: committing", total=envelopes)
                for first in range(0, envelopes, batch):
                    last = first + batch >= envelopes
                    wait = "final" if last or not loaded else "ordered"
                    receipts = net.submit(leaves[first:first + batch], wait=wait)
                    assert all(r.status == wait for r in receipts), receipts[0]
                    progress.advance(task, len(receipts))
            seconds = time.perf_counter() - start
            heads = {peer.head for peer in net.peers.values()}
            assert len(heads) == 1 and next(iter(heads)).log_size == envelopes + 2 * PARALLEL_THRESHOLD
            for name in net.peers:  # every envelope valid, every block final
                ledger = net.ledger(name)
                assert ledger.non_final_heights() == []
                assert all(tx.valid for tx in ledger.txs())
    return envelopes / seconds, envelopes / sign_seconds


PRIVATE_PLAN = (
    OrgPlan("customs", "customs", "U.S. Customs and Border Protection"),
    OrgPlan("importer", "importer", "Northwind Imports LLC"),
    OrgPlan("broker", "broker", "Harbor Customs Brokerage Inc."),
    OrgPlan("exporter", "exporter", "Aceros del Norte S.A. de C.V."),
)


def _empower_broker(net: EmbeddedNetwork) -> None:
    """The broker's license and the importer's power of attorney, issued and registered."""
    base = web_base_of_genesis(net.genesis.canonical)
    for authority, credential_type in (("customs", brokers.LICENSE_TYPE), ("importer", brokers.POWER_OF_ATTORNEY_TYPE)):
        net.submit_checked(authority, "trust", "trust", {"credential_type": credential_type,
                                                         "issuer": net.organization_keys(authority).admin.did})

    def issued(issuer: str, credential_type: str, subject: dict) -> dict:
        keys = net.organization_keys(issuer).admin
        unsigned = build_credential(credential_type, issuer={"id": keys.did, "name": issuer}, subject=subject,
                                    valid_until=default_created(utc_now() + timedelta(days=30)))
        return issue_credential(unsigned, keys, keys.verification_method)

    broker_did = base.organization_did("broker")
    license = issued("customs", brokers.LICENSE_TYPE, customs_broker_license_subject(
        id=broker_did, name="Harbor", license_number="21044", filer_code="H7K"))
    power = issued("importer", brokers.POWER_OF_ATTORNEY_TYPE,
                   {"type": ["Organization"], "id": broker_did, "name": "Harbor"})
    register_broker(net, "broker", license, [power], customs="customs")


def _filing(index: int) -> dict:
    lines = [{"line": n, "description": f"electric motors, lot {n}", "hts": "8501.10.4020", "origin": "MX",
              "entered_value": f"{1000 + 17 * n + index % 97}.50", "mid": "MXACEDEL450MON"} for n in range(1, 6)]
    return {"entry_number": str(complete_entry_number(f"BEN-{index:07d}")), "filed_with": "customs",
            "importer": "importer", "entry_type": "01", "port_code": "2304", "entry_date": "2026-03-03",
            "imported_on": "2026-03-02", "importer_number": "12-345678900", "mode_of_transport": "30",
            "country_of_export": "MX", "bill_of_lading": f"MAEU{index:09d}", "lines": lines, "documents": []}


PROOFS = 300  # proofs of existence built per kind, at a non-member (the exporter)


def _proof_rate(net: EmbeddedNetwork, leaves: list[int], pointer: str) -> tuple[float, float]:
    """(proofs of existence per second, mean bundle bytes) built by the exporter for `leaves`."""
    ledger = net.ledger("exporter")
    start = time.perf_counter()
    sizes = [len(canonical_bytes(build_bundle(ledger, net.genesis, leaf, pointer).to_dict())) for leaf in leaves]
    return len(leaves) / (time.perf_counter() - start), sum(sizes) / len(sizes)


def run_private(envelopes: int, filings: int, batch: int) -> tuple[float, float, tuple[float, float],
                                                                   tuple[float, float]]:
    """(public anchors per second, private 5-line filings per second, and for each kind a
    proof of existence's rate and size at a non-member), loaded, on one network."""
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "net"
        create_network(directory, PRIVATE_PLAN, name="bench", max_block_transactions=batch)
        with EmbeddedNetwork(directory, parallel_verification=True) as net:
            _empower_broker(net)
            net.submit([net.sign("importer", "documents", "anchor", {"doc_type": "warm_up"}, [os.urandom(32).hex()])
                        for _ in range(2 * PARALLEL_THRESHOLD)])
            public = [net.sign("importer", "documents", "anchor",
                               {"doc_type": "commercial_invoice", "refs": {"entry": f"B76-{i:07d}-0"}},
                               [os.urandom(32).hex()]).leaf_bytes() for i in range(envelopes)]
            public_rate = envelopes / _commit(net, [(leaf, []) for leaf in public], batch, "public anchors")
            members = {(entries.SUMMARY, entries.entry_collection(_filing(i)["entry_number"])):
                       ("importer", "broker", "customs") for i in range(filings)}
            signed = []
            for i in range(filings):
                filing = _filing(i)
                body = {k: v for k, v in filing.items() if k not in ("entry_number", "filed_with", "importer")}
                flagged, private = filing_inputs(filing["entry_number"], body)
                parts = [commit_part(p) for p in private]
                envelope = net.sign("broker", entries.NAMESPACE, "file",
                                    {"entry_number": filing["entry_number"], "filed_with": "customs",
                                     "importer": "importer", "flagged_agencies": flagged},
                                    private=[part.part for part in parts])
                signed.append((envelope.leaf_bytes(), [part.payload(envelope.txid) for part in parts]))
            private_rate = filings / _commit(net, signed, batch, "private filings", members)
            for name in net.peers:
                assert all(tx.valid for tx in net.ledger(name).txs())
            assert entries.find_entry(net.state("customs"), _filing(filings - 1)["entry_number"]) is not None
            assert entries.find_entry(net.state("exporter"), _filing(0)["entry_number"]) is None
            # A proof of existence of a private filing is the same bundle as an anchor's: one
            # leaf, its inclusion proof and the final checkpoint; only the pointer differs.
            txs = list(net.ledger("exporter").txs())
            anchors = [tx.leaf_index for tx in txs if b'"commercial_invoice"' in tx.leaf][:PROOFS]
            filed = [tx.leaf_index for tx in txs if b'"private"' in tx.leaf][:PROOFS]
            public_proofs = _proof_rate(net, anchors, "/commitments/0")
            private_proofs = _proof_rate(net, filed, "/private/0/commitment")
    return public_rate, private_rate, public_proofs, private_proofs


def _commit(net: EmbeddedNetwork, items: list, batch: int, label: str, members: dict | None = None) -> float:
    """Seconds to deliver (sealed, to each member), order and commit to final, loaded."""
    start = time.perf_counter()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"{label}: committing", total=len(items))
        for first in range(0, len(items), batch):
            chunk = items[first:first + batch]
            payloads = [payload for _leaf, parts in chunk for payload in parts]
            if payloads:
                net.deliver("broker", payloads, members or {})
            wait = "final" if first + batch >= len(items) else "ordered"
            receipts = net.submit([leaf for leaf, _parts in chunk], wait=wait)
            assert all(r.status == wait for r in receipts), receipts[0]
            progress.advance(task, len(receipts))
    return time.perf_counter() - start


def private_mode(filings: int, batch: int) -> None:
    public_rate, private_rate, (public_proof, public_size), (private_proof, private_size) = \
        run_private(max(filings, batch), filings, batch)
    print(f"{len(PRIVATE_PLAN)} peers, public anchors:                      {public_rate:10.0f} /s")
    print(f"{len(PRIVATE_PLAN)} peers, private 5-line filings, 3 members:   {private_rate:10.0f} /s  "
          f"ratio {private_rate / public_rate:.3f} (target >= 0.5)")
    print(f"proof of existence at a non-member: anchor {public_proof:.0f} /s ({public_size:.0f} B), "
          f"private filing {private_proof:.0f} /s ({private_size:.0f} B), "
          f"ratio {private_proof / public_proof:.2f} (target >= 1, within noise)")
    print(f"private_tx_per_s={private_rate:.0f} public_tx_per_s={public_rate:.0f} "
          f"private_ratio={private_rate / public_rate:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--envelopes", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500, help="envelopes per submit and per block")
    parser.add_argument("--filings", type=int, default=2_000, help="private entry filings (0: skip the mode)")
    parser.add_argument("--private-only", action="store_true", help="run the private mode alone")
    args = parser.parse_args()
    if args.private_only:
        private_mode(args.filings, args.batch)
        return

    single = (OrgPlan("customs", "customs", "U.S. Customs and Border Protection"),)
    n, b = args.envelopes, args.batch
    verify_before = verify_rate()
    one_at_a_time, sign_rate = run(single, n, b, "one node, one submitter, serial", parallel=False)
    serial_rate, _ = run(single, n, b, "one node, loaded, serial", parallel=False, loaded=True)
    node_rate, _ = run(single, n, b, "one node, loaded", parallel=True, loaded=True)
    embedded_rate, _ = run(DEMO_ORGANIZATIONS, max(n // 4, b), b,
                           f"{len(DEMO_ORGANIZATIONS)} peers in one process, loaded", parallel=True, loaded=True)
    verify_per_s = (verify_before + verify_rate()) / 2  # before and after: the machine's state drifts
    print(f"Ed25519 verify (PyNaCl, one core):                    {verify_per_s:10.0f} /s")
    print(f"envelope signing (client side):                       {sign_rate:10.0f} /s")
    rows = (
        ("one node, one submitter waiting for final, serial", one_at_a_time),
        ("one node under load, serial", serial_rate),
        ("one node under load, verification in a worker process", node_rate),
        (f"{len(DEMO_ORGANIZATIONS)} peers in one process under load", embedded_rate),
    )
    for label, rate in rows:
        print(f"committed to final, {label}: {rate:10.0f} /s  ratio {rate / verify_per_s:.3f}")
    if args.filings:
        private_mode(args.filings, b)
    print(f"commit_tx_per_s={node_rate:.0f} verify_per_s={verify_per_s:.0f} ratio={node_rate / verify_per_s:.3f}")


if __name__ == "__main__":
    main()
