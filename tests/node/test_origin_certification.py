"""Certifications of origin as verifiable credentials (issue 6, item 3).

A USMCA certification carries the nine minimum data elements of Annex 5-A (FACTS §2.1) as
a USMCACertificationOfOrigin with Traceability Vocabulary field names; a CAFTA-DR one the
elements of 19 CFR 10.584 (FACTS §2.2). The certifier signs it (eddsa-jcs-2022) with its
organization's key; a blanket period is at most 12 months; its public terms are what the
certifier anchors beside the commitment, and reading the credential back gives them again.
"""

from __future__ import annotations

import copy
import datetime

import pytest

from tradeledger.credentials import issue_credential, verify_credential
from tradeledger.crypto import KeyPair
from tradeledger.domain.origin.certification import (
    STATEMENTS,
    CertificationError,
    CertificationOfOrigin,
    terms_mismatch,
)

EXPORTER = {"name": "Aceros del Norte S.A. de C.V.", "street": "Av. Industrial 450", "city": "Monterrey",
            "country": "MX", "email": "export@acerosdelnorte.example", "phone": "+52 81 5555 0100"}
PRODUCER = {"name": "Motores de Monterrey S.A.", "street": "Calle 5 de Mayo 12", "city": "Apodaca",
            "country": "MX"}
IMPORTER = {"name": "Northwind Imports LLC", "street": "1200 Harbor Blvd", "city": "Laredo", "country": "US",
            "email": "trade@northwind.example", "phone": "+1 956 555 0142"}
SIGNATORY = {"name": "Ana Ruiz", "title": "Export Compliance Manager", "email": "ana.ruiz@acerosdelnorte.example",
             "phone": "+52 81 5555 0101"}


def usmca(**changes) -> dict:
    data = {
        "agreement": "USMCA", "certifier_role": "exporter", "certifier": EXPORTER, "signatory": SIGNATORY,
        "exporter": EXPORTER, "producer": PRODUCER, "importer": IMPORTER,
        "goods": [{"description": "electric motors under 37.5 W", "hs": "8501.10", "criterion": "B",
                   "country_of_origin": "MX"},
                  {"description": "electric motors 37.5 W to 750 W", "hs": "850120", "criterion": "B",
                   "country_of_origin": "MX"}],
        "blanket_period": {"from": "2026-01-01", "to": "2026-12-31"}, "certified_on": "2026-01-05",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not ...}


def cafta(**changes) -> dict:
    data = {
        "agreement": "CAFTA-DR", "certifier_role": "importer", "certifier": IMPORTER,
        "signatory": {**SIGNATORY, "name": "Lee Park", "title": "Trade Compliance Director"},
        "exporter": {**EXPORTER, "name": "Cafetera Central S.A.", "country": "CR", "city": "San Jose"},
        "producer": {**PRODUCER, "name": "Cafetera Central S.A.", "country": "CR", "city": "Cartago"},
        "importer": IMPORTER,
        "goods": [{"description": "electric coffee makers", "hs": "8516.71.00", "country_of_origin": "CR",
                   "rule": "A change to subheading 8516.71 from any other subheading"}],
        "invoice_number": "INV-CR-2026-17", "certified_on": "2026-02-10",
    }
    data.update(changes)
    return data


def signed(certification: CertificationOfOrigin, key: KeyPair) -> dict:
    return issue_credential(certification.to_credential(key.did), key, key.verification_method)


def test_a_usmca_certification_carries_the_nine_minimum_data_elements():
    key = KeyPair.generate()
    certification = CertificationOfOrigin.from_dict(usmca()).with_credential_id("urn:uuid:0c9d1f1e-0000-4000-8000-1")
    credential = signed(certification, key)
    subject = credential["credentialSubject"]
    assert credential["type"] == ["VerifiableCredential", "USMCACertificationOfOrigin"]
    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/traceability/v1"]
    assert subject["type"] == ["USMCAClaims"]
    assert subject["certifierType"] == "Exporter"  # 1
    issuer = credential["issuer"]  # 2: the certifier, its address and its signatory's name, title and contact
    assert (issuer["id"], issuer["name"], issuer["location"]["address"]["addressCountry"]) == \
        (key.did, EXPORTER["name"], "MX")
    assert issuer["employee"] == {"type": ["Person"], "name": "Ana Ruiz", "jobTitle": "Export Compliance Manager",
                                  "email": SIGNATORY["email"], "phoneNumber": SIGNATORY["phone"]}
    assert subject["exporterDetails"]["name"] == EXPORTER["name"]  # 3
    assert subject["producerDetails"]["location"]["address"]["addressLocality"] == "Apodaca"  # 4
    assert subject["importerDetails"][0]["email"] == IMPORTER["email"]  # 5
    assert [(g["description"], g["commodityCode"], g["commodityCodeType"]) for g in subject["goods"]] == [  # 6
        ("electric motors under 37.5 W", "850110", "HS"), ("electric motors 37.5 W to 750 W", "850120", "HS")]
    assert [g["originCriterion"] for g in subject["goods"]] == ["B", "B"]  # 7
    assert subject["blanketPeriod"] == {"startDate": "2026-01-01", "endDate": "2026-12-31"}  # 8
    assert subject["certificationDate"] == "2026-01-05"  # 9: date, statement and the signature
    assert subject["certificationStatement"] == STATEMENTS["USMCA"]
    assert credential["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert credential["proof"]["verificationMethod"] == key.verification_method
    assert (credential["validFrom"], credential["validUntil"]) == ("2026-01-05T00:00:00Z", "2030-01-05T00:00:00Z")


def test_the_signed_certification_verifies_and_reads_back_to_the_same_data_and_terms():
    key = KeyPair.generate()
    certification = CertificationOfOrigin.from_dict(usmca()).with_credential_id()
    credential = signed(certification, key)
    result = verify_credential(credential, now=datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC))
    assert result.verified, result.errors
    assert result.issuer == key.did
    again = CertificationOfOrigin.from_credential(credential)
    assert again == certification
    assert terms_mismatch(again, certification.terms().to_refs()) == ()
    assert certification.terms().to_refs() == {
        "agreement": "USMCA", "certifier_role": "exporter", "hs": "850110,850120", "certified_on": "2026-01-05",
        "blanket_from": "2026-01-01", "blanket_to": "2026-12-31", "credential": certification.credential_id}


def test_a_changed_certification_no_longer_verifies():
    key = KeyPair.generate()
    credential = signed(CertificationOfOrigin.from_dict(usmca()).with_credential_id(), key)
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["goods"][0]["commodityCode"] = "841370"
    assert not verify_credential(tampered).verified


def test_anchored_terms_that_differ_from_the_signed_ones_are_named():
    certification = CertificationOfOrigin.from_dict(usmca()).with_credential_id()
    refs = {**certification.terms().to_refs(), "hs": "841370", "blanket_to": "2027-06-30"}
    assert terms_mismatch(certification, refs) == (
        "the anchored blanket_to is '2027-06-30' but the signed certification says '2026-12-31'",
        "the anchored hs is '841370' but the signed certification says '850110,850120'",
    )


def test_a_cafta_dr_certification_carries_the_10_584_elements():
    key = KeyPair.generate()
    certification = CertificationOfOrigin.from_dict(cafta()).with_credential_id()
    credential = signed(certification, key)
    subject = credential["credentialSubject"]
    assert credential["type"] == ["VerifiableCredential", "CertificationOfOrigin"]
    assert subject["type"] == ["CAFTADRClaims"] and subject["agreement"] == "CAFTA-DR"
    assert subject["certifierType"] == "Importer"
    assert [subject[k]["name"] for k in ("exporterDetails", "producerDetails")] == ["Cafetera Central S.A."] * 2
    assert subject["importerDetails"][0]["name"] == IMPORTER["name"]
    assert subject["goods"] == [{"type": ["Product"], "description": "electric coffee makers",
                                 "commodityCode": "85167100", "commodityCodeType": "HTSUS",
                                 "countryOfOrigin": "CR",
                                 "originRule": "A change to subheading 8516.71 from any other subheading"}]
    assert subject["invoiceNumber"] == "INV-CR-2026-17" and "blanketPeriod" not in subject
    assert credential["issuer"]["employee"]["jobTitle"] == "Trade Compliance Director"
    assert verify_credential(credential, now=datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)).verified
    assert CertificationOfOrigin.from_credential(credential) == certification
    assert certification.terms().to_refs()["hs"] == "851671"
    assert certification.terms().to_refs()["invoice"] == "INV-CR-2026-17"


def test_producers_may_be_various_or_available_upon_request():
    for producer in ("various", "available upon request"):
        certification = CertificationOfOrigin.from_dict(usmca(producer=producer)).with_credential_id()
        credential = certification.to_credential(KeyPair.generate().did)
        assert "producerDetails" not in credential["credentialSubject"]
        assert CertificationOfOrigin.from_credential(credential).producer == producer


def test_a_producer_that_does_not_know_the_exporter_may_leave_it_out():
    certification = CertificationOfOrigin.from_dict(
        usmca(certifier_role="producer", certifier=PRODUCER, exporter=None, importer=None))
    subject = certification.with_credential_id().to_credential(KeyPair.generate().did)["credentialSubject"]
    assert "exporterDetails" not in subject and subject["variousImporters"] is True


@pytest.mark.parametrize("data, why", [
    (usmca(blanket_period={"from": "2026-01-01", "to": "2027-01-01"}), "exceeds 12 months"),
    (usmca(blanket_period={"from": "2026-06-01", "to": "2026-05-31"}), "from a date to the same or a later date"),
    (usmca(blanket_period=None), "give either blanket_period .* or invoice_number"),
    (usmca(invoice_number="INV-1"), "give either blanket_period .* or invoice_number"),
    (usmca(goods=[{"description": "motors", "hs": "8501.10.40", "criterion": "B", "country_of_origin": "MX"}]),
     "USMCA certifies the 6-digit HS classification"),
    (usmca(goods=[{"description": "motors", "hs": "8501.10", "criterion": "E", "country_of_origin": "MX"}]),
     "criterion: A, B, C or D"),
    (usmca(goods=[{"description": "shirts", "hs": "6109.10", "criterion": "D", "country_of_origin": "MX"}]),
     "D does not apply to chapters 61 to 63"),
    (usmca(goods=[]), "goods: list at least one good"),
    (usmca(exporter=None), "exporter: required unless the producer certifies"),
    (usmca(producer="someone"), "producer: a party, 'various' or 'available upon request'"),
    (usmca(certifier_role="carrier"), "certifier_role: importer, exporter or producer"),
    (usmca(certified_on="05/01/2026"), "certified_on is a date as YYYY-MM-DD"),
    (usmca(certifier={**EXPORTER, "country": "Mexico"}), "certifier.country: an ISO 3166 alpha-2 code"),
    (usmca(signatory={**SIGNATORY, "title": ""}), "signatory.title: write it as non-empty text"),
    (usmca(agreement="NAFTA"), "'NAFTA' is not supported"),
    (usmca(colour="blue"), "unknown field 'colour'"),
    (cafta(importer=None), "CAFTA-DR certifications name the importer"),
    (cafta(goods=[{"description": "coffee makers", "hs": "8516.71", "country_of_origin": "CR"}]),
     r"goods\[0\].rule: write it as non-empty text"),
    (cafta(goods=[{"description": "coffee makers", "hs": "8516.71", "country_of_origin": "CR", "rule": "CTSH",
                   "criterion": "B"}]), "a CAFTA-DR good states its General Note 29 rule"),
])
def test_an_incomplete_or_inconsistent_certification_is_refused_with_the_field(data, why):
    with pytest.raises(CertificationError, match=why):
        CertificationOfOrigin.from_dict(data)


def test_the_input_format_round_trips():
    for data in (usmca(), cafta()):
        certification = CertificationOfOrigin.from_dict(data)
        assert CertificationOfOrigin.from_dict(certification.to_dict()) == certification


def test_a_credential_that_is_not_a_certification_of_origin_is_refused():
    with pytest.raises(CertificationError, match="not a USMCA or CAFTA-DR certification"):
        CertificationOfOrigin.from_credential({"type": ["VerifiableCredential", "CommercialInvoiceCredential"],
                                               "credentialSubject": {"agreement": "USMCA"}})
