"""End to end: a peer that keeps its ledger in PostgreSQL executes the ordered stream into
the same blocks, roots, state digest and checkpoints as the same organization's peer on
SQLite, passes the audit, and refuses a store that belongs to another network."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from ledger_script import snapshot

from tradeledger.contracts import default_contracts
from tradeledger.ledger.audit import audit_store
from tradeledger.ledger.peer import Peer
from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.setup import OrgPlan
from tradeledger.store.base import StoreError
from tradeledger.vault import commit_document

ORGANIZATIONS = (
    OrgPlan("customs", "customs", "Customs"),
    OrgPlan("importer", "importer", "Importer"),
    OrgPlan("exporter", "exporter", "Exporter"),
)
DAY_MS = 24 * 60 * 60 * 1000


def anchor(net: EmbeddedNetwork, organization: str, entry: str, created_ms: int | None = None):
    commitment, _salt, _digest = commit_document(os.urandom(64))
    return net.sign(organization, "documents", "anchor", {"doc_type": "commercial_invoice", "refs": {"entry": entry}},
                    [commitment], created_ms=created_ms)


@pytest.fixture
def busy_network(tmp_path: Path):
    """A three-organization network whose stream holds several blocks, valid and not."""
    create_network(tmp_path / "net", ORGANIZATIONS, max_block_transactions=4)
    with EmbeddedNetwork(tmp_path / "net") as net:
        repeated = anchor(net, "importer", "E-0")
        net.submit([repeated] + [anchor(net, "importer", f"E-{n}") for n in range(1, 6)])  # two blocks
        net.submit([anchor(net, "exporter", "E-6\u00e9"), repeated])  # a replay: kept, invalid
        net.submit([anchor(net, "importer", "E-7", created_ms=now_ms() - 30 * DAY_MS)])  # backdated: invalid
        net.submit([anchor(net, "customs", f"E-{n}") for n in range(8, 11)])
        yield net


def replay_customs(net: EmbeddedNetwork, store) -> Peer:
    """Customs' peer on `store`, caught up on the stream and given the others' signatures."""
    peer = Peer("customs", net.genesis, store, default_contracts(), net.keys["customs"].node_signer)
    peer.catch_up(net.orderer)
    for sender in ("importer", "exporter"):
        for record in net.peers[sender].store.checkpoints():
            peer.receive_signatures(record.height, record.body, record.signatures, sender)
    return peer


def test_a_peer_on_postgres_reaches_the_head_it_reaches_on_sqlite(busy_network, new_postgres_store,
                                                                  new_sqlite_store):
    net = busy_network
    on_postgres = replay_customs(net, new_postgres_store())
    on_sqlite = replay_customs(net, new_sqlite_store())

    assert on_postgres.head.height >= 5
    assert on_postgres.head == on_sqlite.head == net.peers["customs"].head
    assert snapshot(on_postgres.store) == snapshot(on_sqlite.store) == snapshot(net.peers["customs"].store)
    verdicts = [(t.valid, t.reason.split(":")[0]) for t in on_postgres.store.txs()]
    assert verdicts.count((True, "")) == 10 and len(verdicts) == 12
    assert on_postgres.store.non_final_heights() == on_sqlite.store.non_final_heights()
    assert on_postgres.store.latest_final_checkpoint() == on_sqlite.store.latest_final_checkpoint()

    report = audit_store("customs", on_postgres.store, net.genesis, default_contracts())
    assert report.ok, report.problems
    assert report.blocks == on_postgres.head.height and report.transactions == 12


def test_a_peer_reopened_on_postgres_resumes_from_its_head(busy_network, new_postgres_database):
    from tradeledger.store.postgres import PostgresStore

    net = busy_network
    url = new_postgres_database()
    first = PostgresStore(url)
    peer = Peer("customs", net.genesis, first, default_contracts(), net.keys["customs"].node_signer)
    peer.catch_up(net.orderer)
    head = peer.head
    first.close()

    net.submit([anchor(net, "importer", "E-later")], wait="committed")
    again = PostgresStore(url)
    try:
        resumed = Peer("customs", net.genesis, again, default_contracts(), net.keys["customs"].node_signer)
        assert resumed.head == head
        [block] = resumed.catch_up(net.orderer)
        assert block.header.height == head.height + 1
        assert resumed.head == net.peers["customs"].head
    finally:
        again.close()


def test_a_store_of_another_network_is_refused(busy_network, tmp_path, new_store):
    net = busy_network
    other = create_network(tmp_path / "other", ORGANIZATIONS, name="other")
    store = new_store()
    Peer("customs", net.genesis, store, default_contracts(), None)
    with pytest.raises(StoreError, match="belongs to another network"):
        Peer("customs", other, store, default_contracts(), None)
    assert store.genesis() == net.genesis.canonical
