"""What every command module shares: consoles, the --dir option, small parsers."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from tradeledger.cli.errors import fail

# soft_wrap: a reason or a location stays on one line even when output goes to a pipe.
console = Console(emoji=False, highlight=False, soft_wrap=True)
err = Console(stderr=True, emoji=False, highlight=False, soft_wrap=True)

DirOption = typer.Option(..., "--dir", "-d", help="The network folder.")


def progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=err, transient=True)


def when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "Z"


def parse_refs(refs: list[str]) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for ref in refs:
        name, sep, value = ref.partition("=")
        if not sep or not name or not value:
            fail(f"--ref {ref!r}: write references as KEY=VALUE, for example --ref entry=B76-0324527-8")
        parsed[name] = value
    return parsed




def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def read_json(path: Path, what: str) -> Any:
    """A JSON file's value (`-` reads stdin), or a one-line refusal naming the file and
    what is wrong; `what` names the expected content, e.g. "credential"."""
    name = "stdin" if str(path) == "-" else str(path)
    try:
        text = sys.stdin.read() if name == "stdin" else path.read_text(encoding="utf-8")
    except FileNotFoundError:
        fail(f"{name}: no such file; give the path of {_a(what)} JSON file")
    except IsADirectoryError:
        fail(f"{name}: is a folder; give the path of {_a(what)} JSON file")
    except UnicodeDecodeError:
        fail(f"{name}: not UTF-8 text; {_a(what)} is a UTF-8 JSON file")
    except OSError as exc:
        fail(f"{name}: cannot be read ({exc.strerror})")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"{name}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})")
    except RecursionError:
        fail(f"{name}: JSON nested too deeply to be {_a(what)}")
    raise AssertionError("unreachable: fail() exits")


def read_json_object(path: Path, what: str) -> dict[str, Any]:
    data = read_json(path, what)
    if not isinstance(data, dict):
        fail(f"{'stdin' if str(path) == '-' else path}: {_a(what)} is a JSON object, not {type(data).__name__}")
    return data
