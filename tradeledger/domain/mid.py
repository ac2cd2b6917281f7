"""Manufacturer identification codes (MID, CBP Form 7501 block 13; FACTS §1.7).

19 CFR Part 102 Appendix builds a MID of up to 15 characters, without spaces, from:

1. the ISO 3166-1 alpha-2 code of the country of origin, except that Canadian
   manufacturers use a province code (XA Alberta ... XY Yukon) and never CA;
2. the first 3 characters of each of the first two words of the manufacturer's name (a
   one-word name gives 3): consecutive initials count as one word, hyphenated parts are
   one word, digits are kept, and the English words a, an, and, of, the are ignored;
3. the first 4 digits of the largest number on the street address line, with commas and
   hyphens inside a number ignored; a number fused with letters ("12th") names the
   street or a unit and is not used; nothing when there is no number;
4. the first 3 letters of the city.

Example (FedEx's, FACTS §1.7): Ozrock, 92 Alice Springs Road, Melbourne, Australia ->
AUOZR92MEL. Names and places with accented Latin letters lose the accents; other scripts
must be transliterated by the caller.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from tradeledger.domain.errors import MidError

__all__ = ["CANADIAN_PROVINCE_CODES", "Mid", "MidError", "construct_mid", "validate_mid"]

MAX_LENGTH = 15

# MID province code by province, keyed by both the postal abbreviation and the MID code.
CANADIAN_PROVINCE_CODES = {
    "AB": "XA", "BC": "XC", "MB": "XM", "NB": "XB", "NL": "XW", "NT": "XT", "NS": "XN",
    "NU": "XV", "ON": "XO", "PE": "XP", "QC": "XQ", "SK": "XS", "YT": "XY",
}
_PROVINCE_MID_CODES = frozenset(CANADIAN_PROVINCE_CODES.values())

_IGNORED_WORDS = frozenset({"A", "AN", "AND", "OF", "THE"})
_INITIALS = re.compile(r"[A-Z](\.[A-Z])*\.?")  # A. or A.B.C. or A.B.C
_NUMBER = re.compile(r"[0-9]+([,-][0-9]+)*")
_MID = re.compile(r"[A-Z]{2}[A-Z0-9]{1,13}")


@dataclass(frozen=True)
class Mid:
    """A manufacturer identification code of the right form."""

    code: str

    def __str__(self) -> str:
        return self.code

    @property
    def country(self) -> str:
        """The ISO country code, or the Canadian province code, the MID starts with."""
        return self.code[:2]

    @property
    def is_canadian(self) -> bool:
        return self.country in _PROVINCE_MID_CODES

    def to_dict(self) -> dict[str, Any]:
        return {"mid": self.code}

    @classmethod
    def from_dict(cls, data: Any) -> Mid:
        if not isinstance(data, dict) or not isinstance(data.get("mid"), str):
            raise MidError('a MID object is {"mid": "CCNAMNAM1234CIT"}')
        return validate_mid(data["mid"])


def _latin(text: str, what: str) -> str:
    """Upper-case ASCII: accents dropped; refuses letters of other scripts."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    if not ascii_text.isascii():
        raise MidError(f"{what} {text!r} has non-Latin letters; give it transliterated to Latin letters")
    return ascii_text.upper()


def _country_part(country: str, province: str | None) -> str:
    code = country.strip().upper() if isinstance(country, str) else ""
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise MidError(f"country {country!r} must be an ISO 3166-1 alpha-2 code, for example CN")
    if code == "CA":
        key = (province or "").strip().upper()
        if key in _PROVINCE_MID_CODES:
            return key
        if key in CANADIAN_PROVINCE_CODES:
            return CANADIAN_PROVINCE_CODES[key]
        raise MidError(
            f"a Canadian MID starts with the province code, not CA; province {province!r} is "
            f"not one of {', '.join(sorted(CANADIAN_PROVINCE_CODES))}"
        )
    if province is not None:
        raise MidError(f"province applies to Canadian manufacturers only, not to country {code}")
    return code


def _name_words(name: str) -> list[str]:
    words: list[str] = []
    in_initials = False
    for token in _latin(name, "manufacturer name").split():
        if _INITIALS.fullmatch(token) and ("." in token or in_initials):
            letters = token.replace(".", "")
            if in_initials:  # consecutive initials ("A. B. C.") are one word
                words[-1] += letters
            else:
                words.append(letters)
            in_initials = True
            continue
        in_initials = False
        if token in _IGNORED_WORDS:
            continue
        word = re.sub(r"[^A-Z0-9]", "", token)  # hyphens and punctuation join the parts
        if word:
            words.append(word)
    return words


def _name_part(name: str) -> str:
    words = _name_words(name)
    if not words:
        raise MidError(f"manufacturer name {name!r} has no word to take characters from")
    return "".join(word[:3] for word in words[:2])


def _address_part(street_address: str) -> str:
    numbers: list[str] = []
    for token in street_address.split():
        token = token.strip(".,;:#()")
        if _NUMBER.fullmatch(token):
            numbers.append(re.sub(r"[,-]", "", token).lstrip("0") or "0")
    if not numbers:
        return ""
    largest = max(numbers, key=int)
    return largest[:4]


def _city_part(city: str) -> str:
    letters = re.sub(r"[^A-Z]", "", _latin(city, "city"))
    if not letters:
        raise MidError(f"city {city!r} has no letters; the MID ends with the first 3 letters of the city")
    return letters[:3]


def construct_mid(
    country: str,
    manufacturer_name: str,
    street_address: str,
    city: str,
    *,
    province: str | None = None,
) -> Mid:
    """Build the MID of a manufacturer (FACTS §1.7; 19 CFR Part 102 Appendix).

    `country` is the ISO 3166-1 alpha-2 country of origin; for Canada (CA) give
    `province` as a postal abbreviation (ON) or the MID province code (XO).
    """
    code = (
        _country_part(country, province)
        + _name_part(manufacturer_name)
        + _address_part(street_address)
        + _city_part(city)
    )
    return Mid(code[:MAX_LENGTH])


def validate_mid(text: str) -> Mid:
    """Check the form of a MID: up to 15 letters and digits, starting with a country code."""
    cleaned = text.strip().upper() if isinstance(text, str) else ""
    if not _MID.fullmatch(cleaned):
        raise MidError(
            f"MID {text!r} must be 3 to {MAX_LENGTH} letters and digits with no spaces, starting "
            "with a 2-letter country code (for example AUOZR92MEL)"
        )
    country = cleaned[:2]
    if country == "CA":
        raise MidError(
            f"MID {text!r} starts with CA; Canadian MIDs start with the province code "
            "(XA, XB, XC, XM, XN, XO, XP, XQ, XS, XT, XV, XW, XY)"
        )
    if country.startswith("X") and country not in _PROVINCE_MID_CODES:
        raise MidError(
            f"MID {text!r} starts with {country}, which is neither an ISO country code nor a "
            "Canadian province code (XA, XB, XC, XM, XN, XO, XP, XQ, XS, XT, XV, XW, XY)"
        )
    return Mid(cleaned)
