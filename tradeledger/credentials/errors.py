"""Exceptions of tradeledger.credentials, each carrying the error code a report should show.

Codes come from the specifications where they define one: VC Data Model 2.0 (PARSING_ERROR,
MALFORMED_VALUE_ERROR, RANGE_ERROR), VC Data Integrity 1.0 (PROOF_GENERATION_ERROR,
PROOF_VERIFICATION_ERROR, PROOF_TRANSFORMATION_ERROR, INVALID_DOMAIN_ERROR,
INVALID_CHALLENGE_ERROR) and Bitstring Status List 1.0 (STATUS_RETRIEVAL_ERROR,
STATUS_VERIFICATION_ERROR, STATUS_LIST_LENGTH_ERROR). A subclass narrows the cause while
keeping its specification's code, so callers can catch either the family or the exact case.
"""

from __future__ import annotations

from typing import ClassVar

from tradeledger.credentials.model import (
    MALFORMED_VALUE_ERROR,
    PROOF_VERIFICATION_ERROR,
    RANGE_ERROR,
    STATUS_RETRIEVAL_ERROR,
    STATUS_VERIFICATION_ERROR,
    Problem,
)
from tradeledger.errors import TradeledgerError


class CredentialError(TradeledgerError, ValueError):
    """Anything wrong with a credential, a presentation, a proof or a status list."""

    code: ClassVar[str] = MALFORMED_VALUE_ERROR


class CanonicalizationError(CredentialError):
    """A value that has no RFC 8785 (JCS) form: NaN, a huge integer, a lone surrogate ..."""

    code = "PROOF_TRANSFORMATION_ERROR"


class DateTimeError(CredentialError):
    """A string that is not an XML Schema dateTime (or a date this library cannot hold)."""


class MultibaseError(CredentialError):
    """A multibase string with the wrong header or characters outside its alphabet."""


class InvalidCredentialError(CredentialError):
    """A document that breaks the VC Data Model, refused before it is signed; `problems` are
    the data model errors found (empty when the check that refused it reports only one)."""

    def __init__(self, message: str, problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


# --- proofs -------------------------------------------------------------------------------


class ProofGenerationError(CredentialError):
    """A proof that cannot be created from the options given."""

    code = "PROOF_GENERATION_ERROR"


class ProofVerificationError(CredentialError):
    """A proof that does not verify; the subclasses say why."""

    code = PROOF_VERIFICATION_ERROR


class MalformedProofError(ProofVerificationError):
    """A proof missing a required property, or holding one of the wrong shape."""


class UnsupportedCryptosuiteError(ProofVerificationError):
    """A proof type or cryptosuite other than DataIntegrityProof / eddsa-jcs-2022."""


class ProofValueError(MalformedProofError):
    """A proofValue that is not base58btc multibase ('z') of a 64-byte Ed25519 signature."""


class ProofContextError(ProofVerificationError):
    """A proof whose @context is not the leading part of its document's @context."""


class KeyResolutionError(ProofVerificationError):
    """A verification method that the resolver cannot turn into an Ed25519 public key."""


class InvalidSignatureError(ProofVerificationError):
    """A signature that does not verify over the canonical proof configuration and document."""


class ProofPurposeError(ProofVerificationError):
    """A proof made for another purpose (assertionMethod versus authentication)."""


class ProofExpiredError(ProofVerificationError):
    """A proof whose `expires` time has passed."""


class InvalidChallengeError(ProofVerificationError):
    """A proof whose challenge is missing or differs from the one the verifier issued."""

    code = "INVALID_CHALLENGE_ERROR"


class InvalidDomainError(ProofVerificationError):
    """A proof whose domain is missing or differs from the verifier's domain."""

    code = "INVALID_DOMAIN_ERROR"


# --- status lists -------------------------------------------------------------------------


class StatusListError(CredentialError):
    """A malformed status list, status list credential or status entry."""


class StatusListLengthError(StatusListError):
    """A status list shorter than the herd-privacy minimum (131,072 entries)."""

    code = "STATUS_LIST_LENGTH_ERROR"


class StatusIndexOutOfRangeError(StatusListError):
    """A status list index beyond the end of the list."""

    code = RANGE_ERROR


class IrreversibleStatusError(StatusListError):
    """An attempt to clear a revocation bit: revocation cannot be undone."""

    code = "STATUS_UPDATE_ERROR"


class StatusVerificationError(StatusListError):
    """A status entry that cannot be checked against the list it names."""

    code = STATUS_VERIFICATION_ERROR


class StatusRetrievalError(StatusListError):
    """A status list credential that could not be obtained."""

    code = STATUS_RETRIEVAL_ERROR
