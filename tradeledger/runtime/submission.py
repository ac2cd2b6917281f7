"""Signing, previewing and submitting, written once for every runtime.

`submit_checked` is the path a workflow takes to put one transaction on the ledger: sign
as the organization, preview on the organization's own peer and refuse with the contract's
reason what would be invalid (so bad input leaves the log untouched), else submit and
wait; an envelope that the state moved under between the preview and its block is refused
with the reason its block recorded.

A private transaction (decision 15) commits each part's payload with a fresh salt, signs
the envelope over the commitments, previews with the payloads on the organization's own
peer (a member of every part's collection), delivers the payloads sealed to the other
members, and only then orders the envelope; a part its own peer then refuses is refused
to the caller with that reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tradeledger.crypto import sha256_hex
from tradeledger.errors import Refused
from tradeledger.ledger.collections import (
    OUTCOMES,
    Payload,
    PrivateInput,
    PrivateOutcome,
    PrivatePart,
    commit_part,
    outcome_key,
)
from tradeledger.ledger.envelope import Envelope, sign_envelope
from tradeledger.ledger.executor import Executor, PayloadBook
from tradeledger.ledger.genesis import Genesis
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.keys import OrganizationKeys
from tradeledger.runtime.node import Node, Preview
from tradeledger.runtime.receipts import Receipt, wait_level
from tradeledger.store.base import LedgerReader


def sign_as(keys: OrganizationKeys, genesis: Genesis, contract: str, action: str, args: dict[str, Any],
            commitments: Sequence[str] = (), created_ms: int | None = None,
            private: Sequence[PrivatePart] = ()) -> Envelope:
    """An envelope signed with the organization's administrator key for this network,
    created now unless `created_ms` says when."""
    return sign_envelope(
        keys.admin, network=genesis.network_id, contract=contract, action=action, args=args,
        commitments=tuple(commitments), created_ms=now_ms() if created_ms is None else created_ms,
        private=tuple(private),
    )


def preview_on(executor: Executor, ledger: LedgerReader, log_size: int, envelope: Envelope,
               payloads: Sequence[Payload] = ()) -> Preview:
    """How `envelope` would fare in a block closing now on top of `ledger` (whose log holds
    `log_size` leaves), its private parts judged on `payloads`; nothing is written anywhere."""
    outcome = executor.preview(ledger, ledger.seen_txids, envelope.leaf_bytes(), log_size, now_ms(),
                               PayloadBook(payloads))
    members = {(p.part.part, p.part.collection): p.members for p in outcome.parts}
    if not outcome.valid:
        return Preview(False, outcome.reason, members)
    missing = [p.part for p in outcome.parts if p.outcome is None]
    if missing:
        return Preview(False, f"{executor.organization} is not a member of collection {missing[0].collection}",
                       members)
    refusal = outcome.private_refusal
    return Preview(refusal is None, refusal or "", members)


def private_outcome(ledger: LedgerReader, contract: str, part: PrivatePart, leaf_index: int) -> PrivateOutcome | None:
    """How the organization's own peer judged a private part it is a member of."""
    value = ledger.get_state(OUTCOMES, outcome_key(contract, part.collection, leaf_index, part.part))
    return PrivateOutcome.from_dict(value) if value is not None else None


def leaves_of(envelopes: Sequence[Envelope | bytes]) -> tuple[list[bytes], list[str]]:
    """The leaves to order (envelopes as the log keeps them) and their txids."""
    leaves = [e if isinstance(e, bytes) else e.leaf_bytes() for e in envelopes]
    return leaves, [sha256_hex(leaf) for leaf in leaves]


def submit_checked(node: Node, organization: str, contract: str, action: str, args: dict[str, Any],
                   commitments: Sequence[str] = (), wait: str = "final",
                   private: Sequence[PrivateInput] = ()) -> Receipt:
    """Sign, preview, deliver, submit and wait, refusing what the ledger would refuse
    (module docstring); the receipt is `organization`'s own peer's."""
    level = wait_level(wait)  # before anything is signed
    parts = [commit_part(p) for p in private]
    envelope = node.sign(organization, contract, action, args, commitments, private=[p.part for p in parts])
    payloads = [p.payload(envelope.txid) for p in parts]
    preview = node.preview(organization, envelope, payloads)
    preview.raise_if_refused()
    if payloads:
        node.deliver(organization, payloads, preview.members)
    (receipt,) = node.submit([envelope], wait=level, viewer=organization)
    if receipt.valid is False:  # the state moved between the preview and the block
        raise Refused(receipt.reason)
    if receipt.leaf_index is not None:
        for part in envelope.private:
            outcome = private_outcome(node.ledger(organization), contract, part, receipt.leaf_index)
            if outcome is not None and not outcome.valid:
                raise Refused(outcome.reason)
    return receipt
