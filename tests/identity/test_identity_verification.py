"""verify_with_ledger: `verified` (data model, proof, key life, status, dates) and `trusted`
(issuer trusted for the type) are reported separately, each with its reasons, as of any moment."""

import copy

import pytest
from _identity_world import IOR, base_of, ior_credential, moment

from tradeledger.credentials import create_presentation, issue_credential
from tradeledger.identity import (
    LedgerVerification,
    check_with_ledger,
    verify_presentation_with_ledger,
    verify_with_ledger,
)


def trust_customs(net, credential_type=IOR):
    net.submit_checked("customs", "trust", "trust",
                       {"credential_type": credential_type, "issuer": net.organization_keys("customs").admin.did})


def with_status_list(net, purpose="suspension", list_id="ior"):
    net.submit_checked("customs", "status", "publish", {"list_id": list_id, "purpose": purpose})


def codes(result):
    return [p["code"] for p in result["errors"]]


def test_a_good_credential_from_a_trusted_issuer_is_verified_and_trusted(net):
    trust_customs(net)
    with_status_list(net)
    result = verify_with_ledger(ior_credential(net, status=("ior", 17)), net.reader.store)
    assert (result["verified"], result["trusted"], result["accepted"]) == (True, True, True)
    assert result["errors"] == [] and result["issuer_organization"] == "customs"
    [finding] = result["trust_reasons"]
    assert finding["type"] == IOR and finding["trusted"] and "trusted for ImporterOfRecordCredential by customs" \
        in finding["reason"]
    assert result["statuses"][0]["index"] == 17 and result["statuses"][0]["valid"]


def test_a_genuine_credential_from_an_issuer_nobody_trusts_is_verified_but_not_trusted(net):
    result = verify_with_ledger(ior_credential(net), net.reader.store)
    assert result["verified"] and not result["trusted"] and not result["accepted"]
    assert "is not in the trust registry for ImporterOfRecordCredential" in result["trust_reasons"][0]["reason"]


def test_a_tampered_credential_naming_a_trusted_issuer_is_trusted_but_not_verified(net):
    trust_customs(net)
    credential = ior_credential(net)
    credential["credentialSubject"]["importerNumber"] = "99-999999900"
    result = verify_with_ledger(credential, net.reader.store)
    assert not result["verified"] and result["trusted"] and not result["accepted"]
    assert codes(result) == ["PROOF_VERIFICATION_ERROR"]
    assert "signature does not verify" in result["errors"][0]["message"]


def test_a_suspension_is_seen_then_lifted_and_the_past_keeps_its_answer(net):
    trust_customs(net)
    with_status_list(net)
    credential = ior_credential(net, status=("ior", 4_096))
    good_then = moment()
    net.submit_checked("customs", "status", "set", {"list_id": "ior", "index": 4_096})
    suspended = verify_with_ledger(credential, net.reader.store)
    assert not suspended["verified"] and suspended["trusted"] and codes(suspended) == ["SUSPENDED"]
    assert verify_with_ledger(credential, net.reader.store, good_then)["verified"]
    net.submit_checked("customs", "status", "clear", {"list_id": "ior", "index": 4_096})
    assert verify_with_ledger(credential, net.reader.store)["verified"]


def test_a_revoked_credential_stays_revoked(net):
    trust_customs(net)
    with_status_list(net, "revocation", "rev")
    credential = ior_credential(net, status=("rev", 1))
    net.submit_checked("customs", "status", "set", {"list_id": "rev", "index": 1})
    assert codes(verify_with_ledger(credential, net.reader.store)) == ["REVOKED"]


def test_a_status_list_of_another_network_makes_the_status_unknown_not_good(net):
    credential = ior_credential(net)
    credential.pop("proof")
    credential["credentialStatus"] = {"type": "BitstringStatusListEntry", "statusPurpose": "revocation",
                                      "statusListIndex": "3", "statusListCredential": "https://example.com/status/3"}
    admin = net.organization_keys("customs").admin
    result = verify_with_ledger(issue_credential(credential, admin, admin.verification_method), net.reader.store)
    assert codes(result) == ["STATUS_RETRIEVAL_ERROR"]
    assert "not published on this network" in result["errors"][0]["message"]


def test_ended_trust_is_reported_with_its_reason_and_the_earlier_answer_stands(net):
    admin = net.organization_keys("customs").admin
    receipt = net.submit_checked("customs", "trust", "trust", {"credential_type": IOR, "issuer": admin.did})
    credential = ior_credential(net)
    trusted_then = moment()
    net.submit_checked("customs", "trust", "end", {"entry": receipt.txid, "reason": "issuer key ceremony redone"})
    now = verify_with_ledger(credential, net.reader.store)
    assert now["verified"] and not now["trusted"]
    assert "issuer key ceremony redone" in now["trust_reasons"][0]["reason"]
    assert verify_with_ledger(credential, net.reader.store, trusted_then)["trusted"]


def test_an_expired_credential_is_not_verified(net):
    trust_customs(net)
    result = verify_with_ledger(ior_credential(net, valid_until="2021-01-01T00:00:00Z"), net.reader.store)
    assert codes(result) == ["EXPIRED"] and result["trusted"]


def test_every_claimed_type_needs_trust_and_a_bare_credential_has_none(net):
    trust_customs(net)
    credential = ior_credential(net, credential_type="CustomsBrokerLicenseCredential")
    result = verify_with_ledger(credential, net.reader.store)
    assert result["verified"] and not result["trusted"]
    bare = copy.deepcopy(credential)
    bare["type"] = ["VerifiableCredential"]
    findings = verify_with_ledger(bare, net.reader.store)["trust_reasons"]
    assert not findings[0]["trusted"] and "no type besides VerifiableCredential" in findings[0]["reason"]


def test_what_is_not_a_credential_is_neither_verified_nor_trusted(net):
    result = verify_with_ledger(["not", "a", "credential"], net.reader.store)
    assert not result["verified"] and not result["trusted"] and result["errors"]


def test_the_result_round_trips_through_its_dict(net):
    trust_customs(net)
    result = check_with_ledger(ior_credential(net), net.reader.store)
    again = LedgerVerification.from_dict(result.to_dict())
    assert again.to_dict() == result.to_dict()


def test_a_presentation_is_verified_with_the_holders_registered_key_and_each_credential_trusted(net):
    trust_customs(net)
    holder = net.organization_keys("importer").admin
    presentation = create_presentation([ior_credential(net)], holder=holder.did, signer=holder,
                                       verification_method=holder.verification_method, challenge="n-0451",
                                       domain=base_of(net).https_base)
    result = verify_presentation_with_ledger(presentation, net.reader.store, challenge="n-0451",
                                             domain=base_of(net).https_base)
    assert result["verified"] and result["trusted"] and result["credentials"][0]["trusted"]
    replayed = verify_presentation_with_ledger(presentation, net.reader.store, challenge="n-0452",
                                               domain=base_of(net).https_base)
    assert not replayed["verified"] and codes(replayed) == ["INVALID_CHALLENGE_ERROR"]


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "ecdsa-jcs-2019"])
def test_an_unknown_cryptosuite_is_a_specific_error(net, suite):
    credential = ior_credential(net)
    credential["proof"]["cryptosuite"] = suite
    result = verify_with_ledger(credential, net.reader.store)
    assert not result["verified"] and suite in result["errors"][0]["message"]
