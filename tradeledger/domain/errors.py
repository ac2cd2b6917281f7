"""The exception family for customs identifiers that do not have the required form."""

from __future__ import annotations

from tradeledger.errors import TradeledgerError


class IdentifierError(TradeledgerError, ValueError):
    """A customs identifier that is malformed; the message says what is wrong and what to do."""


class EntryNumberError(IdentifierError):
    """An entry number (CBP Form 7501 block 1) that is malformed or has a wrong check digit."""


class InBondNumberError(IdentifierError):
    """An in-bond (CBP Form 7512) number that is malformed or has a wrong check digit."""


class MidError(IdentifierError):
    """A manufacturer identification code (MID) that is malformed or cannot be built."""


class HtsNumberError(IdentifierError):
    """An HS / HTSUS classification number that is malformed."""


class PortCodeError(IdentifierError):
    """A Schedule D port code that is malformed."""


class ImporterNumberError(IdentifierError):
    """An importer number (IRS, SSN or CBP-assigned) that is malformed or not acceptable."""
