"""One-line errors for people: known failures print what went wrong and what to do."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from tradeledger.errors import TradeledgerError
from tradeledger.ledger.peer import ForkDetected

KNOWN_ERRORS = (TradeledgerError,)
F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = 2) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(code)


def friendly_errors(command: F) -> F:
    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ForkDetected as fork:
            print(f"FORK DETECTED: {fork}", file=sys.stderr)
            print("the evidence is kept in the store; `tradeledger audit` reports it", file=sys.stderr)
            raise typer.Exit(3) from None
        except KNOWN_ERRORS as exc:
            fail(exc.explain())
    return run  # type: ignore[return-value]
