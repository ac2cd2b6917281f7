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

It keeps the records of tradeledger.identity.trust (namespace "trust"):

    issuer/<type>/<issuer DID>/<entry id>   TrustEntry: one decision, its period, who set it, its end
    entry/<entry id>                        EntryLocation: where that decision is kept

and verifiers read them there (trust_at, trusted_issuers, find_entry).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import field_validator

from tradeledger.crypto import DidKeyError, public_key_from_did_key
from tradeledger.identity.registry import active_identifiers
from tradeledger.identity.trust import (
    NAMESPACE,
    EntryLocation,
    TrustEntry,
    entry_location,
    location_key,
)
from tradeledger.ledger.authority import utc_text
from tradeledger.ledger.contract import Args, Contract, Refused, TxContext

contract = Contract(NAMESPACE, "trusted issuers per credential type")
TYPE_NAME = re.compile(r"^[A-Z][A-Za-z0-9]{2,80}$")
# DID syntax (W3C DID 1.0 section 3.1) without path, query or fragment: an issuer is a DID.
ISSUER_DID = re.compile(r"^did:[a-z0-9]+:(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})+(?::(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})*)*$")
MAX_ISSUER = 300
MAX_NOTE = 200
# An organization's did:web ends with this segment pair (tradeledger.identity.web maps the
# rest from the genesis origin; the contract cannot know the origin, and needs only the name).
ORG_DID_WEB_SUFFIX = ":orgs:{name}"


@dataclass(frozen=True)
class Authority:
    """The role whose organizations decide who is trusted for a type, and whether such an
    organization may only name itself (a mill vouches for its own mill test reports)."""

    role: str
    self_only: bool = False


AUTHORITY: dict[str, Authority] = {
    "ImporterOfRecordCredential": Authority("customs", False),
    "CustomsBrokerLicenseCredential": Authority("customs", False),
    "BondedCarrierCredential": Authority("customs", False),
    "CTPATCertificate": Authority("customs", False),
    "EntryNumberCredential": Authority("customs", False),
    "ATACarnetCredential": Authority("carnet_association", False),
    "SIMASteelImportLicenseCredential": Authority("customs", False),
    "MillTestReportCredential": Authority("mill", True),
    "CommercialInvoiceCredential": Authority("exporter", True),
    "PackingListCredential": Authority("exporter", True),
    "BillOfLadingCredential": Authority("carrier", True),
    "CertificationOfOrigin": Authority("customs", False),
    "USMCACertificationOfOrigin": Authority("customs", False),
    "IntellectualPropertyRightsLicenseCredential": Authority("rights_holder", True),
    "PowerOfAttorneyCredential": Authority("importer", True),
}
DEFAULT_AUTHORITY = Authority("customs")  # a type nobody else claims is customs' to decide


def authority_for(credential_type: str) -> Authority:
    return AUTHORITY.get(credential_type, DEFAULT_AUTHORITY)


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


def _names_itself(ctx: TxContext, issuer: str) -> bool:
    organization = ctx.signer.organization
    if issuer.startswith("did:web:") and issuer.endswith(ORG_DID_WEB_SUFFIX.format(name=organization)):
        return True
    return issuer in active_identifiers(ctx.state.reader, organization)


def _require_authority(ctx: TxContext, credential_type: str) -> Authority:
    authority = authority_for(credential_type)
    ctx.require(ctx.signer.role == authority.role,
                f"{credential_type} issuers are decided by a {authority.role} organization, "
                f"not {ctx.signer.organization} ({ctx.signer.role})")
    ctx.require(ctx.signer.admin, f"only an administrator key of {ctx.signer.organization} decides trust")
    return authority


@contract.action("trust", Trust)
def trust(ctx: TxContext, args: Trust) -> None:
    authority = _require_authority(ctx, args.credential_type)
    if authority.self_only:
        ctx.require(_names_itself(ctx, args.issuer),
                    f"a {authority.role} registers only its own active keys or did:web "
                    f"as issuer of {args.credential_type}")
    start = args.valid_from_ms if args.valid_from_ms is not None else ctx.block_time_ms
    ctx.require(start >= ctx.block_time_ms,
                f"trust cannot start before it is recorded ({utc_text(ctx.block_time_ms)}); "
                "leave valid_from unset to start now")
    ctx.require(args.valid_until_ms is None or args.valid_until_ms > start, "valid_until must follow valid_from")
    location = EntryLocation(args.credential_type, args.issuer)
    entry = TrustEntry(ctx.txid, args.credential_type, args.issuer, start, ctx.signer.organization, ctx.block_time_ms,
                       args.valid_until_ms, args.note)
    ctx.state.put(location.key(ctx.txid), entry.to_dict())
    ctx.state.put(location_key(ctx.txid), location.to_dict())
    ctx.emit("trusted", credential_type=args.credential_type, issuer=args.issuer, entry=ctx.txid)


@contract.action("end", EndTrust)
def end(ctx: TxContext, args: EndTrust) -> None:
    location = entry_location(ctx.state.reader, args.entry)
    if location is None:
        raise Refused(f"no trust entry {args.entry}; `tradeledger vc trusted` lists the entries")
    record = TrustEntry.from_dict(ctx.state.get(location.key(args.entry)))
    authority = _require_authority(ctx, record.credential_type)
    ctx.require(not authority.self_only or record.set_by == ctx.signer.organization,
                f"only {record.set_by} ends its own trust entries for {record.credential_type}")
    ctx.require(record.ended_ms is None, f"trust entry {args.entry} already ended at {utc_text(record.ended_ms or 0)}")
    ctx.state.put(location.key(args.entry), record.ended(ctx.block_time_ms, args.reason).to_dict())
    ctx.emit("trust_ended", credential_type=record.credential_type, issuer=record.issuer, entry=args.entry)
