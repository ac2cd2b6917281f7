"""Reading a contract's stored records back: typed fields, and one error when they are not.

A contract keeps each record as the JSON object its `to_dict()` made; its `from_dict()`
reads the object back through `Fields`, which checks every field's presence and type, so
damaged state or a value read under the wrong key is refused with `RecordError` instead
of travelling on as a half-typed record.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tradeledger.errors import TradeledgerError


class RecordError(TradeledgerError, ValueError):
    """Stored data that is not the record it was read as."""

    def __init__(self, record: str, field: str, problem: str):
        super().__init__(f"{record} record: {field} {problem}")
        self.record = record
        self.field = field
        self.problem = problem


class Fields:
    """The fields of one stored object, read with their types checked."""

    def __init__(self, record: str, data: Any):
        if not isinstance(data, Mapping):
            raise RecordError(record, "(the record)", f"is a {type(data).__name__}, not an object")
        self.record = record
        self.data = data

    def _get(self, name: str) -> Any:
        if name not in self.data:
            raise RecordError(self.record, name, "is missing")
        return self.data[name]

    def _wrong(self, name: str, expected: str) -> RecordError:
        return RecordError(self.record, name, f"is {self.data[name]!r}, not {expected}")

    def text(self, name: str) -> str:
        value = self._get(name)
        if not isinstance(value, str):
            raise self._wrong(name, "text")
        return value

    def optional_text(self, name: str) -> str | None:
        return None if self._get(name) is None else self.text(name)

    def integer(self, name: str) -> int:
        value = self._get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._wrong(name, "an integer")
        return value

    def optional_integer(self, name: str) -> int | None:
        return None if self._get(name) is None else self.integer(name)

    def items(self, name: str) -> list[Any]:
        value = self._get(name)
        if not isinstance(value, list):
            raise self._wrong(name, "a list")
        return value

    def texts(self, name: str) -> tuple[str, ...]:
        values = self.items(name)
        if not all(isinstance(v, str) for v in values):
            raise self._wrong(name, "a list of text")
        return tuple(values)

    def integers(self, name: str) -> tuple[int, ...]:
        values = self.items(name)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            raise self._wrong(name, "a list of integers")
        return tuple(values)

    def optional_object(self, name: str) -> Mapping[str, Any] | None:
        value = self._get(name)
        if value is not None and not isinstance(value, Mapping):
            raise self._wrong(name, "an object")
        return value
