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

Licenses, their usage and entry checks are private to their collections (contracts.ipr):
a read answers from one organization's view (`--as`, default a customs organization
hosted in the folder), and an organization that is not a member is told the answer is
private. Input is JSON (a file, or - for stdin); output is one JSON document on stdout. Whether
goods are authorized is in the JSON, not the exit code: a "no" is an answer. Bad input
and whatever the ledger refuses print one line on stderr ("error: <reason>") and exit 2,
and nothing reaches the ledger.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import typer

from tradeledger.cli.common import DirOption, read_json, read_json_object
from tradeledger.cli.errors import fail, friendly_errors
from tradeledger.contracts.ipr import block_day
from tradeledger.domain.ipr import IprDataError, Question, QuestionError
from tradeledger.node import EmbeddedNetwork
from tradeledger.runtime.clock import now_ms
from tradeledger.workflows import ipr as workflow

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
    return block_day(now_ms())


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


def _name(path: Path) -> str:
    return "stdin" if str(path) == "-" else str(path)


ViewerOption = typer.Option(
    None, "--as", help="The organization whose view answers (default: a customs organization hosted here, which "
                       "is a member of every license collection; else the first hosted).")


def _viewer(network: EmbeddedNetwork, chosen: str | None = None) -> str:
    """The organization whose peer answers a read. Licenses and checks are private to
    their collections, so another organization's view may hold none of them."""
    network.sync()
    if chosen is not None:
        if chosen not in network.peers:
            fail(f"--as {chosen}: no peer of that organization is hosted in this folder")
        return chosen
    customs = [org.name for org in network.genesis.organizations if org.role == "customs" and org.name in network.peers]
    return customs[0] if customs else next(iter(network.peers))


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
    with EmbeddedNetwork(directory) as network:
        _print(workflow.record_mark(network, organization, filing).to_dict())


@ipr_app.command("accept")
@friendly_errors
def accept(
    recordation_id: str = typer.Argument(..., help="The recordation number, e.g. 'TMK 26-00017'."),
    directory: Path = DirOption,
    organization: str = AsOption,
) -> None:
    """Customs accepts a pending recordation; from today its owner may license the mark."""
    with EmbeddedNetwork(directory) as network:
        _print(workflow.accept(network, organization, recordation_id).to_dict())


@ipr_app.command("refuse")
@friendly_errors
def refuse(
    recordation_id: str = typer.Argument(..., help="The recordation number."),
    directory: Path = DirOption,
    organization: str = AsOption,
    reason: str = typer.Option(..., "--reason", help="Why (recorded on the ledger)."),
) -> None:
    """Customs refuses a pending recordation, saying why."""
    with EmbeddedNetwork(directory) as network:
        _print(workflow.refuse(network, organization, recordation_id, reason).to_dict())


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
    with EmbeddedNetwork(directory) as network:
        _print(workflow.grant_license(network, organization, terms).to_dict())


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
    with EmbeddedNetwork(directory) as network:
        _print(workflow.sublicense(network, organization, parent_id, terms).to_dict())


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
    effective_on = None if on is None else _day(on, "--on")
    with EmbeddedNetwork(directory) as network:
        _print(workflow.terminate(network, organization, license_id, reason, effective_on).to_dict())


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
    viewer: str | None = ViewerOption,
) -> None:
    """May this importer bring in these goods bearing this mark on this day? Read-only:
    the answer, with the whole chain and, when no, the first broken link and the question
    that failed."""
    if (question_file is None) == (entry is None):
        fail("give either QUESTION.json or --entry ENTRY_NUMBER")
    if entry is not None:
        day = None if on is None else _day(on, "--on")
        with EmbeddedNetwork(directory) as network:
            _print(workflow.recheck_entry(network, _viewer(network, viewer), entry, day).to_dict())
        return
    assert question_file is not None
    data = read_json_object(question_file, "question")
    if on is not None or "on" not in data:
        data = {**data, "on": _day(on, "--on").isoformat()}
    with EmbeddedNetwork(directory) as network:
        try:
            decision = workflow.check(network, _viewer(network, viewer), Question.from_dict(data))
        except (IprDataError, QuestionError) as exc:
            fail(f"{_name(question_file)}: {exc}")
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
    if not isinstance(facts, list) or not all(isinstance(item, dict) for item in facts):
        fail(f"{_name(facts_file)}: line facts are a JSON list of objects")
    with EmbeddedNetwork(directory) as network:
        _print(workflow.check_entry(network, organization, entry_number, facts).to_dict())


@ipr_app.command("chain")
@friendly_errors
def chain(
    subject: str = typer.Argument(..., help="A license id (its chain and branch) or a mark (its whole tree)."),
    directory: Path = DirOption,
    on: str | None = OnOption,
    svg: Path | None = typer.Option(None, "--svg", help="Also draw the tree into this SVG file."),
    max_licenses: int = typer.Option(workflow.DEFAULT_MAX_LICENSES, "--max", min=1,
                                     help="Draw at most this many licenses."),
    viewer: str | None = ViewerOption,
) -> None:
    """The license tree as JSON on stdout, each license with its dates and status on the day;
    --svg also draws it."""
    day = _day(on, "--on")
    if svg is not None and not svg.parent.is_dir():
        fail(f"cannot write {svg}: folder {svg.parent} does not exist")
    with EmbeddedNetwork(directory) as network:
        reader = _viewer(network, viewer)
        tree = workflow.chain(network, reader, subject, day, max_licenses, draw=svg is not None)
        partial = network.genesis.organization(reader).role != "customs"
    if svg is not None and tree.svg is not None:
        svg.write_text(tree.svg, encoding="utf-8")
    _print(tree.document)
    if partial:
        # Not an error, but a tree short of licenses would read as "there are none".
        print(f"as {reader}: licenses are private to their chain's parties and customs; this tree shows only "
              f"those {reader} is a party to", file=sys.stderr)
