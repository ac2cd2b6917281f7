"""An organization's secret keys on disk: its administrator key and its node's two
checkpoint keys. The file never leaves the organization's folder."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from tradeledger.crypto import KeyPair
from tradeledger.errors import TradeledgerError
from tradeledger.ledger.checkpoints import NodeSigner
from tradeledger.tlog import CosignatureSigner, NoteSigner

KEYS_FORMAT = "tradeledger-keys/1"


class KeyFileError(TradeledgerError, RuntimeError):
    """An organization's key file that cannot be read."""


@dataclass(frozen=True)
class OrganizationKeys:
    organization: str
    admin: KeyPair
    log: NoteSigner
    witness: CosignatureSigner

    @property
    def node_signer(self) -> NodeSigner:
        return NodeSigner(self.log, self.witness)

    def to_dict(self) -> dict:
        return {
            "format": KEYS_FORMAT,
            "organization": self.organization,
            "admin": self.admin.private_multibase,
            "log": self.log.skey,
            "witness": self.witness.skey,
        }

    @classmethod
    def from_dict(cls, data: dict) -> OrganizationKeys:
        if data.get("format") != KEYS_FORMAT:
            raise ValueError(f"not a tradeledger key file (format {KEYS_FORMAT})")
        return cls(
            organization=data["organization"],
            admin=KeyPair.from_private_multibase(data["admin"]),
            log=NoteSigner.from_skey(data["log"]),
            witness=CosignatureSigner.from_skey(data["witness"]),
        )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(self.to_dict(), handle, indent=2)

    @classmethod
    def load(cls, path: Path) -> OrganizationKeys:
        try:
            return cls.from_dict(json.loads(path.read_text()))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise KeyFileError(
                f"{path} is not a readable tradeledger key file ({exc}); restore it from backup"
            ) from None
