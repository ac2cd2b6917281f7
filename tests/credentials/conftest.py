"""Shared data for the credentials tests: the W3C vectors and the traceability examples."""

from __future__ import annotations

import copy

import pytest
from _credentials_data import load

from tradeledger.crypto.keys import KeyPair


@pytest.fixture(scope="session")
def _vectors():
    return load("di_eddsa_vectors.json")


@pytest.fixture
def vectors(_vectors):
    """The W3C eddsa vectors; a fresh copy per test, so tests may mutate it."""
    return copy.deepcopy(_vectors)


@pytest.fixture
def jcs_vector(vectors):
    return vectors["eddsa-jcs-2022"]


@pytest.fixture(scope="session")
def vector_keypair(_vectors):
    return KeyPair.from_private_multibase(_vectors["keyPair"]["privateKeyMultibase"])


@pytest.fixture(scope="session")
def issuer_key():
    """A fixed key for credentials issued by tests (did:key issuer)."""
    return KeyPair(bytes(range(1, 33)))


@pytest.fixture(scope="session")
def holder_key():
    return KeyPair(bytes(range(101, 133)))
