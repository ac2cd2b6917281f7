"""eddsa-jcs-2022 proofs: every change to a signed document or its proof is caught, with a
specific error; JCS makes key order and whitespace irrelevant; proof sets; proof options."""

from __future__ import annotations

import copy
import json
from datetime import UTC

import pytest
from _credentials_data import load

from tradeledger.credentials.data_integrity import (
    ProofOptions,
    VerifiedProof,
    add_proof,
    canonical_document,
    canonical_proof_config,
    create_proof,
    hash_data,
    single_proof_views,
    verify_proof,
)
from tradeledger.credentials.errors import (
    InvalidChallengeError,
    InvalidDomainError,
    InvalidSignatureError,
    KeyResolutionError,
    MalformedProofError,
    ProofContextError,
    ProofExpiredError,
    ProofGenerationError,
    ProofPurposeError,
    ProofValueError,
    UnsupportedCryptosuiteError,
)
from tradeledger.credentials.multibase import decode_base58btc, encode_base58btc
from tradeledger.credentials.resolver import resolver_from_keys
from tradeledger.crypto.keys import KeyPair


def leaves(node, path=()):
    """Every scalar in a JSON value, as a path of keys and indices."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from leaves(value, (*path, index))
    else:
        yield path


def _set(doc, path, value):
    target = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


def _get(doc, path):
    for step in path:
        doc = doc[step]
    return doc


def _signed(vectors):
    return vectors["eddsa-jcs-2022"]["signedCredential"]


# Which error a change to each proof property produces; any other change to the document
# or proof breaks the signature.
EXPECTED_FAILURE = {
    ("proof", "type"): UnsupportedCryptosuiteError,
    ("proof", "cryptosuite"): UnsupportedCryptosuiteError,
    ("proof", "created"): MalformedProofError,  # "...Zx" is no longer a dateTime
    ("proof", "verificationMethod"): KeyResolutionError,  # fragment no longer names the key
    ("proof", "proofValue"): ProofValueError,  # "...x": 'x' is not base58
    ("proof", "@context", 0): ProofContextError,
    ("proof", "@context", 1): ProofContextError,
    ("@context", 0): ProofContextError,
    ("@context", 1): ProofContextError,
}

SIGNED_LEAVES = list(leaves(load("di_eddsa_vectors.json")["eddsa-jcs-2022"]["signedCredential"]))


@pytest.mark.parametrize("path", SIGNED_LEAVES, ids=lambda p: "/".join(map(str, p)))
def test_changing_any_value_of_the_signed_credential_breaks_verification(vectors, path):
    signed = _signed(vectors)
    _set(signed, path, _get(signed, path) + "x")
    expected = EXPECTED_FAILURE.get(path, InvalidSignatureError)
    with pytest.raises(expected):
        verify_proof(signed)


@pytest.mark.parametrize("change", [
    lambda d: d.update(extra="claim"),
    lambda d: d.pop("name"),
    lambda d: d["credentialSubject"].update(alumniOf="Another School"),
    lambda d: d["type"].reverse(),
    lambda d: d["proof"].update(nonce="n-1"),
    lambda d: d["proof"].pop("created"),
    lambda d: d["proof"].update(proofPurpose="authentication"),
    lambda d: d["proof"].pop("@context"),
], ids=["add-claim", "remove-name", "change-subject", "reorder-array", "add-proof-option",
        "remove-created", "change-purpose", "remove-proof-context"])
def test_adding_removing_or_reordering_content_breaks_verification(vectors, change):
    signed = _signed(vectors)
    change(signed)
    with pytest.raises(InvalidSignatureError):
        verify_proof(signed)


@pytest.mark.parametrize("bit", [0, 7, 255, 511])
def test_flipping_one_signature_bit_breaks_verification(vectors, bit):
    signed = _signed(vectors)
    signature = bytearray(decode_base58btc(signed["proof"]["proofValue"]))
    signature[bit // 8] ^= 1 << (bit % 8)
    signed["proof"]["proofValue"] = encode_base58btc(bytes(signature))
    with pytest.raises(InvalidSignatureError):
        verify_proof(signed)


def test_key_order_and_whitespace_do_not_matter(vectors):
    signed = _signed(vectors)
    reordered = json.loads(json.dumps(dict(reversed(list(signed.items()))), indent=3))
    reordered["proof"] = dict(reversed(list(reordered["proof"].items())))
    verify_proof(reordered)


def test_contexts_appended_after_signing_still_verify(vectors):
    # Verify Proof step 4: the document's @context only has to start with the proof's.
    signed = _signed(vectors)
    signed["@context"].append("https://w3id.org/traceability/v1")
    verify_proof(signed)


def test_a_proof_without_context_is_accepted(vectors, vector_keypair):
    document = vectors["unsigned"]
    options = ProofOptions(vector_keypair.verification_method,
                           created="2024-01-01T00:00:00Z").to_dict()
    assert "@context" not in options
    data = hash_data(canonical_proof_config(options), canonical_document(document))
    proof = {**options, "proofValue": encode_base58btc(vector_keypair.sign(data))}
    verified = verify_proof({**document, "proof": proof})
    assert verified.proof_purpose == "assertionMethod"


@pytest.mark.parametrize("proof_value, message", [
    ("u" + "A" * 86, "header 'z'"),
    ("", "header 'z'"),
    ("z" + "0" * 87, "not a base58btc character"),
    ("z" + "2" * 40, "an Ed25519 signature is 64"),
], ids=["base64url-header", "empty", "bad-character", "short-signature"])
def test_a_proof_value_that_is_not_base58btc_of_64_bytes_is_refused(vectors, proof_value, message):
    signed = _signed(vectors)
    signed["proof"]["proofValue"] = proof_value
    with pytest.raises(ProofValueError, match=message):
        verify_proof(signed)


def test_a_proof_value_that_is_not_a_string_is_refused(vectors):
    signed = _signed(vectors)
    signed["proof"]["proofValue"] = 12
    with pytest.raises(ProofValueError):
        verify_proof(signed)


@pytest.mark.parametrize("document, message", [
    ("not an object", "JSON object"),
    ({"name": "no proof"}, "no proof"),
    ({"proof": "text"}, "one object"),
    ({"proof": [{}]}, "one object"),
])
def test_documents_without_a_usable_proof_are_malformed(document, message):
    with pytest.raises(MalformedProofError, match=message):
        verify_proof(document)


@pytest.mark.parametrize("missing", ["type", "verificationMethod", "proofPurpose"])
def test_a_proof_missing_a_required_property_is_malformed(vectors, missing):
    signed = _signed(vectors)
    del signed["proof"][missing]
    with pytest.raises(MalformedProofError, match=missing):
        verify_proof(signed)


@pytest.mark.parametrize("field, value", [
    ("cryptosuite", "eddsa-rdfc-2022"),
    ("cryptosuite", "ecdsa-jcs-2019"),
    ("type", "Ed25519Signature2020"),
])
def test_unknown_cryptosuites_are_refused(vectors, field, value):
    signed = _signed(vectors)
    signed["proof"][field] = value
    with pytest.raises(UnsupportedCryptosuiteError, match="eddsa-jcs-2022"):
        verify_proof(signed)


def test_a_proof_without_cryptosuite_is_refused(vectors):
    signed = _signed(vectors)
    del signed["proof"]["cryptosuite"]
    with pytest.raises(UnsupportedCryptosuiteError):
        verify_proof(signed)


# --- keys ---------------------------------------------------------------------------------


def test_another_key_under_the_same_method_does_not_verify(vectors):
    signed = _signed(vectors)
    method = signed["proof"]["verificationMethod"]
    impostor = resolver_from_keys({method: KeyPair(bytes(32)).public_key})
    with pytest.raises(InvalidSignatureError):
        verify_proof(signed, resolver=impostor)


@pytest.mark.parametrize("key", [b"\x00" * 31, b"\x01" * 33, "a string", None],
                         ids=["31-bytes", "33-bytes", "str", "none"])
def test_a_resolver_answer_that_is_not_a_32_byte_key_is_refused(vectors, key):
    signed = _signed(vectors)
    with pytest.raises(KeyResolutionError, match="32-byte"):
        verify_proof(signed, resolver=lambda method: key)


def test_a_point_that_is_not_on_the_curve_fails_verification_without_crashing(vectors):
    signed = _signed(vectors)
    with pytest.raises(InvalidSignatureError):
        verify_proof(signed, resolver=lambda method: b"\xff" * 32)


def test_resolver_failures_become_key_resolution_errors(vectors):
    signed = _signed(vectors)
    with pytest.raises(KeyResolutionError, match="unknown verification method"):
        verify_proof(signed, resolver=resolver_from_keys({}))
    with pytest.raises(KeyResolutionError, match="cannot resolve"):
        verify_proof(signed, resolver={}.__getitem__)


@pytest.mark.parametrize("method", [
    "did:web:example.com#key-1",
    "did:key:z6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc#z6LS",  # X25519, not Ed25519
    "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme",  # secp256k1
], ids=["did-web", "x25519-did-key", "secp256k1-did-key"])
def test_the_default_resolver_refuses_anything_but_ed25519_did_keys(vectors, method):
    signed = _signed(vectors)
    signed["proof"]["verificationMethod"] = method
    with pytest.raises(KeyResolutionError):
        verify_proof(signed)


# --- purpose, challenge, domain, time -----------------------------------------------------


def _signed_with(vector_keypair, document, **options):
    return add_proof(document, vector_keypair, ProofOptions(
        vector_keypair.verification_method, created="2024-01-01T00:00:00Z", **options))


def test_the_expected_purpose_must_match(vectors):
    with pytest.raises(ProofPurposeError, match="'authentication' is required"):
        verify_proof(_signed(vectors), expected_purpose="authentication")


def test_challenge_must_match_when_the_verifier_gives_one(vectors, vector_keypair):
    signed = _signed_with(vector_keypair, vectors["unsigned"], proof_purpose="authentication",
                          challenge="c-123")
    verify_proof(signed, challenge="c-123")
    with pytest.raises(InvalidChallengeError) as caught:
        verify_proof(signed, challenge="c-999")
    assert caught.value.code == "INVALID_CHALLENGE_ERROR"
    with pytest.raises(InvalidChallengeError):
        verify_proof(_signed(vectors), challenge="c-123")  # no challenge in the proof


def test_domain_must_match_as_a_set_when_the_verifier_gives_one(vectors, vector_keypair):
    signed = _signed_with(vector_keypair, vectors["unsigned"],
                          domain=["customs.example", "broker.example"])
    verify_proof(signed, domain=["broker.example", "customs.example"])
    with pytest.raises(InvalidDomainError) as caught:
        verify_proof(signed, domain="customs.example")
    assert caught.value.code == "INVALID_DOMAIN_ERROR"
    with pytest.raises(InvalidDomainError, match="no domain"):
        verify_proof(_signed(vectors), domain="customs.example")


def test_an_expired_proof_is_refused(vectors, vector_keypair):
    from datetime import datetime
    signed = _signed_with(vector_keypair, vectors["unsigned"], expires="2025-01-01T00:00:00Z")
    verify_proof(signed, now=datetime(2024, 12, 31, tzinfo=UTC))
    with pytest.raises(ProofExpiredError):
        verify_proof(signed, now=datetime(2025, 1, 2, tzinfo=UTC))


def test_a_malformed_created_time_is_refused(vectors):
    signed = _signed(vectors)
    signed["proof"]["created"] = "24 February 2023"
    with pytest.raises(MalformedProofError, match="created"):
        verify_proof(signed)


# --- proof sets ---------------------------------------------------------------------------


def test_a_second_proof_joins_a_proof_set_and_each_proof_verifies(vectors, vector_keypair):
    second = KeyPair(bytes(range(32)))
    once = _signed(vectors)
    twice = add_proof(once, second, ProofOptions(second.verification_method,
                                                 created="2024-01-01T00:00:00Z"))
    assert isinstance(twice["proof"], list) and len(twice["proof"]) == 2
    assert twice["proof"][0] == once["proof"]
    methods = [verify_proof(view).verification_method for view in single_proof_views(twice)]
    assert methods == [vector_keypair.verification_method, second.verification_method]


def test_proof_chains_are_refused_explicitly(vectors):
    signed = _signed(vectors)
    signed["proof"]["previousProof"] = "urn:uuid:1"
    with pytest.raises(MalformedProofError, match="previousProof"):
        single_proof_views(signed)
    with pytest.raises(MalformedProofError, match="empty"):
        single_proof_views({**signed, "proof": []})


# --- creating -----------------------------------------------------------------------------


def test_proof_options_round_trip_with_every_field():
    options = ProofOptions("did:key:z6Mk#z6Mk", "authentication", created="2024-01-01T00:00:00Z",
                           expires="2025-01-01T00:00:00Z", challenge="c", domain=["a", "b"],
                           nonce="n", id="urn:uuid:1", context=["https://www.w3.org/ns/credentials/v2"])
    assert ProofOptions.from_dict(options.to_dict()) == options
    assert options.domain == ("a", "b")


@pytest.mark.parametrize("kwargs, message", [
    ({"created": "yesterday"}, "created"),
    ({"expires": "2024-01-01"}, "expires"),
    ({"challenge": 5}, "challenge"),
    ({"domain": [1]}, "domain"),
    ({"domain": []}, "domain"),
    ({"proof_purpose": ""}, "proofPurpose"),
])
def test_bad_proof_options_are_refused(kwargs, message):
    with pytest.raises(ProofGenerationError, match=message):
        ProofOptions("did:key:z6Mk#z6Mk", **kwargs)


def test_from_dict_refuses_other_suites_and_unknown_options(jcs_vector):
    with pytest.raises(UnsupportedCryptosuiteError):
        ProofOptions.from_dict({**jcs_vector["proofOptions"], "cryptosuite": "eddsa-rdfc-2022"})
    with pytest.raises(ProofGenerationError, match="previousProof"):
        ProofOptions.from_dict({**jcs_vector["proofOptions"], "previousProof": "urn:uuid:1"})


def test_a_signer_that_returns_no_signature_is_refused(vectors):
    class Broken:
        def sign(self, message: bytes) -> bytes:
            return b"short"

    with pytest.raises(ProofGenerationError, match="64-byte"):
        create_proof(vectors["unsigned"], Broken(), ProofOptions("did:key:z6Mk#z6Mk"))


def test_only_json_objects_are_signed(vector_keypair):
    with pytest.raises(ProofGenerationError):
        create_proof(["a", "list"], vector_keypair, ProofOptions("did:key:z6Mk#z6Mk"))


def test_verified_proof_round_trips():
    proof = VerifiedProof("did:key:z1#z1", "assertionMethod", "2024-01-01T00:00:00Z")
    assert VerifiedProof.from_dict(proof.to_dict()) == proof
    assert proof.controller == "did:key:z1"


def test_verification_does_not_modify_the_document(vectors):
    signed = _signed(vectors)
    before = copy.deepcopy(signed)
    verify_proof(signed)
    assert signed == before
