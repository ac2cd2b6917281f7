"""The one root of every error tradeledger raises on purpose.

An instance explains itself to a person: `reason` is the one-line account of what went
wrong (the message a CLI prints, an API's problem `detail`, the text kept in the log
beside an invalid transaction), and `hint` says what to do next when there is something
to do. Interfaces print these; they never format a traceback.

`Refused` is the one word for a refusal: the ledger's rules, an access decision or a
delivery check said no, and nothing was changed. Its subclasses name who refused.
Errors of a format or data model keep their standard base as well (most are also a
`ValueError`), so code that catches those keeps working.
"""

from __future__ import annotations


class TradeledgerError(Exception):
    """Something tradeledger could not do, with the reason a person reads."""

    hint: str = ""  # what to do next; a class may set a default, an instance its own

    def __init__(self, *args: object, hint: str | None = None):
        super().__init__(*args)
        if hint is not None:
            self.hint = hint

    @property
    def reason(self) -> str:
        return str(self.args[0]) if len(self.args) == 1 else str(self)

    def explain(self) -> str:
        """The reason, then the hint when there is one, for a person to read."""
        return f"{self.reason}; {self.hint}" if self.hint else self.reason


class Refused(TradeledgerError):
    """A rule, an access decision or a check said no; nothing was changed.

    Inside a contract handler it makes the transaction invalid, with `reason` kept in the
    log beside it; before submission it stops a transaction from reaching the log at all.
    """

    def __init__(self, reason: str, *, hint: str | None = None):
        super().__init__(reason, hint=hint)
