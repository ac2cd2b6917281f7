"""Exceptions of tradeledger.identity: one-line messages that say what is wrong and what to do."""

from __future__ import annotations

from typing import ClassVar

from tradeledger.errors import TradeledgerError


class IdentityError(TradeledgerError, ValueError):
    """Anything wrong with a DID, a DID document or the ledger's identity records."""


class DidResolutionError(IdentityError):
    """A DID that cannot be resolved; `code` is the DID Resolution error code
    (https://www.w3.org/TR/did-resolution/ section "DID Resolution Metadata")."""

    code: ClassVar[str] = "notFound"


class InvalidDidError(DidResolutionError):
    """Text that is not a DID this network can read (a wrong multibase header, a bad codec ...)."""

    code = "invalidDid"


class MethodNotSupportedError(DidResolutionError):
    """A DID method other than did:key and did:web."""

    code = "methodNotSupported"


class DidNotFoundError(DidResolutionError):
    """A DID this network has no record of (or had none at the time asked)."""

    code = "notFound"


class OriginError(IdentityError):
    """A genesis origin that does not map to a did:web identifier."""
