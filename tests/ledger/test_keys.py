"""Composite state keys: built one way, split back into exactly their parts."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradeledger.ledger.keys import StateKeyError, key_prefix, split_key, state_key


def test_a_key_is_its_kind_and_parts_joined_by_slashes():
    assert state_key("poa", "IMPORTER", "BROKER") == "poa/IMPORTER/BROKER"
    assert state_key("version", "B76-0324527-8", 3) == "version/B76-0324527-8/3"


def test_a_part_may_hold_the_separator_and_the_escape_character():
    key = state_key("issuer", "a/b", "100%", "%2F")
    assert split_key(key) == ("issuer", ("a/b", "100%", "%2F"))


@given(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), st.lists(st.text(max_size=12), max_size=4))
def test_every_key_splits_back_into_the_parts_it_was_made_of(kind, parts):
    assert split_key(state_key(kind, *parts)) == (kind, tuple(parts))


@given(st.text(max_size=8), st.text(max_size=8), st.text(max_size=8))
def test_a_prefix_covers_exactly_the_keys_that_extend_its_parts(a, b, c):
    prefix = key_prefix("bit", a)
    assert state_key("bit", a, b).startswith(prefix)
    if a != c:
        assert not state_key("bit", c, b).startswith(prefix)


@pytest.mark.parametrize("kind", ["", "Entry", "a/b", "1x", "entry:"])
def test_a_kind_is_a_lowercase_name(kind):
    with pytest.raises(StateKeyError):
        state_key(kind, "x")


def test_a_part_is_text_or_an_integer():
    with pytest.raises(StateKeyError):
        state_key("entry", 1.5)  # type: ignore[arg-type]
    with pytest.raises(StateKeyError):
        state_key("entry", True)  # type: ignore[arg-type]


def test_split_refuses_what_no_contract_built():
    with pytest.raises(StateKeyError):
        split_key("c:abc")
