"""RFC 8785 canonical JSON: the fast path is byte-identical to the reference, and ledger
data refuses what would make peers disagree (floats, integers beyond 2^53 - 1)."""

import json

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeledger.crypto import MAX_SAFE_INTEGER, NonCanonicalDataError, canonical_bytes, is_canonical

# Strings include the characters where JCS and naive encoders disagree: control
# characters, quotes, backslashes, DEL, non-BMP characters and keys that sort differently
# by UTF-16 code units than by code points (U+E000..U+FFFF against supplementary planes).
text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(["\u0000", "\u001f", "\u007f", '"', "\\", "\ue000", "\uffff", "\U0001f600", "\u2028"]),
    ),
    max_size=12,
)
safe_int = st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)
ledger_data = st.recursive(
    st.one_of(st.none(), st.booleans(), safe_int, text),
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(text, children, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=1500, deadline=None)
@given(ledger_data)
def test_fast_path_is_byte_identical_to_rfc8785(value):
    assert canonical_bytes(value) == rfc8785.dumps(value)


@settings(max_examples=300, deadline=None)
@given(ledger_data)
def test_canonical_bytes_are_recognised_as_canonical(value):
    data = canonical_bytes(value)
    assert is_canonical(data)
    assert json.loads(data) == value


def test_keys_sort_by_utf16_code_units_as_rfc8785_requires():
    # U+E000 sorts before U+1F600 by code point but after it by UTF-16 code units.
    value = {"\ue000": 1, "\U0001f600": 2}
    assert canonical_bytes(value) == '{"\U0001f600":2,"\ue000":1}'.encode()


@pytest.mark.parametrize(
    "value, where",
    [
        ({"amount": 12.5}, "/amount"),
        ({"lines": [{"value": 1.0}]}, "/lines/0/value"),
        ({"n": MAX_SAFE_INTEGER + 1}, "/n"),
        ({"n": -(2**60)}, "/n"),
        ({1: "x"}, "/"),
        ({"when": object()}, "/when"),
    ],
)
def test_non_ledger_data_is_refused_with_where_it_is(value, where):
    with pytest.raises(NonCanonicalDataError) as error:
        canonical_bytes(value)
    assert where in str(error.value)


def test_floats_are_refused_with_advice():
    with pytest.raises(NonCanonicalDataError, match="decimal strings"):
        canonical_bytes({"amount": 0.1})


def test_largest_safe_integers_are_accepted():
    assert canonical_bytes([MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER]) == b"[9007199254740991,-9007199254740991]"


@pytest.mark.parametrize("data", [b'{"b":1,"a":2}', b'{"a": 1}', b'{"a":1.0}', b"not json", b'"\\u0041"'])
def test_non_canonical_bytes_are_detected(data):
    assert not is_canonical(data)
