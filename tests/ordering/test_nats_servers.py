"""Finding a current nats-server, writing cluster configs that fsync before acknowledging,
and checking a running server's durability setting."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
from _ordering_helpers import wait_until_serving

from tradeledger.ordering import OrdererError
from tradeledger.ordering.nats_servers import (
    ENV_NATS_SERVER,
    LocalCluster,
    NatsClusterError,
    NatsServerNotFound,
    ServerSpec,
    find_nats_server,
    free_loopback_ports,
    jetstream_settings,
    nats_server_version,
    plan_local_cluster,
    render_server_config,
    require_sync_always,
    wait_for_jetstream_leader,
)


def fake_server(tmp_path: Path, version: str) -> Path:
    script = tmp_path / f"nats-server-{version}"
    script.write_text(f"#!/bin/sh\necho 'nats-server: v{version}'\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


# --- finding the binary ----------------------------------------------------------------------
def test_without_a_choice_the_wheel_or_path_binary_is_found_and_current(monkeypatch):
    monkeypatch.delenv(ENV_NATS_SERVER, raising=False)
    binary = find_nats_server()
    assert nats_server_version(binary) >= (2, 12, 0)


def test_an_explicit_path_wins_and_is_checked(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_NATS_SERVER, str(tmp_path / "not-this-one"))
    current = fake_server(tmp_path, "2.15.1")
    assert find_nats_server(current) == current
    with pytest.raises(NatsServerNotFound, match="is nats-server 2.9.25, older than 2.12.0"):
        find_nats_server(fake_server(tmp_path, "2.9.25"))


def test_the_environment_variable_names_the_binary_and_is_never_silently_replaced(tmp_path, monkeypatch):
    current = fake_server(tmp_path, "2.14.0")
    monkeypatch.setenv(ENV_NATS_SERVER, str(current))
    assert find_nats_server() == current
    monkeypatch.setenv(ENV_NATS_SERVER, str(tmp_path / "missing"))
    with pytest.raises(NatsServerNotFound, match=f"from {ENV_NATS_SERVER}\\) is not an executable file"):
        find_nats_server()


def test_a_binary_that_is_not_nats_server_is_refused(tmp_path):
    impostor = tmp_path / "impostor"
    impostor.write_text("#!/bin/sh\necho hello\n")
    impostor.chmod(0o755)
    with pytest.raises(NatsServerNotFound, match="does not look like nats-server"):
        find_nats_server(impostor)
    assert issubclass(NatsServerNotFound, OrdererError)


# --- configuration -----------------------------------------------------------------------------
def test_a_server_config_fsyncs_always_and_routes_to_every_peer_on_loopback(tmp_path):
    cluster = [ServerSpec(f"n{i}", 4220 + i, 6220 + i, 8220 + i, tmp_path / f"n{i}") for i in (1, 2, 3)]
    text = render_server_config(cluster[1], cluster)
    assert 'server_name: "n2"' in text
    assert "sync_interval: always" in text
    assert f'store_dir: "{tmp_path / "n2"}"' in text
    assert 'listen: "127.0.0.1:4222"' in text and 'http: "127.0.0.1:8222"' in text
    assert 'listen: "127.0.0.1:6222"' in text
    for peer in cluster:
        assert f'"nats-route://127.0.0.1:{peer.cluster_port}"' in text
    assert "0.0.0.0" not in text


def test_the_rendered_config_is_accepted_by_nats_server(tmp_path):
    servers = plan_local_cluster(tmp_path, 3)
    config = tmp_path / "n1.conf"
    config.write_text(render_server_config(servers[0], servers))
    result = subprocess.run([str(find_nats_server()), "-t", "-c", str(config)], capture_output=True, text=True,
                            timeout=30, check=False)
    assert result.returncode == 0, result.stderr


def test_a_planned_cluster_uses_distinct_free_ports(tmp_path):
    servers = plan_local_cluster(tmp_path, 3)
    ports = [p for s in servers for p in (s.client_port, s.cluster_port, s.monitor_port)]
    assert len(set(ports)) == 9
    assert [s.name for s in servers] == ["n1", "n2", "n3"]
    assert ServerSpec.from_dict(servers[0].to_dict()) == servers[0]
    assert len(set(free_loopback_ports(4))) == 4


# --- running servers ---------------------------------------------------------------------------
def test_a_server_on_the_default_lazy_fsync_fails_the_durability_check(tmp_path):
    client, monitor = free_loopback_ports(2)
    config = tmp_path / "lazy.conf"
    config.write_text(
        f'listen: "127.0.0.1:{client}"\nhttp: "127.0.0.1:{monitor}"\n'
        f'jetstream {{ store_dir: "{tmp_path / "js"}" }}\n'
    )
    process = subprocess.Popen([str(find_nats_server()), "-c", str(config)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{monitor}"
        wait_until_serving(url)
        assert not jetstream_settings(url).get("sync_always")  # omitted when false
        with pytest.raises(NatsClusterError, match="acknowledges writes before fsync"):
            require_sync_always([url])
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_waiting_for_a_leader_gives_up_with_a_clear_error():
    (unused,) = free_loopback_ports(1)
    with pytest.raises(NatsClusterError, match="elected no common leader"):
        wait_for_jetstream_leader([f"http://127.0.0.1:{unused}"], timeout=0.3)


def test_a_cluster_stops_every_server_it_started_even_when_the_body_fails(tmp_path):
    with pytest.raises(RuntimeError, match="boom"), LocalCluster(tmp_path / "c") as cluster:
        processes = list(cluster._processes)
        assert all(p is not None and p.poll() is None for p in processes)
        raise RuntimeError("boom")
    assert all(p.poll() is not None for p in processes)
    assert not any(cluster.is_running(i) for i in range(3))
    assert (tmp_path / "c" / "n1.log").stat().st_size > 0
    assert os.path.isdir(tmp_path / "c" / "n1")
