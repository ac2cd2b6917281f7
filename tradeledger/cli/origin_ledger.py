"""Certifications and verifications of origin on the ledger, JSON in and out.

    certify CERT.json --as exporter                 issue a USMCA / CAFTA-DR certification (a
            [--importer ORG]                        verifiable credential) and anchor it; its
                                                    terms shared with ORG, which claims it
    verify-open NUMBER LINE --reason R --as customs open a verification of a claiming line
                [--party ORG ...]                   (the certifier and the agencies the line is
                                                    flagged to are parties; name producers asked)
    verify-request VERIFICATION --as customs        ask for the certification and records
    verify-pending VERIFICATION --as ORG            requests waiting for ORG to approve
    verify-answer VERIFICATION CASE.json --as ORG   answer with a bill-of-materials case
                                                    (shared/domain/origin-cases/README.md)
    verify-show VERIFICATION [--as ORG]             the verification: its public record, and
                                                    its case when ORG is a party to it
    determine VERIFICATION --as customs             assess, keep, grant and record the
              [--outcome eligible|denied --reason R]   determination (the officer may overrule)
    determination VERIFICATION --as ORG             read it: the verification's parties; anyone
                                                    else is refused

A verification is private to its parties (customs, the importer, the certifier, the
producers asked, the agencies concerned): everyone else sees that it exists, its parties
and its status. Each command prints one JSON object. A refusal is one line on stderr and
exit 2; an organization that is not a party is refused with exit 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from tradeledger.cli.common import DirOption, read_json
from tradeledger.cli.entries import emit
from tradeledger.cli.errors import fail, friendly_errors
from tradeledger.credentials import CredentialError
from tradeledger.domain.origin.certification import CertificationError, CertificationOfOrigin
from tradeledger.node import EmbeddedNetwork
from tradeledger.workflows import origin as flows
from tradeledger.workflows.disclosure import AccessRefused

__all__ = ["verification_app"]

verification_app = typer.Typer(
    name="origin",
    help="Certifications and verifications of origin (USMCA, CAFTA-DR) on the ledger.",
    no_args_is_help=True,
    add_completion=False,
)
AsOption = typer.Option(..., "--as", help="The organization acting.")
VerificationArgument = typer.Argument(..., metavar="VERIFICATION", help="The verification's id.")


@verification_app.command("certify")
@friendly_errors
def certify_command(
    certification_file: Path = typer.Argument(..., metavar="CERT.json", help="The certification's data; - for stdin."),
    directory: Path = DirOption,
    organization: str = AsOption,
    output: Path | None = typer.Option(None, "--output", "-o", help="Also write the signed credential here."),
    importer: str | None = typer.Option(None, "--importer", metavar="ORG",
                                        help="The importer that will claim it: its terms are shared with it "
                                             "(and with customs), so its entries can be judged on them."),
) -> None:
    """Issue a certification of origin as a verifiable credential and anchor it; its terms
    are private to the certifier, customs and the importer named with --importer."""
    if output is not None and not output.parent.is_dir():
        fail(f"cannot write {output}: folder {output.parent} does not exist")
    data = read_json(certification_file, "certification of origin")
    try:
        certification = CertificationOfOrigin.from_dict(data)
    except CertificationError as exc:
        fail(f"{certification_file}: {exc}")
    with EmbeddedNetwork(directory) as network:
        try:
            issued = flows.certify(network, organization, certification, importer=importer)
        except CredentialError as exc:
            fail(f"{certification_file}: the credential cannot be issued: {exc}")
    if output is not None:
        output.write_text(json.dumps(issued.credential, indent=2, ensure_ascii=False) + "\n")
    emit(issued.to_dict())
    if importer is None:
        # Without it, an importer's claim on this certification is flagged: it cannot read the terms.
        print(f"note: its terms are private to {organization} and customs; an importer's entry claiming it is "
              "judged on them only if the importer holds them: certify with --importer ORG", file=sys.stderr)


@verification_app.command("verify-open")
@friendly_errors
def open_command(
    number: str = typer.Argument(..., metavar="NUMBER", help="The entry number."),
    line: int = typer.Argument(..., metavar="LINE", help="The line that claims preference."),
    directory: Path = DirOption,
    organization: str = AsOption,
    reason: str = typer.Option(..., "--reason", help="Why customs verifies (private to the parties)."),
    parties: list[str] = typer.Option([], "--party", help="An exporter or producer asked (repeatable)."),
) -> None:
    """Open a verification of origin of a line claiming USMCA or CAFTA-DR preference (customs)."""
    with EmbeddedNetwork(directory) as network:
        verification_id = flows.open_verification(network, organization, number, line, reason, parties)
        emit(_shown(network, organization, verification_id))


@verification_app.command("verify-request")
@friendly_errors
def request_command(verification_id: str = VerificationArgument, directory: Path = DirOption,
                    organization: str = AsOption) -> None:
    """Ask for the certification and the entry's supporting documents (customs)."""
    with EmbeddedNetwork(directory) as network:
        _require_customs(network, verification_id, organization)
        made = flows.request_records(network, organization, verification_id)
    emit({"verification": verification_id, "requests": [r.to_dict() for r in made]})


@verification_app.command("verify-pending")
@friendly_errors
def pending_command(verification_id: str = VerificationArgument, directory: Path = DirOption,
                    organization: str = AsOption) -> None:
    """The verification's access requests waiting for you to approve (`tradeledger approve ID`) or deny."""
    with EmbeddedNetwork(directory) as network:
        network.sync()
        emit({"verification": verification_id, "pending": flows.pending_requests(network, organization,
                                                                                  verification_id)})


@verification_app.command("verify-answer")
@friendly_errors
def answer_command(
    verification_id: str = VerificationArgument,
    case_file: Path = typer.Argument(..., metavar="CASE.json", help="A bill-of-materials case; - for stdin."),
    directory: Path = DirOption,
    organization: str = AsOption,
) -> None:
    """Answer with a bill-of-materials case, disclosed to customs only (importer, certifier or producer)."""
    case = read_json(case_file, "rules-of-origin case")
    with EmbeddedNetwork(directory) as network:
        commitment = flows.answer_verification(network, organization, verification_id, case)
        emit({"verification": verification_id, "commitment": commitment,
              "status": flows.verification(network, organization, verification_id).status})


@verification_app.command("verify-show")
@friendly_errors
def show_command(
    verification_id: str = VerificationArgument,
    directory: Path = DirOption,
    organization: str | None = typer.Option(None, "--as", help="Whose peer to read (default: the first hosted)."),
) -> None:
    """The verification: that it exists, its parties and status; its case to a party only."""
    with EmbeddedNetwork(directory) as network:
        network.sync()
        emit(_shown(network, organization or network.hosted[0], verification_id))


@verification_app.command("determine")
@friendly_errors
def determine_command(
    verification_id: str = VerificationArgument,
    directory: Path = DirOption,
    organization: str = AsOption,
    outcome: str | None = typer.Option(None, "--outcome", help="Overrule the assessment: eligible or denied."),
    reason: str | None = typer.Option(None, "--reason", help="The officer's reason (with --outcome)."),
) -> None:
    """Assess what was disclosed and record the determination for the verification's parties (customs)."""
    if (outcome is None) != (reason is None):
        fail("give --outcome and --reason together, or neither")
    with EmbeddedNetwork(directory) as network:
        _require_customs(network, verification_id, organization)
        recorded = flows.determine_origin(network, organization, verification_id, outcome, reason)
    emit(recorded.to_dict())


@verification_app.command("determination")
@friendly_errors
def determination_command(verification_id: str = VerificationArgument, directory: Path = DirOption,
                          organization: str = AsOption) -> None:
    """Read a determination from your own peer, if you are a party to the verification."""
    with EmbeddedNetwork(directory) as network:
        try:
            determination = flows.read_determination(network, organization, verification_id)
        except AccessRefused as exc:
            fail(f"refused: {exc}", code=1)
    emit(determination.to_dict())


def _shown(network: EmbeddedNetwork, organization: str, verification_id: str) -> dict[str, object]:
    """The public record, with the case when `organization` is a party, else why not."""
    shown: dict[str, object] = flows.verification(network, organization, verification_id).to_dict()
    try:
        shown["case"] = flows.verification_case(network, organization, verification_id).to_dict()
    except AccessRefused as exc:
        shown["case"] = None
        shown["private"] = str(exc)
    return shown


def _require_customs(network: EmbeddedNetwork, verification_id: str, organization: str) -> None:
    """Name the customs authority that opened the verification when --as names any other
    organization, hosted here or not."""
    customs = flows.verification(network, network.hosted[0], verification_id).customs
    if customs != organization:
        fail(f"only {customs}, which opened verification {verification_id}, acts on it")
