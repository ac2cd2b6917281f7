"""Status lists rebuilt from the ledger as of any moment, and the verifier's lookup over them."""

import pytest
from _identity_world import base_of, moment

from tradeledger.credentials import (
    BitstringStatusList,
    StatusIndexOutOfRangeError,
    StatusRetrievalError,
    status_list_from_credential,
)
from tradeledger.identity import (
    LedgerStatusLookup,
    status_entry,
    status_list_at,
    status_list_credential_at,
)
from tradeledger.identity.status import status_list_entries_at


def publish(net, list_id="ior", purpose="suspension"):
    net.submit_checked("customs", "status", "publish", {"list_id": list_id, "purpose": purpose})
    return moment()


def change(net, action, index, list_id="ior"):
    net.submit_checked("customs", "status", action, {"list_id": list_id, "index": index})
    return moment()


def test_the_list_is_rebuilt_as_it_stood_at_each_moment(net):
    published = publish(net)
    first = change(net, "set", 0)
    second = change(net, "set", 131_071)
    lifted = change(net, "clear", 0)
    state = net.reader.store

    def set_bits(at):
        return list(status_list_at(state, "customs", "ior", at).set_indices())

    assert set_bits(published) == []
    assert set_bits(first) == [0]
    assert set_bits(second) == [0, 131_071]
    assert set_bits(lifted) == [131_071]
    rebuilt = status_list_at(state, "customs", "ior", second)
    assert rebuilt.bits[0] == 0x80 and rebuilt.bits[-1] == 0x01  # entry 0 is the left-most bit
    assert rebuilt.purposes == ("suspension",) and rebuilt.length == 131_072


def test_the_status_list_credential_at_a_moment_decodes_to_that_moments_bits(net):
    publish(net)
    at = change(net, "set", 94_567)
    change(net, "clear", 94_567)
    base = base_of(net)
    credential = status_list_credential_at(net.reader.store, base, "customs", "ior", at)
    assert credential["id"] == base.status_list_url("customs", "ior")
    assert credential["issuer"] == base.organization_did("customs")
    decoded = status_list_from_credential(credential)
    assert decoded == BitstringStatusList.new("suspension").set(94_567, 1)  # bits compared, never GZIP text


def test_before_publication_and_for_unknown_lists_the_status_cannot_be_retrieved(net):
    early = moment()
    publish(net)
    with pytest.raises(StatusRetrievalError, match="published only at"):
        status_list_at(net.reader.store, "customs", "ior", early)
    with pytest.raises(StatusRetrievalError, match="no status list 'other'"):
        status_list_at(net.reader.store, "customs", "other", moment())


def test_the_lookup_answers_for_this_networks_urls_only(net):
    publish(net)
    at = change(net, "set", 5)
    base = base_of(net)
    lookup = LedgerStatusLookup(net.reader.store, base, at)
    assert lookup(base.status_list_url("customs", "ior")).get(5) == 1
    with pytest.raises(StatusRetrievalError, match="not published on this network"):
        lookup("https://example.com/credentials/status/3")


def test_a_status_entry_points_at_a_published_list_within_its_range(net):
    publish(net, "rev", "revocation")
    base = base_of(net)
    entry = status_entry(net.reader.store, base, "customs", "rev", 131_071)
    assert entry.to_dict() == {
        "id": base.status_list_url("customs", "rev") + "#131071", "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation", "statusListIndex": "131071",
        "statusListCredential": base.status_list_url("customs", "rev")}
    with pytest.raises(StatusIndexOutOfRangeError, match="outside list rev"):
        status_entry(net.reader.store, base, "customs", "rev", 131_072)
    with pytest.raises(StatusRetrievalError):
        status_entry(net.reader.store, base, "importer", "rev", 1)


def test_reading_only_the_wanted_entries_agrees_with_the_whole_list(net):
    publish(net)
    moments = [change(net, "set", i) for i in (3, 64, 65, 131_000)]
    moments.append(change(net, "clear", 64))
    state = net.reader.store
    wanted = [0, 3, 64, 65, 131_000, 131_071]
    for at in moments:
        whole = status_list_at(state, "customs", "ior", at)
        sparse = status_list_entries_at(state, "customs", "ior", wanted, at)
        assert [sparse.get(i) for i in wanted] == [whole.get(i) for i in wanted]
    url = base_of(net).status_list_url("customs", "ior")
    lookup = LedgerStatusLookup(state, base_of(net), moments[-1], {url: {65}})
    assert lookup(url).get(65) == 1 and lookup(url).get(3) == 0  # only entry 65 was read
