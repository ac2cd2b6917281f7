"""Presentations: the holder's proof binds the verifier's challenge and domain; every embedded
credential is verified in full; replays and tampering are refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tradeledger.credentials import (
    BitstringStatusList,
    PresentationResult,
    ProofGenerationError,
    ProofOptions,
    add_proof,
    create_presentation,
    issue_credential,
    verify_presentation,
)

NOW = datetime(2024, 6, 1, tzinfo=UTC)
CHALLENGE = "7c1f5e2a-request-42"
DOMAIN = "customs.example"


@pytest.fixture
def credential(issuer_key, holder_key):
    doc = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "CustomsBrokerLicenseCredential"],
        "issuer": issuer_key.did,
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": holder_key.did, "licenseNumber": "23-0042",
                              "filerCode": "B76"},
    }
    return issue_credential(doc, issuer_key, issuer_key.verification_method,
                            created="2024-01-01T00:00:00Z")


@pytest.fixture
def presentation(credential, holder_key):
    return create_presentation([credential], holder=holder_key.did, signer=holder_key,
                               verification_method=holder_key.verification_method,
                               challenge=CHALLENGE, domain=DOMAIN, created="2024-06-01T00:00:00Z")


def codes(result):
    return [p.code for p in result.errors]


def test_a_presentation_verifies_with_its_challenge_and_domain(presentation, holder_key, issuer_key):
    result = verify_presentation(presentation, challenge=CHALLENGE, domain=DOMAIN, now=NOW)
    assert result.verified, result.errors
    assert result.holder == holder_key.did
    assert [p.proof_purpose for p in result.proofs] == ["authentication"]
    assert [c.issuer for c in result.credentials] == [issuer_key.did]
    assert all(c.verified for c in result.credentials)


def test_the_presentation_proof_carries_challenge_and_domain(presentation):
    proof = presentation["proof"]
    assert (proof["proofPurpose"], proof["challenge"], proof["domain"]) == \
        ("authentication", CHALLENGE, DOMAIN)


def test_another_challenge_is_refused(presentation):
    result = verify_presentation(presentation, challenge="another-request", domain=DOMAIN, now=NOW)
    assert codes(result) == ["INVALID_CHALLENGE_ERROR"]
    assert result.errors[0].path == "/proof"


def test_another_domain_is_refused(presentation):
    result = verify_presentation(presentation, challenge=CHALLENGE, domain="other.example", now=NOW)
    assert codes(result) == ["INVALID_DOMAIN_ERROR"]


def test_a_presentation_without_domain_fails_a_verifier_that_expects_one(credential, holder_key):
    no_domain = create_presentation([credential], holder=holder_key.did, signer=holder_key,
                                    verification_method=holder_key.verification_method,
                                    challenge=CHALLENGE)
    assert verify_presentation(no_domain, challenge=CHALLENGE, now=NOW).verified
    result = verify_presentation(no_domain, challenge=CHALLENGE, domain=DOMAIN, now=NOW)
    assert codes(result) == ["INVALID_DOMAIN_ERROR"]


def test_editing_the_challenge_in_a_recorded_presentation_breaks_its_proof(presentation):
    presentation["proof"]["challenge"] = "another-request"
    result = verify_presentation(presentation, challenge="another-request", domain=DOMAIN, now=NOW)
    assert codes(result) == ["PROOF_VERIFICATION_ERROR"]


def test_a_tampered_embedded_credential_is_reported_at_its_path(presentation):
    presentation["verifiableCredential"][0]["credentialSubject"]["filerCode"] = "ZZZ"
    result = verify_presentation(presentation, challenge=CHALLENGE, domain=DOMAIN, now=NOW)
    paths = [p.path for p in result.errors]
    # The holder's proof covers the embedded credential too, so both proofs break.
    assert paths == ["/proof", "/verifiableCredential/0/proof"]
    assert not result.credentials[0].verified


def test_a_revoked_embedded_credential_fails_the_presentation(issuer_key, holder_key):
    url = "https://customs.example/status/7"
    doc = {"@context": ["https://www.w3.org/ns/credentials/v2"],
           "type": ["VerifiableCredential"], "issuer": issuer_key.did,
           "credentialSubject": {"id": holder_key.did, "bonded": True},
           "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation",
                                "statusListIndex": "12", "statusListCredential": url}}
    revoked = issue_credential(doc, issuer_key, issuer_key.verification_method)
    presented = create_presentation([revoked], holder=holder_key.did, signer=holder_key,
                                    verification_method=holder_key.verification_method,
                                    challenge=CHALLENGE)
    lists = {url: BitstringStatusList.new().set(12, 1)}
    result = verify_presentation(presented, challenge=CHALLENGE, status_lookup=lists.get, now=NOW)
    assert codes(result) == ["REVOKED"]
    assert result.errors[0].path == "/verifiableCredential/0/credentialStatus"


def test_a_proof_by_a_key_that_is_not_the_holders_is_refused(credential, holder_key, issuer_key):
    presentation = {"@context": ["https://www.w3.org/ns/credentials/v2"],
                    "type": ["VerifiablePresentation"], "holder": holder_key.did,
                    "verifiableCredential": [credential]}
    signed = add_proof(presentation, issuer_key, ProofOptions(
        issuer_key.verification_method, "authentication", challenge=CHALLENGE))
    result = verify_presentation(signed, challenge=CHALLENGE, now=NOW)
    assert codes(result) == ["SIGNER_KEY_MISMATCH"]
    assert "holder" in result.errors[0].message


def test_an_issuance_proof_does_not_authenticate_a_presentation(credential, holder_key):
    presentation = {"@context": ["https://www.w3.org/ns/credentials/v2"],
                    "type": ["VerifiablePresentation"], "holder": holder_key.did,
                    "verifiableCredential": [credential]}
    signed = add_proof(presentation, holder_key, ProofOptions(
        holder_key.verification_method, "assertionMethod", challenge=CHALLENGE))
    result = verify_presentation(signed, challenge=CHALLENGE, now=NOW)
    assert codes(result) == ["PROOF_VERIFICATION_ERROR"]
    assert "authentication" in result.errors[0].message


def test_an_unsigned_presentation_is_refused(credential, holder_key):
    presentation = {"@context": ["https://www.w3.org/ns/credentials/v2"],
                    "type": ["VerifiablePresentation"], "holder": holder_key.did,
                    "verifiableCredential": [credential]}
    assert codes(verify_presentation(presentation, challenge=CHALLENGE, now=NOW)) == ["NO_PROOF"]


def test_a_presentation_without_holder_is_verified_with_a_warning(credential, holder_key):
    presentation = {"@context": ["https://www.w3.org/ns/credentials/v2"],
                    "type": ["VerifiablePresentation"], "verifiableCredential": [credential]}
    signed = add_proof(presentation, holder_key, ProofOptions(
        holder_key.verification_method, "authentication", challenge=CHALLENGE))
    result = verify_presentation(signed, challenge=CHALLENGE, now=NOW)
    assert result.verified and [w.code for w in result.warnings] == ["NO_HOLDER"]


def test_enveloped_credentials_are_refused_not_skipped(holder_key):
    enveloped = {"@context": ["https://www.w3.org/ns/credentials/v2"],
                 "type": "EnvelopedVerifiableCredential", "id": "data:application/vc+jwt,eyJ"}
    presented = create_presentation([enveloped], holder=holder_key.did, signer=holder_key,
                                    verification_method=holder_key.verification_method,
                                    challenge=CHALLENGE)
    result = verify_presentation(presented, challenge=CHALLENGE, now=NOW)
    assert not result.verified
    assert result.errors[0].path == "/verifiableCredential/0"
    assert "not supported" in result.errors[0].message


def test_creating_needs_a_challenge_and_the_holders_key(credential, holder_key, issuer_key):
    with pytest.raises(ProofGenerationError, match="challenge"):
        create_presentation([credential], holder=holder_key.did, signer=holder_key,
                            verification_method=holder_key.verification_method, challenge="")
    with pytest.raises(ProofGenerationError, match="holder"):
        create_presentation([credential], holder=holder_key.did, signer=issuer_key,
                            verification_method=issuer_key.verification_method,
                            challenge=CHALLENGE)


def test_verifying_needs_a_challenge(presentation):
    with pytest.raises(ValueError, match="challenge"):
        verify_presentation(presentation, challenge="")


def test_results_round_trip_through_json(presentation):
    result = verify_presentation(presentation, challenge="wrong", domain=DOMAIN, now=NOW)
    data = json.loads(json.dumps(result.to_dict()))
    assert PresentationResult.from_dict(data) == result
