"""The origin contract: verification of origin of a line that claims USMCA or CAFTA-DR preference.

    open       customs (the authority the entry was filed with) opens a verification of
               one line that claims preference (SPI S, S+, P or P+);
    request    customs notes the access requests it made for the verification's records
               (the certification, the entry's supporting documents, the answers), so the
               importer and the certifier see what they are asked to disclose;
    answer     the importer, the certifier or a producer answers with a document anchored
               in its own vault, such as a bill-of-materials case for the origin engine,
               disclosed to customs by grant, to no one else;
    determine  customs records that it has determined the claim.

The records themselves travel by the disclosure workflow (access.request, approve,
disclose); this contract keeps only what must be shared: who was asked, who answered, and
that a determination exists. Ledger state is replicated to every node, so the determination
(eligible, or denied with the reason and the engine's result) is a document in customs'
vault: the ledger holds its commitment and a status, never the outcome. `determine`
accepts it only when exactly the parties entitled by policy can read it: the importer, the
certifier and the partner agencies the line is flagged for, through customs' grants, and
no other organization through any grant or rule.

State, in namespace `origin` (the entries contract defines the open-verification index,
which it reads to hold liquidation):

    verification/<id>                      the `Verification` record
    of_entry/<entry>/<line>/<id>           the verification's id, to list an entry's verifications
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import field_validator

from tradeledger.contracts import access, documents, entries
from tradeledger.contracts.entry_summary import COMMITMENT, identifier, reason_text
from tradeledger.domain.entry_number import validate_entry_number
from tradeledger.domain.origin.claims import FTA_SPIS
from tradeledger.domain.origin.errors import OriginRecordError
from tradeledger.errors import Refused
from tradeledger.identity.registry import organizations
from tradeledger.ledger.contract import Args, Contract, TxContext
from tradeledger.ledger.keys import key_prefix, state_key
from tradeledger.ledger.state import StateReader

NAMESPACE = entries.VERIFICATIONS_NAMESPACE
contract = Contract(NAMESPACE, "verification of origin of preference claims")
OPEN, ANSWERED, DETERMINED = "open", "answered", "determined"
DETERMINATION_DOC_TYPE = "origin_determination"
ANSWER_DOC_TYPES = ("bill_of_materials", "origin_records")
VERIFICATION_REF = "verification"  # the reference naming the verification on its documents
VERIFICATION, OF_ENTRY = "verification", "of_entry"


def verification_key(verification_id: str) -> str:
    return state_key(VERIFICATION, verification_id)


def by_entry_key(entry_number: str, line: int, verification_id: str) -> str:
    return state_key(OF_ENTRY, entry_number, line, verification_id)


# --- the records -------------------------------------------------------------------------------

def _malformed(what: str) -> OriginRecordError:
    return OriginRecordError(f"not a {what} record of the origin contract")


@dataclass(frozen=True)
class NotedRequest:
    """An access request customs made for one of the verification's records."""

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
    """A document an answering party anchored and recorded as its answer."""

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
class Verification:
    """A verification of one line's claim: what was asked, who answered, whether determined.
    Never the outcome: that is the determination document in customs' vault."""

    id: str  # the opening transaction's id
    entry_number: str
    line: int
    spi: str
    agreement: str
    hts: str
    certification: str | None  # the commitment of the certification the claim references
    certifier: str | None  # the organization that anchored it
    importer: str
    customs: str
    agencies: tuple[str, ...]  # the partner agencies the line is flagged for
    entry_version: int
    reason: str
    status: str  # open, answered or determined
    opened_ms: int
    requests: tuple[NotedRequest, ...] = ()
    answers: tuple[NotedAnswer, ...] = ()
    determination: str | None = None  # the determination's commitment, once determined
    audience: tuple[str, ...] = ()  # who may read the determination, once determined
    determined_ms: int | None = None

    @property
    def entitled_readers(self) -> tuple[str, ...]:
        """Who may read the determination: the importer, the certifier and the agencies the
        line is flagged for (customs owns it)."""
        parties = {self.importer, *self.agencies}
        if self.certifier is not None:
            parties.add(self.certifier)
        parties.discard(self.customs)
        return tuple(sorted(parties))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "entry_number": self.entry_number, "line": self.line, "spi": self.spi,
            "agreement": self.agreement, "hts": self.hts, "certification": self.certification,
            "certifier": self.certifier, "importer": self.importer, "customs": self.customs,
            "agencies": list(self.agencies), "entry_version": self.entry_version, "reason": self.reason,
            "status": self.status, "opened_ms": self.opened_ms, "requests": [r.to_dict() for r in self.requests],
            "answers": [a.to_dict() for a in self.answers], "determination": self.determination,
            "audience": list(self.audience), "determined_ms": self.determined_ms,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Verification:
        try:
            return cls(
                data["id"], data["entry_number"], data["line"], data["spi"], data["agreement"], data["hts"],
                data["certification"], data["certifier"], data["importer"], data["customs"],
                tuple(data["agencies"]), data["entry_version"], data["reason"], data["status"], data["opened_ms"],
                tuple(NotedRequest.from_dict(r) for r in data["requests"]),
                tuple(NotedAnswer.from_dict(a) for a in data["answers"]), data["determination"],
                tuple(data["audience"]), data["determined_ms"])
        except (KeyError, TypeError):
            raise _malformed("verification") from None


# --- the actions -------------------------------------------------------------------------------

def _commitment(v: str) -> str:
    if not COMMITMENT.match(v):
        raise ValueError("a commitment is 64 lowercase hex digits")
    return v


class OpenVerification(Args):
    entry_number: str
    line: int
    reason: str  # why customs verifies; public, so no trade data

    _entry_number = field_validator("entry_number")(
        classmethod(lambda cls, v: identifier(validate_entry_number, v)))

    _reason = field_validator("reason")(classmethod(lambda cls, v: reason_text(v)))


class Answer(Args):
    verification: str
    commitment: str  # the answering document, anchored by the answering organization

    _commitment = field_validator("commitment")(classmethod(lambda cls, v: _commitment(v)))


class RequestRecords(Args):
    verification: str
    requests: list[str]  # access request ids made by customs

    @field_validator("requests")
    @classmethod
    def _requests(cls, v: list[str]) -> list[str]:
        if not v or len(set(v)) != len(v):
            raise ValueError("list the access requests, each once")
        return v


class Determine(Args):
    verification: str
    commitment: str  # the determination document, anchored by customs

    _commitment = field_validator("commitment")(classmethod(lambda cls, v: _commitment(v)))


T = TypeVar("T")


def _required(value: T | None, reason: str) -> T:
    """`value`, or a refusal for `reason` when it is missing."""
    if value is None:
        raise Refused(reason)
    return value


def _verification(ctx: TxContext, verification_id: str) -> Verification:
    return Verification.from_dict(_required(ctx.state.get(verification_key(verification_id)),
                                            f"no verification of origin {verification_id}"))


def _put(ctx: TxContext, verification: Verification) -> None:
    ctx.state.put(verification_key(verification.id), verification.to_dict())


@contract.action("open", OpenVerification, roles={"customs"})
def open_verification(ctx: TxContext, args: OpenVerification) -> None:
    entry = _required(entries.find_entry(ctx.state.reader, args.entry_number), f"no entry {args.entry_number} is filed")
    ctx.require(entry.filed_with == ctx.signer.organization,
                f"only {entry.filed_with}, the customs authority the entry was filed with, verifies it")
    line = _required(entry.line(args.line), f"entry {args.entry_number} has no line {args.line}")
    spi = _required(line.spi if line.spi in FTA_SPIS else None,
                    f"line {args.line} claims no USMCA or CAFTA-DR preference (SPI S, S+, P or P+); nothing to verify")
    ctx.require(ctx.state.get(entries.open_verification_key(args.entry_number, args.line)) is None,
                f"line {args.line} of entry {args.entry_number} is already under verification")
    certifier = None
    if line.certification is not None:
        certification = documents.find_by_commitment(ctx.state.reader, line.certification)
        certifier = certification.owner if certification else None
    verification = Verification(
        id=ctx.txid, entry_number=args.entry_number, line=args.line, spi=spi,
        agreement=FTA_SPIS[spi], hts=line.hts, certification=line.certification,
        certifier=certifier, importer=entry.importer, customs=ctx.signer.organization,
        agencies=tuple(sorted(line.flags)), entry_version=entry.version, reason=args.reason,
        status=OPEN, opened_ms=ctx.block_time_ms,
    )
    _put(ctx, verification)
    ctx.state.put(entries.open_verification_key(args.entry_number, args.line), ctx.txid)
    ctx.state.put(by_entry_key(args.entry_number, args.line, ctx.txid), ctx.txid)
    ctx.emit("verification_opened", verification=ctx.txid, entry_number=args.entry_number, line=args.line,
             importer=entry.importer, certifier=certifier)


@contract.action("request", RequestRecords, roles={"customs"})
def request_records(ctx: TxContext, args: RequestRecords) -> None:
    verification = _verification(ctx, args.verification)
    ctx.require(verification.customs == ctx.signer.organization,
                f"only {verification.customs}, which opened the verification, requests its records")
    ctx.require(verification.status != DETERMINED, "the verification is already determined")
    entry = entries.find_entry(ctx.state.reader, verification.entry_number)
    relevant = {d.commitment for d in (entry.documents if entry else ())} | {a.commitment for a in verification.answers}
    if verification.certification is not None:
        relevant.add(verification.certification)
    noted = {r.request for r in verification.requests}
    requests = list(verification.requests)
    for request_id in args.requests:
        request = access.find_request(ctx.state.reader, request_id)
        if request is None or request.requester != ctx.signer.organization:
            raise Refused(f"no access request {request_id} by {ctx.signer.organization}")
        ctx.require(request.commitment in relevant,
                    f"request {request_id} is for a document that is not a record of this verification")
        ctx.require(request_id not in noted, f"request {request_id} is already noted")
        requests.append(NotedRequest(request_id, request.commitment, request.owner, request.doc_type,
                                     ctx.block_time_ms))
    _put(ctx, dataclasses.replace(verification, requests=tuple(requests)))
    ctx.emit("records_requested", verification=args.verification,
             owners=sorted({r.owner for r in requests}), requests=args.requests)


@contract.action("answer", Answer, roles={"importer", "exporter", "producer"})
def answer(ctx: TxContext, args: Answer) -> None:
    verification = _verification(ctx, args.verification)
    ctx.require(verification.status != DETERMINED, "the verification is already determined; answers are closed")
    who = ctx.signer.organization
    ctx.require(may_answer(verification, who, ctx.signer.role),
                f"the importer ({verification.importer}), the certifier or a producer answers; not {who}")
    document = _required(documents.find_by_commitment(ctx.state.reader, args.commitment),
                         f"no document with commitment {args.commitment[:12]}… is anchored")
    ctx.require(document.owner == who, f"answer with a document you anchored; this one is {document.owner}'s")
    ctx.require(document.doc_type in ANSWER_DOC_TYPES,
                f"an answer is a {' or an '.join(ANSWER_DOC_TYPES)}, not a {document.doc_type}")
    ctx.require(document.refs.get(VERIFICATION_REF) == args.verification,
                f"anchor the answer with the reference {VERIFICATION_REF}={args.verification}")
    ctx.require(all(a.commitment != args.commitment for a in verification.answers),
                "this answer is already recorded")
    answered = NotedAnswer(who, args.commitment, document.doc_type, ctx.block_time_ms, ctx.txid)
    _put(ctx, dataclasses.replace(verification, status=ANSWERED, answers=(*verification.answers, answered)))
    ctx.emit("verification_answered", verification=args.verification, by=who, commitment=args.commitment)


def may_answer(verification: Verification, organization: str, role: str) -> bool:
    """The importer, the certifier or a producer answers a verification."""
    return organization in (verification.importer, verification.certifier) or role == "producer"


@contract.action("determine", Determine, roles={"customs"})
def determine(ctx: TxContext, args: Determine) -> None:
    verification = _verification(ctx, args.verification)
    ctx.require(verification.customs == ctx.signer.organization,
                f"only {verification.customs}, which opened the verification, determines it")
    ctx.require(verification.status != DETERMINED, "the verification is already determined")
    document = _required(documents.find_by_commitment(ctx.state.reader, args.commitment),
                         f"no document with commitment {args.commitment[:12]}… is anchored")
    ctx.require(document.owner == ctx.signer.organization and document.doc_type == DETERMINATION_DOC_TYPE,
                f"the determination is an {DETERMINATION_DOC_TYPE} anchored by {ctx.signer.organization}")
    ctx.require(document.refs == {VERIFICATION_REF: args.verification},
                f"anchor the determination with only the reference {VERIFICATION_REF}={args.verification}, "
                "so that no default rule exposes it")
    readers = verification.entitled_readers
    for party in readers:
        ctx.require(access.access_basis(ctx.state.reader, party, args.commitment, [], ctx.block_time_ms) is not None,
                    f"{party} is entitled to the determination but cannot read it; grant it access first")
    # A grant or rule that lets anyone else read it would leak the outcome beyond the policy.
    others = [record.name for record in organizations(ctx.state.reader)
              if record.active and record.name not in readers and record.name != ctx.signer.organization
              and access.access_basis(ctx.state.reader, record.name, args.commitment, [], ctx.block_time_ms)
              is not None]
    ctx.require(not others, f"{', '.join(others)} could read the determination but is not entitled to; "
                            "revoke that grant first")
    _put(ctx, dataclasses.replace(verification, status=DETERMINED, determination=args.commitment,
                                  audience=readers, determined_ms=ctx.block_time_ms))
    ctx.state.delete(entries.open_verification_key(verification.entry_number, verification.line))
    ctx.emit("verification_determined", verification=args.verification, entry_number=verification.entry_number,
             line=verification.line, audience=list(readers))


# --- queries for workflows and the CLI -----------------------------------------------------------

def find_verification(state: StateReader, verification_id: str) -> Verification | None:
    data = state.get_state(NAMESPACE, verification_key(verification_id))
    return None if data is None else Verification.from_dict(data)


def verifications_of(state: StateReader, entry_number: str) -> list[Verification]:
    """Every verification opened on the entry's lines, by line then opening."""
    found = (find_verification(state, verification_id)
             for _key, verification_id in state.scan_state(NAMESPACE, key_prefix(OF_ENTRY, entry_number)))
    return sorted((v for v in found if v is not None), key=lambda v: (v.line, v.opened_ms))


def all_verifications(state: StateReader) -> list[Verification]:
    """Every verification on the ledger, in key order."""
    return [Verification.from_dict(data) for _key, data in state.scan_state(NAMESPACE, key_prefix(VERIFICATION))]
