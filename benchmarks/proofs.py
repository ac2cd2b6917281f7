"""Inclusion-proof throughput: tradeledger.merkle's TiledLog against pymerkle's InmemoryTree.

Builds the same N-leaf tree both ways (TiledLog over a MemoryTileStore, and
pymerkle.InmemoryTree), checks that the roots agree, then measures inclusion
proofs generated and verified per second for random leaves (fixed seed).

    .venv/bin/python benchmarks/proofs.py                 # 10**6 leaves
    .venv/bin/python benchmarks/proofs.py --leaves 20000  # quick run

The last line is machine-readable:
proof_gen_per_s=<x> proof_verify_per_s=<y> pymerkle_gen_per_s=<a> pymerkle_verify_per_s=<b> ratio_gen=<x/a>
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

import pymerkle
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tradeledger.merkle import MemoryTileStore, TiledLog, leaf_hash, verify_inclusion

BATCH = 10_000  # leaves per TiledLog.append, i.e. per simulated ledger commit
POOL = 2_000  # distinct proofs cycled through when measuring verification


def entry(i: int) -> bytes:
    return b"benchmark entry %d" % i


def rate(work: Callable[[int], object], seconds: float) -> float:
    """Calls work(i) for i = 0, 1, ... for about *seconds*; returns calls per second (results are discarded)."""
    calls = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(64):  # check the clock every 64 calls, not every call
            work(calls)
            calls += 1
        now = time.perf_counter()
        if now >= deadline:
            return calls / (now - start)


def progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def build_tiled(n: int, console: Console) -> tuple[TiledLog, MemoryTileStore, float]:
    store = MemoryTileStore()
    log = TiledLog(store)
    start = time.perf_counter()
    with progress(console) as bar:
        task = bar.add_task("TiledLog: appending", total=n)
        for lo in range(0, n, BATCH):
            hashes = [leaf_hash(entry(i)) for i in range(lo, min(lo + BATCH, n))]
            store.write_tiles(log.append(store.size, hashes))
            bar.advance(task, len(hashes))
    return log, store, time.perf_counter() - start


def build_pymerkle(n: int, console: Console) -> tuple[pymerkle.InmemoryTree, float]:
    tree = pymerkle.InmemoryTree(algorithm="sha256")
    start = time.perf_counter()
    with progress(console) as bar:
        task = bar.add_task("pymerkle: appending", total=n)
        for lo in range(0, n, BATCH):
            for i in range(lo, min(lo + BATCH, n)):
                tree.append_entry(entry(i))
            bar.advance(task, min(BATCH, n - lo))
    return tree, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leaves", type=int, default=1_000_000, help="tree size (default 10**6)")
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each measurement")
    parser.add_argument("--seed", type=int, default=9162)
    args = parser.parse_args()
    n = args.leaves
    if n < 1:
        parser.error("--leaves must be at least 1")
    console = Console()

    log, store, tiled_build = build_tiled(n, console)
    tree, pm_build = build_pymerkle(n, console)
    root = store.root
    if root is None or tree.get_root() != root:
        raise SystemExit("pymerkle and TiledLog disagree on the root: the comparison would be meaningless")

    rng = random.Random(args.seed)
    indices = [rng.randrange(n) for _ in range(POOL)]
    leaves = [leaf_hash(entry(i)) for i in indices]

    # tradeledger: proofs from tiles; verification per RFC 9162 §2.1.3.2.
    gen = rate(lambda k: log.inclusion_proof(indices[k % POOL], n), args.seconds)
    proofs = [log.inclusion_proof(i, n) for i in indices]
    assert all(verify_inclusion(i, n, h, p, root) for i, h, p in zip(indices, leaves, proofs, strict=True))
    ver = rate(lambda k: verify_inclusion(indices[k % POOL], n, leaves[k % POOL], proofs[k % POOL], root), args.seconds)

    # pymerkle: 1-based leaf indices; verify_inclusion raises InvalidProof on failure.
    pm_gen = rate(lambda k: tree.prove_inclusion(indices[k % POOL] + 1, n), args.seconds)
    pm_proofs = [tree.prove_inclusion(i + 1, n) for i in indices]
    for h, p in zip(leaves, pm_proofs, strict=True):
        pymerkle.verify_inclusion(h, root, p)
    pm_ver = rate(lambda k: pymerkle.verify_inclusion(leaves[k % POOL], root, pm_proofs[k % POOL]), args.seconds)

    before = store.tiles_read
    log.inclusion_proof(indices[0], n)
    tiles_per_proof = store.tiles_read - before

    table = Table(title=f"Inclusion proofs, {n:,} leaves, random leaves (seed {args.seed})")
    table.add_column("")
    table.add_column("build (leaves/s)", justify="right")
    table.add_column("proofs generated/s", justify="right")
    table.add_column("proofs verified/s", justify="right")
    table.add_row("tradeledger TiledLog + MemoryTileStore", f"{n / tiled_build:,.0f}", f"{gen:,.0f}", f"{ver:,.0f}")
    table.add_row("pymerkle 7 InmemoryTree", f"{n / pm_build:,.0f}", f"{pm_gen:,.0f}", f"{pm_ver:,.0f}")
    console.print(table)
    console.print(f"{len(store.tiles):,} tiles stored; one proof read {tiles_per_proof} tiles in one call")
    print(
        f"proof_gen_per_s={gen:.0f} proof_verify_per_s={ver:.0f} "
        f"pymerkle_gen_per_s={pm_gen:.0f} pymerkle_verify_per_s={pm_ver:.0f} ratio_gen={gen / pm_gen:.2f}"
    )


if __name__ == "__main__":
    main()
