"""Build proof bundles from a peer's ledger: the inclusion proof of a leaf against the
latest final checkpoint that covers it."""

from __future__ import annotations

import json
from typing import Protocol

from tradeledger import merkle
from tradeledger.errors import TradeledgerError
from tradeledger.ledger.bundle import DisclosedDocument, DisclosedFields, ProofBundle
from tradeledger.ledger.genesis import Genesis
from tradeledger.store.base import CheckpointReader, TileReader, TxIndex
from tradeledger.tlog import TlogProof


class NotProvable(TradeledgerError, LookupError):
    """The leaf is unknown, or no final checkpoint covers it yet."""


class ProofSource(TxIndex, CheckpointReader, TileReader, Protocol):
    """What a bundle is built from: the leaf, the final checkpoints and the log's tiles
    (a runtime's `ledger(org)` is one)."""


def build_bundle(
    ledger: ProofSource,
    genesis: Genesis,
    leaf_index: int,
    commitment_pointer: str,
    document: DisclosedDocument | DisclosedFields | None = None,
) -> ProofBundle:
    record = ledger.tx_by_index(leaf_index)
    if record is None:
        raise NotProvable(f"leaf {leaf_index} is not in this peer's log")
    checkpoint = ledger.latest_final_checkpoint(min_size=leaf_index + 1)
    if checkpoint is None:
        raise NotProvable(f"no final checkpoint covers leaf {leaf_index} yet; run `tradeledger sync` and retry")
    log = merkle.TiledLog(ledger)
    path = log.inclusion_proof(leaf_index, checkpoint.size)
    proof = TlogProof(leaf_index, tuple(path), checkpoint.note)
    return ProofBundle(
        envelope=json.loads(record.leaf),
        commitment_pointer=commitment_pointer,
        tlog_proof=proof.to_text(),
        policy=genesis.policy,
        document=document,
    )
