"""Audit re-verifies everything from the envelopes; forks are kept as evidence and fail it
(DESIGN.md decision 7: no single party can rewrite history unnoticed)."""

import sqlite3

import pytest

from tradeledger.contracts import default_contracts
from tradeledger.ledger.audit import audit_store
from tradeledger.ledger.checkpoints import checkpoint_body
from tradeledger.ledger.peer import ForkDetected
from tradeledger.node import EmbeddedNetwork
from tradeledger.tlog import Checkpoint


def fill(net, count=12):
    for i in range(count):
        net.submit([net.sign("importer", "documents", "anchor", {"doc_type": "invoice", "refs": {"entry": f"E{i}"}},
                             [f"{i:064x}"])])


def audit(net, name="customs"):
    peer = net.peers[name]
    return audit_store(name, peer.store, net.genesis, default_contracts())


def test_a_fresh_ledger_is_intact(network):
    fill(network)
    report = audit(network)
    assert report.ok, report.problems
    assert report.blocks == 12 and report.transactions == 12 and report.signatures_checked == 12 * 6


@pytest.mark.parametrize(
    "sql, expected",
    [
        ("UPDATE txs SET leaf = replace(leaf, 'E3', 'E9') WHERE leaf_index = 3", "leaf 3"),
        ("UPDATE txs SET valid = 0 WHERE leaf_index = 4", "leaf 4"),
        ("UPDATE blocks SET header = replace(header, '\"leaf_count\":1', '\"leaf_count\":2') WHERE height = 5",
         "block 5"),
        ("UPDATE checkpoints SET body = replace(body, 'tradeledger-state ', 'tradeledger-state 0') WHERE height = 6",
         "block 6"),
        ("UPDATE signatures SET line = substr(line, 1, length(line) - 8) || 'AAAAAAA=' "
         "WHERE height = 7 AND line LIKE '%witness/exporter%'", "block 7"),
        ("UPDATE state SET value = replace(value, 'invoice', 'packing') "
         "WHERE key LIKE 'document/%' AND value LIKE '%E8%'",
         "state row documents/document/"),
        ("UPDATE tiles SET hashes = zeroblob(32) || substr(hashes, 33) WHERE level = 0 AND idx = 0",
         "Merkle tile level 0 index 0"),
        ("DELETE FROM state WHERE key LIKE 'reference/entry/E2/%'", "state row documents/reference/entry/E2/"),
    ],
)
def test_tampering_with_any_stored_part_is_caught_and_located(network, sql, expected):
    fill(network)
    peer = network.peers["exporter"]
    with sqlite3.connect(peer.store.path) as db:
        changed = db.execute(sql).rowcount
    assert changed >= 1
    report = audit(network, "exporter")
    assert not report.ok
    assert any(expected in problem for problem in report.problems), report.problems
    assert audit(network, "customs").ok  # the other peers' copies are untouched


def test_a_fork_is_raised_kept_as_evidence_and_fails_the_audit(network):
    fill(network, 3)
    customs = network.peers["customs"]
    ours = customs.ledger.checkpoint(3)
    # The exporter's node signs a checkpoint of the same size over a different root.
    parsed = Checkpoint.from_text(ours.body)
    forged_body = Checkpoint(parsed.origin, parsed.size, bytes(32), parsed.extensions).to_text()
    forged_lines = network.keys["exporter"].node_signer.sign(forged_body, 1_800_000_000)
    with pytest.raises(ForkDetected) as raised:
        customs.receive_signatures(3, forged_body, forged_lines, "exporter")
    assert "FORK at block 3" in str(raised.value)
    [evidence] = customs.ledger.forks()
    assert evidence["size"] == 3 and evidence["sender"] == "exporter"
    assert forged_lines[0] in evidence["theirs"] and ours.body in evidence["ours"]
    report = audit(network, "customs")
    assert any("FORK evidence at log size 3" in p for p in report.problems)


def test_signatures_from_unknown_keys_do_not_count_toward_finality(network):
    from tradeledger.ledger.checkpoints import NodeSigner

    fill(network, 1)
    customs = network.peers["customs"]
    record = customs.ledger.checkpoint(1)
    impostor = NodeSigner.from_seeds(network.genesis.origin, "exporter", b"\x01" * 32, b"\x02" * 32)
    lines = impostor.sign(record.body, 1_800_000_000)
    customs.receive_signatures(1, record.body, lines, "exporter")
    assert not set(lines) & set(customs.ledger.checkpoint(1).signatures)


def test_checkpoint_body_carries_block_and_state(network):
    fill(network, 1)
    peer = network.reader
    header = peer.ledger.header(1)
    body = checkpoint_body(network.genesis.origin, header)
    assert body == peer.ledger.checkpoint(1).body
    assert f"tradeledger-block 1 {header.hash.hex()}" in body
    assert f"tradeledger-state {header.state_digest.hex()}" in body


def test_a_reopened_network_has_identical_roots(tmp_path, network):
    fill(network, 5)
    heads = {name: peer.store.head() for name, peer in network.peers.items()}
    directory = network.layout.directory
    network.close()
    with EmbeddedNetwork(directory) as again:
        again.sync()
        assert {name: peer.store.head() for name, peer in again.peers.items()} == heads
