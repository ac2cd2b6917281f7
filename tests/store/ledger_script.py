"""A fixed, deterministic history of store calls, and a look at a store through every
method of the Store protocol, so that two engines given the same history can be compared
answer by answer.

The history is built to reach the corners where two SQL engines could disagree: keys
and reasons holding U+0000, characters past U+FFFF and at U+E000 (whose order differs
between UTF-16 and UTF-8), prefixes of one another, deletes, rewrites of a key, partial
Merkle tiles overwritten by wider ones, a block over 1000 leaves and over 1000 state rows
(past one page of a paged scan), a transaction id in the log twice (a replay), checkpoints
final at commit and made final later, and fork evidence.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from tradeledger import merkle
from tradeledger.crypto import canonical_bytes, sha256, sha256_hex
from tradeledger.ledger.block import ZERO_HASH, BlockHeader
from tradeledger.store.base import BlockCommit, Head, Store, TxRecord

NETWORK = "store-conformance"
GENESIS = canonical_bytes({"network": NETWORK, "note": "a genesis the store keeps byte for byte"})
GENESIS_WRITES: dict[tuple[str, str], Any] = {
    ("registry", "org:customs"): {"name": "Customs", "roles": ["customs"]},
    ("registry", "org:importer"): {"name": "Northwind Imports", "roles": ["importer"]},
    ("registry", "org:ümlaut"): {"name": "Ümlaut GmbH", "roles": ["exporter"]},
}
GENESIS_HEAD = Head(0, 1, 0, merkle.EMPTY_ROOT, sha256(GENESIS), ZERO_HASH)

# Keys that sort differently under UTF-16, UTF-8 and locale collations, and a NUL.
AWKWARD_KEYS = ("a", "a\x00", "a\x00b", "a b", "aB", "ab", "a\u00e9", "a\ue000", "a\uffff", "a\U0001f600",
                "a\U0010fffe", "b", "\u00e9", "\U0001f600")
SIGNATURE_NAMES = ("demo", "demo/witness/customs", "demo/witness/importer", "Ärger", "zeta", "\u00e9t\u00e9")


def _line(name: str, seed: int) -> str:
    return f"\u2014 {name} {sha256_hex(f'{name}/{seed}'.encode())[:44]}="


@dataclass
class LedgerHistory:
    """Drives a store through the history, tracking its head as a peer would."""

    store: Store
    rng: random.Random = field(default_factory=lambda: random.Random(20240917))
    head: Head = GENESIS_HEAD
    position: int = 1
    txids: list[str] = field(default_factory=list)

    def commit(
        self,
        leaves: list[bytes],
        writes: dict[tuple[str, str], Any],
        *,
        final: bool,
        signers: tuple[str, ...] = SIGNATURE_NAMES[:3],
        replay: bool = False,
        events_per_tx: int = 1,
        extra_events: tuple[tuple[int, str, str, Any], ...] = (),
        private: dict[str, Any] | None = None,  # BlockCommit's payloads and collection_signatures
    ) -> BlockCommit:
        """Commit one block; the history moves on only if the store took it."""
        head = self.head
        position = self.position
        update = merkle.TiledLog(self.store).append(head.log_size, [merkle.leaf_hash(leaf) for leaf in leaves])
        height = head.height + 1
        txs: list[TxRecord] = []
        for offset, leaf in enumerate(leaves):
            txid = sha256_hex(leaf)
            if replay and offset == 0 and self.txids:
                txid = self.txids[0]  # the same envelope ordered again: kept, flagged invalid
            valid = not (replay and offset == 0) and offset % 7 != 3
            reason = "" if valid else f"rejected \u2014 ref {offset}\x00 held a NUL"
            txs.append(TxRecord(head.log_size + offset, txid, leaf, valid, reason, height, position + offset))
        stream_end = position + len(leaves)  # the cut marker that closes the block
        encoded = {key: None if value is None else canonical_bytes(value).decode() for key, value in writes.items()}
        state_digest = sha256(head.state_digest + canonical_bytes(sorted([list(k), v] for k, v in encoded.items())))
        header = BlockHeader(
            network=NETWORK, height=height, previous_hash=head.header_hash, first_leaf=head.log_size,
            leaf_count=len(leaves), log_size=update.new_size, log_root=update.root, state_digest=state_digest,
            time_ms=1_700_000_000_000 + height * 1000, validity="".join("1" if t.valid else "0" for t in txs),
            stream_end=stream_end,
        )
        events = [
            (t.leaf_index, "documents", f"anchored.{n}",
             canonical_bytes({"leaf": t.leaf_index, "n": n, "txid": t.txid}).decode())
            for t in txs if t.valid for n in range(events_per_tx)
        ] + list(extra_events)
        body = f"{NETWORK}\n{update.new_size}\n{update.root.hex()}\nblock {height}\n"
        commit = BlockCommit(
            header=header, next_position=stream_end + 1, txs=txs, tiles=update.tiles, writes=encoded,
            events=events, checkpoint_body=body,
            signatures=tuple(_line(name, height) for name in signers) + (_line(signers[0], height),),
            final=final, **(private or {}),
        )
        self.store.commit_block(commit)
        self.txids.extend(t.txid for t in txs)
        self.position = stream_end + 1
        self.head = Head(height, self.position, update.new_size, update.root, state_digest, header.hash)
        return commit

    def leaves(self, count: int) -> list[bytes]:
        return [self.rng.randbytes(self.rng.randint(1, 300)) for _ in range(count)]


def snapshot(store: Store) -> dict[str, Any]:
    """Everything a store holds, read through the Store API."""
    return {
        "head": store.head(),
        "headers": list(store.headers()),
        "txs": list(store.txs()),
        "tiles": list(store.tile_rows()),
        "state": list(store.state_rows()),
        "events": list(store.events()),
        "checkpoints": list(store.checkpoints()),
        "forks": store.forks(),
    }


def play(store: Store) -> LedgerHistory:
    """The whole history: genesis, six blocks, late signatures and a fork."""
    history = LedgerHistory(store)
    store.initialize(GENESIS, GENESIS_WRITES, GENESIS_HEAD)
    documents = "documents"
    history.commit(history.leaves(3), {(documents, f"r:{key}"): {"k": key, "i": i}
                                       for i, key in enumerate(AWKWARD_KEYS)}, final=True)
    history.commit(history.leaves(1), {(documents, "r:a"): None, (documents, "r:ab"): [1, "two", {"3": None}],
                                       ("registry", "org:importer"): None}, final=False)
    # Past one 256-leaf tile and past one 1000-row page of every paged scan.
    history.commit(history.leaves(1100), {(documents, f"c:{n:05d}"): {"n": n, "text": "\u00e9\U0001f600"}
                                          for n in range(1050)}, final=False, events_per_tx=1)
    history.commit(history.leaves(5), {("\u00e9ns", "x"): 1, ("ns\x00", "y"): 2, (documents, "c:00007"): None},
                   final=True, replay=True, signers=SIGNATURE_NAMES[3:])
    history.commit(history.leaves(255), {}, final=False, events_per_tx=0)
    history.commit(history.leaves(2), {(documents, "r:a\x00"): "rewritten"}, final=False)
    store.add_signatures(2, [_line("zeta", 2), _line("demo", 2)], final=True)
    store.add_signatures(5, [_line("late", 5)], final=False)
    store.add_signatures(6, [], final=True)
    store.record_fork(7, {"height": 3, "sender": "exporter", "ours": "a\n", "theirs": "b\n", "note": "\u00e9\x00"})
    store.record_fork(3, {"height": 2, "sender": "importer", "ours": "c\n", "theirs": "d\n"})
    return history


# --- observing a store through every method ---------------------------------------------
def observe(store: Store, history: LedgerHistory) -> dict[str, Any]:
    """Every Store method's answer to a spread of arguments, keyed by the call."""
    seen: dict[str, Any] = {}

    def ask(method: str, *args: Any) -> Any:
        answer = getattr(store, method)(*args)
        # Iterators and mappings are read out, so that answers compare by content.
        if isinstance(answer, Mapping):
            answer = dict(answer)
        elif isinstance(answer, Iterator):
            answer = list(answer)
        seen[f"{method}{args!r}"] = answer
        return answer

    size = history.head.log_size
    ask("genesis")
    ask("head")
    tile_keys = [(level, idx) for level, idx, _ in ask("tile_rows")]
    ask("read_tiles", tile_keys + [(0, 999), (5, 0)])
    ask("read_tiles", [(0, 1), (1, 0)])
    ask("read_tiles", [])
    state_rows = ask("state_rows")
    for ns, key, _ in state_rows[:40] + state_rows[-5:]:
        ask("get_state", ns, key)
    ask("get_state", "documents", "r:zzz")
    wanted = [(ns, key) for ns, key, _ in state_rows]
    wanted += [("documents", "r:zzz"), ("nobody", "a"), ("documents", "a\x00")]
    found = ask("get_states", wanted)
    assert found == {(ns, key): value for ns, key, value in state_rows}  # in bulk as one by one; absent left out
    assert ask("get_states", []) == {}
    for ns in sorted({ns for ns, _, _ in state_rows} | {"nobody"}):
        for prefix in ("", "r:", "r:a", "r:a\x00", "r:\U0001f600", "c:0100", "x", "org:"):
            ask("scan_state", ns, prefix)
    txs = ask("txs")
    for first, limit in ((0, 5), (250, 20), (990, 30), (size - 3, None), (size - 3, 100), (size, None), (7, 0)):
        ask("txs", first, limit)
    for record in txs[:5] + txs[1000:1003] + txs[-8:]:
        ask("tx_by_id", record.txid)
        ask("tx_by_position", record.position)
        ask("tx_by_index", record.leaf_index)
        ask("block_of_leaf", record.leaf_index)
    ask("tx_by_id", "00" * 32)
    ask("tx_by_position", 10**9)
    ask("tx_by_index", size)
    ask("block_of_leaf", size)
    for first, last in ((0, 10**9), (3, 9), (1100, 1110), (50, 40)):
        ask("txs_at_positions", first, last)
    ask("seen_txids", history.txids[:3] + history.txids[-2:] + ["ff" * 32])
    ask("seen_txids", [])
    for first, last in ((0, 100), (2, 4), (5, 1)):
        ask("final_heights", first, last)
    for height in range(history.head.height + 2):
        ask("txs_in_block", height)
        ask("header", height)
        ask("checkpoint", height)
    ask("headers")
    for first in (0, 1, 1000, size - 2, size):
        ask("events", first)
    ask("checkpoints")
    for min_size in (0, 4, 5, 1104, 10**6):
        ask("latest_final_checkpoint", min_size)
    ask("non_final_heights")
    ask("forks")
    return seen
