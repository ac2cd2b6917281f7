"""The status contract: an issuer publishes Bitstring Status Lists and changes one entry per
transaction; revocation is final, suspension reversible; every change keeps its time."""

import time

import pytest

from tradeledger.contracts import default_contracts
from tradeledger.errors import Refused
from tradeledger.identity import status_records as status
from tradeledger.ledger.contract import Signer
from tradeledger.ledger.memory import ContractHarness, MemoryState


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


# --- the status contract on plain data (the in-memory harness) -------------------------------

CUSTOMS = Signer("did:key:z6MkCustoms", "customs", "customs", "admin", True)
EXPORTER = Signer("did:key:z6MkExporter", "exporter", "exporter", "admin", True)


def memory() -> ContractHarness:
    return ContractHarness(default_contracts(), MemoryState())


def run(harness, action, args, signer=CUSTOMS, time_ms=0):
    return harness.run(signer, "status", action, args, time_ms=time_ms)


def refused_in_memory(harness, action, args, why, signer=CUSTOMS):
    before = dict(harness.state.rows)
    with pytest.raises(Refused, match=why):
        run(harness, action, args, signer, time_ms=99)
    assert harness.state.rows == before


def test_in_memory_a_list_and_its_changes_are_typed_records_under_composite_keys():
    harness = memory()
    run(harness, "publish", {"list_id": "ior", "purpose": "suspension"}, time_ms=10)
    run(harness, "set", {"list_id": "ior", "index": 42, "reason": "review"}, time_ms=20)
    run(harness, "clear", {"list_id": "ior", "index": 42}, time_ms=30)
    listed = status.find_list(harness.state, "customs", "ior")
    assert (listed.purpose, listed.length, listed.published_ms) == ("suspension", 131_072, 10)
    assert harness.state.rows[("status", "list/customs/ior")] == listed.to_dict()
    bit = status.status_bit(harness.state, "customs", "ior", 42)
    assert [(c.at_ms, c.value, c.reason) for c in bit.history] == [(20, 1, "review"), (30, 0, "")]
    assert (bit.value_at(19), bit.value_at(20), bit.value_at(30), bit.value) == (0, 1, 0, 0)
    assert ("status", "bit/customs/ior/00000042") in harness.state.rows  # zero-padded: scans in index order
    assert status.set_indices_at(harness.state, "customs", "ior", 25) == [42]


def test_in_memory_refusals_change_nothing():
    harness = memory()
    run(harness, "publish", {"list_id": "rev", "purpose": "revocation"})
    run(harness, "set", {"list_id": "rev", "index": 7})
    refused_in_memory(harness, "publish", {"list_id": "rev", "purpose": "suspension"}, "already published")
    refused_in_memory(harness, "clear", {"list_id": "rev", "index": 7}, "revocation cannot be undone")
    refused_in_memory(harness, "set", {"list_id": "rev", "index": 7}, "already revoked")
    refused_in_memory(harness, "set", {"list_id": "rev", "index": 131_072}, r"outside list rev \(0..131071\)")
    refused_in_memory(harness, "set", {"list_id": "rev", "index": 1}, "exporter has no status list rev",
                      signer=EXPORTER)


@pytest.mark.parametrize("record", [
    status.StatusList("customs", "ior", "suspension", 131_072, 10, "ab" * 32),
    status.StatusBit(42, (status.StatusChange(20, 1, "cd" * 32, "review"), status.StatusChange(30, 0, "ef" * 32))),
])
def test_status_records_round_trip_through_their_dicts(record):
    assert type(record).from_dict(record.to_dict()) == record


@pytest.mark.parametrize("cls, data", [
    (status.StatusList, {"organization": "c", "list_id": "l", "purpose": "refresh", "length": 8,
                         "published_ms": 1, "txid": "t"}),
    (status.StatusList, {"organization": "c", "list_id": "l", "purpose": "revocation", "length": 7,
                         "published_ms": 1, "txid": "t"}),
    (status.StatusBit, {"index": 1, "history": [{"at_ms": 1, "value": 2, "txid": "t"}]}),
    (status.StatusBit, {"index": -1}),
    (status.StatusChange, "not a change"),
])
def test_a_malformed_status_record_is_refused(cls, data):
    with pytest.raises(status.StatusRecordError):
        cls.from_dict(data)
