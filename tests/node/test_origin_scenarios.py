"""Scenarios (issue 6, item 6): USMCA imports from Mexico, end to end on the embedded network.

    exporter    certifies origin of the goods for the year (a verifiable credential in its
                vault; the commitment and public terms on the ledger);
    importer    files the entry claiming SPI S, referencing the certification;
    customs     opens a verification of the line and asks for the certification and the
                entry's documents; the exporter approves;
    producer    asked as a party, answers with its bill of materials (a worked case of
                shared/domain/origin-cases), granted to customs and no one else;
    customs     checks the credential, runs the origin engine and records the
                determination in the verification's private collection.

The motor (tv-pass: RVC 65% against 60%) is eligible; the pump (nc-fail: 55% and 47.06%
against 60% and 50%) is denied. Either way exactly the verification's parties (the
importer, the certifier, the producer asked and the agency concerned) hold the
determination; every other organization is told it is private to them, holds none of it,
and the outcome is in no outsider's folder nor the orderer's stream.
"""

from __future__ import annotations

import datetime
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from tradeledger.contracts import access, entries, origin
from tradeledger.credentials import issue_credential
from tradeledger.crypto import KeyPair, canonical_bytes
from tradeledger.domain.entry_number import complete_entry_number
from tradeledger.domain.origin import qualify_dict
from tradeledger.domain.origin.certification import CertificationOfOrigin
from tradeledger.errors import Refused
from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.setup import OrgPlan
from tradeledger.workflows import disclosure
from tradeledger.workflows import entries as entry_flows
from tradeledger.workflows import origin as flows
from tradeledger.workflows.disclosure import AccessRefused, disclose
from tradeledger.workflows.documents import anchor_documents

WORKED = Path(__file__).resolve().parents[1] / "domain" / "data" / "origin-cases"
ORGANIZATIONS = (
    OrgPlan("customs", "customs", "U.S. Customs and Border Protection"),
    OrgPlan("customs-west", "customs", "Another customs authority"),
    OrgPlan("importer", "importer", "Northwind Imports LLC"),
    OrgPlan("importer-other", "importer", "Southwind Imports LLC"),
    OrgPlan("exporter", "exporter", "Aceros del Norte S.A. de C.V."),
    OrgPlan("producer", "producer", "Motores de Monterrey S.A."),
    OrgPlan("fda", "agency", "U.S. Food and Drug Administration"),
    OrgPlan("epa", "agency", "U.S. Environmental Protection Agency"),
    OrgPlan("broker", "broker", "Harbor Customs Brokerage Inc."),
)
AUDIENCE = ("importer", "exporter", "fda", "producer")
OUTSIDERS = ("customs-west", "importer-other", "epa", "broker")
TODAY = datetime.datetime.fromtimestamp(now_ms() / 1000, datetime.UTC).date()
PARTY = {"street": "Av. Industrial 450", "city": "Monterrey", "country": "MX", "email": "export@example.mx",
         "phone": "+52 81 5555 0100"}
_numbers = itertools.count(1)


def worked(name: str) -> dict[str, Any]:
    return json.loads((WORKED / f"{name}.case.json").read_text())


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    directory = tmp_path_factory.mktemp("scenarios") / "net"
    create_network(directory, ORGANIZATIONS)
    with EmbeddedNetwork(directory) as network:
        yield network


def certification(hs: str, **changes: Any) -> CertificationOfOrigin:
    data = {
        "agreement": "USMCA", "certifier_role": "exporter", "certifier": {"name": "Aceros del Norte", **PARTY},
        "signatory": {"name": "Ana Ruiz", "title": "Export Compliance Manager", "email": "ana@example.mx",
                      "phone": "+52 81 5555 0101"},
        "exporter": {"name": "Aceros del Norte", **PARTY},
        "producer": {"name": "Motores de Monterrey", **PARTY, "city": "Apodaca"},
        "importer": {"name": "Northwind Imports LLC", "street": "1200 Harbor Blvd", "city": "Laredo",
                     "country": "US"},
        "goods": [{"description": "goods", "hs": hs, "criterion": "B", "country_of_origin": "MX"}],
        "blanket_period": {"from": f"{TODAY.year}-01-01", "to": f"{TODAY.year}-12-31"},
        "certified_on": f"{TODAY.year}-01-01",
    }
    data.update(changes)
    return CertificationOfOrigin.from_dict(data)


def file_entry(net, hts: str, certified: str, spi: str = "S") -> str:
    number = str(complete_entry_number(f"SCN-{next(_numbers):07d}"))
    [invoice] = anchor_documents(net, "importer", [(Path("invoice.json"), f"invoice {number}".encode())],
                                 "commercial_invoice", {"entry": number})
    entry_flows.file_entry(net, "importer", {
        "entry_number": number, "filed_with": "customs", "importer": "importer", "entry_type": "01",
        "port_code": "2304", "entry_date": TODAY.isoformat(), "imported_on": TODAY.isoformat(),
        "importer_number": "12-345678900", "mode_of_transport": "30", "country_of_export": "MX",
        "lines": [{"line": 1, "description": "goods", "hts": hts, "origin": "MX", "entered_value": "28500",
                   "mid": "MXMOTDEM12APO", "spi": spi, "certification": certified, "flags": ["fda"]}],
        "documents": [{"doc_type": "commercial_invoice", "commitment": invoice.commitment},
                      {"doc_type": "certification_of_origin", "commitment": certified}],
    })
    return number


@pytest.fixture(scope="module")
def motor(net) -> dict[str, Any]:
    """The electric motor of worked case tv-pass, through the whole workflow."""
    return run_scenario(net, "8501.10.4020", "8501.10", worked("tv-pass"))


@pytest.fixture(scope="module")
def pump(net) -> dict[str, Any]:
    """The pump of worked case nc-fail, whose regional value content is short."""
    return run_scenario(net, "8413.70.2004", "8413.70", worked("nc-fail"))


def run_scenario(net, hts: str, hs: str, case: dict[str, Any], approve: bool = True,
                 answer: bool = True) -> dict[str, Any]:
    issued = flows.certify(net, "exporter", certification(hs), importer="importer")
    number = file_entry(net, hts, issued.commitment)
    return {"issued": issued, "number": number, "case": case,
            **verify_entry(net, number, "verification of a USMCA claim", case, approve, answer)}


def verify_entry(net, number: str, reason: str, case: dict[str, Any], approve: bool = True,
                 answer: bool = True) -> dict[str, Any]:
    """Customs verifies line 1's claim: asks for the records, the exporter approves (or
    denies) each request, the producer answers with `case`, customs determines."""
    verification = flows.open_verification(net, "customs", number, 1, reason, parties=("producer",))
    requests = flows.request_records(net, "customs", verification)
    pending = flows.pending_requests(net, "exporter", verification)
    for request_id in pending:
        if approve:
            disclosure.approve(net, "exporter", request_id)
        else:
            disclosure.deny(net, "exporter", request_id, "certification withheld")
    answered = flows.answer_verification(net, "producer", verification, case) if answer else None
    recorded = flows.determine_origin(net, "customs", verification)
    return {"verification": verification, "requests": requests, "pending": pending, "answer": answered,
            "determination": recorded.determination}


# --- the motor: eligible --------------------------------------------------------------------------

def test_the_filed_claim_rests_on_the_exporters_certification(net, motor):
    claim = entries.find_entry(net.state("importer"), motor["number"]).lines[0].claim
    assert claim is not None and (claim.status, claim.certification) == ("supported", motor["issued"].commitment)


def test_customs_asks_the_exporter_for_the_certification_and_reads_the_importers_invoice_by_rule(motor):
    by_type = {r.doc_type: r for r in motor["requests"]}
    assert (by_type["certification_of_origin"].owner, by_type["certification_of_origin"].status) == \
        ("exporter", "pending")
    assert (by_type["commercial_invoice"].owner, by_type["commercial_invoice"].status) == ("importer", "approved")
    assert motor["pending"] == [by_type["certification_of_origin"].request_id]


def test_the_motor_is_eligible_by_the_engines_result(motor):
    determination = motor["determination"]
    assert determination.outcome == "eligible"
    assert determination.origin_result == qualify_dict(motor["case"])
    assert determination.origin_result["criterion"] == "B"
    assert determination.origin_result["rvc"][0]["percent"] == "65.00"
    assert determination.certification.verified and determination.certification.criteria == ("B",)
    assert determination.reasons[0].startswith("Eligible: the USMCA claim (SPI S) on line 1 stands")


def test_the_public_ledger_says_only_that_a_verification_exists_its_parties_and_status(net, motor):
    record = origin.find_verification(net.state("broker"), motor["verification"])
    assert (record.status, record.members) == ("determined", ("customs", *sorted(AUDIENCE)))
    assert set(record.to_dict()) == {"id", "entry_number", "line", "customs", "importer", "parties", "status",
                                     "opened_ms", "determined_ms"}, "the case stays off the public record"
    case = flows.verification_case(net, "customs", motor["verification"])
    assert [a.by for a in case.answers] == ["producer"]
    assert {r.owner for r in case.requests} == {"exporter", "importer"}


@pytest.mark.parametrize("organization", AUDIENCE)
def test_the_parties_read_the_determination_from_their_own_peer(net, motor, organization):
    assert flows.read_determination(net, organization, motor["verification"]) == motor["determination"]


@pytest.mark.parametrize("organization", OUTSIDERS)
def test_no_one_else_reads_the_determination(net, motor, organization):
    with pytest.raises(flows.NotAParty, match=f"private to its parties .*; {organization} is not one of them"):
        flows.read_determination(net, organization, motor["verification"])
    assert origin.find_case(net.state(organization), motor["verification"]) is None


def test_the_bill_of_materials_is_disclosed_to_customs_only(net, motor):
    received = [r.commitment for r in net.vault("customs").received()]
    assert motor["answer"] in received
    for organization in AUDIENCE + OUTSIDERS:
        if organization != "producer":
            assert_refused(net, organization, motor["answer"])


def assert_refused(net, organization: str, commitment: str) -> None:
    """The request waits for the owner (no rule or grant covers it), the owner's node
    refuses to deliver, and the requester's vault holds nothing of the document."""
    request_id = disclosure.request(net, organization, commitment, "curious").request_id
    assert access.find_request(net.state(organization), request_id).status == "pending"
    with pytest.raises(AccessRefused, match="is pending"):
        disclose(net, request_id, organization)
    assert all(r.commitment != commitment for r in net.vault(organization).received())


def test_the_outcome_is_in_no_outsiders_folder_nor_the_stream(net, motor, pump):
    net.sync()
    secrets = [reason.encode() for s in (motor, pump) for reason in s["determination"].reasons
               if reason.startswith(("Eligible", "Denied", "Rule: regional value content"))]
    assert len(secrets) >= 4
    for party in ("customs", *AUDIENCE):
        kept = b"".join(p.read_bytes() for p in net.layout.store(party).parent.rglob("*") if p.is_file())
        assert all(secret in kept for secret in secrets), f"{party}'s store keeps the determinations (the control)"
    allowed = {net.layout.store(name).parent for name in ("customs", *AUDIENCE)}
    for path in net.layout.directory.rglob("*"):
        if not path.is_file() or any(folder in path.parents for folder in allowed):
            continue
        content = path.read_bytes()
        assert not any(secret in content for secret in secrets), f"the determination leaked into {path}"


# --- the pump: denied ----------------------------------------------------------------------------

def test_the_pump_is_denied_because_its_regional_value_content_is_short(pump):
    determination = pump["determination"]
    assert determination.outcome == "denied"
    assert determination.origin_result["qualifies"] is False
    assert [(r["method"], r["percent"], r["met"]) for r in determination.origin_result["rvc"]] == [
        ("transaction_value", "55.00", False), ("net_cost", "47.06", False)]
    assert "Denied: the rules-of-origin engine finds that the good does not qualify" in determination.reasons
    assert any("47.06%, less than the required 50%" in reason for reason in determination.reasons)


@pytest.mark.parametrize("organization", AUDIENCE)
def test_the_denial_is_read_by_the_same_parties(net, pump, organization):
    assert flows.read_determination(net, organization, pump["verification"]).outcome == "denied"


@pytest.mark.parametrize("organization", OUTSIDERS)
def test_no_one_else_reads_the_denial(net, pump, organization):
    with pytest.raises(AccessRefused, match="private to its parties"):
        flows.read_determination(net, organization, pump["verification"])


# --- what else decides a claim ------------------------------------------------------------------

def test_a_certification_the_exporter_withholds_denies_the_claim(net):
    result = run_scenario(net, "8501.10.4020", "8501.10", worked("tv-pass"), approve=False)
    determination = result["determination"]
    assert determination.outcome == "denied" and not determination.certification.disclosed
    assert any("the certification was not disclosed to customs: request" in r and "is denied" in r
               for r in determination.reasons)


def test_a_claim_without_records_is_denied(net):
    determination = run_scenario(net, "8501.10.4020", "8501.10", worked("tv-pass"), answer=False)["determination"]
    assert determination.outcome == "denied" and determination.origin_result is None
    assert "Denied: no bill of materials or other records were provided to establish origin" in determination.reasons


def test_a_bill_of_materials_for_another_good_denies_the_claim(net):
    determination = run_scenario(net, "8501.10.4020", "8501.10", worked("nc-fail"))["determination"]
    assert "Denied: the bill of materials is for HS 8413.70, not the line's 8501.10.4020" in determination.reasons


def test_public_terms_that_the_signed_certification_contradicts_deny_the_claim(net):
    """The exporter anchors its credential for pumps with terms saying motors: the ledger's
    judgement at filing is fooled, customs' check after disclosure is not."""
    keys = net.organization_keys("exporter")
    forged = certification("8413.70").with_credential_id()
    credential = issue_credential(forged.to_credential(keys.admin.did), keys.admin, keys.admin.verification_method)
    refs = {**forged.terms().to_refs(), "hs": "850110"}
    [anchored] = anchor_documents(net, "exporter", [(Path("cert.json"), canonical_bytes(credential))],
                                  "certification_of_origin", refs, share_with=["customs", "importer"])
    number = file_entry(net, "8501.10.4020", anchored.commitment)
    assert entries.find_entry(net.state("importer"), number).lines[0].claim.status == "supported"
    determination = verify_entry(net, number, "terms check", worked("tv-pass"))["determination"]
    assert determination.outcome == "denied"
    assert "the anchored hs is '850110' but the signed certification says '841370'" in \
        determination.certification.problems
    assert "the certification describes no good of HS 850110" in determination.certification.problems


def test_a_credential_signed_by_someone_other_than_the_anchoring_certifier_denies_the_claim(net):
    stranger = KeyPair.generate()
    signed = certification("8501.10").with_credential_id()
    credential = issue_credential(signed.to_credential(stranger.did), stranger, stranger.verification_method)
    [anchored] = anchor_documents(net, "exporter", [(Path("cert.json"), canonical_bytes(credential))],
                                  "certification_of_origin", signed.terms().to_refs(),
                                  share_with=["customs", "importer"])
    number = file_entry(net, "8501.10.4020", anchored.commitment)
    determination = verify_entry(net, number, "issuer check", worked("tv-pass"))["determination"]
    assert determination.outcome == "denied"
    assert f"the credential's issuer {stranger.did} is not a key of exporter, which anchored it" in \
        determination.certification.problems


def test_the_officer_may_overrule_the_assessment_with_a_reason(net):
    issued = flows.certify(net, "exporter", certification("8501.10"), importer="importer")
    number = file_entry(net, "8501.10.4020", issued.commitment)
    verification = flows.open_verification(net, "customs", number, 1, "site visit", parties=("producer",))
    flows.answer_verification(net, "producer", verification, worked("tv-pass"))
    determination = flows.determine_origin(net, "customs", verification, "denied",
                                           "site visit found the motors are assembled in a non-Party").determination
    assert determination.outcome == "denied"
    assert determination.reasons[0] == "Officer: site visit found the motors are assembled in a non-Party"
    assert flows.read_determination(net, "importer", verification) == determination


def test_a_malformed_bill_of_materials_is_refused_before_anything_is_anchored(net, motor):
    size = net.reader.head.log_size
    with pytest.raises(Refused, match="materials\\[0\\].value"):
        flows.answer_verification(net, "producer", motor["verification"], {
            **worked("tv-pass"), "materials": [{"description": "x", "hs": "7318.15", "value": "-1",
                                                "originating": False}]})
    assert net.reader.head.log_size == size


def test_certify_refuses_a_certifier_of_another_role(net):
    with pytest.raises(Refused, match="producer is a producer, but the certification says its "
                                                        "certifier is the exporter"):
        flows.certify(net, "producer", certification("8501.10"), importer="importer")


def test_an_answer_the_contract_would_refuse_is_refused_before_anything_is_anchored(net, motor):
    size = net.reader.head.log_size
    with pytest.raises(Refused, match="already determined; answers are closed"):
        flows.answer_verification(net, "producer", motor["verification"], worked("tv-pass"))
    assert net.reader.head.log_size == size
    issued = flows.certify(net, "exporter", certification("8501.10"), importer="importer")
    verification = flows.open_verification(net, "customs", file_entry(net, "8501.10.4020", issued.commitment),
                                           1, "who answers")
    size = net.reader.head.log_size
    with pytest.raises(Refused, match="is private to its parties .*; broker is not one that answers it"):
        flows.answer_verification(net, "broker", verification, worked("tv-pass"))
    assert net.reader.head.log_size == size


def test_a_verification_is_determined_once(net, motor):
    size = net.reader.head.log_size
    with pytest.raises(Refused, match="already determined"):
        flows.determine_origin(net, "customs", motor["verification"])
    assert net.reader.head.log_size == size


def test_an_overrule_that_is_no_outcome_is_refused_before_any_request_reaches_the_log(net):
    issued = flows.certify(net, "exporter", certification("8501.10"), importer="importer")
    number = file_entry(net, "8501.10.4020", issued.commitment)
    verification = flows.open_verification(net, "customs", number, 1, "site visit")
    size = net.reader.head.log_size
    with pytest.raises(Refused, match="an outcome is eligible or denied"):
        flows.determine_origin(net, "customs", verification, "maybe", "site visit")
    with pytest.raises(Refused, match="officer's reason"):
        flows.determine_origin(net, "customs", verification, "denied", "  ")
    net.sync()
    assert net.reader.head.log_size == size
