"""Bitstring Status Lists read from the ledger, as they stood at any moment.

The status contract records every change of every entry with its block time, so the list
an issuer published is rebuilt here for any time T, and with it the
BitstringStatusListCredential that would have been served at T. A credential points at a
list by URL (`statusListCredential`); lists of this network have the URLs of
tradeledger.identity.web (https://<origin>/orgs/<org>/status/<list id>).

The ledger is the list's authority: every change is an envelope its issuer signed, checked
by every peer, so the rebuilt list needs no proof of its own. The credential form is
returned unsigned; its issuer may sign it to serve it outside the network.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tradeledger.credentials.errors import (
    CredentialError,
    StatusIndexOutOfRangeError,
    StatusRetrievalError,
)
from tradeledger.credentials.status_list import (
    BitstringStatusList,
    BitstringStatusListEntry,
    status_list_credential,
)
from tradeledger.identity.documents import did_time
from tradeledger.identity.status_records import StatusList, find_list, set_indices_at, status_bit
from tradeledger.identity.web import WebBase
from tradeledger.ledger.state import StateReader


def published_list(state: StateReader, organization: str, list_id: str) -> StatusList:
    """The status contract's record of a list, or StatusRetrievalError."""
    record = find_list(state, organization, list_id)
    if record is None:
        raise StatusRetrievalError(f"{organization} has published no status list {list_id!r} on this network")
    return record


def published_by(state: StateReader, organization: str, list_id: str, at_ms: int) -> StatusList:
    """The list's record if it was published by `at_ms`, else StatusRetrievalError."""
    record = published_list(state, organization, list_id)
    if at_ms < record.published_ms:
        raise StatusRetrievalError(f"status list {list_id!r} of {organization} was published only at "
                                   f"{did_time(record.published_ms)}, after the time asked")
    return record


def status_list_at(state: StateReader, organization: str, list_id: str, at_ms: int) -> BitstringStatusList:
    """The list as it stood at `at_ms`; StatusRetrievalError before it was published."""
    record = published_by(state, organization, list_id, at_ms)
    bits = bytearray(record.length // 8)
    for index in set_indices_at(state, organization, list_id, at_ms):
        bits[index >> 3] |= 0x80 >> (index & 7)  # entry 0 is the left-most bit of byte 0
    return BitstringStatusList(bytes(bits), (record.purpose,))


def status_list_credential_at(state: StateReader, base: WebBase, organization: str, list_id: str,
                              at_ms: int) -> dict[str, Any]:
    """The (unsigned) BitstringStatusListCredential of the list at `at_ms`, issued by the
    organization's did:web and valid from that moment."""
    status_list = status_list_at(state, organization, list_id, at_ms)
    return status_list_credential(id=base.status_list_url(organization, list_id),
                                  issuer=base.organization_did(organization), status_list=status_list,
                                  valid_from=did_time(at_ms))


def status_entry(state: StateReader, base: WebBase, organization: str, list_id: str,
                 index: int) -> BitstringStatusListEntry:
    """A credentialStatus entry pointing at `index` of a published list (checked to exist)."""
    record = published_list(state, organization, list_id)
    if isinstance(index, bool) or not isinstance(index, int) or not record.holds(index):
        raise StatusIndexOutOfRangeError(
            f"status list index {index} is outside list {list_id} (0..{record.length - 1})")
    url = base.status_list_url(organization, list_id)
    return BitstringStatusListEntry(record.purpose, index, url, id=f"{url}#{index}")


def status_list_entries_at(state: StateReader, organization: str, list_id: str, indices: Iterable[int],
                           at_ms: int) -> BitstringStatusList:
    """The list at `at_ms` with only the entries `indices` read (the others left 0): what a
    verifier needs to check those entries, at the cost of reading them alone. Not a list to
    publish: use status_list_at for that."""
    record = published_by(state, organization, list_id, at_ms)
    bits = bytearray(record.length // 8)
    for index in indices:
        if record.holds(index) and status_bit(state, organization, list_id, index).value_at(at_ms):
            bits[index >> 3] |= 0x80 >> (index & 7)
    return BitstringStatusList(bytes(bits), (record.purpose,))


def wanted_entries(doc: Any) -> dict[str, set[int]]:
    """statusListCredential URL -> the indices that `doc` (and the credentials a presentation
    embeds) point at; malformed entries are skipped here and reported by the verifier."""
    wanted: dict[str, set[int]] = {}
    documents = [doc] if isinstance(doc, Mapping) else []
    embedded = doc.get("verifiableCredential") if isinstance(doc, Mapping) else None
    documents += [c for c in (embedded if isinstance(embedded, list) else [embedded]) if isinstance(c, Mapping)]
    for document in documents:
        status = document.get("credentialStatus")
        for item in status if isinstance(status, list) else [status]:
            if not isinstance(item, Mapping):
                continue  # reported by the verifier
            try:
                entry = BitstringStatusListEntry.from_dict(item)
            except CredentialError:
                continue
            wanted.setdefault(entry.status_list_credential, set()).add(entry.status_list_index)
    return wanted


class LedgerStatusLookup:
    """A StatusLookup (statusListCredential URL -> list) answering as of `at_ms`.

    Given `wanted` (URL -> indices, see wanted_entries), a list is read for those entries
    only, which is what verification needs: a few state reads instead of every set entry."""

    def __init__(self, state: StateReader, base: WebBase | None, at_ms: int,
                 wanted: Mapping[str, set[int]] | None = None):
        self._state = state
        self._base = base
        self._at_ms = at_ms
        self._wanted = dict(wanted) if wanted is not None else None

    @classmethod
    def for_document(cls, state: StateReader, base: WebBase | None, doc: Any, at_ms: int) -> LedgerStatusLookup:
        return cls(state, base, at_ms, wanted_entries(doc))

    def __call__(self, url: str) -> BitstringStatusList:
        where = self._base.parse_status_list_url(url) if self._base is not None else None
        if where is None:
            raise StatusRetrievalError(f"status list {url!r} is not published on this network, so the "
                                       "status is unknown")
        if self._wanted is not None and url in self._wanted:
            return status_list_entries_at(self._state, *where, self._wanted[url], self._at_ms)
        return status_list_at(self._state, *where, self._at_ms)
