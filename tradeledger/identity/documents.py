"""DID documents and DID resolution results, as plain JSON. Pure: no ledger reads here.

* did:key (https://w3c-ccg.github.io/did-key-spec/, "Create"): the document is derived
  from the key alone: one Multikey verification method named by the key's multibase,
  referenced by authentication, assertionMethod, capabilityDelegation and
  capabilityInvocation, and the X25519 key converted from it for keyAgreement.
* did:web of an organization: one Multikey verification method per key the organization
  has active, fragment = the key's multibase; every key may authenticate and assert
  (issue credentials), administrator keys also invoke capabilities (they act for the
  organization on the ledger).
* A resolution result (W3C DID Resolution) pairs the document with its metadata: created,
  updated, deactivated, and a `tradeledger` extension with what the registry records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from nacl.bindings import crypto_sign_ed25519_pk_to_curve25519
from nacl.exceptions import RuntimeError as NaclRuntimeError

from tradeledger.crypto.keys import DidKeyError, public_key_from_did_key
from tradeledger.crypto.multibase import encode_base58btc
from tradeledger.identity.errors import InvalidDidError

DID_CONTEXT = "https://www.w3.org/ns/did/v1.1"
DID_RESOLUTION_CONTEXT = "https://w3id.org/did-resolution/v1"
DID_CONTENT_TYPE = "application/did+ld+json"
MULTIKEY = "Multikey"
X25519_PUB_CODEC = b"\xec\x01"


def did_time(ms: int) -> str:
    """A ledger time as DID metadata writes times: UTC, no fractional seconds (DID Core 7.3)."""
    return datetime.fromtimestamp(ms // 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def key_multibase(did_key: str) -> str:
    """The multibase value of an Ed25519 did:key (the part after `did:key:`), checked."""
    ed25519_public_key(did_key)
    return did_key[len("did:key:"):].partition("#")[0]


def ed25519_public_key(did_key: str) -> bytes:
    try:
        return public_key_from_did_key(did_key)
    except DidKeyError as exc:
        raise InvalidDidError(
            f"{exc}; an Ed25519 did:key is did:key:z6Mk... (multibase 'z' base58btc, multicodec 0xed01)"
        ) from None


def x25519_multibase(ed25519_key: bytes) -> str:
    """The X25519 public key birationally equivalent to an Ed25519 key, as a Multikey value."""
    try:
        return encode_base58btc(X25519_PUB_CODEC + crypto_sign_ed25519_pk_to_curve25519(ed25519_key))
    except NaclRuntimeError:
        raise InvalidDidError("the key is not a valid Ed25519 point, so it has no X25519 form") from None


def multikey(method_id: str, controller: str, public_key_multibase: str) -> dict[str, str]:
    return {"id": method_id, "type": MULTIKEY, "controller": controller, "publicKeyMultibase": public_key_multibase}


def did_key_document(did: str) -> dict[str, Any]:
    """The DID document of an Ed25519 did:key, as the did:key method creates it."""
    if "#" in did or not did.startswith("did:key:"):
        raise InvalidDidError(f"{did!r} is not a did:key without fragment")
    public_key = ed25519_public_key(did)
    value = did[len("did:key:"):]
    method = f"{did}#{value}"
    agreement = x25519_multibase(public_key)
    return {
        "@context": [DID_CONTEXT],
        "id": did,
        "verificationMethod": [multikey(method, did, value)],
        "authentication": [method],
        "assertionMethod": [method],
        "capabilityDelegation": [method],
        "capabilityInvocation": [method],
        "keyAgreement": [multikey(f"{did}#{agreement}", did, agreement)],
    }


def organization_document(did: str, keys: Sequence[tuple[str, bool]]) -> dict[str, Any]:
    """The DID document of an organization's did:web from its active keys: (did:key, admin)."""
    methods = [multikey(f"{did}#{key_multibase(key)}", did, key_multibase(key)) for key, _admin in keys]
    ids = [m["id"] for m in methods]
    return {
        "@context": [DID_CONTEXT],
        "id": did,
        "verificationMethod": methods,
        "authentication": list(ids),
        "assertionMethod": list(ids),
        "capabilityInvocation": [m["id"] for m, (_key, admin) in zip(methods, keys, strict=True) if admin],
    }


@dataclass(frozen=True)
class DidResolution:
    """A DID resolution result: the document, its metadata, and the resolution's metadata."""

    did_document: dict[str, Any]
    document_metadata: dict[str, Any] = field(default_factory=dict)
    resolution_metadata: dict[str, Any] = field(default_factory=lambda: {"contentType": DID_CONTENT_TYPE})

    @property
    def deactivated(self) -> bool:
        return bool(self.document_metadata.get("deactivated", False))

    def to_dict(self) -> dict[str, Any]:
        return {
            "@context": DID_RESOLUTION_CONTEXT,
            "didDocument": self.did_document,
            "didDocumentMetadata": self.document_metadata,
            "didResolutionMetadata": self.resolution_metadata,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DidResolution:
        return cls(dict(data["didDocument"]), dict(data.get("didDocumentMetadata", {})),
                   dict(data.get("didResolutionMetadata", {})))
