"""`tradeledger network up|status|down`: one command starts three nats-servers and a node
per organization in the background, status reads every node's endpoint, down stops
exactly what up started, and a second up resumes the same ledger from its files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from _cluster_helpers import all_agree_at, anchors, force_down
from typer.testing import CliRunner

from tradeledger.cli.network import network_app
from tradeledger.cluster import launcher
from tradeledger.cluster.client import ClusterClient
from tradeledger.ledger.genesis import load_genesis
from tradeledger.node import EmbeddedNetwork, NetworkError, create_network
from tradeledger.runtime.layout import NetworkLayout

app = typer.Typer()
app.add_typer(network_app, name="network")
runner = CliRunner()
ORGANIZATIONS = ("customs", "importer", "exporter")


def invoke(*args: str):
    return runner.invoke(app, ["network", *args])


def test_up_status_down_and_up_again(tmp_path: Path):
    directory = tmp_path / "net"
    record = None
    try:
        started = invoke("up", "--dir", str(directory))
        assert started.exit_code == 0, started.output
        record = launcher.read_record(directory)
        assert record is not None and {n.organization for n in record.nodes} == set(ORGANIZATIONS)
        assert len(record.servers) == 3
        assert all(launcher.runs(n.pid, launcher.node_marker(directory, n.organization)) for n in record.nodes)
        assert all(url.startswith("nats://127.0.0.1:") for url in record.client_urls)
        for node in record.nodes:
            assert f"node {node.organization}" in started.output and node.url in started.output

        again = invoke("up", "--dir", str(directory))
        assert again.exit_code == 2 and "already runs" in again.output

        genesis = load_genesis(NetworkLayout(directory).genesis)
        with ClusterClient(record.client_urls, genesis) as client:
            receipts = client.submit(anchors(directory, genesis, 5, "CLI"), wait="final")
            assert [r.status for r in receipts] == ["final"] * 5 and all(r.valid for r in receipts)
            agreed = all_agree_at(client, ORGANIZATIONS, 5)

        shown = invoke("status", "--dir", str(directory), "--json")
        assert shown.exit_code == 0, shown.output
        reports = json.loads(shown.output)
        nodes = {n["organization"]: n["status"] for n in reports["nodes"]}
        assert {n["height"] for n in nodes.values()} == {1}
        assert {n["final_height"] for n in nodes.values()} == {1}
        assert {n["log_root"] for n in nodes.values()} == {agreed["customs"].log_root}
        assert all(server["running"] for server in reports["servers"])
        table = invoke("status", "--dir", str(directory))
        assert table.exit_code == 0 and "importer" in table.output and "running" in table.output

        code, health = launcher.http_get_json(f"{record.node('exporter').url}/health")
        assert code == 200 and health["status"] == "ok"
        # While the nodes run, the embedded commands keep off their stores.
        with pytest.raises(NetworkError, match="another tradeledger process"):
            EmbeddedNetwork(directory)

        stopped = invoke("down", "--dir", str(directory))
        assert stopped.exit_code == 0, stopped.output
        assert stopped.output.count("stopped node") == 3 and stopped.output.count("stopped nats-server") == 3
        assert not any(launcher.process_alive(n.pid) for n in record.nodes)
        assert not any(launcher.process_alive(s.pid) for s in record.servers)
        assert not launcher.cluster_file(directory).exists()
        gone = invoke("status", "--dir", str(directory))
        assert gone.exit_code == 2 and "no cluster was started" in gone.output

        # The stream (JetStream's files) and the nodes' stores survive: up resumes the ledger.
        resumed = invoke("up", "--dir", str(directory))
        assert resumed.exit_code == 0, resumed.output
        record = launcher.read_record(directory)
        with ClusterClient(record.client_urls, genesis) as client:
            after = all_agree_at(client, ORGANIZATIONS, 5)
            assert after["importer"].log_root == agreed["importer"].log_root
            client.submit(anchors(directory, genesis, 2, "AGAIN"), wait="final")
            all_agree_at(client, ORGANIZATIONS, 7)
        assert invoke("down", "--dir", str(directory)).exit_code == 0
    finally:
        force_down(directory, record)


def test_down_without_a_cluster_says_so(tmp_path: Path):
    result = invoke("down", "--dir", str(tmp_path))
    assert result.exit_code == 2 and "no cluster was started" in result.output


def test_up_refuses_a_folder_that_holds_an_embedded_network(tmp_path: Path):
    create_network(tmp_path / "net", launcher.CLUSTER_ORGANIZATIONS)
    with EmbeddedNetwork(tmp_path / "net"):
        pass  # opening it creates the solo orderer's stream
    result = invoke("up", "--dir", str(tmp_path / "net"))
    assert result.exit_code == 2 and "embedded network" in result.output
    assert not launcher.cluster_file(tmp_path / "net").exists()
