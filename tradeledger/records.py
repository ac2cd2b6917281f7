"""Reading a record back from JSON: its fields by name and type, and one error when they are not.

A record is kept as the JSON object its `to_dict()` made; its `from_dict()` reads the object
back through a `FieldReader`, which checks every field's presence and type, so damaged state,
a value read under the wrong key or malformed input is refused with a `RecordError` (or the
subclass the caller names, such as the IPR engine's `IprDataError`) instead of travelling on
as a half-typed record.

Pure and at the bottom: it imports nothing above `tradeledger.errors`, so the domain engines
and the contracts read their records with the same reader.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, TypeVar

from tradeledger.errors import TradeledgerError

__all__ = ["FieldReader", "RecordError"]

_T = TypeVar("_T")


class RecordError(TradeledgerError, ValueError):
    """Data that is not the record it was read as: which record, which field, what is wrong."""

    def __init__(self, record: str, field: str, problem: str):
        super().__init__(f"{record} record: {field} {problem}" if field else f"{record} record {problem}")
        self.record = record
        self.field = field  # a dotted path for a nested object's field; "" for the record as a whole
        self.problem = problem


class FieldReader:
    """The fields of one JSON object, taken out by name with their types checked.

    `error` is the RecordError subclass raised for every problem, so each package keeps its
    own error type. By default a field must be present even where null is allowed, which is
    right for a record whose `to_dict()` writes every field; `absent_is_null=True` reads an
    absent field as null, for formats and hand-written input that leave optional fields out.
    `done()` refuses the fields not taken, for records that may carry no unknown fields.
    """

    def __init__(self, record: str, data: Any, error: type[RecordError] = RecordError, *,
                 absent_is_null: bool = False, within: str = ""):
        if not isinstance(data, Mapping):
            raise error(record, within, f"is a {type(data).__name__}, not a JSON object")
        self._record = record
        self._data = data
        self._error = error
        self._absent_is_null = absent_is_null
        self._within = within  # where this object sits inside the record, for nested()
        self._taken: set[str] = set()

    def _problem(self, name: str, problem: str) -> RecordError:
        return self._error(self._record, f"{self._within}.{name}" if self._within else name, problem)

    def _wrong(self, name: str, value: Any, expected: str) -> RecordError:
        # reprlib keeps a huge wrong value from becoming a huge message.
        return self._problem(name, f"is {reprlib.repr(value)}, not {expected}")

    def _raw(self, name: str, *, nullable: bool) -> Any:
        self._taken.add(name)
        if name not in self._data:
            if nullable and self._absent_is_null:
                return None
            raise self._problem(name, "is missing")
        return self._data[name]

    def _check(self, name: str, value: Any, kind: type[_T], expected: str) -> _T:
        # bool is a subclass of int; a quantity of `true` is a mistake, not 1.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self._wrong(name, value, expected)
        return value

    def _required(self, name: str, kind: type[_T], expected: str) -> _T:
        return self._check(name, self._raw(name, nullable=False), kind, expected)

    def _optional(self, name: str, kind: type[_T], expected: str) -> _T | None:
        value = self._raw(name, nullable=True)
        return None if value is None else self._check(name, value, kind, expected)

    def text(self, name: str) -> str:
        return self._required(name, str, "a string")

    def optional_text(self, name: str) -> str | None:
        return self._optional(name, str, "a string")

    def text_or(self, name: str, default: str) -> str:
        value = self.optional_text(name)
        return default if value is None else value

    def integer(self, name: str) -> int:
        return self._required(name, int, "an integer")

    def optional_integer(self, name: str) -> int | None:
        return self._optional(name, int, "an integer")

    def boolean(self, name: str) -> bool:
        return self._required(name, bool, "a boolean")

    def optional_boolean(self, name: str) -> bool | None:
        return self._optional(name, bool, "a boolean")

    def items(self, name: str) -> list[Any]:
        return self._required(name, list, "a list")

    def texts(self, name: str) -> tuple[str, ...]:
        values = self.items(name)
        if not all(isinstance(v, str) for v in values):
            raise self._wrong(name, values, "a list of strings")
        return tuple(values)

    def integers(self, name: str) -> tuple[int, ...]:
        values = self.items(name)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            raise self._wrong(name, values, "a list of integers")
        return tuple(values)

    def nested(self, name: str) -> FieldReader:
        """A reader of the object in field `name`, raising the same error for the same record."""
        path = f"{self._within}.{name}" if self._within else name
        return FieldReader(self._record, self._raw(name, nullable=False), self._error,
                           absent_is_null=self._absent_is_null, within=path)

    def optional_object(self, name: str) -> Mapping[str, Any] | None:
        value = self._raw(name, nullable=True)
        if value is not None and not isinstance(value, Mapping):
            raise self._wrong(name, value, "a JSON object")
        return value

    def day(self, name: str) -> date:
        return self._parse_day(name, self.text(name))

    def optional_day(self, name: str) -> date | None:
        text = self.optional_text(name)
        return None if text is None else self._parse_day(name, text)

    def days(self, name: str) -> tuple[date, ...]:
        return tuple(self._parse_day(name, text) for text in self.texts(name))

    def enum(self, name: str, kind: Callable[[str], _T]) -> _T:
        text = self.text(name)
        try:
            return kind(text)
        except ValueError:
            raise self._problem(name, f"has unknown value {text!r}") from None

    def _parse_day(self, name: str, text: str) -> date:
        # fromisoformat also takes "20240105"; ledger data has one spelling only.
        try:
            if len(text) != 10:
                raise ValueError
            return date.fromisoformat(text)
        except ValueError:
            raise self._wrong(name, text, "a date YYYY-MM-DD") from None

    def done(self) -> None:
        """Refuses the fields no read above took: a record of this kind has no others."""
        extra = sorted(set(self._data) - self._taken)
        if extra:
            raise self._error(self._record, self._within, f"has unknown fields {extra}")
