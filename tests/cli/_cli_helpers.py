"""Helpers for the CLI contract tests: invoking the Typer app in-process, checking the
one-line refusal contract, and fingerprinting a network folder to prove "changes nothing"."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from tradeledger.cli.main import app

# Rich decides its width from the terminal or COLUMNS; pin it so that output does not
# depend on who runs the tests. 80 is what a pipe or a log file gets.
NARROW = {"COLUMNS": "80", "LINES": "25", "NO_COLOR": "1"}
WIDE = {"COLUMNS": "300", "LINES": "25", "NO_COLOR": "1"}

DEMO_ORGS = ("customs", "importer", "exporter", "agency", "broker")


def tl(*args: Any, env: dict[str, str] | None = None) -> Result:
    """Run `tradeledger ARGS...` in-process and return the result (never raises)."""
    runner = CliRunner(env=env or NARROW)
    return runner.invoke(app, [str(a) for a in args])


def crash_text(result: Result) -> str:
    """A readable explanation for an assertion when the command raised."""
    if result.exc_info is None or isinstance(result.exception, SystemExit):
        return ""
    return "".join(traceback.format_exception(*result.exc_info))


def assert_ok(result: Result) -> None:
    assert result.exit_code == 0, (
        f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}\n{crash_text(result)}"
    )


def no_traceback(result: Result) -> None:
    """The command ended through typer.Exit/SystemExit, not an unhandled exception."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"the command crashed instead of refusing:\n{crash_text(result)}"
    )
    assert "Traceback" not in result.output


def assert_refused(result: Result, *hints: str) -> str:
    """Exit non-zero with exactly one line on stderr, starting with "error:", no traceback,
    nothing on stdout. Each hint must appear in that line. Returns the line."""
    no_traceback(result)
    assert result.exit_code != 0, f"expected a refusal, got exit 0:\n{result.stdout}"
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected exactly one line on stderr, got {len(lines)}:\n{result.stderr}"
    assert lines[0].startswith("error:"), f"stderr does not start with 'error:': {lines[0]!r}"
    assert result.stdout.strip() == "", f"a refusal printed on stdout:\n{result.stdout}"
    for hint in hints:
        assert hint in lines[0], f"{hint!r} not in {lines[0]!r}"
    return lines[0]


def flat(text: str) -> str:
    """Collapse whitespace, so that wrapped console output can be searched for phrases."""
    return " ".join(text.split())


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# --- network folders -------------------------------------------------------------------

def copy_network(source: Path, target: Path) -> Path:
    """A working copy of a network folder, without the copied lock file."""
    shutil.copytree(source, target)
    (target / ".lock").unlink(missing_ok=True)
    return target


def fingerprint(directory: Path, exclude: Sequence[str] = ()) -> dict[str, str]:
    """SHA-256 of every file under `directory` (ledger stores, orderer stream, vaults,
    keys, genesis), except the lock file and the relative paths in `exclude`. Only valid
    while no process holds the SQLite files open, which is the case between commands."""
    prints = {}
    for path in sorted(directory.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(directory).as_posix()
        if relative == ".lock" or relative in exclude:
            continue
        prints[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return prints


def assert_unchanged(before: dict[str, str], after: dict[str, str]) -> None:
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    changed = sorted(k for k in set(before) & set(after) if before[k] != after[k])
    assert not (added or removed or changed), f"files added {added}, removed {removed}, changed {changed}"


def store_path(network: Path, org: str) -> Path:
    return network / "orgs" / org / "ledger.db"


def ledger_rows(network: Path, org: str, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(store_path(network, org)) as db:
        rows = db.execute(sql, params).fetchall()
    db.close()
    return rows


def execute(db_file: Path, sql: str, params: tuple = ()) -> int:
    """Run one UPDATE/DELETE directly with sqlite3 and return the number of rows touched."""
    db = sqlite3.connect(db_file)
    try:
        with db:
            count = db.execute(sql, params).rowcount
    finally:
        db.close()
    return count


def flip_char(text: str, index: int) -> str:
    """Replace one character by a different character of the same class, so that the
    result stays well formed where the position allows it."""
    old = text[index]
    if old in "0123456789abcdef":
        new = "0" if old != "0" else "1"
    elif old.isalnum() or old in "+/":
        new = "A" if old != "A" else "B"
    else:
        new = "x" if old != "x" else "y"
    return text[:index] + new + text[index + 1:]
