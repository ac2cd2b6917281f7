"""DID documents built from keys alone (tradeledger.identity.documents).

Data: data/did_key_vectors.json, the did:key specification's vectors (data/SOURCES.md)."""

import json
from pathlib import Path

import pytest

from tradeledger.crypto import KeyPair
from tradeledger.identity import (
    DidResolution,
    InvalidDidError,
    did_key_document,
    organization_document,
)
from tradeledger.identity.documents import did_time, x25519_multibase

VECTORS = json.loads((Path(__file__).parent / "data" / "did_key_vectors.json").read_text())
SEEDED = VECTORS["seeded_vectors_verbatim"]


def test_the_did_key_document_is_the_specifications_example_exactly():
    expected = VECTORS["spec_examples"]["ed25519_with_x25519_did_document"]
    document = did_key_document(expected["id"])
    assert document == expected
    assert json.dumps(document) == json.dumps(expected)  # same members in the same order


@pytest.mark.parametrize("did", sorted(SEEDED))
def test_the_key_agreement_key_is_the_x25519_key_of_each_seeded_vector(did):
    vector = SEEDED[did]
    expected_fragment = vector["keyAgreementKeyPair"]["id"].rpartition("#")[2]
    keys = KeyPair(bytes.fromhex(vector["seed"]))
    assert keys.did == did
    assert x25519_multibase(keys.public_key) == expected_fragment
    document = did_key_document(did)
    assert document["keyAgreement"][0]["id"] == f"{did}#{expected_fragment}"
    assert document["assertionMethod"] == [keys.verification_method]


@pytest.mark.parametrize("name, did", sorted(VECTORS["negative_inputs_made_up_here_not_from_spec"].items()))
def test_what_is_not_an_ed25519_did_key_is_refused_with_what_it_should_be(name, did):
    with pytest.raises(InvalidDidError, match="did:key:z6Mk"):
        did_key_document(did)


def test_other_key_types_are_refused():
    for did in [*VECTORS["spec_examples"]["other_key_types_for_negative_tests"]["secp256k1"],
                VECTORS["spec_examples"]["other_key_types_for_negative_tests"]["p256"]]:
        with pytest.raises(InvalidDidError):
            did_key_document(did)


def test_a_did_url_is_not_a_did():
    keys = KeyPair(bytes(32))
    with pytest.raises(InvalidDidError, match="without fragment"):
        did_key_document(keys.verification_method)


def test_an_organization_document_names_each_key_by_its_multibase_and_admins_invoke():
    admin, clerk = KeyPair(bytes(32)), KeyPair(bytes([1]) * 32)
    did = "did:web:tradeledger.local:demo:orgs:importer"
    document = organization_document(did, [(admin.did, True), (clerk.did, False)])
    admin_method = f"{did}#{admin.did[len('did:key:'):]}"
    clerk_method = f"{did}#{clerk.did[len('did:key:'):]}"
    assert document["verificationMethod"] == [
        {"id": admin_method, "type": "Multikey", "controller": did,
         "publicKeyMultibase": admin.did[len("did:key:"):]},
        {"id": clerk_method, "type": "Multikey", "controller": did,
         "publicKeyMultibase": clerk.did[len("did:key:"):]},
    ]
    assert document["assertionMethod"] == document["authentication"] == [admin_method, clerk_method]
    assert document["capabilityInvocation"] == [admin_method]


def test_a_resolution_result_round_trips_and_says_deactivated():
    result = DidResolution({"id": "did:key:z"}, {"deactivated": True, "updated": did_time(1_700_000_000_999)})
    assert DidResolution.from_dict(result.to_dict()) == result
    assert result.deactivated and result.document_metadata["updated"] == "2023-11-14T22:13:20Z"
    assert result.to_dict()["@context"] == "https://w3id.org/did-resolution/v1"
