"""World state: namespaced JSON values, read through per-block and per-transaction overlays.

Contracts see a `StateView`; writes land in the transaction's overlay and reach the block's
write set only when the transaction succeeds (an invalid transaction changes no state,
DESIGN.md decision 4). The store persists the block's write set atomically with the block.

The state digest of a block is SHA-256(previous digest || canonical write set): it commits
to the whole state because the state is a pure function of the write sets since genesis.
`tradeledger audit` replays the envelopes and compares both the digests and the stored rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from tradeledger.crypto import canonical_bytes, sha256

StateKey = tuple[str, str]  # (namespace, key)
_DELETED = object()


class StateReader(Protocol):
    def get_state(self, namespace: str, key: str) -> Any | None: ...

    def scan_state(self, namespace: str, prefix: str) -> Iterable[tuple[str, Any]]: ...


class Overlay:
    """Pending writes over a reader; `None` values delete."""

    def __init__(self, base: StateReader | Overlay):
        self._base = base
        self.writes: dict[StateKey, Any] = {}

    def get_state(self, namespace: str, key: str) -> Any | None:
        value = self.writes.get((namespace, key), _DELETED)
        if value is not _DELETED:
            return value
        return self._base.get_state(namespace, key)

    def scan_state(self, namespace: str, prefix: str) -> Iterator[tuple[str, Any]]:
        merged = dict(self._base.scan_state(namespace, prefix))
        for (ns, key), value in self.writes.items():
            if ns == namespace and key.startswith(prefix):
                merged[key] = value
        for key in sorted(merged):
            if merged[key] is not None:
                yield key, merged[key]

    def put(self, namespace: str, key: str, value: Any | None) -> None:
        self.writes[(namespace, key)] = value

    def merge_into(self, parent: Overlay) -> None:
        parent.writes.update(self.writes)


class StateView:
    """What one contract handler may read and write: its own namespace and reads of others."""

    def __init__(self, overlay: Overlay, namespace: str):
        self._overlay = overlay
        self.namespace = namespace

    def get(self, key: str, namespace: str | None = None) -> Any | None:
        return self._overlay.get_state(namespace or self.namespace, key)

    def scan(self, prefix: str, namespace: str | None = None) -> Iterator[tuple[str, Any]]:
        return self._overlay.scan_state(namespace or self.namespace, prefix)

    def put(self, key: str, value: Any) -> None:
        canonical_bytes(value)  # refuse non-ledger data at the write, not at commit
        self._overlay.put(self.namespace, key, value)

    def delete(self, key: str) -> None:
        self._overlay.put(self.namespace, key, None)


def write_set_bytes(writes: dict[StateKey, Any]) -> bytes:
    """Canonical form of a block's write set: sorted [namespace, key, value|null] rows."""
    rows = [[ns, key, value] for (ns, key), value in sorted(writes.items())]
    return canonical_bytes(rows)


def next_state_digest(previous: bytes, writes: dict[StateKey, Any]) -> bytes:
    return sha256(previous + write_set_bytes(writes))


def genesis_state_digest(genesis_bytes: bytes) -> bytes:
    return sha256(b"tradeledger/state/genesis\n" + genesis_bytes)


ReadFn = Callable[[str, str], Any]
