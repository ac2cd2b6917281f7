"""DID resolution from ledger state: organizations' did:web documents and keys' did:key
documents reflect admission, rotation and revocation, and answer as of any moment."""

import pytest
from _identity_world import admit_member, base_of, block_time, moment, submit_as

from tradeledger.crypto import KeyPair
from tradeledger.identity import (
    DidNotFoundError,
    InvalidDidError,
    MethodNotSupportedError,
    resolve_did,
)
from tradeledger.identity.registry import organization_record


def methods(resolution):
    return [m["publicKeyMultibase"] for m in resolution.did_document["verificationMethod"]]


def multibase(key):
    return key.did[len("did:key:"):]


def test_an_organizations_document_lists_its_active_keys(net):
    base = base_of(net)
    clerk, _ = admit_member(net, "importer", "clerk")
    result = resolve_did(net.reader.store, base, base.organization_did("importer"))
    admin = net.organization_keys("importer").admin
    assert result.did_document["id"] == base.organization_did("importer")
    assert sorted(methods(result)) == sorted([multibase(admin), multibase(clerk)])
    assert result.did_document["capabilityInvocation"] == [f"{base.organization_did('importer')}#{multibase(admin)}"]
    assert not result.deactivated
    assert result.document_metadata["tradeledger"]["role"] == "importer"


def test_a_rotated_key_leaves_the_document_and_its_successor_joins(net):
    base, store = base_of(net), net.reader.store
    clerk, _ = admit_member(net, "importer", "clerk")
    before_rotation = moment()
    successor = KeyPair.generate()
    receipt = submit_as(net, clerk, "registry", "rotate_key", {"old_key": clerk.did, "new_key": successor.did})
    assert receipt.valid, receipt.reason
    rotated_at = block_time(net, receipt)
    org = base.organization_did("importer")
    now = resolve_did(store, base, org)
    assert multibase(successor) in methods(now) and multibase(clerk) not in methods(now)
    assert now.document_metadata["updated"]  # the rotation changed it
    then = resolve_did(store, base, org, at_ms=before_rotation)
    assert multibase(clerk) in methods(then) and multibase(successor) not in methods(then)
    history = {k["did"]: k for k in now.document_metadata["tradeledger"]["keys"]}
    assert history[clerk.did]["status"] == "rotated" and history[clerk.did]["replacedBy"] == successor.did
    assert resolve_did(store, base, org, at_ms=rotated_at).did_document == now.did_document


def test_a_revoked_keys_own_document_says_deactivated_with_when_and_why(net):
    base, store = base_of(net), net.reader.store
    clerk, _ = admit_member(net, "importer", "clerk")
    before = moment()
    receipt = net.submit_checked("importer", "registry", "revoke_key", {"key": clerk.did, "reason": "device lost"})
    revoked_at = block_time(net, receipt)
    result = resolve_did(store, base, clerk.did)
    assert result.deactivated
    registry = result.document_metadata["tradeledger"]
    assert registry["status"] == "revoked" and registry["reason"] == "device lost"
    assert registry["organizationDid"] == base.organization_did("importer")
    assert result.document_metadata["updated"] == registry["ended"]
    assert result.did_document["id"] == clerk.did  # the document itself is the did:key's
    earlier = resolve_did(store, base, clerk.did, at_ms=before)
    assert not earlier.deactivated and earlier.document_metadata["tradeledger"]["status"] == "active"
    assert "reason" not in earlier.document_metadata["tradeledger"]  # the future is not told
    assert clerk.did not in str(resolve_did(store, base, base.organization_did("importer"), revoked_at).did_document)


def test_a_did_key_the_registry_never_saw_resolves_as_unregistered(net):
    stranger = KeyPair.generate()
    result = resolve_did(net.reader.store, base_of(net), stranger.did)
    assert result.did_document["id"] == stranger.did
    assert result.document_metadata == {"tradeledger": {"registered": False}}


def test_before_its_admission_an_organization_is_not_found(net):
    base = base_of(net)
    admitted = organization_record(net.reader.store, "mill").since_ms
    with pytest.raises(DidNotFoundError, match="admitted only"):
        resolve_did(net.reader.store, base, base.organization_did("mill"), at_ms=admitted - 1)


@pytest.mark.parametrize("did, error, words", [
    ("did:web:tradeledger.local:nowhere:orgs:customs", DidNotFoundError, "not an organization of this network"),
    ("did:example:123", MethodNotSupportedError, "did:key or did:web"),
    ("did:key:u7QFvdwM", InvalidDidError, "did:key:z6Mk"),
    ("did:key:z6LSj72tK8brWgZja8NLRwPigth2T9QRiG1uH9oKZuKjdh9p", InvalidDidError, "0xed01"),
    ("https://example.com", InvalidDidError, "not a DID"),
])
def test_what_cannot_be_resolved_says_why(net, did, error, words):
    with pytest.raises(error, match=words):
        resolve_did(net.reader.store, base_of(net), did)


def test_an_unknown_organization_and_a_did_url_are_refused(net):
    base = base_of(net)
    with pytest.raises(DidNotFoundError, match="no organization 'carrier'"):
        resolve_did(net.reader.store, base, base.organization_did("carrier"))
    admin = net.organization_keys("customs").admin
    with pytest.raises(InvalidDidError, match="DID URL"):
        resolve_did(net.reader.store, base, admin.verification_method)
