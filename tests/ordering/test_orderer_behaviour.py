"""The orderer interface (tradeledger/ordering/base.py), checked on both engines.

Every test taking `orderer` runs on the solo orderer and on the JetStream orderer over a
three-server cluster: peers must not be able to tell which one they read.
"""

from __future__ import annotations

import time

from tradeledger.ledger.block import form_blocks
from tradeledger.ordering import SoloOrderer
from tradeledger.ordering.jetstream import JetStreamOrderer


def kinds(items) -> str:
    return "".join("c" if i.kind == "cut" else "e" for i in items)


def test_positions_start_at_one_and_follow_submission_order(orderer):
    assert orderer.last_position() == 0
    assert orderer.submit([b"a", b"b", b"c"]) == [1, 2, 3]
    assert orderer.submit([b"d"]) == [4]
    assert orderer.last_position() == 4
    items = orderer.read(1)
    assert [i.position for i in items] == [1, 2, 3, 4]
    assert [i.payload for i in items] == [b"a", b"b", b"c", b"d"]
    assert kinds(items) == "eeee"


def test_submit_with_cut_puts_one_marker_right_behind_the_envelopes(orderer):
    assert orderer.submit([b"a", b"b"], cut=True) == [1, 2]
    items = orderer.read(1)
    assert kinds(items) == "eec"
    assert items[2].payload == b""
    assert orderer.last_position() == 3


def test_cut_appends_a_marker_and_returns_its_position(orderer):
    orderer.submit([b"a"])
    assert orderer.cut() == 2
    assert orderer.cut() == 3  # a cut after a cut closes nothing, but is still recorded
    assert kinds(orderer.read(1)) == "ecc"


def test_submitting_nothing_orders_nothing_but_the_cut_asked_for(orderer):
    assert orderer.submit([]) == []
    assert orderer.last_position() == 0
    assert orderer.submit([], cut=True) == []
    assert kinds(orderer.read(1)) == "c"


def test_read_respects_the_start_position_and_the_limit(orderer):
    orderer.submit([b"p%d" % i for i in range(1, 11)], cut=True)
    assert [i.position for i in orderer.read(4, 3)] == [4, 5, 6]
    assert [i.position for i in orderer.read(9)] == [9, 10, 11]
    assert orderer.read(12) == []
    assert orderer.read(1, 0) == []


def test_timestamps_are_stream_times_in_milliseconds_and_never_go_back(orderer):
    before = time.time_ns() // 1_000_000
    orderer.submit([b"a", b"b"], cut=True)
    orderer.submit([b"c"], cut=True)
    after = time.time_ns() // 1_000_000
    stamps = [i.timestamp_ms for i in orderer.read(1)]
    assert all(before - 5 <= s <= after + 5 for s in stamps)  # same host clock, ms units
    assert stamps == sorted(stamps)


def test_identical_submissions_form_identical_blocks_on_both_engines(solo: SoloOrderer,
                                                                      jetstream: JetStreamOrderer):
    script = [
        ("submit", [b"a", b"b", b"c"], False),
        ("submit", [b"d"], True),
        ("cut", None, None),
        ("submit", [b"e", b"f", b"g", b"h", b"i"], False),
        ("cut", None, None),
        ("submit", [b"j"], True),
        ("submit", [b"k", b"l"], False),  # left pending: no block closes it yet
    ]
    for engine in (solo, jetstream):
        for op, payloads, cut in script:
            if op == "submit":
                engine.submit(payloads, cut=cut)
            else:
                engine.cut()

    solo_items, js_items = solo.read(1), jetstream.read(1)
    assert [(i.position, i.kind, i.payload) for i in js_items] == [(i.position, i.kind, i.payload) for i in solo_items]

    def shape(items):
        blocks, resume = form_blocks(items, next_position=1, max_transactions=3)
        return [(b.first_position, b.end_position, b.leaves, b.positions) for b in blocks], resume

    assert shape(js_items) == shape(solo_items)
    blocks, resume = shape(js_items)
    assert [leaves for _, _, leaves, _ in blocks] == [
        (b"a", b"b", b"c"), (b"d",), (b"e", b"f", b"g"), (b"h", b"i"), (b"j",),
    ]
    assert resume == 15  # k and l wait for the next cut


def test_block_time_is_the_stream_timestamp_of_the_closing_item(jetstream: JetStreamOrderer):
    jetstream.submit([b"a", b"b"])
    time.sleep(0.02)
    closing = jetstream.cut()
    items = jetstream.read(1)
    (block,), _ = form_blocks(items, next_position=1, max_transactions=100)
    assert block.end_position == closing
    assert block.time_ms == items[-1].timestamp_ms
    assert block.time_ms >= items[0].timestamp_ms + 15  # the cut's time, not the envelopes'
