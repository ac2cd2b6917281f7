"""Fixtures for the cluster tests. Every nats-server, node process and PostgreSQL cluster a
fixture starts is stopped in its finalizer, also when the test failed."""

from __future__ import annotations

import sys
from pathlib import Path

# The helpers beside this file, and the throwaway PostgreSQL of the store tests.
_HERE = Path(__file__).resolve().parent
for folder in (_HERE, _HERE.parent / "store"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
