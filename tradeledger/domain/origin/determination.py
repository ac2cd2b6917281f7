"""Customs' determination of a preference claim under verification: the judgement itself.

Once a verification has gathered what it can, customs holds three things: the ledger's
judgement of the claim when the line was filed (`domain.origin.claims`), its own check of
the disclosed certification (`check_certification`: proof and issuer as the ledger's
registry found them, the public terms against the signed ones, the goods against the
line), and the bills of materials the producer or the certifier answered with. `assess`
turns them into a `Determination`: eligible, or denied with every reason, beside the
rules-of-origin engine's result.

Pure: no state, no vault, no clock; the workflow (`tradeledger.workflows.origin`) gathers
the inputs, keeps the determination in customs' vault and records that it exists.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tradeledger.domain.origin.case import OriginCase
from tradeledger.domain.origin.certification import CertificationError, CertificationOfOrigin, terms_mismatch
from tradeledger.domain.origin.claims import FLAGGED, WAIVED, ClaimOutcome, hs6
from tradeledger.domain.origin.engine import qualify
from tradeledger.domain.origin.errors import OriginCaseError, OriginRecordError
from tradeledger.domain.origin.terms import USMCA
from tradeledger.errors import Refused

DETERMINATION_FORMAT = "tradeledger-origin-determination/1"
ELIGIBLE, DENIED = "eligible", "denied"
OUTCOMES = (ELIGIBLE, DENIED)


@dataclass(frozen=True)
class VerifiedClaim:
    """The claim under verification: one entry line's SPI claim, as the verification opened it."""

    verification: str
    entry_number: str
    line: int
    hts: str
    origin: str  # the line's country of origin
    agreement: str
    spi: str
    importer: str
    certifier: str | None
    filed_claim: ClaimOutcome | None  # the ledger's judgement when the line was filed


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

    @classmethod
    def undisclosed(cls, commitment: str, pending: str = "") -> CertificationCheck:
        """The certification customs could not read; `pending` says which requests wait."""
        return cls(commitment, False, (
            f"the certification was not disclosed to customs{': ' + pending if pending else ''}",))

    def to_dict(self) -> dict[str, Any]:
        return {"commitment": self.commitment, "disclosed": self.disclosed, "verified": self.verified,
                "problems": list(self.problems), "credential_id": self.credential_id,
                "criteria": list(self.criteria)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CertificationCheck:
        try:
            return cls(data["commitment"], data["disclosed"], tuple(data["problems"]), data["credential_id"],
                       tuple(data["criteria"]))
        except (KeyError, TypeError):
            raise OriginRecordError("not a certification check: commitment, disclosed, problems, "
                                    "credential_id, criteria") from None


def check_certification(commitment: str, credential: Any, *, anchored_by: str | None,
                        anchored_refs: Mapping[str, str], proof_problems: Sequence[str],
                        issuer_organization: str | None, hts: str, origin: str) -> CertificationCheck:
    """Check a disclosed certification (the credential's JSON) for the line (`hts`, `origin`).

    `proof_problems` and `issuer_organization` are what verifying the credential against
    the ledger's registry found; `anchored_by` and `anchored_refs` are the anchoring's owner
    and public terms. The certification must be signed by a key of the organization that
    anchored it, say what its public terms say, and certify the line's goods."""
    problems = [f"the credential does not verify: {p}" for p in proof_problems]
    issuer = credential.get("issuer") if isinstance(credential, Mapping) else None
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else None
    # An anchoring certifier must not pass off a credential someone else signed as its own.
    if not isinstance(issuer_id, str) or issuer_organization is None or issuer_organization != anchored_by:
        problems.append(f"the credential's issuer {issuer_id} is not a key of {anchored_by}, which anchored it")
    try:
        certification = CertificationOfOrigin.from_credential(credential)
    except CertificationError as exc:
        problems.append(f"the certification is incomplete: {exc}")
        credential_id = credential.get("id") if isinstance(credential, Mapping) else None
        return CertificationCheck(commitment, True, tuple(problems), credential_id)
    problems.extend(terms_mismatch(certification, anchored_refs))
    goods = [g for g in certification.goods if g.hs[:6] == hs6(hts)]
    if not goods:
        problems.append(f"the certification describes no good of HS {hs6(hts)}")
    criteria = tuple(sorted({g.criterion or g.rule or "" for g in goods}))
    if any(g.country_of_origin != origin for g in goods):
        problems.append(f"the certification gives another country of origin than the entry's {origin}")
    return CertificationCheck(commitment, True, tuple(problems), certification.credential_id, criteria)


def check_overrule(outcome: str, reason: str | None) -> None:
    """Refuse an officer's outcome that is not one, or that gives no reason."""
    if outcome not in OUTCOMES:
        raise Refused(f"an outcome is {ELIGIBLE} or {DENIED}, not {outcome!r}")
    if len((reason or "").strip()) < 3:
        raise Refused("give the officer's reason for the outcome")


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
    origin_result: dict[str, Any] | None  # the engine's result, in the result exchange format
    decided_by: str

    @property
    def eligible(self) -> bool:
        return self.outcome == ELIGIBLE

    def overruled(self, outcome: str, reason: str) -> Determination:
        """The officer's own outcome and reason, first among the reasons."""
        check_overrule(outcome, reason)
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
            raise OriginRecordError(f"not a {DETERMINATION_FORMAT} document") from None


def assess(claim: VerifiedClaim, certification: CertificationCheck | None, cases: Sequence[Mapping[str, Any]],
           decided_by: str) -> Determination:
    """Customs' judgement of a claim from what it holds: the ledger's judgement of the claim,
    the certification check, and the bill-of-materials cases answered (the last one counts)."""
    problems: list[str] = []
    filed = claim.filed_claim
    if filed is not None and filed.status == FLAGGED:
        problems.extend(filed.reasons)
    if (filed is None or filed.status != WAIVED) and certification is not None:
        problems.extend(certification.problems)
    result = None
    engine_reasons: list[str] = []
    if not cases:
        problems.append("no bill of materials or other records were provided to establish origin")
    else:
        case: OriginCase | None
        try:
            case = OriginCase.from_dict(cases[-1])
        except OriginCaseError as exc:
            problems.append(f"the bill of materials cannot be evaluated: {exc}")
            case = None
        if case is not None:
            if case.agreement != claim.agreement:
                problems.append(f"the bill of materials is a {case.agreement} case, but the claim is "
                                f"{claim.agreement}")
            if case.good.hs.digits[:6] != hs6(claim.hts):
                problems.append(f"the bill of materials is for HS {case.good.hs}, not the line's {claim.hts}")
            outcome = qualify(case)
            result = outcome.to_dict()
            engine_reasons = list(outcome.reasons)
            if not outcome.qualifies:
                problems.append("the rules-of-origin engine finds that the good does not qualify")
            elif certification is not None and certification.criteria and outcome.criterion \
                    and outcome.criterion not in certification.criteria and claim.agreement == USMCA:
                engine_reasons.append(f"Note: certified under criterion {', '.join(certification.criteria)}; "
                                      f"the engine finds criterion {outcome.criterion}.")
    if problems:
        outcome_text, reasons = DENIED, [f"Denied: {p}" for p in problems] + engine_reasons
    else:
        outcome_text = ELIGIBLE
        reasons = [f"Eligible: the {claim.agreement} claim (SPI {claim.spi}) on line {claim.line} stands"
                   + ("; the certification verifies and covers the goods" if certification is not None else "")
                   + "."] + engine_reasons
    return Determination(claim.verification, claim.entry_number, claim.line, claim.hts, claim.agreement,
                         claim.spi, claim.importer, claim.certifier, outcome_text, tuple(reasons), certification,
                         result, decided_by)
