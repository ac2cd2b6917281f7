"""The origin contract on plain data: every action and its private parts run by the
in-memory harness, without keys, blocks or a store (the end-to-end twin is
test_entries_origin_contract.py).

Public state holds that a verification exists, its parties and its status; the case (the
claim, the requests, the answers, the determination) sits in the verification's private
namespace. Records are typed and read back exactly; a refused action changes nothing.
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import pytest

from tradeledger.contracts import default_contracts, entries, origin
from tradeledger.contracts.origin import NotedAnswer, NotedRequest, Verification, VerificationCase
from tradeledger.domain.entry_number import complete_entry_number
from tradeledger.domain.origin.determination import Determination
from tradeledger.domain.origin.errors import OriginRecordError
from tradeledger.errors import Refused
from tradeledger.ledger.authority import REGISTRY, org_key
from tradeledger.ledger.collections import PrivateInput, membership_key
from tradeledger.ledger.contract import Event, Signer
from tradeledger.ledger.keys import split_key
from tradeledger.ledger.memory import ContractHarness, MemoryState
from tradeledger.workflows import entries as entry_flows

NOW = datetime.datetime(2026, 3, 2, 12, tzinfo=datetime.UTC)
NOW_MS = int(NOW.timestamp() * 1000)
ROLES = {"customs": "customs", "customs-west": "customs", "importer": "importer", "exporter": "exporter",
         "producer": "producer", "fda": "agency", "epa": "agency", "broker": "broker"}
SIGNERS = {name: Signer(f"did:key:z{name}", name, role, "admin", True) for name, role in ROLES.items()}
REASON = "USMCA verification, marker reason 7741"
_commitments = (f"{n:064x}" for n in itertools.count(1))
_numbers = itertools.count(1)


@pytest.fixture
def ledger() -> ContractHarness:
    state = MemoryState({(REGISTRY, org_key(name)): {"name": name, "role": role, "display_name": name,
                                                     "status": "active", "since_ms": 0}
                         for name, role in ROLES.items()})
    return ContractHarness(default_contracts(), state)


def run(ledger: ContractHarness, who: str, contract: str, action: str, commitments: tuple[str, ...] = (),
        private: tuple[PrivateInput, ...] = (), **args: Any) -> list[Event]:
    return ledger.run(SIGNERS[who], contract, action, args, commitments, time_ms=NOW_MS, private=private)


def anchor(ledger: ContractHarness, owner: str, doc_type: str, refs: dict[str, str]) -> str:
    commitment = next(_commitments)
    run(ledger, owner, "documents", "anchor", (commitment,), doc_type=doc_type, refs=refs)
    return commitment


def file_entry(ledger: ContractHarness, certified: str) -> str:
    number = str(complete_entry_number(f"MEM-{next(_numbers):07d}"))
    summary = {
        "entry_type": "01", "port_code": "2304", "entry_date": "2026-03-02", "imported_on": "2026-03-02",
        "importer_number": "12-345678900", "mode_of_transport": "30", "country_of_export": "MX",
        "lines": [{"line": 1, "description": "electric motors", "hts": "8501.10.4020", "origin": "MX",
                   "entered_value": "28500", "mid": "MXACEDEL450MON", "flags": ["fda"], "spi": "S",
                   "certification": certified}],
        "documents": [{"doc_type": "certification_of_origin", "commitment": certified}]}
    parties = {"entry_number": number, "filed_with": "customs", "importer": "importer"}
    filing_inputs = getattr(entry_flows, "filing_inputs", None)
    if filing_inputs is None:  # an entries contract that keeps the summary public
        run(ledger, "importer", entries.NAMESPACE, "file", **parties, **summary)
    else:  # the summary in the entry's collection, the public arguments beside it
        flagged, private = filing_inputs(number, summary)
        run(ledger, "importer", entries.NAMESPACE, "file", private=tuple(private), **parties,
            flagged_agencies=flagged)
    return number


def claim(certified: str | None, **changes: Any) -> dict[str, Any]:
    return {"reason": REASON, "spi": "S", "hts": "8501.10.4020", "origin": "MX", "certification": certified,
            "agencies": ["fda"], **changes}


def open_args(number: str, parties: list[str] | None = None, **changes: Any) -> dict[str, Any]:
    verification = origin.next_verification_id(MemoryState(), number, 1)
    return {"entry_number": number, "line": 1, "parties": ["exporter", "fda"] if parties is None else parties,
            "private": (PrivateInput(origin.CASE_PART, origin.verification_collection(verification),
                                     claim(changes.pop("certified", None), **changes)),)}


def opened(ledger: ContractHarness) -> tuple[str, str, Verification]:
    """An entry claiming S on line 1 under the exporter's certification, under verification."""
    certified = anchor(ledger, "exporter", "certification_of_origin", {})  # its terms are no concern here
    number = file_entry(ledger, certified)
    run(ledger, "customs", origin.NAMESPACE, "open", **open_args(number, certified=certified))
    [verification] = origin.verifications_of(ledger.state, number)
    return number, certified, verification


def part(verification: Verification, name: str, **payload: Any) -> tuple[PrivateInput, ...]:
    return (PrivateInput(name, verification.collection, payload),)


def refused(ledger: ContractHarness, who: str, action: str, why: str, **args: Any) -> None:
    before = dict(ledger.state.rows)
    with pytest.raises(Refused, match=why):
        run(ledger, who, origin.NAMESPACE, action, **args)
    assert ledger.state.rows == before


def case_of(ledger: ContractHarness, verification: Verification) -> VerificationCase:
    found = origin.find_case(ledger.state, verification.id)
    assert found is not None
    return found


def determination(record: Verification, **changes: Any) -> dict[str, Any]:
    return {"format": "tradeledger-origin-determination/1", "verification": record.id,
            "entry_number": record.entry_number, "line": 1, "hts": "8501.10.4020", "agreement": "USMCA",
            "spi": "S", "importer": "importer", "certifier": "exporter", "outcome": "denied",
            "reasons": ["Denied: marker reason 9913"], "certification": None, "origin_result": None,
            "decided_by": "customs", **changes}


def test_opening_keeps_the_parties_public_and_the_claim_in_the_collection(ledger):
    number, certified, verification = opened(ledger)
    assert verification == Verification(f"{number}:1:1", number, 1, "customs", "importer", ("exporter", "fda"),
                                        "open", NOW_MS)
    assert verification.members == ("customs", "exporter", "fda", "importer")
    assert ledger.state.get_state(origin.NAMESPACE, membership_key(verification.collection))["members"] == \
        list(verification.members)
    case = case_of(ledger, verification)
    assert (case.spi, case.agreement, case.hts, case.origin, case.certification, case.certifier, case.agencies,
            case.reason) == ("S", "USMCA", "8501.10.4020", "MX", certified, "exporter", ("fda",), REASON)
    public = sorted(split_key(key) for (namespace, key) in ledger.state.rows if namespace == origin.NAMESPACE
                    and not key.startswith(("open/", "collection/")))
    assert public == [("of_entry", (number, "1", verification.id)), ("verification", (verification.id,))]
    public_bytes = repr({k: v for k, v in ledger.state.rows.items() if "#" not in k[0]
                         and k[0] != entries.NAMESPACE})
    assert "7741" not in public_bytes and certified not in repr(
        {k: v for k, v in ledger.state.rows.items() if k[0] == origin.NAMESPACE})
    assert origin.find_verification(ledger.state, verification.id) == verification
    assert origin.all_verifications(ledger.state) == [verification]


def test_records_read_back_from_their_stored_form_exactly(ledger):
    verification = Verification("N:1:1", "MEM-0000001-2", 1, "customs", "importer", ("exporter",), "determined", 5, 8)
    assert Verification.from_dict(verification.to_dict()) == verification
    case = VerificationCase(
        "N:1:1", "S", "USMCA", "8501.10.4020", "MX", "ab" * 32, "exporter", ("fda",), 1, "why",
        (NotedRequest("r1", "ab" * 32, "exporter", "c", 6),),
        (NotedAnswer("producer", "cd" * 32, "bill_of_materials", 7, "t1"),),
        Determination.from_dict(determination(verification)))
    assert VerificationCase.from_dict(case.to_dict()) == case
    with pytest.raises(OriginRecordError, match="not a verification case record"):
        VerificationCase.from_dict({**case.to_dict(), "answers": None})
    with pytest.raises(OriginRecordError, match="not a verification record"):
        Verification.from_dict({**verification.to_dict(), "parties": None})


def test_opening_is_refused_with_a_reason_and_writes_nothing(ledger):
    number, certified, _verification = opened(ledger)
    other = file_entry(ledger, certified)
    refused(ledger, "customs-west", "open", "only customs, the customs authority", **open_args(other))
    refused(ledger, "customs", "open", "already under verification", **open_args(number))
    refused(ledger, "customs", "open", "broker is a broker", **open_args(other, ["exporter", "broker"]))
    refused(ledger, "customs", "open", "not flagged to epa", **open_args(other, ["exporter", "epa"]))
    refused(ledger, "customs", "open", "importer is a member of every verification",
            **open_args(other, ["importer"]))
    refused(ledger, "customs", "open", "nobody is no active organization", **open_args(other, ["nobody"]))
    # private facts, judged by the members on the payload
    refused(ledger, "customs", "open", "claims no USMCA or CAFTA-DR preference",
            **open_args(other, certified=certified, spi="A"))
    refused(ledger, "customs", "open", "exporter, the certifier, is not a party",
            **open_args(other, ["fda"], certified=certified))
    refused(ledger, "customs", "open", "fda, to which the line is flagged, is not a party",
            **open_args(other, ["exporter"], certified=certified))
    refused(ledger, "customs", "open", "the reason in 3 to 500", **open_args(other, reason=""))
    refused(ledger, "customs", "open", "the case travels as one private part",
            **{**open_args(other), "private": ()})


def test_requests_answers_and_the_determination_are_kept_in_the_collection(ledger):
    _number, certified, verification = opened(ledger)
    request_id = "ab" * 32  # an access request's id, as customs states it: the access contract judges the request
    noted = part(verification, "requests", requests=[{"request": request_id, "commitment": certified}])
    run(ledger, "customs", origin.NAMESPACE, "request", verification=verification.id, private=noted)
    refused(ledger, "customs", "request", "already noted", verification=verification.id, private=noted)
    stray = anchor(ledger, "broker", "packing_list", {})
    refused(ledger, "customs", "request", "broker is not a party to it", verification=verification.id,
            private=part(verification, "requests", requests=[{"request": "r9", "commitment": stray}]))
    answer = anchor(ledger, "exporter", "bill_of_materials", {"verification": verification.id})
    run(ledger, "exporter", origin.NAMESPACE, "answer", verification=verification.id,
        private=part(verification, "answer", commitment=answer))
    run(ledger, "customs", origin.NAMESPACE, "determine", verification=verification.id,
        private=part(verification, "determination", determination=determination(verification)))
    record = origin.find_verification(ledger.state, verification.id)
    assert record is not None and (record.status, record.determined_ms) == (origin.DETERMINED, NOW_MS)
    case = case_of(ledger, verification)
    assert [(r.request, r.owner, r.doc_type) for r in case.requests] == \
        [(request_id, "exporter", "certification_of_origin")]
    assert [(a.by, a.commitment) for a in case.answers] == [("exporter", answer)]
    assert case.determination is not None and case.determination.reasons == ("Denied: marker reason 9913",)
    assert ledger.state.get_state(origin.NAMESPACE, entries.open_verification_key(record.entry_number, 1)) is None
    public = repr({k: v for k, v in ledger.state.rows.items() if "#" not in k[0]})
    assert "9913" not in public and request_id not in repr(
        {k: v for k, v in ledger.state.rows.items() if k[0] == origin.NAMESPACE})


def test_an_answer_is_a_partys_own_document_for_this_verification(ledger):
    _number, _certified, verification = opened(ledger)

    def answer(who: str, commitment: str, why: str) -> None:
        refused(ledger, who, "answer", why, verification=verification.id,
                private=part(verification, "answer", commitment=commitment))

    bom = anchor(ledger, "producer", "bill_of_materials", {"verification": verification.id})
    answer("producer", bom, "the parties asked .* answer; not producer")
    answer("broker", bom, "role broker.*may not answer")
    answer("exporter", bom, "this one is producer's")
    answer("exporter", anchor(ledger, "exporter", "packing_list", {"verification": verification.id}),
           "an answer is a bill_of_materials or an origin_records, not a packing_list")
    answer("exporter", anchor(ledger, "exporter", "bill_of_materials", {"verification": "another"}),
           f"reference verification={verification.id}")
    refused(ledger, "exporter", "answer", "the answer travels as one private part", verification=verification.id)


def test_a_determination_is_customs_own_of_this_claim_and_made_once(ledger):
    _number, _certified, verification = opened(ledger)

    def determine(why: str, who: str = "customs", **changes: Any) -> None:
        refused(ledger, who, "determine", why, verification=verification.id,
                private=part(verification, "determination", determination=determination(verification, **changes)))

    determine("only customs, which opened the verification", who="customs-west")
    determine("of another verification", verification="X:1:1")
    determine("is eligible or denied", outcome="maybe")
    determine("states its reasons", reasons=[])
    determine("of another claim", hts="8413.70.2004")
    determine("not readable", format="other/1")
    run(ledger, "customs", origin.NAMESPACE, "determine", verification=verification.id,
        private=part(verification, "determination", determination=determination(verification)))
    determine("already determined")
