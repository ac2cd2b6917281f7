"""Every store engine behaves the same (DESIGN.md decision 9): the same history of calls
gives the same answer from every method of the Store protocol on PostgreSQL as on SQLite,
and each engine meets the store's contract on its own: a block commits whole or not at
all, state keys are ordered by their UTF-8 bytes, state values are kept as the canonical
text the peer gave, tiles are replaced by wider versions, and a store holding one ledger
refuses another."""

from __future__ import annotations

import json
import sqlite3

import pytest
from ledger_script import AWKWARD_KEYS, GENESIS, GENESIS_HEAD, GENESIS_WRITES, LedgerHistory, observe, play, snapshot

from tradeledger.ledger.collections import Payload
from tradeledger.store.base import CollectionSignature, Store, StoreError
from tradeledger.store.postgres import PostgresStore
from tradeledger.store.sqlite import SQLiteStore


def reopen(store: Store) -> Store:
    if isinstance(store, SQLiteStore):
        return SQLiteStore(store.path)
    assert isinstance(store, PostgresStore)
    return PostgresStore(store.url, schema=store.schema)


def stored_state_text(store: Store, namespace: str, key: str) -> str:
    """The state row's value exactly as the engine holds it, read past the Store API."""
    if isinstance(store, SQLiteStore):
        with sqlite3.connect(store.path) as db:
            return db.execute("SELECT value FROM state WHERE ns = ? AND key = ?", (namespace, key)).fetchone()[0]
    import psycopg

    with psycopg.connect(store.url) as db:
        return db.execute("SELECT value FROM state WHERE ns = %s AND key = %s",
                          (namespace.encode(), key.encode())).fetchone()[0]


# --- the same answers ----------------------------------------------------------------------
def test_every_method_answers_on_postgres_as_on_sqlite(new_sqlite_store, new_postgres_store):
    sqlite_store, postgres_store = new_sqlite_store(), new_postgres_store()
    on_sqlite, on_postgres = play(sqlite_store), play(postgres_store)
    assert on_postgres.head == on_sqlite.head

    expected = observe(sqlite_store, on_sqlite)
    answered = observe(postgres_store, on_postgres)
    assert answered.keys() == expected.keys()
    differing = [call for call in expected if answered[call] != expected[call]]
    assert differing == [], f"PostgreSQL answers differently to {differing[:5]}"
    assert len(expected) > 200  # the comparison covers a real spread of calls


def test_the_same_history_survives_reopening_unchanged(new_store):
    store = new_store()
    history = play(store)
    before = observe(store, history)
    store.close()
    again = reopen(store)
    try:
        assert observe(again, history) == before
    finally:
        again.close()


# --- each engine on its own ----------------------------------------------------------------
def test_a_new_store_holds_nothing(new_store):
    store = new_store()
    assert store.genesis() is None and store.head() is None
    assert list(store.txs()) == [] and list(store.headers()) == [] and list(store.state_rows()) == []
    assert store.read_tiles([(0, 0)]) == {} and store.latest_final_checkpoint() is None
    assert store.forks() == [] and store.non_final_heights() == []


def test_initialize_keeps_genesis_bytes_state_and_head(new_store):
    store = new_store()
    store.initialize(GENESIS, GENESIS_WRITES, GENESIS_HEAD)
    assert store.genesis() == GENESIS
    assert store.head() == GENESIS_HEAD
    assert {(ns, key): value for ns, key, value in store.state_rows()} == GENESIS_WRITES
    assert store.get_state("registry", "org:ümlaut") == {"name": "Ümlaut GmbH", "roles": ["exporter"]}


def test_initialize_refuses_a_store_that_already_holds_a_ledger(new_store):
    store = new_store()
    store.initialize(GENESIS, GENESIS_WRITES, GENESIS_HEAD)
    with pytest.raises(StoreError, match="already holds a ledger"):
        store.initialize(b'{"network":"another"}', {}, GENESIS_HEAD)
    assert store.genesis() == GENESIS  # untouched by the refused call


def test_the_history_lands_as_the_peer_wrote_it(new_store):
    store = new_store()
    history = play(store)
    head = store.head()
    assert head == history.head and head.height == 6 and head.log_size == 3 + 1 + 1100 + 5 + 255 + 2
    assert store.non_final_heights() == [3, 5]
    assert store.final_heights(0, 100) == {1, 2, 4, 6}
    assert store.latest_final_checkpoint(min_size=1366).height == 6
    replayed = store.txs_in_block(4)[0]
    assert not replayed.valid and replayed.txid == history.txids[0]
    assert store.tx_by_id(replayed.txid).leaf_index == 0  # the first time it was logged
    assert replayed.reason == "rejected \u2014 ref 0\x00 held a NUL"
    assert store.get_state("documents", "r:a") is None  # deleted in block 2
    assert store.get_state("documents", "r:a\x00") == "rewritten"
    assert store.get_state("ns\x00", "y") == 2
    assert len(list(store.state_rows())) == len(GENESIS_WRITES) - 1 + len(AWKWARD_KEYS) - 1 + 1050 - 1 + 2
    assert [e[0] for e in store.events(1100)][:3] == [1100, 1101, 1102]


def test_state_keys_are_ordered_by_their_utf8_bytes(new_store):
    store = new_store()
    play(store)
    expected = sorted((f"r:{key}" for key in AWKWARD_KEYS if key != "a"), key=str.encode)
    assert [key for key, _ in store.scan_state("documents", "r:")] == expected
    assert [key for ns, key, _ in store.state_rows() if key.startswith("r:")] == expected
    assert [key for key, _ in store.scan_state("documents", "r:a\x00")] == ["r:a\x00", "r:a\x00b"]
    namespaces = [ns for ns, _, _ in store.state_rows()]
    assert namespaces == sorted(namespaces, key=str.encode) and "ns\x00" in namespaces


def test_state_values_are_kept_as_the_canonical_text_given(new_store):
    store = new_store()
    history = LedgerHistory(store)
    store.initialize(GENESIS, {}, GENESIS_HEAD)
    value = {"z": [1, "\u00e9\U0001f600"], "a": {"y": None, "b": True}, "big": 2**53 - 1}
    commit = history.commit(history.leaves(1), {("documents", "k"): value}, final=False)
    text = commit.writes[("documents", "k")]
    assert text == '{"a":{"b":true,"y":null},"big":9007199254740991,"z":[1,"\u00e9\U0001f600"]}'
    assert stored_state_text(store, "documents", "k") == text
    assert store.get_state("documents", "k") == json.loads(text)


def test_a_block_that_fails_mid_commit_leaves_the_previous_block_in_place(new_store):
    store = new_store()
    history = LedgerHistory(store)
    store.initialize(GENESIS, GENESIS_WRITES, GENESIS_HEAD)
    history.commit(history.leaves(3), {("documents", "kept"): 1}, final=True)
    before = snapshot(store)
    # Block 2 fails at its events, after its header, transactions, tiles and state rows
    # have been written inside the transaction: an event's data cannot be NULL.
    with pytest.raises(StoreError, match="cannot commit block 2"):
        history.commit(history.leaves(300), {("documents", "kept"): None, ("documents", "new"): 2}, final=True,
                       extra_events=((3, "documents", "bad", None),))
    assert snapshot(store) == before
    assert store.header(2) is None and store.tx_by_index(3) is None and store.checkpoint(2) is None

    # ... and the store goes on from its head.
    history.commit(history.leaves(2), {("documents", "new"): 2}, final=False)
    assert store.head().height == 2 and store.get_state("documents", "new") == 2
    assert store.get_state("documents", "kept") == 1


def test_a_wider_tile_replaces_the_narrower_one(new_store):
    store = new_store()
    history = LedgerHistory(store)
    store.initialize(GENESIS, {}, GENESIS_HEAD)
    history.commit(history.leaves(10), {}, final=False)
    assert [(level, idx, len(data)) for level, idx, data in store.tile_rows()] == [(0, 0, 10 * 32)]
    history.commit(history.leaves(250), {}, final=False)
    assert [(level, idx, len(data)) for level, idx, data in store.tile_rows()] == [(0, 0, 256 * 32), (0, 1, 4 * 32),
                                                                                   (1, 0, 32)]
    assert store.read_tiles([(0, 0)])[(0, 0)] == next(data for _, _, data in store.tile_rows())


def test_signatures_are_kept_once_in_byte_order_and_finality_stays(new_store):
    store = new_store()
    history = LedgerHistory(store)
    store.initialize(GENESIS, {}, GENESIS_HEAD)
    commit = history.commit(history.leaves(1), {}, final=False, signers=("zeta", "\u00e9t\u00e9", "demo"))
    assert store.checkpoint(1).signatures == tuple(sorted(set(commit.signatures), key=str.encode))
    assert store.non_final_heights() == [1] and store.latest_final_checkpoint() is None

    store.add_signatures(1, [commit.signatures[0], "\u2014 late AAAA"], final=True)
    store.add_signatures(1, [], final=False)  # finality is never taken back
    record = store.checkpoint(1)
    assert record.final and store.non_final_heights() == []
    assert record.signatures == tuple(sorted(set(commit.signatures) | {"\u2014 late AAAA"}, key=str.encode))
    assert record.note == record.body + "\n" + "".join(line + "\n" for line in record.signatures)
    assert store.latest_final_checkpoint(min_size=1) == record
    assert store.latest_final_checkpoint(min_size=2) is None


def test_fork_evidence_is_kept_in_the_order_it_came(new_store):
    store = new_store()
    store.record_fork(9, {"height": 4, "ours": "a\n", "theirs": "b\n", "sender": "exporter"})
    store.record_fork(3, {"height": 1, "ours": "c\n", "theirs": "d\n", "sender": "importer"})
    assert store.forks() == [
        {"size": 9, "height": 4, "ours": "a\n", "theirs": "b\n", "sender": "exporter"},
        {"size": 3, "height": 1, "ours": "c\n", "theirs": "d\n", "sender": "importer"},
    ]


def test_txs_limit_bounds_leaf_indexes_and_pages_past_a_thousand(new_store):
    store = new_store()
    history = LedgerHistory(store)
    store.initialize(GENESIS, {}, GENESIS_HEAD)
    history.commit(history.leaves(1500), {}, final=False)
    assert [t.leaf_index for t in store.txs()] == list(range(1500))
    assert [t.leaf_index for t in store.txs(995, 10)] == list(range(995, 1005))
    assert [t.leaf_index for t in store.txs(1498)] == [1498, 1499]
    assert list(store.txs(5, 0)) == []
    assert sorted(store.txs_at_positions(1, 3)) == [1, 2, 3]


def test_bulk_state_reads_answer_beyond_one_query_of_keys(new_store):
    """A block's predicted reads arrive in one call: more keys than one SQL statement takes."""
    store = new_store()
    history = LedgerHistory(store)
    store.initialize(GENESIS, {}, GENESIS_HEAD)
    writes = {(ns, f"c:{i:05d}"): {"i": i} for ns in ("documents", "access") for i in range(700)}
    history.commit(history.leaves(2), writes, final=True)
    asked = list(writes) + [("documents", f"c:{i:05d}") for i in range(700, 1300)]
    assert store.get_states(asked) == writes


def test_payloads_and_collection_signatures_are_kept_alike_and_a_block_keeps_the_payload_it_ran_on(new_store):
    """The private tables (decision 15): an inbox keeps the first copy of a payload until a
    block names the one its part ran on; collection signature rows read back by height."""
    store = new_store()
    history = LedgerHistory(store)
    store.initialize(GENESIS, {}, GENESIS_HEAD)
    txid = "ab" * 32
    junk = Payload(txid, "summary", "entry/B76-0324527-8", bytes(32), b'{"junk":true}')
    real = Payload(txid, "summary", "entry/B76-0324527-8", bytes(range(32)), '{"v":"d\u00e9j\u00e0"}'.encode())
    store.put_payloads([junk])
    store.put_payloads([real])  # a later copy does not displace the first
    assert store.payload(txid, "summary", "entry/B76-0324527-8") == junk
    assert store.payload(txid, "summary", "entry/other") is None
    rows = [CollectionSignature(1, "entries:entry/B76-0324527-8", org, "cd" * 32, f"\u2014 {org} AAAA", 0, 2,
                                "ef" * 32) for org in ("importer", "customs")]
    history.commit(history.leaves(1), {}, final=False,
                   private={"payloads": (real,), "collection_signatures": tuple(rows[1:])})
    assert store.payload(txid, "summary", "entry/B76-0324527-8") == real
    store.add_collection_signatures(rows)
    store.add_collection_signatures(rows[:1])  # kept once
    assert sorted(store.collection_signatures()) == sorted(rows)
    assert store.collection_signatures(2) == [] and sorted(store.collection_signatures(1, 1)) == sorted(rows)
