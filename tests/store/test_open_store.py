"""open_store picks the engine from where the store lives: a path or sqlite:/// URL is a
SQLite file, a postgresql:// URL a PostgreSQL database; anything else is refused with a
message that says what to write instead."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradeledger.store.base import StoreError
from tradeledger.store.postgres import PostgresStore
from tradeledger.store.sqlite import SQLiteStore
from tradeledger.store.url import open_store


def opened_sqlite_path(target, monkeypatch, cwd: Path) -> Path:
    monkeypatch.chdir(cwd)
    store = open_store(target)
    try:
        assert isinstance(store, SQLiteStore)
        return Path(store.path)
    finally:
        store.close()


@pytest.mark.parametrize(
    "target, expected",
    [
        ("peer.db", "peer.db"),
        ("sub dir/peer.db", "sub dir/peer.db"),
        (Path("peer.db"), "peer.db"),
        ("sqlite:///peer.db", "peer.db"),
        ("SQLite:///sub%20dir/peer.db", "sub dir/peer.db"),
    ],
)
def test_paths_and_sqlite_urls_open_a_sqlite_file(tmp_path, monkeypatch, target, expected):
    (tmp_path / "sub dir").mkdir()
    assert opened_sqlite_path(target, monkeypatch, tmp_path) == Path(expected)
    assert (tmp_path / expected).is_file()


def test_four_slashes_make_an_absolute_sqlite_path(tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = f"sqlite:///{tmp_path}/abs.db"  # tmp_path starts with "/": four slashes in all
    assert target.startswith("sqlite:////")
    assert opened_sqlite_path(target, monkeypatch, elsewhere) == tmp_path / "abs.db"
    assert not (elsewhere / "abs.db").exists()


def test_memory_is_a_sqlite_store_too():
    store = open_store(":memory:")
    try:
        assert isinstance(store, SQLiteStore) and store.head() is None
    finally:
        store.close()


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_postgresql_urls_open_a_postgres_store(new_postgres_database, scheme):
    url = new_postgres_database().replace("postgresql://", f"{scheme}://", 1)
    store = open_store(url)
    try:
        assert isinstance(store, PostgresStore) and store.head() is None
    finally:
        store.close()


def test_a_schema_reaches_the_postgres_store(new_postgres_database):
    store = open_store(new_postgres_database(), schema="customs")
    try:
        assert isinstance(store, PostgresStore) and store.schema == "customs"
    finally:
        store.close()


@pytest.mark.parametrize(
    "target, message",
    [
        ("mysql://host/db", "unknown store URL scheme 'mysql'"),
        ("sqlite://host/peer.db", "a SQLite URL names no host: write sqlite:///PATH"),
        ("sqlite:///", "names no file"),
        ("sqlite:///peer.db?mode=ro", "takes no query or fragment"),
    ],
)
def test_what_cannot_be_opened_is_refused_with_what_to_write(target, message):
    with pytest.raises(StoreError, match=message):
        open_store(target)


def test_a_schema_means_nothing_to_sqlite(tmp_path):
    with pytest.raises(StoreError, match="applies to PostgreSQL stores only"):
        open_store(tmp_path / "peer.db", schema="customs")
    assert not (tmp_path / "peer.db").exists()
