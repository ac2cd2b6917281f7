"""Verifiable presentations: a holder hands over credentials, signed for one verifier's request.

The holder's proof has purpose `authentication` and carries the verifier's `challenge` (and
`domain`), so a presentation recorded once cannot be replayed to another request or another
verifier. Verifying a presentation checks its data model, its own proof (the expected
challenge and domain must match, and the key must be the holder's), and then each embedded
credential in full with verify_credential.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tradeledger.credentials.data_integrity import (
    ProofOptions,
    Signer,
    VerifiedProof,
    add_proof,
    default_created,
)
from tradeledger.credentials.datetimes import utc_now
from tradeledger.credentials.errors import InvalidCredentialError, ProofGenerationError
from tradeledger.credentials.model import (
    AUTHENTICATION,
    NO_HOLDER,
    PROOF_VERIFICATION_ERROR,
    VC_V2_CONTEXT,
    VERIFIABLE_PRESENTATION,
    Problem,
    pointer,
)
from tradeledger.credentials.resolver import (
    KeyResolver,
    controller_of,
    did_key_resolver,
)
from tradeledger.credentials.validation import (
    is_enveloped_credential,
    validate_presentation,
)
from tradeledger.credentials.verify import (
    StatusLookup,
    VerificationResult,
    checks_from_dict,
    checks_to_dict,
    party_id,
    verify_credential,
    verify_proofs,
)

__all__ = ["PresentationResult", "create_presentation", "holder_id", "verify_presentation"]


def holder_id(presentation: Mapping[str, Any]) -> str | None:
    return party_id(presentation.get("holder"))


def create_presentation(
    credentials: Sequence[Mapping[str, Any]],
    *,
    holder: str,
    signer: Signer,
    verification_method: str,
    challenge: str,
    domain: str | None = None,
    created: str | None = None,
    id: str | None = None,
) -> dict[str, Any]:
    """A presentation of `credentials` by `holder`, signed for `challenge` (and `domain`)."""
    if not isinstance(challenge, str) or not challenge:
        raise ProofGenerationError("a presentation needs the verifier's challenge (a string)")
    if controller_of(verification_method) != holder:
        raise ProofGenerationError(
            f"verification method {verification_method!r} does not belong to the holder {holder!r}"
        )
    presentation: dict[str, Any] = {"@context": [VC_V2_CONTEXT]}
    if id is not None:
        presentation["id"] = id
    presentation.update({
        "type": [VERIFIABLE_PRESENTATION],
        "holder": holder,
        "verifiableCredential": [dict(c) for c in credentials],
    })
    report = validate_presentation(presentation)
    if not report.ok:
        raise InvalidCredentialError(
            "presentation breaks the VC 2.0 data model: "
            + "; ".join(str(p) for p in report.errors), report.errors,
        )
    options = ProofOptions(verification_method, AUTHENTICATION,
                           created=created if created is not None else default_created(),
                           challenge=challenge, domain=domain)
    return add_proof(presentation, signer, options)


@dataclass(frozen=True)
class PresentationResult:
    """The presentation's own checks plus one VerificationResult per embedded credential."""

    verified: bool
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    holder: str | None = None
    proofs: tuple[VerifiedProof, ...] = ()
    credentials: tuple[VerificationResult, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {**checks_to_dict(self.verified, self.errors, self.warnings, self.proofs),
                "holder": self.holder, "credentials": [c.to_dict() for c in self.credentials]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PresentationResult:
        return cls(**checks_from_dict(data), holder=data.get("holder"),
                   credentials=tuple(VerificationResult.from_dict(c) for c in data.get("credentials", ())))


def verify_presentation(
    presentation: Any,
    *,
    challenge: str,
    domain: str | Sequence[str] | None = None,
    resolver: KeyResolver = did_key_resolver,
    status_lookup: StatusLookup | None = None,
    now: datetime | None = None,
) -> PresentationResult:
    """Verify a presentation made for `challenge` (and `domain`), and every credential in it."""
    if not isinstance(challenge, str) or not challenge:
        raise ValueError("verify_presentation needs the challenge the verifier issued")
    now = now or utc_now()
    # Embedded credentials get their own full report below; here only the presentation.
    own = validate_presentation(
        {k: v for k, v in presentation.items() if k != "verifiableCredential"}
        if isinstance(presentation, Mapping) else presentation
    )
    errors, warnings = list(own.errors), list(own.warnings)
    if not isinstance(presentation, Mapping):
        return PresentationResult(False, tuple(errors), tuple(warnings))
    holder = holder_id(presentation)
    if holder is None:
        warnings.append(Problem(NO_HOLDER, "the presentation names no holder, so its proof "
                                           "binds it to no one in particular", pointer("holder")))
    proofs = verify_proofs(presentation, signer_id=holder, signer_role="holder",
                           resolver=resolver, errors=errors, expected_purpose=AUTHENTICATION,
                           challenge=challenge, domain=domain, now=now)
    results = []
    embedded = presentation.get("verifiableCredential", [])
    for i, credential in enumerate(embedded if isinstance(embedded, list) else [embedded]):
        where = pointer("verifiableCredential", i) if isinstance(embedded, list) \
            else pointer("verifiableCredential")
        if isinstance(credential, Mapping) and is_enveloped_credential(credential):
            result = VerificationResult(False, (Problem(
                PROOF_VERIFICATION_ERROR,
                "enveloped credentials (VC-JOSE-COSE) are not supported by this verifier"),))
        else:
            result = verify_credential(credential, resolver=resolver,
                                       status_lookup=status_lookup, now=now)
        results.append(result)
        errors.extend(p.under(where) for p in result.errors)
        warnings.extend(p.under(where) for p in result.warnings)
    return PresentationResult(not errors, tuple(errors), tuple(warnings), holder, tuple(proofs),
                              tuple(results))

