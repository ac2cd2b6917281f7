"""Errors of the rules-of-origin engine: bad input is an error with a message, not a result."""

from __future__ import annotations


class OriginCaseError(ValueError):
    """A case that cannot be evaluated; the message names the field and says what to write."""


class OriginResultError(ValueError):
    """A result object (read back from JSON) that is not in the result exchange format."""
