"""Measure block commits per second on SQLite and on PostgreSQL (not a test).

    .venv/bin/python tests/store/bench_commits.py [--blocks 200] [--txs 100]

Each block looks like a block of `documents.anchor` transactions: per transaction a
~600-byte leaf, two state rows and one event; per block the Merkle tiles, a checkpoint and
six signature lines. Only `commit_block` is timed; the PostgreSQL server is a throwaway
cluster on loopback with fsync on, the SQLite file runs WAL with synchronous=NORMAL, as
the stores do.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ledger_script import GENESIS, GENESIS_HEAD, GENESIS_WRITES, LedgerHistory  # noqa: E402
from pgcluster import ThrowawayPostgres  # noqa: E402

from tradeledger.store.postgres import PostgresStore  # noqa: E402
from tradeledger.store.sqlite import SQLiteStore  # noqa: E402


class TimedStore:
    """Passes every call through; adds up the time spent in commit_block."""

    def __init__(self, store):
        self.store = store
        self.seconds = 0.0

    def commit_block(self, commit) -> None:
        started = time.perf_counter()
        self.store.commit_block(commit)
        self.seconds += time.perf_counter() - started

    def __getattr__(self, name):
        return getattr(self.store, name)


def run(store, blocks: int, txs: int) -> float:
    timed = TimedStore(store)
    store.initialize(GENESIS, GENESIS_WRITES, GENESIS_HEAD)
    history = LedgerHistory(timed, rng=random.Random(7))
    for number in range(blocks):
        leaves = [history.rng.randbytes(600) for _ in range(txs)]
        writes = {}
        for n, leaf in enumerate(leaves):
            commitment = leaf[:32].hex()
            writes[("documents", f"c:{commitment}")] = {"commitment": commitment, "doc_type": "commercial_invoice",
                                                        "refs": {"entry": f"E-{number}-{n}"}, "owner": "importer"}
            writes[("documents", f"r:entry=E-{number}-{n}\n{commitment}")] = number * txs + n
        history.commit(leaves, writes, final=number % 2 == 0, signers=("a", "b", "c", "d", "e", "f"))
    return blocks / timed.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=200)
    parser.add_argument("--txs", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = SQLiteStore(Path(folder) / "peer.db")
        rate = run(store, args.blocks, args.txs)
        store.close()
        print(f"sqlite     {rate:8.1f} blocks/s  ({rate * args.txs:9.0f} tx/s), {args.blocks} blocks of {args.txs} txs")
    with ThrowawayPostgres() as server:
        store = PostgresStore(server.url(server.create_database()))
        rate = run(store, args.blocks, args.txs)
        store.close()
        print(f"postgresql {rate:8.1f} blocks/s  ({rate * args.txs:9.0f} tx/s), {args.blocks} blocks of {args.txs} txs")


if __name__ == "__main__":
    main()
