"""Bitstring Status List v1.0: revocation and suspension bits for credentials.

W3C Recommendation https://www.w3.org/TR/vc-bitstring-status-list/:

* a status list is a bitstring of at least 131,072 entries (16 KB); entry 0 is the
  left-most (most significant) bit of the first byte;
* `encodedList` is "u" + base64url (no padding) of the GZIP-compressed bitstring;
* a credential points into a list with a BitstringStatusListEntry: statusPurpose,
  statusListIndex (a base-10 integer in a string) and statusListCredential (a URL);
* purposes: `revocation` cannot be undone, `suspension` can.

Only one-bit entries (statusSize 1) are supported, which the specification allows; an entry
asking for more is refused with a STATUS_VERIFICATION_ERROR rather than misread. Lists are
compared by their decoded bits: GZIP output differs between implementations.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tradeledger.credentials.errors import (
    IrreversibleStatusError,
    MultibaseError,
    StatusIndexOutOfRangeError,
    StatusListError,
    StatusListLengthError,
    StatusVerificationError,
)
from tradeledger.credentials.model import VC_V2_CONTEXT, VERIFIABLE_CREDENTIAL
from tradeledger.credentials.multibase import decode_base64url, encode_base64url
from tradeledger.credentials.validation import is_url

__all__ = [
    "MIN_STATUS_LIST_LENGTH",
    "REVOCATION",
    "SUSPENSION",
    "BitstringStatusList",
    "BitstringStatusListEntry",
    "StatusCheck",
    "check_status",
    "status_list_credential",
    "status_list_from_credential",
]

MIN_STATUS_LIST_LENGTH = 131_072  # entries; the specification's herd-privacy minimum
MAX_STATUS_LIST_BYTES = 16 * 1024 * 1024  # refuse to inflate more than this (GZIP bombs)

REVOCATION = "revocation"
SUSPENSION = "suspension"

STATUS_LIST_CREDENTIAL = "BitstringStatusListCredential"
STATUS_LIST = "BitstringStatusList"
STATUS_LIST_ENTRY = "BitstringStatusListEntry"

_INDEX = re.compile(r"[0-9]+")


def _inflate(compressed: bytes) -> bytes:
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # GZIP framing only
    try:
        bits = inflater.decompress(compressed, MAX_STATUS_LIST_BYTES)
    except zlib.error as exc:
        raise StatusListError(f"encodedList is not GZIP data: {exc}") from None
    if inflater.unconsumed_tail:
        raise StatusListError(f"encodedList inflates beyond {MAX_STATUS_LIST_BYTES} bytes")
    if not inflater.eof:
        raise StatusListError("encodedList holds a truncated GZIP stream")
    if inflater.unused_data:
        raise StatusListError("encodedList has bytes after its GZIP stream")
    return bits


@dataclass(frozen=True)
class BitstringStatusList:
    """A decoded status list: its bits and the purposes it serves. Immutable; set() copies."""

    bits: bytes
    purposes: tuple[str, ...] = (REVOCATION,)

    def __post_init__(self) -> None:
        if not isinstance(self.bits, bytes) or not self.bits:
            raise StatusListError("a status list holds at least one byte of bits")
        purposes = (self.purposes,) if isinstance(self.purposes, str) else tuple(self.purposes)
        if not purposes or not all(isinstance(p, str) and p for p in purposes):
            raise StatusListError("statusPurpose must be one or more non-empty strings")
        object.__setattr__(self, "purposes", purposes)

    @classmethod
    def new(cls, purpose: str = REVOCATION, length: int = MIN_STATUS_LIST_LENGTH) -> BitstringStatusList:
        """An all-clear list of `length` entries (a multiple of 8, at least 131,072)."""
        if length < MIN_STATUS_LIST_LENGTH or length % 8:
            raise StatusListLengthError(
                f"a status list has at least {MIN_STATUS_LIST_LENGTH} entries, in whole "
                f"bytes; got {length}"
            )
        return cls(bytes(length // 8), (purpose,))

    @property
    def length(self) -> int:
        """The number of entries (bits)."""
        return len(self.bits) * 8

    def _position(self, index: int) -> tuple[int, int]:
        if isinstance(index, bool) or not isinstance(index, int):
            raise StatusListError(f"a status list index is an integer, got {index!r}")
        if not 0 <= index < self.length:
            raise StatusIndexOutOfRangeError(
                f"status list index {index} is outside the list (0..{self.length - 1})"
            )
        return index >> 3, 0x80 >> (index & 7)  # index 0 is the left-most bit of byte 0

    def get(self, index: int) -> int:
        """The status bit (0 or 1) at `index`."""
        byte, mask = self._position(index)
        return 1 if self.bits[byte] & mask else 0

    def set(self, index: int, value: bool | int) -> BitstringStatusList:
        """A copy with the bit at `index` set (1) or cleared (0).

        Clearing a set bit on a revocation list raises IrreversibleStatusError.
        """
        if value not in (0, 1):
            raise StatusListError(f"a status bit is 0 or 1, got {value!r}")
        byte, mask = self._position(index)
        is_set = bool(self.bits[byte] & mask)
        if is_set == bool(value):
            return self
        if is_set and REVOCATION in self.purposes:
            raise IrreversibleStatusError(
                f"entry {index} is revoked and revocation cannot be undone; "
                "use a suspension list for reversible holds"
            )
        bits = bytearray(self.bits)
        bits[byte] ^= mask
        return BitstringStatusList(bytes(bits), self.purposes)

    def set_indices(self) -> Iterator[int]:
        """The indices whose bit is 1, in increasing order."""
        for byte_index, byte in enumerate(self.bits):
            if byte:
                for bit in range(8):
                    if byte & (0x80 >> bit):
                        yield byte_index * 8 + bit

    def encode(self) -> str:
        """The encodedList: 'u' + base64url(GZIP(bits)), without padding."""
        return encode_base64url(gzip.compress(self.bits, mtime=0))

    @classmethod
    def decode(cls, encoded_list: str, purposes: str | tuple[str, ...] = (REVOCATION,), *,
               min_length: int = MIN_STATUS_LIST_LENGTH) -> BitstringStatusList:
        """Decode an encodedList; a list under `min_length` entries is a STATUS_LIST_LENGTH_ERROR."""
        try:
            compressed = decode_base64url(encoded_list)
        except MultibaseError as exc:
            raise StatusListError(f"encodedList: {exc}") from None
        bits = _inflate(compressed)
        if len(bits) * 8 < min_length:
            raise StatusListLengthError(
                f"status list has {len(bits) * 8} entries; at least {min_length} are required "
                "for herd privacy"
            )
        return cls(bits, purposes if isinstance(purposes, tuple) else (purposes,))

    def to_dict(self) -> dict[str, Any]:
        """The list as a BitstringStatusListCredential's credentialSubject (without id)."""
        purpose: str | list[str] = (self.purposes[0] if len(self.purposes) == 1
                                    else list(self.purposes))
        return {"type": STATUS_LIST, "statusPurpose": purpose, "encodedList": self.encode()}

    @classmethod
    def from_dict(cls, subject: object, *,
                  min_length: int = MIN_STATUS_LIST_LENGTH) -> BitstringStatusList:
        """Decode a BitstringStatusList credentialSubject (any JSON value; others are refused)."""
        if not isinstance(subject, Mapping) or subject.get("type") != STATUS_LIST:
            raise StatusListError(f"a status list credentialSubject has type {STATUS_LIST!r}")
        purpose = subject.get("statusPurpose")
        purposes = tuple(purpose) if isinstance(purpose, list) else (purpose,)
        if "encodedList" not in subject:
            raise StatusListError("status list credentialSubject has no encodedList")
        return cls.decode(subject["encodedList"], purposes, min_length=min_length)


def status_list_credential(*, id: str, issuer: str | Mapping[str, Any],
                           status_list: BitstringStatusList, valid_from: str | None = None,
                           valid_until: str | None = None) -> dict[str, Any]:
    """An unsigned BitstringStatusListCredential publishing `status_list` at `id`."""
    if not is_url(id):
        raise StatusListError(f"a status list credential id is a URL, got {id!r}")
    credential: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT],
        "id": id,
        "type": [VERIFIABLE_CREDENTIAL, STATUS_LIST_CREDENTIAL],
        "issuer": issuer,
    }
    if valid_from is not None:
        credential["validFrom"] = valid_from
    if valid_until is not None:
        credential["validUntil"] = valid_until
    credential["credentialSubject"] = {"id": f"{id}#list", **status_list.to_dict()}
    return credential


def status_list_from_credential(credential: Mapping[str, Any], *,
                                min_length: int = MIN_STATUS_LIST_LENGTH) -> BitstringStatusList:
    """The decoded list of a BitstringStatusListCredential (verify its proof first)."""
    types = credential.get("type") if isinstance(credential, Mapping) else None
    if not isinstance(types, list) or STATUS_LIST_CREDENTIAL not in types:
        raise StatusVerificationError(
            f"the status list credential's type must include {STATUS_LIST_CREDENTIAL!r}"
        )
    return BitstringStatusList.from_dict(credential.get("credentialSubject"),
                                         min_length=min_length)


@dataclass(frozen=True)
class BitstringStatusListEntry:
    """A credential's pointer into a status list (its credentialStatus entry)."""

    status_purpose: str
    status_list_index: int
    status_list_credential: str
    id: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.status_purpose, str) or not self.status_purpose:
            raise StatusListError("statusPurpose must be a non-empty string")
        if isinstance(self.status_list_index, bool) or not isinstance(self.status_list_index, int) \
                or self.status_list_index < 0:
            raise StatusListError("statusListIndex must be a non-negative integer")
        if not is_url(self.status_list_credential):
            raise StatusListError(f"statusListCredential must be a URL, "
                                  f"got {self.status_list_credential!r}")
        if self.id is not None and not is_url(self.id):
            raise StatusListError(f"a status entry id must be a URL, got {self.id!r}")

    def to_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {}
        if self.id is not None:
            entry["id"] = self.id
        entry.update({
            "type": STATUS_LIST_ENTRY,
            "statusPurpose": self.status_purpose,
            "statusListIndex": str(self.status_list_index),
            "statusListCredential": self.status_list_credential,
        })
        return entry

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BitstringStatusListEntry:
        if not isinstance(data, Mapping) or data.get("type") != STATUS_LIST_ENTRY:
            raise StatusListError(f"a status entry has type {STATUS_LIST_ENTRY!r}")
        index = data.get("statusListIndex")
        if not isinstance(index, str) or not _INDEX.fullmatch(index):
            raise StatusListError(
                f'statusListIndex must be a base-10 integer in a string, like "94567"; '
                f"got {index!r}"
            )
        size = data.get("statusSize", 1)
        if size != 1 or isinstance(size, bool):
            raise StatusVerificationError(
                f"statusSize {size!r} is not supported; only one-bit entries (statusSize 1) are"
            )
        purpose, credential = data.get("statusPurpose"), data.get("statusListCredential")
        if not isinstance(purpose, str):
            raise StatusListError("statusPurpose must be a non-empty string")
        if not isinstance(credential, str):
            raise StatusListError(f"statusListCredential must be a URL, got {credential!r}")
        return cls(purpose, int(index), credential, data.get("id"))


@dataclass(frozen=True)
class StatusCheck:
    """The Validate Algorithm's result for one entry."""

    purpose: str
    index: int
    status: int
    status_list_credential: str

    @property
    def valid(self) -> bool:
        return self.status == 0

    def to_dict(self) -> dict[str, Any]:
        return {"purpose": self.purpose, "index": self.index, "status": self.status,
                "valid": self.valid, "statusListCredential": self.status_list_credential}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StatusCheck:
        return cls(data["purpose"], data["index"], data["status"], data["statusListCredential"])


def check_status(entry: BitstringStatusListEntry, status_list: BitstringStatusList) -> StatusCheck:
    """Validate Algorithm steps 5-13: the entry's bit in its (already verified) list."""
    if entry.status_purpose not in status_list.purposes:
        raise StatusVerificationError(
            f"entry's statusPurpose {entry.status_purpose!r} is not a purpose of its list "
            f"({', '.join(status_list.purposes)})"
        )
    if status_list.length < MIN_STATUS_LIST_LENGTH:
        raise StatusListLengthError(
            f"status list has {status_list.length} entries; at least "
            f"{MIN_STATUS_LIST_LENGTH} are required for herd privacy"
        )
    return StatusCheck(entry.status_purpose, entry.status_list_index,
                       status_list.get(entry.status_list_index), entry.status_list_credential)
