"""The trust registry: which issuer is trusted for which credential type, and when.

Each credential type has an authority: the role whose organizations decide who issues it
credibly (DESIGN.md decision 12). Customs decides for importer-of-record status, broker
licenses, bonded carriers and CTPAT; a carnet association for carnets. For documents whose
issuer is its own authority (a mill's mill test reports, a seller's invoices, a rights
holder's licenses) an organization of that role registers only its own identifiers.

Only an administrator key of the authority's organization decides. An entry is never
rewritten and never backdated: trust starts at its block time or later, and ending it
records the end time and the reason, so a verifier can ask whether an issuer was trusted
for a type at any moment, and gets the same answer tomorrow as today.

State (namespace "trust"):

    issuer:<type>/<issuer DID>/<entry id>   one decision: validity period, who set it, end
    entry:<entry id>                        where that decision is kept
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import field_validator

from tradeledger.crypto import DidKeyError, public_key_from_did_key
from tradeledger.ledger.authority import REGISTRY, utc_text
from tradeledger.ledger.contract import Args, Contract, Refused, TxContext
from tradeledger.ledger.state import StateReader

NAMESPACE = "trust"
contract = Contract(NAMESPACE, "trusted issuers per credential type")
TYPE_NAME = re.compile(r"^[A-Z][A-Za-z0-9]{2,80}$")
# DID syntax (W3C DID 1.0 section 3.1) without path, query or fragment: an issuer is a DID.
ISSUER_DID = re.compile(r"^did:[a-z0-9]+:(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})+(?::(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})*)*$")
MAX_ISSUER = 300
MAX_NOTE = 200
# An organization's did:web ends with this segment pair (tradeledger.identity.web maps the
# rest from the genesis origin; the contract cannot know the origin, and needs only the name).
ORG_DID_WEB_SUFFIX = ":orgs:{name}"

# The role that decides who is trusted for a type, and whether it may only name itself.
AUTHORITY: dict[str, tuple[str, bool]] = {
    "ImporterOfRecordCredential": ("customs", False),
    "CustomsBrokerLicenseCredential": ("customs", False),
    "BondedCarrierCredential": ("customs", False),
    "CTPATCertificate": ("customs", False),
    "EntryNumberCredential": ("customs", False),
    "ATACarnetCredential": ("carnet_association", False),
    "SIMASteelImportLicenseCredential": ("customs", False),
    "MillTestReportCredential": ("mill", True),
    "CommercialInvoiceCredential": ("exporter", True),
    "PackingListCredential": ("exporter", True),
    "BillOfLadingCredential": ("carrier", True),
    "CertificationOfOrigin": ("customs", False),
    "USMCACertificationOfOrigin": ("customs", False),
    "IntellectualPropertyRightsLicenseCredential": ("rights_holder", True),
    "PowerOfAttorneyCredential": ("importer", True),
}
DEFAULT_AUTHORITY = ("customs", False)  # a type nobody else claims is customs' to decide


def authority_for(credential_type: str) -> tuple[str, bool]:
    return AUTHORITY.get(credential_type, DEFAULT_AUTHORITY)


def entry_prefix(credential_type: str, issuer: str) -> str:
    return f"issuer:{credential_type}/{issuer}/"


class Trust(Args):
    credential_type: str
    issuer: str  # the issuer's DID, as credentials name it
    valid_from_ms: int | None = None  # default: the block time; never earlier
    valid_until_ms: int | None = None  # default: until ended
    note: str = ""

    @field_validator("credential_type")
    @classmethod
    def _type(cls, v: str) -> str:
        if not TYPE_NAME.match(v):
            raise ValueError("a credential type is a name such as ImporterOfRecordCredential")
        return v

    @field_validator("issuer")
    @classmethod
    def _issuer(cls, v: str) -> str:
        if len(v) > MAX_ISSUER or not ISSUER_DID.match(v):
            raise ValueError("the issuer is a DID without fragment or path, such as did:key:z6Mk...")
        if v.startswith("did:key:"):
            try:
                public_key_from_did_key(v)
            except DidKeyError as exc:
                raise ValueError(str(exc)) from None
        return v

    @field_validator("note")
    @classmethod
    def _note(cls, v: str) -> str:
        if len(v) > MAX_NOTE or "\n" in v:
            raise ValueError(f"the note is one line of at most {MAX_NOTE} characters")
        return v


class EndTrust(Args):
    entry: str  # the id (transaction id) of the trust entry
    reason: str

    @field_validator("reason")
    @classmethod
    def _reason(cls, v: str) -> str:
        if len(v.strip()) < 3 or len(v) > MAX_NOTE or "\n" in v:
            raise ValueError(f"say why trust ends, in one line of at most {MAX_NOTE} characters")
        return v


def organization_identifiers(state: StateReader, organization: str) -> set[str]:
    """The DIDs an organization issues under now: its active keys' did:keys."""
    return {
        value["did"] for _key, value in state.scan_state(REGISTRY, "key:")
        if value.get("organization") == organization and value.get("status") == "active"
    }


def _names_itself(ctx: TxContext, issuer: str) -> bool:
    organization = ctx.signer.organization
    if issuer.startswith("did:web:") and issuer.endswith(ORG_DID_WEB_SUFFIX.format(name=organization)):
        return True
    return issuer in organization_identifiers(ctx.state.reader, organization)


def _require_authority(ctx: TxContext, credential_type: str) -> tuple[str, bool]:
    role, self_only = authority_for(credential_type)
    ctx.require(ctx.signer.role == role,
                f"{credential_type} issuers are decided by a {role} organization, "
                f"not {ctx.signer.organization} ({ctx.signer.role})")
    ctx.require(ctx.signer.admin, f"only an administrator key of {ctx.signer.organization} decides trust")
    return role, self_only


@contract.action("trust", Trust)
def trust(ctx: TxContext, args: Trust) -> None:
    role, self_only = _require_authority(ctx, args.credential_type)
    if self_only:
        ctx.require(_names_itself(ctx, args.issuer),
                    f"a {role} registers only its own active keys or did:web as issuer of {args.credential_type}")
    start = args.valid_from_ms if args.valid_from_ms is not None else ctx.block_time_ms
    ctx.require(start >= ctx.block_time_ms,
                f"trust cannot start before it is recorded ({utc_text(ctx.block_time_ms)}); "
                "leave valid_from unset to start now")
    ctx.require(args.valid_until_ms is None or args.valid_until_ms > start, "valid_until must follow valid_from")
    ctx.state.put(entry_prefix(args.credential_type, args.issuer) + ctx.txid, {
        "id": ctx.txid, "credential_type": args.credential_type, "issuer": args.issuer,
        "valid_from_ms": start, "valid_until_ms": args.valid_until_ms, "set_by": ctx.signer.organization,
        "note": args.note, "ended_ms": None, "end_reason": "", "recorded_ms": ctx.block_time_ms,
    })
    ctx.state.put(f"entry:{ctx.txid}", entry_prefix(args.credential_type, args.issuer) + ctx.txid)
    ctx.emit("trusted", credential_type=args.credential_type, issuer=args.issuer, entry=ctx.txid)


@contract.action("end", EndTrust)
def end(ctx: TxContext, args: EndTrust) -> None:
    location = ctx.state.get(f"entry:{args.entry}")
    if location is None:
        raise Refused(f"no trust entry {args.entry}; `tradeledger vc trusted` lists the entries")
    record = ctx.state.get(location)
    _role, self_only = _require_authority(ctx, record["credential_type"])
    ctx.require(not self_only or record["set_by"] == ctx.signer.organization,
                f"only {record['set_by']} ends its own trust entries for {record['credential_type']}")
    ctx.require(record["ended_ms"] is None, f"trust entry {args.entry} already ended at {utc_text(record['ended_ms'] or 0)}")
    ctx.state.put(location, {**record, "ended_ms": ctx.block_time_ms, "end_reason": args.reason})
    ctx.emit("trust_ended", credential_type=record["credential_type"], issuer=record["issuer"], entry=args.entry)


# --- queries ----------------------------------------------------------------------------------


def entries_for(state: StateReader, credential_type: str, issuer: str) -> list[dict[str, Any]]:
    """Every decision about `issuer` for `credential_type`, in entry-id order."""
    return [value for _key, value in state.scan_state(NAMESPACE, entry_prefix(credential_type, issuer))]


def end_of(record: dict[str, Any]) -> int | None:
    """When an entry stops counting: its validity end or the moment it was ended, if sooner."""
    ends = [t for t in (record["valid_until_ms"], record["ended_ms"]) if t is not None]
    return min(ends) if ends else None


def covers(record: dict[str, Any], at_ms: int) -> bool:
    end_ms = end_of(record)
    return record["valid_from_ms"] <= at_ms and (end_ms is None or at_ms < end_ms)


def trust_entry_at(state: StateReader, credential_type: str, issuer: str, at_ms: int) -> dict[str, Any] | None:
    """The entry that made `issuer` trusted for `credential_type` at `at_ms`, if any."""
    return next((r for r in entries_for(state, credential_type, issuer) if covers(r, at_ms)), None)


def trust_at(state: StateReader, credential_type: str, issuer: str, at_ms: int) -> tuple[bool, str]:
    """Was `issuer` trusted for `credential_type` at `at_ms`? With the reason either way.
    Ended trust counts up to its end: what was trusted before stays so."""
    entries = entries_for(state, credential_type, issuer)
    if not entries:
        return False, f"{issuer} is not in the trust registry for {credential_type}"
    for record in entries:
        if covers(record, at_ms):
            return True, (f"trusted for {credential_type} by {record['set_by']} since "
                          f"{utc_text(record['valid_from_ms'])} (entry {record['id'][:16]})")
    return False, _why_not(entries, credential_type, at_ms)


def _why_not(entries: list[dict[str, Any]], credential_type: str, at_ms: int) -> str:
    later = [r for r in entries if r["valid_from_ms"] > at_ms]
    if later:
        first = min(later, key=lambda r: r["valid_from_ms"])
        return f"trust for {credential_type} begins at {utc_text(first['valid_from_ms'])}, after the time asked"
    last = max(entries, key=lambda r: end_of(r) or 0)
    if last["ended_ms"] is not None and last["ended_ms"] == end_of(last):
        return (f"trust for {credential_type} was ended by {last['set_by']} at {utc_text(last['ended_ms'])}: "
                f"{last['end_reason']}")
    return f"trust for {credential_type} expired at {utc_text(end_of(last) or 0)}"


def trusted_issuers(state: StateReader, credential_type: str | None = None) -> list[dict[str, Any]]:
    prefix = f"issuer:{credential_type}/" if credential_type else "issuer:"
    return [value for _key, value in state.scan_state(NAMESPACE, prefix)]


def find_entry(state: StateReader, entry_id: str) -> dict[str, Any] | None:
    location = state.get_state(NAMESPACE, f"entry:{entry_id}")
    return state.get_state(NAMESPACE, location) if location else None
