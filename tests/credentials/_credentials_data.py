"""Loading the credentials test data (see data/SOURCES.md for where each file comes from)."""

from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).parent / "data"
TRACEABILITY = DATA / "traceability"
EXAMPLE_NAMES = sorted(p.stem for p in TRACEABILITY.glob("*.json"))


def load(name: str):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def example(name: str) -> dict:
    return json.loads((TRACEABILITY / f"{name}.json").read_text(encoding="utf-8"))
