"""The trust registry's records, read: was an issuer trusted for a credential type at T?

The trust contract (tradeledger.contracts.trust) decides and writes; these are its records
and the readers every verifier uses. An entry is never rewritten and never backdated:
trust starts at its block time or later, and ending it records the end time and the
reason, so the answer for a moment does not change as the registry moves on.

State (namespace "trust"):

    issuer/<type>/<issuer DID>/<entry id>   TrustEntry: one decision, its period, who set it, its end
    entry/<entry id>                        EntryLocation: which type and issuer the entry is kept under
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from tradeledger.identity.errors import IdentityError
from tradeledger.ledger.authority import utc_text
from tradeledger.ledger.keys import key_prefix, state_key
from tradeledger.ledger.state import StateReader

NAMESPACE = "trust"


class TrustRecordError(IdentityError):
    """A trust registry record that the trust contract could not have written."""


def entry_key(credential_type: str, issuer: str, entry_id: str) -> str:
    return state_key("issuer", credential_type, issuer, entry_id)


def entry_prefix(credential_type: str, issuer: str) -> str:
    return key_prefix("issuer", credential_type, issuer)


def location_key(entry_id: str) -> str:
    return state_key("entry", entry_id)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class TrustEntry:
    """One decision: `issuer` trusted for `credential_type` from valid_from_ms, until
    valid_until_ms or until ended (ended_ms, with end_reason), whichever comes first."""

    id: str  # the transaction that recorded the decision
    credential_type: str
    issuer: str
    valid_from_ms: int
    set_by: str
    recorded_ms: int
    valid_until_ms: int | None = None
    note: str = ""
    ended_ms: int | None = None
    end_reason: str = ""

    def __post_init__(self) -> None:
        texts = (self.id, self.credential_type, self.issuer, self.set_by, self.note, self.end_reason)
        times = (self.valid_from_ms, self.recorded_ms)
        optional_times = (self.valid_until_ms, self.ended_ms)
        if not all(isinstance(t, str) for t in texts) or not all(_is_int(t) for t in times) \
                or not all(t is None or _is_int(t) for t in optional_times):
            raise TrustRecordError(f"trust entry {self.id!r}: a field has the wrong type")
        if self.valid_until_ms is not None and self.valid_until_ms <= self.valid_from_ms:
            raise TrustRecordError(f"trust entry {self.id}: valid_until must follow valid_from")

    @property
    def end_ms(self) -> int | None:
        """When the entry stops counting: its validity end or the moment it was ended, if sooner."""
        ends = [t for t in (self.valid_until_ms, self.ended_ms) if t is not None]
        return min(ends) if ends else None

    def covers(self, at_ms: int) -> bool:
        end_ms = self.end_ms
        return self.valid_from_ms <= at_ms and (end_ms is None or at_ms < end_ms)

    def ended(self, at_ms: int, reason: str) -> TrustEntry:
        return replace(self, ended_ms=at_ms, end_reason=reason)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "credential_type": self.credential_type, "issuer": self.issuer,
                "valid_from_ms": self.valid_from_ms, "valid_until_ms": self.valid_until_ms, "set_by": self.set_by,
                "note": self.note, "ended_ms": self.ended_ms, "end_reason": self.end_reason,
                "recorded_ms": self.recorded_ms}

    @classmethod
    def from_dict(cls, data: object) -> TrustEntry:
        if not isinstance(data, Mapping):
            raise TrustRecordError(f"a trust entry is a JSON object, not {type(data).__name__}")
        try:
            return cls(data["id"], data["credential_type"], data["issuer"], data["valid_from_ms"], data["set_by"],
                       data["recorded_ms"], data.get("valid_until_ms"), data.get("note", ""), data.get("ended_ms"),
                       data.get("end_reason", ""))
        except KeyError as exc:
            raise TrustRecordError(f"trust entry: missing field {exc}") from None


@dataclass(frozen=True)
class EntryLocation:
    """Where an entry is kept, so that it can be found (and ended) by its id alone."""

    credential_type: str
    issuer: str

    def __post_init__(self) -> None:
        if not isinstance(self.credential_type, str) or not isinstance(self.issuer, str):
            raise TrustRecordError("a trust entry location names a credential type and an issuer")

    def key(self, entry_id: str) -> str:
        return entry_key(self.credential_type, self.issuer, entry_id)

    def to_dict(self) -> dict[str, Any]:
        return {"credential_type": self.credential_type, "issuer": self.issuer}

    @classmethod
    def from_dict(cls, data: object) -> EntryLocation:
        if not isinstance(data, Mapping) or "credential_type" not in data or "issuer" not in data:
            raise TrustRecordError("a trust entry location is {credential_type, issuer}")
        return cls(data["credential_type"], data["issuer"])


@dataclass(frozen=True)
class TrustDecision:
    """Whether an issuer was trusted for a type at a moment, why (not), and by which entry.
    Truthy when trusted."""

    trusted: bool
    reason: str
    entry: TrustEntry | None = None

    def __bool__(self) -> bool:
        return self.trusted


# --- readers ------------------------------------------------------------------------------------


def entries_for(state: StateReader, credential_type: str, issuer: str) -> list[TrustEntry]:
    """Every decision about `issuer` for `credential_type`, in entry-id order."""
    return [TrustEntry.from_dict(value)
            for _key, value in state.scan_state(NAMESPACE, entry_prefix(credential_type, issuer))]


def trust_entry_at(state: StateReader, credential_type: str, issuer: str, at_ms: int) -> TrustEntry | None:
    """The entry that made `issuer` trusted for `credential_type` at `at_ms`, if any."""
    return next((e for e in entries_for(state, credential_type, issuer) if e.covers(at_ms)), None)


def trust_at(state: StateReader, credential_type: str, issuer: str, at_ms: int) -> TrustDecision:
    """Was `issuer` trusted for `credential_type` at `at_ms`? With the reason either way.
    Ended trust counts up to its end: what was trusted before stays so."""
    entries = entries_for(state, credential_type, issuer)
    if not entries:
        return TrustDecision(False, f"{issuer} is not in the trust registry for {credential_type}")
    for entry in entries:
        if entry.covers(at_ms):
            return TrustDecision(True, f"trusted for {credential_type} by {entry.set_by} since "
                                       f"{utc_text(entry.valid_from_ms)} (entry {entry.id[:16]})", entry)
    return TrustDecision(False, _why_not(entries, credential_type, at_ms))


def _why_not(entries: Sequence[TrustEntry], credential_type: str, at_ms: int) -> str:
    later = [e for e in entries if e.valid_from_ms > at_ms]
    if later:
        first = min(later, key=lambda e: e.valid_from_ms)
        return f"trust for {credential_type} begins at {utc_text(first.valid_from_ms)}, after the time asked"
    last = max(entries, key=lambda e: e.end_ms or 0)
    if last.ended_ms is not None and last.ended_ms == last.end_ms:
        return f"trust for {credential_type} was ended by {last.set_by} at {utc_text(last.ended_ms)}: {last.end_reason}"
    return f"trust for {credential_type} expired at {utc_text(last.end_ms or 0)}"


def trusted_issuers(state: StateReader, credential_type: str | None = None) -> list[TrustEntry]:
    """Every entry (ended ones included), of one credential type or of all."""
    prefix = key_prefix("issuer", credential_type) if credential_type else key_prefix("issuer")
    return [TrustEntry.from_dict(value) for _key, value in state.scan_state(NAMESPACE, prefix)]


def entry_location(state: StateReader, entry_id: str) -> EntryLocation | None:
    data = state.get_state(NAMESPACE, location_key(entry_id))
    return EntryLocation.from_dict(data) if data is not None else None


def find_entry(state: StateReader, entry_id: str) -> TrustEntry | None:
    location = entry_location(state, entry_id)
    data = state.get_state(NAMESPACE, location.key(entry_id)) if location else None
    return TrustEntry.from_dict(data) if data is not None else None
