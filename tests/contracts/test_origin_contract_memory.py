"""The origin contract on plain data: every action run by the in-memory harness, without
keys, blocks or a store (the end-to-end twin is test_entries_origin_contract.py).

The verification record is typed (`Verification`), keyed by composite keys, and reads back
from its stored form exactly as it was written; a refused action changes nothing.
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import pytest

from tradeledger.contracts import default_contracts, entries, origin
from tradeledger.contracts.origin import NotedAnswer, NotedRequest, Verification
from tradeledger.domain.entry_number import complete_entry_number
from tradeledger.domain.origin.errors import OriginRecordError
from tradeledger.errors import Refused
from tradeledger.ledger.authority import REGISTRY, org_key
from tradeledger.ledger.contract import Event, Signer
from tradeledger.ledger.keys import split_key
from tradeledger.ledger.memory import ContractHarness, MemoryState

NOW = datetime.datetime(2026, 3, 2, 12, tzinfo=datetime.UTC)
NOW_MS = int(NOW.timestamp() * 1000)
ROLES = {"customs": "customs", "customs-west": "customs", "importer": "importer", "exporter": "exporter",
         "producer": "producer", "fda": "agency", "broker": "broker"}
SIGNERS = {name: Signer(f"did:key:z{name}", name, role, "admin", True) for name, role in ROLES.items()}
_commitments = (f"{n:064x}" for n in itertools.count(1))
_numbers = itertools.count(1)


@pytest.fixture
def ledger() -> ContractHarness:
    state = MemoryState({(REGISTRY, org_key(name)): {"name": name, "role": role, "display_name": name,
                                                     "status": "active", "since_ms": 0}
                         for name, role in ROLES.items()})
    return ContractHarness(default_contracts(), state)


def run(ledger: ContractHarness, who: str, contract: str, action: str, commitments: tuple[str, ...] = (),
        **args: Any) -> list[Event]:
    return ledger.run(SIGNERS[who], contract, action, args, commitments, time_ms=NOW_MS)


def anchor(ledger: ContractHarness, owner: str, doc_type: str, refs: dict[str, str]) -> str:
    commitment = next(_commitments)
    run(ledger, owner, "documents", "anchor", (commitment,), doc_type=doc_type, refs=refs)
    return commitment


def opened(ledger: ContractHarness) -> tuple[str, str, Verification]:
    """An entry claiming S on line 1 under the exporter's certification, under verification."""
    certified = anchor(ledger, "exporter", "certification_of_origin", {
        "agreement": "USMCA", "certifier_role": "exporter", "hs": "850110", "certified_on": "2026-01-01",
        "blanket_from": "2026-01-01", "blanket_to": "2026-12-31"})
    number = str(complete_entry_number(f"MEM-{next(_numbers):07d}"))
    run(ledger, "importer", entries.NAMESPACE, "file", entry_number=number, filed_with="customs", importer="importer",
        entry_type="01", port_code="2304", entry_date="2026-03-02", imported_on="2026-03-02",
        importer_number="12-345678900", mode_of_transport="30", country_of_export="MX",
        lines=[{"line": 1, "description": "electric motors", "hts": "8501.10.4020", "origin": "MX",
                "entered_value": "28500", "mid": "MXACEDEL450MON", "flags": ["fda"], "spi": "S",
                "certification": certified}],
        documents=[{"doc_type": "certification_of_origin", "commitment": certified}])
    run(ledger, "customs", origin.NAMESPACE, "open", entry_number=number, line=1, reason="USMCA verification")
    [verification] = origin.verifications_of(ledger.state, number)
    return number, certified, verification


def refused(ledger: ContractHarness, who: str, action: str, why: str, **args: Any) -> None:
    before = dict(ledger.state.rows)
    with pytest.raises(Refused, match=why):
        run(ledger, who, origin.NAMESPACE, action, **args)
    assert ledger.state.rows == before


def test_opening_writes_a_typed_verification_under_composite_keys(ledger):
    number, certified, verification = opened(ledger)
    assert (verification.entry_number, verification.line, verification.agreement, verification.certification,
            verification.certifier, verification.importer, verification.customs, verification.agencies,
            verification.status) == (number, 1, "USMCA", certified, "exporter", "importer", "customs", ("fda",),
                                     "open")
    keys = sorted(split_key(key) for (namespace, key) in ledger.state.rows if namespace == origin.NAMESPACE
                  and key != entries.open_verification_key(number, 1))
    assert keys == [("of_entry", (number, "1", verification.id)), ("verification", (verification.id,))]
    assert origin.find_verification(ledger.state, verification.id) == verification
    assert origin.all_verifications(ledger.state) == [verification]


def test_a_verification_reads_back_from_its_stored_form_exactly():
    verification = Verification(
        "v1", "MEM-0000001-2", 1, "S", "USMCA", "8501.10.4020", "ab" * 32, "exporter", "importer", "customs",
        ("fda",), 1, "why", origin.DETERMINED, 5, (NotedRequest("r1", "ab" * 32, "exporter", "c", 6),),
        (NotedAnswer("producer", "cd" * 32, "bill_of_materials", 7, "t1"),), "ef" * 32, ("exporter", "fda"), 8)
    assert Verification.from_dict(verification.to_dict()) == verification
    with pytest.raises(OriginRecordError, match="not a verification record"):
        Verification.from_dict({**verification.to_dict(), "answers": None})


def test_the_audience_is_the_importer_the_certifier_and_the_agencies_never_customs(ledger):
    _number, _certified, verification = opened(ledger)
    assert verification.entitled_readers == ("exporter", "fda", "importer")


def test_requests_answers_and_the_determination_on_plain_data(ledger):
    _number, certified, verification = opened(ledger)
    [requested] = run(ledger, "customs", "access", "request", commitment=certified, purpose="verification of origin")
    request_id = requested.data["request"]
    run(ledger, "customs", origin.NAMESPACE, "request", verification=verification.id, requests=[request_id])
    refused(ledger, "customs", "request", "already noted", verification=verification.id, requests=[request_id])
    answer = anchor(ledger, "producer", "bill_of_materials", {"verification": verification.id})
    run(ledger, "producer", origin.NAMESPACE, "answer", verification=verification.id, commitment=answer)
    refused(ledger, "broker", "answer", "role broker.*may not answer", verification=verification.id,
            commitment=anchor(ledger, "broker", "bill_of_materials", {"verification": verification.id}))
    determination = anchor(ledger, "customs", origin.DETERMINATION_DOC_TYPE, {"verification": verification.id})
    refused(ledger, "customs", "determine", "exporter is entitled to the determination but cannot read it",
            verification=verification.id, commitment=determination)
    for party in verification.entitled_readers:
        run(ledger, "customs", "access", "grant", grantee=party, commitment=determination, purpose="determination")
    refused(ledger, "customs-west", "determine", "only customs, which opened the verification",
            verification=verification.id, commitment=determination)
    run(ledger, "customs", origin.NAMESPACE, "determine", verification=verification.id, commitment=determination)
    record = origin.find_verification(ledger.state, verification.id)
    assert record is not None
    assert [(r.request, r.owner, r.doc_type) for r in record.requests] == \
        [(request_id, "exporter", "certification_of_origin")]
    assert [(a.by, a.commitment) for a in record.answers] == [("producer", answer)]
    assert (record.status, record.determination, record.audience) == \
        (origin.DETERMINED, determination, ("exporter", "fda", "importer"))
    assert ledger.state.get_state(origin.NAMESPACE, entries.open_verification_key(record.entry_number, 1)) is None


def test_a_determination_another_organization_could_read_is_refused_and_changes_nothing(ledger):
    _number, _certified, verification = opened(ledger)
    determination = anchor(ledger, "customs", origin.DETERMINATION_DOC_TYPE, {"verification": verification.id})
    for party in (*verification.entitled_readers, "broker"):
        run(ledger, "customs", "access", "grant", grantee=party, commitment=determination, purpose="determination")
    refused(ledger, "customs", "determine", "broker could read the determination but is not entitled",
            verification=verification.id, commitment=determination)
