"""The one reader of stored records: fields by type, the error each package names, and where a problem is."""

from __future__ import annotations

import enum
from datetime import date

import pytest

from tradeledger.records import FieldReader, RecordError


class Colour(str, enum.Enum):
    RED = "red"


class ShapeError(RecordError):
    """A package's own error, raised by the reader in place of RecordError."""


def test_fields_read_back_with_their_types():
    r = FieldReader("thing", {"name": "a", "count": 2, "on": True, "tags": ["x"], "ns": [1], "day": "2024-02-01",
                              "days": ["2024-02-01"], "colour": "red", "inner": {"id": "i"}, "none": None})
    assert (r.text("name"), r.integer("count"), r.boolean("on"), r.texts("tags"), r.integers("ns")) == \
        ("a", 2, True, ("x",), (1,))
    assert (r.day("day"), r.days("days"), r.enum("colour", Colour)) == (date(2024, 2, 1), (date(2024, 2, 1),),
                                                                          Colour.RED)
    assert r.nested("inner").text("id") == "i"
    assert (r.optional_text("none"), r.optional_object("none"), r.text_or("none", "d")) == (None, None, "d")
    r.done()


def test_an_absent_field_is_refused_unless_the_format_leaves_nulls_out():
    with pytest.raises(RecordError, match="thing record: note is missing"):
        FieldReader("thing", {}).optional_text("note")
    assert FieldReader("thing", {}, absent_is_null=True).optional_text("note") is None
    with pytest.raises(RecordError, match="thing record: name is missing"):
        FieldReader("thing", {}, absent_is_null=True).text("name")


def test_every_problem_names_the_record_and_the_field_and_raises_the_error_asked_for():
    with pytest.raises(ShapeError, match="thing record is a list, not a JSON object") as caught:
        FieldReader("thing", [], ShapeError)
    assert (caught.value.record, caught.value.field) == ("thing", "")
    with pytest.raises(ShapeError, match=r"thing record: a\.b is 1, not a string") as caught:
        FieldReader("thing", {"a": {"b": 1}}, ShapeError).nested("a").text("b")
    assert (caught.value.field, caught.value.problem) == ("a.b", "is 1, not a string")
    with pytest.raises(ShapeError, match="thing record: count is True, not an integer"):
        FieldReader("thing", {"count": True}, ShapeError).integer("count")
    with pytest.raises(ShapeError, match="thing record: colour has unknown value 'blue'"):
        FieldReader("thing", {"colour": "blue"}, ShapeError).enum("colour", Colour)
    with pytest.raises(ShapeError, match="thing record: day is '20240201', not a date YYYY-MM-DD"):
        FieldReader("thing", {"day": "20240201"}, ShapeError).day("day")


def test_done_refuses_the_fields_not_taken_and_a_nested_object_names_its_own():
    r = FieldReader("thing", {"name": "a", "extra": 1, "inner": {"id": "i", "more": 2}})
    r.text("name")
    inner = r.nested("inner")
    inner.text("id")
    with pytest.raises(RecordError, match=r"thing record: inner has unknown fields \['more'\]"):
        inner.done()
    with pytest.raises(RecordError, match=r"thing record has unknown fields \['extra'\]"):
        r.done()
