"""Field-level commitments (DESIGN.md decision 10): a structured document is committed field
by field, as SD-JWT does with its disclosures, so that its holder can show chosen fields,
each provably part of the committed document, while the others stay salted digests."""

from __future__ import annotations

import base64
import json

import pytest

from tradeledger.crypto.disclosure import (
    SD_ALG,
    DisclosureError,
    FieldDisclosure,
    FieldSummary,
    commit_fields,
    open_fields,
)

INVOICE = {
    "invoiceNumber": "INV-1000288",
    "seller": "Aceros del Norte S.A. de C.V.",
    "totalPaymentDue": {"price": "28500.00", "priceCurrency": "USD"},
    "unitPriceMinor": 71250,
    "items": [{"hts": "7208.51.0030", "quantity": "40"}],
    "paid": False,
    "note": None,
}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def disclosures_of(structure, *names: str) -> list[str]:
    return [structure.disclosures[name].encoded for name in names]


# --- what a disclosure is -----------------------------------------------------------------

def test_a_disclosure_is_the_base64url_of_canonical_salt_name_value():
    disclosure = FieldDisclosure.new("invoiceNumber", "INV-1000288")
    assert len(unb64url(disclosure.salt)) == 16
    assert unb64url(disclosure.encoded) == json.dumps(
        [disclosure.salt, "invoiceNumber", "INV-1000288"], separators=(",", ":")).encode()
    assert "=" not in disclosure.encoded


def test_the_digest_of_a_disclosure_follows_sd_jwt():
    # RFC 9901 (SD-JWT), the Disclosure example for the claim family_name "Möbius": the
    # digest is the base64url SHA-256 of the disclosure's ASCII text. That example is not
    # in canonical form (it has spaces), so it is hashed here through a view of the text.
    spec_text = "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0"
    spec_digest = "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0"

    class PublishedText(FieldDisclosure):
        @property
        def encoded(self) -> str:
            return spec_text

    assert PublishedText("_26bc4LT-ac6q2KI6cBW5es", "family_name", "Möbius").digest == spec_digest


def test_the_published_sd_jwt_example_is_refused_because_it_is_not_canonical():
    with pytest.raises(DisclosureError, match="canonical"):
        FieldDisclosure.from_encoded("WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0")


def test_a_disclosure_decodes_back_to_itself():
    disclosure = FieldDisclosure.new("totalPaymentDue", {"price": "28500.00", "priceCurrency": "USD"})
    assert FieldDisclosure.from_encoded(disclosure.encoded) == disclosure


# --- committing and opening ----------------------------------------------------------------

def test_every_field_is_committed_and_all_of_them_open_back_to_the_document():
    structure = commit_fields(INVOICE)
    assert set(structure.disclosures) == set(INVOICE)
    assert len(structure.summary.digests) == len(INVOICE)
    assert open_fields(structure.summary, disclosures_of(structure, *INVOICE)) == INVOICE


def test_the_summary_lists_sorted_digests_with_the_algorithm():
    summary = commit_fields(INVOICE).summary
    assert summary.to_dict() == {"_sd": sorted(summary.digests), "_sd_alg": SD_ALG}
    assert SD_ALG == "sha-256"
    assert FieldSummary.from_dict(summary.to_dict()) == summary
    assert summary.document_bytes() == json.dumps(summary.to_dict(), separators=(",", ":"), sort_keys=True).encode()


def test_opening_chosen_fields_reveals_those_fields_only():
    structure = commit_fields(INVOICE)
    shown = open_fields(structure.summary, disclosures_of(structure, "invoiceNumber", "totalPaymentDue"))
    assert shown == {"invoiceNumber": "INV-1000288", "totalPaymentDue": INVOICE["totalPaymentDue"]}


def test_withheld_fields_stay_salted_digests():
    structure = commit_fields({"invoiceNumber": "INV-1000288", "secretFormula": "Cr 18% Ni 8% Mo 2.5%"})
    summary_bytes = structure.summary.document_bytes()
    assert b"secretFormula" not in summary_bytes and b"Cr 18%" not in summary_bytes
    assert b"invoiceNumber" not in summary_bytes
    shown = disclosures_of(structure, "invoiceNumber")
    assert "secretFormula" not in json.dumps(shown)
    # The withheld field's digest is there, and nothing shown opens it.
    assert structure.disclosures["secretFormula"].digest in structure.summary.digests
    assert "secretFormula" not in open_fields(structure.summary, shown)


def test_every_field_gets_its_own_fresh_salt():
    first, second = commit_fields(INVOICE), commit_fields(INVOICE)
    salts = [d.salt for d in first.disclosures.values()] + [d.salt for d in second.disclosures.values()]
    assert len(set(salts)) == len(salts)
    assert set(first.summary.digests).isdisjoint(second.summary.digests)


def test_the_same_value_in_two_fields_has_two_different_digests():
    structure = commit_fields({"shipper": "ACME", "consignee": "ACME"})
    assert len(set(structure.summary.digests)) == 2


# --- what is refused ----------------------------------------------------------------------

def test_a_disclosure_with_one_character_changed_is_refused():
    structure = commit_fields(INVOICE)
    text = structure.disclosures["invoiceNumber"].encoded
    for index in range(0, len(text), 7):
        tampered = text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1:]
        with pytest.raises(DisclosureError):
            open_fields(structure.summary, [tampered])


def test_a_changed_value_is_refused():
    structure = commit_fields(INVOICE)
    original = structure.disclosures["totalPaymentDue"]
    forged = FieldDisclosure(original.salt, original.name, {"price": "2850.00", "priceCurrency": "USD"})
    with pytest.raises(DisclosureError, match="'totalPaymentDue' was not committed"):
        open_fields(structure.summary, [forged.encoded])


def test_a_changed_salt_is_refused():
    structure = commit_fields(INVOICE)
    original = structure.disclosures["invoiceNumber"]
    forged = FieldDisclosure(b64url(b"\x00" * 16), original.name, original.value)
    with pytest.raises(DisclosureError, match="not committed"):
        open_fields(structure.summary, [forged.encoded])


def test_a_renamed_field_is_refused():
    structure = commit_fields(INVOICE)
    original = structure.disclosures["invoiceNumber"]
    forged = FieldDisclosure(original.salt, "purchaseOrderNumber", original.value)
    with pytest.raises(DisclosureError, match="not committed"):
        open_fields(structure.summary, [forged.encoded])


def test_a_field_of_another_document_is_refused():
    mine, theirs = commit_fields(INVOICE), commit_fields(INVOICE)
    with pytest.raises(DisclosureError, match="not committed"):
        open_fields(mine.summary, disclosures_of(theirs, "invoiceNumber"))


def test_a_tampered_summary_no_longer_opens_the_field_it_lost():
    structure = commit_fields(INVOICE)
    target = structure.disclosures["invoiceNumber"].digest
    stranger = FieldDisclosure.new("invoiceNumber", "INV-1000288").digest
    tampered = FieldSummary(tuple(sorted([d for d in structure.summary.digests if d != target] + [stranger])))
    with pytest.raises(DisclosureError, match="not committed"):
        open_fields(tampered, disclosures_of(structure, "invoiceNumber"))
    assert tampered.document_bytes() != structure.summary.document_bytes()


def test_the_same_disclosure_twice_is_refused():
    structure = commit_fields(INVOICE)
    with pytest.raises(DisclosureError, match="disclosed twice"):
        open_fields(structure.summary, disclosures_of(structure, "invoiceNumber", "invoiceNumber"))


def test_two_committed_values_for_one_field_are_refused():
    # A dishonest holder who committed two values under one name cannot show both.
    first, second = FieldDisclosure.new("price", "100.00"), FieldDisclosure.new("price", "1.00")
    summary = FieldSummary(tuple(sorted([first.digest, second.digest])))
    with pytest.raises(DisclosureError, match="'price' is disclosed twice"):
        open_fields(summary, [first.encoded, second.encoded])


@pytest.mark.parametrize("raw", [
    b'["c2FsdHNhbHRzYWx0c2FsdA", "name", "value"]',  # spaces after commas
    b'["c2FsdHNhbHRzYWx0c2FsdA","name","M\\u00f6bius"]',  # an escape JCS writes as the character
    b'["c2FsdHNhbHRzYWx0c2FsdA","name",{"b":1,"a":2}]',  # keys out of order
    b'["c2FsdHNhbHRzYWx0c2FsdA","name","value"]\n',  # trailing whitespace
])
def test_a_disclosure_not_in_canonical_form_is_refused(raw: bytes):
    with pytest.raises(DisclosureError, match="canonical"):
        FieldDisclosure.from_encoded(b64url(raw))


@pytest.mark.parametrize("text", [
    "WyJzYWx0IiwibmFtZSJd",  # ["salt","name"]: two elements
    b64url(b'{"salt":"s","name":"n","value":1}'),  # an object, not an array
    b64url(b'[1,"name","value"]'),  # salt not a string
    b64url(b'["salt",2,"value"]'),  # name not a string
    "not base64!",
    "YQ==",  # padded
])
def test_a_malformed_disclosure_is_refused(text: str):
    with pytest.raises(DisclosureError):
        FieldDisclosure.from_encoded(text)


@pytest.mark.parametrize("document", [
    {"grossWeightKg": 1250.5},
    {"lines": [{"quantity": 40, "unitPrice": 712.5}]},
    {"declaredValueMinor": 2**53},
])
def test_floats_and_unsafe_integers_are_refused_when_committing(document):
    with pytest.raises(DisclosureError, match="not ledger data"):
        commit_fields(document)


def test_a_disclosure_carrying_a_float_is_refused():
    with pytest.raises(DisclosureError, match="floating-point"):
        FieldDisclosure.from_encoded(b64url(b'["c2FsdHNhbHRzYWx0c2FsdA","grossWeightKg",1250.5]'))


@pytest.mark.parametrize("document", [{}, [], "invoice", None])
def test_only_a_non_empty_json_object_is_committed_field_by_field(document):
    with pytest.raises(DisclosureError, match="non-empty JSON object"):
        commit_fields(document)


@pytest.mark.parametrize("data, reason", [
    ({"_sd": []}, "field summary is"),
    ({"_sd": [], "_sd_alg": "sha-256", "extra": 1}, "field summary is"),
    ({"_sd": [], "_sd_alg": "sha-512"}, "unsupported"),
    ({"_sd": ["short"], "_sd_alg": "sha-256"}, "SHA-256 digests"),
    ({"_sd": "A" * 43, "_sd_alg": "sha-256"}, "SHA-256 digests"),
    ({"_sd": ["B" * 43, "A" * 43], "_sd_alg": "sha-256"}, "sorted and distinct"),
    ({"_sd": ["A" * 43, "A" * 43], "_sd_alg": "sha-256"}, "sorted and distinct"),
    (["A" * 43], "field summary is"),
])
def test_a_malformed_field_summary_is_refused(data, reason):
    with pytest.raises(DisclosureError, match=reason):
        FieldSummary.from_dict(data)
