"""What the JetStream orderer adds to the interface: an R3 stream on fsyncing servers, cut
markers collapsed by JetStream's de-duplication, idempotent envelope publishes, reading
one's own writes from any replica, and connecting to a cluster that is already running."""

from __future__ import annotations

import socket
import subprocess
import threading

import pytest
from _ordering_helpers import fresh_network_id, wait_until_serving
from nats.aio.msg import Msg

from tradeledger.ledger.block import form_blocks
from tradeledger.ordering import OrdererError
from tradeledger.ordering.jetstream import (
    JetStreamOrderer,
    JetStreamOrdererError,
    NotAcknowledgedYet,
    StreamDescription,
    StreamMismatch,
    ack_from_reply,
    cut_msg_id,
    envelope_msg_id,
    stream_name_for,
    subject_for,
    timestamp_ms,
)
from tradeledger.ordering.nats_servers import (
    find_nats_server,
    free_loopback_ports,
    jetstream_settings,
    require_sync_always,
)


# --- the stream and the servers ------------------------------------------------------------
def test_the_stream_is_replicated_three_times_on_file_storage_and_never_loses_messages(jetstream, network_id):
    stream = jetstream.describe()
    assert stream.name == stream_name_for(network_id)
    assert stream.subjects == (subject_for(network_id),)
    assert stream.replicas == 3
    assert stream.storage == "file"
    assert stream.allow_direct
    assert stream.deny_delete and stream.deny_purge
    assert stream.duplicate_window_ms == 120_000
    assert stream.leader is not None and len(stream.followers) == 2
    assert StreamDescription.from_dict(stream.to_dict()) == stream


def test_every_server_fsyncs_each_write_before_acknowledging_it(cluster):
    for url in cluster.monitor_urls:
        assert jetstream_settings(url)["sync_always"] is True
    require_sync_always(cluster.monitor_urls)  # the check an operator runs on their own cluster


def test_stream_names_are_derived_from_the_network_id():
    network = "sha256:" + "0f" * 32
    assert stream_name_for(network) == "TRADELEDGER_" + "0f" * 32
    assert subject_for(network) == "tradeledger.order." + "0f" * 32
    assert stream_name_for("sha256:a.b c") == "TRADELEDGER_a_b_c"  # no NATS token separators


# --- connecting ------------------------------------------------------------------------------
def test_nodes_connected_to_different_servers_read_the_same_stream(cluster, network_id):
    first = JetStreamOrderer(cluster.client_urls[0], network_id)  # one URL, as an operator gives it
    second = JetStreamOrderer(cluster.client_urls[2], network_id)
    try:
        assert first.submit([b"from-first"]) == [1]
        assert second.submit([b"from-second"], cut=True) == [2]
        assert [i.payload for i in first.read(1)] == [b"from-first", b"from-second", b""]
        assert first.read(1) == second.read(1)
        assert first.last_position() == second.last_position() == 3
    finally:
        first.close()
        second.close()


def test_an_existing_stream_with_other_settings_is_refused(cluster):
    network = fresh_network_id()
    single = JetStreamOrderer(cluster.client_urls, network, replicas=1)
    single.close()
    with pytest.raises(StreamMismatch, match="1 replicas \\(want 3\\)") as caught:
        JetStreamOrderer(cluster.client_urls, network)
    assert caught.value.exists and caught.value.problems == ("1 replicas (want 3)",)
    assert caught.value.stream == stream_name_for(network)


def test_a_cluster_that_requires_credentials_is_reached_with_connect_options(tmp_path):
    client, monitor = free_loopback_ports(2)
    config = tmp_path / "token.conf"
    config.write_text(
        f'listen: "127.0.0.1:{client}"\nhttp: "127.0.0.1:{monitor}"\n'
        f'authorization {{ token: "s3cret" }}\n'
        f'jetstream {{ store_dir: "{tmp_path / "js"}", sync_interval: always }}\n'
    )
    server = subprocess.Popen([str(find_nats_server()), "-c", str(config)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        wait_until_serving(f"http://127.0.0.1:{monitor}")
        url = f"nats://127.0.0.1:{client}"
        with pytest.raises(OrdererError, match="cannot connect to NATS"):
            JetStreamOrderer(url, fresh_network_id(), replicas=1, connect_timeout_s=0.5)
        with JetStreamOrderer(url, fresh_network_id(), replicas=1, connect_options={"token": "s3cret"}) as single:
            assert single.submit([b"a"], cut=True) == [1]
            assert single.describe().replicas == 1
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_server_older_than_2_12_is_refused(tmp_path):
    """A stand-in that speaks just enough of the NATS protocol to announce version 2.9.25,
    as Debian's packaged server would."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def old_server() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.sendall(b'INFO {"server_id":"OLD","version":"2.9.25","proto":1,"headers":true,'
                         b'"max_payload":1048576}\r\n')
            buffered = b""
            while b"PING" not in buffered:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                buffered += chunk
            conn.sendall(b"PONG\r\n")
            conn.recv(4096)  # until the client hangs up

    serving = threading.Thread(target=old_server, daemon=True)
    serving.start()
    try:
        with pytest.raises(JetStreamOrdererError, match="runs 2.9.25; the orderer needs 2.12.0"):
            JetStreamOrderer(f"nats://127.0.0.1:{port}", fresh_network_id(), connect_timeout_s=2)
    finally:
        listener.close()
        serving.join(timeout=5)


def test_an_unreachable_cluster_is_an_orderer_error():
    with pytest.raises(OrdererError, match="cannot connect to NATS"):
        JetStreamOrderer("nats://127.0.0.1:9", fresh_network_id(), connect_timeout_s=0.5)


# --- cuts -------------------------------------------------------------------------------------
def test_nodes_asking_to_close_the_same_tail_append_one_cut_marker(cluster, network_id):
    nodes = [JetStreamOrderer(url, network_id) for url in cluster.client_urls]
    try:
        (last,) = nodes[0].submit([b"pending"])
        markers = [node.cut_after(last) for node in nodes]
        assert markers == [2, 2, 2]
        assert [i.kind for i in nodes[1].read(1)] == ["envelope", "cut"]
    finally:
        for node in nodes:
            node.close()


def test_cuts_closing_different_tails_are_all_kept(jetstream):
    jetstream.submit([b"a"])
    assert jetstream.cut_after(1) == 2
    jetstream.submit([b"b"])
    assert jetstream.cut_after(3) == 4
    assert [i.kind for i in jetstream.read(1)] == ["envelope", "cut", "envelope", "cut"]


def test_a_cut_after_a_position_not_yet_on_the_stream_is_refused(jetstream):
    jetstream.submit([b"a"])
    with pytest.raises(JetStreamOrdererError, match="stream ends at 1"):
        jetstream.cut_after(5)
    with pytest.raises(ValueError):
        jetstream.cut_after(-1)


def test_concurrent_cuts_from_several_nodes_leave_nothing_pending(cluster, network_id):
    nodes = [JetStreamOrderer(url, network_id) for url in cluster.client_urls]
    try:
        nodes[0].submit([b"e%d" % i for i in range(20)])
        threads = [threading.Thread(target=node.cut) for node in nodes for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        items = nodes[2].read(1)
        _blocks, resume = form_blocks(items, next_position=1, max_transactions=1000)
        assert resume == items[-1].position + 1  # every envelope is in a closed block
        assert sum(i.kind == "cut" for i in items) <= 9
    finally:
        for node in nodes:
            node.close()


# --- envelopes --------------------------------------------------------------------------------
def test_a_resubmitted_envelope_keeps_its_first_position(jetstream):
    """JetStream stores an envelope once per duplicate window, where the solo orderer
    would append it again (and the executor reject the replay): a client retrying after a
    lost acknowledgement gets the position it already has."""
    assert jetstream.submit([b"a", b"b"]) == [1, 2]
    assert jetstream.submit([b"b", b"c"]) == [2, 3]
    assert [i.payload for i in jetstream.read(1)] == [b"a", b"b", b"c"]


def test_an_envelope_larger_than_the_servers_accept_is_refused_before_publishing(jetstream):
    with pytest.raises(JetStreamOrdererError, match="max_payload"):
        jetstream.submit([b"x" * (2 * 1024 * 1024)])
    assert jetstream.last_position() == 0


def test_a_node_always_reads_its_own_acknowledged_writes(jetstream):
    # Direct gets are answered by any replica, followers included; the orderer must still
    # return every position it has seen acknowledged.
    for round_ in range(1, 41):
        (position,) = jetstream.submit([b"w%d" % round_])
        assert [i.position for i in jetstream.read(position)] == [position]


def test_message_ids_collapse_retries_and_equal_cuts_only():
    assert envelope_msg_id(b"x") == envelope_msg_id(b"x") != envelope_msg_id(b"y")
    assert cut_msg_id(7) == "cut-after-7" != cut_msg_id(8)


# --- timestamps -------------------------------------------------------------------------------
def test_stream_timestamps_are_read_to_the_millisecond():
    assert timestamp_ms("1970-01-01T00:00:00Z") == 0
    assert timestamp_ms("2026-01-02T03:04:05.123999999Z") == 1767323045123  # truncated, not rounded
    assert timestamp_ms("2026-01-02T03:04:05.5Z") == 1767323045500
    assert timestamp_ms("2026-01-02T04:04:05.5+01:00") == 1767323045500


def test_an_unreadable_timestamp_is_an_error():
    with pytest.raises(JetStreamOrdererError, match="unreadable stream timestamp"):
        timestamp_ms("yesterday")


# --- publish acknowledgements ---------------------------------------------------------------------
def reply(data: bytes = b"", headers: dict[str, str] | None = None) -> Msg:
    return Msg(_client=None, subject="_INBOX.x.1", data=data, headers=headers)  # type: ignore[arg-type]  # a parsed reply needs no client


def test_an_acknowledgement_carries_the_stream_position():
    ack = ack_from_reply(reply(b'{"stream":"S","seq":42,"duplicate":true}'))
    assert (ack.stream, ack.seq, ack.duplicate) == ("S", 42, True)


@pytest.mark.parametrize("answer", [
    reply(headers={"Status": "503"}),  # no stream leader to answer
    reply(b'{"error":{"code":503,"err_code":10008,"description":"JetStream system temporarily unavailable"}}'),
    reply(b'{"error":{"code":409,"err_code":10158,"description":"duplicate message id is in process"}}'),
])
def test_answers_during_an_election_or_a_parallel_retry_are_retried(answer):
    with pytest.raises(NotAcknowledgedYet):
        ack_from_reply(answer)


def test_a_refusal_for_good_is_reported_with_the_servers_reason():
    answer = reply(b'{"error":{"code":400,"err_code":10060,"description":"expected stream does not match"}}')
    with pytest.raises(JetStreamOrdererError, match="expected stream does not match") as refused:
        ack_from_reply(answer)
    assert not isinstance(refused.value, NotAcknowledgedYet)
