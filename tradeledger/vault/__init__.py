"""Vaults: each organization's own store of documents, salts and private payloads."""

from tradeledger.crypto.commitment import commit_document, commitment_of, new_salt
from tradeledger.vault.store import Vault, VaultError

__all__ = ["Vault", "VaultError", "commit_document", "commitment_of", "new_salt"]
