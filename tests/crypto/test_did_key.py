"""did:key for Ed25519, checked against the W3C CCG did:key spec's published vectors.

Data: tests/crypto/data/did_key_vectors.json, copied from the project's shared vectors;
its "source" field names the spec commit and the test-vector files it was taken from.
"""

import json
from pathlib import Path

import pytest

from tradeledger.crypto import DidKeyError, KeyPair, did_key_from_public_key, public_key_from_did_key

VECTORS = json.loads((Path(__file__).parent / "data" / "did_key_vectors.json").read_text())
SUMMARY_KEY = next(k for k in VECTORS if k.startswith("seeded_vectors_derived_summary"))
SEEDED = VECTORS[SUMMARY_KEY]


@pytest.mark.parametrize("vector", SEEDED, ids=lambda v: v["did"][-8:])
def test_seed_gives_the_published_did_and_verification_method(vector):
    pair = KeyPair(bytes.fromhex(vector["seedHex"]))
    assert pair.public_key.hex() == vector["publicKeyHex"]
    assert pair.did == vector["did"]
    assert pair.verification_method == vector["verificationMethodId"]


@pytest.mark.parametrize("vector", SEEDED, ids=lambda v: v["did"][-8:])
def test_did_and_its_verification_method_resolve_to_the_public_key(vector):
    assert public_key_from_did_key(vector["did"]).hex() == vector["publicKeyHex"]
    assert public_key_from_did_key(vector["verificationMethodId"]).hex() == vector["publicKeyHex"]


def test_vc_di_eddsa_key_pair_round_trips_through_multikey():
    key = VECTORS["vc_di_eddsa_key"]
    pair = KeyPair.from_private_multibase(key["secretKeyMultibase"])
    assert pair.did == key["did"]
    assert pair.private_multibase == key["secretKeyMultibase"]


@pytest.mark.parametrize(
    "did",
    VECTORS["spec_examples"]["other_key_types_for_negative_tests"]["secp256k1"]
    + [VECTORS["spec_examples"]["other_key_types_for_negative_tests"]["p256"]],
)
def test_other_key_types_are_refused(did):
    with pytest.raises(DidKeyError):
        public_key_from_did_key(did)


@pytest.mark.parametrize(
    "text",
    ["", "did:web:example.com", "did:key:", "did:key:z", "did:key:z0OIl", 42,
     "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp#z6Mkother"],
)
def test_malformed_did_keys_are_refused(text):
    with pytest.raises(DidKeyError):
        public_key_from_did_key(text)


def test_signatures_verify_only_for_the_signed_message():
    from tradeledger.crypto import verify_signature

    pair = KeyPair.generate()
    signature = pair.sign(b"entry B76-0324527-8")
    assert verify_signature(pair.public_key, b"entry B76-0324527-8", signature)
    assert not verify_signature(pair.public_key, b"entry B76-0324527-9", signature)
    assert not verify_signature(pair.public_key[:31], b"entry B76-0324527-8", signature)
    assert not verify_signature(pair.public_key, b"entry B76-0324527-8", signature[:63])
    assert did_key_from_public_key(pair.public_key) == pair.did
    assert "seed" not in repr(pair) and pair.seed.hex() not in repr(pair)
