"""Signing, previewing and submitting, written once for every runtime.

`submit_checked` is the path a workflow takes to put one transaction on the ledger: sign
as the organization, preview on the organization's own peer and refuse with the contract's
reason what would be invalid (so bad input leaves the log untouched), else submit and
wait; an envelope that the state moved under between the preview and its block is refused
with the reason its block recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tradeledger.crypto import sha256_hex
from tradeledger.errors import Refused
from tradeledger.ledger.envelope import Envelope, sign_envelope
from tradeledger.ledger.executor import Executor
from tradeledger.ledger.genesis import Genesis
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.keys import OrganizationKeys
from tradeledger.runtime.node import Node, Preview
from tradeledger.runtime.receipts import Receipt, wait_level
from tradeledger.store.base import LedgerReader


def sign_as(keys: OrganizationKeys, genesis: Genesis, contract: str, action: str, args: dict[str, Any],
            commitments: Sequence[str] = (), created_ms: int | None = None) -> Envelope:
    """An envelope signed with the organization's administrator key for this network,
    created now unless `created_ms` says when."""
    return sign_envelope(
        keys.admin, network=genesis.network_id, contract=contract, action=action, args=args,
        commitments=tuple(commitments), created_ms=now_ms() if created_ms is None else created_ms,
    )


def preview_on(executor: Executor, ledger: LedgerReader, log_size: int, envelope: Envelope) -> Preview:
    """How `envelope` would fare in a block closing now on top of `ledger` (whose log holds
    `log_size` leaves); nothing is written anywhere."""
    outcome = executor.preview(ledger, ledger.seen_txids, envelope.leaf_bytes(), log_size, now_ms())
    return Preview(outcome.valid, outcome.reason)


def leaves_of(envelopes: Sequence[Envelope | bytes]) -> tuple[list[bytes], list[str]]:
    """The leaves to order (envelopes as the log keeps them) and their txids."""
    leaves = [e if isinstance(e, bytes) else e.leaf_bytes() for e in envelopes]
    return leaves, [sha256_hex(leaf) for leaf in leaves]


def submit_checked(node: Node, organization: str, contract: str, action: str, args: dict[str, Any],
                   commitments: Sequence[str] = (), wait: str = "final") -> Receipt:
    """Sign, preview, submit and wait, refusing what the ledger would refuse (module
    docstring); the receipt is `organization`'s own peer's."""
    level = wait_level(wait)  # before anything is signed
    envelope = node.sign(organization, contract, action, args, commitments)
    node.preview(organization, envelope).raise_if_refused()
    (receipt,) = node.submit([envelope], wait=level, viewer=organization)
    if receipt.valid is False:  # the state moved between the preview and the block
        raise Refused(receipt.reason)
    return receipt
