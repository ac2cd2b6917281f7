"""Test helpers: deterministic keys and signed checkpoints."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from tradeledger.tlog import Checkpoint, CosignatureSigner, NoteSigner


def seed(label: str) -> bytes:
    return hashlib.sha256(label.encode()).digest()


def log_signer(origin: str = "example.com/log", label: str | None = None) -> NoteSigner:
    return NoteSigner(seed(label or "log:" + origin), origin)


def witness_signer(name: str, label: str | None = None) -> CosignatureSigner:
    return CosignatureSigner(seed(label or "witness:" + name), name)


def signed_checkpoint(
    checkpoint: Checkpoint,
    log: NoteSigner,
    witnesses: Sequence[CosignatureSigner] = (),
    timestamp: int = 1_700_000_000,
) -> str:
    note = checkpoint.sign(log)
    for w in witnesses:
        note = w.cosign(note, timestamp)
    return note.to_text()

