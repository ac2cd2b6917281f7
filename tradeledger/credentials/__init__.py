"""W3C Verifiable Credentials 2.0 with eddsa-jcs-2022 proofs and Bitstring Status Lists.

Pure: no ledger, store or network. Keys reach the verifier through a resolver callable
(did:key offline by default) and status lists through a lookup callable, so the ledger's
did:web documents, trust registry and published lists plug in from above.
"""

from tradeledger.credentials.data_integrity import (
    CRYPTOSUITE,
    PROOF_TYPE,
    ProofOptions,
    VerifiedProof,
    add_proof,
    create_proof,
    verify_proof,
)
from tradeledger.credentials.errors import (
    CanonicalizationError,
    CredentialError,
    DateTimeError,
    InvalidChallengeError,
    InvalidCredentialError,
    InvalidDomainError,
    InvalidSignatureError,
    IrreversibleStatusError,
    KeyResolutionError,
    MalformedProofError,
    MultibaseError,
    ProofContextError,
    ProofExpiredError,
    ProofGenerationError,
    ProofPurposeError,
    ProofValueError,
    ProofVerificationError,
    StatusIndexOutOfRangeError,
    StatusListError,
    StatusListLengthError,
    StatusRetrievalError,
    StatusVerificationError,
    UnsupportedCryptosuiteError,
)
from tradeledger.credentials.model import VC_V2_CONTEXT, Problem, ValidationReport
from tradeledger.credentials.presentation import (
    PresentationResult,
    create_presentation,
    verify_presentation,
)
from tradeledger.credentials.resolver import (
    KeyResolver,
    did_key_resolver,
    first_resolving,
    resolver_from_keys,
)
from tradeledger.credentials.status_list import (
    MIN_STATUS_LIST_LENGTH,
    BitstringStatusList,
    BitstringStatusListEntry,
    StatusCheck,
    check_status,
    status_list_credential,
    status_list_from_credential,
)
from tradeledger.credentials.types import (
    CREDENTIAL_TYPES,
    CredentialType,
    build_credential,
)
from tradeledger.credentials.validation import (
    validate_credential,
    validate_presentation,
)
from tradeledger.credentials.verify import (
    StatusLookup,
    VerificationResult,
    issue_credential,
    verify_credential,
)

__all__ = [
    "CREDENTIAL_TYPES",
    "CRYPTOSUITE",
    "MIN_STATUS_LIST_LENGTH",
    "PROOF_TYPE",
    "VC_V2_CONTEXT",
    "BitstringStatusList",
    "BitstringStatusListEntry",
    "CanonicalizationError",
    "CredentialError",
    "CredentialType",
    "DateTimeError",
    "InvalidChallengeError",
    "InvalidCredentialError",
    "InvalidDomainError",
    "InvalidSignatureError",
    "IrreversibleStatusError",
    "KeyResolutionError",
    "KeyResolver",
    "MalformedProofError",
    "MultibaseError",
    "PresentationResult",
    "Problem",
    "ProofContextError",
    "ProofExpiredError",
    "ProofGenerationError",
    "ProofOptions",
    "ProofPurposeError",
    "ProofValueError",
    "ProofVerificationError",
    "StatusCheck",
    "StatusIndexOutOfRangeError",
    "StatusListError",
    "StatusListLengthError",
    "StatusLookup",
    "StatusRetrievalError",
    "StatusVerificationError",
    "UnsupportedCryptosuiteError",
    "ValidationReport",
    "VerificationResult",
    "VerifiedProof",
    "add_proof",
    "build_credential",
    "check_status",
    "create_presentation",
    "create_proof",
    "did_key_resolver",
    "first_resolving",
    "issue_credential",
    "resolver_from_keys",
    "status_list_credential",
    "status_list_from_credential",
    "validate_credential",
    "validate_presentation",
    "verify_credential",
    "verify_presentation",
    "verify_proof",
]
