"""Verify a credential against the ledger: `verified` and `trusted`, separately, with reasons.

* verified: the VC 2.0 data model, every proof (with a key the registry had active when
  the proof says it was made), the validity period, and each status entry against the
  status list as it stood at the time asked, all at time `at_ms` (default now).
* trusted: for every type the credential claims besides VerifiableCredential, the trust
  registry had its issuer trusted for that type at `at_ms`.

Neither implies the other: a forged credential can name a trusted issuer, a genuine one
can come from an issuer nobody trusts for that type. `accepted` is both. Ask `at_ms` in the
past to learn what a verifier relying on the credential then would have been told: keys,
status and trust are all read as of that moment.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tradeledger.credentials.errors import CredentialError
from tradeledger.credentials.model import (
    VERIFIABLE_CREDENTIAL,
    Problem,
    problems_from_dicts,
)
from tradeledger.credentials.presentation import PresentationResult, verify_presentation
from tradeledger.credentials.verify import (
    VerificationResult,
    issuer_id,
    verify_credential,
)
from tradeledger.identity.documents import did_time
from tradeledger.identity.registry import key_record
from tradeledger.identity.resolver import LedgerKeyResolver, from_ms
from tradeledger.identity.status import LedgerStatusLookup
from tradeledger.identity.trust import trust_at
from tradeledger.identity.web import WebBase, web_base_of
from tradeledger.ledger.state import StateReader

KEY_REVOKED_LATER = "KEY_REVOKED_LATER"  # warning: the signing key was revoked after the proof


def now_ms() -> int:
    # The runtime's clock (runtime.clock) sits above identity; the default moment of a
    # question is read here, at this edge, and every reader below takes it as a value.
    return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class TrustFinding:
    """Whether the issuer was trusted for one credential type, and why (not)."""

    credential_type: str
    trusted: bool
    reason: str
    entry: str | None = None  # the trust registry entry that decided it

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.credential_type, "trusted": self.trusted, "reason": self.reason,
                "entry": self.entry}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrustFinding:
        return cls(data["type"], bool(data["trusted"]), data["reason"], data.get("entry"))


@dataclass(frozen=True)
class LedgerVerification:
    verified: bool
    trusted: bool
    at_ms: int
    credential: VerificationResult
    trust_reasons: tuple[TrustFinding, ...] = ()
    warnings: tuple[Problem, ...] = ()  # the credential's warnings and the ledger's own
    issuer_organization: str | None = None

    @property
    def accepted(self) -> bool:
        return self.verified and self.trusted

    @property
    def errors(self) -> tuple[Problem, ...]:
        return self.credential.errors

    def to_dict(self) -> dict[str, Any]:
        credential = self.credential.to_dict()
        return {
            "verified": self.verified,
            "trusted": self.trusted,
            "accepted": self.accepted,
            "errors": credential["errors"],
            "warnings": [p.to_dict() for p in self.warnings],
            "trust_reasons": [f.to_dict() for f in self.trust_reasons],
            "issuer": credential["issuer"],
            "issuer_organization": self.issuer_organization,
            "at": did_time(self.at_ms),
            "at_ms": self.at_ms,
            "proofs": credential["proofs"],
            "statuses": credential["statuses"],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LedgerVerification:
        credential = VerificationResult.from_dict({**data, "warnings": ()})
        return cls(bool(data["verified"]), bool(data["trusted"]), data["at_ms"], credential,
                   tuple(TrustFinding.from_dict(f) for f in data.get("trust_reasons", ())),
                   problems_from_dicts(data.get("warnings", ())), data.get("issuer_organization"))


def credential_types(doc: Any) -> list[str]:
    """The types a credential claims besides VerifiableCredential."""
    types = doc.get("type") if isinstance(doc, Mapping) else None
    types = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    return [t for t in types if isinstance(t, str) and t != VERIFIABLE_CREDENTIAL]


def trust_findings(state: StateReader, doc: Any, at_ms: int) -> tuple[TrustFinding, ...]:
    issuer = issuer_id(doc) if isinstance(doc, Mapping) else None
    if issuer is None:
        return (TrustFinding(VERIFIABLE_CREDENTIAL, False, "the credential names no issuer"),)
    types = credential_types(doc)
    if not types:
        return (TrustFinding(VERIFIABLE_CREDENTIAL, False, "the credential claims no type besides "
                             "VerifiableCredential, so no issuer can be trusted for it"),)
    findings = []
    for credential_type in types:
        decision = trust_at(state, credential_type, issuer, at_ms)
        findings.append(TrustFinding(credential_type, decision.trusted, decision.reason,
                                     decision.entry.id if decision.entry else None))
    return tuple(findings)


def _issuer_organization(state: StateReader, base: WebBase | None, issuer: str | None) -> str | None:
    if issuer is None:
        return None
    if base is not None and base.organization_of(issuer):
        return base.organization_of(issuer)
    record = key_record(state, issuer) if issuer.startswith("did:key:") else None
    return record.organization if record else None


def _revoked_later(resolver: LedgerKeyResolver, result: VerificationResult, at_ms: int) -> list[Problem]:
    """A proof by a key revoked after it was made verifies (history is not rewritten), but its
    `created` is the signer's word: say so, for a key revoked because it leaked."""
    warnings = []
    for proof in result.proofs:
        try:
            record, _key = resolver.registered_key(proof.verification_method)
        except CredentialError:
            continue
        if record.status == "revoked" and record.ended_ms is not None and record.ended_ms <= at_ms:
            stated = f"made at {proof.created}" if proof.created else "undated"
            warnings.append(Problem(KEY_REVOKED_LATER,
                                    f"{record.did} was revoked at {did_time(record.ended_ms)} "
                                    f"({record.reason or 'no reason given'}); the proof says it was {stated}, "
                                    "which only an anchor on the ledger can prove", "/proof"))
    return warnings


def check_with_ledger(doc: Any, state: StateReader, at_ms: int | None = None, *,
                      base: WebBase | None = None) -> LedgerVerification:
    """Verify `doc` with keys, status lists and trust from ledger `state`, as of `at_ms`.

    `base` (the network's did:web names) defaults to the one of the peer store `state`."""
    at_ms = now_ms() if at_ms is None else at_ms
    base = base if base is not None else web_base_of(state)
    resolver = LedgerKeyResolver.for_document(state, base, doc, at_ms)
    status_lookup = LedgerStatusLookup.for_document(state, base, doc, at_ms)
    result = verify_credential(doc, resolver=resolver, status_lookup=status_lookup, now=from_ms(at_ms))
    findings = trust_findings(state, doc, at_ms)
    warnings = (*result.warnings, *_revoked_later(resolver, result, at_ms))
    return LedgerVerification(result.verified, all(f.trusted for f in findings), at_ms, result, findings,
                              warnings, _issuer_organization(state, base, result.issuer))


def verify_with_ledger(doc: Any, state: StateReader, at_ms: int | None = None, *,
                       base: WebBase | None = None) -> dict[str, Any]:
    """check_with_ledger as JSON: verified, trusted, accepted, errors, warnings, trust_reasons ..."""
    return check_with_ledger(doc, state, at_ms, base=base).to_dict()


@dataclass(frozen=True)
class LedgerPresentationVerification:
    """A presentation's own checks and each embedded credential's, with `trusted` for each
    credential (its findings, in the order embedded) and for all of them."""

    presentation: PresentationResult
    credential_trust: tuple[tuple[TrustFinding, ...], ...]
    at_ms: int

    @property
    def verified(self) -> bool:
        return self.presentation.verified

    @property
    def trusted(self) -> bool:
        findings = self.credential_trust
        return bool(findings) and all(f.trusted for found in findings for f in found)

    @property
    def accepted(self) -> bool:
        return self.verified and self.trusted

    def to_dict(self) -> dict[str, Any]:
        output = self.presentation.to_dict()
        for item, findings in zip(output["credentials"], self.credential_trust, strict=False):
            item["trusted"] = all(f.trusted for f in findings)
            item["trust_reasons"] = [f.to_dict() for f in findings]
        return {"verified": self.verified, "trusted": self.trusted, "accepted": self.accepted,
                "errors": output["errors"], "warnings": output["warnings"], "holder": output["holder"],
                "at": did_time(self.at_ms), "at_ms": self.at_ms, "proofs": output["proofs"],
                "credentials": output["credentials"]}


def check_presentation_with_ledger(presentation: Any, state: StateReader, *, challenge: str,
                                   domain: str | Sequence[str] | None = None, at_ms: int | None = None,
                                   base: WebBase | None = None) -> LedgerPresentationVerification:
    """A presentation's own checks (holder key from the registry, challenge, domain) and each
    embedded credential's, with the trust registry's findings for each credential."""
    at_ms = now_ms() if at_ms is None else at_ms
    base = base if base is not None else web_base_of(state)
    resolver = LedgerKeyResolver.for_document(state, base, presentation, at_ms)
    status_lookup = LedgerStatusLookup.for_document(state, base, presentation, at_ms)
    result = verify_presentation(presentation, challenge=challenge, domain=domain, resolver=resolver,
                                 status_lookup=status_lookup, now=from_ms(at_ms))
    embedded = presentation.get("verifiableCredential", []) if isinstance(presentation, Mapping) else []
    embedded = embedded if isinstance(embedded, list) else [embedded]
    trust = tuple(trust_findings(state, credential, at_ms) for credential in embedded)
    return LedgerPresentationVerification(result, trust, at_ms)


def verify_presentation_with_ledger(presentation: Any, state: StateReader, *, challenge: str,
                                    domain: str | Sequence[str] | None = None, at_ms: int | None = None,
                                    base: WebBase | None = None) -> dict[str, Any]:
    """check_presentation_with_ledger as JSON: verified, trusted, accepted, errors, holder, credentials ..."""
    return check_presentation_with_ledger(presentation, state, challenge=challenge, domain=domain, at_ms=at_ms,
                                          base=base).to_dict()


__all__ = ["KEY_REVOKED_LATER", "LedgerPresentationVerification", "LedgerVerification", "TrustFinding",
           "check_presentation_with_ledger", "check_with_ledger", "credential_types", "trust_findings",
           "verify_presentation_with_ledger", "verify_with_ledger"]
