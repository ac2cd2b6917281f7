"""Origin workflows over a `Node`: certify, verify, answer, determine, read the determination.

    certify               the certifier issues a certification of origin as a verifiable
                          credential, keeps it in its vault and anchors it with its public
                          terms (doc type certification_of_origin);
    open_verification     customs opens a verification of a line claiming preference, with
                          the importer, the certifier, the agencies the line is flagged to
                          and the exporters or producers it asks as parties, and states the
                          line's claim in the verification's private collection;
    request_records       customs asks the parties, through the disclosure workflow, for the
                          certification and the entry's supporting documents, and notes the
                          requests in the collection;
    answer_verification   a party answers with a bill-of-materials case for the origin
                          engine, granted to customs only;
    determine_origin      customs collects what was disclosed, checks the certification
                          (proof and issuer key against the registry, public terms), runs
                          the judgement (`domain.origin.determination.assess`), and records
                          the determination in the collection: its parties hold it;
    read_determination    a party reads it from its own peer; anyone else is told the
                          verification is private to its parties (`NotAParty`).

This module only orchestrates: every judgement is in `tradeledger.domain.origin`, every
rule of the ledger in `tradeledger.contracts.origin`. A step that cannot run as asked
raises `Refused` before it submits anything.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tradeledger.contracts import access, documents, entries, origin
from tradeledger.contracts.origin import Verification, VerificationCase
from tradeledger.credentials import issue_credential
from tradeledger.crypto import canonical_bytes
from tradeledger.domain.origin import OriginCase, OriginCaseError
from tradeledger.domain.origin.certification import CertificationOfOrigin
from tradeledger.domain.origin.claims import FTA_SPIS, ClaimOutcome
from tradeledger.domain.origin.determination import (
    CertificationCheck,
    Determination,
    VerifiedClaim,
    assess,
    check_certification,
    check_overrule,
)
from tradeledger.domain.origin.terms import CERTIFICATION_DOC_TYPE
from tradeledger.errors import Refused
from tradeledger.identity.registry import organizations
from tradeledger.identity.verification import check_with_ledger
from tradeledger.ledger.collections import PrivateInput
from tradeledger.runtime.node import Node
from tradeledger.runtime.receipts import Receipt, WaitLevel
from tradeledger.workflows import disclosure
from tradeledger.workflows.disclosure import AccessRefused, disclose
from tradeledger.workflows.documents import AnchorResult, anchor_documents

BILL_OF_MATERIALS = "bill_of_materials"


def _anchor_one(node: Node, organization: str, name: str, content: bytes, doc_type: str, refs: dict[str, str],
                wait: WaitLevel = "final", share_with: Sequence[str] = ()) -> AnchorResult:
    """Anchor one document, refused (nothing kept) when the ledger would not accept it."""
    [result] = anchor_documents(node, organization, [(Path(name), content)], doc_type, refs, wait=wait,
                                share_with=share_with)
    if result.receipt.valid is False:
        raise Refused(result.receipt.reason or "the anchoring was refused")
    return result


def _disclose(node: Node, request_id: str, requester: str) -> bytes | None:
    """Fetch an approved request's document into the requester's vault; its bytes."""
    received = disclose(node, request_id, requester)
    return node.vault(requester).get_document(received.document_sha256) if received.document_sha256 else None


# --- certify ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class IssuedCertification:
    """A signed certification of origin, kept in its certifier's vault and anchored."""

    credential: dict[str, Any]
    commitment: str
    refs: dict[str, str]
    receipt: Receipt

    def to_dict(self) -> dict[str, Any]:
        return {"credential_id": self.credential["id"], "commitment": self.commitment, "refs": self.refs,
                **self.receipt.to_dict()}


def certify(node: Node, certifier: str, certification: CertificationOfOrigin, importer: str | None = None,
            wait: WaitLevel = "final") -> IssuedCertification:
    """Sign the certification with the certifier organization's key and anchor it; its
    terms (the anchor's private references) go to `importer` and every customs authority."""
    role = node.genesis.organization(certifier).role
    if role != certification.certifier_role:
        raise Refused(f"{certifier} is a {role}, but the certification says its certifier is the "
                      f"{certification.certifier_role}; certify as the {certification.certifier_role}")
    keys = node.organization_keys(certifier)
    certification = certification if certification.credential_id else certification.with_credential_id()
    credential = issue_credential(certification.to_credential(keys.admin.did), keys.admin,
                                  keys.admin.verification_method)
    refs = certification.terms().to_refs()
    customs = [o.name for o in organizations(node.state(certifier)) if o.role == "customs" and o.active]
    share = sorted({*customs, *([importer] if importer else [])} - {certifier})
    anchored = _anchor_one(node, certifier, f"{certification.credential_id}.json", canonical_bytes(credential),
                           CERTIFICATION_DOC_TYPE, refs, wait=wait, share_with=share)
    return IssuedCertification(credential, anchored.commitment, refs, anchored.receipt)


# --- the ledger's judgement of a filed claim ---------------------------------------------------

def filed_claim(node: Node, viewer: str, entry_number: str, line: int) -> ClaimOutcome | None:
    """How the ledger judged the line's claim when it was filed (None: the line claims no SPI)."""
    entry = entries.find_entry(node.state(viewer), entry_number)
    found = entry.line(line) if entry else None
    if found is None:
        raise Refused(f"entry {entry_number} has no line {line} on the ledger")
    return found.claim


# --- customs opens and asks --------------------------------------------------------------------

class NotAParty(AccessRefused):
    """The organization is not a party to the verification: its case is private to them."""


def verification(node: Node, viewer: str, verification_id: str) -> Verification:
    """The public record of the verification, as `viewer`'s peer holds it."""
    found = origin.find_verification(node.state(viewer), verification_id)
    if found is None:
        raise Refused(f"no verification of origin {verification_id} is on the ledger")
    return found


def verification_case(node: Node, viewer: str, verification_id: str) -> VerificationCase:
    """The verification's case at `viewer`'s peer; `NotAParty` for anyone not a member."""
    record = verification(node, viewer, verification_id)
    found = origin.find_case(node.state(viewer), verification_id)
    if found is None:
        raise NotAParty(f"verification {verification_id} is private to its parties "
                        f"({', '.join(record.members)}); {viewer} is not one of them")
    return found


def _customs_record(node: Node, customs: str, verification_id: str) -> tuple[Verification, VerificationCase]:
    record = verification(node, customs, verification_id)
    if record.customs != customs:
        raise Refused(f"only {record.customs}, which opened verification {verification_id}, acts on it")
    if record.status == origin.DETERMINED:
        raise Refused(f"verification {verification_id} is already determined")
    return record, verification_case(node, customs, verification_id)


def open_verification(node: Node, customs: str, entry_number: str, line: int, reason: str,
                      parties: Sequence[str] = ()) -> str:
    """Open a verification of the line's claim with the certifier, the agencies the line is
    flagged to and `parties` (the exporters or producers asked) as its parties; its id.

    Customs states the line's claim in the private payload: the verification's parties
    are not all members of the entry's collection, so none of them could read it there."""
    state = node.state(customs)
    entry = entries.find_entry(state, entry_number)
    if entry is None:
        raise Refused(f"no entry {entry_number} is filed, or {customs} is not a party to it")
    if entry.filed_with != customs:
        raise Refused(f"only {entry.filed_with}, the customs authority the entry was filed with, verifies it")
    found = entry.line(line)
    if found is None:
        raise Refused(f"entry {entry_number} has no line {line}")
    if found.spi not in FTA_SPIS:
        raise Refused(f"line {line} claims no USMCA or CAFTA-DR preference (SPI S, S+, P or P+); nothing to verify")
    named = set(parties) | set(found.flags)
    if found.certification is not None:
        anchored = documents.find_by_commitment(state, found.certification)
        if anchored is not None:
            named.add(anchored.owner)
    named -= {customs, entry.importer}
    verification_id = origin.next_verification_id(state, entry_number, line)
    claim = {"reason": reason, "spi": found.spi, "hts": found.hts, "origin": found.origin,
             "certification": found.certification, "agencies": sorted(found.flags)}
    node.submit_checked(customs, origin.NAMESPACE, "open",
                        {"entry_number": entry_number, "line": line, "parties": sorted(named)},
                        private=[PrivateInput(origin.CASE_PART, origin.verification_collection(verification_id),
                                              claim)])
    return verification_id


@dataclass(frozen=True)
class RecordRequest:
    """An access request customs made for one of the verification's records."""

    request_id: str
    commitment: str
    doc_type: str
    owner: str
    status: str  # approved (a rule or grant covers it) or pending (the owner decides)

    def to_dict(self) -> dict[str, Any]:
        return {"request_id": self.request_id, "commitment": self.commitment, "doc_type": self.doc_type,
                "owner": self.owner, "status": self.status}


def _request_status(node: Node, viewer: str, request_id: str) -> str:
    request = access.find_request(node.state(viewer), request_id)
    return request.status if request else "unknown"


def request_records(node: Node, customs: str, verification_id: str) -> list[RecordRequest]:
    """Customs asks the parties for the certification and the entry's supporting documents
    it cannot yet read, and notes the requests in the verification's collection. A record
    of an organization that is not a party is not asked for here."""
    record, case = _customs_record(node, customs, verification_id)
    state = node.state(customs)
    entry = entries.find_entry(state, record.entry_number)
    wanted = [case.certification] if case.certification else []
    wanted += [d.commitment for d in (entry.documents if entry else ()) if d.commitment not in wanted]
    already = {r.commitment for r in case.requests}
    purpose = f"verification of origin {verification_id} (entry {record.entry_number} line {record.line})"
    made = []
    for commitment in wanted:
        anchored = documents.find_by_commitment(state, commitment)
        if (commitment in already or anchored is None or anchored.owner == customs
                or anchored.owner not in record.members):
            continue
        asked = disclosure.request(node, customs, commitment, purpose)
        made.append(RecordRequest(asked.request_id, commitment, anchored.doc_type, anchored.owner,
                                  _request_status(node, customs, asked.request_id)))
    if made:
        noted = [{"request": r.request_id, "commitment": r.commitment} for r in made]
        node.submit_checked(customs, origin.NAMESPACE, "request", {"verification": verification_id},
                            private=[PrivateInput(origin.REQUESTS_PART, record.collection, {"requests": noted})])
    return made


def pending_requests(node: Node, owner: str, verification_id: str) -> list[str]:
    """The verification's requests still waiting for `owner` to decide."""
    return [r.request for r in verification_case(node, owner, verification_id).requests
            if r.owner == owner and _request_status(node, owner, r.request) == "pending"]


# --- a party answers -----------------------------------------------------------------------------

def answer_verification(node: Node, organization: str, verification_id: str, case: Mapping[str, Any]) -> str:
    """Answer with a bill-of-materials case: kept in the answerer's vault, anchored with a
    reference to the verification only, granted to customs and to no one else."""
    try:
        OriginCase.from_dict(case)
    except OriginCaseError as exc:
        raise Refused(f"the bill of materials is not a case the origin engine can evaluate: {exc}") from None
    record = verification(node, organization, verification_id)
    # The contract's rules, checked first so that a refused answer leaves nothing anchored.
    if record.status == origin.DETERMINED:
        raise Refused(f"verification {verification_id} is already determined; answers are closed")
    if not origin.may_answer(record, organization):
        raise NotAParty(f"verification {verification_id} is private to its parties ({', '.join(record.members)}); "
                        f"{organization} is not one that answers it")
    anchored = _anchor_one(node, organization, "bill_of_materials.json", canonical_bytes(dict(case)),
                           BILL_OF_MATERIALS, {origin.VERIFICATION_REF: verification_id})
    disclosure.grant(node, organization, record.customs,
                     f"verification of origin {verification_id}: bill of materials for customs only",
                     commitment=anchored.commitment)
    node.submit_checked(organization, origin.NAMESPACE, "answer", {"verification": verification_id},
                        private=[PrivateInput(origin.ANSWER_PART, record.collection,
                                              {"commitment": anchored.commitment})])
    return anchored.commitment


# --- customs determines ------------------------------------------------------------------------

def _check_certification(node: Node, customs: str, case: VerificationCase, line: entries.LineRecord,
                         credential_bytes: bytes | None, pending: str = "") -> CertificationCheck:
    """Check a disclosed certification: its proof and issuer key against the registry as
    customs' peer holds it, then the rest by `domain.origin.determination`."""
    commitment = case.certification or ""
    if credential_bytes is None:
        return CertificationCheck.undisclosed(commitment, pending)
    try:
        credential = json.loads(credential_bytes)
    except ValueError:
        return CertificationCheck(commitment, True, ("the certification is not JSON",))
    if not isinstance(credential, dict):
        return CertificationCheck(commitment, True, ("the certification is not a JSON object",))
    state = node.state(customs)
    anchored = documents.find_by_commitment(state, commitment)
    checked = check_with_ledger(credential, state)
    return check_certification(commitment, credential, anchored_by=anchored.owner if anchored else None,
                               anchored_refs=documents.all_references(state, anchored) if anchored else {},
                               proof_problems=[p.message for p in checked.errors],
                               issuer_organization=checked.issuer_organization, hts=line.hts, origin=line.origin)


def _disclosed(node: Node, organization: str, commitment: str, request_ids: Sequence[str],
               purpose: str) -> tuple[bytes | None, str]:
    """The document's bytes in `organization`'s vault, disclosing it first when an approved
    request allows; else None and what is pending."""
    vault = node.vault(organization)
    for received in vault.received():
        if received.commitment == commitment and received.document_sha256:
            return vault.get_document(received.document_sha256), ""
    state = node.state(organization)
    ids = [r for r in request_ids
           if (found := access.find_request(state, r)) is not None and found.commitment == commitment]
    if not ids:
        ids = [disclosure.request(node, organization, commitment, purpose).request_id]
    for request_id in ids:
        if _request_status(node, organization, request_id) == "approved":
            content = _disclose(node, request_id, organization)
            if content is not None:
                return content, ""
    states = ", ".join(f"request {r[:12]}… is {_request_status(node, organization, r)}" for r in ids)
    return None, states


@dataclass(frozen=True)
class RecordedDetermination:
    """A determination recorded in the verification's collection: its parties hold it."""

    determination: Determination
    receipt: Receipt

    def to_dict(self) -> dict[str, Any]:
        return {"determination": self.determination.to_dict(), **self.receipt.to_dict()}


def determine_origin(node: Node, customs: str, verification_id: str, outcome: str | None = None,
                     reason: str | None = None) -> RecordedDetermination:
    """Collect the disclosed records, assess, and record the determination (the officer may
    overrule it with a reason) in the verification's collection."""
    if outcome is not None:  # judged before any request or delivery is recorded
        check_overrule(outcome, reason)
    record, case = _customs_record(node, customs, verification_id)
    entry = entries.find_entry(node.state(customs), record.entry_number)
    line = entry.line(record.line) if entry else None
    if line is None:
        raise Refused(f"entry {record.entry_number} has no line {record.line}")
    purpose = f"verification of origin {verification_id}"
    request_ids = [r.request for r in case.requests]
    check = None
    if case.certification is not None:
        credential, pending = _disclosed(node, customs, case.certification, request_ids, purpose)
        check = _check_certification(node, customs, case, line, credential, pending)
    cases: list[Mapping[str, Any]] = []
    for answer in case.answers:
        content, _pending = _disclosed(node, customs, answer.commitment, request_ids, purpose)
        if content is not None and answer.doc_type == BILL_OF_MATERIALS:
            try:
                cases.append(json.loads(content))
            except ValueError:
                cases.append({"unreadable": "the answered bill of materials is not JSON"})
    claim = VerifiedClaim(record.id, record.entry_number, record.line, case.hts, case.origin, case.agreement,
                          case.spi, record.importer, case.certifier, line.claim)
    determination = assess(claim, check, cases, customs)
    if outcome is not None:
        determination = determination.overruled(outcome, reason or "")
    return RecordedDetermination(determination, record_determination(node, record, determination))


def record_determination(node: Node, record: Verification, determination: Determination) -> Receipt:
    """Record the determination in the verification's collection: its parties (the
    importer, the certifier, the exporters or producers asked, the agencies concerned)
    hold it; no one else holds a byte of it."""
    return node.submit_checked(record.customs, origin.NAMESPACE, "determine",
                               {"verification": determination.verification},
                               private=[PrivateInput(origin.DETERMINATION_PART, record.collection,
                                                     {"determination": determination.to_dict()})])


# --- the parties read it -------------------------------------------------------------------------

def read_determination(node: Node, organization: str, verification_id: str) -> Determination:
    """The determination from the organization's own peer; `NotAParty` (an AccessRefused)
    for anyone who is not a party to the verification."""
    case = verification_case(node, organization, verification_id)
    if case.determination is None:
        status = verification(node, organization, verification_id).status
        raise Refused(f"verification {verification_id} is {status}; not yet determined")
    return case.determination
