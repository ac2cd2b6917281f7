"""Identity on the ledger: DIDs, DID documents, status lists and trust, read from ledger state.

Sits below the contracts and above the ledger: it defines the records the trust and status
contracts keep and reads them, with the registry's (whose records are the ledger's own,
tradeledger.ledger.authority), so contracts, workflows and verifiers share one reading.
Pure reads: no keys, files or network; callers hand in a StateReader (an organization's
view of state) and, for did:web, the network's WebBase (derived from the genesis origin).

    web             did:web names of the network, its organizations and status lists
    documents       DID documents (did:key, an organization's did:web) and resolution results
    registry        the registry's organization, member and key records, with their life in time
    trust           the trust registry's entries: was an issuer trusted for a type at T
    status_records  the status contract's lists and entry histories
    resolution      resolve_did: offline DID resolution from ledger state, at any moment
    resolver        LedgerKeyResolver: keys for credential proofs, active when they signed
    status          status lists rebuilt as of any moment; the StatusLookup for verifiers
    verification    verify_with_ledger: `verified` and `trusted`, separately, with reasons
"""

from tradeledger.identity.documents import (
    DidResolution,
    did_key_document,
    organization_document,
)
from tradeledger.identity.errors import (
    DidNotFoundError,
    DidResolutionError,
    IdentityError,
    InvalidDidError,
    MethodNotSupportedError,
    OriginError,
)
from tradeledger.identity.registry import (
    KeyRecord,
    OrganizationRecord,
    key_record,
    organization_keys,
)
from tradeledger.identity.resolution import resolve_did
from tradeledger.identity.resolver import LedgerKeyResolver, created_window
from tradeledger.identity.status import (
    LedgerStatusLookup,
    status_entry,
    status_list_at,
    status_list_credential_at,
)
from tradeledger.identity.verification import (
    LedgerPresentationVerification,
    LedgerVerification,
    TrustFinding,
    check_presentation_with_ledger,
    check_with_ledger,
    verify_presentation_with_ledger,
    verify_with_ledger,
)
from tradeledger.identity.web import WebBase, web_base_of, web_base_of_genesis

__all__ = [
    "DidNotFoundError",
    "DidResolution",
    "DidResolutionError",
    "IdentityError",
    "InvalidDidError",
    "KeyRecord",
    "LedgerKeyResolver",
    "LedgerPresentationVerification",
    "LedgerStatusLookup",
    "LedgerVerification",
    "MethodNotSupportedError",
    "OrganizationRecord",
    "OriginError",
    "TrustFinding",
    "WebBase",
    "check_presentation_with_ledger",
    "check_with_ledger",
    "created_window",
    "did_key_document",
    "key_record",
    "organization_document",
    "organization_keys",
    "resolve_did",
    "status_entry",
    "status_list_at",
    "status_list_credential_at",
    "verify_presentation_with_ledger",
    "verify_with_ledger",
    "web_base_of",
    "web_base_of_genesis",
]
