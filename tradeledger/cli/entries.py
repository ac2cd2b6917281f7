"""`tradeledger entry ...`: entry summaries (CBP Form 7501) on the ledger, JSON in and out.

    tradeledger entry file ENTRY.json --as importer          file a summary (or --as broker)
    tradeledger entry show NUMBER [--version N | --history] [--as ORG]   the entry as ORG's peer holds it
    tradeledger entry amend NUMBER SUMMARY.json --reason R --as importer
    tradeledger entry accept|liquidate NUMBER --as customs [--reason R]
    tradeledger entry reject|review NUMBER --reason R --as customs
    tradeledger entry register-broker --license LICENSE.json --poa POA.json --as broker
    tradeledger entry broker BROKER [--for IMPORTER] [--as ORG]   its license, powers of attorney, standing

ENTRY.json holds entry_number, filed_with, importer and the summary: entry_type,
port_code, entry_date, imported_on, importer_number, mode_of_transport, country_of_export,
bill_of_lading, lines [{line, description, hts, origin, entered_value, mid, spi,
melt_pour, certification, flags, marks}] and documents [{doc_type, commitment}]. An
amendment's SUMMARY.json holds the summary alone. Each command prints one JSON object: a
change prints the entry's entry_status, version, flagged claims and missing documents
beside the ledger receipt (whose status says ordered, committed or final). A refusal is
one line on stderr ("error: ...") and exit 2, and changes nothing.

A broker files for an importer only with a CustomsBrokerLicenseCredential (from an issuer
customs trusts) and the importer's PowerOfAttorneyCredential naming it: signed credentials
(`tradeledger vc issue`), registered once with `entry register-broker`.

An entry's summary is private to its importer, filer and customs, and each flagged agency
holds only the lines flagged to it: `entry show` at any other organization prints the
public facts (filed, by whom, when, status) and says that the content is private.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from tradeledger.cli.common import DirOption, read_json
from tradeledger.cli.errors import fail, friendly_errors
from tradeledger.contracts import brokers
from tradeledger.ledger.contract import collection_record
from tradeledger.node import EmbeddedNetwork
from tradeledger.workflows.brokers import broker_report, register_broker
from tradeledger.workflows.entries import (
    Decision,
    amend_entry,
    decide_entry,
    file_entry,
    read_entry,
)

__all__ = ["entry_app"]

entry_app = typer.Typer(
    name="entry",
    help="Entry summaries (CBP Form 7501) on the ledger: file, show, amend; customs accepts, rejects, "
         "reviews and liquidates.",
    no_args_is_help=True,
    add_completion=False,
)
AsOption = typer.Option(..., "--as", help="The organization acting.")
NumberArgument = typer.Argument(..., metavar="NUMBER", help="The entry number, XXX-NNNNNNN-C.")


def emit(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))


def _object(data: Any, path: Path, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        fail(f"{path}: {what} is a JSON object")
    return data


@entry_app.command("file")
@friendly_errors
def file_command(
    summary_file: Path = typer.Argument(..., metavar="ENTRY.json", help="The entry summary; - for stdin."),
    directory: Path = DirOption,
    organization: str = AsOption,
) -> None:
    """File an entry summary with customs (as the importer of record or a broker)."""
    summary = _object(read_json(summary_file, "entry summary"), summary_file, "an entry summary")
    with EmbeddedNetwork(directory) as network:
        emit(file_entry(network, organization, summary).to_dict())


@entry_app.command("show")
@friendly_errors
def show_command(
    number: str = NumberArgument,
    directory: Path = DirOption,
    version: int | None = typer.Option(None, "--version", help="An earlier version, from 1."),
    history: bool = typer.Option(False, "--history", help="Every version, oldest first."),
    viewer: str | None = typer.Option(None, "--as", help="Read as this organization's peer "
                                                          "(default: the first organization hosted here)."),
) -> None:
    """Print the entry as the ledger holds it, with its claims, status and verifications; to
    an organization outside the entry, its public facts and a note that its content is private."""
    with EmbeddedNetwork(directory) as network:
        network.sync()
        view = read_entry(network, viewer or network.hosted[0], number)
        if view is None:
            fail(f"no entry {number} is filed on this network")
            return
        if not view.visible:
            if history or version is not None:
                fail(view.private_notice())
            # Not an error: the entry's existence and status are public, its content is not.
            print(view.private_notice(), file=sys.stderr)
            emit(view.to_dict())
            return
        if history:
            emit([v.to_dict() for v in view.versions])
            return
        if version is not None:
            if not 1 <= version <= len(view.versions):
                fail(f"entry {number} has versions 1 to {len(view.versions)}")
            emit(view.versions[version - 1].to_dict())
            return
        emit(view.to_dict())


@entry_app.command("amend")
@friendly_errors
def amend_command(
    number: str = NumberArgument,
    summary_file: Path = typer.Argument(..., metavar="SUMMARY.json", help="The whole amended summary; - for stdin."),
    directory: Path = DirOption,
    organization: str = AsOption,
    reason: str = typer.Option(..., "--reason", help="Why the summary changes (kept in its history)."),
) -> None:
    """Amend an entry summary: a new version; the earlier ones stay readable."""
    summary = _object(read_json(summary_file, "entry summary"), summary_file, "an entry summary")
    given = summary.get("entry_number", number)
    if given != number:
        fail(f"{summary_file} is for entry {given}, not {number}")
    with EmbeddedNetwork(directory) as network:
        emit(amend_entry(network, organization, number, summary, reason).to_dict())


def _decision(decision: Decision, reason_required: bool):
    def command(
        number: str = NumberArgument,
        directory: Path = DirOption,
        organization: str = AsOption,
        reason: str = typer.Option(... if reason_required else "", "--reason",
                                   help="Why (kept in the entry's history)."),
    ) -> None:
        with EmbeddedNetwork(directory) as network:
            emit(decide_entry(network, organization, decision, number, reason).to_dict())

    return friendly_errors(command)


_DECISION_COMMANDS: tuple[tuple[Decision, bool, str], ...] = (
    ("accept", False, "Accept an entry summary filed with you (customs)."),
    ("reject", True, "Reject an entry summary filed with you, with the reason (customs)."),
    ("review", True, "Put an entry summary filed with you under review, with the reason (customs)."),
    ("liquidate", False, "Liquidate an accepted entry (customs); waits for open verifications of origin."),
)
for _decision_name, _required, _help in _DECISION_COMMANDS:
    entry_app.command(_decision_name, help=_help)(_decision(_decision_name, _required))


# --- brokers -------------------------------------------------------------------------------------

@entry_app.command("register-broker")
@friendly_errors
def register_broker_command(
    license_file: Path | None = typer.Option(None, "--license", metavar="LICENSE.json",
                                             help="Your signed CustomsBrokerLicenseCredential."),
    poa_files: list[Path] = typer.Option([], "--poa", metavar="POA.json",
                                         help="An importer's signed PowerOfAttorneyCredential naming you; repeatable."),
    customs: str | None = typer.Option(None, "--customs", help="The customs authority the broker files with "
                                                                "(the network's only one by default)."),
    directory: Path = DirOption,
    organization: str = AsOption,
) -> None:
    """Register a broker's license and importers' powers of attorney, verified once on the ledger
    and kept private to the broker, the importer and customs."""
    if license_file is None and not poa_files:
        fail("give --license LICENSE.json, --poa POA.json or both")
    # Every file is read first, so a bad one stops the command before anything is registered.
    license = (_object(read_json(license_file, "credential"), license_file, "a credential")
               if license_file is not None else None)
    powers = [_object(read_json(path, "credential"), path, "a credential") for path in poa_files]
    with EmbeddedNetwork(directory) as network:
        emit(register_broker(network, organization, license, powers, customs=customs).to_dict())


@entry_app.command("broker")
@friendly_errors
def broker_command(
    broker: str = typer.Argument(..., metavar="BROKER", help="The broker organization."),
    directory: Path = DirOption,
    importer: str | None = typer.Option(None, "--for", help="Say only whether it may file for this importer now."),
    viewer: str | None = typer.Option(None, "--as", help="Read as this organization's peer "
                                                          "(default: the first organization hosted here)."),
) -> None:
    """Print a broker's registered license and powers of attorney, and for whom it may file now,
    as the reader's peer holds them: they are private to the broker, each importer and customs."""
    with EmbeddedNetwork(directory) as network:
        network.sync()
        reader = viewer or network.hosted[0]
        network.organization_keys(reader)  # an unknown organization is refused with the known ones
        report = broker_report(network, reader, broker, importer)
        registered = collection_record(network.state(reader), brokers.NAMESPACE, brokers.license_collection(broker))
    emit(report.to_dict())
    if report.license is None and registered is not None and reader not in registered.members:
        # Not an error: that a license is registered, and with whom, is public; its terms are not.
        print(f"{broker}'s license is registered, private to {', '.join(sorted(registered.members))}; "
              f"{reader} is not one of them and holds none of it", file=sys.stderr)
