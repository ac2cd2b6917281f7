"""did:web names of a network, derived from its genesis origin (tradeledger.identity.web).

The did:web <-> URL examples are the did:web method specification's (data/SOURCES.md)."""

import pytest

from tradeledger.identity import OriginError, WebBase
from tradeledger.identity.errors import InvalidDidError

BASE = WebBase.from_origin("tradeledger.local/demo-1a2b3c4d")


def test_a_network_origin_becomes_a_did_web_with_one_segment_per_path_segment():
    assert BASE == WebBase("tradeledger.local", ("demo-1a2b3c4d",))
    assert BASE.did == "did:web:tradeledger.local:demo-1a2b3c4d"


def test_an_organization_is_named_under_orgs():
    did = BASE.organization_did("customs")
    assert did == "did:web:tradeledger.local:demo-1a2b3c4d:orgs:customs"
    assert BASE.organization_of(did) == "customs"
    assert BASE.document_url(did) == "https://tradeledger.local/demo-1a2b3c4d/orgs/customs/did.json"


@pytest.mark.parametrize("did", [
    "did:web:other.example:demo-1a2b3c4d:orgs:customs",  # another host
    "did:web:tradeledger.local:demo-ffffffff:orgs:customs",  # another network
    "did:web:tradeledger.local:demo-1a2b3c4d:orgs:Customs",  # not an organization name
    "did:web:tradeledger.local:demo-1a2b3c4d:orgs:customs:extra",
    "did:web:tradeledger.local:demo-1a2b3c4d",  # the network itself
    "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
])
def test_only_this_networks_organization_dids_name_an_organization(did):
    assert BASE.organization_of(did) is None


def test_a_port_is_percent_encoded_and_odd_path_characters_too():
    base = WebBase.from_origin("Ledger.Example.com:8443/logs/2025~main")
    assert base.did == "did:web:ledger.example.com%3A8443:logs:2025%7Emain"
    assert base.https_base == "https://ledger.example.com:8443/logs/2025~main"


@pytest.mark.parametrize("did, url", [
    ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
    ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
    ("did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"),
])
def test_did_web_maps_to_https_as_the_method_specification_says(did, url):
    assert BASE.document_url(did) == url


@pytest.mark.parametrize("origin", ["", "https://example.com/log", "exa mple.com/log", "under_score.com/x"])
def test_an_origin_that_is_not_a_schema_less_url_is_refused(origin):
    with pytest.raises(OriginError):
        WebBase.from_origin(origin)


def test_status_list_urls_round_trip_and_foreign_urls_are_not_ours():
    url = BASE.status_list_url("customs", "ior-suspension")
    assert url == "https://tradeledger.local/demo-1a2b3c4d/orgs/customs/status/ior-suspension"
    assert BASE.parse_status_list_url(url) == ("customs", "ior-suspension")
    assert BASE.parse_status_list_url("https://example.com/credentials/status/3") is None
    assert BASE.parse_status_list_url(url + "/more") is None
    with pytest.raises(InvalidDidError):
        BASE.status_list_url("customs", "Not A List")


def test_web_base_round_trips_through_its_dict():
    assert WebBase.from_dict(BASE.to_dict()) == BASE
