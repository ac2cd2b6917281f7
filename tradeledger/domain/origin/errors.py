"""Errors of the rules-of-origin engine: bad input is an error with a message, not a result."""

from __future__ import annotations

from tradeledger.errors import TradeledgerError


class OriginCaseError(TradeledgerError, ValueError):
    """A case that cannot be evaluated; the message names the field and says what to write."""


class OriginResultError(TradeledgerError, ValueError):
    """A result object (read back from JSON) that is not in the result exchange format."""


class OriginRecordError(TradeledgerError, ValueError):
    """A stored origin record (a claim's outcome, a certification check, a determination)
    that is not in its format."""
