"""Block formation is a pure function of the ordered stream (DESIGN.md decision 6)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from tradeledger.ledger.block import OrderedItem, form_blocks


def stream(kinds: str) -> list[OrderedItem]:
    """'e' = envelope, 'c' = cut marker; positions from 1, timestamps 1000*position."""
    return [
        OrderedItem(i, "envelope" if k == "e" else "cut", f"env{i}".encode() if k == "e" else b"", 1000 * i)
        for i, k in enumerate(kinds, start=1)
    ]


def test_a_block_closes_at_the_size_limit():
    blocks, resume = form_blocks(stream("eeeee"), next_position=1, max_transactions=2)
    assert [b.leaves for b in blocks] == [(b"env1", b"env2"), (b"env3", b"env4")]
    assert [b.time_ms for b in blocks] == [2000, 4000]  # the closing item's timestamp
    assert resume == 5  # env5 is pending until a cut or the limit closes it


def test_a_cut_marker_closes_the_pending_block_at_its_time():
    blocks, resume = form_blocks(stream("eece"), next_position=1, max_transactions=10)
    assert len(blocks) == 1
    assert blocks[0].leaves == (b"env1", b"env2")
    assert blocks[0].positions == (1, 2)
    assert blocks[0].end_position == 3 and blocks[0].time_ms == 3000
    assert resume == 4


def test_a_cut_with_nothing_pending_is_ignored():
    blocks, resume = form_blocks(stream("ccecc"), next_position=1, max_transactions=10)
    assert [b.leaves for b in blocks] == [(b"env3",)]
    assert resume == 6


def test_reading_from_a_later_position_skips_earlier_items():
    blocks, _ = form_blocks(stream("eceec"), next_position=3, max_transactions=10)
    assert [b.leaves for b in blocks] == [(b"env3", b"env4")]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ec", max_size=60), st.integers(min_value=1, max_value=7),
       st.integers(min_value=1, max_value=60))
def test_forming_in_pieces_gives_the_same_blocks_as_forming_at_once(kinds, limit, split):
    """A peer that stops and resumes anywhere forms exactly the blocks of one that did not."""
    items = stream(kinds)
    whole, _ = form_blocks(items, next_position=1, max_transactions=limit)
    first, resume = form_blocks(items[:split], next_position=1, max_transactions=limit)
    rest, _ = form_blocks(items, next_position=resume, max_transactions=limit)
    assert first + rest == whole
    for block in whole:
        assert 1 <= len(block.leaves) <= limit
