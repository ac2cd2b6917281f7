"""`tradeledger entry ...`: entry summaries (CBP Form 7501) on the ledger, JSON in and out.

    tradeledger entry file ENTRY.json --as importer          file a summary (or --as broker)
    tradeledger entry show NUMBER [--version N | --history]   the entry as the ledger holds it
    tradeledger entry amend NUMBER SUMMARY.json --reason R --as importer
    tradeledger entry accept|liquidate NUMBER --as customs [--reason R]
    tradeledger entry reject|review NUMBER --reason R --as customs
    tradeledger entry register-broker --license LICENSE.json --poa POA.json --as broker
    tradeledger entry broker BROKER [--for IMPORTER]         its license, powers of attorney, standing

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
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from tradeledger.cli.common import DirOption, read_json
from tradeledger.cli.errors import fail, friendly_errors
from tradeledger.contracts import brokers, entries, origin
from tradeledger.node import EmbeddedNetwork
from tradeledger.runtime.clock import now_ms

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


def _outcome(network: EmbeddedNetwork, organization: str, number: str, receipt: dict[str, Any]) -> dict[str, Any]:
    record = entries.find_entry(network.peer(organization).store, number)
    return {"entry_number": number, "entry_status": record["status"] if record else None,
            "version": record["version"] if record else None,
            "flagged_claims": record["flagged_claims"] if record else [],
            "missing_documents": record["missing_documents"] if record else [], **receipt}


def _submit(directory: Path, organization: str, action: str, args: dict[str, Any]) -> None:
    with EmbeddedNetwork(directory) as network:
        receipt = network.submit_checked(organization, entries.NAMESPACE, action, args).to_dict()
        emit(_outcome(network, organization, args["entry_number"], receipt))


@entry_app.command("file")
@friendly_errors
def file_command(
    summary_file: Path = typer.Argument(..., metavar="ENTRY.json", help="The entry summary; - for stdin."),
    directory: Path = DirOption,
    organization: str = AsOption,
) -> None:
    """File an entry summary with customs (as the importer of record or a broker)."""
    summary = _object(read_json(summary_file, "entry summary"), summary_file, "an entry summary")
    _submit(directory, organization, "file", summary)


@entry_app.command("show")
@friendly_errors
def show_command(
    number: str = NumberArgument,
    directory: Path = DirOption,
    version: int | None = typer.Option(None, "--version", help="An earlier version, from 1."),
    history: bool = typer.Option(False, "--history", help="Every version, oldest first."),
) -> None:
    """Print the entry as the ledger holds it, with its claims, status and verifications."""
    with EmbeddedNetwork(directory) as network:
        network.sync()
        state = network.reader.store
        versions = entries.entry_versions(state, number)
        if not versions:
            fail(f"no entry {number} is filed on this network")
        if history:
            emit(versions)
            return
        if version is not None:
            if not 1 <= version <= len(versions):
                fail(f"entry {number} has versions 1 to {len(versions)}")
            emit(versions[version - 1])
            return
        emit({**versions[-1], "verifications": [v.to_dict() for v in origin.verifications_of(state, number)]})


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
    given = summary.pop("entry_number", number)
    if given != number:
        fail(f"{summary_file} is for entry {given}, not {number}")
    for fixed in ("filed_with", "importer"):
        summary.pop(fixed, None)  # an amendment keeps who filed with whom for whom
    _submit(directory, organization, "amend", {**summary, "entry_number": number, "reason": reason})


def _decision(action: str, reason_required: bool):
    def command(
        number: str = NumberArgument,
        directory: Path = DirOption,
        organization: str = AsOption,
        reason: str = typer.Option(... if reason_required else "", "--reason",
                                   help="Why (kept in the entry's history)."),
    ) -> None:
        _submit(directory, organization, action, {"entry_number": number, "reason": reason})

    return friendly_errors(command)


for _action, _required, _help in (
    ("accept", False, "Accept an entry summary filed with you (customs)."),
    ("reject", True, "Reject an entry summary filed with you, with the reason (customs)."),
    ("review", True, "Put an entry summary filed with you under review, with the reason (customs)."),
    ("liquidate", False, "Liquidate an accepted entry (customs); waits for open verifications of origin."),
):
    entry_app.command(_action, help=_help)(_decision(_action, _required))


# --- brokers -------------------------------------------------------------------------------------

@entry_app.command("register-broker")
@friendly_errors
def register_broker_command(
    license_file: Path | None = typer.Option(None, "--license", metavar="LICENSE.json",
                                             help="Your signed CustomsBrokerLicenseCredential."),
    poa_files: list[Path] = typer.Option([], "--poa", metavar="POA.json",
                                         help="An importer's signed PowerOfAttorneyCredential naming you; repeatable."),
    directory: Path = DirOption,
    organization: str = AsOption,
) -> None:
    """Register a broker's license and importers' powers of attorney, verified once on the ledger."""
    if license_file is None and not poa_files:
        fail("give --license LICENSE.json, --poa POA.json or both")
    credentials = [("register_license", license_file)] if license_file is not None else []
    credentials += [("register_power_of_attorney", path) for path in poa_files]
    documents = [(action, _object(read_json(path, "credential"), path, "a credential")) for action, path in credentials]
    registered = []
    with EmbeddedNetwork(directory) as network:
        for action, credential in documents:
            receipt = network.submit_checked(organization, brokers.NAMESPACE, action, {"credential": credential})
            registered.append({"action": action, "credential": credential.get("id"), **receipt.to_dict()})
        state = network.peer(organization).store
        emit({"broker": organization, "registered": registered,
              "license": brokers.find_license(state, organization),
              "powers_of_attorney": brokers.powers_of_attorney_of(state, organization)})


@entry_app.command("broker")
@friendly_errors
def broker_command(
    broker: str = typer.Argument(..., metavar="BROKER", help="The broker organization."),
    directory: Path = DirOption,
    importer: str | None = typer.Option(None, "--for", help="Say only whether it may file for this importer now."),
) -> None:
    """Print a broker's registered license and powers of attorney, and for whom it may file now."""
    with EmbeddedNetwork(directory) as network:
        network.sync()
        state = network.reader.store
        network.genesis.organization(broker)  # an unknown name lists the known ones
        powers = brokers.powers_of_attorney_of(state, broker)
        at_ms = now_ms()
        importers = [importer] if importer is not None else [p["importer"] for p in powers]
        standing = {name: brokers.refusal(state, broker, name, at_ms) for name in importers}
        emit({"broker": broker, "license": brokers.find_license(state, broker), "powers_of_attorney": powers,
              "may_file_for": {name: why is None for name, why in standing.items()},
              "refusals": {name: why for name, why in standing.items() if why is not None}})
