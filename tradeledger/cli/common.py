"""What every command module shares: consoles, the --dir option, small parsers."""

from __future__ import annotations

from datetime import UTC, datetime

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


