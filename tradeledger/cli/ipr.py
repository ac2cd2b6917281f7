"""`tradeledger ipr`: recordations, licenses and the border check on the command line.

    tradeledger ipr record RECORDATION.json --as brand           a rights holder records a mark
    tradeledger ipr accept "TMK 26-00017" --as customs           customs accepts it (or `refuse --reason`)
    tradeledger ipr license TERMS.json --as brand                the owner grants a license
    tradeledger ipr sublicense L-1 TERMS.json --as maker         the holder of L-1 grants below it
    tradeledger ipr terminate L-1 --reason "..." --as brand      from today, or --on a later day
    tradeledger ipr check QUESTION.json                          may this importer bring these goods in?
    tradeledger ipr check --entry B76-0324527-8 [--on DAY]       an entry customs checked, asked again
    tradeledger ipr check-entry B76-0324527-8 FACTS.json --as customs    the check of a whole entry
    tradeledger ipr chain "ACME TRAIL" [--on DAY] [--svg OUT.svg]        the license tree

Input is JSON (a file, or - for stdin); output is one JSON document on stdout. Whether
goods are authorized is in the JSON, not the exit code: a "no" is an answer. Bad input
and whatever the ledger refuses print one line on stderr ("error: <reason>") and exit 2,
and nothing reaches the ledger.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import typer

from tradeledger.cli.common import DirOption, read_json, read_json_object
from tradeledger.cli.errors import fail, friendly_errors
from tradeledger.contracts import ipr
from tradeledger.contracts.ipr_book import (
    LedgerLicenseBook,
    check_key,
    license_key,
    recordation_key,
)
from tradeledger.domain.ipr import (
    IprDataError,
    Question,
    QuestionError,
    UnknownSubject,
    authorize,
    chain_json,
    chain_svg,
)
from tradeledger.node import EmbeddedNetwork
from tradeledger.runtime.clock import now_ms

__all__ = ["ipr_app"]

ipr_app = typer.Typer(
    name="ipr",
    help="Intellectual property: recordations, license chains, and the border authorization check.",
    no_args_is_help=True,
    add_completion=False,
)

AsOption = typer.Option(..., "--as", help="The organization acting.")
OnOption = typer.Option(None, "--on", help="The day asked about, YYYY-MM-DD (default: today, UTC).")


def _today() -> date:
    return ipr.block_day(now_ms())


def _day(text: str | None, option: str) -> date:
    if text is None:
        return _today()
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option} {text!r}: give a date as YYYY-MM-DD, e.g. 2026-03-02")
    raise AssertionError("unreachable: fail() exits")


def _print(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))


def _submit(directory: Path, organization: str, action: str, args: dict[str, Any],
            key: str | None = None) -> dict[str, Any]:
    """Submit an ipr action (refused before it reaches the log when the contract would
    refuse it); the receipt, and the state record at `key` as it now stands."""
    with EmbeddedNetwork(directory) as network:
        receipt = network.submit_checked(organization, ipr.NAMESPACE, action, args)
        record = network.peer(organization).store.get_state(ipr.NAMESPACE, key) if key else None
    return {"receipt": receipt.to_dict(), **({"record": record} if key else {})}


@ipr_app.command("record")
@friendly_errors
def record(
    recordation_file: Path = typer.Argument(..., metavar="RECORDATION.json", help="The filing; - for stdin."),
    directory: Path = DirOption,
    organization: str = AsOption,
) -> None:
    """Record a trademark or copyright you own (recordation_id, registration_number, kind,
    mark, goods_description, hts_prefixes, manufacturing_countries, authorized_manufacturers,
    gray_market_protection, expires_on); it waits for customs to accept it."""
    filing = read_json_object(recordation_file, "recordation")
    key = recordation_key(filing["recordation_id"]) if isinstance(filing.get("recordation_id"), str) else None
    _print(_submit(directory, organization, "record", filing, key))


@ipr_app.command("accept")
@friendly_errors
def accept(
    recordation_id: str = typer.Argument(..., help="The recordation number, e.g. 'TMK 26-00017'."),
    directory: Path = DirOption,
    organization: str = AsOption,
) -> None:
    """Customs accepts a pending recordation; from today its owner may license the mark."""
    _print(_submit(directory, organization, "decide", {"recordation_id": recordation_id, "accepted": True},
                   recordation_key(recordation_id)))


@ipr_app.command("refuse")
@friendly_errors
def refuse(
    recordation_id: str = typer.Argument(..., help="The recordation number."),
    directory: Path = DirOption,
    organization: str = AsOption,
    reason: str = typer.Option(..., "--reason", help="Why (recorded on the ledger)."),
) -> None:
    """Customs refuses a pending recordation, saying why."""
    _print(_submit(directory, organization, "decide",
                   {"recordation_id": recordation_id, "accepted": False, "reason": reason},
                   recordation_key(recordation_id)))


def _grant(directory: Path, organization: str, terms: dict[str, Any]) -> None:
    key = license_key(terms["license_id"]) if isinstance(terms.get("license_id"), str) else None
    _print(_submit(directory, organization, "license", terms, key))


@ipr_app.command("license")
@friendly_errors
def license_command(
    terms_file: Path = typer.Argument(..., metavar="TERMS.json", help="The license terms; - for stdin."),
    directory: Path = DirOption,
    organization: str = AsOption,
) -> None:
    """Grant a license of a mark you own (license_id, mark, licensee, hts_prefixes,
    countries, manufacturers, quantity_cap, start, end, may_sublicense, further_generations)."""
    terms = read_json_object(terms_file, "license")
    if terms.get("parent_id") is not None:
        fail(f"the terms name parent license {terms['parent_id']!r}; grant it with "
             f"`ipr sublicense {terms['parent_id']} TERMS.json`")
    _grant(directory, organization, terms)


@ipr_app.command("sublicense")
@friendly_errors
def sublicense(
    parent_id: str = typer.Argument(..., metavar="PARENT", help="The license you hold that this one extends."),
    terms_file: Path = typer.Argument(..., metavar="TERMS.json", help="The sub-license terms; - for stdin."),
    directory: Path = DirOption,
    organization: str = AsOption,
) -> None:
    """Grant a sub-license under a license you hold; it must lie within its parent's scope,
    dates and generations."""
    terms = read_json_object(terms_file, "license")
    if terms.get("parent_id") not in (None, parent_id):
        fail(f"the terms name parent {terms['parent_id']!r} but the command names {parent_id!r}; drop one")
    _grant(directory, organization, {**terms, "parent_id": parent_id})


@ipr_app.command("terminate")
@friendly_errors
def terminate(
    license_id: str = typer.Argument(..., help="The license to end."),
    directory: Path = DirOption,
    organization: str = AsOption,
    reason: str = typer.Option(..., "--reason", help="Why (recorded on the ledger)."),
    on: str | None = typer.Option(None, "--on", help="The first day it no longer holds (default: today)."),
) -> None:
    """End a license you granted or hold, from today or a later day; every sub-license below
    it falls with it from that day, and earlier days keep their answers."""
    args: dict[str, Any] = {"license_id": license_id, "reason": reason}
    if on is not None:
        args["effective_on"] = _day(on, "--on").isoformat()
    _print(_submit(directory, organization, "terminate", args, license_key(license_id)))


@ipr_app.command("check")
@friendly_errors
def check(
    question_file: Path | None = typer.Argument(
        None, metavar="[QUESTION.json]",
        help="importer, mark, hts, manufacturer, country, quantity, on (default today), "
             "physically_materially_different, bears_lever_label, entry_number; - for stdin."),
    directory: Path = DirOption,
    entry: str | None = typer.Option(None, "--entry", help="Ask again about an entry customs checked."),
    on: str | None = OnOption,
) -> None:
    """May this importer bring in these goods bearing this mark on this day? Read-only:
    the answer, with the whole chain and, when no, the first broken link and the question
    that failed."""
    if (question_file is None) == (entry is None):
        fail("give either QUESTION.json or --entry ENTRY_NUMBER")
    with EmbeddedNetwork(directory) as network:
        network.sync()
        state = network.reader.store
        if entry is not None:
            try:
                answer = ipr.recheck_entry(state, entry, None if on is None else _day(on, "--on"))
            except LookupError as exc:
                fail(str(exc.args[0]))
            _print(answer)
            return
        assert question_file is not None
        data = read_json_object(question_file, "question")
        if on is not None or "on" not in data:
            data = {**data, "on": _day(on, "--on").isoformat()}
        try:
            decision = authorize(LedgerLicenseBook(state), Question.from_dict(data))
        except (IprDataError, QuestionError) as exc:
            fail(f"{'stdin' if str(question_file) == '-' else question_file}: {exc}")
        _print(decision.to_dict())


@ipr_app.command("check-entry")
@friendly_errors
def check_entry(
    entry_number: str = typer.Argument(..., help="An entry filed with you whose lines bear marks."),
    facts_file: Path = typer.Argument(
        ..., metavar="FACTS.json",
        help='[{"line": 1, "manufacturer": MID, "quantity": N, "physically_materially_different": false, '
             '"bears_lever_label": false}, ...]; - for stdin.'),
    directory: Path = DirOption,
    organization: str = AsOption,
) -> None:
    """Customs runs the border check for every marked line of an entry: failing lines are
    flagged for review with the reason; authorized lines count against license caps."""
    facts = read_json(facts_file, "list of line facts")
    if not isinstance(facts, list):
        fail(f"{'stdin' if str(facts_file) == '-' else facts_file}: line facts are a JSON list of objects")
    _print(_submit(directory, organization, "check_entry", {"entry_number": entry_number, "lines": facts},
                   check_key(entry_number)))


@ipr_app.command("chain")
@friendly_errors
def chain(
    subject: str = typer.Argument(..., help="A license id (its chain and branch) or a mark (its whole tree)."),
    directory: Path = DirOption,
    on: str | None = OnOption,
    svg: Path | None = typer.Option(None, "--svg", help="Also draw the tree into this SVG file."),
    max_licenses: int = typer.Option(500, "--max", min=1, help="Draw at most this many licenses."),
) -> None:
    """The license tree as JSON on stdout, each license with its dates and status on the day;
    --svg also draws it."""
    day = _day(on, "--on")
    if svg is not None and not svg.parent.is_dir():
        fail(f"cannot write {svg}: folder {svg.parent} does not exist")
    with EmbeddedNetwork(directory) as network:
        network.sync()
        book = LedgerLicenseBook(network.reader.store)
        try:
            tree = chain_json(book, subject, day, max_licenses=max_licenses)
            drawing = chain_svg(book, subject, day, max_licenses=max_licenses) if svg is not None else None
        except UnknownSubject as exc:
            fail(str(exc))
    if svg is not None and drawing is not None:
        svg.write_text(drawing, encoding="utf-8")
    _print(tree)
