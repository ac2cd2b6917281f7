"""XML Schema dateTime values as VC 2.0 uses them: offsets, fractions, 24:00, UTC default."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tradeledger.credentials.datetimes import format_datetime, parse_datetime
from tradeledger.credentials.errors import DateTimeError


@pytest.mark.parametrize("text, moment, has_offset", [
    ("2023-01-01T00:00:00Z", datetime(2023, 1, 1, tzinfo=UTC), True),
    ("2022-06-06T08:10:00+00:00", datetime(2022, 6, 6, 8, 10, tzinfo=UTC), True),
    ("2024-03-01T10:00:00-05:00", datetime(2024, 3, 1, 15, 0, tzinfo=UTC), True),
    ("2024-03-01T10:00:00+05:30", datetime(2024, 3, 1, 4, 30, tzinfo=UTC), True),
    ("2024-03-01T10:00:00+14:00", datetime(2024, 2, 29, 20, 0, tzinfo=UTC), True),
    ("2024-03-01T10:00:00.123Z", datetime(2024, 3, 1, 10, 0, 0, 123000, tzinfo=UTC), True),
    ("2024-03-01T10:00:00.1234567891Z", datetime(2024, 3, 1, 10, 0, 0, 123456, tzinfo=UTC), True),
    ("2024-12-31T24:00:00Z", datetime(2025, 1, 1, tzinfo=UTC), True),
    ("2024-02-29T12:00:00", datetime(2024, 2, 29, 12, tzinfo=UTC), False),
])
def test_valid_datetimes(text, moment, has_offset):
    stamp = parse_datetime(text)
    assert stamp.moment == moment
    assert stamp.moment.utcoffset() == timedelta(0)
    assert stamp.has_offset is has_offset


@pytest.mark.parametrize("text", [
    "2023-01-01",
    "2023-01-01 00:00:00Z",
    "2023-1-01T00:00:00Z",
    "2023-13-01T00:00:00Z",
    "2023-02-29T00:00:00Z",
    "2023-01-01T25:00:00Z",
    "2023-01-01T24:00:01Z",
    "2023-01-01T23:60:00Z",
    "2023-01-01T23:59:60Z",
    "2023-01-01T00:00:00+15:00",
    "2023-01-01T00:00:00+05:60",
    "2023-01-01T00:00:00z",
    "2023-01-01T00:00:00.Z",
    "10000-01-01T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "-0001-01-01T00:00:00Z",
    "２０２３-01-01T00:00:00Z",
    "",
])
def test_invalid_datetimes_are_refused(text):
    with pytest.raises(DateTimeError):
        parse_datetime(text)


def test_only_strings_are_datetimes():
    with pytest.raises(DateTimeError, match="string"):
        parse_datetime(1700000000)


def test_format_writes_utc_with_z():
    eastern = timezone(timedelta(hours=-5))
    assert format_datetime(datetime(2024, 1, 1, 7, 0, tzinfo=eastern)) == "2024-01-01T12:00:00Z"
    assert format_datetime(datetime(2024, 1, 1, 0, 0, 0, 250000, tzinfo=UTC)) == \
        "2024-01-01T00:00:00.25Z"
    assert format_datetime(datetime(999, 1, 1, tzinfo=UTC)) == "0999-01-01T00:00:00Z"


def test_format_refuses_naive_datetimes():
    with pytest.raises(DateTimeError, match="naive"):
        format_datetime(datetime(2024, 1, 1))


def test_formatted_values_parse_back():
    moment = datetime(2024, 5, 1, 12, 30, 15, 5, tzinfo=UTC)
    assert parse_datetime(format_datetime(moment)).moment == moment
