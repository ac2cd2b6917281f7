"""A KeyResolver for credential verification backed by the ledger's registry.

tradeledger.credentials asks a resolver for the public key of a proof's verification
method. This one answers only for keys the network registered, and only when the key was
registered and active when the proof says it was made (`created`): a key rotated or
revoked later still verifies what it signed before, and nothing it signs afterwards.

Verification methods it reads:

* `did:key:z6Mk...#z6Mk...`: the key itself; it must be registered on this network.
* `did:web:<network>:orgs:<name>#z6Mk...`: a key of that organization, named by its
  multibase; it must be registered to that organization.

`created` is the signer's own claim. It is usually given to the second, so a key counts
as active for the whole second stated (a key admitted at 10:00:00.400 signs a proof
stated as made at 10:00:00). A proof without `created` needs a key active at the time
the verifier asks about.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from tradeledger.credentials.datetimes import parse_datetime
from tradeledger.credentials.errors import DateTimeError, KeyResolutionError
from tradeledger.identity.documents import ed25519_public_key
from tradeledger.identity.errors import IdentityError
from tradeledger.identity.registry import KeyRecord, key_record, organization_record
from tradeledger.identity.web import WebBase
from tradeledger.ledger.state import StateReader

Window = tuple[int, int]  # [start_ms, end_ms]: when a proof says it was made
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def to_ms(moment: datetime) -> int:
    return (moment - _EPOCH) // _MS


def from_ms(ms: int) -> datetime:
    return _EPOCH + ms * _MS


def created_window(created: str) -> Window:
    """The span a proof's `created` stands for: one second without fraction, else the
    instant (to the millisecond)."""
    stamp = parse_datetime(created)
    start = to_ms(stamp.moment)
    fractional = "." in created.partition("T")[2]
    return start, start if fractional else start + 999


def _proofs(doc: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    proof = doc.get("proof")
    for item in proof if isinstance(proof, list) else [proof]:
        if isinstance(item, Mapping):
            yield item


def proof_windows(doc: Any, at_ms: int) -> dict[str, list[Window]]:
    """verification method -> when each of its proofs in `doc` (and in the credentials a
    presentation embeds) says it was made; `at_ms` stands in for a missing or unreadable
    `created` (an unreadable one is also reported by the proof check itself)."""
    windows: dict[str, list[Window]] = {}
    documents = [doc] if isinstance(doc, Mapping) else []
    embedded = doc.get("verifiableCredential") if isinstance(doc, Mapping) else None
    documents += [c for c in (embedded if isinstance(embedded, list) else [embedded]) if isinstance(c, Mapping)]
    for document in documents:
        for proof in _proofs(document):
            method = proof.get("verificationMethod")
            if not isinstance(method, str):
                continue
            try:
                window = created_window(proof["created"]) if "created" in proof else (at_ms, at_ms)
            except DateTimeError:
                window = (at_ms, at_ms)
            windows.setdefault(method, []).append(window)
    return windows


class LedgerKeyResolver:
    """Resolve verification methods through the registry, checking each key's life.

    `windows` maps a verification method to when its proofs say they were made; a method
    not in it must be active at `at_ms`.
    """

    def __init__(self, state: StateReader, base: WebBase | None, at_ms: int,
                 windows: Mapping[str, list[Window]] | None = None):
        self._state = state
        self._base = base
        self._at_ms = at_ms
        self._windows = dict(windows or {})

    @classmethod
    def for_document(cls, state: StateReader, base: WebBase | None, doc: Any, at_ms: int) -> LedgerKeyResolver:
        return cls(state, base, at_ms, proof_windows(doc, at_ms))

    def __call__(self, verification_method: str) -> bytes:
        record, public_key = self.registered_key(verification_method)
        for start, end in self._windows.get(verification_method, [(self._at_ms, self._at_ms)]):
            if not record.active_during(start, end):
                raise KeyResolutionError(f"{verification_method} could not sign at "
                                         f"{from_ms(start).isoformat().replace('+00:00', 'Z')}: "
                                         f"{record.why_inactive(start)}")
        return public_key

    def registered_key(self, verification_method: str) -> tuple[KeyRecord, bytes]:
        """The registry record and public key behind a verification method, whatever its life."""
        if not isinstance(verification_method, str):
            raise KeyResolutionError("a verification method is a DID URL string")
        did, _, fragment = verification_method.partition("#")
        try:
            if did.startswith("did:key:"):
                return self._registered(did, ed25519_public_key(verification_method), None)
            if did.startswith("did:web:"):
                return self._organization_key(verification_method, did, fragment)
        except IdentityError as exc:
            raise KeyResolutionError(f"cannot resolve {verification_method!r}: {exc}") from None
        raise KeyResolutionError(f"cannot resolve {verification_method!r}: only did:key and did:web "
                                 "verification methods are resolved from the ledger")

    def _organization_key(self, method: str, did: str, fragment: str) -> tuple[KeyRecord, bytes]:
        if self._base is None:
            raise KeyResolutionError(f"cannot resolve {method!r}: did:web needs the network's origin")
        organization = self._base.organization_of(did)
        if organization is None:
            raise KeyResolutionError(f"{method} is not a key of an organization of this network "
                                     f"({self._base.did}:orgs:<name>#<key>)")
        if not fragment:
            raise KeyResolutionError(f"{method} names no key: add #<the key's multibase> to the DID")
        key_did = f"did:key:{fragment}"
        return self._registered(key_did, ed25519_public_key(key_did), organization)

    def _registered(self, did: str, public_key: bytes, organization: str | None) -> tuple[KeyRecord, bytes]:
        record = key_record(self._state, did)
        if record is None:
            raise KeyResolutionError(f"key {did} is not registered on this network")
        if organization is not None and record.organization != organization:
            raise KeyResolutionError(f"key {did} belongs to {record.organization}, not {organization}")
        owner = organization_record(self._state, record.organization)
        if owner is None or not owner.active:
            raise KeyResolutionError(f"organization {record.organization} of key {did} is not active")
        return record, public_key
