"""Key resolvers: did:key offline, fixed tables, and a chain that asks each in turn."""

from __future__ import annotations

import pytest

from tradeledger.credentials.errors import KeyResolutionError
from tradeledger.credentials.resolver import (
    controller_of,
    did_key_resolver,
    first_resolving,
    resolver_from_keys,
)


def test_did_key_resolves_its_own_key(vector_keypair):
    assert did_key_resolver(vector_keypair.verification_method) == vector_keypair.public_key
    assert did_key_resolver(vector_keypair.did) == vector_keypair.public_key


@pytest.mark.parametrize("method", [
    "did:web:customs.example#key-1",
    "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkOTHER",
    "did:key:zzzz",
    "",
])
def test_did_key_refuses_what_is_not_an_ed25519_did_key(method):
    with pytest.raises(KeyResolutionError, match="cannot resolve"):
        did_key_resolver(method)


def test_a_table_resolver_answers_only_for_its_methods():
    resolve = resolver_from_keys({"did:web:customs.example#key-1": b"\x01" * 32})
    assert resolve("did:web:customs.example#key-1") == b"\x01" * 32
    with pytest.raises(KeyResolutionError, match="unknown verification method"):
        resolve("did:web:customs.example#key-2")


def test_first_resolving_asks_in_order_and_reports_every_failure(vector_keypair):
    web = resolver_from_keys({"did:web:customs.example#key-1": b"\x02" * 32})
    resolve = first_resolving(web, did_key_resolver)
    assert resolve("did:web:customs.example#key-1") == b"\x02" * 32
    assert resolve(vector_keypair.verification_method) == vector_keypair.public_key
    with pytest.raises(KeyResolutionError) as caught:
        resolve("did:web:other.example#key-1")
    assert "unknown verification method" in str(caught.value)
    assert "cannot resolve" in str(caught.value)
    with pytest.raises(KeyResolutionError, match="no resolver"):
        first_resolving()("did:key:z")


def test_controller_is_the_did_without_fragment():
    assert controller_of("did:web:customs.example#key-1") == "did:web:customs.example"
    assert controller_of("did:key:z6Mk") == "did:key:z6Mk"
