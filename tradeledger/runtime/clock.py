"""The runtimes' wall clock, in one place (the clock stays at the edge: contract code
never reads it; DESIGN.md decision 4)."""

from __future__ import annotations

import time


def now_ms() -> int:
    """Milliseconds since the Unix epoch."""
    return time.time_ns() // 1_000_000
