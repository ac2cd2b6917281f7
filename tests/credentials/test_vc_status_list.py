"""Bitstring Status List v1.0: the published lists decode to the published bits; bit order,
bounds, minimum length, irreversible revocation, reversible suspension, entries, credentials."""

from __future__ import annotations

import gzip

import pytest
from _credentials_data import load

from tradeledger.credentials.errors import (
    IrreversibleStatusError,
    StatusIndexOutOfRangeError,
    StatusListError,
    StatusListLengthError,
    StatusVerificationError,
)
from tradeledger.credentials.multibase import encode_base64url
from tradeledger.credentials.status_list import (
    MIN_STATUS_LIST_LENGTH,
    BitstringStatusList,
    BitstringStatusListEntry,
    StatusCheck,
    check_status,
    status_list_credential,
    status_list_from_credential,
)

VECTORS = load("bitstring_status_list_vectors.json")["vectors"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["note"][:40] for v in VECTORS])
def test_published_lists_decode_to_their_published_bits(vector):
    decoded = BitstringStatusList.decode(vector["encodedList"],
                                         min_length=vector["decodedLengthBits"])
    assert decoded.length == vector["decodedLengthBits"]
    assert list(decoded.set_indices()) == vector["setIndices"]
    for index in vector["setIndices"]:
        assert decoded.get(index) == 1


@pytest.mark.parametrize("vector", VECTORS, ids=[v["note"][:40] for v in VECTORS])
def test_lists_below_the_minimum_raise_a_length_error(vector):
    if vector["meetsSpecMinimum131072"]:
        BitstringStatusList.decode(vector["encodedList"])
    else:
        with pytest.raises(StatusListLengthError) as caught:
            BitstringStatusList.decode(vector["encodedList"])
        assert caught.value.code == "STATUS_LIST_LENGTH_ERROR"


def test_our_encoding_decodes_to_the_same_bits_as_the_generated_vector():
    vector = VECTORS[4]
    ours = BitstringStatusList.new().set(94567, 1)
    assert BitstringStatusList.decode(ours.encode()).bits == \
        BitstringStatusList.decode(vector["encodedList"]).bits


@pytest.mark.parametrize("index, byte, mask", [
    (0, 0, 0x80), (7, 0, 0x01), (8, 1, 0x80), (131071, 16383, 0x01),
])
def test_index_zero_is_the_left_most_bit_of_the_first_byte(index, byte, mask):
    status_list = BitstringStatusList.new(purpose="suspension").set(index, 1)
    assert status_list.get(index) == 1
    assert status_list.bits[byte] == mask
    assert sum(status_list.bits) == mask, "exactly one bit is set"
    assert list(status_list.set_indices()) == [index]
    neighbours = [i for i in (index - 1, index + 1) if 0 <= i < status_list.length]
    assert all(status_list.get(i) == 0 for i in neighbours)


@pytest.mark.parametrize("index", [131072, 10**9, -1])
def test_indices_outside_the_list_raise_a_range_error(index):
    status_list = BitstringStatusList.new()
    with pytest.raises(StatusIndexOutOfRangeError) as caught:
        status_list.get(index)
    assert caught.value.code == "RANGE_ERROR"
    with pytest.raises(StatusIndexOutOfRangeError):
        status_list.set(index, 1)


@pytest.mark.parametrize("index", ["5", 5.0, True, None])
def test_indices_are_integers(index):
    with pytest.raises(StatusListError):
        BitstringStatusList.new().get(index)


def test_revocation_cannot_be_undone():
    revoked = BitstringStatusList.new("revocation").set(42, 1)
    with pytest.raises(IrreversibleStatusError, match="cannot be undone"):
        revoked.set(42, 0)
    assert revoked.get(42) == 1
    assert revoked.set(42, 1) is revoked  # setting again changes nothing


def test_suspension_can_be_lifted():
    suspended = BitstringStatusList.new("suspension").set(42, 1)
    lifted = suspended.set(42, 0)
    assert (suspended.get(42), lifted.get(42)) == (1, 0)
    assert lifted.bits == bytes(MIN_STATUS_LIST_LENGTH // 8)


def test_lists_are_immutable_values():
    original = BitstringStatusList.new()
    changed = original.set(3, 1)
    assert original.get(3) == 0 and changed.get(3) == 1
    with pytest.raises(StatusListError, match="0 or 1"):
        original.set(3, 2)


@pytest.mark.parametrize("length", [131_064, 100_000, 131_073])
def test_new_lists_are_at_least_16kb_in_whole_bytes(length):
    with pytest.raises(StatusListLengthError):
        BitstringStatusList.new(length=length)
    assert BitstringStatusList.new(length=131_072 * 2).length == 262_144


def test_encode_decode_round_trip_with_many_bits():
    status_list = BitstringStatusList.new("suspension")
    for index in (0, 1, 999, 65_536, 131_071):
        status_list = status_list.set(index, 1)
    encoded = status_list.encode()
    assert encoded.startswith("u") and "=" not in encoded
    assert BitstringStatusList.decode(encoded, "suspension") == status_list


@pytest.mark.parametrize("encoded, message", [
    ("zH4sI", "header 'u'"),
    ("u!!!!", "outside"),
    (encode_base64url(b"not gzip at all"), "not GZIP"),
    (encode_base64url(gzip.compress(bytes(16384))[:-6]), "truncated"),
    (encode_base64url(gzip.compress(bytes(16384)) + b"extra"), "after its GZIP"),
    (encode_base64url(gzip.compress(bytes(17 * 1024 * 1024))), "inflates beyond"),
], ids=["wrong-header", "bad-characters", "not-gzip", "truncated", "trailing-bytes",
        "gzip-bomb"])
def test_undecodable_lists_are_refused(encoded, message):
    with pytest.raises(StatusListError, match=message):
        BitstringStatusList.decode(encoded)


# --- entries ------------------------------------------------------------------------------

ENTRY = {"id": "https://example.com/credentials/status/3#94567",
         "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
         "statusListIndex": "94567", "statusListCredential": "https://example.com/credentials/status/3"}


def test_the_spec_example_entry_round_trips():
    entry = BitstringStatusListEntry.from_dict(ENTRY)
    assert (entry.status_purpose, entry.status_list_index) == ("revocation", 94567)
    assert entry.to_dict() == ENTRY


@pytest.mark.parametrize("change, error", [
    ({"statusListIndex": 94567}, StatusListError),
    ({"statusListIndex": "-1"}, StatusListError),
    ({"statusListIndex": "1.5"}, StatusListError),
    ({"statusListIndex": " 7"}, StatusListError),
    ({"statusListIndex": "0x10"}, StatusListError),
    ({"type": "StatusList2021Entry"}, StatusListError),
    ({"statusPurpose": ""}, StatusListError),
    ({"statusListCredential": "status list 3"}, StatusListError),
    ({"id": "entry 1"}, StatusListError),
    ({"statusSize": 2}, StatusVerificationError),
], ids=["index-int", "negative", "decimal", "space", "hex", "other-type", "purpose",
        "list-url", "id", "status-size"])
def test_malformed_entries_are_refused(change, error):
    with pytest.raises(error):
        BitstringStatusListEntry.from_dict({**ENTRY, **change})


def test_check_status_reads_the_entry_bit():
    entry = BitstringStatusListEntry.from_dict(ENTRY)
    status_list = BitstringStatusList.new()
    assert check_status(entry, status_list) == StatusCheck("revocation", 94567, 0, ENTRY[
        "statusListCredential"])
    revoked = check_status(entry, status_list.set(94567, 1))
    assert (revoked.status, revoked.valid) == (1, False)
    assert StatusCheck.from_dict(revoked.to_dict()) == revoked


def test_check_status_refuses_a_list_of_another_purpose():
    entry = BitstringStatusListEntry.from_dict(ENTRY)
    with pytest.raises(StatusVerificationError, match="suspension"):
        check_status(entry, BitstringStatusList.new("suspension"))


def test_check_status_refuses_an_index_beyond_the_list():
    entry = BitstringStatusListEntry.from_dict({**ENTRY, "statusListIndex": "131072"})
    with pytest.raises(StatusIndexOutOfRangeError):
        check_status(entry, BitstringStatusList.new())


def test_check_status_refuses_a_short_list():
    entry = BitstringStatusListEntry.from_dict({**ENTRY, "statusListIndex": "5"})
    short = BitstringStatusList(bytes(100), ("revocation",))
    with pytest.raises(StatusListLengthError):
        check_status(entry, short)


# --- the status list credential -----------------------------------------------------------


def test_status_list_credential_matches_the_spec_shape_and_decodes_back():
    status_list = BitstringStatusList.new().set(7, 1)
    credential = status_list_credential(id="https://example.com/credentials/status/3",
                                        issuer="did:example:12345", status_list=status_list,
                                        valid_from="2021-04-05T14:27:40Z")
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert credential["credentialSubject"]["type"] == "BitstringStatusList"
    assert credential["credentialSubject"]["statusPurpose"] == "revocation"
    assert credential["credentialSubject"]["id"] == "https://example.com/credentials/status/3#list"
    assert status_list_from_credential(credential) == status_list


def test_the_spec_example_credential_decodes_to_an_empty_list():
    spec_example = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "https://example.com/credentials/status/3",
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": "did:example:12345", "validFrom": "2021-04-05T14:27:40Z",
        "credentialSubject": {"id": "https://example.com/status/3#list",
                              "type": "BitstringStatusList", "statusPurpose": "revocation",
                              "encodedList": VECTORS[0]["encodedList"]}}
    decoded = status_list_from_credential(spec_example)
    assert decoded.length == 131_072 and list(decoded.set_indices()) == []


def test_several_purposes_in_one_list():
    subject = {"type": "BitstringStatusList", "statusPurpose": ["revocation", "suspension"],
               "encodedList": BitstringStatusList.new().encode()}
    decoded = BitstringStatusList.from_dict(subject)
    assert decoded.purposes == ("revocation", "suspension")
    assert decoded.to_dict()["statusPurpose"] == ["revocation", "suspension"]


@pytest.mark.parametrize("credential, error", [
    ({"type": ["VerifiableCredential"], "credentialSubject": {}}, StatusVerificationError),
    ({"type": ["VerifiableCredential", "BitstringStatusListCredential"],
      "credentialSubject": {"type": "StatusList2021"}}, StatusListError),
    ({"type": ["VerifiableCredential", "BitstringStatusListCredential"],
      "credentialSubject": {"type": "BitstringStatusList", "statusPurpose": "revocation"}},
     StatusListError),
], ids=["not-a-status-list-credential", "wrong-subject-type", "no-encoded-list"])
def test_credentials_that_are_not_status_lists_are_refused(credential, error):
    with pytest.raises(error):
        status_list_from_credential(credential)


def test_status_list_credential_needs_a_url_id():
    with pytest.raises(StatusListError, match="URL"):
        status_list_credential(id="list 3", issuer="did:example:1",
                               status_list=BitstringStatusList.new())
