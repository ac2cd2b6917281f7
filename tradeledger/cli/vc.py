"""`tradeledger vc`: verifiable credentials, status lists, the trust registry and DIDs.

    vc issue CRED.json --dir D --as ORG [-o OUT.json] [--status LIST:INDEX]   sign as ORG's did:key
    vc verify FILE [--dir D] [--at WHEN]          JSON verified / trusted / errors; exit 0 when verified
    vc validate FILE                              the VC 2.0 data model alone; exit 0 when valid
    vc publish-list LIST --purpose revocation|suspension --dir D --as ORG
    vc revoke | suspend | unsuspend (CRED.json | --list LIST --index N) --dir D --as ORG
    vc status-list LIST --of ORG --dir D [--at WHEN]   the list credential as it stood then
    vc present CRED.json... --challenge C [--domain X] --dir D --as ORG [-o OUT.json]
    vc verify-presentation FILE --challenge C [--domain X] [--dir D]
    vc trust --type T --issuer DID|ORG --dir D --as ORG;  vc end-trust ENTRY;  vc trusted
    vc did DID|ORG [--dir D] [--at WHEN] [--resolution]

Without --dir, `verify` checks the data model, the proofs and the validity dates offline (a
did:key issuer needs no ledger) and reports status and trust as not checked. Bad input (a
missing file, malformed JSON, a malformed DID, an index outside the list ...) is one line on
stderr and exit 2; a credential that does not verify is a JSON answer and exit 1.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer

from tradeledger.cli.common import DirOption, read_json, read_json_object
from tradeledger.cli.errors import fail, friendly_errors
from tradeledger.credentials import CredentialError, validate_credential
from tradeledger.credentials.datetimes import parse_datetime
from tradeledger.credentials.status_list import MIN_STATUS_LIST_LENGTH, REVOCATION, SUSPENSION
from tradeledger.errors import Refused
from tradeledger.identity import IdentityError
from tradeledger.identity.resolver import to_ms
from tradeledger.node import EmbeddedNetwork
from tradeledger.workflows import credentials as workflow
from tradeledger.workflows.credentials import StatusTarget

__all__ = ["vc_app"]

vc_app = typer.Typer(
    name="vc",
    help="Verifiable credentials (W3C VC 2.0, eddsa-jcs-2022): issue, verify, revoke, present; DIDs and trust.",
    no_args_is_help=True,
    add_completion=False,
)

F = TypeVar("F", bound=Callable[..., Any])
OptionalDir = typer.Option(None, "--dir", "-d", help="The network folder (keys, status and trust from the ledger).")
AsOption = typer.Option(..., "--as", help="The organization acting (its administrator key signs).")
AtOption = typer.Option(None, "--at", help="Answer as of this time, e.g. 2027-01-31T00:00:00Z (default: now).")
ReasonOption = typer.Option("", "--reason", help="Why (recorded on the ledger).")


def _command(command: F) -> F:
    """friendly_errors, plus the credential and identity errors as one line each."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (CredentialError, IdentityError) as exc:
            fail(str(exc))

    return friendly_errors(run)  # type: ignore[return-value]


def _print(data: Any, indent: int | None = 2) -> None:
    print(json.dumps(data, indent=indent, sort_keys=indent is None, ensure_ascii=False))


def _check_writable(output: Path | None) -> None:
    """Refuse an output in a missing folder before anything is signed or submitted."""
    if output is not None and not output.parent.is_dir():
        fail(f"cannot write {output}: folder {output.parent} does not exist")


def _write(output: Path, document: dict[str, Any]) -> None:
    output.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _moment(text: str | None, option: str) -> int | None:
    if text is None:
        return None
    try:
        return to_ms(parse_datetime(text).moment)
    except CredentialError as exc:
        fail(f"{option} {text!r}: {exc}")
    raise AssertionError("unreachable: fail() exits")


def _viewer(network: EmbeddedNetwork) -> str:
    """The organization whose view answers the command's questions: the first one hosted here."""
    return network.hosted[0]


# --- issuing and verifying ------------------------------------------------------------------


def _status_option(text: str) -> StatusTarget:
    list_id, sep, index = text.rpartition(":")
    if not sep or not list_id or not index.isdigit():
        fail(f"--status {text!r}: write LIST:INDEX, for example --status ior-suspension:42")
    return StatusTarget(list_id, int(index))


@vc_app.command("issue")
@_command
def issue(
    credential: Path = typer.Argument(..., metavar="CREDENTIAL.json", help="The unsigned credential."),
    directory: Path = DirOption,
    organization: str = AsOption,
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the signed credential here "
                                                                     "(default: print it)."),
    status: list[str] = typer.Option([], "--status", help="Add a status entry LIST:INDEX of one of your "
                                                          "published lists; repeatable."),
) -> None:
    """Sign a credential as ORG: the issuer becomes ORG's did:key, the proof eddsa-jcs-2022."""
    doc = read_json_object(credential, "credential")
    _check_writable(output)
    if "proof" in doc:
        fail(f"{credential} already has a proof; issue the unsigned credential")
    entries = [_status_option(s) for s in status]
    with EmbeddedNetwork(directory) as network:
        issued = workflow.issue(network, organization, doc, entries)
    if output is None:
        _print(issued.credential)
        return
    _write(output, issued.credential)
    _print({"output": str(output), **issued.summary()})


@vc_app.command("verify")
@_command
def verify(
    file: Path = typer.Argument(..., metavar="FILE", help="A signed credential (JSON)."),
    directory: Path | None = OptionalDir,
    at: str | None = AtOption,
) -> None:
    """Verify a credential; print verified, trusted, errors and warnings; exit 0 when verified."""
    doc = read_json(file, "credential")
    at_ms = _moment(at, "--at")
    if directory is None:
        result = workflow.verify_offline(doc, at_ms).to_dict()
    else:
        with EmbeddedNetwork(directory) as network:
            network.sync()
            result = workflow.verify(network, _viewer(network), doc, at_ms).to_dict()
    _print(result)
    _exit_unless(result)


def _exit_unless(result: dict[str, Any]) -> None:
    if not result["verified"]:
        first = result["errors"][0] if result["errors"] else {"message": "not verified", "code": "?"}
        print(f"not verified: {first['message']} [{first['code']}]", file=sys.stderr)
        raise typer.Exit(1)


@vc_app.command("validate")
@_command
def validate(file: Path = typer.Argument(..., metavar="FILE", help="A credential (JSON).")) -> None:
    """Check the VC 2.0 data model alone (no proof, no ledger); exit 0 when valid."""
    report = validate_credential(read_json(file, "credential"))
    _print({"valid": report.ok, "errors": [p.to_dict() for p in report.errors],
            "warnings": [p.to_dict() for p in report.warnings]})
    if not report.ok:
        first = report.errors[0]
        print(f"not valid: {first}", file=sys.stderr)
        raise typer.Exit(1)


# --- status lists -----------------------------------------------------------------------------


@vc_app.command("publish-list")
@_command
def publish_list(
    list_id: str = typer.Argument(..., metavar="LIST", help="A name for the list, e.g. ior-suspension."),
    purpose: str = typer.Option(..., "--purpose", help="revocation (final) or suspension (reversible)."),
    length: int = typer.Option(MIN_STATUS_LIST_LENGTH, "--length", help="Entries (>= 131072)."),
    directory: Path = DirOption,
    organization: str = AsOption,
) -> None:
    """Publish a Bitstring Status List on the ledger, for the credentials you issue."""
    with EmbeddedNetwork(directory) as network:
        published = workflow.publish_status_list(network, organization, list_id, purpose, length)
    _print(published.to_dict(), indent=None)


def _status_target(network: EmbeddedNetwork, organization: str, credential: Path | None, list_id: str | None,
                   index: int | None, purpose: str) -> StatusTarget:
    """The entry named by the credential's status entry for `purpose`, or by --list/--index."""
    if credential is None:
        if list_id is None or index is None:
            fail("give either a credential file or both --list LIST and --index N")
        return StatusTarget(list_id, index)
    if list_id is not None and index is not None:
        fail("give either a credential file or both --list LIST and --index N")
    doc = read_json_object(credential, "credential")
    return workflow.status_target(network, organization, doc, purpose, what=str(credential))


def _change_status(change: Callable[..., workflow.StatusChanged], purpose: str, credential: Path | None,
                   list_id: str | None, index: int | None, directory: Path, organization: str, reason: str) -> None:
    with EmbeddedNetwork(directory) as network:
        target = _status_target(network, organization, credential, list_id, index, purpose)
        changed = change(network, organization, target, reason)
    _print(changed.to_dict(), indent=None)


CredentialArgument = typer.Argument(None, metavar="[CREDENTIAL.json]", help="The credential (or --list/--index).")
ListOption = typer.Option(None, "--list", help="The status list (instead of a credential file).")
IndexOption = typer.Option(None, "--index", help="The entry in the list.")


@vc_app.command("revoke")
@_command
def revoke(credential: Path | None = CredentialArgument, list_id: str | None = ListOption,
           index: int | None = IndexOption, directory: Path = DirOption, organization: str = AsOption,
           reason: str = ReasonOption) -> None:
    """Revoke a credential you issued: set its revocation bit on the ledger. Final."""
    _change_status(workflow.revoke, REVOCATION, credential, list_id, index, directory, organization, reason)


@vc_app.command("suspend")
@_command
def suspend(credential: Path | None = CredentialArgument, list_id: str | None = ListOption,
            index: int | None = IndexOption, directory: Path = DirOption, organization: str = AsOption,
            reason: str = ReasonOption) -> None:
    """Suspend a credential you issued: set its suspension bit on the ledger (`unsuspend` lifts it)."""
    _change_status(workflow.suspend, SUSPENSION, credential, list_id, index, directory, organization, reason)


@vc_app.command("unsuspend")
@_command
def unsuspend(credential: Path | None = CredentialArgument, list_id: str | None = ListOption,
              index: int | None = IndexOption, directory: Path = DirOption, organization: str = AsOption,
              reason: str = ReasonOption) -> None:
    """Lift a suspension: clear the credential's suspension bit on the ledger."""
    _change_status(workflow.unsuspend, SUSPENSION, credential, list_id, index, directory, organization, reason)


@vc_app.command("status-list")
@_command
def status_list(
    list_id: str = typer.Argument(..., metavar="LIST", help="The list's name, or its URL."),
    owner: str | None = typer.Option(None, "--of", help="The organization that published it (not with a URL)."),
    directory: Path = DirOption,
    at: str | None = AtOption,
) -> None:
    """Print the BitstringStatusListCredential as the ledger had it at --at (unsigned)."""
    at_ms = _moment(at, "--at")
    with EmbeddedNetwork(directory) as network:
        network.sync()
        base = workflow.web_base(network)
        if list_id.startswith("https://"):
            where = base.parse_status_list_url(list_id)
            if where is None:
                fail(f"{list_id} is not a status list URL of this network ({base.https_base}/orgs/ORG/status/LIST)")
            owner, list_id = where
        elif owner is None:
            fail("say whose list it is with --of ORG, or give the list's URL")
        _print(workflow.status_list_credential(network, _viewer(network), owner, list_id, at_ms))


# --- presentations ----------------------------------------------------------------------------


@vc_app.command("present")
@_command
def present(
    credentials: list[Path] = typer.Argument(..., metavar="CREDENTIAL.json...", help="Credentials to present."),
    challenge: str = typer.Option(..., "--challenge", help="The verifier's challenge (a nonce it issued)."),
    domain: str | None = typer.Option(None, "--domain", help="The verifier's domain."),
    directory: Path = DirOption,
    organization: str = AsOption,
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the presentation here (default: print)."),
) -> None:
    """Present credentials as ORG (the holder), signed for the verifier's challenge and domain."""
    docs = [read_json_object(path, "credential") for path in credentials]
    _check_writable(output)
    with EmbeddedNetwork(directory) as network:
        presentation = workflow.present(network, organization, docs, challenge, domain)
    if output is None:
        _print(presentation.document)
        return
    _write(output, presentation.document)
    _print({"output": str(output), **presentation.summary()}, indent=None)


@vc_app.command("verify-presentation")
@_command
def verify_presentation_command(
    file: Path = typer.Argument(..., metavar="FILE", help="A signed presentation (JSON)."),
    challenge: str = typer.Option(..., "--challenge", help="The challenge you issued."),
    domain: str | None = typer.Option(None, "--domain", help="Your domain, when you asked for one."),
    directory: Path | None = OptionalDir,
    at: str | None = AtOption,
) -> None:
    """Verify a presentation and every credential in it; exit 0 when verified."""
    doc = read_json(file, "presentation")
    at_ms = _moment(at, "--at")
    if directory is None:
        result = workflow.verify_presented_offline(doc, challenge, domain, at_ms).to_dict()
    else:
        with EmbeddedNetwork(directory) as network:
            network.sync()
            result = workflow.verify_presented(network, _viewer(network), doc, challenge, domain, at_ms).to_dict()
    _print(result)
    _exit_unless(result)


# --- the trust registry -----------------------------------------------------------------------


def _issuer_did(network: EmbeddedNetwork, issuer: str) -> str:
    try:
        return workflow.issuer_did(network, _viewer(network), issuer)
    except Refused as exc:
        fail(f"--issuer {exc.reason}")
    raise AssertionError("unreachable: fail() exits")


@vc_app.command("trust")
@_command
def trust(
    credential_type: str = typer.Option(..., "--type", help="The credential type, e.g. ImporterOfRecordCredential."),
    issuer: str = typer.Option(..., "--issuer", help="The issuer's DID, or an organization (its admin did:key)."),
    directory: Path = DirOption,
    organization: str = AsOption,
    valid_from: str | None = typer.Option(None, "--from", help="When trust starts (not before now; default now)."),
    valid_until: str | None = typer.Option(None, "--until", help="When trust ends (default: until ended)."),
    note: str = typer.Option("", "--note", help="A note recorded with the decision."),
) -> None:
    """Add an issuer to the trust registry for a credential type (as that type's authority)."""
    with EmbeddedNetwork(directory) as network:
        did = _issuer_did(network, issuer)
        trusted = workflow.trust_issuer(network, organization, credential_type, did, _moment(valid_from, "--from"),
                                        _moment(valid_until, "--until"), note)
    _print(trusted.to_dict(), indent=None)


@vc_app.command("end-trust")
@_command
def end_trust(
    entry: str = typer.Argument(..., metavar="ENTRY", help="The trust entry's id (printed by `vc trust`)."),
    reason: str = typer.Option(..., "--reason", help="Why trust ends (recorded on the ledger)."),
    directory: Path = DirOption,
    organization: str = AsOption,
) -> None:
    """End a trust registry entry; credentials are trusted up to that moment, not after."""
    with EmbeddedNetwork(directory) as network:
        ended = workflow.end_trust(network, organization, entry, reason)
    _print(ended.to_dict(), indent=None)


@vc_app.command("trusted")
@_command
def trusted(
    directory: Path = DirOption,
    credential_type: str | None = typer.Option(None, "--type", help="Only this credential type."),
) -> None:
    """The trust registry's entries (JSON lines), ended ones included."""
    with EmbeddedNetwork(directory) as network:
        network.sync()
        for record in workflow.trust_entries(network, _viewer(network), credential_type):
            _print(record.to_dict(), indent=None)


# --- DIDs ---------------------------------------------------------------------------------------


@vc_app.command("did")
@_command
def did_command(
    identifier: str = typer.Argument(..., metavar="DID", help="A did:key, an organization's did:web, or its name."),
    directory: Path | None = OptionalDir,
    at: str | None = AtOption,
    resolution: bool = typer.Option(False, "--resolution", help="Print the whole DID resolution result "
                                                                "(document and metadata)."),
) -> None:
    """Print the DID document, resolved offline from the ledger's registry."""
    at_ms = _moment(at, "--at")
    if directory is None:
        result = workflow.resolve_offline(identifier)
    else:
        with EmbeddedNetwork(directory) as network:
            network.sync()
            result = workflow.resolve(network, _viewer(network), identifier, at_ms)
            if not identifier.startswith("did:"):
                identifier = workflow.web_base(network).organization_did(identifier)
    _print(result.to_dict() if resolution else result.did_document)
    if result.deactivated:
        print(f"note: {identifier} is deactivated (see didDocumentMetadata with --resolution)", file=sys.stderr)
