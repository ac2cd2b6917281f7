"""What every runtime offers the workflows above it: the `Node` interface.

Two runtimes implement it: the embedded network (`tradeledger.node.EmbeddedNetwork`,
every organization's peer in one process) and a cluster node
(`tradeledger.cluster.ClusterNode`, one organization's peer in its own process). A
workflow written against `Node` runs unchanged on both.

An organization's view of the ledger is its own peer's: `state(org)` and `ledger(org)`
are the narrow doors to it (state reads; transactions, checkpoints and tiles), and
nothing above the runtime reaches into a peer's store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from tradeledger.errors import Refused
from tradeledger.ledger.collections import Payload, PrivateInput, PrivatePart
from tradeledger.ledger.envelope import Envelope
from tradeledger.ledger.genesis import Genesis
from tradeledger.ledger.state import StateReader
from tradeledger.runtime.keys import OrganizationKeys
from tradeledger.runtime.receipts import Receipt, WaitLevel
from tradeledger.store.base import Head, LedgerReader
from tradeledger.vault import Vault


@dataclass(frozen=True)
class Preview:
    """Would an envelope be valid if it were ordered now, and if not, why not."""

    valid: bool
    reason: str = ""
    # The members of each private part's collection, as of the transaction: whom to deliver to.
    members: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.valid

    def raise_if_refused(self) -> None:
        if not self.valid:
            raise Refused(self.reason)


class Node(Protocol):
    """The runtime interface the workflows are written against."""

    genesis: Genesis

    @property
    def hosted(self) -> tuple[str, ...]:
        """The organizations whose keys and vaults this node holds, in genesis order."""
        ...

    def head(self, name: str) -> Head:
        """Where `name`'s peer stands: its last committed block."""
        ...

    def organization_keys(self, name: str) -> OrganizationKeys: ...
    def vault(self, name: str) -> Vault: ...
    def state(self, name: str) -> StateReader: ...
    def ledger(self, name: str) -> LedgerReader: ...

    def sign(self, organization: str, contract: str, action: str, args: dict[str, Any],
             commitments: Sequence[str] = (), created_ms: int | None = None,
             private: Sequence[PrivatePart] = ()) -> Envelope: ...
    def preview(self, organization: str, envelope: Envelope, payloads: Sequence[Payload] = ()) -> Preview: ...
    def deliver(self, organization: str, payloads: Sequence[Payload],
                members: Mapping[tuple[str, str], tuple[str, ...]]) -> None:
        """Send each payload, sealed, to every other member of its collection (never
        through the orderer)."""
        ...
    def submit(self, envelopes: Sequence[Envelope | bytes], wait: WaitLevel = "final",
               viewer: str | None = None) -> list[Receipt]: ...
    def submit_checked(self, organization: str, contract: str, action: str, args: dict[str, Any],
                       commitments: Sequence[str] = (), wait: WaitLevel = "final",
                       private: Sequence[PrivateInput] = ()) -> Receipt: ...
