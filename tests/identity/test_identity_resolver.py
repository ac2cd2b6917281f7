"""LedgerKeyResolver: proofs verify only with keys the registry had active when they were
made; a key rotated or revoked later still verifies what it signed before."""

import pytest
from _identity_world import (
    admit_member,
    base_of,
    block_time,
    ior_credential,
    iso_ms,
    moment,
    submit_as,
)

from tradeledger.credentials import KeyResolutionError
from tradeledger.crypto import KeyPair
from tradeledger.identity import LedgerKeyResolver, check_with_ledger, created_window
from tradeledger.identity.verification import KEY_REVOKED_LATER


def codes(result):
    return [p.code for p in result.errors]


def test_a_registered_did_key_and_the_same_key_under_its_organizations_did_web_resolve(net):
    base, admin = base_of(net), net.organization_keys("customs").admin
    resolver = LedgerKeyResolver(net.reader.store, base, moment())
    assert resolver(admin.verification_method) == admin.public_key
    web_method = f"{base.organization_did('customs')}#{admin.did[len('did:key:'):]}"
    assert resolver(web_method) == admin.public_key


@pytest.mark.parametrize("method, words", [
    (KeyPair(bytes(32)).verification_method, "not registered on this network"),
    ("did:web:elsewhere.example:orgs:customs#z6Mk", "not a key of an organization of this network"),
    ("did:key:u7QFvdwM#u7QFvdwM", "did:key:z6Mk"),
    ("did:example:123#key-1", "only did:key and did:web"),
])
def test_keys_the_network_does_not_know_are_refused(net, method, words):
    resolver = LedgerKeyResolver(net.reader.store, base_of(net), moment())
    with pytest.raises(KeyResolutionError, match=words):
        resolver(method)


def test_a_did_web_method_must_name_a_key_of_that_organization(net):
    base = base_of(net)
    importer_key = net.organization_keys("importer").admin
    resolver = LedgerKeyResolver(net.reader.store, base, moment())
    with pytest.raises(KeyResolutionError, match="belongs to importer, not customs"):
        resolver(f"{base.organization_did('customs')}#{importer_key.did[len('did:key:'):]}")
    with pytest.raises(KeyResolutionError, match="names no key"):
        resolver(base.organization_did("customs"))


def test_a_credential_issued_under_the_organizations_did_web_verifies(net):
    base, admin = base_of(net), net.organization_keys("customs").admin
    issuer = base.organization_did("customs")
    credential = ior_credential(net, issuer=issuer, method=f"{issuer}#{admin.did[len('did:key:'):]}")
    result = check_with_ledger(credential, net.reader.store)
    assert result.verified, result.errors
    assert result.issuer_organization == "customs"


def test_what_a_key_signed_before_its_rotation_still_verifies_and_nothing_after(net):
    signer, _ = admit_member(net, "customs", "officer")
    before = ior_credential(net, signer=signer, created=iso_ms(moment()))
    successor = KeyPair.generate()
    receipt = submit_as(net, signer, "registry", "rotate_key", {"old_key": signer.did, "new_key": successor.did})
    rotated_at = block_time(net, receipt)
    assert check_with_ledger(before, net.reader.store).verified
    after = ior_credential(net, signer=signer, created=iso_ms(rotated_at + 1))
    result = check_with_ledger(after, net.reader.store)
    assert not result.verified
    [problem] = result.errors
    assert problem.code == "PROOF_VERIFICATION_ERROR" and "was rotated at" in problem.message
    assert successor.did in problem.message


def test_a_proof_dated_before_its_key_was_registered_is_refused(net):
    early = moment()
    signer, _ = admit_member(net, "customs", "officer")
    result = check_with_ledger(ior_credential(net, signer=signer, created=iso_ms(early)), net.reader.store)
    assert not result.verified and "was registered only at" in result.errors[0].message


def test_a_proof_by_a_key_revoked_later_verifies_with_a_warning_that_created_is_only_a_claim(net):
    signer, _ = admit_member(net, "customs", "officer")
    credential = ior_credential(net, signer=signer, created=iso_ms(moment()))
    net.submit_checked("customs", "registry", "revoke_key", {"key": signer.did, "reason": "key leaked"})
    result = check_with_ledger(credential, net.reader.store)
    assert result.verified
    [warning] = [w for w in result.warnings if w.code == KEY_REVOKED_LATER]
    assert "key leaked" in warning.message
    late = ior_credential(net, signer=signer, created=iso_ms(moment()))
    refused = check_with_ledger(late, net.reader.store)
    assert not refused.verified and "was revoked at" in refused.errors[0].message


def test_created_given_to_the_second_covers_that_whole_second():
    assert created_window("2025-01-01T00:00:00Z") == (1735689600000, 1735689600999)
    assert created_window("2025-01-01T00:00:00.250Z") == (1735689600250, 1735689600250)
