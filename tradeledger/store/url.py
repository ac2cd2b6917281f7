"""Choose a peer's store engine from where it lives: a file path or a URL.

* a path (``peers/customs.db``, ``Path(...)``, ``:memory:``), or ``sqlite:///PATH``: SQLite.
  As in SQLAlchemy, everything after ``sqlite:///`` is the path, percent-decoded:
  ``sqlite:///rel/peer.db`` is relative, ``sqlite:////var/lib/peer.db`` absolute.
* ``postgresql://...`` or ``postgres://...`` (a libpq URL): PostgreSQL.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote

from tradeledger.store.base import Store, StoreError
from tradeledger.store.sqlite import SQLiteStore

# RFC 3986 scheme followed by "://"; anything else (including "C:\\peer.db") is a path.
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")

SQLITE_SCHEMES = ("sqlite",)
POSTGRES_SCHEMES = ("postgresql", "postgres")


def open_store(url_or_path: str | os.PathLike[str], *, schema: str | None = None) -> Store:
    """Open (creating if needed) the store at `url_or_path`.

    `schema` puts a PostgreSQL store's tables in that schema (created if missing), so
    several peers can share one database; it has no meaning for SQLite.
    """
    if isinstance(url_or_path, os.PathLike):
        return _sqlite(Path(url_or_path), schema)
    match = _URL.match(url_or_path)
    if match is None:
        return _sqlite(Path(url_or_path), schema)
    scheme = match.group(1).lower()
    if scheme in SQLITE_SCHEMES:
        return _sqlite(_sqlite_path(url_or_path), schema)
    if scheme in POSTGRES_SCHEMES:
        # Imported here so that SQLite-only installs need no PostgreSQL driver.
        try:
            from tradeledger.store.postgres import PostgresStore
        except ImportError as exc:
            raise StoreError(f"a PostgreSQL store needs the psycopg package ({exc}); "
                             "install it with pip install 'psycopg[binary]'") from None
        return PostgresStore(url_or_path, schema=schema)
    raise StoreError(f"unknown store URL scheme {scheme!r}; use a file path, sqlite:///PATH "
                     "or postgresql://USER@HOST:PORT/DATABASE")


def _sqlite_path(url: str) -> Path:
    rest = url[url.index("://") + 3:]
    if not rest.startswith("/"):
        raise StoreError(f"a SQLite URL names no host: write sqlite:///PATH, not {url!r}")
    if "?" in rest or "#" in rest:
        raise StoreError(f"the SQLite URL {url!r} takes no query or fragment; percent-encode ? and # in the path")
    path = unquote(rest[1:])
    if not path:
        raise StoreError(f"the SQLite URL {url!r} names no file; write sqlite:///PATH")
    return Path(path)


def _sqlite(path: Path, schema: str | None) -> SQLiteStore:
    if schema is not None:
        raise StoreError(f"schema={schema!r} applies to PostgreSQL stores only; a SQLite store is one file")
    return SQLiteStore(path)
