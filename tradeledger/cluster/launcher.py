"""Run a local cluster from a network folder: `up`, `status`, `down`.

`up` creates the network if the folder is new (customs, importer, exporter), starts three
nats-servers that fsync before acknowledging (ordering/nats_servers.py) and one node
process per organization whose keys are in the folder, all on free loopback ports and
detached from the calling process, then records pids and ports in D/cluster.json:

    D/genesis.json, D/orgs/<org>/{keys.json, ledger.db, vault/}   the network (runtime/layout.py)
    D/nats/<n>.conf, D/nats/<n>/                                  server configs, JetStream data
    D/logs/<n>.log, D/logs/<org>.log                              server and node logs
    D/cluster.json                                                what runs (cluster/plan.py)

`down` stops exactly the processes recorded there (checking each pid still runs what was
started, so a reused pid is never signalled): nodes first, then servers; SIGTERM, then
SIGKILL after a grace period.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tradeledger.cluster.messages import NodeStatus
from tradeledger.cluster.plan import ClusterRecord, NodeProcess, PlanError, ServerProcess
from tradeledger.ledger.genesis import load_genesis
from tradeledger.ordering.nats_servers import (
    CLUSTER_NAME,
    find_nats_server,
    free_loopback_ports,
    plan_local_cluster,
    render_server_config,
    require_sync_always,
    wait_for_jetstream_leader,
)
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.errors import NetworkError
from tradeledger.runtime.layout import NetworkLayout
from tradeledger.runtime.setup import DEMO_ORGANIZATIONS, create_network

CLUSTER_ORGANIZATIONS = tuple(org for org in DEMO_ORGANIZATIONS if org.name in ("customs", "importer", "exporter"))
NODE_MODULE = "tradeledger.cluster.cli"
STOP_GRACE_S = 10.0

# Loopback endpoints are reached directly, whatever HTTP(S)_PROXY says.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class LauncherError(NetworkError):
    """The cluster cannot be started, found or stopped as asked; the message says why."""


def cluster_file(directory: Path) -> Path:
    return Path(directory) / "cluster.json"


def logs_dir(directory: Path) -> Path:
    return Path(directory) / "logs"


def read_record(directory: Path) -> ClusterRecord | None:
    path = cluster_file(directory)
    if not path.exists():
        return None
    try:
        return ClusterRecord.from_dict(json.loads(path.read_text()))
    except (OSError, ValueError, PlanError) as exc:
        raise LauncherError(f"{path} cannot be read ({exc}); stop the processes by hand and remove it") from None


def write_record(directory: Path, record: ClusterRecord) -> None:
    path = cluster_file(directory)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(record.to_dict(), indent=2) + "\n")
    os.replace(temporary, path)


# --- processes we started ----------------------------------------------------------------
def process_alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie does not; one that is our child is reaped here)."""
    try:
        reaped, _ = os.waitpid(pid, os.WNOHANG)
        if reaped == pid:
            return False
    except ChildProcessError:
        pass  # not our child: init reaps it
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def runs(pid: int, marker: str) -> bool:
    """Whether `pid` is alive and its command line contains `marker` (so a pid reused by
    another program is never mistaken for one of ours)."""
    if not process_alive(pid):
        return False
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    return marker in command


def stop_process(pid: int, marker: str, grace_s: float = STOP_GRACE_S) -> bool:
    """SIGTERM `pid` if it runs `marker`, SIGKILL it after `grace_s`; True if it was running."""
    if not runs(pid, marker):
        return False
    os.kill(pid, signal.SIGTERM)
    os.kill(pid, signal.SIGCONT)  # a stopped process acts on SIGTERM only once it runs again
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        if not process_alive(pid):
            return True
        time.sleep(0.05)
    if runs(pid, marker):
        os.kill(pid, signal.SIGKILL)
        while process_alive(pid):
            time.sleep(0.02)
    return True


def _spawn(command: Sequence[str], log: Path) -> int:
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as output:
        # A session of its own: the process outlives the command that started it, and a
        # Ctrl-C in that terminal does not reach it.
        process = subprocess.Popen(list(command), stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    return process.pid


def server_marker(server: ServerProcess) -> str:
    return str(server.config)


def node_marker(directory: Path, organization: str) -> str:
    return f"{NODE_MODULE} --dir {Path(directory).resolve()} --org {organization}"


# --- up ----------------------------------------------------------------------------------
def _ensure_network(directory: Path) -> None:
    layout = NetworkLayout(directory)
    if not layout.genesis.exists():
        create_network(directory, CLUSTER_ORGANIZATIONS, name="cluster")
        return
    if layout.orderer.exists():
        raise LauncherError(
            f"{directory} holds an embedded network (its stream is {layout.orderer}); its blocks cannot move to "
            "a cluster. Start a cluster in a new folder")


def _start_servers(directory: Path, binary: str | os.PathLike[str] | None, timeout_s: float) -> list[ServerProcess]:
    nats_binary = find_nats_server(binary)
    specs = plan_local_cluster(Path(directory).resolve() / "nats", 3)
    started: list[ServerProcess] = []
    try:
        for spec in specs:
            spec.store_dir.mkdir(parents=True, exist_ok=True)
            config = spec.store_dir.parent / f"{spec.name}.conf"
            config.write_text(render_server_config(spec, specs, CLUSTER_NAME))
            log = logs_dir(directory).resolve() / f"{spec.name}.log"
            pid = _spawn([str(nats_binary), "-c", str(config)], log)
            started.append(ServerProcess(spec, nats_binary, config, log, pid))
        monitors = [s.spec.monitor_url for s in started]
        wait_for_jetstream_leader(monitors, timeout_s)
        require_sync_always(monitors)
    except BaseException:
        for server in started:
            stop_process(server.pid, server_marker(server))
        raise
    return started


def node_command(directory: Path, organization: str, servers: Sequence[str], http_port: int,
                 store: str | None, extra: Sequence[str] = ()) -> list[str]:
    command = [sys.executable, "-m", NODE_MODULE, "--dir", str(Path(directory).resolve()), "--org", organization,
               "--nats", ",".join(servers), "--http-port", str(http_port)]
    if store is not None:
        command += ["--store", store]
    return command + list(extra)


def start_node(directory: Path, organization: str, servers: Sequence[str], http_port: int,
               store: str | None = None, extra: Sequence[str] = ()) -> NodeProcess:
    layout = NetworkLayout(Path(directory).resolve())
    log = logs_dir(directory).resolve() / f"{organization}.log"
    pid = _spawn(node_command(directory, organization, servers, http_port, store, extra), log)
    return NodeProcess(organization, http_port, store or str(layout.store(organization)), log, pid)


def wait_until_healthy(directory: Path, nodes: Sequence[NodeProcess], timeout_s: float) -> None:
    """Wait until every node runs: it answers /health with 200, or with 503 for fork
    evidence in its store or a halted collection (it runs, and shows them on status). Fail with the tail of
    its log if it exits or stays unready."""
    deadline = time.monotonic() + timeout_s
    waiting = list(nodes)
    while waiting:
        node = waiting[0]
        if not runs(node.pid, node_marker(directory, node.organization)):
            raise LauncherError(f"the {node.organization} node exited; its log ends:\n{_tail(node.log)}")
        code, body = http_get_json(f"{node.url}/health", timeout_s=1.0)
        if code == 200 or (code == 503 and isinstance(body, dict)
                           and body.get("status") in ("fork", "collection halted")):
            waiting.pop(0)
            continue
        if time.monotonic() >= deadline:
            raise LauncherError(f"the {node.organization} node is not healthy after {timeout_s:.0f} s "
                                f"({body}); its log ends:\n{_tail(node.log)}")
        time.sleep(0.1)


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def up(directory: Path, *, nats_binary: str | os.PathLike[str] | None = None,
       stores: Mapping[str, str] | None = None, node_args: Sequence[str] = (),
       timeout_s: float = 60.0) -> ClusterRecord:
    """Create the network if the folder is new, start three nats-servers and a node per
    hosted organization, wait until every node is healthy, record it all in cluster.json."""
    directory = Path(directory)
    existing = read_record(directory)
    if existing is not None and any(_running(directory, existing).values()):
        raise LauncherError(f"a cluster already runs from {directory}; `tradeledger network down --dir {directory}` "
                            "first")
    _ensure_network(directory)
    layout = NetworkLayout(directory)
    genesis = load_genesis(layout.genesis)
    organizations = [org.name for org in genesis.organizations if layout.keys(org.name).exists()]
    if not organizations:
        raise LauncherError(f"{directory} holds no organization's keys; a node runs where its keys are")
    servers = _start_servers(directory, nats_binary, timeout_s)
    urls = [s.spec.client_url for s in servers]
    nodes: list[NodeProcess] = []
    record = ClusterRecord(genesis.network_id, now_ms(), tuple(servers), ())
    try:
        for organization, port in zip(organizations, free_loopback_ports(len(organizations)), strict=True):
            nodes.append(start_node(directory, organization, urls, port, (stores or {}).get(organization), node_args))
        record = ClusterRecord(genesis.network_id, record.started_ms, tuple(servers), tuple(nodes))
        write_record(directory, record)
        wait_until_healthy(directory, nodes, timeout_s)
    except BaseException:
        _stop_all(directory, record)
        cluster_file(directory).unlink(missing_ok=True)
        raise
    return record


# --- down ----------------------------------------------------------------------------------
def _running(directory: Path, record: ClusterRecord) -> dict[str, bool]:
    alive = {f"node {n.organization}": runs(n.pid, node_marker(directory, n.organization)) for n in record.nodes}
    alive.update({f"nats-server {s.spec.name}": runs(s.pid, server_marker(s)) for s in record.servers})
    return alive


def _stop_all(directory: Path, record: ClusterRecord) -> list[str]:
    stopped = []
    for node in record.nodes:  # nodes first: they must not see the servers vanish under them
        if stop_process(node.pid, node_marker(directory, node.organization)):
            stopped.append(f"node {node.organization} (pid {node.pid})")
    for server in record.servers:
        if stop_process(server.pid, server_marker(server)):
            stopped.append(f"nats-server {server.spec.name} (pid {server.pid})")
    return stopped


def down(directory: Path) -> list[str]:
    """Stop every process cluster.json records; return what was running."""
    directory = Path(directory)
    record = read_record(directory)
    if record is None:
        raise LauncherError(f"no cluster was started from {directory} (no {cluster_file(directory).name})")
    stopped = _stop_all(directory, record)
    cluster_file(directory).unlink(missing_ok=True)
    return stopped


def restart_node(directory: Path, organization: str, timeout_s: float = 60.0) -> NodeProcess:
    """Start a stopped (or killed) node again with its recorded port and store."""
    record = read_record(directory)
    if record is None:
        raise LauncherError(f"no cluster runs from {directory}")
    old = record.node(organization)
    if runs(old.pid, node_marker(directory, organization)):
        raise LauncherError(f"the {organization} node still runs (pid {old.pid})")
    store = None if old.store == str(NetworkLayout(Path(directory).resolve()).store(organization)) else old.store
    node = start_node(directory, organization, record.client_urls, old.http_port, store)
    write_record(directory, record.with_node(node))
    wait_until_healthy(directory, [node], timeout_s)
    return node


def restart_server(directory: Path, name: str, timeout_s: float = 60.0) -> ServerProcess:
    """Start a stopped (or killed) nats-server again on its recorded config and files."""
    record = read_record(directory)
    if record is None:
        raise LauncherError(f"no cluster runs from {directory}")
    matches = [s for s in record.servers if s.spec.name == name]
    if not matches:
        raise LauncherError(f"the cluster has no nats-server {name}")
    old = matches[0]
    if runs(old.pid, server_marker(old)):
        raise LauncherError(f"nats-server {name} still runs (pid {old.pid})")
    binary = find_nats_server(old.binary)
    server = ServerProcess(old.spec, binary, old.config, old.log, _spawn([str(binary), "-c", str(old.config)], old.log))
    write_record(directory, record.with_server(server))
    wait_for_jetstream_leader(record.monitor_urls, timeout_s)
    return server


# --- status -------------------------------------------------------------------------------
@dataclass(frozen=True)
class NodeReport:
    """One node as `network status` sees it: its process and what its endpoint says."""

    organization: str
    pid: int
    running: bool
    url: str
    status: NodeStatus | None
    problem: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"organization": self.organization, "pid": self.pid, "running": self.running, "url": self.url,
                "status": self.status.to_dict() if self.status else None, "problem": self.problem}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NodeReport:
        return cls(data["organization"], data["pid"], data["running"], data["url"],
                   NodeStatus.from_dict(data["status"]) if data["status"] else None, data["problem"])


@dataclass(frozen=True)
class ServerReport:
    name: str
    pid: int
    running: bool
    client_url: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "pid": self.pid, "running": self.running, "client_url": self.client_url}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ServerReport:
        return cls(data["name"], data["pid"], data["running"], data["client_url"])


def http_get_json(url: str, timeout_s: float = 2.0) -> tuple[int, Any]:
    """(HTTP status, parsed body) of a GET; (0, reason) when nothing answered."""
    try:
        with _DIRECT.open(url, timeout=timeout_s) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.load(exc)
        except ValueError:
            return exc.code, None
    except (OSError, ValueError) as exc:
        return 0, str(exc)


def status(directory: Path) -> tuple[list[ServerReport], list[NodeReport]]:
    directory = Path(directory)
    record = read_record(directory)
    if record is None:
        raise LauncherError(f"no cluster was started from {directory}; `tradeledger network up --dir {directory}`")
    servers = [ServerReport(s.spec.name, s.pid, runs(s.pid, server_marker(s)), s.spec.client_url)
               for s in record.servers]
    nodes = []
    for node in record.nodes:
        running = runs(node.pid, node_marker(directory, node.organization))
        code, body = http_get_json(f"{node.url}/status") if running else (0, "not running")
        if code == 200 and isinstance(body, dict):
            nodes.append(NodeReport(node.organization, node.pid, running, node.url, NodeStatus.from_dict(body)))
        else:
            nodes.append(NodeReport(node.organization, node.pid, running, node.url, None, str(body)))
    return servers, nodes
