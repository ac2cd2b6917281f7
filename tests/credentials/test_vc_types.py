"""Credential types: the Traceability Vocabulary examples validate, sign and verify unchanged;
our type names are real vocabulary names (or marked as ours); builders make valid credentials."""

from __future__ import annotations

import pytest
from _credentials_data import EXAMPLE_NAMES, example

from tradeledger.credentials import (
    CREDENTIAL_TYPES,
    CredentialError,
    CredentialType,
    InvalidCredentialError,
    issue_credential,
    resolver_from_keys,
    validate_credential,
    verify_credential,
)
from tradeledger.credentials.datetimes import parse_datetime
from tradeledger.credentials.types import (
    bonded_carrier_subject,
    build_credential,
    customs_broker_license_subject,
    importer_of_record_subject,
)
from tradeledger.credentials.verify import issuer_id

V2 = "https://www.w3.org/ns/credentials/v2"
OLD_STATUS_TYPES = {"RevocationList2020Status", "StatusList2021Entry", "CredentialStatusList2021",
                    "StatusList2021Credential"}


def test_every_example_is_a_vc_2_0_credential():
    assert len(EXAMPLE_NAMES) == 84
    for name in EXAMPLE_NAMES:
        assert example(name)["@context"][0] == V2, name


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_each_traceability_example_validates_signs_and_verifies(name, issuer_key):
    credential = example(name)
    assert validate_credential(credential).errors == ()
    # The example's own issuer (a did:web) gets our test key through a resolver table, as the
    # ledger's registry would provide; the credential itself is signed unchanged.
    method = issuer_id(credential) + "#key-1"
    secured = issue_credential(credential, issuer_key, method, created="2024-01-01T00:00:00Z")
    assert {k: v for k, v in secured.items() if k != "proof"} == credential
    now = parse_datetime(credential["validFrom"]).moment  # a moment inside its validity
    result = verify_credential(secured, resolver=resolver_from_keys({method: issuer_key.public_key}),
                               now=now)
    assert result.verified, result.errors
    # Status mechanisms older than Bitstring Status List are reported as not checked.
    status_type = credential.get("credentialStatus", {}).get("type")
    old_status = bool(OLD_STATUS_TYPES & set(status_type if isinstance(status_type, list)
                                              else [status_type]))
    assert [w.code for w in result.warnings] == (["UNSUPPORTED_STATUS_TYPE"] if old_status else [])


def test_a_signed_example_breaks_when_any_claim_changes(issuer_key):
    credential = example("MillTestReportCredential")
    method = issuer_id(credential) + "#key-1"
    secured = issue_credential(credential, issuer_key, method)
    secured["credentialSubject"]["inspections"][0]["chemicalComposition"]["c"] = 0.019
    result = verify_credential(secured, resolver=resolver_from_keys({method: issuer_key.public_key}))
    assert [p.code for p in result.errors] == ["PROOF_VERIFICATION_ERROR"]


TRACEABILITY_NAMES = {example(name)["type"][1] for name in EXAMPLE_NAMES}


@pytest.mark.parametrize("kind", CREDENTIAL_TYPES.values(), ids=CREDENTIAL_TYPES.keys())
def test_traceability_types_are_vocabulary_names_and_ours_are_not(kind):
    assert (kind.name in TRACEABILITY_NAMES) is kind.traceability
    if kind.traceability:
        assert kind.contexts == (V2, "https://w3id.org/traceability/v1")
        assert kind.iri == "https://w3id.org/traceability#" + kind.name
    else:
        assert kind.contexts == (V2,)
        assert kind.iri.startswith("https://www.w3.org/ns/credentials/issuer-dependent#")
    assert CredentialType.from_dict(kind.to_dict()) == kind


def test_our_own_types():
    ours = sorted(name for name, kind in CREDENTIAL_TYPES.items() if not kind.traceability)
    assert ours == ["BondedCarrierCredential", "CustomsBrokerLicenseCredential",
                    "ImporterOfRecordCredential"]


SUBJECTS = {
    "ImporterOfRecordCredential": lambda: importer_of_record_subject(
        id="did:web:quality-metals.example", name="Quality Metals Inc",
        importer_number="12-345678900"),
    "CustomsBrokerLicenseCredential": lambda: customs_broker_license_subject(
        id="did:web:ahead-brokers.example", name="Ahead Customs Brokers", license_number="23-0042",
        filer_code="B76"),
    "BondedCarrierCredential": lambda: bonded_carrier_subject(
        id="did:web:carrier.example", name="Carrior Goods And More", scac="NISC",
        bond_number="BND-2024-0117"),
}


@pytest.mark.parametrize("type_name", sorted(SUBJECTS))
def test_builders_make_credentials_that_issue_and_verify(type_name, issuer_key):
    credential = build_credential(type_name, issuer=issuer_key.did, subject=SUBJECTS[type_name](),
                                  valid_from="2024-01-01T00:00:00Z",
                                  valid_until="2026-01-01T00:00:00Z")
    assert credential["type"] == ["VerifiableCredential", type_name]
    assert credential["id"].startswith("urn:uuid:")
    assert credential["credentialSubject"]["type"] == [CREDENTIAL_TYPES[type_name].subject_type]
    secured = issue_credential(credential, issuer_key, issuer_key.verification_method)
    assert verify_credential(secured, now=parse_datetime("2025-01-01T00:00:00Z").moment).verified


def test_build_credential_for_a_traceability_type_uses_its_context(issuer_key):
    credential = build_credential("CertificationOfOrigin", issuer={"id": issuer_key.did},
                                  subject={"manufacturingCountry": "IT"}, id="urn:uuid:1")
    assert credential["@context"] == [V2, "https://w3id.org/traceability/v1"]
    assert validate_credential(credential).ok


def test_build_credential_refuses_unknown_types_and_empty_subjects(issuer_key):
    with pytest.raises(CredentialError, match="unknown credential type"):
        build_credential("DriversLicense", issuer=issuer_key.did, subject={"a": 1})
    with pytest.raises(InvalidCredentialError, match="claims"):
        build_credential("PackingListCredential", issuer=issuer_key.did, subject={})


@pytest.mark.parametrize("build, message", [
    (lambda: importer_of_record_subject(id="did:web:x", name="X", importer_number="123456789"),
     "EIN"),
    (lambda: importer_of_record_subject(id="did:web:x", name="X", importer_number="123-45-6789",
                                        number_type="ITIN"), "number type"),
    (lambda: importer_of_record_subject(id="x corp", name="X", importer_number="12-345678900"),
     "URL"),
    (lambda: customs_broker_license_subject(id="did:web:x", name="X", license_number="1",
                                            filer_code="B7"), "filer code"),
    (lambda: customs_broker_license_subject(id="did:web:x", name=" ", license_number="1",
                                            filer_code="B76"), "name"),
    (lambda: bonded_carrier_subject(id="did:web:x", name="X", scac="nisc", bond_number="1"),
     "SCAC"),
    (lambda: bonded_carrier_subject(id="did:web:x", name="X", scac="NISC", bond_number=""),
     "bond"),
], ids=["ein-format", "itin", "id-not-url", "filer-code", "no-name", "scac", "no-bond"])
def test_builders_refuse_malformed_numbers(build, message):
    with pytest.raises(InvalidCredentialError, match=message):
        build()


@pytest.mark.parametrize("number, number_type", [
    ("12-345678900", "EIN"), ("123-45-6789", "SSN"), ("240101-00042", "CBP")])
def test_importer_number_formats(number, number_type):
    subject = importer_of_record_subject(id="did:web:x", name="X", importer_number=number,
                                         number_type=number_type)
    assert (subject["importerNumber"], subject["importerNumberType"]) == (number, number_type)
