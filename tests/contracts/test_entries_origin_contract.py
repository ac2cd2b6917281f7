"""The origin contract (issue 6, item 5): verification of origin of a claiming line.

Customs (the authority the entry was filed with) opens a verification of a line that
claims USMCA or CAFTA-DR preference, notes the access requests it makes for the records,
receives answers (a bill-of-materials case the answerer anchored and granted), and records
that it determined the claim. The ledger never holds the outcome: the determination is a
document in customs' vault, and `determine` accepts it only when exactly the importer, the
certifier and the agencies the line is flagged for can read it. While a verification is
open, the entry is not liquidated.
"""

from __future__ import annotations

import datetime
import itertools
from pathlib import Path
from typing import Any

import pytest
from _entries import submit as submit_entry

from tradeledger.contracts import access, entries, origin
from tradeledger.domain.entry_number import complete_entry_number
from tradeledger.errors import Refused
from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.setup import OrgPlan
from tradeledger.workflows.documents import anchor_documents

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
TODAY = datetime.datetime.fromtimestamp(now_ms() / 1000, datetime.UTC).date()
YEAR = str(TODAY.year)
_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    directory = tmp_path_factory.mktemp("origin") / "net"
    create_network(directory, ORGANIZATIONS)
    with EmbeddedNetwork(directory) as network:
        yield network


def anchor(net, owner: str, doc_type: str, refs: dict[str, str]) -> str:
    [result] = anchor_documents(net, owner, [(Path("doc.json"), f"{doc_type} {next(_numbers)}".encode())],
                                doc_type, refs)
    assert result.receipt.valid is True
    return result.commitment


def certification(net) -> str:
    return anchor(net, "exporter", "certification_of_origin", {
        "agreement": "USMCA", "certifier_role": "exporter", "hs": "850110", "certified_on": f"{YEAR}-01-01",
        "blanket_from": f"{YEAR}-01-01", "blanket_to": f"{YEAR}-12-31"})


def file_entry(net, certified: str | None, spi: str | None = "S") -> str:
    number = str(complete_entry_number(f"ORG-{next(_numbers):07d}"))
    today = TODAY.isoformat()
    claim = {"spi": spi} if spi else {}
    submit_entry(net, "importer", "file", {
        "entry_number": number, "filed_with": "customs", "importer": "importer", "entry_type": "01",
        "port_code": "2304", "entry_date": today, "imported_on": today, "importer_number": "12-345678900",
        "mode_of_transport": "30", "country_of_export": "MX",
        "lines": [{"line": 1, "description": "electric motors", "hts": "8501.10.4020", "origin": "MX",
                   "entered_value": "28500", "mid": "MXACEDEL450MON", "flags": ["fda"], **claim,
                   **({"certification": certified} if certified else {})},
                  {"line": 2, "description": "motor parts", "hts": "8503.00.9545", "origin": "MX",
                   "entered_value": "900", "mid": "MXACEDEL450MON"}],
        "documents": [{"doc_type": "certification_of_origin", "commitment": certified}] if certified else [],
    })
    return number


def submit(net, organization: str, action: str, **args: Any) -> str:
    return net.submit_checked(organization, origin.NAMESPACE, action, args).txid


def snapshot(net) -> tuple[int, dict]:
    return net.reader.head.log_size, dict(net.state("customs").scan_state(origin.NAMESPACE, ""))


def refused(net, organization: str, action: str, why: str, **args: Any) -> None:
    before = snapshot(net)
    with pytest.raises(Refused, match=why):
        net.submit_checked(organization, origin.NAMESPACE, action, args)
    assert snapshot(net) == before


def opened(net) -> tuple[str, str, str]:
    """An entry claiming S on line 1 under the exporter's certification, under verification."""
    certified = certification(net)
    number = file_entry(net, certified)
    verification = submit(net, "customs", "open", entry_number=number, line=1, reason="USMCA verification")
    return number, certified, verification


def determination(net, verification: str, refs: dict[str, str] | None = None, grant_to=("importer", "exporter", "fda"),
                  owner: str = "customs") -> str:
    commitment = anchor(net, owner, origin.DETERMINATION_DOC_TYPE, refs or {"verification": verification})
    for party in grant_to:
        net.submit_checked(owner, access.NAMESPACE, "grant",
                           {"grantee": party, "commitment": commitment, "purpose": "determination"})
    return commitment


# --- open ------------------------------------------------------------------------------------

def test_customs_opens_a_verification_of_a_claiming_line(net):
    number, certified, verification = opened(net)
    record = origin.find_verification(net.state("customs"), verification)
    stored = record.to_dict()
    assert {k: stored[k] for k in ("entry_number", "line", "spi", "agreement", "hts", "certification", "certifier",
                                   "importer", "customs", "agencies", "status", "answers", "determination")} == {
        "entry_number": number, "line": 1, "spi": "S", "agreement": "USMCA", "hts": "8501.10.4020",
        "certification": certified, "certifier": "exporter", "importer": "importer", "customs": "customs",
        "agencies": ["fda"], "status": "open", "answers": [], "determination": None}
    assert origin.verifications_of(net.state("customs"), number) == [record]


def test_only_the_customs_authority_the_entry_was_filed_with_verifies_it(net):
    number = file_entry(net, certification(net))
    refused(net, "customs-west", "open", "only customs, the customs authority the entry was filed with",
            entry_number=number, line=1, reason="USMCA verification")
    refused(net, "importer", "open", "role importer.*may not open", entry_number=number, line=1,
            reason="USMCA verification")


def test_only_a_line_claiming_usmca_or_cafta_dr_is_verified(net):
    number = file_entry(net, certification(net))
    refused(net, "customs", "open", "line 2 claims no USMCA or CAFTA-DR preference", entry_number=number, line=2,
            reason="USMCA verification")
    refused(net, "customs", "open", "has no line 3", entry_number=number, line=3, reason="USMCA verification")
    refused(net, "customs", "open", "no entry .* is filed", entry_number=str(complete_entry_number("ORG-9999999")),
            line=1, reason="USMCA verification")
    refused(net, "customs", "open", "state the reason", entry_number=number, line=1, reason="")


def test_a_line_is_under_one_open_verification_at_a_time(net):
    number, _certified, _verification = opened(net)
    refused(net, "customs", "open", "already under verification", entry_number=number, line=1,
            reason="USMCA verification")


def test_a_claim_without_a_certification_can_be_verified_and_has_no_certifier(net):
    number = file_entry(net, None)
    verification = submit(net, "customs", "open", entry_number=number, line=1, reason="no certification held")
    record = origin.find_verification(net.state("customs"), verification)
    assert (record.certification, record.certifier) == (None, None)
    assert record.entitled_readers == ("fda", "importer")


# --- requests and answers -----------------------------------------------------------------------

def test_customs_notes_its_requests_for_the_verifications_records(net):
    _number, certified, verification = opened(net)
    request = act_request(net, "customs", certified)
    submit(net, "customs", "request", verification=verification, requests=[request])
    [noted] = origin.find_verification(net.state("customs"), verification).requests
    assert (noted.request, noted.commitment, noted.owner, noted.doc_type) == \
        (request, certified, "exporter", "certification_of_origin")
    refused(net, "customs", "request", "already noted", verification=verification, requests=[request])


def act_request(net, requester: str, commitment: str) -> str:
    return net.submit_checked(requester, access.NAMESPACE, "request",
                              {"commitment": commitment, "purpose": "verification of origin"}).txid


def test_only_customs_requests_and_only_the_verifications_records(net):
    _number, certified, verification = opened(net)
    other = certification(net)
    refused(net, "customs", "request", "not a record of this verification", verification=verification,
            requests=[act_request(net, "customs", other)])
    refused(net, "customs", "request", "no access request .* by customs", verification=verification,
            requests=[act_request(net, "broker", certified)])
    refused(net, "customs-west", "request", "only customs, which opened the verification", verification=verification,
            requests=[act_request(net, "customs-west", certified)])


def bill_of_materials(net, owner: str, verification: str, doc_type: str = "bill_of_materials") -> str:
    return anchor(net, owner, doc_type, {"verification": verification})


def test_the_importer_the_certifier_or_a_producer_answers_with_its_own_document(net):
    _number, _certified, verification = opened(net)
    for who in ("producer", "exporter", "importer"):
        commitment = bill_of_materials(net, who, verification)
        submit(net, who, "answer", verification=verification, commitment=commitment)
    record = origin.find_verification(net.state("customs"), verification)
    assert record.status == "answered"
    assert [a.by for a in record.answers] == ["producer", "exporter", "importer"]


def test_an_answer_is_refused_from_others_or_with_a_document_that_is_not_theirs_or_not_for_it(net):
    _number, _certified, verification = opened(net)
    refused(net, "importer-other", "answer", "the importer .importer., the certifier or a producer answers",
            verification=verification, commitment=bill_of_materials(net, "importer-other", verification))
    refused(net, "broker", "answer", "role broker.*may not answer", verification=verification,
            commitment=bill_of_materials(net, "broker", verification))
    refused(net, "producer", "answer", "this one is exporter's", verification=verification,
            commitment=bill_of_materials(net, "exporter", verification))
    refused(net, "producer", "answer", "an answer is a bill_of_materials or an origin_records, not a packing_list",
            verification=verification, commitment=bill_of_materials(net, "producer", verification, "packing_list"))
    refused(net, "producer", "answer", f"anchor the answer with the reference verification={verification}",
            verification=verification,
            commitment=anchor(net, "producer", "bill_of_materials", {"verification": "another"}))
    refused(net, "producer", "answer", "no verification of origin", verification="nope",
            commitment=bill_of_materials(net, "producer", "nope"))


# --- determine ---------------------------------------------------------------------------------

def test_customs_records_a_determination_that_exactly_its_audience_can_read(net):
    number, _certified, verification = opened(net)
    commitment = determination(net, verification)
    submit(net, "customs", "determine", verification=verification, commitment=commitment)
    record = origin.find_verification(net.state("customs"), verification)
    assert (record.status, record.determination, record.audience) == \
        ("determined", commitment, ("exporter", "fda", "importer"))
    assert not {"outcome", "eligible", "denied", "reasons"} & set(record.to_dict()), "the outcome stays off the ledger"
    assert net.state("customs").get_state(origin.NAMESPACE, entries.open_verification_key(number, 1)) is None
    refused(net, "customs", "determine", "already determined", verification=verification, commitment=commitment)
    refused(net, "producer", "answer", "already determined", verification=verification,
            commitment=bill_of_materials(net, "producer", verification))


def test_a_determination_some_party_cannot_read_is_refused(net):
    _number, _certified, verification = opened(net)
    commitment = determination(net, verification, grant_to=("importer", "exporter"))
    refused(net, "customs", "determine", "fda is entitled to the determination but cannot read it",
            verification=verification, commitment=commitment)


def test_a_determination_someone_else_could_read_is_refused(net):
    _number, _certified, verification = opened(net)
    commitment = determination(net, verification, grant_to=("importer", "exporter", "fda", "broker", "epa"))
    refused(net, "customs", "determine", "broker, epa could read the determination but is not entitled",
            verification=verification, commitment=commitment)


def test_a_determination_anchored_with_an_entry_reference_is_refused(net):
    """An entry reference would let every agency flagged on the entry read it by default rule."""
    number, _certified, verification = opened(net)
    commitment = determination(net, verification, refs={"verification": verification, "entry": number})
    refused(net, "customs", "determine", "only the reference verification=", verification=verification,
            commitment=commitment)


def test_the_determination_is_customs_own_document_of_its_type(net):
    _number, _certified, verification = opened(net)
    theirs = anchor(net, "importer", origin.DETERMINATION_DOC_TYPE, {"verification": verification})
    refused(net, "customs", "determine", "an origin_determination anchored by customs", verification=verification,
            commitment=theirs)
    refused(net, "customs-west", "determine", "only customs, which opened the verification",
            verification=verification, commitment=theirs)


def test_an_open_verification_holds_liquidation_until_it_is_determined(net):
    number, _certified, verification = opened(net)
    submit_entry(net, "customs", "accept", {"entry_number": number, "reason": ""})
    with pytest.raises(Refused, match="open verification of origin on line 1; determine it before liquidating"):
        submit_entry(net, "customs", "liquidate", {"entry_number": number, "reason": ""})
    submit(net, "customs", "determine", verification=verification, commitment=determination(net, verification))
    submit_entry(net, "customs", "liquidate", {"entry_number": number, "reason": ""})
    assert entries.find_entry(net.state("customs"), number).status == "liquidated"
