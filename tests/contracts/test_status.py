"""The status contract: an issuer publishes Bitstring Status Lists and changes one entry per
transaction; revocation is final, suspension reversible; every change keeps its time."""

import time

import pytest

from tradeledger.errors import Refused
from tradeledger.identity import status_records as status


def publish(net, list_id="ior", purpose="suspension", org="customs", **extra):
    return net.submit_checked(org, "status", "publish", {"list_id": list_id, "purpose": purpose, **extra})


def change(net, action, index, list_id="ior", org="customs", reason=""):
    time.sleep(0.002)  # so that no two changes share a block millisecond
    return net.submit_checked(org, "status", action, {"list_id": list_id, "index": index, "reason": reason})


def block_time(net, receipt):
    return net.reader.store.header(receipt.height).time_ms


def test_a_published_list_is_recorded_with_its_purpose_length_and_time(network):
    receipt = publish(network, length=262_144)
    record = status.find_list(network.reader.store, "customs", "ior")
    assert record.to_dict() == {"organization": "customs", "list_id": "ior", "purpose": "suspension", "length": 262_144,
                      "published_ms": block_time(network, receipt), "txid": receipt.txid}
    assert status.lists_of(network.reader.store, "customs") == [record]


@pytest.mark.parametrize("args, words", [
    ({"purpose": "suspension", "length": 131_064}, "herd privacy"),
    ({"purpose": "suspension", "length": 131_073}, "multiple of 8"),
    ({"purpose": "refresh"}, "revocation or suspension"),
    ({"purpose": "revocation", "length": (1 << 24) + 8}, "herd privacy"),
])
def test_a_list_too_short_too_long_or_for_another_purpose_is_refused(network, args, words):
    with pytest.raises(Refused, match=words):
        network.submit_checked("customs", "status", "publish", {"list_id": "l", **args})


def test_a_list_id_is_published_once_per_organization(network):
    publish(network)
    with pytest.raises(Refused, match="already published status list ior"):
        publish(network, purpose="revocation")
    publish(network, org="exporter")  # another issuer's list of the same name is its own


def test_suspension_is_reversible_and_each_change_keeps_its_time(network):
    publish(network)
    suspended = change(network, "set", 42, reason="under review")
    lifted = change(network, "clear", 42, reason="cleared")
    again = change(network, "set", 42)
    history = status.entry_history(network.reader.store, "customs", "ior", 42)
    assert [(c.value, c.at_ms, c.txid) for c in history] == [
        (1, block_time(network, suspended), suspended.txid),
        (0, block_time(network, lifted), lifted.txid),
        (1, block_time(network, again), again.txid),
    ]
    assert history[0].reason == "under review"
    reader = network.reader.store
    assert status.set_indices_at(reader, "customs", "ior", block_time(network, suspended)) == [42]
    assert status.set_indices_at(reader, "customs", "ior", block_time(network, lifted)) == []
    assert status.set_indices_at(reader, "customs", "ior", block_time(network, suspended) - 1) == []


def test_revocation_is_final(network):
    publish(network, "rev", "revocation")
    change(network, "set", 7, "rev")
    with pytest.raises(Refused, match="revocation cannot be undone"):
        change(network, "clear", 7, "rev")
    with pytest.raises(Refused, match="already revoked"):
        change(network, "set", 7, "rev")
    assert status.set_indices_at(network.reader.store, "customs", "rev", 2**53) == [7]


def test_an_index_outside_the_list_is_refused_with_the_lists_range(network):
    publish(network)
    with pytest.raises(Refused, match=r"index 131072 is outside list ior \(0..131071\)"):
        change(network, "set", 131_072)
    with pytest.raises(Refused, match="0 or more"):
        change(network, "set", -1)
    change(network, "set", 131_071)  # the last entry is in range


def test_only_the_publisher_changes_its_list_and_nothing_reaches_the_log_when_refused(network):
    publish(network)
    size = network.reader.head.log_size
    with pytest.raises(Refused, match="importer has no status list ior"):
        change(network, "set", 1, org="importer")
    with pytest.raises(Refused, match="is not suspended"):
        change(network, "clear", 1)
    assert network.reader.head.log_size == size


def test_entries_scan_in_index_order(network):
    publish(network)
    for index in (99_999, 3, 1_000):
        change(network, "set", index)
    assert status.set_indices_at(network.reader.store, "customs", "ior", 2**53) == [3, 1_000, 99_999]
