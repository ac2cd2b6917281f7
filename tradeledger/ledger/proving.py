"""Build proof bundles from a peer's store: the inclusion proof of a leaf against the
latest final checkpoint that covers it."""

from __future__ import annotations

import json

from tradeledger import merkle
from tradeledger.errors import TradeledgerError
from tradeledger.ledger.bundle import DisclosedDocument, DisclosedFields, ProofBundle
from tradeledger.ledger.genesis import Genesis
from tradeledger.store.base import LedgerReader
from tradeledger.tlog import TlogProof


class NotProvable(TradeledgerError, LookupError):
    """The leaf is unknown, or no final checkpoint covers it yet."""


def build_bundle(
    store: LedgerReader,
    genesis: Genesis,
    leaf_index: int,
    commitment_pointer: str,
    document: DisclosedDocument | DisclosedFields | None = None,
) -> ProofBundle:
    record = store.tx_by_index(leaf_index)
    if record is None:
        raise NotProvable(f"leaf {leaf_index} is not in this peer's log")
    checkpoint = store.latest_final_checkpoint(min_size=leaf_index + 1)
    if checkpoint is None:
        raise NotProvable(f"no final checkpoint covers leaf {leaf_index} yet; run `tradeledger sync` and retry")
    log = merkle.TiledLog(store)
    path = log.inclusion_proof(leaf_index, checkpoint.size)
    proof = TlogProof(leaf_index, tuple(path), checkpoint.note)
    return ProofBundle(
        envelope=json.loads(record.leaf),
        commitment_pointer=commitment_pointer,
        tlog_proof=proof.to_text(),
        policy=genesis.policy,
        document=document,
    )
