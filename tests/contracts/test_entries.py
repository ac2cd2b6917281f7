"""The entries contract (issue 6, item 2): entry summaries, CBP Form 7501, on the ledger.

An importer of record, or a broker for it, files an entry summary with one customs
authority: header, lines and the anchored supporting documents it rests on. Identifiers are
checked by the domain engines; the lifecycle is decided by the customs authority the entry
was filed with; amendments make new versions and the old ones stay readable.

Bad input is refused with a reason and changes nothing: the log does not grow and the
entries state does not move.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from _brokers import make_broker
from _entries import split_args, submit

from tradeledger.contracts import default_contracts, documents, entries
from tradeledger.contracts.entries import EntryEvent, EntryRecord, LineRecord, LinkedDocument
from tradeledger.domain.entry_number import complete_entry_number
from tradeledger.errors import Refused
from tradeledger.ledger.authority import REGISTRY, org_key
from tradeledger.ledger.collections import private_namespace
from tradeledger.ledger.contract import Signer
from tradeledger.ledger.keys import state_key
from tradeledger.ledger.memory import ContractHarness, MemoryState
from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.records import RecordError
from tradeledger.runtime.setup import OrgPlan
from tradeledger.workflows.documents import anchor_documents

ORGANIZATIONS = (
    OrgPlan("customs", "customs", "U.S. Customs and Border Protection"),
    OrgPlan("customs-west", "customs", "Another customs authority"),
    OrgPlan("importer", "importer", "Northwind Imports LLC"),
    OrgPlan("importer-other", "importer", "Southwind Imports LLC"),
    OrgPlan("broker", "broker", "Harbor Customs Brokerage Inc."),
    OrgPlan("exporter", "exporter", "Aceros del Norte S.A. de C.V."),
    OrgPlan("fda", "agency", "U.S. Food and Drug Administration"),
)
MOTORS = "8501.10.4020"  # electric motors under 37.5 W: not steel
COIL = "7208.51.0030"  # flat-rolled non-alloy steel: chapter 72
_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    directory = tmp_path_factory.mktemp("entries") / "net"
    create_network(directory, ORGANIZATIONS)
    with EmbeddedNetwork(directory) as network:
        make_broker(network, "broker", "importer")  # licensed, with the importer's power of attorney
        yield network


def new_number() -> str:
    return str(complete_entry_number(f"NWI-{next(_numbers):07d}"))


def line(number: int = 1, **fields: Any) -> dict[str, Any]:
    data = {"line": number, "description": "electric motors", "hts": MOTORS, "origin": "MX",
            "entered_value": "28500", "mid": "MXACEDEL450MON"}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def summary(number: str | None = None, **fields: Any) -> dict[str, Any]:
    data = {
        "entry_number": number or new_number(), "filed_with": "customs", "importer": "importer",
        "entry_type": "01", "port_code": "2304", "entry_date": "2026-03-03", "imported_on": "2026-03-02",
        "importer_number": "12-345678900", "mode_of_transport": "30", "country_of_export": "MX",
        "bill_of_lading": "MAEU240551873", "lines": [line()], "documents": [],
    }
    data.update(fields)
    return data


def amendment(number: str, reason: str = "corrected entered value", **fields: Any) -> dict[str, Any]:
    data = summary(number, **fields)
    del data["filed_with"], data["importer"]
    return {**data, "reason": reason}


def anchor(net, owner: str, doc_type: str, refs: dict[str, str] | None = None) -> str:
    content = f"{doc_type} {next(_numbers)}".encode()
    [result] = anchor_documents(net, owner, [(Path(f"{doc_type}.txt"), content)], doc_type, refs or {})
    assert result.receipt.valid is True
    return result.commitment


def current(net, number: str) -> EntryRecord:
    entry = entries.find_entry(net.state("customs"), number)
    assert entry is not None
    return entry


def file(net, organization: str = "importer", **fields: Any) -> EntryRecord:
    args = summary(**fields)
    submit(net, organization, "file", args)
    return current(net, args["entry_number"])


def snapshot(net) -> tuple[int, dict]:
    return net.reader.head.log_size, dict(net.state("customs").scan_state(entries.NAMESPACE, ""))


def refused(net, organization: str, action: str, why: str, args: dict[str, Any]) -> None:
    """`action` with `args` is refused with a reason matching `why`, and nothing changes."""
    before = snapshot(net)
    with pytest.raises(Refused, match=why):
        submit(net, organization, action, args)
    assert snapshot(net) == before


def act(net, organization: str, action: str, number: str, reason: str = "") -> EntryRecord:
    submit(net, organization, action, {"entry_number": number, "reason": reason})
    return current(net, number)


# --- filing ---------------------------------------------------------------------------------

def test_an_importer_files_its_entry_summary_with_header_lines_and_documents(net):
    invoice = anchor(net, "importer", "commercial_invoice")
    packing = anchor(net, "exporter", "packing_list")
    entry = file(net, documents=[{"doc_type": "commercial_invoice", "commitment": invoice},
                                 {"doc_type": "packing_list", "commitment": packing}],
                 lines=[line(1), line(2, entered_value="1500.50", flags=["fda"])])
    assert entry.status == "filed" and entry.version == 1
    assert entry.filer == "importer" and entry.importer == "importer" and entry.filed_with == "customs"
    assert (entry.entry_type, entry.port_code, entry.importer_number, entry.mode_of_transport) == \
        ("01", "2304", "12-345678900", "30")
    assert entry.total_entered_value == "30000.50"
    assert [item.flags for item in entry.lines] == [(), ("fda",)]
    assert [d.commitment for d in entry.documents] == [invoice, packing]
    assert entry.history == (EntryEvent("filed", "importer", entry.filed_ms, "", 1, entry.txid),)


def test_identifiers_are_kept_in_their_standard_form(net):
    standard = str(complete_entry_number("NWI-0009001"))
    submit(net, "importer", "file", summary(
        standard.lower().replace("-", ""), lines=[line(hts="8501104020", mid="mxacedel450mon")]))
    entry = current(net, standard)
    assert entry.entry_number == standard
    assert entry.lines[0].hts == MOTORS and entry.lines[0].mid == "MXACEDEL450MON"


def test_a_broker_files_for_the_importer_of_record(net):
    entry = file(net, "broker")
    assert entry.filer == "broker" and entry.importer == "importer"


def test_only_the_importer_of_record_or_a_broker_files(net):
    refused(net, "importer-other", "file", "only the importer of record or a broker", summary())
    refused(net, "exporter", "file", "role exporter.*may not file", summary())


def test_an_entry_number_is_never_reused(net):
    entry = file(net)
    refused(net, "importer", "file", "already filed; entry numbers are never reused",
            summary(entry.entry_number))


def test_an_entry_number_with_a_wrong_check_digit_is_refused(net):
    refused(net, "importer", "file", "has check digit 7 but B76-0324527 needs 8", summary("B76-0324527-7"))


@pytest.mark.parametrize("fields, why", [
    ({"entry_type": "99"}, "entry type '99' is not a block 2 code"),
    ({"port_code": "23A4"}, "port_code"),
    ({"importer_number": "912-34-5678"}, "ITIN"),
    ({"mode_of_transport": "99"}, "mode of transport '99'"),
    ({"country_of_export": "Mexico"}, "country of export is an ISO 3166 alpha-2 code"),
    ({"entry_date": "2026-02-30"}, "not a calendar date"),
    ({"imported_on": "03/02/2026"}, "imported_on is a date as YYYY-MM-DD"),
    ({"bill_of_lading": "maeu 2405"}, "bill of lading"),
    ({"lines": []}, "an entry has at least one line"),
    ({"lines": [line(2)]}, r"lines are numbered 1, 2, 3 \.\.\. in order"),
    ({"lines": [line(hts="8501.10.40")]}, "must be 10 digits"),
    ({"lines": [line(origin="mx")]}, "country of origin is an ISO 3166 alpha-2 code"),
    ({"lines": [line(entered_value="12.345")]}, "entered value is US dollars"),
    ({"lines": [line(entered_value="-5")]}, "entered value is US dollars"),
    ({"lines": [line(description=" ")]}, "describe the merchandise"),
    ({"lines": [line(spi="ZZ")]}, "'ZZ' is not a special program indicator"),
    ({"lines": [line(mid="CNAMAPLA100JIA")]},
     "MID CNAMAPLA100JIA starts with CN, but a MID starts with the country of origin MX"),
    ({"lines": [line(origin="CA", mid="CAMAPLEA6985MIS")]}, "Canadian MIDs start with the province code"),
    ({"lines": [line(hts=COIL)]}, "reports its country of melt and pour"),
    ({"lines": [line(melt_pour="MX")]}, "melt and pour is reported for steel"),
    ({"lines": [line(certification="ab" * 32)]}, "supports an S, S\\+, P or P\\+ claim, and the line claims none"),
    ({"lines": [line(spi="S", certification="ab" * 32)]}, "list its certification of origin among the documents"),
    ({"documents": [{"doc_type": "invoice", "commitment": "ab" * 32}]}, "supporting documents are"),
    ({"documents": [{"doc_type": "packing_list", "commitment": "AB" * 32}]}, "64 lowercase hex digits"),
    ({"documents": [{"doc_type": "packing_list", "commitment": "ab" * 32}] * 2},
     "each supporting document is linked once"),
    ({"unknown_field": "x"}, "Extra inputs are not permitted"),
])
def test_a_malformed_summary_is_refused_with_the_reason(net, fields, why):
    refused(net, "importer", "file", why, summary(**fields))


def test_a_canadian_line_takes_a_province_mid(net):
    entry = file(net, lines=[line(origin="CA", mid="XOMAPLEA6985MIS")])
    assert entry.lines[0].mid == "XOMAPLEA6985MIS"


def test_the_parties_must_be_a_customs_authority_an_importer_and_partner_agencies(net):
    refused(net, "importer", "file", "broker is not a customs authority", summary(filed_with="broker"))
    refused(net, "broker", "file", "exporter is not an importer", summary(importer="exporter"))
    refused(net, "importer", "file", "nobody is not an active organization", summary(filed_with="nobody"))
    refused(net, "importer", "file", "flagged for broker, which is not a partner agency",
            summary(lines=[line(flags=["broker"])]))


def test_supporting_documents_are_anchored_and_of_the_type_they_are_linked_as(net):
    refused(net, "importer", "file", "is not anchored; anchor it first",
            summary(documents=[{"doc_type": "packing_list", "commitment": "cd" * 32}]))
    invoice = anchor(net, "importer", "commercial_invoice")
    refused(net, "importer", "file", "was anchored as a commercial_invoice, not a bill_of_lading",
            summary(documents=[{"doc_type": "bill_of_lading", "commitment": invoice}]))


def test_a_steel_summary_without_its_mill_certificate_lists_it_as_missing(net):
    missing = file(net, lines=[line(hts=COIL, melt_pour="MX")])
    assert missing.missing_documents == ("mill_certificate",)
    assert missing.lines[0].melt_pour == "MX"
    mill = anchor(net, "exporter", "mill_certificate")
    complete = file(net, lines=[line(hts="7304.19.1020", melt_pour="US")],
                    documents=[{"doc_type": "mill_certificate", "commitment": mill}])
    assert complete.missing_documents == ()
    assert file(net).missing_documents == ()


def test_a_section_321_entry_type_86_is_refused_since_august_2025(net):
    refused(net, "importer", "file", "entry type 86 .* is refused since 29 August 2025", summary(entry_type="86"))


# --- the lifecycle -----------------------------------------------------------------------------

def test_customs_accepts_and_liquidates_and_the_history_says_who_and_why(net):
    number = file(net).entry_number
    assert act(net, "customs", "accept", number).status == "accepted"
    entry = act(net, "customs", "liquidate", number, "liquidated as entered")
    assert entry.status == "liquidated" and entry.status_reason == "liquidated as entered"
    assert [(h.status, h.by, h.reason) for h in entry.history] == [
        ("filed", "importer", ""), ("accepted", "customs", ""), ("liquidated", "customs", "liquidated as entered")]


def test_only_the_customs_authority_the_entry_was_filed_with_decides(net):
    number = file(net).entry_number
    refused(net, "customs-west", "accept", "only customs, the customs authority the entry was filed with",
            {"entry_number": number, "reason": ""})
    refused(net, "importer", "accept", "role importer.*may not accept", {"entry_number": number, "reason": ""})


def test_a_rejection_says_why_and_the_filer_corrects_by_amending(net):
    number = file(net).entry_number
    refused(net, "customs", "reject", "state the reason", {"entry_number": number, "reason": ""})
    rejected = act(net, "customs", "reject", number, "entered value does not match the invoice")
    assert rejected.status == "rejected" and rejected.status_reason == "entered value does not match the invoice"
    submit(net, "importer", "amend", amendment(number, lines=[line(entered_value="29100")]))
    amended = current(net, number)
    assert amended.status == "filed" and amended.version == 2
    assert amended.lines[0].entered_value == "29100"


def test_review_then_accept_or_reject(net):
    number = file(net).entry_number
    refused(net, "customs", "review", "state the reason", {"entry_number": number, "reason": "x"})
    assert act(net, "customs", "review", number, "valuation review").status == "under_review"
    assert act(net, "customs", "accept", number).status == "accepted"
    assert act(net, "customs", "review", number, "post-acceptance audit").status == "under_review"
    assert act(net, "customs", "reject", number, "classification is wrong").status == "rejected"


@pytest.mark.parametrize("path, action, why", [
    ((), "liquidate", "entry .* is filed; it can become liquidated only from accepted"),
    (("accept",), "accept", "is accepted; it can become accepted only from filed or under review"),
    (("reject",), "review", "is rejected; it can become under review only from filed or accepted"),
    (("accept", "liquidate"), "reject", "is liquidated; it can become rejected only from filed or under review"),
])
def test_a_transition_from_the_wrong_status_is_refused(net, path, action, why):
    number = file(net).entry_number
    for step in path:
        act(net, "customs", step, number, "a reason for it")
    refused(net, "customs", action, why, {"entry_number": number, "reason": "a reason for it"})


def test_deciding_an_entry_that_was_never_filed_is_refused(net):
    refused(net, "customs", "accept", "no entry .* is filed", {"entry_number": new_number(), "reason": ""})


# --- amendments --------------------------------------------------------------------------------

def test_an_amendment_is_a_new_version_and_the_earlier_versions_stay_readable(net):
    original = file(net, "broker")
    number = original.entry_number
    submit(net, "broker", "amend", amendment(number, "added a line", lines=[line(1), line(2, hts="8501.20.4000")]))
    submit(net, "importer", "amend", amendment(number, "port of entry corrected", port_code="2304",
                                               entry_date="2026-03-04", lines=[line(1), line(2, hts="8501.20.4000")]))
    versions = entries.entry_versions(net.state("customs"), number)
    assert [v.version for v in versions] == [1, 2, 3]
    assert versions[0] == original
    assert [len(v.lines) for v in versions] == [1, 2, 2]
    assert [v.entry_date for v in versions] == ["2026-03-03", "2026-03-03", "2026-03-04"]
    latest = versions[-1]
    assert (latest.filer, latest.importer, latest.filed_with) == ("broker", "importer", "customs")
    assert latest.filed_ms == original.filed_ms
    assert [(h.status, h.by, h.reason, h.version) for h in latest.history] == [
        ("filed", "broker", "", 1), ("amended", "broker", "added a line", 2),
        ("amended", "importer", "port of entry corrected", 3)]


def test_only_the_filer_or_the_importer_amends_and_says_why(net):
    number = file(net, "broker").entry_number
    refused(net, "importer-other", "amend", r"only the filer \(broker\) or the importer \(importer\)",
            amendment(number))
    refused(net, "importer", "amend", "state the reason", amendment(number, reason=""))
    refused(net, "importer", "amend", "no entry .* is filed", amendment(new_number()))


def test_an_amendment_cannot_move_the_entry_to_another_authority_or_importer(net):
    number = file(net).entry_number
    refused(net, "importer", "amend", "Extra inputs are not permitted",
            {**amendment(number), "filed_with": "customs-west"})


def test_a_liquidated_entry_is_not_amended(net):
    number = file(net).entry_number
    act(net, "customs", "accept", number)
    act(net, "customs", "liquidate", number)
    refused(net, "importer", "amend", "a liquidated entry is not amended", amendment(number))


def test_an_amendment_relinks_its_documents(net):
    first, second = anchor(net, "importer", "commercial_invoice"), anchor(net, "importer", "commercial_invoice")
    number = file(net, documents=[{"doc_type": "commercial_invoice", "commitment": first}]).entry_number
    submit(net, "importer", "amend",
           amendment(number, documents=[{"doc_type": "commercial_invoice", "commitment": second}]))
    assert [d.commitment for d in current(net, number).documents] == [second]
    assert [d.commitment for d in entries.entry_versions(net.state("customs"), number)[0].documents] == [first]


# --- on the in-memory state (tradeledger.ledger.memory) ------------------------------------------

BLOCK_MS = 1_772_500_000_000  # 2026-03-03, after the end of type 86
MEMORY_ORGANIZATIONS = {"customs": "customs", "customs-west": "customs", "importer": "importer",
                        "importer-other": "importer", "broker": "broker", "fda": "agency"}
SIGNERS = {name: Signer(f"did:key:z{name}", name, role, "admin", True) for name, role in MEMORY_ORGANIZATIONS.items()}


@pytest.fixture
def harness() -> ContractHarness:
    """The contracts on a registry of active organizations and nothing else."""
    rows = {(REGISTRY, org_key(name)): {"name": name, "role": role, "display_name": name, "status": "active",
                                         "since_ms": 0}
            for name, role in MEMORY_ORGANIZATIONS.items()}
    return ContractHarness(default_contracts(), MemoryState(rows))


def run(harness: ContractHarness, organization: str, action: str, args: dict[str, Any],
        contract: str = entries.NAMESPACE, commitments: tuple[str, ...] = ()) -> list[str]:
    private: list = []
    if contract == entries.NAMESPACE:
        args, private = split_args(action, args)
    events = harness.run(SIGNERS[organization], contract, action, args, commitments, BLOCK_MS, private=private)
    return [event.type for event in events]


def refused_in_memory(harness: ContractHarness, organization: str, action: str, why: str,
                      args: dict[str, Any]) -> None:
    before = dict(harness.state.rows)
    with pytest.raises(Refused, match=why):
        run(harness, organization, action, args)
    assert harness.state.rows == before


def kept(harness: ContractHarness, number: str) -> EntryRecord:
    entry = entries.find_entry(harness.state, number)
    assert entry is not None
    return entry


def test_in_memory_a_filed_entry_is_kept_under_its_composite_key_as_an_entry_record(harness):
    commitment = "ab" * 32
    run(harness, "importer", "anchor", {"doc_type": "commercial_invoice", "refs": {}}, documents.NAMESPACE,
        (commitment,))
    args = summary(documents=[{"doc_type": "commercial_invoice", "commitment": commitment}])
    assert run(harness, "importer", "file", args) == ["filed"]
    number = args["entry_number"]
    stored = harness.state.get_state(private_namespace(entries.NAMESPACE, entries.entry_collection(number)),
                                     state_key("entry", number))
    assert harness.state.get_state(entries.NAMESPACE, state_key("entry", number)) is None  # not public
    entry = EntryRecord.from_dict(stored)
    assert entry == kept(harness, number) and entry.to_dict() == stored
    assert (entry.status, entry.version, entry.filed_ms, entry.filer) == ("filed", 1, BLOCK_MS, "importer")
    assert entry.documents == (LinkedDocument("commercial_invoice", commitment),)
    assert entry.line(1) == entry.lines[0] and entry.line(2) is None
    filing = entries.find_filing(harness.state, number)
    assert filing is not None and (filing.status, filing.filer, filing.flagged_agencies) == ("filed", "importer", ())


def test_in_memory_the_lifecycle_and_its_history(harness):
    args = summary()
    number = args["entry_number"]
    run(harness, "importer", "file", args)
    assert run(harness, "customs", "review", {"entry_number": number, "reason": "valuation review"}) == \
        ["under_review"]
    run(harness, "customs", "accept", {"entry_number": number, "reason": ""})
    run(harness, "customs", "liquidate", {"entry_number": number, "reason": "as entered"})
    entry = kept(harness, number)
    assert (entry.status, entry.status_reason, entry.updated_ms) == ("liquidated", "as entered", BLOCK_MS)
    assert [(h.status, h.by, h.version) for h in entry.history] == [
        ("filed", "importer", 1), ("under_review", "customs", 1), ("accepted", "customs", 1),
        ("liquidated", "customs", 1)]


def test_in_memory_an_amendment_keeps_the_earlier_version_under_its_version_key(harness):
    args = summary()
    number = args["entry_number"]
    run(harness, "importer", "file", args)
    original = kept(harness, number)
    run(harness, "importer", "amend", amendment(number, lines=[line(entered_value="29100")]))
    assert harness.state.get_state(private_namespace(entries.NAMESPACE, entries.entry_collection(number)),
                                   state_key("version", number, "000001")) == original.to_dict()
    versions = entries.entry_versions(harness.state, number)
    assert [v.version for v in versions] == [1, 2] and versions[0] == original
    assert versions[1].lines[0].entered_value == "29100" and versions[1].history[-1].status == "amended"


def test_in_memory_an_open_verification_holds_liquidation(harness):
    args = summary()
    number = args["entry_number"]
    run(harness, "importer", "file", args)
    run(harness, "customs", "accept", {"entry_number": number, "reason": ""})
    harness.state.rows[(entries.VERIFICATIONS_NAMESPACE, entries.open_verification_key(number, 1))] = "v1"
    assert entries.open_verification_lines(harness.state, number) == [1]
    refused_in_memory(harness, "customs", "liquidate", "open verification of origin on line 1",
                      {"entry_number": number, "reason": ""})
    del harness.state.rows[(entries.VERIFICATIONS_NAMESPACE, entries.open_verification_key(number, 1))]
    run(harness, "customs", "liquidate", {"entry_number": number, "reason": ""})
    assert kept(harness, number).status == "liquidated"


def test_in_memory_refusals_change_nothing(harness):
    args = summary()
    run(harness, "importer", "file", args)
    number = args["entry_number"]
    refused_in_memory(harness, "importer", "file", "already filed", args)
    refused_in_memory(harness, "customs-west", "accept", "only customs", {"entry_number": number, "reason": ""})
    refused_in_memory(harness, "importer-other", "file", "only the importer of record or a broker", summary())
    refused_in_memory(harness, "broker", "file", "broker broker holds no PowerOfAttorneyCredential from importer",
                      summary())
    refused_in_memory(harness, "importer", "file", "is not anchored",
                      summary(documents=[{"doc_type": "packing_list", "commitment": "cd" * 32}]))


def test_an_entry_record_reads_back_what_it_wrote_and_refuses_anything_else(harness):
    args = summary(lines=[line(1), line(2, spi="S", entered_value="100")])
    run(harness, "importer", "file", args)
    entry = kept(harness, args["entry_number"])
    assert entry.lines[1].claim is not None and entry.lines[1].claim.status == "flagged"
    assert entry.flagged_claims == (2,)
    assert EntryRecord.from_dict(entry.to_dict()) == entry
    damaged = entry.to_dict()
    del damaged["status"]
    with pytest.raises(RecordError, match="entry record: status is missing"):
        EntryRecord.from_dict(damaged)
    with pytest.raises(RecordError, match="entry line record: flags is 'fda', not a list"):
        EntryRecord.from_dict({**entry.to_dict(), "lines": [{**entry.lines[0].to_dict(), "flags": "fda"}]})
    with pytest.raises(RecordError, match="version is '2', not an integer"):
        EntryRecord.from_dict({**entry.to_dict(), "version": "2"})
    with pytest.raises(RecordError, match="claim is not a claim outcome"):
        LineRecord.from_dict({**entry.lines[1].to_dict(), "claim": {"status": "supported"}})
    with pytest.raises(RecordError, match="entry record is a list, not a JSON object"):
        EntryRecord.from_dict([])
