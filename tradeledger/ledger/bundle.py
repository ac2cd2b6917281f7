"""The proof bundle (DESIGN.md decision 13): one JSON file that proves, offline and
without trusting whoever hands it over, that a document's commitment was signed into the
ledger and covered by a checkpoint the network's quorum cosigned.

    {
      "format": "tradeledger-proof/1",
      "envelope": {...},                 leaf bytes = JCS(envelope)
      "commitment_pointer": "/commitments/0",
      "document": {"sha256": hex, "salt": hex},     only when the holder discloses it, or
                  {"fields": {"_sd": [...], "_sd_alg": "sha-256"}, "salt": hex,
                   "disclosures": [...]}              chosen fields of a structured document
      "tlog_proof": "c2sp.org/tlog-proof@v1\\n...",  C2SP tlog-proof with the cosigned checkpoint
      "policy": "..."                    the network's C2SP tlog-policy (a convenience:
                                         a verifier pins the policy it trusts)
    }
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tradeledger import merkle
from tradeledger.crypto import canonical_bytes, commitment_of, sha256, verify_signature
from tradeledger.crypto.disclosure import DisclosureError, FieldSummary, open_fields
from tradeledger.errors import TradeledgerError
from tradeledger.ledger.envelope import Envelope, EnvelopeError
from tradeledger.tlog import Policy, PolicyError, ProofFormatError, TlogProof

BUNDLE_FORMAT = "tradeledger-proof/1"


class BundleError(TradeledgerError, ValueError):
    """A proof bundle that is not well formed."""


@dataclass(frozen=True)
class DisclosedDocument:
    sha256: bytes
    salt: bytes

    def to_dict(self) -> dict[str, str]:
        return {"sha256": self.sha256.hex(), "salt": self.salt.hex()}

    @classmethod
    def from_dict(cls, data: Any) -> DisclosedDocument:
        try:
            digest, salt = bytes.fromhex(data["sha256"]), bytes.fromhex(data["salt"])
        except (TypeError, KeyError, ValueError) as exc:
            raise BundleError("document must hold hex sha256 and salt") from exc
        if len(digest) != 32 or len(salt) != 32:
            raise BundleError("document sha256 and salt are 32 bytes each")
        return cls(digest, salt)


@dataclass(frozen=True)
class DisclosedFields:
    """Some fields of a structured document: its field summary, the commitment salt, and
    the disclosures of the fields shown; the others stay salted digests."""

    summary: FieldSummary
    salt: bytes
    disclosures: tuple[str, ...]

    @property
    def sha256(self) -> bytes:
        return sha256(self.summary.document_bytes())

    def to_dict(self) -> dict[str, Any]:
        return {"fields": self.summary.to_dict(), "salt": self.salt.hex(), "disclosures": list(self.disclosures)}

    @classmethod
    def from_dict(cls, data: Any) -> DisclosedFields:
        if not isinstance(data, dict) or set(data) != {"fields", "salt", "disclosures"}:
            raise BundleError("disclosed fields hold exactly fields, salt and disclosures")
        try:
            salt = bytes.fromhex(data["salt"])
        except (TypeError, ValueError) as exc:
            raise BundleError("document salt must be hex") from exc
        if len(salt) != 32:
            raise BundleError("document salt is 32 bytes")
        disclosures = data["disclosures"]
        if not isinstance(disclosures, list) or not all(isinstance(d, str) for d in disclosures):
            raise BundleError("disclosures must be a list of strings")
        try:
            summary = FieldSummary.from_dict(data["fields"])
        except DisclosureError as exc:
            raise BundleError(str(exc)) from None
        return cls(summary, salt, tuple(disclosures))


def _document_from_dict(data: Any) -> DisclosedDocument | DisclosedFields:
    if isinstance(data, dict) and "fields" in data:
        return DisclosedFields.from_dict(data)
    return DisclosedDocument.from_dict(data)


@dataclass(frozen=True)
class ProofBundle:
    envelope: dict[str, Any]
    commitment_pointer: str
    tlog_proof: str
    policy: str
    document: DisclosedDocument | DisclosedFields | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format": BUNDLE_FORMAT,
            "envelope": self.envelope,
            "commitment_pointer": self.commitment_pointer,
        }
        if self.document is not None:
            data["document"] = self.document.to_dict()
        data["tlog_proof"] = self.tlog_proof
        data["policy"] = self.policy
        return data

    @classmethod
    def from_dict(cls, data: Any) -> ProofBundle:
        if not isinstance(data, dict) or data.get("format") != BUNDLE_FORMAT:
            raise BundleError(f"not a proof bundle: expected \"format\": \"{BUNDLE_FORMAT}\"")
        for name, kind in (("envelope", dict), ("commitment_pointer", str), ("tlog_proof", str), ("policy", str)):
            if not isinstance(data.get(name), kind):
                raise BundleError(f"bundle field {name!r} is missing or not a {kind.__name__}")
        document = data.get("document")
        return cls(
            envelope=data["envelope"],
            commitment_pointer=data["commitment_pointer"],
            tlog_proof=data["tlog_proof"],
            policy=data["policy"],
            document=_document_from_dict(document) if document is not None else None,
        )


@dataclass(frozen=True)
class BundleVerification:
    ok: bool
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.ok, **({"reason": self.reason} if self.reason else {}), **self.details}


def resolve_pointer(document: Any, pointer: str) -> Any:
    """RFC 6901 JSON Pointer lookup; raises BundleError when it does not resolve."""
    if pointer == "":
        return document
    if not pointer.startswith("/"):
        raise BundleError(f"JSON pointer {pointer!r} must start with '/'")
    current = document
    for token in pointer[1:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(current, dict) and token in current:
            current = current[token]
        elif isinstance(current, list) and token.isdigit() and (token == "0" or not token.startswith("0")) \
                and int(token) < len(current):
            current = current[int(token)]
        else:
            raise BundleError(f"JSON pointer {pointer!r} does not resolve in the envelope")
    return current


def _inclusion(leaf_hash: bytes, index: int, size: int, path, root: bytes) -> bool:
    return merkle.verify_inclusion(index, size, leaf_hash, list(path), root)


def verify_bundle(
    bundle: ProofBundle, document: bytes | None = None, pinned_policy: str | None = None
) -> BundleVerification:
    """Verify a bundle offline. `document` is the file's bytes when the verifier has it;
    `pinned_policy` is the tlog-policy the verifier trusts (else the bundle's own)."""
    details: dict[str, Any] = {}

    def fail(reason: str) -> BundleVerification:
        return BundleVerification(False, reason, details)

    try:
        envelope = Envelope.from_dict(bundle.envelope)
        leaf = canonical_bytes(bundle.envelope)
    except (EnvelopeError, ValueError) as exc:
        return fail(f"envelope is malformed: {exc}")
    details["txid"] = sha256(leaf).hex()
    details["signer"] = envelope.signer.partition("#")[0]
    details["created_ms"] = envelope.created_ms
    try:
        public_key = envelope.signer_public_key()
    except EnvelopeError as exc:
        return fail(str(exc))
    if not verify_signature(public_key, envelope.signing_bytes(), envelope.signature):
        return fail("the envelope's signature does not verify under its signer key")

    try:
        commitment = resolve_pointer(bundle.envelope, bundle.commitment_pointer)
    except BundleError as exc:
        return fail(str(exc))
    if not isinstance(commitment, str):
        return fail("the commitment pointer does not point at a commitment string")
    details["commitment"] = commitment

    disclosed = bundle.document
    if document is not None and disclosed is None:
        return fail("the bundle does not disclose the document's salt, so the file cannot be matched")
    if isinstance(disclosed, DisclosedDocument):
        if document is not None and sha256(document) != disclosed.sha256:
            return fail("the file's SHA-256 differs from the bundle's: this is not the anchored document")
        details["document_sha256"] = disclosed.sha256.hex()
    elif isinstance(disclosed, DisclosedFields):
        try:
            fields = open_fields(disclosed.summary, disclosed.disclosures)
        except DisclosureError as exc:
            return fail(f"disclosed fields: {exc}")
        details["disclosed_fields"] = fields
        details["withheld_fields"] = len(disclosed.summary.digests) - len(fields)
        if document is not None:
            problem = _fields_match_file(fields, document)
            if problem:
                return fail(problem)
    if disclosed is not None and commitment_of(disclosed.sha256, disclosed.salt) != commitment:
        return fail("SHA-256(salt || SHA-256(document)) does not equal the anchored commitment")

    try:
        policy = Policy.from_text(pinned_policy if pinned_policy is not None else bundle.policy)
    except PolicyError as exc:
        return fail(f"policy is malformed: {exc}")
    try:
        proof = TlogProof.from_text(bundle.tlog_proof)
    except (ProofFormatError, ValueError) as exc:
        return fail(f"tlog proof is malformed: {exc}")
    result = proof.verify(merkle.leaf_hash(leaf), policy, _inclusion)
    details["leaf_index"] = proof.index
    if result.checkpoint is not None and result.checkpoint.checkpoint is not None:
        checkpoint = result.checkpoint.checkpoint
        details["tree_size"] = checkpoint.size
        details["origin"] = checkpoint.origin
        details["witnesses"] = list(result.checkpoint.witnesses)
        times = [t for _name, t in result.checkpoint.cosignature_times]
        if times:
            details["cosigned_at"] = min(times)
    if not result.ok:
        return fail(result.reason or "the tlog proof does not verify")
    return BundleVerification(True, "", details)


def _fields_match_file(fields: dict[str, Any], document: bytes) -> str:
    """Why the disclosed fields are not those of the file, or "" when they are."""
    try:
        content = json.loads(document)
    except ValueError:
        return "the bundle discloses fields of a JSON document, and the file is not JSON"
    if not isinstance(content, dict):
        return "the bundle discloses fields of a JSON object, and the file is not one"
    for name, value in fields.items():
        if name not in content or json.dumps(content[name], sort_keys=True) != json.dumps(value, sort_keys=True):
            return f"field {name!r} of the file differs from the disclosed field"
    return ""
