"""JCS of credential JSON: byte-identical to rfc8785 on any JSON value, floats included, on
both encoder paths; values without a JCS form are refused with CanonicalizationError."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

import pytest
import rfc8785
from _credentials_data import EXAMPLE_NAMES, example
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeledger.credentials import jcs
from tradeledger.credentials.errors import CanonicalizationError

ENCODERS = [pytest.param(jcs.stdlib_jcs_bytes, id="stdlib")]
if jcs.orjson is not None:
    ENCODERS.append(pytest.param(jcs.orjson_jcs_bytes, id="orjson"))

# Strings with the characters where JCS and naive encoders disagree (control characters,
# quotes, DEL, U+2028, keys that sort differently by UTF-16 code units than by code points).
text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(["\u0000", "\u001f", "\u007f", '"', "\\", "\ue000", "\uffff",
                         "\U0001f600", "\u2028", "0", ".", "e", ":", ","]),
    ),
    max_size=10,
)
# Floats of every magnitude, with the boundaries of the fast path drawn often.
floats = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1.0, 2.0, -3.0, 1e-4, 9.999999999999999e-05, 1e16,
                     9999999999999998.0, 1e15 + 0.5, 1e21, 1e-7, 5e-324, 0.1, 1 / 3]),
    st.integers(-(2**60), 2**60).map(float),
)
integers = st.one_of(st.integers(-(2**53) + 1, 2**53 - 1),
                     st.sampled_from([2**53 - 1, -(2**53) + 1, 9007199254740991]))
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), integers, floats, text),
    lambda children: st.one_of(st.lists(children, max_size=5),
                               st.dictionaries(text, children, max_size=5)),
    max_leaves=30,
)


@pytest.mark.parametrize("encode", ENCODERS)
@settings(max_examples=800, deadline=None)
@given(value=json_values)
def test_byte_identical_to_rfc8785(encode, value):
    assert encode(value) == rfc8785.dumps(value)


@pytest.mark.parametrize("encode", ENCODERS)
@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_every_traceability_example_is_byte_identical_to_rfc8785(encode, name):
    value = example(name)
    assert encode(value) == rfc8785.dumps(value)


@pytest.mark.parametrize("encode", ENCODERS)
@pytest.mark.parametrize("value, expected", [
    ({"c": 0.0189, "nbCb": 0}, b'{"c":0.0189,"nbCb":0}'),
    ([2.0, -0.0, 1e-5, 1e16, 1e21, 1e-7], b"[2,0,0.00001,10000000000000000,1e+21,1e-7]"),
    # RFC 8785 section 3.2.3: keys sort by UTF-16 code units.
    ({"\u20ac": "Euro", "\r": "CR", "\ufb33": "Hebrew", "1": "One", "\U0001f600": "Emoji",
      "\u0080": "Ctl", "\u00f6": "Latin"},
     '{"\\r":"CR","1":"One","\u0080":"Ctl","\u00f6":"Latin","\u20ac":"Euro",'
     '"\U0001f600":"Emoji","\ufb33":"Hebrew"}'.encode()),
    ({"s": "\u001f\u007f\u2028/\"\\"}, b'{"s":"\\u001f\x7f\xe2\x80\xa8/\\"\\\\"}'),
])
def test_known_canonical_forms(encode, value, expected):
    assert encode(value) == expected


@pytest.mark.parametrize("encode", ENCODERS)
@pytest.mark.parametrize("value, message", [
    ({"n": 2**53}, r"2\^53"),
    ([-(2**60)], r"2\^53"),
    ({"x": math.nan}, "JCS"),
    ({"x": math.inf}, "JCS"),
    ({"when": datetime(2024, 1, 1, tzinfo=UTC)}, "JCS"),
    ({"s": "\ud800"}, "Unicode|UTF-8|JCS"),
    ({1: "non-string key"}, "JCS|str"),
], ids=["2^53", "-2^60", "nan", "inf", "datetime", "lone-surrogate", "int-key"])
def test_values_without_a_jcs_form_are_refused(encode, value, message):
    with pytest.raises(CanonicalizationError, match=message) as caught:
        encode(value)
    assert caught.value.code == "PROOF_TRANSFORMATION_ERROR"


def test_the_module_uses_the_fastest_available_encoder():
    expected = jcs.orjson_jcs_bytes if jcs.orjson is not None else jcs.stdlib_jcs_bytes
    assert jcs.jcs_bytes is expected


def test_canonical_bytes_parse_back_to_the_same_value():
    value = example("MillTestReportCredential")
    assert json.loads(jcs.jcs_bytes(value)) == value
