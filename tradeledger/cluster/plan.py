"""What `network up` started, as recorded in D/cluster.json: processes, pids and ports.

    {
      "format": "tradeledger-cluster/1",
      "network_id": "sha256:...",
      "started_ms": 1795282160822,
      "servers": [{"name": "n1", "client_port": ..., "cluster_port": ..., "monitor_port": ...,
                   "store_dir": "D/nats/n1", "binary": ".../nats-server", "config": "D/nats/n1.conf",
                   "log": "D/logs/n1.log", "pid": ...}, ...],
      "nodes": [{"organization": "customs", "http_port": ..., "store": "D/orgs/customs/ledger.db",
                 "log": "D/logs/customs.log", "pid": ...}, ...]
    }
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tradeledger.errors import TradeledgerError
from tradeledger.ordering.nats_servers import ServerSpec

CLUSTER_FORMAT = "tradeledger-cluster/1"


class PlanError(TradeledgerError, ValueError):
    """D/cluster.json is not a cluster record this version can read."""


@dataclass(frozen=True)
class ServerProcess:
    spec: ServerSpec
    binary: Path
    config: Path
    log: Path
    pid: int

    def to_dict(self) -> dict[str, Any]:
        return {**self.spec.to_dict(), "binary": str(self.binary), "config": str(self.config), "log": str(self.log),
                "pid": self.pid}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ServerProcess:
        return cls(ServerSpec.from_dict(data), Path(data["binary"]), Path(data["config"]), Path(data["log"]),
                   int(data["pid"]))


@dataclass(frozen=True)
class NodeProcess:
    organization: str
    http_port: int
    store: str  # path or URL, as given to the node's --store
    log: Path
    pid: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def to_dict(self) -> dict[str, Any]:
        return {"organization": self.organization, "http_port": self.http_port, "store": self.store,
                "log": str(self.log), "pid": self.pid}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NodeProcess:
        return cls(str(data["organization"]), int(data["http_port"]), str(data["store"]), Path(data["log"]),
                   int(data["pid"]))


@dataclass(frozen=True)
class ClusterRecord:
    network_id: str
    started_ms: int
    servers: tuple[ServerProcess, ...]
    nodes: tuple[NodeProcess, ...]

    @property
    def client_urls(self) -> list[str]:
        return [server.spec.client_url for server in self.servers]

    @property
    def monitor_urls(self) -> list[str]:
        return [server.spec.monitor_url for server in self.servers]

    def node(self, organization: str) -> NodeProcess:
        for node in self.nodes:
            if node.organization == organization:
                return node
        raise PlanError(f"the cluster runs no node for {organization}; it runs "
                        f"{', '.join(n.organization for n in self.nodes)}")

    def with_node(self, updated: NodeProcess) -> ClusterRecord:
        nodes = tuple(updated if n.organization == updated.organization else n for n in self.nodes)
        return ClusterRecord(self.network_id, self.started_ms, self.servers, nodes)

    def with_server(self, updated: ServerProcess) -> ClusterRecord:
        servers = tuple(updated if s.spec.name == updated.spec.name else s for s in self.servers)
        return ClusterRecord(self.network_id, self.started_ms, servers, self.nodes)

    def to_dict(self) -> dict[str, Any]:
        return {"format": CLUSTER_FORMAT, "network_id": self.network_id, "started_ms": self.started_ms,
                "servers": [s.to_dict() for s in self.servers], "nodes": [n.to_dict() for n in self.nodes]}

    @classmethod
    def from_dict(cls, data: Any) -> ClusterRecord:
        try:
            if data["format"] != CLUSTER_FORMAT:
                raise ValueError(f"format {data['format']!r}")
            return cls(str(data["network_id"]), int(data["started_ms"]),
                       tuple(ServerProcess.from_dict(s) for s in data["servers"]),
                       tuple(NodeProcess.from_dict(n) for n in data["nodes"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise PlanError(f"not a {CLUSTER_FORMAT} record ({exc!r})") from None
