"""Issue a verifiable credential, and verify one completely.

verify_credential checks, and reports every problem it finds rather than the first:

1. the VC 2.0 data model (tradeledger.credentials.validation);
2. every proof (eddsa-jcs-2022, purpose assertionMethod), and that each was made with a key
   of the issuer: the verification method's DID is the issuer's id. Without that binding any
   key holder could sign a credential naming any issuer;
3. the validity period against `now`;
4. each BitstringStatusListEntry, through `status_lookup` (statusListCredential URL ->
   decoded list, or None when it cannot be had). The caller verifies the list credential
   before handing its list over. A list that cannot be had is an error, as the Bitstring
   Status List Validate Algorithm says (STATUS_RETRIEVAL_ERROR): status is not assumed
   good. With no status_lookup at all, status is reported as not checked (a warning).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tradeledger.credentials.data_integrity import (
    ProofOptions,
    Signer,
    VerifiedProof,
    add_proof,
    default_created,
    single_proof_views,
    verify_proof,
)
from tradeledger.credentials.datetimes import parse_datetime, utc_now
from tradeledger.credentials.errors import (
    CredentialError,
    DateTimeError,
    InvalidCredentialError,
    ProofGenerationError,
)
from tradeledger.credentials.model import (
    ASSERTION_METHOD,
    EXPIRED,
    NO_PROOF,
    NOT_YET_VALID,
    REVOKED,
    SIGNER_KEY_MISMATCH,
    STATUS_FLAGGED,
    STATUS_NOT_CHECKED,
    STATUS_RETRIEVAL_ERROR,
    SUSPENDED,
    UNSUPPORTED_STATUS_TYPE,
    Problem,
    pointer,
    problems_from_dicts,
)
from tradeledger.credentials.resolver import (
    KeyResolver,
    controller_of,
    did_key_resolver,
)
from tradeledger.credentials.status_list import (
    REVOCATION,
    STATUS_LIST_ENTRY,
    SUSPENSION,
    BitstringStatusList,
    BitstringStatusListEntry,
    StatusCheck,
    check_status,
)
from tradeledger.credentials.validation import validate_credential

__all__ = ["StatusLookup", "VerificationResult", "issue_credential", "issuer_id",
           "verify_credential", "verify_proofs"]

StatusLookup = Callable[[str], BitstringStatusList | None]


def party_id(party: Any) -> str | None:
    """The identifier of a party (issuer, holder) named by a URL or by an object with an id."""
    if isinstance(party, Mapping):
        party = party.get("id")
    return party if isinstance(party, str) else None


def issuer_id(credential: Mapping[str, Any]) -> str | None:
    return party_id(credential.get("issuer"))


def checks_to_dict(verified: bool, errors: Sequence[Problem], warnings: Sequence[Problem],
                   proofs: Sequence[VerifiedProof]) -> dict[str, Any]:
    """The members every verification result reports (credential or presentation)."""
    return {
        "verified": verified,
        "errors": [p.to_dict() for p in errors],
        "warnings": [p.to_dict() for p in warnings],
        "proofs": [p.to_dict() for p in proofs],
    }


def checks_from_dict(data: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments `checks_to_dict` wrote, read back."""
    return {
        "verified": bool(data["verified"]),
        "errors": problems_from_dicts(data.get("errors", ())),
        "warnings": problems_from_dicts(data.get("warnings", ())),
        "proofs": tuple(VerifiedProof.from_dict(p) for p in data.get("proofs", ())),
    }


@dataclass(frozen=True)
class VerificationResult:
    """Everything a verifier found: verified is True exactly when there are no errors."""

    verified: bool
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    issuer: str | None = None
    proofs: tuple[VerifiedProof, ...] = ()
    statuses: tuple[StatusCheck, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {**checks_to_dict(self.verified, self.errors, self.warnings, self.proofs),
                "issuer": self.issuer, "statuses": [s.to_dict() for s in self.statuses]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VerificationResult:
        return cls(**checks_from_dict(data), issuer=data.get("issuer"),
                   statuses=tuple(StatusCheck.from_dict(s) for s in data.get("statuses", ())))


def verify_proofs(doc: Mapping[str, Any], *, signer_id: str | None, signer_role: str,
                  resolver: KeyResolver, errors: list[Problem], **expected: Any
                  ) -> list[VerifiedProof]:
    """Verify every proof of `doc`; each must come from a key of `signer_id`."""
    if "proof" not in doc:
        errors.append(Problem(NO_PROOF, f"the document has no proof; the {signer_role} must "
                                        "sign it", pointer("proof")))
        return []
    try:
        views = single_proof_views(doc)
    except CredentialError as exc:
        errors.append(Problem(exc.code, str(exc), pointer("proof")))
        return []
    verified = []
    for i, view in enumerate(views):
        where = pointer("proof", i) if isinstance(doc["proof"], list) else pointer("proof")
        try:
            proof = verify_proof(view, resolver=resolver, **expected)
        except CredentialError as exc:
            errors.append(Problem(exc.code, str(exc), where))
            continue
        if signer_id is not None and proof.controller != signer_id:
            errors.append(Problem(
                SIGNER_KEY_MISMATCH,
                f"proof was made with {proof.verification_method!r}, which does not belong to "
                f"the {signer_role} {signer_id!r}",
                where + "/verificationMethod",
            ))
            continue
        verified.append(proof)
    return verified


def _validity(doc: Mapping[str, Any], now: datetime, errors: list[Problem]) -> None:
    for key, late in (("validFrom", False), ("validUntil", True)):
        try:
            moment = parse_datetime(doc[key]).moment if key in doc else None
        except DateTimeError:
            continue  # reported by the data model check
        if moment is None:
            continue
        if not late and now < moment:
            errors.append(Problem(NOT_YET_VALID, f"the credential is not valid before {doc[key]}",
                                  pointer(key)))
        if late and now > moment:
            errors.append(Problem(EXPIRED, f"the credential expired at {doc[key]}", pointer(key)))


def _status(doc: Mapping[str, Any], status_lookup: StatusLookup | None,
            errors: list[Problem], warnings: list[Problem]) -> list[StatusCheck]:
    if "credentialStatus" not in doc:
        return []
    status = doc["credentialStatus"]
    entries = []
    for i, item in enumerate(status if isinstance(status, list) else [status]):
        where = pointer("credentialStatus", i) if isinstance(status, list) \
            else pointer("credentialStatus")
        if not isinstance(item, Mapping):
            continue  # reported by the data model check
        if item.get("type") != STATUS_LIST_ENTRY:
            warnings.append(Problem(UNSUPPORTED_STATUS_TYPE,
                                    f"status type {item.get('type')!r} is not checked; only "
                                    f"{STATUS_LIST_ENTRY} is supported", where))
            continue
        try:
            entries.append((BitstringStatusListEntry.from_dict(item), where))
        except CredentialError as exc:
            errors.append(Problem(exc.code, str(exc), where))
    if status_lookup is None:
        if entries:
            warnings.append(Problem(STATUS_NOT_CHECKED,
                                    "credential status was not checked (no status list lookup)",
                                    pointer("credentialStatus")))
        return []
    checks = []
    for entry, where in entries:
        try:
            status_list = status_lookup(entry.status_list_credential)
            if status_list is None:
                errors.append(Problem(STATUS_RETRIEVAL_ERROR,
                                      f"status list {entry.status_list_credential!r} could not "
                                      "be retrieved, so the status is unknown", where))
                continue
            check = check_status(entry, status_list)
        except CredentialError as exc:
            errors.append(Problem(exc.code, str(exc), where))
            continue
        checks.append(check)
        if check.valid:
            continue
        if check.purpose == REVOCATION:
            errors.append(Problem(REVOKED, "the credential has been revoked", where))
        elif check.purpose == SUSPENSION:
            errors.append(Problem(SUSPENDED, "the credential is suspended", where))
        else:
            warnings.append(Problem(STATUS_FLAGGED,
                                    f"status bit for purpose {check.purpose!r} is set", where))
    return checks


def verify_credential(
    doc: Any,
    *,
    resolver: KeyResolver = did_key_resolver,
    status_lookup: StatusLookup | None = None,
    now: datetime | None = None,
) -> VerificationResult:
    """Verify a credential's data model, proofs, issuer key, validity period and status."""
    now = now or utc_now()
    report = validate_credential(doc)
    errors, warnings = list(report.errors), list(report.warnings)
    if not isinstance(doc, Mapping):
        return VerificationResult(False, tuple(errors), tuple(warnings))
    issuer = issuer_id(doc)
    proofs = verify_proofs(doc, signer_id=issuer, signer_role="issuer", resolver=resolver,
                           errors=errors, expected_purpose=ASSERTION_METHOD, now=now)
    _validity(doc, now, errors)
    statuses = _status(doc, status_lookup, errors, warnings)
    return VerificationResult(not errors, tuple(errors), tuple(warnings), issuer,
                              tuple(proofs), tuple(statuses))


def issue_credential(
    doc: Mapping[str, Any],
    keypair: Signer,
    verification_method: str,
    *,
    created: str | None = None,
) -> dict[str, Any]:
    """Validate an unsigned credential and secure it with an eddsa-jcs-2022 proof.

    The verification method must belong to the credential's issuer (its DID before '#').
    """
    report = validate_credential(doc)
    if not report.ok:
        raise InvalidCredentialError(
            "credential breaks the VC 2.0 data model: "
            + "; ".join(str(p) for p in report.errors), report.errors,
        )
    issuer = issuer_id(doc)
    if controller_of(verification_method) != issuer:
        raise ProofGenerationError(
            f"verification method {verification_method!r} does not belong to the issuer "
            f"{issuer!r}; verifiers would refuse the credential"
        )
    options = ProofOptions(verification_method, ASSERTION_METHOD,
                           created=created if created is not None else default_created())
    return add_proof(doc, keypair, options)
