"""Where an embedded network keeps its files.

    D/genesis.json                 the network's genesis document
    D/orderer/stream.db            the solo orderer's stream
    D/orgs/<org>/keys.json         the organization's secret keys (mode 0600)
    D/orgs/<org>/ledger.db         its peer's store
    D/orgs/<org>/vault/            its vault: documents and commitment salts
"""

from __future__ import annotations

from pathlib import Path


class NetworkLayout:
    def __init__(self, directory: Path):
        self.directory = Path(directory)

    @property
    def genesis(self) -> Path:
        return self.directory / "genesis.json"

    @property
    def orderer(self) -> Path:
        return self.directory / "orderer" / "stream.db"

    @property
    def lock(self) -> Path:
        return self.directory / ".lock"

    def org(self, name: str) -> Path:
        return self.directory / "orgs" / name

    def keys(self, name: str) -> Path:
        return self.org(name) / "keys.json"

    def store(self, name: str) -> Path:
        return self.org(name) / "ledger.db"

    def vault(self, name: str) -> Path:
        return self.org(name) / "vault"
