"""Origin workflows on a node: certify, verify, answer, determine, read the determination.

    certify               the certifier issues a certification of origin as a verifiable
                          credential, keeps it in its vault and anchors it with its public
                          terms (doc type certification_of_origin);
    open_verification     customs opens a verification of a line claiming preference;
    request_records       customs asks, through the disclosure workflow, for the
                          certification and the entry's supporting documents, and notes
                          the requests on the verification;
    answer_verification   the importer, certifier or producer answers with a bill-of-materials
                          case for the origin engine, granted to customs only;
    determine_origin      customs collects what was disclosed, checks the certification
                          (proof, issuer key, public terms), runs the engine on the case,
                          keeps the determination in its vault, grants it to exactly the
                          importer, the certifier and the agencies concerned, and records it;
    read_determination    one of those parties fetches it; anyone else is refused.

`assess` is the judgement itself, a pure function of what customs holds.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tradeledger.contracts import access, documents, entries, origin
from tradeledger.contracts.preference import (
    CERTIFICATION_DOC_TYPE,
    FLAGGED,
    WAIVED,
    hs6,
)
from tradeledger.credentials import issue_credential, verify_credential
from tradeledger.crypto import canonical_bytes
from tradeledger.domain.origin import OriginCase, OriginCaseError, qualify
from tradeledger.errors import Refused
from tradeledger.ledger.authority import REGISTRY, did_of, key_key
from tradeledger.node.certification import (
    CertificationError,
    CertificationOfOrigin,
    terms_mismatch,
)
from tradeledger.node.embedded import EmbeddedNetwork
from tradeledger.runtime.errors import NetworkError
from tradeledger.runtime.receipts import Receipt
from tradeledger.workflows.disclosure import AccessRefused, disclose
from tradeledger.workflows.documents import anchor_documents

DETERMINATION_FORMAT = "tradeledger-origin-determination/1"
ELIGIBLE, DENIED = "eligible", "denied"


class OriginWorkflowError(NetworkError):
    """An origin workflow step that cannot run as asked; the message says why and what to do."""


# --- certify ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class IssuedCertification:
    credential: dict[str, Any]
    commitment: str
    refs: dict[str, str]
    receipt: Receipt

    def to_dict(self) -> dict[str, Any]:
        return {"credential_id": self.credential["id"], "commitment": self.commitment, "refs": self.refs,
                **self.receipt.to_dict()}


def certify(net: EmbeddedNetwork, certifier: str, certification: CertificationOfOrigin,
            wait: str = "final") -> IssuedCertification:
    """Sign the certification with the certifier organization's key and anchor it."""
    role = net.genesis.organization(certifier).role
    if role != certification.certifier_role:
        raise OriginWorkflowError(f"{certifier} is a {role}, but the certification says its certifier is the "
                                  f"{certification.certifier_role}; certify as the {certification.certifier_role}")
    keys = net.organization_keys(certifier)
    certification = certification if certification.credential_id else certification.with_credential_id()
    credential = issue_credential(certification.to_credential(keys.admin.did), keys.admin,
                                  keys.admin.verification_method)
    refs = certification.terms().to_refs()
    [result] = anchor_documents(net, certifier, [(Path(f"{certification.credential_id}.json"),
                                                  canonical_bytes(credential))],
                                CERTIFICATION_DOC_TYPE, refs, wait=wait)
    if result.receipt.valid is False:
        raise Refused(result.receipt.reason or "the anchoring was refused")
    return IssuedCertification(credential, result.commitment, refs, result.receipt)


# --- customs opens and asks --------------------------------------------------------------------

def verification(net: EmbeddedNetwork, verification_id: str) -> dict[str, Any]:
    record = origin.find_verification(net.reader.store, verification_id)
    if record is None:
        raise OriginWorkflowError(f"no verification of origin {verification_id} is on the ledger")
    return record


def open_verification(net: EmbeddedNetwork, customs: str, entry_number: str, line: int, reason: str) -> str:
    receipt = net.submit_checked(customs, origin.NAMESPACE, "open",
                                 {"entry_number": entry_number, "line": line, "reason": reason})
    return receipt.txid


@dataclass(frozen=True)
class RecordRequest:
    request_id: str
    commitment: str
    doc_type: str
    owner: str
    status: str  # approved (a rule or grant covers it) or pending (the owner decides)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def request_records(net: EmbeddedNetwork, verification_id: str) -> list[RecordRequest]:
    """Customs asks for the certification and the entry's supporting documents it cannot
    yet read, and notes the requests on the verification."""
    record = verification(net, verification_id)
    if record["status"] == origin.DETERMINED:
        raise OriginWorkflowError(f"verification {verification_id} is already determined")
    customs = record["customs"]
    state = net.peer(customs).store
    entry = entries.find_entry(state, record["entry_number"]) or {"documents": []}
    wanted = [record["certification"]] if record["certification"] else []
    wanted += [d["commitment"] for d in entry["documents"] if d["commitment"] not in wanted]
    already = {r["commitment"] for r in record["requests"]}
    purpose = f"verification of origin {verification_id} (entry {record['entry_number']} line {record['line']})"
    made = []
    for commitment in wanted:
        anchored = documents.find_by_commitment(state, commitment)
        if commitment in already or anchored is None or anchored.owner == customs:
            continue
        receipt = net.submit_checked(customs, access.NAMESPACE, "request",
                                     {"commitment": commitment, "purpose": purpose})
        request = access.find_request(net.peer(customs).store, receipt.txid)
        made.append(RecordRequest(receipt.txid, commitment, anchored.doc_type, anchored.owner,
                                  request.status if request else "unknown"))
    if made:
        net.submit_checked(customs, origin.NAMESPACE, "request",
                           {"verification": verification_id, "requests": [r.request_id for r in made]})
    return made


def pending_requests(net: EmbeddedNetwork, owner: str, verification_id: str) -> list[str]:
    """The verification's requests still waiting for `owner` to decide."""
    state = net.peer(owner).store
    return [r["request"] for r in verification(net, verification_id)["requests"]
            if r["owner"] == owner and (found := access.find_request(state, r["request"])) and found.pending]


# --- the producer answers ------------------------------------------------------------------------

def answer_verification(net: EmbeddedNetwork, organization: str, verification_id: str,
                        case: dict[str, Any]) -> str:
    """Answer with a bill-of-materials case: kept in the answerer's vault, anchored with a
    reference to the verification only, granted to customs and to no one else."""
    try:
        OriginCase.from_dict(case)
    except OriginCaseError as exc:
        raise OriginWorkflowError(f"the bill of materials is not a case the origin engine can evaluate: {exc}") \
            from None
    record = verification(net, verification_id)
    # The contract's rules, checked first so that a refused answer leaves nothing anchored.
    if record["status"] == origin.DETERMINED:
        raise OriginWorkflowError(f"verification {verification_id} is already determined; answers are closed")
    if organization not in (record["importer"], record["certifier"]) \
            and net.genesis.organization(organization).role != "producer":
        raise OriginWorkflowError(f"the importer ({record['importer']}), the certifier or a producer answers; "
                                  f"not {organization}")
    [anchored] = anchor_documents(net, organization, [(Path("bill_of_materials.json"), canonical_bytes(case))],
                                  "bill_of_materials", {origin.VERIFICATION_REF: verification_id})
    if anchored.receipt.valid is False:
        raise Refused(anchored.receipt.reason or "the anchoring was refused")
    net.submit_checked(organization, access.NAMESPACE, "grant", {
        "grantee": record["customs"], "commitment": anchored.commitment,
        "purpose": f"verification of origin {verification_id}: bill of materials for customs only"})
    net.submit_checked(organization, origin.NAMESPACE, "answer",
                       {"verification": verification_id, "commitment": anchored.commitment})
    return anchored.commitment


# --- customs determines ------------------------------------------------------------------------

@dataclass(frozen=True)
class CertificationCheck:
    """What customs found when it checked the certification a claim rests on."""

    commitment: str
    disclosed: bool
    problems: tuple[str, ...] = ()
    credential_id: str | None = None
    criteria: tuple[str, ...] = ()  # the origin criteria (or rules) certified for the line's goods

    @property
    def verified(self) -> bool:
        return self.disclosed and not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"commitment": self.commitment, "disclosed": self.disclosed, "verified": self.verified,
                "problems": list(self.problems), "credential_id": self.credential_id,
                "criteria": list(self.criteria)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CertificationCheck:
        return cls(data["commitment"], data["disclosed"], tuple(data["problems"]), data["credential_id"],
                   tuple(data["criteria"]))


@dataclass(frozen=True)
class Determination:
    """Customs' determination of one claim; kept in customs' vault, never on the ledger."""

    verification: str
    entry_number: str
    line: int
    hts: str
    agreement: str
    spi: str
    importer: str
    certifier: str | None
    outcome: str  # eligible or denied
    reasons: tuple[str, ...]
    certification: CertificationCheck | None
    origin_result: dict[str, Any] | None  # the engine's result, as its JSON
    decided_by: str

    @property
    def eligible(self) -> bool:
        return self.outcome == ELIGIBLE

    def overruled(self, outcome: str, reason: str) -> Determination:
        """The officer's own outcome and reason, first among the reasons."""
        if outcome not in (ELIGIBLE, DENIED):
            raise OriginWorkflowError(f"an outcome is {ELIGIBLE} or {DENIED}, not {outcome!r}")
        if len(reason.strip()) < 3:
            raise OriginWorkflowError("give the officer's reason for the outcome")
        return dataclasses.replace(self, outcome=outcome, reasons=(f"Officer: {reason}",) + self.reasons)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": DETERMINATION_FORMAT, "verification": self.verification, "entry_number": self.entry_number,
            "line": self.line, "hts": self.hts, "agreement": self.agreement, "spi": self.spi,
            "importer": self.importer, "certifier": self.certifier, "outcome": self.outcome,
            "reasons": list(self.reasons),
            "certification": None if self.certification is None else self.certification.to_dict(),
            "origin_result": self.origin_result, "decided_by": self.decided_by,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Determination:
        try:
            if data["format"] != DETERMINATION_FORMAT:
                raise ValueError
            check = data["certification"]
            return cls(data["verification"], data["entry_number"], data["line"], data["hts"], data["agreement"],
                       data["spi"], data["importer"], data["certifier"], data["outcome"], tuple(data["reasons"]),
                       None if check is None else CertificationCheck.from_dict(check), data["origin_result"],
                       data["decided_by"])
        except (KeyError, TypeError, ValueError):
            raise OriginWorkflowError(f"not a {DETERMINATION_FORMAT} document") from None


def check_certification(net: EmbeddedNetwork, customs: str, record: dict[str, Any], line: dict[str, Any],
                        credential_bytes: bytes | None, pending: str = "") -> CertificationCheck:
    """Verify a disclosed certification: its proof, that its issuer key is registered to
    the organization that anchored it, that it says what its public terms say, and that it
    certifies the line's goods."""
    commitment = record["certification"]
    if credential_bytes is None:
        return CertificationCheck(commitment, False, (
            f"the certification was not disclosed to customs{': ' + pending if pending else ''}",))
    try:
        credential = json.loads(credential_bytes)
    except ValueError:
        return CertificationCheck(commitment, True, ("the certification is not JSON",))
    problems = [f"the credential does not verify: {p.message}" for p in verify_credential(credential).errors]
    state = net.peer(customs).store
    anchored = documents.find_by_commitment(state, commitment)
    anchored_owner, anchored_refs = (anchored.owner, anchored.refs) if anchored else (None, {})
    issuer = credential.get("issuer", {}).get("id") if isinstance(credential.get("issuer"), dict) else None
    key = state.get_state(REGISTRY, key_key(did_of(issuer))) if isinstance(issuer, str) else None
    if key is None or key["organization"] != anchored_owner:
        problems.append(f"the credential's issuer {issuer} is not a key of {anchored_owner}, which anchored it")
    criteria: tuple[str, ...] = ()
    try:
        certification = CertificationOfOrigin.from_credential(credential)
    except CertificationError as exc:
        problems.append(f"the certification is incomplete: {exc}")
        return CertificationCheck(commitment, True, tuple(problems), credential.get("id"))
    problems.extend(terms_mismatch(certification, anchored_refs))
    goods = [g for g in certification.goods if g.hs[:6] == hs6(line["hts"])]
    if not goods:
        problems.append(f"the certification describes no good of HS {hs6(line['hts'])}")
    criteria = tuple(sorted({g.criterion or g.rule or "" for g in goods}))
    if any(g.country_of_origin != line["origin"] for g in goods):
        problems.append(f"the certification gives another country of origin than the entry's {line['origin']}")
    return CertificationCheck(commitment, True, tuple(problems), certification.credential_id, criteria)


def assess(record: dict[str, Any], line: dict[str, Any], certification: CertificationCheck | None,
           cases: Sequence[dict[str, Any]], decided_by: str) -> Determination:
    """Customs' judgement of a claim from what it holds: the ledger's judgement of the claim,
    the certification check, and the producer's bill-of-materials case (the last answered)."""
    problems: list[str] = []
    claim = line.get("claim") or {}
    if claim.get("status") == FLAGGED:
        problems.extend(claim["reasons"])
    if claim.get("status") != WAIVED and certification is not None:
        problems.extend(certification.problems)
    result = None
    engine_reasons: list[str] = []
    if not cases:
        problems.append("no bill of materials or other records were provided to establish origin")
    else:
        try:
            case = OriginCase.from_dict(cases[-1])
        except OriginCaseError as exc:
            problems.append(f"the bill of materials cannot be evaluated: {exc}")
            case = None
        if case is not None:
            if case.agreement != record["agreement"]:
                problems.append(f"the bill of materials is a {case.agreement} case, but the claim is "
                                f"{record['agreement']}")
            if case.good.hs.digits[:6] != hs6(line["hts"]):
                problems.append(f"the bill of materials is for HS {case.good.hs}, not the line's {line['hts']}")
            outcome = qualify(case)
            result = outcome.to_dict()
            engine_reasons = list(outcome.reasons)
            if not outcome.qualifies:
                problems.append("the rules-of-origin engine finds that the good does not qualify")
            elif certification is not None and certification.criteria and outcome.criterion \
                    and outcome.criterion not in certification.criteria and record["agreement"] == "USMCA":
                engine_reasons.append(f"Note: certified under criterion {', '.join(certification.criteria)}; "
                                      f"the engine finds criterion {outcome.criterion}.")
    if problems:
        outcome_text, reasons = DENIED, [f"Denied: {p}" for p in problems] + engine_reasons
    else:
        outcome_text = ELIGIBLE
        reasons = [f"Eligible: the {record['agreement']} claim (SPI {record['spi']}) on line {record['line']} "
                   "stands"
                   + ("; the certification verifies and covers the goods" if certification is not None else "")
                   + "."] + engine_reasons
    return Determination(record["id"], record["entry_number"], record["line"], line["hts"], record["agreement"],
                         record["spi"], record["importer"], record["certifier"], outcome_text, tuple(reasons),
                         certification, result, decided_by)


def _disclosed(net: EmbeddedNetwork, organization: str, commitment: str, request_ids: Sequence[str],
               purpose: str) -> tuple[bytes | None, str]:
    """The document's bytes in `organization`'s vault, disclosing it first when an approved
    request allows; else None and what is pending."""
    vault = net.vault(organization)
    for received in vault.received():
        if received.commitment == commitment and received.document_sha256:
            return vault.get_document(received.document_sha256), ""
    state = net.peer(organization).store
    ids = [r for r in request_ids if (found := access.find_request(state, r)) and found.commitment == commitment]
    if not ids:
        ids = [net.submit_checked(organization, access.NAMESPACE, "request",
                                  {"commitment": commitment, "purpose": purpose}).txid]
    for request_id in ids:
        request = access.find_request(net.peer(organization).store, request_id)
        if request and request.approved:
            received = disclose(net, request_id, organization)
            if received.document_sha256:
                return vault.get_document(received.document_sha256), ""
    states = ", ".join(f"request {r[:12]}… is {found.status if (found := access.find_request(state, r)) else 'unknown'}"
                       for r in ids)
    return None, states


def determine_origin(net: EmbeddedNetwork, verification_id: str, outcome: str | None = None,
                     reason: str | None = None) -> tuple[Determination, str]:
    """Collect the disclosed records, assess, keep the determination in customs' vault,
    grant it to exactly its audience and record it. The determination and its commitment."""
    record = verification(net, verification_id)
    if record["status"] == origin.DETERMINED:
        raise OriginWorkflowError(f"verification {verification_id} is already determined")
    customs = record["customs"]
    state = net.peer(customs).store
    entry = entries.find_entry(state, record["entry_number"])
    line = entries.find_line(entry, record["line"]) if entry else None
    if line is None:
        raise OriginWorkflowError(f"entry {record['entry_number']} has no line {record['line']}")
    purpose = f"verification of origin {verification_id}"
    request_ids = [r["request"] for r in record["requests"]]
    check = None
    if record["certification"] is not None:
        credential, pending = _disclosed(net, customs, record["certification"], request_ids, purpose)
        check = check_certification(net, customs, record, line, credential, pending)
    cases = []
    for answer in record["answers"]:
        content, _pending = _disclosed(net, customs, answer["commitment"], request_ids, purpose)
        if content is not None and answer["doc_type"] == "bill_of_materials":
            try:
                cases.append(json.loads(content))
            except ValueError:
                cases.append({"unreadable": "the answered bill of materials is not JSON"})
    determination = assess(record, line, check, cases, customs)
    if outcome is not None:
        determination = determination.overruled(outcome, reason or "")
    commitment = record_determination(net, determination)
    return determination, commitment


def record_determination(net: EmbeddedNetwork, determination: Determination) -> str:
    record = verification(net, determination.verification)
    customs = record["customs"]
    [anchored] = anchor_documents(
        net, customs, [(Path("determination.json"), canonical_bytes(determination.to_dict()))],
        origin.DETERMINATION_DOC_TYPE, {origin.VERIFICATION_REF: determination.verification})
    if anchored.receipt.valid is False:
        raise Refused(anchored.receipt.reason or "the anchoring was refused")
    grants = [net.sign(customs, access.NAMESPACE, "grant", {
        "grantee": party, "commitment": anchored.commitment,
        "purpose": f"determination of verification of origin {determination.verification}"})
        for party in origin.audience(record)]
    receipts = net.submit(grants, wait="final", viewer=customs) if grants else []
    refused = [r.reason for r in receipts if r.valid is False]
    if refused:
        raise Refused(refused[0])
    net.submit_checked(customs, origin.NAMESPACE, "determine",
                       {"verification": determination.verification, "commitment": anchored.commitment})
    return anchored.commitment


# --- the parties read it -------------------------------------------------------------------------

def read_determination(net: EmbeddedNetwork, organization: str, verification_id: str) -> Determination:
    """Fetch the determination from customs' vault; refused (AccessRefused) for anyone
    the policy does not entitle."""
    record = verification(net, verification_id)
    if record["determination"] is None:
        raise OriginWorkflowError(f"verification {verification_id} is {record['status']}; not yet determined")
    commitment = record["determination"]
    vault = net.vault(organization)
    if organization != record["customs"]:
        receipt = net.submit_checked(organization, access.NAMESPACE, "request", {
            "commitment": commitment, "purpose": f"read the determination of verification {verification_id}"})
        request = access.find_request(net.peer(organization).store, receipt.txid)
        if request is None or not request.approved:
            raise AccessRefused(f"{organization} is not entitled to the determination of verification "
                               f"{verification_id}; its request is {request.status if request else 'unknown'}")
        received = disclose(net, receipt.txid, organization)
        content = vault.get_document(received.document_sha256 or "")
    else:
        kept = vault.commitment(commitment)
        if kept is None:
            raise OriginWorkflowError(f"{organization}'s vault does not hold determination {commitment[:12]}…")
        content = vault.get_document(kept.document_sha256)
    return Determination.from_dict(json.loads(content))
