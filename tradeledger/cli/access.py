"""Access commands: grant, revoke, request, approve, deny, disclose, access-log, purge."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from tradeledger.cli.common import DirOption, when
from tradeledger.cli.errors import fail, friendly_errors
from tradeledger.contracts import access
from tradeledger.node import EmbeddedNetwork
from tradeledger.runtime.clock import now_ms
from tradeledger.workflows.disclosure import AccessRefused, DeliveryRefused, disclose
from tradeledger.workflows.documents import purge_document

AsOption = typer.Option(..., "--as", help="The organization acting.")
PurposeOption = typer.Option(..., "--purpose", help="Why access is needed (recorded on the ledger).")
FieldsOption = typer.Option("", "--fields", help="Comma-separated field names (default: the whole document).")
ExpiresOption = typer.Option(None, "--expires",
                             help="When the grant ends: an ISO date-time (UTC if no zone) or +N[d|h|m].")
_DURATION = re.compile(r"^\+(\d{1,6})([dhm])$")


def _fields(text: str) -> list[str]:
    return sorted({name.strip() for name in text.split(",") if name.strip()})


def _expiry(text: str | None) -> int | None:
    if text is None:
        return None
    match = _DURATION.match(text)
    if match:
        unit = {"d": 86_400_000, "h": 3_600_000, "m": 60_000}[match.group(2)]
        return now_ms() + int(match.group(1)) * unit
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--expires {text!r}: give an ISO date-time such as 2027-01-31T00:00:00Z, or +30d, +12h, +15m")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _submit(directory: Path, organization: str, action: str, args: dict[str, Any]) -> dict[str, Any]:
    with EmbeddedNetwork(directory) as network:
        receipt = network.submit_checked(organization, access.NAMESPACE, action, args)
    return receipt.to_dict()


def _print(data: dict[str, Any]) -> None:
    print(json.dumps(data, sort_keys=True))


def grant(
    directory: Path = DirOption,
    organization: str = AsOption,
    grantee: str = typer.Option(..., "--to", help="The organization that may see the document."),
    commitment: str | None = typer.Option(None, "--commitment", help="One document, by its commitment."),
    ref: str | None = typer.Option(None, "--ref", help="Every document of yours with this reference KEY=VALUE."),
    fields: str = FieldsOption,
    purpose: str = PurposeOption,
    expires: str | None = ExpiresOption,
) -> None:
    """Grant an organization access to one of your documents, or to those with a reference."""
    if (commitment is None) == (ref is None):
        fail("give either --commitment C or --ref KEY=VALUE")
    args: dict[str, Any] = {"grantee": grantee, "fields": _fields(fields), "purpose": purpose,
                            "expires_ms": _expiry(expires)}
    args.update({"commitment": commitment} if commitment else {"ref": ref})
    receipt = _submit(directory, organization, "grant", args)
    _print({"grant_id": receipt["txid"], **receipt})


def revoke(grant_id: str = typer.Argument(..., help="The grant's id (its transaction id)."),
           directory: Path = DirOption, organization: str = AsOption) -> None:
    """Revoke a grant you issued; accesses already recorded stay on the ledger."""
    _print(_submit(directory, organization, "revoke", {"grant_id": grant_id}))


def request(
    commitment: str = typer.Argument(..., help="The document's commitment."),
    directory: Path = DirOption,
    organization: str = AsOption,
    fields: str = FieldsOption,
    purpose: str = PurposeOption,
) -> None:
    """Ask a document's owner for access; approved at once when a rule or grant covers it."""
    receipt = _submit(directory, organization, "request",
                      {"commitment": commitment, "fields": _fields(fields), "purpose": purpose})
    with EmbeddedNetwork(directory) as network:
        record = access.find_request(network.reader.store, receipt["txid"])
    _print({"request_id": receipt["txid"], "request_status": record["status"] if record else "unknown",
            "basis": record["basis"] if record else None, **receipt})


def approve(request_id: str = typer.Argument(...), directory: Path = DirOption, organization: str = AsOption,
            expires: str | None = ExpiresOption) -> None:
    """Approve a pending request to your document: a grant to the requester for those fields."""
    receipt = _submit(directory, organization, "approve", {"request_id": request_id, "expires_ms": _expiry(expires)})
    _print({"grant_id": receipt["txid"], **receipt})


def deny(request_id: str = typer.Argument(...), directory: Path = DirOption, organization: str = AsOption,
         reason: str = typer.Option(..., "--reason", help="Why (recorded on the ledger).")) -> None:
    """Deny a pending request to your document."""
    _print(_submit(directory, organization, "deny", {"request_id": request_id, "reason": reason}))


def disclose_command(
    request_id: str = typer.Argument(..., help="An approved request."),
    directory: Path = DirOption,
    organization: str | None = typer.Option(None, "--as", help="The requester (default: the request's)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Also write what was received here."),
) -> None:
    """Fetch an approved request's document or fields from its owner into your vault."""
    if output is not None and not output.parent.is_dir():
        fail(f"cannot write {output}: folder {output.parent} does not exist")
    with EmbeddedNetwork(directory) as network:
        record = access.find_request(network.reader.store, request_id)
        requester = organization or (record["requester"] if record else None)
        try:
            received = disclose(network, request_id, requester)
        except (AccessRefused, DeliveryRefused) as exc:
            fail(f"refused: {exc}", code=1)
        content = (network.vault(requester).get_document(received.document_sha256)
                   if received.document_sha256 else None)
    if output is not None:
        output.write_bytes(content if content is not None else
                           (json.dumps(received.fields, indent=2, sort_keys=True) + "\n").encode())
    _print({"request_id": received.request_id, "commitment": received.commitment, "owner": received.owner,
            **({"fields": received.fields} if received.fields is not None else
               {"document_sha256": received.document_sha256})})


def access_log(directory: Path = DirOption,
               commitment: str | None = typer.Option(None, "--commitment", help="Only this document's.")) -> None:
    """Every recorded access: who saw what, when, under which grant or rule (JSON lines)."""
    with EmbeddedNetwork(directory) as network:
        network.sync()
        records = access.access_records(network.reader.store, commitment)
    for record in records:
        _print({**record, "at": when(record["at_ms"])})


def purge(commitment: str = typer.Argument(...), directory: Path = DirOption, organization: str = AsOption) -> None:
    """Drop a document's private bytes after its retention period; the commitment stays provable."""
    with EmbeddedNetwork(directory) as network:
        _print(purge_document(network, organization, commitment))


def register(app: typer.Typer) -> None:
    for command, name in ((grant, "grant"), (revoke, "revoke"), (request, "request"), (approve, "approve"),
                          (deny, "deny"), (disclose_command, "disclose"), (access_log, "access-log"),
                          (purge, "purge")):
        app.command(name)(friendly_errors(command))
