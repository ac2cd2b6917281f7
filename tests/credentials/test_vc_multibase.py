"""Multibase: the fast base58btc decoder agrees with the base58 package; base64url is unpadded."""

from __future__ import annotations

import base58
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeledger.credentials.errors import MultibaseError
from tradeledger.credentials.multibase import (
    decode_base58btc,
    decode_base64url,
    encode_base58btc,
    encode_base64url,
)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=80).map(lambda b: b"\x00" * (b[:1] == b"\x07") * 3 + b))
def test_base58btc_round_trips_and_agrees_with_the_base58_package(data):
    text = encode_base58btc(data)
    assert text == "z" + base58.b58encode(data).decode()
    assert decode_base58btc(text) == data == base58.b58decode(text[1:])


@pytest.mark.parametrize("text, decoded", [
    ("z", b""),
    ("z1", b"\x00"),
    ("z111", b"\x00\x00\x00"),
    ("z2", b"\x01"),
    ("z5Q", b"\xff"),
])
def test_base58btc_edge_cases(text, decoded):
    assert decode_base58btc(text) == decoded


@pytest.mark.parametrize("text, message", [
    ("u5Q", "header 'z'"),
    ("5Q", "header 'z'"),
    ("", "empty string"),
    ("z0OIl", "not a base58btc character"),
    ("z5Q ", "not a base58btc character"),
    (b"z5Q", "multibase string"),
])
def test_base58btc_refuses_wrong_headers_and_characters(text, message):
    with pytest.raises(MultibaseError, match=message):
        decode_base58btc(text)


@pytest.mark.parametrize("data", [b"", b"\x00", b"\xfb\xff", bytes(range(256))])
def test_base64url_round_trips_without_padding(data):
    text = encode_base64url(data)
    assert text.startswith("u") and "=" not in text and "+" not in text and "/" not in text
    assert decode_base64url(text) == data


@pytest.mark.parametrize("text, message", [
    ("zAA", "header 'u'"),
    ("uAA==", "outside"),
    ("u+/", "outside"),
    ("uA", "impossible length"),
])
def test_base64url_refuses_padding_foreign_characters_and_bad_lengths(text, message):
    with pytest.raises(MultibaseError, match=message):
        decode_base64url(text)
