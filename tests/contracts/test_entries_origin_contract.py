"""The origin contract end to end on the embedded network: verification of origin of a
claiming line, private to its parties.

Customs (the authority the entry was filed with) opens a verification of a line that
claims USMCA or CAFTA-DR preference, naming its parties, and states the line's claim in
the verification's collection; it notes the access requests it makes for the records,
the parties answer with documents they anchored, and customs records its determination.
Every peer sees that the verification exists, its parties and its status; only the
parties hold the case, and no other organization's store holds a byte of it. While a
verification is open, the entry is not liquidated.
"""

from __future__ import annotations

import datetime
import itertools
from pathlib import Path
from typing import Any

import pytest

from tradeledger.contracts import entries, origin
from tradeledger.domain.entry_number import complete_entry_number
from tradeledger.errors import Refused
from tradeledger.ledger.collections import OUTCOMES, PrivateInput, commit_part, outcomes_prefix
from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.setup import OrgPlan
from tradeledger.workflows import disclosure
from tradeledger.workflows import entries as entry_flows
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
MEMBERS = ("customs", "exporter", "fda", "importer", "producer")
OUTSIDERS = ("customs-west", "importer-other", "epa", "broker")
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


def file_entry(net, certified: str | None) -> str:
    number = str(complete_entry_number(f"ORG-{next(_numbers):07d}"))
    today = TODAY.isoformat()
    entry_flows.file_entry(net, "importer", {
        "entry_number": number, "filed_with": "customs", "importer": "importer", "entry_type": "01",
        "port_code": "2304", "entry_date": today, "imported_on": today, "importer_number": "12-345678900",
        "mode_of_transport": "30", "country_of_export": "MX",
        "lines": [{"line": 1, "description": "electric motors", "hts": "8501.10.4020", "origin": "MX",
                   "entered_value": "28500", "mid": "MXACEDEL450MON", "flags": ["fda"], "spi": "S",
                   **({"certification": certified} if certified else {})}],
        "documents": [{"doc_type": "certification_of_origin", "commitment": certified}] if certified else [],
    })
    return number


def collection(number: str) -> str:
    return origin.verification_collection(origin.verification_id(number, 1, 1))


def open_(net, number: str, certified: str | None, parties=("exporter", "fda", "producer"), who="customs",
          **claim: Any) -> str:
    stated = {"reason": "USMCA verification, marker REASON-5521", "spi": "S", "hts": "8501.10.4020",
              "origin": "MX", "certification": certified, "agencies": ["fda"], **claim}
    net.submit_checked(who, origin.NAMESPACE, "open", {"entry_number": number, "line": 1, "parties": list(parties)},
                       private=[PrivateInput("case", collection(number), stated)])
    return origin.verification_id(number, 1, 1)


def act(net, who: str, action: str, verification: str, part: str | None = None, **payload: Any):
    private = [PrivateInput(part, origin.verification_collection(verification), payload)] if part else []
    return net.submit_checked(who, origin.NAMESPACE, action, {"verification": verification}, private=private)


def snapshot(net) -> tuple[int, dict, dict]:
    return (net.reader.head.log_size, dict(net.state("customs").scan_state(origin.NAMESPACE, "")),
            {name: [(n, k) for n in [origin.NAMESPACE] for k, _ in net.state(name).scan_state(n, "")]
             for name in ("customs", "exporter")})


def refused(net, why: str, call, *args: Any, **kwargs: Any) -> None:
    before = snapshot(net)
    with pytest.raises(Refused, match=why):
        call(net, *args, **kwargs)
    assert snapshot(net) == before


def opened(net) -> tuple[str, str, str]:
    """An entry claiming S on line 1 under the exporter's certification, under verification."""
    certified = certification(net)
    number = file_entry(net, certified)
    return number, certified, open_(net, number, certified)


def folder_bytes(folder: Path) -> bytes:
    """Every byte of the folder's files: SQLite with its WAL and SHM, vault, logs."""
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def org_bytes(net, organization: str) -> bytes:
    return folder_bytes(net.layout.store(organization).parent)


# --- open ------------------------------------------------------------------------------------

def test_every_peer_sees_that_a_verification_exists_and_only_its_parties_hold_its_case(net):
    number, certified, verification = opened(net)
    record = origin.find_verification(net.state("customs"), verification)
    assert record == origin.Verification(verification, number, 1, "customs", "importer",
                                         ("exporter", "fda", "producer"), "open", record.opened_ms)
    for organization in (*MEMBERS, *OUTSIDERS):
        assert origin.find_verification(net.state(organization), verification) == record
        assert origin.verifications_of(net.state(organization), number) == [record]
    case = origin.find_case(net.state("exporter"), verification)
    assert (case.spi, case.agreement, case.certification, case.certifier, case.agencies) == \
        ("S", "USMCA", certified, "exporter", ("fda",))
    for member in MEMBERS:
        assert origin.find_case(net.state(member), verification) == case
    for outsider in OUTSIDERS:
        assert origin.find_case(net.state(outsider), verification) is None
        assert b"REASON-5521" not in org_bytes(net, outsider)
    assert b"REASON-5521" in org_bytes(net, "producer")
    assert b"REASON-5521" not in folder_bytes(net.layout.orderer.parent)


def test_only_the_customs_authority_the_entry_was_filed_with_verifies_it(net):
    number = file_entry(net, certification(net))
    refused(net, "only customs, the customs authority the entry was filed with", open_, number, None,
            who="customs-west")
    refused(net, "role importer.*may not open", open_, number, None, who="importer")
    refused(net, "no entry .* is filed", open_, str(complete_entry_number("ORG-9999999")), None)


def test_the_parties_are_exporters_producers_and_flagged_agencies(net):
    number = file_entry(net, None)
    refused(net, "broker is a broker", open_, number, None, parties=("broker",))
    refused(net, "not flagged to epa", open_, number, None, parties=("epa",))
    refused(net, "name each party once", open_, number, None, parties=("fda", "fda"))


def test_the_claim_stated_in_the_payload_is_judged_by_the_parties_and_refused_with_its_reason(net):
    certified = certification(net)
    number = file_entry(net, certified)
    refused(net, "claims no USMCA or CAFTA-DR preference", open_, number, certified, spi="A")
    refused(net, "exporter, the certifier, is not a party", open_, number, certified, parties=("fda",))
    refused(net, "state the reason in 3 to 500 characters", open_, number, certified, reason="")
    refused(net, "is not anchored", open_, number, "ab" * 32)


def test_a_line_is_under_one_open_verification_at_a_time(net):
    number, certified, _verification = opened(net)
    refused(net, "already under verification", open_, number, certified)


def test_a_claim_without_a_certification_can_be_verified_and_has_no_certifier(net):
    number = file_entry(net, None)
    verification = open_(net, number, None, parties=("fda",))
    case = origin.find_case(net.state("fda"), verification)
    assert (case.certification, case.certifier) == (None, None)
    assert origin.find_case(net.state("exporter"), verification) is None


# --- requests and answers -----------------------------------------------------------------------

def access_request(net, requester: str, commitment: str) -> str:
    return disclosure.request(net, requester, commitment, "verification of origin").request_id


def test_customs_notes_its_requests_in_the_collection(net):
    _number, certified, verification = opened(net)
    request = access_request(net, "customs", certified)
    act(net, "customs", "request", verification, "requests", requests=[{"request": request, "commitment": certified}])
    [noted] = origin.find_case(net.state("exporter"), verification).requests
    assert (noted.request, noted.commitment, noted.owner, noted.doc_type) == \
        (request, certified, "exporter", "certification_of_origin")
    assert origin.find_case(net.state("broker"), verification) is None
    refused(net, "already noted", act, "customs", "request", verification, "requests",
            requests=[{"request": request, "commitment": certified}])
    refused(net, "only customs, which opened the verification", act, "customs-west", "request", verification,
            "requests", requests=[{"request": "r2", "commitment": certified}])
    stray = anchor(net, "broker", "packing_list", {})
    refused(net, "broker is not a party to it", act, "customs", "request", verification, "requests",
            requests=[{"request": "r3", "commitment": stray}])


def bill_of_materials(net, owner: str, verification: str, doc_type: str = "bill_of_materials") -> str:
    return anchor(net, owner, doc_type, {"verification": verification})


def test_each_party_asked_answers_with_its_own_document(net):
    _number, _certified, verification = opened(net)
    for who in ("producer", "exporter", "importer"):
        act(net, who, "answer", verification, "answer", commitment=bill_of_materials(net, who, verification))
    assert origin.find_verification(net.state("broker"), verification).status == "answered"
    case = origin.find_case(net.state("importer"), verification)
    assert [a.by for a in case.answers] == ["producer", "exporter", "importer"]


def test_an_answer_is_refused_from_others_or_with_a_document_that_is_not_theirs_or_not_for_it(net):
    _number, _certified, verification = opened(net)
    refused(net, "the parties asked .* answer; not importer-other", act, "importer-other", "answer", verification,
            "answer", commitment=bill_of_materials(net, "importer-other", verification))
    refused(net, "role broker.*may not answer", act, "broker", "answer", verification, "answer",
            commitment=bill_of_materials(net, "broker", verification))
    refused(net, "this one is exporter's", act, "producer", "answer", verification, "answer",
            commitment=bill_of_materials(net, "exporter", verification))
    refused(net, "not a packing_list", act, "producer", "answer", verification, "answer",
            commitment=bill_of_materials(net, "producer", verification, "packing_list"))
    refused(net, f"reference verification={verification}", act, "producer", "answer", verification, "answer",
            commitment=anchor(net, "producer", "bill_of_materials", {"verification": "another"}))
    refused(net, "no verification of origin", act, "producer", "answer", "nope", "answer",
            commitment=bill_of_materials(net, "producer", "nope"))
    refused(net, "the answer travels as one private part", act, "producer", "answer", verification)


# --- determine ---------------------------------------------------------------------------------

def determination(number: str, verification: str, **changes: Any) -> dict[str, Any]:
    return {"format": "tradeledger-origin-determination/1", "verification": verification, "entry_number": number,
            "line": 1, "hts": "8501.10.4020", "agreement": "USMCA", "spi": "S", "importer": "importer",
            "certifier": "exporter", "outcome": "denied", "reasons": ["Denied: marker OUTCOME-8830"],
            "certification": None, "origin_result": None, "decided_by": "customs", **changes}


def test_customs_records_the_determination_for_the_parties_alone(net):
    number, _certified, verification = opened(net)
    act(net, "customs", "determine", verification, "determination",
        determination=determination(number, verification))
    record = origin.find_verification(net.state("epa"), verification)
    assert record.status == "determined" and record.determined_ms is not None
    for member in MEMBERS:
        assert origin.find_case(net.state(member), verification).determination.outcome == "denied"
    for outsider in OUTSIDERS:
        assert b"OUTCOME-8830" not in org_bytes(net, outsider)
    assert b"OUTCOME-8830" in org_bytes(net, "fda")
    assert b"OUTCOME-8830" not in folder_bytes(net.layout.orderer.parent)
    assert net.state("broker").get_state(origin.NAMESPACE, entries.open_verification_key(number, 1)) is None
    refused(net, "already determined", act, "customs", "determine", verification, "determination",
            determination=determination(number, verification))
    refused(net, "already determined", act, "producer", "answer", verification, "answer",
            commitment=bill_of_materials(net, "producer", verification))


def test_a_determination_of_another_claim_or_by_another_is_refused(net):
    number, _certified, verification = opened(net)
    for why, changes in (("of another verification", {"line": 2}), ("of another claim", {"hts": "8413.70.2004"}),
                         ("not customs-west's", {"decided_by": "customs-west"}),
                         ("states its reasons", {"reasons": []}), ("not readable", {"format": "x/1"})):
        refused(net, why, act, "customs", "determine", verification, "determination",
                determination=determination(number, verification, **changes))
    refused(net, "only customs, which opened the verification", act, "customs-west", "determine", verification,
            "determination", determination=determination(number, verification))


def test_an_open_verification_holds_liquidation_until_it_is_determined(net):
    number, _certified, verification = opened(net)
    entry_flows.decide_entry(net, "customs", "accept", number)
    with pytest.raises(Refused, match="open verification of origin on line 1; determine it before liquidating"):
        entry_flows.decide_entry(net, "customs", "liquidate", number)
    act(net, "customs", "determine", verification, "determination", determination=determination(number, verification))
    entry_flows.decide_entry(net, "customs", "liquidate", number)
    assert entries.find_filing(net.state("customs"), number).status == "liquidated"


# --- a case its parties refuse -------------------------------------------------------------------

def test_a_case_the_parties_refuse_leaves_the_public_record_and_its_later_parts_are_refused_too(net):
    """Customs skips its own preview: the public part stands (no other peer could judge the
    payload), each party keeps its refusal as its verdict, and no party holds a case."""
    number = file_entry(net, None)
    verification = origin.verification_id(number, 1, 1)
    part = commit_part(PrivateInput("case", collection(number), {
        "reason": "skipped preview", "spi": "A", "hts": "8501.10.4020", "origin": "MX", "agencies": ["fda"]}))
    envelope = net.sign("customs", origin.NAMESPACE, "open", {"entry_number": number, "line": 1, "parties": ["fda"]},
                        private=[part.part])
    net.deliver("customs", [part.payload(envelope.txid)], {("case", collection(number)): ("customs", "fda",
                                                                                          "importer")})
    [receipt] = net.submit([envelope])
    assert receipt.valid is True
    assert origin.find_verification(net.state("broker"), verification).status == "open"
    for member in ("customs", "fda", "importer"):
        assert origin.find_case(net.state(member), verification) is None
        verdicts = [v for _key, v in net.state(member).scan_state(OUTCOMES, outcomes_prefix(origin.NAMESPACE,
                                                                                           collection(number)))]
        assert [(v["valid"], "claims no USMCA or CAFTA-DR preference" in v["reason"]) for v in verdicts] == \
            [(False, True)]
    with pytest.raises(Refused, match="holds no case of the verification"):
        act(net, "customs", "determine", verification, "determination",
            determination=determination(number, verification))
