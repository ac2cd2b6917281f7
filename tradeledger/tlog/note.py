"""C2SP signed-note: notes, signature lines, vkeys and Ed25519 note signatures.

Implements c2sp.org/signed-note (sections "Format", "Signatures",
"Signature types" and "Ed25519 signatures") plus the verifier-key ("vkey")
and signer-key encodings of golang.org/x/mod/sumdb/note, which the spec
references as the key format:

* vkey: ``<name>+<8 lowercase hex key ID>+<base64(type byte || public key)>``
* signer key: ``PRIVATE+KEY+<name>+<hex key ID>+<base64(type byte || seed)>``

A signed note is the note text (ending in a newline), a blank line, and one or
more signature lines ``— <key name> <base64(key ID || signature)>``.

Parsing is as tolerant as the spec requires and no more: signatures from keys
we do not know (name *and* key ID must both match) are kept but ignored, a note
may carry up to :data:`MAX_SIGNATURES` signature lines (the spec's floor is 16;
100 is Go's ceiling), and anything not of the specified shape is a
:class:`NoteError`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import ClassVar, Generic, Protocol, Self, TypeVar, cast, runtime_checkable

import nacl.exceptions
import nacl.signing

from tradeledger.errors import TradeledgerError

from ._encoding import b64decode, b64encode, decode_text, is_uint, key_name_problem, note_text_problem

__all__ = [
    "ED25519_TYPE",
    "MAX_SIGNATURES",
    "SIGNATURE_PREFIX",
    "InvalidSignatureError",
    "KeyFormatError",
    "NoteError",
    "NoteSignature",
    "NoteSigner",
    "NoteVerification",
    "NoteVerifier",
    "SignedNote",
    "Signer",
    "UnsupportedKeyTypeError",
    "UnverifiedNoteError",
    "VerifiedSignature",
    "Verifier",
    "VerifierKey",
    "compute_key_id",
    "open_note",
    "sign_note",
]

#: Signature type byte for plain Ed25519 note signatures (signed-note "Signature types").
ED25519_TYPE = 0x01
#: Every signature line starts with an em dash (U+2014) and a space.
SIGNATURE_PREFIX = "\u2014 "
#: The spec says verifiers MUST accept at least 16 signatures and SHOULD cap
#: them; Go's note.Open refuses more than 100, so we accept exactly what Go does.
MAX_SIGNATURES = 100

_HEX_KEY_ID = re.compile(r"[0-9a-f]{8}", re.ASCII)
_SEED_SIZE = 32
_ED25519_SIG_SIZE = 64


class NoteError(TradeledgerError, ValueError):
    """A signed note (or a key or signature line) is not of the specified form."""


class KeyFormatError(NoteError):
    """A vkey or signer key string is malformed or inconsistent."""


class UnsupportedKeyTypeError(KeyFormatError):
    """The key is well formed but uses a signature type this code does not implement."""

    def __init__(self, message: str, key_type: int):
        super().__init__(message)
        self.key_type = key_type


class InvalidSignatureError(NoteError):
    """A signature from a known key (name and key ID match) failed to verify."""

    def __init__(self, name: str, key_id: int):
        super().__init__(f"invalid signature for key {name}+{key_id:08x}")
        self.name = name
        self.key_id = key_id


class UnverifiedNoteError(NoteError):
    """The note parsed, but no signature from a known key is on it."""

    def __init__(self, verification: NoteVerification):
        super().__init__("note has no signature from a known key")
        self.verification = verification


def compute_key_id(name: str, key_type: int, public_key: bytes) -> int:
    """Key ID = SHA-256(key name || 0x0A || signature type || public key)[:4], big-endian.

    signed-note "Signatures" recommends this for every type, and it is
    mandatory for Ed25519 (0x01) and Ed25519 cosignatures (0x04).
    """
    problem = key_name_problem(name)
    if problem:
        raise KeyFormatError(problem)
    if not is_uint(key_type, 0xFF):
        raise KeyFormatError(f"signature type must be a byte, got {key_type!r}")
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([key_type]) + bytes(public_key)).digest()
    return int.from_bytes(digest[:4], "big")


def _split_key(text: str, parts: int, what: str) -> list[str]:
    # Split on the first parts-1 "+" only: names cannot contain "+", but the
    # trailing base64 field can.
    if not isinstance(text, str):
        raise KeyFormatError(f"{what} must be a str, not {type(text).__name__}")
    fields = text.split("+", parts - 1)
    if len(fields) != parts:
        raise KeyFormatError(f"malformed {what} {text!r}: expected {parts} '+'-separated fields")
    return fields


def _parse_key_fields(name: str, hex_id: str, b64: str, what: str) -> tuple[int, int, bytes]:
    problem = key_name_problem(name)
    if problem:
        raise KeyFormatError(f"malformed {what}: {problem}")
    if not _HEX_KEY_ID.fullmatch(hex_id):
        raise KeyFormatError(f"malformed {what}: key ID must be 8 lowercase hex digits, got {hex_id!r}")
    try:
        raw = b64decode(b64, f"{what} key material")
    except ValueError as exc:
        raise KeyFormatError(f"malformed {what}: {exc}") from None
    if len(raw) < 2:
        raise KeyFormatError(f"malformed {what}: key material must be a type byte followed by the key")
    return int(hex_id, 16), raw[0], raw[1:]


@dataclass(frozen=True)
class VerifierKey:
    """A parsed vkey of any signature type: ``<name>+<hex key ID>+<base64(type||key)>``.

    The key ID is checked against the public key for the types whose key ID
    rule we implement (0x01 and 0x04).  Other types (ECDSA 0x02, whose key ID
    is a hash of the SPKI; RFC 6962 0x05; ML-DSA 0x06; ...) parse, so callers
    can tell them apart, but we cannot verify their signatures.
    """

    name: str
    key_id: int
    key_type: int
    public_key: bytes

    def __post_init__(self) -> None:
        problem = key_name_problem(self.name)
        if problem:
            raise KeyFormatError(problem)
        if not is_uint(self.key_id, 0xFFFFFFFF):
            raise KeyFormatError(f"key ID must be a uint32, got {self.key_id!r}")
        if not is_uint(self.key_type, 0xFF):
            raise KeyFormatError(f"signature type must be a byte, got {self.key_type!r}")
        if not isinstance(self.public_key, bytes) or not self.public_key:
            raise KeyFormatError("public key must be non-empty bytes")
        if self.key_type in _NAME_BOUND_KEY_IDS:
            expected = compute_key_id(self.name, self.key_type, self.public_key)
            if expected != self.key_id:
                raise KeyFormatError(
                    f"key ID {self.key_id:08x} does not match the key (expected {expected:08x} for {self.name!r})"
                )

    @classmethod
    def from_text(cls, vkey: str) -> VerifierKey:
        name, hex_id, b64 = _split_key(vkey, 3, "verifier key")
        key_id, key_type, public_key = _parse_key_fields(name, hex_id, b64, "verifier key")
        return cls(name, key_id, key_type, public_key)

    def to_text(self) -> str:
        return f"{self.name}+{self.key_id:08x}+{b64encode(bytes([self.key_type]) + self.public_key)}"

    def __str__(self) -> str:
        return self.to_text()


# Types whose key ID is SHA-256(name || "\n" || type || key)[:4] by a MUST.
_NAME_BOUND_KEY_IDS = frozenset({0x01, 0x04})


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: ``— <name> base64(uint32 key ID || signature)``.

    ``signature`` is the algorithm-specific part (for 0x04 cosignatures it is
    the 8-byte timestamp followed by the Ed25519 signature).
    """

    name: str
    key_id: int
    signature: bytes

    def __post_init__(self) -> None:
        problem = key_name_problem(self.name)
        if problem:
            raise NoteError(f"signature line: {problem}")
        if not is_uint(self.key_id, 0xFFFFFFFF):
            raise NoteError(f"signature line: key ID must be a uint32, got {self.key_id!r}")
        # Go's note.Open needs at least one signature byte after the key ID.
        if not isinstance(self.signature, bytes) or not self.signature:
            raise NoteError("signature line: signature must be non-empty bytes")

    @classmethod
    def from_line(cls, line: str) -> NoteSignature:
        """Parse one signature line, without its trailing newline."""
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError(f"signature line must start with an em dash and a space: {line!r}")
        # The name ends at the first space; everything after it is base64, so a
        # second space makes the base64 invalid, as in Go.
        name, _, b64 = line[len(SIGNATURE_PREFIX):].partition(" ")
        problem = key_name_problem(name)
        if problem:
            raise NoteError(f"signature line {line!r}: {problem}")
        try:
            raw = b64decode(b64, "signature")
        except ValueError as exc:
            raise NoteError(f"signature line {line!r}: {exc}") from None
        if len(raw) < 5:
            raise NoteError(f"signature line {line!r}: need a 4-byte key ID and a signature")
        return cls(name, int.from_bytes(raw[:4], "big"), raw[4:])

    def to_line(self) -> str:
        """The signature line, without its trailing newline."""
        return f"{SIGNATURE_PREFIX}{self.name} {b64encode(self.key_id.to_bytes(4, 'big') + self.signature)}"


@runtime_checkable
class Verifier(Protocol):
    """Anything that can check signature lines for one (name, key ID)."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> int: ...

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether `signature` (key ID already stripped) is valid over the note text `message`."""
        ...


@runtime_checkable
class Signer(Protocol):
    """Anything that can produce a note signature line over a note text."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> int: ...

    def sign(self, text: str) -> NoteSignature: ...


@dataclass(frozen=True)
class VerifiedSignature:
    signature: NoteSignature
    verifier: Verifier


@dataclass(frozen=True)
class NoteVerification:
    """Outcome of checking a note's signatures against a set of known keys.

    ``verified`` and ``invalid`` hold signatures from known keys (only the
    first line per known key is checked, repeats are ignored, as in Go);
    ``unknown`` holds lines from keys we were not given, which the spec says
    MUST be ignored.
    """

    note: SignedNote
    verified: tuple[VerifiedSignature, ...]
    invalid: tuple[NoteSignature, ...]
    unknown: tuple[NoteSignature, ...]

    @property
    def ok(self) -> bool:
        """The spec's acceptance rule: at least one known key verified, and
        (SHOULD) no signature from a known key failed."""
        return bool(self.verified) and not self.invalid


def _check_note_text(text: object) -> str:
    if not isinstance(text, str):
        raise NoteError(f"note text must be a str, not {type(text).__name__}")
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    problem = note_text_problem(text)
    if problem:
        raise NoteError(f"note text contains a {problem}")
    return text


@dataclass(frozen=True)
class SignedNote:
    """A note text plus its signature lines (c2sp.org/signed-note "Format")."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def __post_init__(self) -> None:
        _check_note_text(self.text)
        sigs = tuple(self.signatures)
        object.__setattr__(self, "signatures", sigs)
        if not sigs:
            raise NoteError("a signed note needs at least one signature line")
        if len(sigs) > MAX_SIGNATURES:
            raise NoteError(f"too many signatures ({len(sigs)} > {MAX_SIGNATURES})")
        for sig in sigs:
            if not isinstance(sig, NoteSignature):
                raise NoteError(f"signatures must be NoteSignature, not {type(sig).__name__}")

    @classmethod
    def from_text(cls, msg: str | bytes) -> SignedNote:
        """Parse a signed note.  Does not verify anything; see :meth:`verify`."""
        msg = decode_text(msg, "note", NoteError)
        problem = note_text_problem(msg)
        if problem:
            raise NoteError(f"note contains a {problem}")
        # The text is separated from the signatures by the *last* blank line,
        # so the text itself may contain blank lines.
        split = msg.rfind("\n\n")
        if split < 0:
            raise NoteError("note has no blank line before its signatures")
        text, block = msg[: split + 1], msg[split + 2 :]
        if not block or not block.endswith("\n"):
            raise NoteError("note must end with at least one newline-terminated signature line")
        lines = block[:-1].split("\n")
        if len(lines) > MAX_SIGNATURES:
            raise NoteError(f"too many signatures ({len(lines)} > {MAX_SIGNATURES})")
        return cls(text, tuple(NoteSignature.from_line(line) for line in lines))

    def to_text(self) -> str:
        return self.text + "\n" + "".join(sig.to_line() + "\n" for sig in self.signatures)

    def to_bytes(self) -> bytes:
        return self.to_text().encode("utf-8")

    def verify(self, verifiers: Iterable[Verifier]) -> NoteVerification:
        """Check every signature line against `verifiers`; never raises on a bad signature.

        A line is checked only if both its key name and key ID match a
        verifier (signed-note "Signatures"); otherwise it is ``unknown``.
        Raises :class:`NoteError` only if two verifiers claim the same
        (name, key ID), which is a configuration error (Go: "ambiguous key").
        """
        known: dict[tuple[str, int], Verifier] = {}
        for v in verifiers:
            k = (v.name, v.key_id)
            if k in known and known[k] != v:
                raise NoteError(f"ambiguous key {v.name}+{v.key_id:08x}: two verifiers share name and key ID")
            known[k] = v
        message = self.text.encode("utf-8")
        seen: set[tuple[str, int]] = set()
        verified: list[VerifiedSignature] = []
        invalid: list[NoteSignature] = []
        unknown: list[NoteSignature] = []
        for sig in self.signatures:
            k = (sig.name, sig.key_id)
            verifier = known.get(k)
            if verifier is None:
                unknown.append(sig)
                continue
            if k in seen:
                continue  # Go drops repeated signatures by one key unchecked.
            seen.add(k)
            if verifier.verify(message, sig.signature):
                verified.append(VerifiedSignature(sig, verifier))
            else:
                invalid.append(sig)
        return NoteVerification(self, tuple(verified), tuple(invalid), tuple(unknown))

    def with_signatures(self, *new: NoteSignature) -> SignedNote:
        """Add signature lines, replacing existing lines from the same key.

        Ordering follows Go's note.Sign: surviving old lines first, then new.
        """
        replaced = {(s.name, s.key_id) for s in new}
        kept = tuple(s for s in self.signatures if (s.name, s.key_id) not in replaced)
        return SignedNote(self.text, kept + tuple(new))


def open_note(msg: str | bytes, verifiers: Iterable[Verifier]) -> NoteVerification:
    """Parse and verify a note the way Go's note.Open does.

    Raises :class:`NoteError` if malformed, :class:`InvalidSignatureError` if a
    known key's signature is bad (the spec's SHOULD), and
    :class:`UnverifiedNoteError` if no known key signed it (the spec's MUST).
    """
    result = SignedNote.from_text(msg).verify(verifiers)
    if result.invalid:
        bad = result.invalid[0]
        raise InvalidSignatureError(bad.name, bad.key_id)
    if not result.verified:
        raise UnverifiedNoteError(result)
    return result


def sign_note(text: str, *signers: Signer) -> SignedNote:
    """Sign a note text (which must end with a newline) with one or more signers."""
    _check_note_text(text)
    if not signers:
        raise NoteError("sign_note needs at least one signer")
    return SignedNote(text, tuple(s.sign(text) for s in signers))


def _parse_signer_key(skey: str, key_type: int) -> tuple[str, bytes]:
    """Parse ``PRIVATE+KEY+<name>+<hex id>+<base64(type||seed)>`` for an Ed25519-based type.

    Returns (name, seed).  The key ID is checked against the derived public
    key, as Go's note.NewSigner does.
    """
    private, key, name, hex_id, b64 = _split_key(skey, 5, "signer key")
    if private != "PRIVATE" or key != "KEY":
        raise KeyFormatError("malformed signer key: must start with 'PRIVATE+KEY+'")
    key_id, got_type, seed = _parse_key_fields(name, hex_id, b64, "signer key")
    if got_type != key_type:
        raise UnsupportedKeyTypeError(
            f"signer key has signature type 0x{got_type:02x}, expected 0x{key_type:02x}", got_type
        )
    if len(seed) != _SEED_SIZE:
        raise KeyFormatError(f"malformed signer key: Ed25519 seed must be 32 bytes, got {len(seed)}")
    public_key = bytes(nacl.signing.SigningKey(seed).verify_key)
    expected = compute_key_id(name, key_type, public_key)
    if expected != key_id:
        raise KeyFormatError(f"signer key ID {key_id:08x} does not match the key (expected {expected:08x})")
    return name, seed


def _parse_ed25519_vkey(vkey: str, key_type: int) -> tuple[str, bytes]:
    """Parse a vkey that must be of `key_type` with a 32-byte Ed25519 key; returns (name, key)."""
    parsed = VerifierKey.from_text(vkey)
    if parsed.key_type != key_type:
        raise UnsupportedKeyTypeError(
            f"verifier key {parsed.name}+{parsed.key_id:08x} has signature type "
            f"0x{parsed.key_type:02x}, expected 0x{key_type:02x}",
            parsed.key_type,
        )
    if len(parsed.public_key) != 32:
        raise KeyFormatError(f"Ed25519 public key must be 32 bytes, got {len(parsed.public_key)}")
    return parsed.name, parsed.public_key


@dataclass(frozen=True)
class _Ed25519Verifier:
    """The Ed25519 public-key plumbing shared by every Ed25519-based verifier.

    A subclass sets ``_KEY_TYPE`` (the signature type byte its vkeys carry and
    its key ID is computed with) and defines ``verify``: what message is signed.
    """

    _KEY_TYPE: ClassVar[int]

    name: str
    public_key: bytes
    _key: nacl.signing.VerifyKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        problem = key_name_problem(self.name)
        if problem:
            raise KeyFormatError(problem)
        if not isinstance(self.public_key, bytes) or len(self.public_key) != 32:
            raise KeyFormatError("an Ed25519 public key must be exactly 32 bytes")
        object.__setattr__(self, "_key", nacl.signing.VerifyKey(self.public_key))

    @classmethod
    def from_vkey(cls, vkey: str) -> Self:
        """From a vkey ``<name>+<hex key ID>+base64(type byte || 32-byte key)`` of this class's type."""
        return cls(*_parse_ed25519_vkey(vkey, cls._KEY_TYPE))

    @property
    def key_id(self) -> int:
        return compute_key_id(self.name, self._KEY_TYPE, self.public_key)

    @property
    def vkey(self) -> str:
        return VerifierKey(self.name, self.key_id, self._KEY_TYPE, self.public_key).to_text()

    def _verify_ed25519(self, message: bytes, signature: bytes) -> bool:
        """Whether `signature` is exactly a valid 64-byte Ed25519 signature over `message`."""
        if len(signature) != _ED25519_SIG_SIZE:
            return False
        try:
            self._key.verify(message, signature)
        except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError):
            return False
        return True


_V = TypeVar("_V", bound=_Ed25519Verifier)


@dataclass(frozen=True)
class _Ed25519Signer(Generic[_V]):
    """The Ed25519 private-key plumbing shared by every Ed25519-based signer.

    A subclass sets ``_VERIFIER`` (its verifier class, whose ``_KEY_TYPE`` it
    shares) and defines ``sign``: what message is signed.
    """

    _VERIFIER: ClassVar[type[_Ed25519Verifier]]

    seed: bytes = field(repr=False)
    name: str
    _key: nacl.signing.SigningKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        problem = key_name_problem(self.name)
        if problem:
            raise KeyFormatError(problem)
        if not isinstance(self.seed, bytes) or len(self.seed) != _SEED_SIZE:
            raise KeyFormatError("an Ed25519 seed must be exactly 32 bytes")
        object.__setattr__(self, "_key", nacl.signing.SigningKey(self.seed))

    @classmethod
    def from_skey(cls, skey: str) -> Self:
        """From ``PRIVATE+KEY+<name>+<hex key ID>+base64(type byte || seed)`` of this class's type."""
        name, seed = _parse_signer_key(skey, cls._VERIFIER._KEY_TYPE)
        return cls(seed, name)

    @property
    def public_key(self) -> bytes:
        return bytes(self._key.verify_key)

    @property
    def key_id(self) -> int:
        return compute_key_id(self.name, self._VERIFIER._KEY_TYPE, self.public_key)

    @property
    def vkey(self) -> str:
        return self.verifier().vkey

    @property
    def skey(self) -> str:
        key_material = bytes([self._VERIFIER._KEY_TYPE]) + self.seed
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{b64encode(key_material)}"

    def verifier(self) -> _V:
        # _VERIFIER is the _V class of the subclass; a ClassVar cannot be typed by a type variable.
        return cast(_V, self._VERIFIER(self.name, self.public_key))

    def _sign_ed25519(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature over `message`."""
        return self._key.sign(message).signature


@dataclass(frozen=True)
class NoteVerifier(_Ed25519Verifier):
    """Verifies Ed25519 (type 0x01) note signatures for one key."""

    _KEY_TYPE = ED25519_TYPE

    def verify(self, message: bytes, signature: bytes) -> bool:
        return self._verify_ed25519(message, signature)


@dataclass(frozen=True)
class NoteSigner(_Ed25519Signer[NoteVerifier]):
    """Signs note texts with Ed25519 (type 0x01) under a key name."""

    _VERIFIER = NoteVerifier

    def sign(self, text: str) -> NoteSignature:
        """Signature line over the note text (including its final newline)."""
        _check_note_text(text)
        return NoteSignature(self.name, self.key_id, self._sign_ed25519(text.encode("utf-8")))
