"""`tradeledger origin` and `tradeledger entry`: the customs domain engines on the command line.

    tradeledger origin qualify CASE.json      the result JSON on stdout, exit 0 when it ran
    tradeledger entry check-digit B76-0324527  -> B76-0324527-8
    tradeledger entry validate B76-0324527-8   -> B76-0324527-8

A missing file, bad JSON, a malformed case or a wrong entry number is refused with one
line on stderr and exit 2. Whether the good qualifies is in the JSON, not the exit code:
a good that does not qualify is an answer, not a failure.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from tradeledger.cli.common import read_json
from tradeledger.cli.errors import fail
from tradeledger.domain.entry_number import (
    EntryNumberError,
    complete_entry_number,
    validate_entry_number,
)
from tradeledger.domain.origin import OriginCase, OriginCaseError, qualify

__all__ = ["entry_tools_app", "origin_app"]

origin_app = typer.Typer(
    name="origin",
    help="Rules of origin: does a good qualify for USMCA or CAFTA-DR preference?",
    no_args_is_help=True,
    add_completion=False,
)
entry_tools_app = typer.Typer(
    name="entry",
    help="Entry numbers (CBP Form 7501 block 1): compute and check the check digit.",
    no_args_is_help=True,
    add_completion=False,
)


@origin_app.command("qualify")
def qualify_command(
    case_file: Path = typer.Argument(
        ..., metavar="CASE.json", help="A rules-of-origin case (shared/domain/origin-cases/README.md); - for stdin."
    ),
) -> None:
    """Evaluate a case and print the result JSON (qualifies, criterion, RVC, reasons)."""
    data = read_json(case_file, "case")
    try:
        case = OriginCase.from_dict(data)
    except OriginCaseError as exc:
        fail(f"{'stdin' if str(case_file) == '-' else case_file}: {exc}")
    print(json.dumps(qualify(case).to_dict(), indent=2, ensure_ascii=False))


@entry_tools_app.command("check-digit")
def check_digit_command(
    number: str = typer.Argument(
        ..., metavar="NUMBER", help="XXX-NNNNNNN (filer code and transaction number), or a full XXX-NNNNNNN-C."
    ),
) -> None:
    """Print the full entry number with its check digit; a full number is checked instead."""
    try:
        compact = number.strip().replace("-", "")
        entry = validate_entry_number(number) if len(compact) == 11 else complete_entry_number(number)
    except EntryNumberError as exc:
        fail(str(exc))
    print(entry)


@entry_tools_app.command("validate")
def validate_command(
    number: str = typer.Argument(..., metavar="NUMBER", help="A full entry number XXX-NNNNNNN-C."),
) -> None:
    """Check a full entry number; prints it in standard form when it is valid."""
    try:
        entry = validate_entry_number(number)
    except EntryNumberError as exc:
        fail(str(exc))
    print(entry)
