"""C2SP transparency-log text formats (c2sp.org): signed notes, checkpoints,
Ed25519 cosignatures, trust policies and offline proofs.

Pure functions and frozen dataclasses; no I/O, no clock.  Only Ed25519 note
signatures (type 0x01) and Ed25519 cosignature/v1 (type 0x04) are implemented;
signature lines of any other type are parsed and ignored as unknown keys, as
c2sp.org/signed-note requires of verifiers.
"""

from .checkpoint import HASH_SIZE, Checkpoint, CheckpointError
from .cosignature import (
    COSIGNATURE_TYPE,
    MAX_TIMESTAMP,
    CosignatureError,
    CosignatureSigner,
    CosignatureVerifier,
    cosignature_timestamp,
    cosigned_message,
)
from .note import (
    ED25519_TYPE,
    MAX_SIGNATURES,
    InvalidSignatureError,
    KeyFormatError,
    NoteError,
    NoteSignature,
    NoteSigner,
    NoteVerification,
    NoteVerifier,
    SignedNote,
    Signer,
    UnsupportedKeyTypeError,
    UnverifiedNoteError,
    VerifiedSignature,
    Verifier,
    VerifierKey,
    compute_key_id,
    open_note,
    sign_note,
)
from .policy import (
    CheckpointVerification,
    Policy,
    PolicyError,
    PolicyGroup,
    PolicyLog,
    PolicyWitness,
    QuorumResult,
)
from .proof import InclusionVerifier, ProofFormatError, ProofVerification, TlogProof

__all__ = [
    "COSIGNATURE_TYPE",
    "ED25519_TYPE",
    "HASH_SIZE",
    "MAX_SIGNATURES",
    "MAX_TIMESTAMP",
    "Checkpoint",
    "CheckpointError",
    "CheckpointVerification",
    "CosignatureError",
    "CosignatureSigner",
    "CosignatureVerifier",
    "InclusionVerifier",
    "InvalidSignatureError",
    "KeyFormatError",
    "NoteError",
    "NoteSignature",
    "NoteSigner",
    "NoteVerification",
    "NoteVerifier",
    "Policy",
    "PolicyError",
    "PolicyGroup",
    "PolicyLog",
    "PolicyWitness",
    "ProofFormatError",
    "ProofVerification",
    "QuorumResult",
    "SignedNote",
    "Signer",
    "TlogProof",
    "UnsupportedKeyTypeError",
    "UnverifiedNoteError",
    "VerifiedSignature",
    "Verifier",
    "VerifierKey",
    "compute_key_id",
    "cosignature_timestamp",
    "cosigned_message",
    "open_note",
    "sign_note",
]
