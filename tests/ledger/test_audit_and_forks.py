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


# --- private collections (docs/privacy.md, "audit") -----------------------------------

@pytest.fixture
def private_net(tmp_path):
    from test_collections import PLAN, notes

    from tradeledger.ledger.contract import ContractSet
    from tradeledger.node import create_network

    create_network(tmp_path / "net", PLAN)
    contracts = ContractSet([*default_contracts(), notes])
    with EmbeddedNetwork(tmp_path / "net", contracts=contracts) as net:
        net.audit_contracts = contracts
        yield net


def open_note(net, text="valuation 18,442.17 USD", name="n1"):
    from tradeledger.ledger.collections import PrivateInput

    return net.submit_checked("importer", "notes", "open", {"name": name, "members": ["customs", "broker"]},
                              private=[PrivateInput("body", name, {"text": text})])


def private_audit(net, name):
    peer = net.peers[name]
    return audit_store(name, peer.store, net.genesis, net.audit_contracts)


def test_every_store_of_a_private_network_passes_its_audit(private_net):
    open_note(private_net)
    for name in ("importer", "customs", "broker", "exporter"):
        report = private_audit(private_net, name)
        assert report.ok, (name, report.problems)
    # the members' collection signature rows are checked with the checkpoint lines
    assert private_audit(private_net, "customs").signatures_checked > private_audit(
        private_net, "exporter").signatures_checked


def test_tampering_a_private_row_at_a_member_is_named(private_net):
    open_note(private_net)
    with sqlite3.connect(private_net.peers["broker"].store.path) as db:
        assert db.execute("UPDATE state SET value = replace(value, '18,442', '1,442') "
                          "WHERE ns = 'notes#n1'").rowcount == 1
    problems = private_audit(private_net, "broker").problems
    assert any("state row notes#n1/text" in p for p in problems), problems
    assert not any("18,442" in p or "1,442" in p for p in problems)  # no private value in a report
    assert private_audit(private_net, "customs").ok


def test_tampering_a_payload_at_a_member_is_named(private_net):
    receipt = open_note(private_net)
    with sqlite3.connect(private_net.peers["customs"].store.path) as db:
        assert db.execute("UPDATE payloads SET data = replace(data, '18,442', '1,442')").rowcount == 1
    problems = private_audit(private_net, "customs").problems
    assert any(f"leaf {receipt.leaf_index}: the payload held for part body of collection notes:n1" in p
               for p in problems), problems


def test_a_non_member_holding_private_rows_or_payloads_is_reported(private_net):
    receipt = open_note(private_net)
    # Copy the customs peer's private row and payload into the exporter's store.
    payload = private_net.peers["customs"].store.payload(receipt.txid, "body", "n1")
    private_net.peers["exporter"].store.put_payloads([payload])
    with sqlite3.connect(private_net.peers["exporter"].store.path) as db:
        db.execute("INSERT INTO state VALUES ('notes#n1', 'text', '\"copied\"')")
    problems = private_audit(private_net, "exporter").problems
    assert any("state row notes#n1/text: private state of a collection this organization is not a member of"
               in p for p in problems), problems
    assert any("holds the payload of part body of collection notes:n1, of which exporter is not a member" in p
               for p in problems), problems


def test_a_collection_signature_line_that_does_not_verify_is_named(private_net):
    open_note(private_net)
    with sqlite3.connect(private_net.peers["importer"].store.path) as db:
        assert db.execute("UPDATE collection_signatures SET line = substr(line, 1, length(line) - 8) || "
                          "'AAAAAAA=' WHERE organization = 'broker'").rowcount == 1
    problems = private_audit(private_net, "importer").problems
    assert any("signature by broker: its line does not verify" in p for p in problems), problems


def test_a_collection_digest_that_differs_between_members_is_fork_evidence(private_net):
    from tradeledger.ledger.checkpoints import collection_tree
    from tradeledger.store.base import CollectionSignature

    open_note(private_net)
    customs = private_net.peers["customs"]
    [own] = [r for r in customs.ledger.collection_signatures() if r.organization == "customs"]
    # The broker's witness key signs a tree holding another digest for the same collection
    # and block (beside a collection customs knows nothing of).
    forged = bytes(32).hex()
    tree = collection_tree(private_net.genesis.origin, own.height, {own.collection: forged, "notes:zz": "11" * 32})
    line = private_net.keys["broker"].node_signer.witness.sign(tree.statement, 1_800_000_000).to_line()
    index, proof = tree.proofs[own.collection]
    with pytest.raises(ForkDetected):
        customs.receive_collection_signatures([CollectionSignature(own.height, own.collection, "broker",
                                                                   forged, line, index, tree.size, proof)])
    [evidence] = customs.ledger.forks()
    assert evidence["collection"] == "notes:n1" and evidence["theirs"] == forged
    problems = private_audit(private_net, "customs").problems
    assert any(f"FORK evidence at block {own.height}: broker signed a different digest of collection notes:n1"
               in p for p in problems), problems


def test_a_forged_proof_or_signature_over_another_digest_is_ignored(private_net):
    from tradeledger.ledger.checkpoints import collection_tree
    from tradeledger.store.base import CollectionSignature

    open_note(private_net)
    customs = private_net.peers["customs"]
    [theirs] = [r for r in customs.ledger.collection_signatures() if r.organization == "broker"]
    forged = bytes(32).hex()
    # The broker's real line with another digest and a made-up proof: its root is not the signed one.
    made_up = theirs._replace(digest=forged, leaf_index=1, size=2, proof="ab" * 32)
    # A proof of the wrong length for its tree size: malformed, nothing to verify.
    malformed = theirs._replace(digest=forged, size=3, proof="")
    # A true proof, but the tree signed by the exporter's key in the broker's name.
    tree = collection_tree(private_net.genesis.origin, theirs.height, {theirs.collection: forged})
    line = private_net.keys["exporter"].node_signer.witness.sign(tree.statement, 1_800_000_000).to_line()
    wrong_key = CollectionSignature(theirs.height, theirs.collection, "broker", forged, line, 0, 1, "")
    customs.receive_collection_signatures([made_up, malformed, wrong_key])
    assert customs.ledger.forks() == []
    assert [r for r in customs.ledger.collection_signatures() if r.organization == "broker"] == [theirs]


def test_a_collection_row_whose_proof_does_not_fit_is_named(private_net):
    open_note(private_net)
    with sqlite3.connect(private_net.peers["customs"].store.path) as db:
        assert db.execute("UPDATE collection_signatures SET tree_size = 2 WHERE organization = 'broker'"
                          ).rowcount == 1
    problems = private_audit(private_net, "customs").problems
    assert any("signature by broker: its inclusion proof does not fit" in p for p in problems), problems


def test_an_own_collection_signature_over_another_digest_is_named(private_net):
    open_note(private_net)
    with sqlite3.connect(private_net.peers["broker"].store.path) as db:
        assert db.execute("UPDATE collection_signatures SET digest = ? WHERE organization = 'broker'",
                          ("00" * 32,)).rowcount == 1
    problems = private_audit(private_net, "broker").problems
    assert any("signature by broker: its line does not verify" in p for p in problems), problems
    assert any("signature by broker: its digest differs from the replayed collection" in p for p in problems)


def test_the_network_audit_names_members_that_signed_different_digests(private_net):
    from tradeledger.node.audit import audit_network

    open_note(private_net)
    with sqlite3.connect(private_net.peers["broker"].store.path) as db:
        db.execute("UPDATE collection_signatures SET digest = ? WHERE organization = 'broker'", ("00" * 32,))
    _, disagreements = audit_network(private_net)
    assert any("collection notes:n1 after block" in d and "members signed different digests" in d
               and "broker 0000000000000000" in d for d in disagreements), disagreements


def test_a_removed_member_holding_a_later_payload_is_reported(private_net):
    from tradeledger.ledger.collections import PrivateInput

    open_note(private_net)
    private_net.submit_checked("importer", "notes", "remove", {"name": "n1", "member": "broker"})
    later = private_net.submit_checked("importer", "notes", "edit", {"name": "n1"},
                                       private=[PrivateInput("body", "n1", {"text": "later"})])
    assert private_audit(private_net, "broker").ok  # it keeps what it had, and that is all
    leaked = private_net.peers["customs"].store.payload(later.txid, "body", "n1")
    private_net.peers["broker"].store.put_payloads([leaked])
    problems = private_audit(private_net, "broker").problems
    assert problems == [f"leaf {later.leaf_index}: holds the payload of part body of collection notes:n1, "
                        f"of which broker is not a member"], problems
