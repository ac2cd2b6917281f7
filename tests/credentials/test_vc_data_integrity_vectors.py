"""eddsa-jcs-2022 reproduces every value of the W3C test vectors (vc-di-eddsa Appendix B.3)."""

from __future__ import annotations

import pytest

from tradeledger.credentials.data_integrity import (
    ProofOptions,
    add_proof,
    canonical_document,
    canonical_proof_config,
    create_proof,
    hash_data,
    verify_proof,
)
from tradeledger.credentials.errors import UnsupportedCryptosuiteError
from tradeledger.credentials.multibase import decode_base58btc
from tradeledger.crypto.hashing import sha256


def test_the_key_pair_is_the_published_one(vectors, vector_keypair):
    assert vector_keypair.did == "did:key:" + vectors["keyPair"]["publicKeyMultibase"]


def test_canonical_document_and_its_hash(vectors, jcs_vector):
    canonical = canonical_document(vectors["unsigned"])
    assert canonical == jcs_vector["canonicalDocument"].encode("utf-8")
    assert sha256(canonical).hex() == jcs_vector["documentHashHex"]


def test_proof_options_parse_and_print_back_unchanged(jcs_vector):
    options = ProofOptions.from_dict(jcs_vector["proofOptions"])
    assert options.to_dict() == jcs_vector["proofOptions"]


def test_canonical_proof_configuration_and_its_hash(jcs_vector):
    canonical = canonical_proof_config(jcs_vector["proofOptions"])
    assert canonical == jcs_vector["canonicalProofConfig"].encode("utf-8")
    assert sha256(canonical).hex() == jcs_vector["proofConfigHashHex"]


def test_hash_data_is_proof_config_hash_then_document_hash(vectors, jcs_vector):
    data = hash_data(canonical_proof_config(jcs_vector["proofOptions"]),
                     canonical_document(vectors["unsigned"]))
    assert data.hex() == jcs_vector["combinedHashHex"]
    assert data.hex() == jcs_vector["proofConfigHashHex"] + jcs_vector["documentHashHex"]


def test_signature_and_proof_value(vector_keypair, jcs_vector):
    signature = vector_keypair.sign(bytes.fromhex(jcs_vector["combinedHashHex"]))
    assert signature.hex() == jcs_vector["signatureHex"]
    assert decode_base58btc(jcs_vector["proofValue"]) == signature


def _vector_options(jcs_vector) -> ProofOptions:
    published = jcs_vector["proofOptions"]
    return ProofOptions(published["verificationMethod"], published["proofPurpose"],
                        created=published["created"])


def test_create_proof_copies_the_document_context_and_matches_the_signed_proof(
        vectors, vector_keypair, jcs_vector):
    proof = create_proof(vectors["unsigned"], vector_keypair, _vector_options(jcs_vector))
    assert proof == jcs_vector["signedCredential"]["proof"]


def test_add_proof_gives_the_signed_credential(vectors, vector_keypair, jcs_vector):
    secured = add_proof(vectors["unsigned"], vector_keypair, _vector_options(jcs_vector))
    assert secured == jcs_vector["signedCredential"]
    assert "proof" not in vectors["unsigned"], "the input document is not modified"


def test_the_signed_credential_verifies_with_the_did_key_resolver(jcs_vector):
    verified = verify_proof(jcs_vector["signedCredential"], expected_purpose="assertionMethod")
    assert verified.verification_method == jcs_vector["proofOptions"]["verificationMethod"]
    assert verified.created == "2023-02-24T23:36:38Z"
    assert verified.controller == "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-rdfc-2022-employ",
                                   "Ed25519Signature2020"])
def test_the_other_suites_vectors_are_refused_as_unsupported(vectors, suite):
    with pytest.raises(UnsupportedCryptosuiteError) as caught:
        verify_proof(vectors[suite]["signedCredential"])
    assert caught.value.code == "PROOF_VERIFICATION_ERROR"
