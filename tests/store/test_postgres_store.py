"""What only the PostgreSQL store has to get right: a server that can be unreachable,
restart or crash, databases in another encoding, several peers in one database, and
passwords that must not leak into messages."""

from __future__ import annotations

import dataclasses

import psycopg
import pytest
from ledger_script import GENESIS, GENESIS_HEAD, GENESIS_WRITES, LedgerHistory
from pgcluster import free_loopback_port

from tradeledger.store.base import StoreError
from tradeledger.store.postgres import PostgresStore, describe_url


def test_messages_name_the_database_but_never_the_password(postgres_server):
    password = postgres_server.password
    port = postgres_server.port
    assert describe_url(postgres_server.url("ledger")) == f"postgresql://tradeledger@127.0.0.1:{port}/ledger"

    nobody_listens = postgres_server.url("ledger").replace(f":{postgres_server.port}/", f":{free_loopback_port()}/")
    with pytest.raises(StoreError, match="cannot open the store at postgresql://tradeledger@127.0.0.1:") as refused:
        PostgresStore(nobody_listens)
    assert password not in str(refused.value)

    wrong_password = postgres_server.url("postgres").replace(password, "not-" + password)
    with pytest.raises(StoreError, match="password authentication failed") as denied:
        PostgresStore(wrong_password)
    assert password not in str(denied.value) and "\n" not in str(denied.value)


def test_a_database_not_in_utf8_is_refused(postgres_server):
    with postgres_server.admin() as db:
        db.execute("CREATE DATABASE ascii_store TEMPLATE template0 ENCODING 'SQL_ASCII' LOCALE 'C'")
    try:
        with pytest.raises(StoreError, match="uses encoding SQL_ASCII; create it with ENCODING 'UTF8'"):
            PostgresStore(postgres_server.url("ascii_store"))
    finally:
        postgres_server.drop_database("ascii_store")


def test_peers_in_separate_schemas_of_one_database_keep_apart(new_postgres_database):
    url = new_postgres_database()
    customs, importer = PostgresStore(url, schema="customs"), PostgresStore(url, schema="importer peer")
    try:
        customs.initialize(GENESIS, GENESIS_WRITES, GENESIS_HEAD)
        LedgerHistory(customs).commit([b"leaf"], {("documents", "k"): 1}, final=True)
        assert importer.genesis() is None and importer.head() is None and list(importer.txs()) == []
        importer.initialize(b'{"network":"other"}', {}, GENESIS_HEAD)
        assert customs.genesis() == GENESIS and customs.head().height == 1
        assert "(schema customs)" in customs.location
    finally:
        customs.close()
        importer.close()
    again = PostgresStore(url, schema="customs")
    try:
        assert again.head().height == 1 and again.get_state("documents", "k") == 1
    finally:
        again.close()


def test_a_failed_commit_is_a_store_error_and_changes_nothing(new_postgres_store):
    store = new_postgres_store()
    store.initialize(GENESIS, {}, GENESIS_HEAD)
    history = LedgerHistory(store)
    first = history.commit(history.leaves(2), {("documents", "a"): 1}, final=True)
    head = store.head()
    # Block 1's transactions again under height 2: the database refuses their leaf indexes.
    clash = dataclasses.replace(first, header=dataclasses.replace(first.header, height=2),
                                writes={("documents", "b"): "2"})
    with pytest.raises(StoreError, match=r"^cannot commit block 2 in postgresql://.*duplicate key") as failed:
        store.commit_block(clash)
    assert "\n" not in str(failed.value)
    assert store.head() == head and store.header(2) is None and store.get_state("documents", "b") is None
    assert store.tx_by_index(1).txid == first.txs[1].txid
    history.commit(history.leaves(1), {("documents", "b"): 2}, final=False)
    assert store.head().height == 2


def test_a_lost_connection_is_opened_again(postgres_server, new_postgres_store):
    store = new_postgres_store()
    store.initialize(GENESIS, {}, GENESIS_HEAD)

    def terminate_store_connection() -> None:
        with postgres_server.admin() as db:
            [[count]] = db.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                   "WHERE datname = %s", (store.url.rsplit("/", 1)[1],)).fetchall()
        assert count == 1

    terminate_store_connection()
    assert store.head() == GENESIS_HEAD  # a read is simply repeated on a new connection

    terminate_store_connection()
    with pytest.raises(StoreError, match="^cannot record fork evidence in postgresql://"):
        store.record_fork(1, {"note": "first try"})  # a write is never repeated blindly
    store.record_fork(2, {"note": "second try"})  # ... the next call reconnects
    assert store.forks() == [{"size": 2, "note": "second try"}]


def test_a_committed_block_survives_a_server_crash(postgres_server, new_postgres_store):
    store = new_postgres_store()
    with psycopg.connect(store.url) as db:
        assert db.execute("SHOW fsync").fetchone()[0] == "on"
    store.initialize(GENESIS, GENESIS_WRITES, GENESIS_HEAD)
    history = LedgerHistory(store)
    for _ in range(3):
        history.commit(history.leaves(50), {("documents", f"k{history.head.height}"): history.head.height},
                       final=False)
    committed = store.head()

    postgres_server.crash_and_restart()

    assert store.head() == committed
    assert store.get_state("documents", "k2") == 2 and len(list(store.txs())) == 150


def test_a_closed_store_says_so(new_postgres_store):
    store = new_postgres_store()
    store.close()
    with pytest.raises(StoreError, match="is closed"):
        store.head()


def test_a_malformed_url_is_a_store_error():
    with pytest.raises(StoreError, match="cannot read the PostgreSQL URL"):
        PostgresStore("postgresql://host:notaport:5/x?bogus_option=1")
