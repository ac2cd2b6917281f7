"""The signed transaction envelope (DESIGN.md decision 3).

An envelope is a JSON object naming the network, the contract and action, the public
arguments, commitments to private payloads (never the payloads), the signer's DID URL, a
random nonce and a creation time, plus an Ed25519 signature over the canonical bytes of
everything else. A private transaction also carries `private`: for each private part, its
name, its collection and the salted commitment of its payload (decision 15); an envelope
without private parts leaves the field out, so its bytes are what they always were. Its
canonical bytes are the Merkle leaf; the transaction id is their SHA-256.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import orjson

from tradeledger.crypto import (
    DidKeyError,
    KeyPair,
    NonCanonicalDataError,
    canonical_bytes,
    parse_canonical,
    public_key_from_did_key,
    sha256_hex,
)
from tradeledger.errors import TradeledgerError
from tradeledger.ledger.collections import PrivatePart

COMMITMENT_PATTERN = re.compile(r"^[0-9a-f]{64}$")
_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_NONCE_PATTERN = re.compile(r"^[0-9a-f]{32}$")
_SIGNATURE_TEXT = re.compile(r"[A-Za-z0-9_-]{85}[AQgw]")
_FIELDS = ("network", "contract", "action", "args", "commitments", "signer", "nonce", "created_ms", "signature")
_FIELD_SET = frozenset(_FIELDS)
_PRIVATE_FIELD_SET = _FIELD_SET | {"private"}
_PART_FIELDS = frozenset({"part", "collection", "commitment"})
_MAX_PART_NAME = 256


class EnvelopeError(TradeledgerError, ValueError):
    """An envelope that is malformed: it cannot even be judged valid or invalid."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _signature_from_text(text: str) -> bytes:
    """The Ed25519 signature of its base64url text, which must be its one canonical spelling.

    Base64 decoders forgive padding, stray characters and the unused low bits of the
    last character, so several texts decode to one signature. The text is part of the
    leaf and the txid, so each extra spelling would be a new txid for the same signed
    envelope: a replay the txid check could not see. Only the canonical spelling passes:
    64 bytes are 86 characters without padding, and the last one carries 4 zero bits.
    An empty text is an unsigned envelope (its shape is checked before signing).
    """
    if not text:
        return b""
    if not _SIGNATURE_TEXT.fullmatch(text):
        raise EnvelopeError("signature must be 64 bytes in unpadded canonical base64url (86 characters)")
    return base64.urlsafe_b64decode(text + "==")


@dataclass(frozen=True)
class Envelope:
    network: str
    contract: str
    action: str
    args: dict[str, Any]
    commitments: tuple[str, ...]
    signer: str
    nonce: str
    created_ms: int
    signature: bytes = field(default=b"", repr=False)
    private: tuple[PrivatePart, ...] = ()

    # --- wire form -----------------------------------------------------------------
    def unsigned_dict(self) -> dict[str, Any]:
        fields = {
            "network": self.network,
            "contract": self.contract,
            "action": self.action,
            "args": self.args,
            "commitments": list(self.commitments),
            "signer": self.signer,
            "nonce": self.nonce,
            "created_ms": self.created_ms,
        }
        if self.private:
            fields["private"] = [part.to_dict() for part in self.private]
        return fields

    def to_dict(self) -> dict[str, Any]:
        return {**self.unsigned_dict(), "signature": _b64url(self.signature)}

    @classmethod
    def from_dict(cls, data: Any) -> Envelope:
        if not isinstance(data, dict):
            raise EnvelopeError("an envelope is a JSON object")
        if data.keys() != _FIELD_SET and data.keys() != _PRIVATE_FIELD_SET:
            missing = [name for name in _FIELDS if name not in data]
            extra = sorted(set(data) - _PRIVATE_FIELD_SET)
            raise EnvelopeError(f"envelope fields: missing {missing}, unexpected {extra}")
        network, contract, action, signer, nonce, signature_text = (
            data["network"], data["contract"], data["action"], data["signer"], data["nonce"], data["signature"]
        )
        for name, value in (("network", network), ("contract", contract), ("action", action),
                            ("signer", signer), ("nonce", nonce), ("signature", signature_text)):
            if type(value) is not str:
                raise EnvelopeError(f"envelope field {name} must be a string")
        if not _NAME_PATTERN.match(contract) or not _NAME_PATTERN.match(action):
            raise EnvelopeError("contract and action are lowercase names")
        if type(data["args"]) is not dict:
            raise EnvelopeError("envelope args must be an object")
        commitments = data["commitments"]
        if type(commitments) is not list or not all(
            type(c) is str and COMMITMENT_PATTERN.match(c) for c in commitments
        ):
            raise EnvelopeError("commitments must be a list of 64-digit lowercase hex strings")
        created_ms = data["created_ms"]
        if type(created_ms) is not int or created_ms < 0:
            raise EnvelopeError("created_ms must be a non-negative integer (Unix milliseconds)")
        if not _NONCE_PATTERN.match(nonce):
            raise EnvelopeError("nonce must be 16 random bytes in lowercase hex")
        return cls(network, contract, action, data["args"], tuple(commitments), signer, nonce, created_ms,
                   _signature_from_text(signature_text), _private_parts(data.get("private")))

    # --- bytes and identity ----------------------------------------------------------
    def signing_bytes(self) -> bytes:
        """The canonical bytes the signature covers: the envelope without its signature,
        cut out of the leaf bytes rather than encoded again (see `_without_signature`)."""
        if self.signature:
            message = _without_signature(self.leaf_bytes(), _b64url(self.signature))
            if message is not None:
                return message
        return canonical_bytes(self.unsigned_dict())

    def leaf_bytes(self) -> bytes:
        """The canonical bytes of the whole envelope: the Merkle leaf (decision 5)."""
        return self._leaf

    @cached_property
    def _leaf(self) -> bytes:
        return canonical_bytes(self.to_dict())

    @property
    def txid(self) -> str:
        return sha256_hex(self.leaf_bytes())

    def signer_public_key(self) -> bytes:
        try:
            return public_key_from_did_key(self.signer)
        except DidKeyError as exc:
            raise EnvelopeError(f"signer is not an Ed25519 did:key URL: {exc}") from exc


def _private_parts(value: Any) -> tuple[PrivatePart, ...]:
    if value is None:
        return ()
    if type(value) is not list or not value:
        raise EnvelopeError("private must be a non-empty list of parts (leave it out when there are none)")
    parts: list[PrivatePart] = []
    for item in value:
        if type(item) is not dict or item.keys() != _PART_FIELDS:
            raise EnvelopeError("each private part is an object with exactly part, collection and commitment")
        part, collection, commitment = item["part"], item["collection"], item["commitment"]
        if type(part) is not str or not _NAME_PATTERN.match(part):
            raise EnvelopeError("a private part's name is a lowercase name")
        if type(collection) is not str or not 0 < len(collection) <= _MAX_PART_NAME:
            raise EnvelopeError(f"a private part's collection is a name of 1 to {_MAX_PART_NAME} characters")
        if type(commitment) is not str or not COMMITMENT_PATTERN.match(commitment):
            raise EnvelopeError("a private part's commitment is 64 lowercase hex digits")
        parts.append(PrivatePart(part, collection, commitment))
    if len({(p.part, p.collection) for p in parts}) != len(parts):
        raise EnvelopeError("two private parts name the same part and collection")
    return tuple(parts)


def _without_signature(leaf: bytes, signature_text: str) -> bytes | None:
    """A canonical envelope's bytes with its top-level `,"signature":"..."` member removed.

    In canonical form that member sits between `nonce` (or `private`) and `signer`, and it is the last
    occurrence of that text, because everything after it is the signer string, where
    quotes would be escaped.
    """
    member = b',"signature":"' + signature_text.encode("ascii") + b'"'
    at = leaf.rfind(member)
    return leaf[:at] + leaf[at + len(member):] if at >= 0 else None


def signature_parts(leaf: bytes) -> tuple[bytes, bytes, bytes] | None:
    """(public key, signed message, signature) read straight from leaf bytes: what a
    verification worker needs, without the full decode and its checks.

    For every leaf that `decode_envelope` accepts, this gives exactly what the decoded
    envelope gives (its signer's key, `signing_bytes()` and signature); a leaf it refuses
    gets None or parts whose verdict nobody reads, because execution refuses the leaf first.
    """
    try:
        data = orjson.loads(leaf)
        signer, text = data["signer"], data["signature"]
        if type(signer) is not str or type(text) is not str:
            return None
        public_key = public_key_from_did_key(signer)
        signature = _signature_from_text(text)
    except (ValueError, KeyError, TypeError, DidKeyError):  # EnvelopeError is a ValueError
        return None
    message = _without_signature(leaf, text)
    return None if message is None else (public_key, message, signature)


def sign_envelope(
    key: KeyPair,
    *,
    network: str,
    contract: str,
    action: str,
    args: dict[str, Any],
    created_ms: int,
    commitments: tuple[str, ...] | list[str] = (),
    nonce: str | None = None,
    private: tuple[PrivatePart, ...] = (),
) -> Envelope:
    """Build and sign an envelope; refuses data that is not ledger data."""
    unsigned = Envelope(
        network=network,
        contract=contract,
        action=action,
        args=args,
        commitments=tuple(commitments),
        signer=key.verification_method,
        nonce=nonce or os.urandom(16).hex(),
        created_ms=created_ms,
        private=tuple(private),
    )
    Envelope.from_dict(unsigned.to_dict())  # the same shape checks a peer applies
    message = unsigned.signing_bytes()
    return dataclasses.replace(unsigned, signature=key.sign(message))


def decode_envelope(leaf: bytes) -> Envelope:
    """Parse leaf bytes into an envelope; they must be its canonical form."""
    try:
        data = parse_canonical(leaf)
    except NonCanonicalDataError as exc:
        raise EnvelopeError(str(exc)) from exc
    envelope = Envelope.from_dict(data)
    envelope.__dict__["_leaf"] = bytes(leaf)  # already canonical: no need to encode again
    return envelope
