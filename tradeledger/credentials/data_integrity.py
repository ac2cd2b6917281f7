"""Data Integrity proofs with the eddsa-jcs-2022 cryptosuite.

W3C "Data Integrity EdDSA Cryptosuites v1.0", section 3.3, over "VC Data Integrity 1.0":

* proof configuration: the proof options (type DataIntegrityProof, cryptosuite
  eddsa-jcs-2022, created, verificationMethod, proofPurpose, optional challenge, domain,
  expires, nonce, id) plus the document's @context, in JCS form;
* transformation: the document without its proof, in JCS form;
* hashing: SHA-256(canonical proof configuration) || SHA-256(canonical document), 64 bytes;
* proofValue: "z" + base58btc of the pure Ed25519 (RFC 8032) signature of those 64 bytes.

When a proof carries @context, the document's @context must start with it, and the document
is hashed with the proof's @context in place of its own (Verify Proof, step 4): contexts
appended after signing do not break the proof, contexts changed or removed do.

verify_proof raises a specific ProofVerificationError subclass for each way a proof can
fail; it never returns a negative answer silently.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from tradeledger.credentials.datetimes import format_datetime, parse_datetime, utc_now
from tradeledger.credentials.errors import (
    DateTimeError,
    InvalidChallengeError,
    InvalidDomainError,
    InvalidSignatureError,
    KeyResolutionError,
    MalformedProofError,
    MultibaseError,
    ProofContextError,
    ProofExpiredError,
    ProofGenerationError,
    ProofPurposeError,
    ProofValueError,
    UnsupportedCryptosuiteError,
)
from tradeledger.credentials.jcs import jcs_bytes
from tradeledger.credentials.model import ASSERTION_METHOD
from tradeledger.credentials.multibase import decode_base58btc, encode_base58btc
from tradeledger.credentials.resolver import (
    KeyResolver,
    controller_of,
    did_key_resolver,
)
from tradeledger.crypto.hashing import sha256
from tradeledger.crypto.keys import verify_signature

__all__ = [
    "CRYPTOSUITE",
    "PROOF_TYPE",
    "ProofOptions",
    "Signer",
    "VerifiedProof",
    "add_proof",
    "canonical_document",
    "canonical_proof_config",
    "create_proof",
    "default_created",
    "hash_data",
    "single_proof_views",
    "verify_proof",
]

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
SIGNATURE_BYTES = 64
PUBLIC_KEY_BYTES = 32


class Signer(Protocol):
    """Anything that makes pure Ed25519 signatures, such as tradeledger.crypto.keys.KeyPair."""

    def sign(self, message: bytes) -> bytes: ...


def _optional_str(value: object, name: str) -> None:
    if value is not None and not isinstance(value, str):
        raise ProofGenerationError(f"proof option {name} must be a string, "
                                   f"got {type(value).__name__}")


@dataclass(frozen=True)
class ProofOptions:
    """What a signer states in a proof besides the signature itself."""

    verification_method: str
    proof_purpose: str = ASSERTION_METHOD
    created: str | None = None
    expires: str | None = None
    challenge: str | None = None
    domain: str | tuple[str, ...] | None = None
    nonce: str | None = None
    id: str | None = None
    context: Any = None  # the proof's "@context"; create_proof copies the document's

    def __post_init__(self) -> None:
        if not isinstance(self.verification_method, str) or not self.verification_method:
            raise ProofGenerationError("verificationMethod must be a non-empty DID URL")
        if not isinstance(self.proof_purpose, str) or not self.proof_purpose:
            raise ProofGenerationError("proofPurpose must be a non-empty string")
        for name in ("created", "expires", "challenge", "nonce", "id"):
            _optional_str(getattr(self, name), name)
        for name in ("created", "expires"):
            if getattr(self, name) is not None:
                try:
                    parse_datetime(getattr(self, name))
                except DateTimeError as exc:
                    raise ProofGenerationError(f"proof option {name}: {exc}") from None
        if isinstance(self.domain, list):
            object.__setattr__(self, "domain", tuple(self.domain))
        domain = self.domain
        if domain is not None and not isinstance(domain, str) and not (
                isinstance(domain, tuple) and domain and all(isinstance(d, str) for d in domain)):
            raise ProofGenerationError("proof option domain must be a string or strings")

    def to_dict(self) -> dict[str, Any]:
        """The proof options map, keys in the order the specification's examples use."""
        options: dict[str, Any] = {}
        if self.id is not None:
            options["id"] = self.id
        options["type"] = PROOF_TYPE
        options["cryptosuite"] = CRYPTOSUITE
        if self.created is not None:
            options["created"] = self.created
        if self.expires is not None:
            options["expires"] = self.expires
        options["verificationMethod"] = self.verification_method
        options["proofPurpose"] = self.proof_purpose
        if self.challenge is not None:
            options["challenge"] = self.challenge
        if self.domain is not None:
            options["domain"] = list(self.domain) if isinstance(self.domain, tuple) else self.domain
        if self.nonce is not None:
            options["nonce"] = self.nonce
        if self.context is not None:
            options["@context"] = copy.deepcopy(self.context)
        return options

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProofOptions:
        if data.get("type") != PROOF_TYPE or data.get("cryptosuite") != CRYPTOSUITE:
            raise UnsupportedCryptosuiteError(
                f"proof options name type {data.get('type')!r} with cryptosuite "
                f"{data.get('cryptosuite')!r}; expected {PROOF_TYPE} with {CRYPTOSUITE}"
            )
        known = {"id", "type", "cryptosuite", "created", "expires", "verificationMethod",
                 "proofPurpose", "challenge", "domain", "nonce", "@context", "proofValue"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ProofGenerationError(f"unsupported proof options: {', '.join(unknown)}")
        if "verificationMethod" not in data or "proofPurpose" not in data:
            raise ProofGenerationError("proof options need verificationMethod and proofPurpose")
        return cls(
            verification_method=data["verificationMethod"],
            proof_purpose=data["proofPurpose"],
            created=data.get("created"),
            expires=data.get("expires"),
            challenge=data.get("challenge"),
            domain=data.get("domain"),
            nonce=data.get("nonce"),
            id=data.get("id"),
            context=copy.deepcopy(data.get("@context")),
        )


@dataclass(frozen=True)
class VerifiedProof:
    """A proof that verified: who signed, for what, when they said they did."""

    verification_method: str
    proof_purpose: str
    created: str | None

    @property
    def controller(self) -> str:
        return controller_of(self.verification_method)

    def to_dict(self) -> dict[str, Any]:
        return {"verificationMethod": self.verification_method,
                "proofPurpose": self.proof_purpose, "created": self.created}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VerifiedProof:
        return cls(data["verificationMethod"], data["proofPurpose"], data.get("created"))


# --- the algorithm's steps, public so the test vectors can check each one ----------------


def canonical_document(unsecured_document: Mapping[str, Any]) -> bytes:
    """Transformation (eddsa-jcs-2022): the JCS bytes of the document without proof."""
    return jcs_bytes(unsecured_document)


def canonical_proof_config(options: Mapping[str, Any]) -> bytes:
    """Proof Configuration (eddsa-jcs-2022): check the options, return their JCS bytes."""
    if options.get("type") != PROOF_TYPE or options.get("cryptosuite") != CRYPTOSUITE:
        raise ProofGenerationError(
            f"proof configuration must name type {PROOF_TYPE} and cryptosuite {CRYPTOSUITE}"
        )
    if "created" in options:
        try:
            parse_datetime(options["created"])
        except DateTimeError as exc:
            raise ProofGenerationError(f"proof created: {exc}") from None
    return jcs_bytes(options)


def hash_data(canonical_config: bytes, canonical_doc: bytes) -> bytes:
    """Hashing (eddsa-jcs-2022): SHA-256 of the proof configuration, then of the document."""
    return sha256(canonical_config) + sha256(canonical_doc)


# --- creating -----------------------------------------------------------------------------


def create_proof(document: Mapping[str, Any], signer: Signer, options: ProofOptions) -> dict:
    """Create Proof (eddsa-jcs-2022): the proof object for `document`, proofValue included.

    Any proof already on the document is left out of what is signed, so a second proof
    made this way joins a proof set.
    """
    if not isinstance(document, Mapping):
        raise ProofGenerationError(f"can only sign a JSON object, got {type(document).__name__}")
    proof = options.to_dict()
    if "@context" in document and "@context" not in proof:
        proof["@context"] = copy.deepcopy(document["@context"])
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    data = hash_data(canonical_proof_config(proof), canonical_document(unsecured))
    signature = signer.sign(data)
    if not isinstance(signature, bytes) or len(signature) != SIGNATURE_BYTES:
        raise ProofGenerationError("the signer did not return a 64-byte Ed25519 signature")
    proof["proofValue"] = encode_base58btc(signature)
    return proof


def add_proof(document: Mapping[str, Any], signer: Signer, options: ProofOptions) -> dict:
    """Add Proof: a copy of `document` secured with a new proof (appended to any proof set)."""
    proof = create_proof(document, signer, options)
    secured = dict(document)
    if "proof" in document:
        existing = document["proof"]
        secured["proof"] = [*(existing if isinstance(existing, list) else [existing]), proof]
    else:
        secured["proof"] = proof
    return secured


def default_created(now: datetime | None = None) -> str:
    """The `created` value for a proof made now (seconds precision, UTC)."""
    return format_datetime((now or utc_now()).replace(microsecond=0))


# --- verifying ----------------------------------------------------------------------------


def _string_property(proof: Mapping[str, Any], name: str) -> str:
    value = proof.get(name)
    if not isinstance(value, str) or not value:
        shown = "missing" if name not in proof else f"a {type(value).__name__}"
        raise MalformedProofError(f"proof.{name} must be a non-empty string; it is {shown}")
    return value


def _check_domain(proof: Mapping[str, Any], expected: str | Sequence[str]) -> None:
    wanted = {expected} if isinstance(expected, str) else set(expected)
    stated = proof.get("domain")
    if stated is None:
        raise InvalidDomainError(f"proof has no domain; the verifier expects {sorted(wanted)}")
    found = {stated} if isinstance(stated, str) else set(stated) if isinstance(stated, list) else None
    if found is None or not all(isinstance(d, str) for d in found):
        raise InvalidDomainError("proof.domain must be a string or an array of strings")
    if found != wanted:
        raise InvalidDomainError(f"proof domain {sorted(found)} is not the expected {sorted(wanted)}")


def _check_time(proof: Mapping[str, Any], now: datetime | None) -> None:
    for name in ("created", "expires"):
        if name in proof:
            try:
                stamp = parse_datetime(proof[name])
            except DateTimeError as exc:
                raise MalformedProofError(f"proof.{name}: {exc}") from None
            if name == "expires" and (now or utc_now()) > stamp.moment:
                raise ProofExpiredError(f"the proof expired at {proof[name]}")


def _signature(proof: Mapping[str, Any]) -> bytes:
    try:
        signature = decode_base58btc(proof.get("proofValue"))
    except MultibaseError as exc:
        raise ProofValueError(f"proof.proofValue: {exc}") from None
    if len(signature) != SIGNATURE_BYTES:
        raise ProofValueError(f"proof.proofValue holds {len(signature)} bytes; an Ed25519 "
                              f"signature is {SIGNATURE_BYTES}")
    return signature


def _public_key(resolver: KeyResolver, verification_method: str) -> bytes:
    try:
        key = resolver(verification_method)
    except KeyResolutionError:
        raise
    except (LookupError, ValueError, TypeError) as exc:
        raise KeyResolutionError(f"cannot resolve {verification_method!r}: {exc}") from None
    if not isinstance(key, bytes) or len(key) != PUBLIC_KEY_BYTES:
        raise KeyResolutionError(
            f"{verification_method!r} did not resolve to a 32-byte Ed25519 public key"
        )
    return key


def _hashed_document(secured: Mapping[str, Any], proof_options: Mapping[str, Any]) -> dict:
    unsecured = {key: value for key, value in secured.items() if key != "proof"}
    if "@context" not in proof_options:
        return unsecured
    proof_context = proof_options["@context"]
    document_context = secured.get("@context")
    wanted = proof_context if isinstance(proof_context, list) else [proof_context]
    found = document_context if isinstance(document_context, list) else [document_context]
    if found[: len(wanted)] != wanted:
        raise ProofContextError("the document's @context does not start with the proof's "
                                "@context: the document was changed after signing")
    unsecured["@context"] = proof_context
    return unsecured


def verify_proof(
    secured: Mapping[str, Any],
    *,
    resolver: KeyResolver = did_key_resolver,
    expected_purpose: str | None = None,
    challenge: str | None = None,
    domain: str | Sequence[str] | None = None,
    now: datetime | None = None,
) -> VerifiedProof:
    """Verify Proof (Data Integrity 4.4 with eddsa-jcs-2022 3.3.2) of a single-proof document.

    Raises a ProofVerificationError subclass naming the first check that failed.
    """
    if not isinstance(secured, Mapping):
        raise MalformedProofError(f"a secured document is a JSON object, "
                                  f"got {type(secured).__name__}")
    proof = secured.get("proof")
    if not isinstance(proof, Mapping):
        raise MalformedProofError("document has no proof object" if proof is None else
                                  "proof must be one object here (see single_proof_views)")
    proof_type = _string_property(proof, "type")
    verification_method = _string_property(proof, "verificationMethod")
    purpose = _string_property(proof, "proofPurpose")
    if proof_type != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise UnsupportedCryptosuiteError(
            f"proof type {proof_type!r} with cryptosuite {proof.get('cryptosuite')!r} is not "
            f"supported; use {PROOF_TYPE} with {CRYPTOSUITE}"
        )
    if expected_purpose is not None and purpose != expected_purpose:
        raise ProofPurposeError(f"proof is for {purpose!r}; {expected_purpose!r} is required")
    if domain is not None:
        _check_domain(proof, domain)
    if challenge is not None and proof.get("challenge") != challenge:
        raise InvalidChallengeError("proof challenge is missing or not the one the verifier sent")
    _check_time(proof, now)
    signature = _signature(proof)
    public_key = _public_key(resolver, verification_method)
    options = {key: value for key, value in proof.items() if key != "proofValue"}
    unsecured = _hashed_document(secured, options)
    data = hash_data(jcs_bytes(options), jcs_bytes(unsecured))
    if not verify_signature(public_key, data, signature):
        raise InvalidSignatureError(
            f"signature does not verify with {verification_method!r}: the document or its "
            "proof was changed, or another key signed it"
        )
    return VerifiedProof(verification_method, purpose, proof.get("created"))


def single_proof_views(secured: Mapping[str, Any]) -> list[dict]:
    """One document per proof of a proof set, each with that proof alone.

    Every proof of a set signs the document without proofs (VC Data Integrity 2.1.1).
    Proof chains (previousProof) are refused: they are not implemented.
    """
    if not isinstance(secured, Mapping) or "proof" not in secured:
        raise MalformedProofError("document has no proof")
    proofs = secured["proof"]
    proofs = proofs if isinstance(proofs, list) else [proofs]
    if not proofs:
        raise MalformedProofError("proof is an empty array")
    views = []
    for proof in proofs:
        if isinstance(proof, Mapping) and "previousProof" in proof:
            raise MalformedProofError("proof chains (previousProof) are not supported")
        views.append({**secured, "proof": proof})
    return views
