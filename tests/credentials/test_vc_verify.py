"""verify_credential: data model, proofs, the issuer's key, validity period and status, all
reported at once; issue_credential refuses what verifiers would refuse."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest

from tradeledger.credentials import (
    BitstringStatusList,
    InvalidCredentialError,
    ProofGenerationError,
    StatusRetrievalError,
    VerificationResult,
    issue_credential,
    verify_credential,
)
from tradeledger.credentials.datetimes import parse_datetime
from tradeledger.credentials.verify import issuer_id

NOW = datetime(2024, 6, 1, tzinfo=UTC)
LIST_URL = "https://customs.example/status/1"


def unsigned(issuer: str, **extra) -> dict:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:0d6b5e3c-7d0a-4d8e-9a55-3b1f2f9c0a11",
        "type": ["VerifiableCredential", "ImporterOfRecordCredential"],
        "issuer": issuer,
        "validFrom": "2024-01-01T00:00:00Z",
        "validUntil": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:importer", "importerNumber": "12-3456789AB"},
        **extra,
    }


def status_entry(purpose: str, index: int, url: str = LIST_URL) -> dict:
    return {"id": f"{url}#{index}", "type": "BitstringStatusListEntry", "statusPurpose": purpose,
            "statusListIndex": str(index), "statusListCredential": url}


@pytest.fixture
def issued(issuer_key):
    return issue_credential(unsigned(issuer_key.did), issuer_key, issuer_key.verification_method,
                            created="2024-01-01T00:00:00Z")


def codes(result) -> list[str]:
    return [p.code for p in result.errors]


def test_an_issued_credential_verifies(issued, issuer_key):
    result = verify_credential(issued, now=NOW)
    assert result.verified, result.errors
    assert (result.errors, result.warnings) == ((), ())
    assert result.issuer == issuer_key.did
    assert [p.verification_method for p in result.proofs] == [issuer_key.verification_method]
    assert issued["proof"]["proofPurpose"] == "assertionMethod"


def test_issue_stamps_created_now_when_not_given(issuer_key):
    secured = issue_credential(unsigned(issuer_key.did), issuer_key, issuer_key.verification_method)
    created = parse_datetime(secured["proof"]["created"]).moment
    assert abs((datetime.now(UTC) - created).total_seconds()) < 60


def test_issue_refuses_a_credential_that_breaks_the_data_model(issuer_key):
    broken = unsigned(issuer_key.did)
    del broken["credentialSubject"]
    with pytest.raises(InvalidCredentialError, match="credentialSubject") as caught:
        issue_credential(broken, issuer_key, issuer_key.verification_method)
    assert [p.path for p in caught.value.problems] == ["/credentialSubject"]


def test_issue_refuses_a_key_that_is_not_the_issuers(issuer_key, holder_key):
    with pytest.raises(ProofGenerationError, match="does not belong to the issuer"):
        issue_credential(unsigned(holder_key.did), issuer_key, issuer_key.verification_method)


def test_a_credential_signed_by_someone_else_is_refused(issuer_key, holder_key):
    # The holder signs with its own key a credential that names the issuer.
    forged = issue_credential(unsigned(holder_key.did), holder_key, holder_key.verification_method)
    forged = {**forged, "issuer": issuer_key.did}
    result = verify_credential(forged, now=NOW)
    assert codes(result) == ["PROOF_VERIFICATION_ERROR"]  # renaming the issuer breaks the proof


def test_the_issuer_key_binding_is_checked_even_when_the_signature_is_good(issuer_key, holder_key):
    from tradeledger.credentials import ProofOptions, add_proof
    doc = unsigned(issuer_key.did)
    signed = add_proof(doc, holder_key, ProofOptions(holder_key.verification_method,
                                                     created="2024-01-01T00:00:00Z"))
    result = verify_credential(signed, now=NOW)
    assert codes(result) == ["SIGNER_KEY_MISMATCH"]
    assert result.errors[0].path == "/proof/verificationMethod"


def test_a_credential_without_proof_is_not_verified(issuer_key):
    result = verify_credential(unsigned(issuer_key.did), now=NOW)
    assert codes(result) == ["NO_PROOF"]


def test_a_tampered_credential_reports_the_proof_problem(issued):
    issued["credentialSubject"]["importerNumber"] = "99-9999999ZZ"
    result = verify_credential(issued, now=NOW)
    assert codes(result) == ["PROOF_VERIFICATION_ERROR"]
    assert result.errors[0].path == "/proof"
    assert "does not verify" in result.errors[0].message


def test_a_presentation_proof_is_not_an_issuance_proof(issuer_key):
    from tradeledger.credentials import ProofOptions, add_proof
    signed = add_proof(unsigned(issuer_key.did), issuer_key,
                       ProofOptions(issuer_key.verification_method, "authentication",
                                    created="2024-01-01T00:00:00Z"))
    result = verify_credential(signed, now=NOW)
    assert codes(result) == ["PROOF_VERIFICATION_ERROR"]
    assert "assertionMethod" in result.errors[0].message


@pytest.mark.parametrize("now, code", [
    (datetime(2023, 12, 31, 23, 59, 59, tzinfo=UTC), "NOT_YET_VALID"),
    (datetime(2025, 1, 1, 0, 0, 1, tzinfo=UTC), "EXPIRED"),
])
def test_the_validity_period_is_checked_against_now(issued, now, code):
    result = verify_credential(issued, now=now)
    assert codes(result) == [code]


def test_the_validity_period_bounds_are_inclusive(issued):
    assert verify_credential(issued, now=datetime(2024, 1, 1, tzinfo=UTC)).verified
    assert verify_credential(issued, now=datetime(2025, 1, 1, tzinfo=UTC)).verified


def test_data_model_and_proof_problems_are_reported_together(issued):
    del issued["issuer"]
    result = verify_credential(issued, now=NOW)
    assert "/issuer" in [p.path for p in result.errors]
    assert "/proof" in [p.path for p in result.errors]


def test_non_objects_are_parsing_errors():
    result = verify_credential(["not", "a", "credential"])
    assert codes(result) == ["PARSING_ERROR"] and not result.verified


# --- status -------------------------------------------------------------------------------


def _with_status(issuer_key, *entries):
    doc = unsigned(issuer_key.did, credentialStatus=list(entries))
    return issue_credential(doc, issuer_key, issuer_key.verification_method,
                            created="2024-01-01T00:00:00Z")


def test_revoked_credentials_are_refused(issuer_key):
    credential = _with_status(issuer_key, status_entry("revocation", 94567))
    lists = {LIST_URL: BitstringStatusList.new("revocation")}
    assert verify_credential(credential, status_lookup=lists.get, now=NOW).verified
    lists[LIST_URL] = lists[LIST_URL].set(94567, 1)
    result = verify_credential(credential, status_lookup=lists.get, now=NOW)
    assert codes(result) == ["REVOKED"]
    assert result.errors[0].path == "/credentialStatus/0"
    assert [(s.purpose, s.index, s.status) for s in result.statuses] == [("revocation", 94567, 1)]


def test_suspension_is_reported_and_lifting_it_restores_the_credential(issuer_key):
    credential = _with_status(issuer_key, status_entry("revocation", 5, LIST_URL),
                              status_entry("suspension", 5, LIST_URL + "s"))
    revocations = BitstringStatusList.new("revocation")
    suspensions = BitstringStatusList.new("suspension").set(5, 1)
    lookup = {LIST_URL: revocations, LIST_URL + "s": suspensions}.get
    result = verify_credential(credential, status_lookup=lookup, now=NOW)
    assert codes(result) == ["SUSPENDED"] and result.errors[0].path == "/credentialStatus/1"
    lookup = {LIST_URL: revocations, LIST_URL + "s": suspensions.set(5, 0)}.get
    assert verify_credential(credential, status_lookup=lookup, now=NOW).verified


def test_a_status_list_that_cannot_be_had_is_an_error(issuer_key):
    credential = _with_status(issuer_key, status_entry("revocation", 1))
    result = verify_credential(credential, status_lookup=lambda url: None, now=NOW)
    assert codes(result) == ["STATUS_RETRIEVAL_ERROR"]


def test_lookup_failures_are_reported_with_their_code(issuer_key):
    credential = _with_status(issuer_key, status_entry("revocation", 1))

    def unreachable(url):
        raise StatusRetrievalError(f"{url} timed out")

    result = verify_credential(credential, status_lookup=unreachable, now=NOW)
    assert codes(result) == ["STATUS_RETRIEVAL_ERROR"] and "timed out" in result.errors[0].message


def test_a_list_of_another_purpose_or_too_short_is_an_error(issuer_key):
    credential = _with_status(issuer_key, status_entry("revocation", 1))
    wrong_purpose = verify_credential(credential, now=NOW,
                                      status_lookup=lambda url: BitstringStatusList.new("suspension"))
    assert codes(wrong_purpose) == ["STATUS_VERIFICATION_ERROR"]
    short = verify_credential(credential, now=NOW,
                              status_lookup=lambda url: BitstringStatusList(bytes(8)))
    assert codes(short) == ["STATUS_LIST_LENGTH_ERROR"]


def test_an_index_beyond_the_list_is_a_range_error(issuer_key):
    credential = _with_status(issuer_key, status_entry("revocation", 131072))
    result = verify_credential(credential, status_lookup=lambda url: BitstringStatusList.new(),
                               now=NOW)
    assert codes(result) == ["RANGE_ERROR"]


def test_a_malformed_entry_is_an_error(issuer_key):
    entry = {**status_entry("revocation", 1), "statusListIndex": 1}
    credential = _with_status(issuer_key, entry)
    result = verify_credential(credential, status_lookup=lambda url: BitstringStatusList.new(),
                               now=NOW)
    assert codes(result) == ["MALFORMED_VALUE_ERROR"]


def test_without_a_lookup_status_is_reported_as_not_checked(issuer_key):
    credential = _with_status(issuer_key, status_entry("revocation", 1))
    result = verify_credential(credential, now=NOW)
    assert result.verified
    assert [w.code for w in result.warnings] == ["STATUS_NOT_CHECKED"]


def test_other_status_mechanisms_are_reported_as_unchecked(issuer_key):
    credential = _with_status(issuer_key, {"id": "https://x.example/rl#0",
                                           "type": "RevocationList2020Status",
                                           "revocationListIndex": 0})
    result = verify_credential(credential, status_lookup=lambda url: None, now=NOW)
    assert result.verified
    assert [w.code for w in result.warnings] == ["UNSUPPORTED_STATUS_TYPE"]


def test_a_message_purpose_bit_is_a_warning(issuer_key):
    credential = _with_status(issuer_key, status_entry("message", 3))
    flagged = BitstringStatusList.new("message").set(3, 1)
    result = verify_credential(credential, status_lookup=lambda url: flagged, now=NOW)
    assert result.verified and [w.code for w in result.warnings] == ["STATUS_FLAGGED"]


# --- results ------------------------------------------------------------------------------


def test_results_round_trip_through_json(issuer_key):
    credential = _with_status(issuer_key, status_entry("revocation", 9))
    result = verify_credential(credential, now=NOW,
                               status_lookup=lambda url: BitstringStatusList.new().set(9, 1))
    data = json.loads(json.dumps(result.to_dict()))
    assert VerificationResult.from_dict(data) == result
    assert data["verified"] is False and data["errors"][0]["code"] == "REVOKED"


def test_issuer_id_reads_both_forms():
    assert issuer_id({"issuer": "did:example:1"}) == "did:example:1"
    assert issuer_id({"issuer": {"id": "did:example:2", "name": "x"}}) == "did:example:2"
    assert issuer_id({"issuer": 5}) is None


def test_verification_leaves_the_credential_unchanged(issued):
    before = copy.deepcopy(issued)
    verify_credential(issued, now=NOW)
    assert issued == before
