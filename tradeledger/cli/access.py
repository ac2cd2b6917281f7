"""Access commands: grant, revoke, request, approve, deny, disclose, access-log, purge.

Grants, requests, decisions and access records are private to the owner, the other party
and customs (`contracts.access`); a command read by anyone else says so."""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from tradeledger.cli.common import DirOption, when
from tradeledger.cli.errors import fail, friendly_errors
from tradeledger.contracts import access
from tradeledger.node import EmbeddedNetwork
from tradeledger.runtime.clock import now_ms
from tradeledger.workflows import disclosure
from tradeledger.workflows.disclosure import AccessRefused, DeliveryRefused
from tradeledger.workflows.documents import purge_document

AsOption = typer.Option(..., "--as", help="The organization acting.")
PurposeOption = typer.Option(..., "--purpose", help="Why access is needed (recorded on the ledger, private to "
                                                    "the owner, the other party and customs).")
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


def _print(data: dict[str, Any]) -> None:
    print(json.dumps(data, sort_keys=True))


def grant(
    directory: Path = DirOption,
    organization: str = AsOption,
    grantee: str = typer.Option(..., "--to", help="The organization that may see the document."),
    commitment: str | None = typer.Option(None, "--commitment", help="One document, by its commitment."),
    ref: str | None = typer.Option(None, "--ref", help="Every document of yours with this public reference "
                                                       "KEY=VALUE (entry, verification or issuer)."),
    fields: str = FieldsOption,
    purpose: str = PurposeOption,
    expires: str | None = ExpiresOption,
) -> None:
    """Grant an organization access to one of your documents, or to those with a reference."""
    if (commitment is None) == (ref is None):
        fail("give either --commitment C or --ref KEY=VALUE")
    expires_ms = _expiry(expires)
    with EmbeddedNetwork(directory) as network:
        granted = disclosure.grant(network, organization, grantee, purpose, commitment=commitment or None,
                                   ref=None if commitment else ref, fields=_fields(fields), expires_ms=expires_ms)
    _print(granted.to_dict())


def revoke(grant_id: str = typer.Argument(..., help="The grant's id (its transaction id)."),
           directory: Path = DirOption, organization: str = AsOption) -> None:
    """Revoke a grant you issued; accesses already recorded stay on the ledger."""
    with EmbeddedNetwork(directory) as network:
        receipt = disclosure.revoke(network, organization, grant_id)
    _print(receipt.to_dict())


def request(
    commitment: str = typer.Argument(..., help="The document's commitment."),
    directory: Path = DirOption,
    organization: str = AsOption,
    fields: str = FieldsOption,
    purpose: str = PurposeOption,
) -> None:
    """Ask a document's owner for access; approved at once when a rule or grant covers it."""
    with EmbeddedNetwork(directory) as network:
        requested = disclosure.request(network, organization, commitment, purpose, _fields(fields))
    _print(requested.to_dict())


def approve(request_id: str = typer.Argument(...), directory: Path = DirOption, organization: str = AsOption,
            expires: str | None = ExpiresOption) -> None:
    """Approve a pending request to your document: a grant to the requester for those fields."""
    expires_ms = _expiry(expires)
    with EmbeddedNetwork(directory) as network:
        granted = disclosure.approve(network, organization, request_id, expires_ms)
    _print(granted.to_dict())


def deny(request_id: str = typer.Argument(...), directory: Path = DirOption, organization: str = AsOption,
         reason: str = typer.Option(..., "--reason", help="Why (recorded on the ledger, private to the "
                                                         "owner, the requester and customs).")) -> None:
    """Deny a pending request to your document."""
    with EmbeddedNetwork(directory) as network:
        receipt = disclosure.deny(network, organization, request_id, reason)
    _print(receipt.to_dict())


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
        filing = access.find_request_filing(network.state(network.hosted[0]), request_id)  # public
        requester = organization or (filing.requester if filing else "")
        try:
            received = disclosure.disclose(network, request_id, requester or None)
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
               commitment: str | None = typer.Option(None, "--commitment", help="Only this document's."),
               organization: str | None = typer.Option(None, "--as", help="Whose copy of the ledger to read "
                                                                          "(default: the first hosted here).")) -> None:
    """Every recorded access the reader is a party to (customs: all): who saw what, when,
    under which grant or rule (JSON lines). Others' accesses are private to their parties."""
    with EmbeddedNetwork(directory) as network:
        network.sync()
        viewer = organization or network.hosted[0]
        network.organization_keys(viewer)  # an unknown organization is refused with the known ones
        records = disclosure.access_log(network, viewer, commitment)
    for record in records:
        _print({**record.to_dict(), "at": when(record.at_ms)})
    if not records:
        # Not an error, but an empty answer alone would read as "no access happened".
        print(f"no access record that {viewer} is a party to; each record is private to the document's "
              "owner, the requester and customs (`--as ORG` reads another organization's copy)", file=sys.stderr)


def purge(commitment: str = typer.Argument(...), directory: Path = DirOption, organization: str = AsOption) -> None:
    """Drop a document's private bytes after its retention period; the commitment stays provable."""
    with EmbeddedNetwork(directory) as network:
        purged = purge_document(network, organization, commitment)
    _print(purged.to_dict())


def register(app: typer.Typer) -> None:
    for command, name in ((grant, "grant"), (revoke, "revoke"), (request, "request"), (approve, "approve"),
                          (deny, "deny"), (disclose_command, "disclose"), (access_log, "access-log"),
                          (purge, "purge")):
        app.command(name)(friendly_errors(command))
