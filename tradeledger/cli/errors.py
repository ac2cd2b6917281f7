"""One-line errors for people: a failure prints what went wrong and what to do, never a traceback.

Every error tradeledger raises on purpose is a `TradeledgerError` and explains itself
(`explain()`); the CLI only prints that. What the operating system refuses (a file that
cannot be read or written) is told the same way. Anything else is a bug: it is reported in
one line too, and set TRADELEDGER_DEBUG=1 to see the traceback.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import typer

from tradeledger.errors import TradeledgerError
from tradeledger.ledger.peer import ForkDetected

F = TypeVar("F", bound=Callable[..., Any])
DEBUG_VARIABLE = "TRADELEDGER_DEBUG"
EXIT_REFUSED, EXIT_FORK, EXIT_BUG, EXIT_INTERRUPTED = 2, 3, 70, 130


def fail(message: str, code: int = EXIT_REFUSED) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(code)


def friendly_errors(command: F) -> F:
    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.BadParameter):
            raise  # how a command ends on purpose, or Typer's own usage errors
        except ForkDetected as fork:
            print(f"FORK DETECTED: {fork}", file=sys.stderr)
            print("the evidence is kept in the store; `tradeledger audit` reports it", file=sys.stderr)
            raise typer.Exit(EXIT_FORK) from None
        except TradeledgerError as exc:
            fail(exc.explain())
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            fail(f"{where}{exc.strerror or exc}; check the path and its permissions")
        except KeyboardInterrupt:
            fail("interrupted", EXIT_INTERRUPTED)
        except Exception as exc:  # a bug: still one line, unless asked for the traceback
            if os.environ.get(DEBUG_VARIABLE):
                raise
            fail(f"internal error ({type(exc).__name__}: {exc}); this is a bug, please report it "
                 f"(set {DEBUG_VARIABLE}=1 for the traceback)", EXIT_BUG)
    return run  # type: ignore[return-value]
