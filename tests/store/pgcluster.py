"""A throwaway PostgreSQL cluster for tests: its own data directory in a temporary folder,
listening on a free loopback port and on a socket inside that folder, removed on stop.

PostgreSQL refuses to run as root, so under root (as in CI) the server runs as the
`postgres` system user that Debian's packages create, in a folder handed to that user.
The cluster keeps fsync on: the store's durability is part of what the tests exercise.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Self

import psycopg
from psycopg import sql

SUPERUSER = "tradeledger"
START_TRIES = 3  # a free port can be taken between choosing it and binding it


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries here, or the cluster would not start."""


def find_bin_dir() -> Path:
    """The folder holding initdb and pg_ctl: on PATH, else Debian's newest version."""
    on_path = shutil.which("initdb")
    if on_path:
        folder = Path(os.path.realpath(on_path)).parent
        if (folder / "pg_ctl").exists():
            return folder
    candidates = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if not candidates:
        raise PostgresUnavailable("PostgreSQL server binaries (initdb, pg_ctl) are not installed; "
                                  "run scripts/install-postgres")

    def version(path: str) -> tuple[int, ...]:
        name = Path(path).parents[1].name
        return tuple(int(part) for part in name.split(".") if part.isdigit())

    return Path(max(candidates, key=version)).parent


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ThrowawayPostgres:
    def __init__(self) -> None:
        self.bin_dir = find_bin_dir()
        self.password = secrets.token_hex(16)
        self.port: int | None = None
        self.root: Path | None = None
        self._as_postgres = os.geteuid() == 0
        self._databases = 0

    # --- paths ---------------------------------------------------------------------------
    @property
    def data_dir(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        assert self.root is not None
        return self.root / "socket"

    @property
    def log_file(self) -> Path:
        assert self.root is not None
        return self.root / "server.log"

    # --- running the server's tools ------------------------------------------------------
    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        # Under root, run as `postgres`, without root's groups.
        identity = {"user": "postgres", "group": "postgres", "extra_groups": []} if self._as_postgres else {}
        result = subprocess.run(command, cwd=self.root, capture_output=True, text=True, timeout=120, check=False,
                                stdin=subprocess.DEVNULL, **identity)
        if check and result.returncode != 0:
            raise PostgresUnavailable(f"{args[0]} failed ({result.returncode}): {result.stderr.strip()}"
                                      f"{self._log_tail()}")
        return result

    def _log_tail(self) -> str:
        try:
            lines = self.log_file.read_text(errors="replace").splitlines()[-15:]
        except OSError:
            return ""
        return "\n--- server log ---\n" + "\n".join(lines) if lines else ""

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        """initdb and start; on any failure, everything created so far is removed."""
        try:
            self._create_cluster()
            last_error: Exception | None = None
            for _ in range(START_TRIES):
                self.port = free_loopback_port()
                try:
                    self._run("pg_ctl", "start", "-D", str(self.data_dir), "-l", str(self.log_file),
                              "-w", "-t", "60", "-o", f"-p {self.port}")
                    return
                except PostgresUnavailable as exc:
                    last_error = exc
            raise PostgresUnavailable(f"the throwaway PostgreSQL would not start: {last_error}")
        except BaseException:
            self.stop()
            raise

    def _create_cluster(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="tradeledger-pg-"))
        self.socket_dir.mkdir()
        password_file = self.root / "password"
        password_file.write_text(self.password + "\n")
        if self._as_postgres:
            for path in (self.root, self.socket_dir, password_file):
                shutil.chown(path, "postgres", "postgres")
        # --no-sync only skips flushing initdb's own files: the running server keeps fsync on.
        self._run("initdb", "-D", str(self.data_dir), "--username", SUPERUSER, "--pwfile", str(password_file),
                  "--auth", "scram-sha-256", "--encoding", "UTF8", "--locale", "C", "--no-sync")
        password_file.unlink()
        with open(self.data_dir / "postgresql.conf", "a") as conf:
            conf.write(
                "\n# tradeledger throwaway test cluster\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.socket_dir}'\n"
                "fsync = on\n"
                "synchronous_commit = on\n"
                "full_page_writes = on\n"
                "max_connections = 40\n"
                "shared_buffers = 32MB\n"
            )

    def stop(self) -> None:
        """Stop the server at once (nothing in it is worth a clean shutdown) and delete it."""
        if self.root is None:
            return
        try:
            if (self.data_dir / "postmaster.pid").exists():
                result = self._run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "immediate", "-w",
                                   check=False)
                if result.returncode != 0:
                    self._kill_postmaster()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def crash_and_restart(self) -> None:
        """Kill the server as a crash would (no shutdown checkpoint: on start it recovers
        from its write-ahead log) and start it again on the same port."""
        self._run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "immediate", "-w")
        self._run("pg_ctl", "start", "-D", str(self.data_dir), "-l", str(self.log_file),
                  "-w", "-t", "60", "-o", f"-p {self.port}")

    def _kill_postmaster(self) -> None:
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return
        try:
            os.kill(pid, signal.SIGQUIT)  # PostgreSQL's immediate shutdown
        except ProcessLookupError:
            pass

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- databases -----------------------------------------------------------------------
    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(self.url(), autocommit=True)

    def create_database(self) -> str:
        """A new empty database; returns its name.

        Its default collation is ICU's English one (PostgreSQL 15 and later), which
        orders text unlike SQLite's byte order, so a store that leaned on the database
        default would show it in the tests."""
        self._databases += 1
        name = f"store_{self._databases}"
        with self.admin() as db:
            create = sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(sql.Identifier(name))
            if db.info.server_version >= 150000:
                create += sql.SQL(" LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'")
            db.execute(create)
        return name

    def drop_database(self, name: str) -> None:
        with self.admin() as db:
            db.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
