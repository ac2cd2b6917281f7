"""Envelope signature checks: remembered per process, and overlapped with execution.

Signature verification is the floor of the commit path: every envelope's Ed25519
signature must be checked. Execution is Python and holds the GIL, so a worker thread
would get the GIL too rarely to keep up; the checks therefore run in one worker process,
in chunks, while this process decodes and executes envelopes in order, waiting for a
chunk's verdicts only when it reaches them. When a peer catches up over several blocks,
the worker starts on the following blocks' raw leaves (`prefetch`) while this process
executes the current one. A verdict depends only on the key, message and signature, so where
it is computed cannot change any outcome.

In the embedded network every organization's peer lives in one process: the first peer
to verify an envelope remembers it here, so the other peers do not repeat the same
computation. A cluster node has its own process and its own memory.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from tradeledger.crypto import sha256_hex, verify_signature

SignatureItem = tuple[bytes, bytes, bytes]  # (public key, message, signature)
PARALLEL_THRESHOLD = 64  # fewer checks than this are not worth a trip to the worker
CHUNK = 512
PREFETCH_LIMIT = 100_000  # leaves whose verdicts may be in flight at once


def verify_chunk(items: Sequence[SignatureItem]) -> list[bool]:
    """Run in the worker process: verdicts for a chunk of signatures."""
    return [verify_signature(key, message, signature) for key, message, signature in items]


def check_leaves(leaves: Sequence[bytes]) -> list[bool]:
    """Run in the worker process: for each leaf, did its signer's Ed25519 did:key sign it?
    (Whether the leaf is a well-formed envelope, and whether that key is registered, is
    execution's job; a verdict is read only for a leaf execution decoded.)"""
    from tradeledger.ledger.envelope import signature_parts

    verdicts = []
    for leaf in leaves:
        parts = signature_parts(leaf)
        verdicts.append(parts is not None and verify_signature(*parts))
    return verdicts


class PendingVerdicts:
    """Verdicts of one block's signatures, some still being computed in the worker.

    Chunks are consumed in block order, as execution reaches them; each valid verdict is
    remembered by the verifier as it is read.
    """

    def __init__(self, verifier: SignatureVerifier, txids: Sequence[str], known: list[bool | None],
                 chunks: list[tuple[list[int], Future]], prefetched: dict[int, tuple[Future, int]] | None = None):
        self._verifier = verifier
        self._txids = txids
        self._known = known
        self._chunks = deque(chunks)  # (indices, future of their verdicts), in index order
        self._prefetched = prefetched or {}  # index -> (future of a leaf chunk's verdicts, place in it)

    def result(self, index: int) -> bool:
        if self._known[index] is None and index in self._prefetched:
            future, place = self._prefetched.pop(index)
            verdict = self._known[index] = future.result()[place]
            if verdict:
                self._verifier.remember(self._txids[index])
        while self._known[index] is None:
            indices, future = self._chunks.popleft()
            for i, verdict in zip(indices, future.result(), strict=True):
                self._known[i] = verdict
                if verdict:
                    self._verifier.remember(self._txids[i])
        return bool(self._known[index])


class SignatureVerifier:
    def __init__(self, capacity: int = 200_000, parallel: bool | None = None):
        self._verified: dict[str, None] = {}
        self._capacity = capacity
        self._parallel = (os.cpu_count() or 1) > 1 if parallel is None else parallel
        self._pool: ProcessPoolExecutor | None = None
        self._prefetched: dict[str, tuple[Future, int]] = {}  # txid -> (future, place in its chunk)

    def remember(self, txid: str) -> None:
        if len(self._verified) >= self._capacity:
            self._verified.pop(next(iter(self._verified)))
        self._verified[txid] = None

    def verify(self, txid: str, public_key: bytes, message: bytes, signature: bytes) -> bool:
        if txid in self._verified:
            return True
        if not verify_signature(public_key, message, signature):
            return False
        self.remember(txid)
        return True

    def prefetch(self, leaves: Sequence[bytes], txids: Sequence[str] | None = None) -> None:
        """Start checking the signatures of leaves that blocks still to be executed hold,
        so the worker verifies block n+1 while this process executes block n. `txids`,
        when the caller has them, spare hashing the leaves again."""
        if not self._parallel or not leaves or len(self._prefetched) > PREFETCH_LIMIT:
            return  # serial: no hashing here, execution computes the txids once
        pool = self._worker()
        if txids is None:
            txids = [sha256_hex(leaf) for leaf in leaves]
        todo = [(txid, leaf) for txid, leaf in zip(txids, leaves, strict=True)
                if txid not in self._verified and txid not in self._prefetched]
        for first in range(0, len(todo), CHUNK):
            chunk = todo[first:first + CHUNK]
            future = pool.submit(check_leaves, [leaf for _txid, leaf in chunk])
            for place, (txid, _leaf) in enumerate(chunk):
                self._prefetched[txid] = (future, place)

    def start(self, txids: Sequence[str], item_of: Callable[[int], SignatureItem | None]) -> PendingVerdicts:
        """Begin checking a block's signatures. `item_of(i)` gives the i-th envelope's
        (key, message, signature), or None when it could not be decoded (verdict False);
        it is asked only for signatures neither remembered nor already in the worker."""
        known: list[bool | None] = [True if txid in self._verified else None for txid in txids]
        prefetched: dict[int, tuple[Future, int]] = {}
        for i, txid in enumerate(txids):
            flight = self._prefetched.pop(txid, None)
            if flight is not None and known[i] is None:
                prefetched[i] = flight
        items: dict[int, SignatureItem] = {}
        for i, verdict in enumerate(known):
            if verdict is None and i not in prefetched:
                item = item_of(i)
                if item is None:
                    known[i] = False
                else:
                    items[i] = item
        todo = list(items)
        chunks: list[tuple[list[int], Future]] = []
        if not self._parallel or len(todo) < PARALLEL_THRESHOLD:
            for i in todo:
                known[i] = self.verify(txids[i], *items[i])
        else:
            pool = self._worker()
            for first in range(0, len(todo), CHUNK):
                indices = todo[first:first + CHUNK]
                chunks.append((indices, pool.submit(verify_chunk, [items[i] for i in indices])))
        return PendingVerdicts(self, txids, known, chunks, prefetched)

    def _worker(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # "spawn": the worker must not inherit this process's open database handles.
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    def close(self) -> None:
        self._prefetched.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
