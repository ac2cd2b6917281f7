"""Stores for the store tests: a fresh SQLite file, or a fresh database on one throwaway
PostgreSQL cluster that the whole run shares (started on first use, stopped at the end,
even when tests fail)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Make the helper modules beside this file importable under any pytest import mode.
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from pgcluster import ThrowawayPostgres  # noqa: E402

from tradeledger.store.postgres import PostgresStore  # noqa: E402
from tradeledger.store.sqlite import SQLiteStore  # noqa: E402

ENGINES = ("sqlite", "postgres")

StoreFactory = Callable[[], "SQLiteStore | PostgresStore"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[ThrowawayPostgres]:
    server = ThrowawayPostgres()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def new_sqlite_store(tmp_path: Path) -> Iterator[StoreFactory]:
    opened: list[SQLiteStore] = []

    def make() -> SQLiteStore:
        store = SQLiteStore(tmp_path / f"peer-{len(opened)}.db")
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def new_postgres_database(postgres_server: ThrowawayPostgres) -> Iterator[Callable[[], str]]:
    """Makes empty databases and returns their URLs; drops them after the test."""
    names: list[str] = []

    def make() -> str:
        names.append(postgres_server.create_database())
        return postgres_server.url(names[-1])

    yield make
    for name in names:
        postgres_server.drop_database(name)


@pytest.fixture
def new_postgres_store(new_postgres_database: Callable[[], str]) -> Iterator[StoreFactory]:
    opened: list[PostgresStore] = []

    def make() -> PostgresStore:
        store = PostgresStore(new_postgres_database())
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def new_store(engine: str, request: pytest.FixtureRequest) -> StoreFactory:
    """A factory of fresh, empty stores of the engine under test."""
    return request.getfixturevalue(f"new_{engine}_store")
