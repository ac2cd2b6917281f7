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
"""

from __future__ import annotations

from typing import Any

from pydantic import field_validator

from tradeledger.contracts import access, documents, entries
from tradeledger.contracts.entry_summary import COMMITMENT, identifier, reason_text
from tradeledger.contracts.preference import FTA_SPIS
from tradeledger.domain.entry_number import validate_entry_number
from tradeledger.ledger.authority import REGISTRY
from tradeledger.ledger.contract import Args, Contract, TxContext
from tradeledger.ledger.state import StateReader

NAMESPACE = entries.VERIFICATIONS_NAMESPACE
contract = Contract(NAMESPACE, "verification of origin of preference claims")
OPEN, ANSWERED, DETERMINED = "open", "answered", "determined"
DETERMINATION_DOC_TYPE = "origin_determination"
ANSWER_DOC_TYPES = ("bill_of_materials", "origin_records")
VERIFICATION_REF = "verification"  # the reference naming the verification on its documents


def verification_key(verification_id: str) -> str:
    return f"verification:{verification_id}"


def by_entry_key(entry_number: str, line: int, verification_id: str) -> str:
    return f"of-entry:{entry_number}/{line:04d}/{verification_id}"


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


def _verification(ctx: TxContext, verification_id: str) -> dict[str, Any]:
    record = ctx.state.get(verification_key(verification_id))
    ctx.require(record is not None, f"no verification of origin {verification_id}")
    return record


def audience(verification: dict[str, Any]) -> list[str]:
    """Who may read the determination: the importer, the certifier and the agencies the line
    is flagged for (customs owns it)."""
    parties = {verification["importer"], *verification["agencies"]}
    if verification["certifier"] is not None:
        parties.add(verification["certifier"])
    parties.discard(verification["customs"])
    return sorted(parties)


@contract.action("open", OpenVerification, roles={"customs"})
def open_verification(ctx: TxContext, args: OpenVerification) -> None:
    entry = entries.find_entry(ctx.state.reader, args.entry_number)
    ctx.require(entry is not None, f"no entry {args.entry_number} is filed")
    ctx.require(entry["filed_with"] == ctx.signer.organization,
                f"only {entry['filed_with']}, the customs authority the entry was filed with, verifies it")
    line = entries.find_line(entry, args.line)
    ctx.require(line is not None, f"entry {args.entry_number} has no line {args.line}")
    ctx.require(line.get("spi") in FTA_SPIS,
                f"line {args.line} claims no USMCA or CAFTA-DR preference (SPI S, S+, P or P+); nothing to verify")
    ctx.require(ctx.state.get(entries.open_verification_key(args.entry_number, args.line)) is None,
                f"line {args.line} of entry {args.entry_number} is already under verification")
    certifier = None
    if line["certification"] is not None:
        certification = documents.find_by_commitment(ctx.state.reader, line["certification"])
        certifier = certification.owner if certification else None
    record = {
        "id": ctx.txid, "entry_number": args.entry_number, "line": args.line, "spi": line["spi"],
        "agreement": FTA_SPIS[line["spi"]], "hts": line["hts"], "certification": line["certification"],
        "certifier": certifier, "importer": entry["importer"], "customs": ctx.signer.organization,
        "agencies": sorted(line["flags"]), "entry_version": entry["version"], "reason": args.reason,
        "status": OPEN, "opened_ms": ctx.block_time_ms, "requests": [], "answers": [], "determination": None,
        "audience": [], "determined_ms": None,
    }
    ctx.state.put(verification_key(ctx.txid), record)
    ctx.state.put(entries.open_verification_key(args.entry_number, args.line), ctx.txid)
    ctx.state.put(by_entry_key(args.entry_number, args.line, ctx.txid), ctx.txid)
    ctx.emit("verification_opened", verification=ctx.txid, entry_number=args.entry_number, line=args.line,
             importer=entry["importer"], certifier=certifier)


@contract.action("request", RequestRecords, roles={"customs"})
def request_records(ctx: TxContext, args: RequestRecords) -> None:
    record = _verification(ctx, args.verification)
    ctx.require(record["customs"] == ctx.signer.organization,
                f"only {record['customs']}, which opened the verification, requests its records")
    ctx.require(record["status"] != DETERMINED, "the verification is already determined")
    entry = entries.find_entry(ctx.state.reader, record["entry_number"]) or {"documents": []}
    relevant = {d["commitment"] for d in entry["documents"]} | {a["commitment"] for a in record["answers"]}
    if record["certification"] is not None:
        relevant.add(record["certification"])
    noted = {r["request"] for r in record["requests"]}
    requests = list(record["requests"])
    for request_id in args.requests:
        request = access.find_request(ctx.state.reader, request_id)
        ctx.require(request is not None and request.requester == ctx.signer.organization,
                    f"no access request {request_id} by {ctx.signer.organization}")
        assert request is not None
        ctx.require(request.commitment in relevant,
                    f"request {request_id} is for a document that is not a record of this verification")
        ctx.require(request_id not in noted, f"request {request_id} is already noted")
        requests.append({"request": request_id, "commitment": request.commitment, "owner": request.owner,
                         "doc_type": request.doc_type, "at_ms": ctx.block_time_ms})
    ctx.state.put(verification_key(args.verification), {**record, "requests": requests})
    ctx.emit("records_requested", verification=args.verification,
             owners=sorted({r["owner"] for r in requests}), requests=args.requests)


@contract.action("answer", Answer, roles={"importer", "exporter", "producer"})
def answer(ctx: TxContext, args: Answer) -> None:
    record = _verification(ctx, args.verification)
    ctx.require(record["status"] != DETERMINED, "the verification is already determined; answers are closed")
    who = ctx.signer.organization
    ctx.require(who in (record["importer"], record["certifier"]) or ctx.signer.role == "producer",
                f"the importer ({record['importer']}), the certifier or a producer answers; not {who}")
    document = documents.find_by_commitment(ctx.state.reader, args.commitment)
    ctx.require(document is not None, f"no document with commitment {args.commitment[:12]}… is anchored")
    assert document is not None
    ctx.require(document.owner == who, f"answer with a document you anchored; this one is {document.owner}'s")
    ctx.require(document.doc_type in ANSWER_DOC_TYPES,
                f"an answer is a {' or an '.join(ANSWER_DOC_TYPES)}, not a {document.doc_type}")
    ctx.require(document.ref(VERIFICATION_REF) == args.verification,
                f"anchor the answer with the reference {VERIFICATION_REF}={args.verification}")
    ctx.require(all(a["commitment"] != args.commitment for a in record["answers"]), "this answer is already recorded")
    answers = record["answers"] + [{"by": who, "commitment": args.commitment, "doc_type": document.doc_type,
                                    "at_ms": ctx.block_time_ms, "txid": ctx.txid}]
    ctx.state.put(verification_key(args.verification), {**record, "status": ANSWERED, "answers": answers})
    ctx.emit("verification_answered", verification=args.verification, by=who, commitment=args.commitment)


@contract.action("determine", Determine, roles={"customs"})
def determine(ctx: TxContext, args: Determine) -> None:
    record = _verification(ctx, args.verification)
    ctx.require(record["customs"] == ctx.signer.organization,
                f"only {record['customs']}, which opened the verification, determines it")
    ctx.require(record["status"] != DETERMINED, "the verification is already determined")
    document = documents.find_by_commitment(ctx.state.reader, args.commitment)
    ctx.require(document is not None, f"no document with commitment {args.commitment[:12]}… is anchored")
    assert document is not None
    ctx.require(document.owner == ctx.signer.organization and document.doc_type == DETERMINATION_DOC_TYPE,
                f"the determination is an {DETERMINATION_DOC_TYPE} anchored by {ctx.signer.organization}")
    ctx.require(document.refs == {VERIFICATION_REF: args.verification},
                f"anchor the determination with only the reference {VERIFICATION_REF}={args.verification}, "
                "so that no default rule exposes it")
    readers = audience(record)
    for party in readers:
        ctx.require(access.access_basis(ctx.state.reader, party, args.commitment, [], ctx.block_time_ms) is not None,
                    f"{party} is entitled to the determination but cannot read it; grant it access first")
    others = [name for name in _organizations(ctx.state.reader)
              if name not in readers and name != ctx.signer.organization
              and access.access_basis(ctx.state.reader, name, args.commitment, [], ctx.block_time_ms) is not None]
    ctx.require(not others, f"{', '.join(others)} could read the determination but is not entitled to; "
                            "revoke that grant first")
    ctx.state.put(verification_key(args.verification), {
        **record, "status": DETERMINED, "determination": args.commitment, "audience": readers,
        "determined_ms": ctx.block_time_ms,
    })
    ctx.state.delete(entries.open_verification_key(record["entry_number"], record["line"]))
    ctx.emit("verification_determined", verification=args.verification, entry_number=record["entry_number"],
             line=record["line"], audience=readers)


def _organizations(state: StateReader) -> list[str]:
    return [record["name"] for _key, record in state.scan_state(REGISTRY, "org:")
            if record.get("status") == "active"]


# --- queries for nodes and the CLI ------------------------------------------------------------

def find_verification(state: StateReader, verification_id: str) -> dict[str, Any] | None:
    return state.get_state(NAMESPACE, verification_key(verification_id))


def verifications_of(state: StateReader, entry_number: str) -> list[dict[str, Any]]:
    """Every verification opened on the entry's lines, by line then opening."""
    found = (find_verification(state, verification_id)
             for _key, verification_id in state.scan_state(NAMESPACE, f"of-entry:{entry_number}/"))
    return sorted((v for v in found if v is not None), key=lambda v: (v["line"], v["opened_ms"]))
