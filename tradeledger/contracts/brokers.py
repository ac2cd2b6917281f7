"""The brokers contract: a customs broker's standing to file an importer's entries.

A broker files (and amends) an importer's entry summaries only while it holds

* a CustomsBrokerLicenseCredential naming it, from an issuer the trust registry trusts for
  that type (customs decides), and
* a PowerOfAttorneyCredential the importer issued naming it (the importer registers its
  own issuer identifiers for that type: `trust.AUTHORITY`).

Verifying a credential (data model, eddsa-jcs-2022 proof, issuer key, status lists) costs
too much to repeat in every filing, and credentials should not ride in every envelope, so
the broker registers each credential once: it is verified completely at that block, from
ledger state alone, and its facts are kept (issuer, validity period, status entries). Each
filing then re-checks them cheaply at its block time (`refusal`): validity not passed,
issuer still trusted, no status bit set.

What is private, and to whom (DESIGN.md decision 15). A license and a power of attorney
are the parties' own business, so each is registered in a private collection:

* `license_collection(broker)`, members the broker and the customs authority that watches
  it: the license and its signed credential;
* `poa_collection(importer, broker)`, members the importer, the broker and the customs
  authority the broker files with: the power of attorney, and a copy of what the filing
  check needs of the broker's license (its facts, not the credential).

The credentials travel as private payloads, never in the log. The entry's summary part
(members importer, filer = broker, customs) reads the power of attorney's collection under
the read rule, since each of its members is a member of that one; so the "power of
attorney at filing" rule holds without anyone else learning the terms. The license copy
enters the power of attorney's collection from the broker's license credential itself,
carried in the registration's payload and verified there in full (the importer holds no
license collection to read it from); a renewed license reaches each such collection with
`register_license`, which takes one part per collection to refresh.

Public, and why: who registered what with whom (the arguments and the collections'
membership, which the framework keeps public so that every peer can judge who may send a
payload), the trust registry and the status lists the re-checks read (public state). Not
public: license numbers, filer codes, issuers, validity periods, the credentials.

The contract does not know the network's did:web origin, so it reads DIDs and status
list URLs by their organization segments, as the trust contract does: an issuer or subject
`did:web:<anything>:orgs:<name>` names organization <name>, a did:key names the
organization it is registered to; a status list `https://<anything>/orgs/<org>/status/<id>`
is list <id> of <org> on this ledger, and it must be the issuer's own list. Any mismatch of
host is the issuer's own statement, which its proof covers.

Public state (namespace "brokers"): the collections' membership only
(`collection/<name>`). Private state, in each collection's own namespace:

    license_collection(broker):          license/<broker>  the current BrokerLicense
                                          credential        its signed credential
    poa_collection(importer, broker):    poa/<importer>/<broker>  the current PowerOfAttorney
                                          license/<broker>  the license facts the filing check needs

Each keeps the facts of its verification (`RegisteredCredential`: issuer, validity period,
status entries) for the re-checks, and the registration it replaced.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import field_validator

from tradeledger.credentials.datetimes import parse_datetime
from tradeledger.credentials.errors import (
    CredentialError,
    KeyResolutionError,
    StatusRetrievalError,
)
from tradeledger.credentials.model import VERIFIABLE_CREDENTIAL
from tradeledger.credentials.resolver import KeyResolver
from tradeledger.credentials.status_list import (
    REVOCATION,
    STATUS_LIST_ENTRY,
    BitstringStatusList,
    BitstringStatusListEntry,
)
from tradeledger.credentials.verify import StatusLookup, issuer_id, verify_credential
from tradeledger.crypto import DidKeyError, public_key_from_did_key
from tradeledger.errors import Refused
from tradeledger.identity.registry import key_record, organization_record
from tradeledger.identity.status_records import entry_history, find_list, value_at
from tradeledger.identity.trust import trust_at
from tradeledger.ledger.authority import utc_text
from tradeledger.ledger.collections import COLLECTION, CollectionRecord, private_namespace
from tradeledger.ledger.contract import Args, Contract, PrivateContext, TxContext, collection_record
from tradeledger.ledger.keys import key_prefix, split_key, state_key
from tradeledger.ledger.state import StateReader
from tradeledger.records import FieldReader

__all__ = [
    "LICENSE_TYPE",
    "NAMESPACE",
    "POWER_OF_ATTORNEY_TYPE",
    "REGISTER_COMMAND",
    "BrokerLicense",
    "PowerOfAttorney",
    "RegisteredCredential",
    "Standing",
    "StatusPointer",
    "contract",
    "find_license",
    "find_power_of_attorney",
    "license_collection",
    "license_credential",
    "poa_collection",
    "power_of_attorney_importers",
    "powers_of_attorney_of",
    "standing",
]

NAMESPACE = "brokers"
contract = Contract(NAMESPACE, "broker licenses and importers' powers of attorney")
LICENSE_TYPE = "CustomsBrokerLicenseCredential"
POWER_OF_ATTORNEY_TYPE = "PowerOfAttorneyCredential"
REGISTER_COMMAND = "tradeledger entry register-broker"
# The organization segment of a did:web (tradeledger.identity.web) and of a status list URL.
_ORG_DID_WEB = re.compile(r"^did:web:.+:orgs:([a-z][a-z0-9-]{0,62})$")
_STATUS_LIST_URL = re.compile(r"^https://.+/orgs/([a-z][a-z0-9-]{0,62})/status/([a-z0-9][a-z0-9._-]{0,63})$")
_FILER_CODE = re.compile(r"^[A-Z0-9]{3}$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


LICENSE, POWER_OF_ATTORNEY, CREDENTIAL = "license", "poa", "credential"


def license_key(broker: str) -> str:
    return state_key(LICENSE, broker)


def power_of_attorney_key(importer: str, broker: str) -> str:
    return state_key(POWER_OF_ATTORNEY, importer, broker)


# --- the records it keeps -------------------------------------------------------------------

@dataclass(frozen=True)
class StatusPointer:
    """A credential's status entry: bit `index` of list `list_id`, which `organization`
    (the issuer) publishes on this ledger, for `purpose` (revocation or suspension)."""

    organization: str
    list_id: str
    index: int
    purpose: str

    def to_dict(self) -> dict[str, Any]:
        return {"organization": self.organization, "list_id": self.list_id, "index": self.index,
                "purpose": self.purpose}

    @classmethod
    def from_dict(cls, data: Any) -> StatusPointer:
        fields = FieldReader("status pointer", data)
        return cls(fields.text("organization"), fields.text("list_id"), fields.integer("index"),
                   fields.text("purpose"))


@dataclass(frozen=True)
class RegisteredCredential:
    """What the full verification of a credential established at its registration, kept
    for the cheap re-check at every filing, and who registered it when."""

    credential_id: str | None
    credential_type: str
    issuer: str  # the issuer's DID, as the credential states it
    issuer_organization: str
    valid_from_ms: int | None
    valid_until_ms: int | None
    status: tuple[StatusPointer, ...]
    registered_by: str
    registered_ms: int
    txid: str

    def to_dict(self) -> dict[str, Any]:
        return {"credential_id": self.credential_id, "credential_type": self.credential_type,
                "issuer": self.issuer, "issuer_organization": self.issuer_organization,
                "valid_from_ms": self.valid_from_ms, "valid_until_ms": self.valid_until_ms,
                "status": [pointer.to_dict() for pointer in self.status], "registered_by": self.registered_by,
                "registered_ms": self.registered_ms, "txid": self.txid}

    @classmethod
    def from_dict(cls, data: Any) -> RegisteredCredential:
        """Read from a license's or a power of attorney's record (their own fields beside)."""
        fields = FieldReader("registered credential", data)
        return cls(fields.optional_text("credential_id"), fields.text("credential_type"), fields.text("issuer"),
                   fields.text("issuer_organization"), fields.optional_integer("valid_from_ms"),
                   fields.optional_integer("valid_until_ms"),
                   tuple(StatusPointer.from_dict(item) for item in fields.items("status")),
                   fields.text("registered_by"), fields.integer("registered_ms"), fields.text("txid"))


@dataclass(frozen=True)
class BrokerLicense:
    """A broker's current license."""

    broker: str
    license_number: str
    filer_code: str
    credential: RegisteredCredential
    replaces: str | None  # the registration (txid) of the license it replaced

    def to_dict(self) -> dict[str, Any]:
        return {**self.credential.to_dict(), "broker": self.broker, "license_number": self.license_number,
                "filer_code": self.filer_code, "replaces": self.replaces}

    @classmethod
    def from_dict(cls, data: Any) -> BrokerLicense:
        fields = FieldReader("broker license", data)
        return cls(fields.text("broker"), fields.text("license_number"), fields.text("filer_code"),
                   RegisteredCredential.from_dict(data), fields.optional_text("replaces"))


@dataclass(frozen=True)
class PowerOfAttorney:
    """An importer's current power of attorney for a broker."""

    importer: str
    broker: str
    credential: RegisteredCredential
    replaces: str | None  # the registration (txid) of the power of attorney it replaced

    def to_dict(self) -> dict[str, Any]:
        return {**self.credential.to_dict(), "importer": self.importer, "broker": self.broker,
                "replaces": self.replaces}

    @classmethod
    def from_dict(cls, data: Any) -> PowerOfAttorney:
        fields = FieldReader("power of attorney", data)
        return cls(fields.text("importer"), fields.text("broker"), RegisteredCredential.from_dict(data),
                   fields.optional_text("replaces"))


@dataclass(frozen=True)
class Standing:
    """Whether a broker may file for an importer at a moment; if not, `reason` says why.
    True when it may."""

    broker: str
    importer: str
    at_ms: int
    reason: str = ""

    @property
    def may_file(self) -> bool:
        return not self.reason

    def __bool__(self) -> bool:
        return self.may_file


class RegisterCredential(Args):
    credential: dict[str, Any]  # the signed VC 2.0 JSON, as issued

    @field_validator("credential")
    @classmethod
    def _credential(cls, v: dict[str, Any]) -> dict[str, Any]:
        if "proof" not in v:
            raise ValueError("the credential has no proof; register the signed credential its issuer gave you")
        return v


# --- reading DIDs, times and status entries ----------------------------------------------------

def _ms(moment: datetime) -> int:
    return (moment - _EPOCH) // _MS


def _moment(ms: int) -> datetime:
    return _EPOCH + ms * _MS


def _ms_of(text: Any, *, round_up: bool) -> int:
    """A dateTime as ledger milliseconds, rounded so that the re-check at a filing never
    accepts a moment the full verification would refuse."""
    moment = parse_datetime(text).moment
    ms = _ms(moment)
    return ms + 1 if round_up and _moment(ms) < moment else ms


def organization_named(state: StateReader, did: Any) -> str | None:
    """The organization of this ledger a DID names, or None."""
    if not isinstance(did, str):
        return None
    web = _ORG_DID_WEB.match(did)
    if web:
        name = web.group(1)
        return name if organization_record(state, name) is not None else None
    if did.startswith("did:key:") and "#" not in did:
        key = key_record(state, did)
        return key.organization if key else None
    return None


def _status_entries(credential: Mapping[str, Any], issuer_organization: str) -> tuple[StatusPointer, ...]:
    """The credential's status entries as (organization, list id, index, purpose); each must
    be a BitstringStatusListEntry of a list the issuer publishes on this ledger."""
    status = credential.get("credentialStatus")
    if status is None:
        return ()
    found = []
    for item in status if isinstance(status, list) else [status]:
        if not isinstance(item, Mapping) or item.get("type") != STATUS_LIST_ENTRY:
            raise Refused(f"credentialStatus {item.get('type') if isinstance(item, Mapping) else item!r} "
                          f"cannot be checked here; only {STATUS_LIST_ENTRY} entries of the issuer's ledger lists are")
        try:
            entry = BitstringStatusListEntry.from_dict(item)
        except CredentialError as exc:
            raise Refused(f"credentialStatus: {exc}") from None
        where = _STATUS_LIST_URL.match(entry.status_list_credential)
        if where is None or where.group(1) != issuer_organization:
            raise Refused(f"status list {entry.status_list_credential} is not a list of {issuer_organization}, "
                          "the issuer, on this ledger (https://<network>/orgs/<issuer>/status/<list>)")
        found.append(StatusPointer(where.group(1), where.group(2), entry.status_list_index, entry.status_purpose))
    return tuple(found)


def _status_lookup(state: StateReader, entries: tuple[StatusPointer, ...], at_ms: int) -> StatusLookup:
    """A StatusLookup answering from the ledger's lists as they stood at `at_ms`, reading
    only the entries the credential points at."""

    def lookup(url: str) -> BitstringStatusList:
        where = _STATUS_LIST_URL.match(url)
        listed = find_list(state, where.group(1), where.group(2)) if where else None
        if listed is None or at_ms < listed.published_ms:
            raise StatusRetrievalError(f"status list {url} is not published on this ledger")
        bits = bytearray(listed.length // 8)
        for entry in entries:
            if (entry.organization, entry.list_id) == (listed.organization, listed.list_id) \
                    and entry.index < listed.length and _bit_at(state, entry, at_ms):
                bits[entry.index >> 3] |= 0x80 >> (entry.index & 7)
        return BitstringStatusList(bytes(bits), (listed.purpose,))

    return lookup


def _bit_at(state: StateReader, entry: StatusPointer, at_ms: int) -> int:
    history = entry_history(state, entry.organization, entry.list_id, entry.index)
    return value_at(history, at_ms)


def _proof_window(created: str | None, at_ms: int) -> tuple[int, int]:
    """When a proof says it was made: a whole second when `created` has no fraction (proofs
    are usually stamped to the second), else the instant; the block time when undated."""
    if created is None:
        return at_ms, at_ms
    start = _ms_of(created, round_up=False)
    return start, start if "." in created.partition("T")[2] else start + 999


def _registered_key_resolver(state: StateReader, organization: str) -> KeyResolver:
    """A KeyResolver for keys registered to the issuer's organization (any life: the proof's
    date is checked against the key's life once the proof verifies)."""

    def resolve(verification_method: str) -> bytes:
        did, _, fragment = verification_method.partition("#")
        key_did = did if did.startswith("did:key:") else f"did:key:{fragment}"
        record = key_record(state, key_did)
        if record is None or record.organization != organization:
            raise KeyResolutionError(f"{verification_method} is not a key registered to {organization}")
        try:
            return public_key_from_did_key(key_did)
        except DidKeyError as exc:
            raise KeyResolutionError(f"cannot resolve {verification_method}: {exc}") from None

    return resolve


def _check_signing_key(state: StateReader, verification_method: str, created: str | None, at_ms: int) -> None:
    did, _, fragment = verification_method.partition("#")
    record = key_record(state, did if did.startswith("did:key:") else f"did:key:{fragment}")
    if record is None:  # the resolver found it to verify the proof; say so plainly if not
        raise Refused(f"{verification_method} is not a key registered on this ledger")
    start, end = _proof_window(created, at_ms)
    if start > at_ms:
        raise Refused(f"the credential's proof says it was made at {created}, after this block; "
                      "a proof cannot come from the future")
    ended = record.ended_ms
    if not record.active_during(start, end):
        raise Refused(f"issuer key {record.did} was not active when the proof says it was made ({created}); "
                      f"it was registered at {utc_text(record.since_ms)}"
                      + (f" and {record.status} at {utc_text(ended)}" if ended is not None else ""))
    if record.status == "revoked":
        # A revoked key may have leaked, and a proof's `created` is the signer's word: a
        # credential signed by it is not accepted now, whatever date it states.
        raise Refused(f"issuer key {record.did} was revoked at {utc_text(ended or 0)}; "
                      "ask the issuer for the credential signed with a current key")


# --- verifying a credential once, at registration ---------------------------------------------

def _verified(ctx: PrivateContext, credential: Mapping[str, Any], credential_type: str) -> RegisteredCredential:
    """Verify `credential` completely as of the block time, from public state (keys, trust
    registry, status lists); its facts for the re-checks."""
    what = f"the {credential_type}"
    types = credential.get("type")
    ctx.require(isinstance(types, list) and VERIFIABLE_CREDENTIAL in types and credential_type in types,
                f"the credential is not a {credential_type}")
    state, at_ms = ctx.public, ctx.block_time_ms
    issuer = issuer_id(credential)
    issuer_organization = organization_named(state, issuer)
    if issuer is None or issuer_organization is None:
        raise Refused(f"{what}'s issuer is not an organization of this ledger (its did:key or its did:web)")
    statuses = _status_entries(credential, issuer_organization)
    result = verify_credential(dict(credential), resolver=_registered_key_resolver(state, issuer_organization),
                               status_lookup=_status_lookup(state, statuses, at_ms), now=_moment(at_ms))
    if not result.verified:
        problem = result.errors[0]
        raise Refused(f"{what} does not verify: {problem.message} [{problem.code}]")
    for proof in result.proofs:
        _check_signing_key(state, proof.verification_method, proof.created, at_ms)
    decision = trust_at(state, credential_type, issuer, at_ms)
    ctx.require(decision.trusted, f"{what}'s issuer is not trusted for it: {decision.reason}")
    # The data model check above refused unreadable dates, so these parse.
    valid_from = _ms_of(credential["validFrom"], round_up=True) if "validFrom" in credential else None
    valid_until = _ms_of(credential["validUntil"], round_up=False) if "validUntil" in credential else None
    credential_id = credential.get("id")
    return RegisteredCredential(
        credential_id=credential_id if isinstance(credential_id, str) else None, credential_type=credential_type,
        issuer=issuer, issuer_organization=issuer_organization, valid_from_ms=valid_from,
        valid_until_ms=valid_until, status=statuses, registered_by=ctx.signer.organization, registered_ms=at_ms,
        txid=ctx.txid,
    )


def _subject(credential: Mapping[str, Any], what: str) -> Mapping[str, Any]:
    subject = credential.get("credentialSubject")
    if not isinstance(subject, Mapping):
        raise Refused(f"the {what} has one credentialSubject object, the broker")
    return subject


def _organization_of_role(ctx: TxContext, name: str, role: str) -> None:
    record = organization_record(ctx.state.reader, name)
    ctx.require(record is not None and record.active and record.role == role,
                f"{name} is not an active organization of role {role}")


def _require_parts(ctx: TxContext, part: str, collections: set[str]) -> None:
    """The envelope carries exactly one `part` per collection named, and no other part."""
    sent = [p.collection for p in ctx.private_parts]
    ctx.require(all(p.part == part for p in ctx.private_parts) and sorted(sent) == sorted(collections),
                f"this registration carries one private part {part!r} for each of "
                f"{', '.join(sorted(collections))}, and nothing else")


def _verified_license(ctx: PrivateContext, broker: str, credential: Mapping[str, Any]) -> BrokerLicense:
    subject = _subject(credential, LICENSE_TYPE)
    named = organization_named(ctx.public, subject.get("id"))
    ctx.require(named == broker, f"the {LICENSE_TYPE} is not for {broker}; register the broker's own license")
    number, filer_code = subject.get("licenseNumber"), subject.get("filerCode")
    if not isinstance(number, str) or number.strip() == "":
        raise Refused(f"the {LICENSE_TYPE} names no licenseNumber")
    if not isinstance(filer_code, str) or not _FILER_CODE.match(filer_code):
        raise Refused(f"the {LICENSE_TYPE} names no 3-character filerCode")
    registered = _verified(ctx, credential, LICENSE_TYPE)
    previous = ctx.state.get(license_key(broker))
    replaces = BrokerLicense.from_dict(previous).credential.txid if previous is not None else None
    return BrokerLicense(broker, number, filer_code, registered, replaces)


class RegisterLicense(Args):
    customs: str  # the customs authority that sees the license
    importers: list[str] = []  # importers whose power-of-attorney collections take the renewed license


@contract.action("register_license", RegisterLicense, roles={"broker"})
def register_license(ctx: TxContext, args: RegisterLicense) -> None:
    broker = ctx.signer.organization
    _organization_of_role(ctx, args.customs, "customs")
    collections = {license_collection(broker)}
    for importer in args.importers:
        name = poa_collection(importer, broker)
        record = ctx.collection(name)
        ctx.require(record is not None and broker in record.members,
                    f"{importer} has registered no power of attorney for {broker}")
        collections.add(name)
    ctx.set_members(license_collection(broker), {broker, args.customs})
    _require_parts(ctx, "license", collections)
    ctx.emit("license_registered", broker=broker, customs=args.customs)


@contract.private("register_license", "license", RegisterCredential)
def license_part(ctx: PrivateContext, args: RegisterLicense, payload: RegisterCredential) -> None:
    broker = ctx.signer.organization
    record = _verified_license(ctx, broker, payload.credential)
    ctx.state.put(license_key(broker), record.to_dict())
    if ctx.collection == license_collection(broker):
        ctx.state.put(CREDENTIAL, payload.credential)  # the broker's own copy, to renew its powers with


class RegisterPowerOfAttorney(Args):
    importer: str  # who issued it
    broker: str  # whom it names
    customs: str  # the customs authority the broker files with under it


class PowerOfAttorneyPayload(RegisterCredential):
    license: dict[str, Any]  # the broker's signed license credential, whose facts the filing check needs

    @field_validator("license")
    @classmethod
    def _license(cls, v: dict[str, Any]) -> dict[str, Any]:
        if "proof" not in v:
            raise ValueError("the broker's signed license travels with its power of attorney; register the "
                             "license first, or give it")
        return v


@contract.action("register_power_of_attorney", RegisterPowerOfAttorney, roles={"broker", "importer"})
def register_power_of_attorney(ctx: TxContext, args: RegisterPowerOfAttorney) -> None:
    _organization_of_role(ctx, args.importer, "importer")
    _organization_of_role(ctx, args.broker, "broker")
    _organization_of_role(ctx, args.customs, "customs")
    ctx.require(ctx.signer.organization in (args.broker, args.importer),
                f"only {args.broker}, the broker it names, or {args.importer}, its issuer, registers this "
                "power of attorney")
    name = poa_collection(args.importer, args.broker)
    ctx.set_members(name, {args.importer, args.broker, args.customs})
    _require_parts(ctx, "poa", {name})
    ctx.emit("power_of_attorney_registered", importer=args.importer, broker=args.broker, customs=args.customs)


@contract.private("register_power_of_attorney", "poa", PowerOfAttorneyPayload)
def power_of_attorney_part(ctx: PrivateContext, args: RegisterPowerOfAttorney,
                           payload: PowerOfAttorneyPayload) -> None:
    subject = _subject(payload.credential, POWER_OF_ATTORNEY_TYPE)
    ctx.require(organization_named(ctx.public, subject.get("id")) == args.broker,
                f"the {POWER_OF_ATTORNEY_TYPE} does not name {args.broker}")
    credential = _verified(ctx, payload.credential, POWER_OF_ATTORNEY_TYPE)
    ctx.require(credential.issuer_organization == args.importer,
                f"a {POWER_OF_ATTORNEY_TYPE} is issued by the importer it speaks for; this one is not "
                f"issued by {args.importer}")
    held = _verified_license(ctx, args.broker, payload.license)
    previous = ctx.state.get(power_of_attorney_key(args.importer, args.broker))
    replaces = PowerOfAttorney.from_dict(previous).credential.txid if previous is not None else None
    record = PowerOfAttorney(args.importer, args.broker, credential, replaces)
    ctx.state.put(power_of_attorney_key(args.importer, args.broker), record.to_dict())
    ctx.state.put(license_key(args.broker), held.to_dict())


# --- the cheap re-check at each filing ---------------------------------------------------------

def _standing_refusal(state: StateReader, record: RegisteredCredential, at_ms: int, what: str) -> str | None:
    if record.valid_from_ms is not None and at_ms < record.valid_from_ms:
        return f"{what} is not valid before {utc_text(record.valid_from_ms)}"
    if record.valid_until_ms is not None and at_ms > record.valid_until_ms:
        return (f"{what} expired at {utc_text(record.valid_until_ms)}; "
                f"register a renewed one with `{REGISTER_COMMAND}`")
    decision = trust_at(state, record.credential_type, record.issuer, at_ms)
    if not decision.trusted:
        return f"{what} is no longer from a trusted issuer: {decision.reason}"
    for entry in record.status:
        history = entry_history(state, entry.organization, entry.list_id, entry.index)
        if value_at(history, at_ms):
            change = [c for c in history if c.at_ms <= at_ms][-1]
            word = "revoked" if entry.purpose == REVOCATION else "suspended"
            reason = f" ({change.reason})" if change.reason else ""
            return f"{what} is {word} since {utc_text(change.at_ms)}{reason}"
    return None


def _refusal(state: StateReader, broker: str, importer: str, at_ms: int) -> str | None:
    name = poa_collection(importer, broker)
    if collection_record(state, NAMESPACE, name) is None:
        return (f"broker {broker} holds no {POWER_OF_ATTORNEY_TYPE} from {importer}; the importer issues one "
                f"naming the broker, registered with `{REGISTER_COMMAND}`")
    power = find_power_of_attorney(state, importer, broker)
    held = find_license(state, broker, importer)
    if power is None or held is None:
        return f"the power of attorney of {importer} for {broker} is not visible here"
    why = _standing_refusal(state, held.credential, at_ms, f"the license of broker {broker}")
    if why:
        return why
    return _standing_refusal(state, power.credential, at_ms, f"the power of attorney of {importer} for {broker}")


def standing(state: StateReader, broker: str, importer: str, at_ms: int) -> Standing:
    """May `broker` file for `importer` at `at_ms`: the importer's power of attorney and the
    broker's license as that power's collection holds it, re-checked at that moment. Read
    from a member of that collection (an entry's summary part is one); elsewhere the answer
    says it is not visible."""
    return Standing(broker, importer, at_ms, _refusal(state, broker, importer, at_ms) or "")


# --- queries ----------------------------------------------------------------------------------

def license_collection(broker: str) -> str:
    """The collection of a broker's license: the broker and customs."""
    return state_key(LICENSE, broker)


def poa_collection(importer: str, broker: str) -> str:
    """The collection of an importer's power of attorney for a broker: both, and customs."""
    return state_key(POWER_OF_ATTORNEY, importer, broker)


def find_license(state: StateReader, broker: str, importer: str | None = None) -> BrokerLicense | None:
    """The broker's license as its own collection holds it, or (with `importer`) as the
    power of attorney's collection holds it; None when not registered or not visible."""
    collection = license_collection(broker) if importer is None else poa_collection(importer, broker)
    data = state.get_state(private_namespace(NAMESPACE, collection), license_key(broker))
    return None if data is None else BrokerLicense.from_dict(data)


def license_credential(state: StateReader, broker: str) -> dict[str, Any] | None:
    """The broker's signed license credential, at the members of its license collection."""
    data = state.get_state(private_namespace(NAMESPACE, license_collection(broker)), CREDENTIAL)
    return data if isinstance(data, dict) else None


def find_power_of_attorney(state: StateReader, importer: str, broker: str) -> PowerOfAttorney | None:
    data = state.get_state(private_namespace(NAMESPACE, poa_collection(importer, broker)),
                           power_of_attorney_key(importer, broker))
    return None if data is None else PowerOfAttorney.from_dict(data)


def power_of_attorney_importers(state: StateReader, broker: str) -> list[str]:
    """The importers whose power-of-attorney collection names `broker` (public membership)."""
    found = []
    for key, value in state.scan_state(NAMESPACE, key_prefix(COLLECTION)):
        kind, parts = split_key(split_key(key)[1][0])
        if kind == POWER_OF_ATTORNEY and len(parts) == 2 and parts[1] == broker \
                and broker in CollectionRecord.from_dict(value).members:
            found.append(parts[0])
    return found


def powers_of_attorney_of(state: StateReader, broker: str) -> list[PowerOfAttorney]:
    """Every power of attorney registered for `broker` that this state may see, by importer."""
    powers = (find_power_of_attorney(state, importer, broker)
              for importer in power_of_attorney_importers(state, broker))
    return [power for power in powers if power is not None]
