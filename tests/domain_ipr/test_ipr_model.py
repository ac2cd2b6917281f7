"""The data model round-trips through JSON, refuses the wrong shapes, and speaks the
Traceability vocabulary's license-credential field names."""

import json
from datetime import date
from pathlib import Path

import pytest
from ipr_world import RECORDATION_ID, chain_book, l1, l2, l3, question, recordation

from tradeledger.crypto.canonical import canonical_bytes
from tradeledger.domain.ipr import (
    IprDataError,
    License,
    LinkStatus,
    Question,
    Recordation,
    RecordationDecision,
    RecordationKind,
    Termination,
    UsageRecord,
)

DATA = Path(__file__).parent / "data"


def through_json(value):
    """What a peer reads back after the value travels as canonical JSON."""
    return json.loads(canonical_bytes(value.to_dict()))


@pytest.mark.parametrize(
    "value",
    [
        recordation(),
        chain_book().recordation(RECORDATION_ID),
        RecordationDecision(RECORDATION_ID, False, date(2024, 1, 15), "not registered"),
        l1(),
        l3(terminated_on=date(2024, 9, 1), termination_reason="breach"),
        Termination("L-2", "Saigon Footwear Co.", date(2024, 9, 1), date(2024, 8, 1), "breach"),
        UsageRecord("B76-0324527-8", "L-3", 500, date(2024, 6, 1)),
        question(),
        question(physically_materially_different=True, bears_lever_label=True, entry_number="B76-0324527-8"),
    ],
    ids=lambda v: type(v).__name__,
)
def test_every_record_round_trips_through_canonical_json(value):
    assert type(value).from_dict(through_json(value)) == value


def test_dates_are_iso_strings_and_quantities_integers():
    data = l1().to_dict()
    assert data["start"] == "2024-02-01" and data["end"] == "2026-12-31"
    assert data["quantity_cap"] == 100_000 and data["parent_id"] is None and data["terminated_on"] is None


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("start", "2024-2-1", "YYYY-MM-DD"),
        ("start", "20240201", "YYYY-MM-DD"),
        ("quantity_cap", 10.5, "not an integer"),
        ("quantity_cap", True, "not an integer"),
        ("further_generations", "2", "not an integer"),
        ("hts_prefixes", "6403", "not a list"),
        ("hts_prefixes", [6403], "list of strings"),
    ],
)
def test_a_license_of_the_wrong_shape_is_refused(field, value, words):
    data = l1().to_dict() | {field: value}
    with pytest.raises(IprDataError, match=words):
        License.from_dict(data)


def test_missing_and_unknown_fields_are_refused():
    data = l1().to_dict()
    with pytest.raises(IprDataError, match="license record: licensee is missing"):
        License.from_dict({k: v for k, v in data.items() if k != "licensee"})
    with pytest.raises(IprDataError, match="unknown fields"):
        License.from_dict(data | {"royalty": "5%"})
    with pytest.raises(IprDataError, match="unknown value"):
        Recordation.from_dict(recordation().to_dict() | {"kind": "patent"})
    with pytest.raises(IprDataError, match="JSON object"):
        Question.from_dict([])


def test_a_license_stands_on_each_day_by_its_own_dates_and_termination():
    grant = l3(terminated_on=date(2024, 9, 1))
    assert grant.own_status_on(date(2024, 3, 31)) is LinkStatus.NOT_YET_VALID
    assert grant.own_status_on(date(2024, 4, 1)) is LinkStatus.VALID
    assert grant.own_status_on(date(2024, 8, 31)) is LinkStatus.VALID
    assert grant.own_status_on(date(2024, 9, 1)) is LinkStatus.TERMINATED
    assert l3().own_status_on(date(2026, 1, 1)) is LinkStatus.EXPIRED


# ----------------------------------------------------------------------- credentials


def example(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def test_license_credential_uses_the_traceability_field_names():
    reference = example("IntellectualPropertyRightsLicenseCredential.json")
    ours = l2().to_credential(RecordationKind.TRADEMARK, RECORDATION_ID)
    assert ours["type"] == reference["type"]
    assert ours["@context"] == reference["@context"]
    assert set(reference) - {"validUntil"} <= set(ours)
    assert set(reference["credentialSubject"]) <= set(ours["credentialSubject"])
    subject = ours["credentialSubject"]
    assert subject["type"] == reference["credentialSubject"]["type"]
    assert subject["intellectualPropertyRightsType"] == "Trademark"
    assert subject["licensee"]["id"] == "Pacific Distribution LLC"
    assert subject["extendsCredential"] == "urn:tradeledger:ipr:license:L-1"
    assert ours["issuer"]["id"] == "Saigon Footwear Co."


def test_a_root_license_extends_the_recordation_credential():
    rec = recordation()
    subject = l1().to_credential_subject(rec.kind, rec.recordation_id)
    assert subject["extendsCredential"] == rec.to_credential()["id"]
    reference = example("IntellectualPropertyRightsCredential.json")
    assert set(reference["credentialSubject"]) <= set(rec.to_credential()["credentialSubject"])


@pytest.mark.parametrize("grant", [l1(), l2(), l3()], ids=["root", "middle", "leaf"])
def test_a_license_reads_back_from_its_credential(grant):
    credential = json.loads(canonical_bytes(grant.to_credential(RecordationKind.TRADEMARK, RECORDATION_ID)))
    assert License.from_credential(credential) == grant


def test_a_credential_that_extends_something_unknown_is_refused():
    credential = l2().to_credential(RecordationKind.TRADEMARK, RECORDATION_ID)
    credential["credentialSubject"]["extendsCredential"] = "did:web:organization.example.com"
    with pytest.raises(IprDataError, match="extendsCredential"):
        License.from_credential(credential)

