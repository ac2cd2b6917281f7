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

    .venv/bin/python benchmarks/commit_throughput.py [--envelopes N] [--batch B]
Last line: commit_tx_per_s=<x> verify_per_s=<y> ratio=<x/y>
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import nacl.signing
from rich.console import Console
from rich.progress import Progress

from tradeledger.ledger.signatures import PARALLEL_THRESHOLD
from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.setup import DEMO_ORGANIZATIONS, OrgPlan

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--envelopes", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500, help="envelopes per submit and per block")
    args = parser.parse_args()

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
    print(f"commit_tx_per_s={node_rate:.0f} verify_per_s={verify_per_s:.0f} ratio={node_rate / verify_per_s:.3f}")


if __name__ == "__main__":
    main()
