"""World state (DESIGN.md decision 14): overlays, bulk reads, and the write-set digest."""

import json

import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from tradeledger.crypto import canonical_bytes, sha256
from tradeledger.ledger.state import Overlay, next_state_digest, write_set_bytes

texts = st.text(max_size=12)
values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53 - 1), 2**53 - 1) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)


@given(st.dictionaries(st.tuples(texts, texts), st.none() | values, max_size=8))
def test_the_write_set_bytes_are_the_canonical_json_of_its_sorted_rows(writes):
    encoded = {key: None if value is None else canonical_bytes(value).decode() for key, value in writes.items()}
    rows = [[ns, key, value] for (ns, key), value in sorted(writes.items())]
    assert write_set_bytes(encoded) == rfc8785.dumps(rows)
    assert next_state_digest(b"\x00" * 32, encoded) == sha256(b"\x00" * 32 + rfc8785.dumps(rows))


class CountingReader:
    """A base that counts how it is asked."""

    def __init__(self, rows):
        self.rows = rows
        self.single_reads = 0
        self.bulk_reads = 0

    def get_state(self, namespace, key):
        self.single_reads += 1
        return self.rows.get((namespace, key))

    def get_states(self, keys):
        self.bulk_reads += 1
        return {key: self.rows[key] for key in keys if key in self.rows}

    def scan_state(self, namespace, prefix):
        return sorted((k, v) for (ns, k), v in self.rows.items() if ns == namespace and k.startswith(prefix))


def test_preloaded_keys_are_answered_from_one_bulk_read_including_absent_ones():
    base = CountingReader({("documents", "a"): {"n": 1}})
    block = Overlay(base, cache_reads=True)
    block.preload([("documents", "a"), ("documents", "missing"), ("documents", "a")])
    assert base.bulk_reads == 1
    assert block.get_state("documents", "a") == {"n": 1}
    assert block.get_state("documents", "missing") is None
    assert base.single_reads == 0
    assert block.get_state("documents", "other") is None and base.single_reads == 1


def test_preloading_changes_no_answer_and_pending_writes_win():
    base = CountingReader({("documents", "a"): 1, ("documents", "b"): 2})
    block = Overlay(base, cache_reads=True)
    block.put("documents", "a", 10)
    block.preload([("documents", "a"), ("documents", "b")])
    assert block.get_state("documents", "a") == 10
    assert block.get_state("documents", "b") == 2
    tx = Overlay(block)
    tx.put("documents", "b", None)
    assert tx.get_state("documents", "b") is None and block.get_state("documents", "b") == 2
    assert json.loads(write_set_bytes(tx.encoded)) == [["documents", "b", None]]


def test_an_overlay_without_a_read_cache_ignores_preloading():
    base = CountingReader({("documents", "a"): 1})
    tx = Overlay(base)
    tx.preload([("documents", "a")])
    assert base.bulk_reads == 0 and tx.get_state("documents", "a") == 1
