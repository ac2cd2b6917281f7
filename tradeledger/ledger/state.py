"""World state: namespaced JSON values, read through per-block and per-transaction overlays.

Contracts see a `StateView`; writes land in the transaction's overlay and reach the block's
write set only when the transaction succeeds (an invalid transaction changes no state,
DESIGN.md decision 4). The store persists the block's write set atomically with the block.

The state digest of a block is SHA-256(previous digest || canonical write set): it commits
to the whole state because the state is a pure function of the write sets since genesis.
`tradeledger audit` replays the envelopes and compares both the digests and the stored rows.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Collection, Iterable, Iterator
from typing import Any, Protocol

from tradeledger.crypto import canonical_bytes, sha256
from tradeledger.crypto.canonical import json_string_bytes
from tradeledger.errors import TradeledgerError

StateKey = tuple[str, str]  # (namespace, key)
_DELETED = object()


class StateReader(Protocol):
    def get_state(self, namespace: str, key: str) -> Any | None: ...

    def get_states(self, keys: Collection[StateKey]) -> dict[StateKey, Any]: ...

    def scan_state(self, namespace: str, prefix: str) -> Iterable[tuple[str, Any]]: ...


class Overlay:
    """Pending writes over a reader; `None` values delete.

    Each write keeps its canonical JSON text beside the value, encoded once when the
    contract writes it; the store and the state digest use that text.
    `cache_reads` memoizes reads of the base, for an overlay spanning one block, during
    which the base does not change.
    """

    def __init__(self, base: StateReader | Overlay, cache_reads: bool = False):
        self._base = base
        self.writes: dict[StateKey, Any] = {}
        self.encoded: dict[StateKey, str | None] = {}
        # The same writes by namespace, so a scan looks at its own namespace's writes only
        # (a block writes thousands of keys; each collection digest scans two namespaces).
        self._by_namespace: dict[str, dict[str, Any]] = {}
        self._sorted: dict[str, list[str]] = {}  # a namespace's written keys in order, until its next write
        self._reads: dict[StateKey, Any] | None = {} if cache_reads else None
        self._scans: dict[StateKey, list[tuple[str, Any]]] | None = {} if cache_reads else None

    def get_state(self, namespace: str, key: str) -> Any | None:
        value = self.writes.get((namespace, key), _DELETED)
        if value is not _DELETED:
            return value
        if self._reads is None:
            return self._base.get_state(namespace, key)
        value = self._reads.get((namespace, key), _DELETED)
        if value is _DELETED:
            value = self._reads[(namespace, key)] = self._base.get_state(namespace, key)
        return value

    def get_states(self, keys: Collection[StateKey]) -> dict[StateKey, Any]:
        found = {}
        for namespace, key in keys:
            value = self.get_state(namespace, key)
            if value is not None:
                found[(namespace, key)] = value
        return found

    def preload(self, keys: Iterable[StateKey]) -> None:
        """Read many keys of the base at once into the read cache: a block's predicted
        reads, fetched in a few queries instead of one query each. It changes no answer:
        the base does not change while the block executes."""
        if self._reads is None:
            return
        wanted = [key for key in set(keys) if key not in self._reads and key not in self.writes]
        if wanted:
            found = self._base.get_states(wanted)
            for key in wanted:
                self._reads[key] = found.get(key)

    def scan_state(self, namespace: str, prefix: str) -> Iterator[tuple[str, Any]]:
        merged = dict(self._base_scan(namespace, prefix))
        written = self._by_namespace.get(namespace)
        if written:
            keys = self._sorted.get(namespace)
            if keys is None:
                keys = self._sorted[namespace] = sorted(written)
            for key in keys[bisect_left(keys, prefix):]:
                if not key.startswith(prefix):
                    break
                merged[key] = written[key]
        for key in sorted(merged):
            if merged[key] is not None:
                yield key, merged[key]

    def _base_scan(self, namespace: str, prefix: str) -> Iterable[tuple[str, Any]]:
        # Under `cache_reads` the base does not change, so a scan repeated in the block (the
        # trust registry at every filing) is one query; this overlay's writes go on top.
        if self._scans is None:
            return self._base.scan_state(namespace, prefix)
        found = self._scans.get((namespace, prefix))
        if found is None:
            found = self._scans[(namespace, prefix)] = list(self._base.scan_state(namespace, prefix))
        return found

    def put(self, namespace: str, key: str, value: Any | None, encoded: str | None = None) -> None:
        if value is not None and encoded is None:
            encoded = canonical_bytes(value).decode("utf-8")
        self.writes[(namespace, key)] = value
        self.encoded[(namespace, key)] = encoded
        self._by_namespace.setdefault(namespace, {})[key] = value
        self._sorted.pop(namespace, None)

    def merge_into(self, parent: Overlay) -> None:
        parent.writes.update(self.writes)
        parent.encoded.update(self.encoded)
        for namespace, written in self._by_namespace.items():
            parent._by_namespace.setdefault(namespace, {}).update(written)
            parent._sorted.pop(namespace, None)


class PrivateStateRead(TradeledgerError, RuntimeError):
    """Public code read private state: a contract bug, since non-members would read
    nothing there and reach another verdict (the executor refuses the transaction)."""


class GuardedReader:
    """A reader that lets through only the namespaces `allowed` says yes to: every peer
    runs a public handler, so it may read no private state (`#` namespaces); a private
    part may read only the collections the read rule admits (ledger.contract)."""

    def __init__(self, base: StateReader, allowed: Callable[[str], bool]):
        self._base = base
        self._allowed = allowed

    def _check(self, namespace: str) -> None:
        if "#" in namespace and not self._allowed(namespace):
            raise PrivateStateRead(f"a read of private namespace {namespace!r} from here")

    def get_state(self, namespace: str, key: str) -> Any | None:
        self._check(namespace)
        return self._base.get_state(namespace, key)

    def get_states(self, keys: Collection[StateKey]) -> dict[StateKey, Any]:
        for namespace, _ in keys:
            self._check(namespace)
        return self._base.get_states(keys)

    def scan_state(self, namespace: str, prefix: str) -> Iterable[tuple[str, Any]]:
        self._check(namespace)
        return self._base.scan_state(namespace, prefix)


def _public_only(namespace: str) -> bool:
    return False


class StateView:
    """What one contract handler may read and write: its own namespace and reads of others,
    public state only."""

    def __init__(self, overlay: Overlay, namespace: str):
        self._overlay = overlay
        self._reader = GuardedReader(overlay, _public_only)
        self.namespace = namespace

    @property
    def reader(self) -> StateReader:
        """All of the public state as this transaction sees it, for query helpers shared with nodes."""
        return self._reader

    def get(self, key: str, namespace: str | None = None) -> Any | None:
        return self._reader.get_state(namespace or self.namespace, key)

    def scan(self, prefix: str, namespace: str | None = None) -> Iterator[tuple[str, Any]]:
        return iter(self._reader.scan_state(namespace or self.namespace, prefix))

    def put(self, key: str, value: Any) -> None:
        # Encoding here refuses non-ledger data at the write, not at commit.
        self._overlay.put(self.namespace, key, value, canonical_bytes(value).decode("utf-8"))

    def delete(self, key: str) -> None:
        self._overlay.put(self.namespace, key, None)


def write_set_bytes(encoded: dict[StateKey, str | None]) -> bytes:
    """Canonical form of a block's write set: [namespace, key, value|null] rows sorted by
    (namespace, key), assembled from the values' canonical texts."""
    rows = [
        b"[" + json_string_bytes(ns) + b"," + json_string_bytes(key) + b","
        + (text.encode("utf-8") if text is not None else b"null") + b"]"
        for (ns, key), text in sorted(encoded.items())
    ]
    return b"[" + b",".join(rows) + b"]"


def next_state_digest(previous: bytes, encoded: dict[StateKey, str | None]) -> bytes:
    return sha256(previous + write_set_bytes(encoded))


def genesis_state_digest(genesis_bytes: bytes) -> bytes:
    return sha256(b"tradeledger/state/genesis\n" + genesis_bytes)


