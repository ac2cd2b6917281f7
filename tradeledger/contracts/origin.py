"""The origin contract: verification of origin of a line that claims USMCA or CAFTA-DR preference.

    open       customs (the authority the entry was filed with) opens a verification of
               one line that claims preference (SPI S, S+, P or P+), naming its parties;
    request    customs notes the access requests it made for the verification's records
               (the certification, the entry's supporting documents, the answers), so the
               parties see what they are asked to disclose;
    answer     a party asked (the importer, the certifier, a producer) answers with a
               document anchored in its own vault, such as a bill-of-materials case for
               the origin engine, disclosed to customs by grant;
    determine  customs records its determination: eligible, or denied with its reasons.

What is public, and why (DESIGN.md decision 15). Every peer holds public state, so it
carries only what every participant may know: that a verification exists on line L of
entry N (the open-verification index, which the entries contract reads to hold
liquidation, says no more), who its parties are (the collection's membership), and where
it stands (open, answered, determined, with the block times). That much a rights holder
or a competing importer may see of any entry; it reveals no value, good or supplier
beyond the parties' names, which membership must show for delivery to work.

Everything else is private to the verification's collection (`verification_collection`),
whose members are customs, the importer and the parties customs names at opening: the
certifier, the exporters or producers asked, and the partner agencies the line is flagged
to (they are entitled to the determination). The members alone hold the case: the
line's claim as customs states it (SPI, agreement, HTS, origin, the certification's
commitment and its certifier), customs' reason, the requests it noted, the commitments
the parties answered with, and the determination with its reasons and the engine's result.

Facts from other collections enter by the payload. The entry's line is private to the
entry's collection (importer, filer, customs), which the exporter is not in, so no peer of
the verification could read it: customs, a member of both, states the line's claim in the
opening payload. The parts check what every member can: the public entry facts
(`entries.find_filing`), that the certification's anchor is a certification of origin
whose owner is a party, that every record asked for or answered with is anchored by a
party. A private part refused at a member is that member's verdict only (the public part
stands); the workflows preview with the payloads, so customs hears of it before ordering.

The certification of origin itself stays in its certifier's vault. Its anchor and its
terms (the anchor's references) are the documents contract's, which says which of them
are public; the entries contract judges a claim against them at filing. A verification
keeps, privately, which certification the claim rests on and who certified it.

State, in namespace `origin`:

    public   verification/<id>                  the public `Verification`
             of_entry/<entry>/<line>/<id>       the id, to list an entry's verifications
             open/<entry>/<line>                the open verification (entries reads it)
             collection/verification/<id>       the members (ledger.collections)
    private  origin#verification/<id>: case     the `VerificationCase`, at the members only

A verification's id is `<entry>:<line>:<n>`, the n-th opened on that line: the collection
is named in the signed envelope, so the id cannot be the opening transaction's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import Field, field_validator

from tradeledger.contracts import documents, entries
from tradeledger.contracts.entry_summary import COMMITMENT, identifier, reason_text
from tradeledger.domain.entry_number import validate_entry_number
from tradeledger.domain.origin.claims import FTA_SPIS
from tradeledger.domain.origin.determination import OUTCOMES, Determination
from tradeledger.domain.origin.errors import OriginRecordError
from tradeledger.domain.origin.terms import CERTIFICATION_DOC_TYPE
from tradeledger.errors import Refused
from tradeledger.identity.registry import organization_record
from tradeledger.ledger.collections import private_namespace
from tradeledger.ledger.contract import Args, Contract, PrivateContext, TxContext
from tradeledger.ledger.keys import key_prefix, split_key, state_key
from tradeledger.ledger.state import StateReader

NAMESPACE = entries.VERIFICATIONS_NAMESPACE
contract = Contract(NAMESPACE, "verification of origin of preference claims")
OPEN, ANSWERED, DETERMINED = "open", "answered", "determined"
ANSWER_DOC_TYPES = ("bill_of_materials", "origin_records")
VERIFICATION_REF = "verification"  # the reference naming the verification on its documents
VERIFICATION, OF_ENTRY, CASE = "verification", "of_entry", "case"
PARTY_ROLES = ("exporter", "producer", "agency")  # whom customs may name besides the importer
CASE_PART, REQUESTS_PART, ANSWER_PART, DETERMINATION_PART = "case", "requests", "answer", "determination"


def verification_id(entry_number: str, line: int, sequence: int) -> str:
    return f"{entry_number}:{line}:{sequence}"


def verification_collection(verification: str) -> str:
    """The private collection of one verification (its members: `Verification.members`)."""
    return state_key(VERIFICATION, verification)


def verification_key(verification: str) -> str:
    return state_key(VERIFICATION, verification)


def by_entry_key(entry_number: str, line: int, verification: str) -> str:
    return state_key(OF_ENTRY, entry_number, line, verification)


CASE_KEY = state_key(CASE)


# --- the records -------------------------------------------------------------------------------

def _malformed(what: str) -> OriginRecordError:
    return OriginRecordError(f"not a {what} record of the origin contract")


@dataclass(frozen=True)
class Verification:
    """What every peer knows of a verification: where, who, and how far it has gone."""

    id: str
    entry_number: str
    line: int
    customs: str
    importer: str
    parties: tuple[str, ...]  # the other members: certifier, exporters or producers asked, agencies
    status: str  # open, answered or determined
    opened_ms: int
    determined_ms: int | None = None

    @property
    def members(self) -> tuple[str, ...]:
        return tuple(sorted({self.customs, self.importer, *self.parties}))

    @property
    def collection(self) -> str:
        return verification_collection(self.id)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "entry_number": self.entry_number, "line": self.line, "customs": self.customs,
                "importer": self.importer, "parties": list(self.parties), "status": self.status,
                "opened_ms": self.opened_ms, "determined_ms": self.determined_ms}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Verification:
        try:
            return cls(data["id"], data["entry_number"], data["line"], data["customs"], data["importer"],
                       tuple(data["parties"]), data["status"], data["opened_ms"], data["determined_ms"])
        except (KeyError, TypeError):
            raise _malformed("verification") from None


@dataclass(frozen=True)
class NotedRequest:
    """An access request customs made for one of the verification's records (private)."""

    request: str  # the access request's id
    commitment: str
    owner: str
    doc_type: str
    at_ms: int

    def to_dict(self) -> dict[str, Any]:
        return {"request": self.request, "commitment": self.commitment, "owner": self.owner,
                "doc_type": self.doc_type, "at_ms": self.at_ms}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NotedRequest:
        try:
            return cls(data["request"], data["commitment"], data["owner"], data["doc_type"], data["at_ms"])
        except (KeyError, TypeError):
            raise _malformed("noted request") from None


@dataclass(frozen=True)
class NotedAnswer:
    """A document a party anchored and recorded as its answer (private)."""

    by: str
    commitment: str
    doc_type: str
    at_ms: int
    txid: str

    def to_dict(self) -> dict[str, Any]:
        return {"by": self.by, "commitment": self.commitment, "doc_type": self.doc_type, "at_ms": self.at_ms,
                "txid": self.txid}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NotedAnswer:
        try:
            return cls(data["by"], data["commitment"], data["doc_type"], data["at_ms"], data["txid"])
        except (KeyError, TypeError):
            raise _malformed("noted answer") from None


@dataclass(frozen=True)
class VerificationCase:
    """A verification as its members hold it: the claim verified, what was asked and
    answered, and the determination once made."""

    verification: str
    spi: str
    agreement: str
    hts: str
    origin: str
    certification: str | None  # the commitment of the certification the claim references
    certifier: str | None  # the organization that anchored it
    agencies: tuple[str, ...]  # the partner agencies the line is flagged to
    entry_version: int
    reason: str
    requests: tuple[NotedRequest, ...] = ()
    answers: tuple[NotedAnswer, ...] = ()
    determination: Determination | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "verification": self.verification, "spi": self.spi, "agreement": self.agreement, "hts": self.hts,
            "origin": self.origin, "certification": self.certification, "certifier": self.certifier,
            "agencies": list(self.agencies), "entry_version": self.entry_version, "reason": self.reason,
            "requests": [r.to_dict() for r in self.requests], "answers": [a.to_dict() for a in self.answers],
            "determination": None if self.determination is None else self.determination.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VerificationCase:
        try:
            determination = data["determination"]
            return cls(
                data["verification"], data["spi"], data["agreement"], data["hts"], data["origin"],
                data["certification"], data["certifier"], tuple(data["agencies"]), data["entry_version"],
                data["reason"], tuple(NotedRequest.from_dict(r) for r in data["requests"]),
                tuple(NotedAnswer.from_dict(a) for a in data["answers"]),
                None if determination is None else Determination.from_dict(determination))
        except (KeyError, TypeError):
            raise _malformed("verification case") from None


# --- the actions -------------------------------------------------------------------------------

def _commitment(v: str) -> str:
    if not COMMITMENT.match(v):
        raise ValueError("a commitment is 64 lowercase hex digits")
    return v


class OpenVerification(Args):
    entry_number: str
    line: int = Field(ge=1)
    parties: list[str]  # the members besides customs and the importer

    _entry_number = field_validator("entry_number")(
        classmethod(lambda cls, v: identifier(validate_entry_number, v)))

    @field_validator("parties")
    @classmethod
    def _parties(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("name each party once")
        return v


class StatedClaim(Args):
    """The opening payload: the line's claim as customs, a member of the entry, states it."""

    reason: str
    spi: str
    hts: str
    origin: str
    certification: str | None = None
    agencies: list[str] = []

    _reason = field_validator("reason")(classmethod(lambda cls, v: reason_text(v)))

    @field_validator("certification")
    @classmethod
    def _certification(cls, v: str | None) -> str | None:
        return None if v is None else _commitment(v)


class OfVerification(Args):
    verification: str


class RequestedRecord(Args):
    request: str  # the access request's id
    commitment: str

    _commitment = field_validator("commitment")(classmethod(lambda cls, v: _commitment(v)))


class NotedRequests(Args):
    requests: list[RequestedRecord]

    @field_validator("requests")
    @classmethod
    def _requests(cls, v: list[RequestedRecord]) -> list[RequestedRecord]:
        if not v or len({r.request for r in v}) != len(v):
            raise ValueError("list the access requests, each once")
        return v


class AnsweredRecord(Args):
    commitment: str  # the answering document, anchored by the answering organization

    _commitment = field_validator("commitment")(classmethod(lambda cls, v: _commitment(v)))


class RecordedDetermination(Args):
    determination: dict[str, Any]  # a `Determination` in its document form


T = TypeVar("T")


def _required(value: T | None, reason: str) -> T:
    """`value`, or a refusal for `reason` when it is missing."""
    if value is None:
        raise Refused(reason)
    return value


def _verification(ctx: TxContext, verification: str) -> Verification:
    return Verification.from_dict(_required(ctx.state.get(verification_key(verification)),
                                            f"no verification of origin {verification}"))


def _one_part(ctx: TxContext, part: str, verification: str) -> None:
    """The action carries exactly one `part`, in the verification's collection."""
    found = ctx.parts_named(part)
    ctx.require(len(found) == 1 and found[0].collection == verification_collection(verification),
                f"the {part} travels as one private part in collection {verification_collection(verification)}")


def _put(ctx: TxContext, verification: Verification) -> None:
    ctx.state.put(verification_key(verification.id), verification.to_dict())


def _case(ctx: PrivateContext) -> VerificationCase:
    return VerificationCase.from_dict(_required(ctx.state.get(CASE_KEY),
                                                "this member holds no case of the verification"))


def _put_case(ctx: PrivateContext, case: VerificationCase) -> None:
    ctx.state.put(CASE_KEY, case.to_dict())


def next_verification_id(state: StateReader, entry_number: str, line: int) -> str:
    """The id the next verification opened on the line takes."""
    opened = sum(1 for _ in state.scan_state(NAMESPACE, key_prefix(OF_ENTRY, entry_number, line)))
    return verification_id(entry_number, line, opened + 1)


@contract.action("open", OpenVerification, roles={"customs"})
def open_verification(ctx: TxContext, args: OpenVerification) -> None:
    filing = _required(entries.find_filing(ctx.state.reader, args.entry_number),
                       f"no entry {args.entry_number} is filed")
    customs = ctx.signer.organization
    ctx.require(filing.filed_with == customs,
                f"only {filing.filed_with}, the customs authority the entry was filed with, verifies it")
    ctx.require(ctx.state.get(entries.open_verification_key(args.entry_number, args.line)) is None,
                f"line {args.line} of entry {args.entry_number} is already under verification")
    for party in args.parties:
        organization = organization_record(ctx.state.reader, party)
        if organization is None or not organization.active:
            raise Refused(f"{party} is no active organization of the network")
        ctx.require(party not in (customs, filing.importer),
                    f"{party} is a member of every verification of the entry; name only the other parties")
        ctx.require(organization.role in PARTY_ROLES,
                    f"{party} is a {organization.role}; a verification's other parties are exporters, producers "
                    "and the agencies the entry is flagged to")
        ctx.require(organization.role != "agency" or party in filing.flagged_agencies,
                    f"entry {args.entry_number} is not flagged to {party}")
    verification = next_verification_id(ctx.state.reader, args.entry_number, args.line)
    _one_part(ctx, CASE_PART, verification)
    record = Verification(verification, args.entry_number, args.line, customs, filing.importer,
                          tuple(sorted(args.parties)), OPEN, ctx.block_time_ms)
    ctx.set_members(record.collection, record.members)
    _put(ctx, record)
    ctx.state.put(entries.open_verification_key(args.entry_number, args.line), verification)
    ctx.state.put(by_entry_key(args.entry_number, args.line, verification), verification)
    ctx.emit("verification_opened", verification=verification, entry_number=args.entry_number, line=args.line,
             members=list(record.members))


@contract.private("open", CASE_PART, StatedClaim)
def open_case(ctx: PrivateContext, args: OpenVerification, claim: StatedClaim) -> None:
    agreement = _required(FTA_SPIS.get(claim.spi), f"line {args.line} claims no USMCA or CAFTA-DR preference "
                                                   "(SPI S, S+, P or P+); nothing to verify")
    certifier = None
    if claim.certification is not None:
        anchored = _required(documents.find_by_commitment(ctx.public, claim.certification),
                             "the certification the line references is not anchored")
        ctx.require(anchored.doc_type == CERTIFICATION_DOC_TYPE,
                    f"the line references a {anchored.doc_type}, not a {CERTIFICATION_DOC_TYPE}")
        certifier = anchored.owner
        ctx.require(certifier in ctx.members,
                    f"{certifier}, the certifier, is not a party to the verification; name it at opening")
    for agency in claim.agencies:
        ctx.require(agency in ctx.members, f"{agency}, to which the line is flagged, is not a party; name it")
    filing = _required(entries.find_filing(ctx.public, args.entry_number), f"no entry {args.entry_number} is filed")
    _put_case(ctx, VerificationCase(_verification_of(ctx), claim.spi, agreement, claim.hts, claim.origin,
                                    claim.certification, certifier, tuple(sorted(claim.agencies)), filing.version,
                                    claim.reason))


def _verification_of(ctx: PrivateContext) -> str:
    """The id of the verification whose collection the part runs in."""
    _kind, (verification,) = split_key(ctx.collection)
    return verification


@contract.action("request", OfVerification, roles={"customs"})
def request_records(ctx: TxContext, args: OfVerification) -> None:
    verification = _verification(ctx, args.verification)
    ctx.require(verification.customs == ctx.signer.organization,
                f"only {verification.customs}, which opened the verification, requests its records")
    ctx.require(verification.status != DETERMINED, "the verification is already determined")
    _one_part(ctx, REQUESTS_PART, args.verification)
    ctx.emit("records_requested", verification=args.verification)


@contract.private("request", REQUESTS_PART, NotedRequests)
def note_requests(ctx: PrivateContext, args: OfVerification, noted: NotedRequests) -> None:
    case = _case(ctx)
    already = {r.request for r in case.requests}
    requests = list(case.requests)
    for asked in noted.requests:
        ctx.require(asked.request not in already, f"request {asked.request} is already noted")
        anchored = _required(documents.find_by_commitment(ctx.public, asked.commitment),
                             f"request {asked.request} is for a document that is not anchored")
        # Only a party's records: the owner of any other document is no member, so it
        # would never see, in the case, the verification it is asked for.
        ctx.require(anchored.owner in ctx.members and anchored.owner != ctx.signer.organization,
                    f"request {asked.request} is for a document that is not a record of this verification: "
                    f"{anchored.owner} is not a party to it")
        requests.append(NotedRequest(asked.request, asked.commitment, anchored.owner, anchored.doc_type,
                                     ctx.block_time_ms))
    _put_case(ctx, dataclasses.replace(case, requests=tuple(requests)))


@contract.action("answer", OfVerification, roles={"importer", "exporter", "producer"})
def answer(ctx: TxContext, args: OfVerification) -> None:
    verification = _verification(ctx, args.verification)
    ctx.require(verification.status != DETERMINED, "the verification is already determined; answers are closed")
    who = ctx.signer.organization
    ctx.require(may_answer(verification, who),
                f"the parties asked ({', '.join(p for p in verification.members if p != verification.customs)}) "
                f"answer; not {who}")
    _one_part(ctx, ANSWER_PART, args.verification)
    _put(ctx, dataclasses.replace(verification, status=ANSWERED))
    ctx.emit("verification_answered", verification=args.verification, by=who)


@contract.private("answer", ANSWER_PART, AnsweredRecord)
def answer_record(ctx: PrivateContext, args: OfVerification, answered: AnsweredRecord) -> None:
    case = _case(ctx)
    who = ctx.signer.organization
    document = _required(documents.find_by_commitment(ctx.public, answered.commitment),
                         f"no document with commitment {answered.commitment[:12]}… is anchored")
    ctx.require(document.owner == who, f"answer with a document you anchored; this one is {document.owner}'s")
    ctx.require(document.doc_type in ANSWER_DOC_TYPES,
                f"an answer is a {' or an '.join(ANSWER_DOC_TYPES)}, not a {document.doc_type}")
    ctx.require(document.refs.get(VERIFICATION_REF) == args.verification,
                f"anchor the answer with the reference {VERIFICATION_REF}={args.verification}")
    ctx.require(all(a.commitment != answered.commitment for a in case.answers), "this answer is already recorded")
    noted = NotedAnswer(who, answered.commitment, document.doc_type, ctx.block_time_ms, ctx.txid)
    _put_case(ctx, dataclasses.replace(case, answers=(*case.answers, noted)))


def may_answer(verification: Verification, organization: str) -> bool:
    """Every party of a verification but customs may answer it."""
    return organization in verification.members and organization != verification.customs


@contract.action("determine", OfVerification, roles={"customs"})
def determine(ctx: TxContext, args: OfVerification) -> None:
    verification = _verification(ctx, args.verification)
    ctx.require(verification.customs == ctx.signer.organization,
                f"only {verification.customs}, which opened the verification, determines it")
    ctx.require(verification.status != DETERMINED, "the verification is already determined")
    _one_part(ctx, DETERMINATION_PART, args.verification)
    _put(ctx, dataclasses.replace(verification, status=DETERMINED, determined_ms=ctx.block_time_ms))
    ctx.state.delete(entries.open_verification_key(verification.entry_number, verification.line))
    ctx.emit("verification_determined", verification=args.verification, entry_number=verification.entry_number,
             line=verification.line)


@contract.private("determine", DETERMINATION_PART, RecordedDetermination)
def determination_record(ctx: PrivateContext, args: OfVerification, recorded: RecordedDetermination) -> None:
    case = _case(ctx)
    try:
        determination = Determination.from_dict(recorded.determination)
    except OriginRecordError as exc:
        raise Refused(f"the determination is not readable: {exc}") from None
    public = _required(find_verification(ctx.public, args.verification), f"no verification {args.verification}")
    ctx.require((determination.verification, determination.entry_number, determination.line)
                == (args.verification, public.entry_number, public.line),
                f"the determination is of another verification, not {args.verification}")
    ctx.require(determination.outcome in OUTCOMES, f"a determination is {' or '.join(OUTCOMES)}")
    ctx.require(bool(determination.reasons), "a determination states its reasons")
    ctx.require(determination.decided_by == ctx.signer.organization,
                f"the determination is {ctx.signer.organization}'s own, not {determination.decided_by}'s")
    ctx.require((determination.spi, determination.hts, determination.certifier)
                == (case.spi, case.hts, case.certifier),
                "the determination is of another claim than the one under verification")
    _put_case(ctx, dataclasses.replace(case, determination=determination))


# --- queries for workflows and the CLI -----------------------------------------------------------

def find_verification(state: StateReader, verification: str) -> Verification | None:
    """The public record of a verification, at any peer."""
    data = state.get_state(NAMESPACE, verification_key(verification))
    return None if data is None else Verification.from_dict(data)


def find_case(state: StateReader, verification: str) -> VerificationCase | None:
    """The verification's case as a member holds it; None at a peer that is not a member."""
    data = state.get_state(private_namespace(NAMESPACE, verification_collection(verification)), CASE_KEY)
    return None if data is None else VerificationCase.from_dict(data)


def verifications_of(state: StateReader, entry_number: str) -> list[Verification]:
    """Every verification opened on the entry's lines, by line then opening."""
    found = (find_verification(state, verification)
             for _key, verification in state.scan_state(NAMESPACE, key_prefix(OF_ENTRY, entry_number)))
    return sorted((v for v in found if v is not None), key=lambda v: (v.line, v.opened_ms, v.id))


def all_verifications(state: StateReader) -> list[Verification]:
    """Every verification on the ledger, in key order."""
    return [Verification.from_dict(data) for _key, data in state.scan_state(NAMESPACE, key_prefix(VERIFICATION))]
