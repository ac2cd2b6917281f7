"""XML Schema 1.1 dateTime values, as VC 2.0 and Data Integrity use them.

`validFrom`, `validUntil`, a proof's `created` and `expires` MUST be XMLSCHEMA11-2
dateTimeStamp strings: `YYYY-MM-DDThh:mm:ss[.fraction]` with a time zone (`Z` or +hh:mm /
-hh:mm, at most 14:00). VC 2.0 also says that values "incorrectly serialized without an
offset MUST be interpreted as UTC", so an offset-less value parses, as UTC, and tells the
caller it had no offset so that a validator can warn.

XML Schema allows `24:00:00` (the first instant of the next day) and years beyond 9999;
Python's datetime holds years 1 to 9999, and a year outside that range is refused as
unsupported rather than misread. Fractions beyond microseconds are truncated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from tradeledger.credentials.errors import DateTimeError

_DATETIME = re.compile(
    r"(?P<year>-?(?:[1-9][0-9]{4,}|[0-9]{4}))-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})"
    r"T(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})(?:\.(?P<fraction>[0-9]+))?"
    r"(?P<zone>Z|[+-][0-9]{2}:[0-9]{2})?"
)


@dataclass(frozen=True)
class DateTimeStamp:
    """A parsed dateTime: the instant (aware, UTC) and whether the text carried an offset."""

    moment: datetime
    has_offset: bool


def parse_datetime(text: object) -> DateTimeStamp:
    """Parse an XML Schema dateTime; raise DateTimeError saying what is wrong."""
    if not isinstance(text, str):
        raise DateTimeError(f"expected a dateTime string, got {type(text).__name__}")
    match = _DATETIME.fullmatch(text)
    if match is None:
        raise DateTimeError(
            f"{text!r} is not an XML Schema dateTime (like 2024-05-01T12:00:00Z)"
        )
    year = int(match["year"])
    if not 1 <= year <= 9999:
        raise DateTimeError(f"{text!r}: years outside 0001..9999 are not supported")
    hour, minute, second = int(match["hour"]), int(match["minute"]), int(match["second"])
    fraction = match["fraction"] or ""
    end_of_day = hour == 24
    if end_of_day:
        # 24:00:00 is allowed only as the end of the day (XSD 1.1 section 3.3.7).
        if minute or second or fraction.strip("0"):
            raise DateTimeError(f"{text!r}: hour 24 is only allowed as 24:00:00")
        hour = 0
    if minute > 59 or second > 59:
        raise DateTimeError(f"{text!r}: minutes and seconds run from 00 to 59")
    zone = match["zone"]
    tzinfo = UTC  # also for an offset-less time, which VC 2.0 reads as UTC
    if zone and zone != "Z":
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if minutes > 59 or hours * 60 + minutes > 14 * 60:
            raise DateTimeError(f"{text!r}: a time zone offset is at most 14:00")
        offset = timedelta(hours=hours, minutes=minutes)
        tzinfo = timezone(-offset if zone[0] == "-" else offset)
    microsecond = int(fraction[:6].ljust(6, "0")) if fraction else 0
    try:
        moment = datetime(year, int(match["month"]), int(match["day"]), hour, minute, second,
                          microsecond, tzinfo=tzinfo)
    except ValueError as exc:
        raise DateTimeError(f"{text!r}: {exc}") from None
    if end_of_day:
        moment += timedelta(days=1)
    if tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return DateTimeStamp(moment, has_offset=zone is not None)


def format_datetime(moment: datetime) -> str:
    """An aware datetime as a UTC dateTimeStamp, e.g. 2024-05-01T12:00:00Z."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise DateTimeError("a naive datetime has no time zone; pass an aware one (UTC)")
    moment = moment.astimezone(UTC)
    text = (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    )
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text + "Z"


def utc_now() -> datetime:
    return datetime.now(UTC)
