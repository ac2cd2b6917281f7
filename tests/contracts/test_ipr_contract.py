"""The ipr contract (issue 5): recordations, license chains and terminations on the ledger.

A rights holder records a mark it owns and customs decides; the owner licenses, a holder
sublicenses within its parent's scope, dates and generations; a party to a license ends
it from today or a later day. The ledger dates every grant, decision and termination by
its block, never by the client. Bad input is refused with the engine's reason code and
changes nothing: the log does not grow and no peer's ipr rows, public or private, move.
Recordations are public; each license lives in its own collection (contracts.ipr).

The world (ACME TRAIL, as in tests/domain_ipr, with the network's organizations):

    brand (rights holder) records ACME TRAIL: boots and bags, made in VN, IT, MX
    └── L-1 maker        6403, VN, VNSAIGON123HCM, cap 100000, 2 more generations
        └── L-2 distributor   640399, cap 40000, 1 more generation
            └── L-3 importer       cap 10000, no sublicensing
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from _entries import split_args

from tradeledger.contracts import entries, ipr
from tradeledger.contracts.ipr import block_day, recheck_entry
from tradeledger.contracts.ipr_book import (
    EntryCheck,
    LedgerLicenseBook,
    LineStatus,
    UsageTotals,
    license_collection,
    license_key,
    node_key,
    recordation_key,
)
from tradeledger.domain.entry_number import complete_entry_number
from tradeledger.domain.ipr import (
    IprDataError,
    License,
    LinkStatus,
    MemoryLicenseBook,
    Question,
    Recordation,
    RecordationDecision,
    RecordationStatus,
    Termination,
    UsageRecord,
    authorize,
    chain_json,
    chain_svg,
)
from tradeledger.errors import Refused
from tradeledger.identity.registry import OrganizationRecord
from tradeledger.ledger.authority import REGISTRY, org_key
from tradeledger.ledger.collections import private_namespace
from tradeledger.ledger.contract import ContractSet, Signer
from tradeledger.ledger.keys import key_prefix, split_key, state_key
from tradeledger.ledger.memory import ContractHarness, MemoryState
from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.setup import OrgPlan

ORGANIZATIONS = (
    OrgPlan("customs", "customs", "U.S. Customs and Border Protection"),
    OrgPlan("brand", "rights_holder", "Acme Outdoor Inc."),
    OrgPlan("maker", "producer", "Saigon Footwear Co."),
    OrgPlan("distributor", "importer", "Pacific Distribution LLC"),
    OrgPlan("importer", "importer", "Harbor Imports Inc."),
    OrgPlan("stranger", "importer", "Shady Traders Ltd."),
)
MARK = "ACME TRAIL"
RECORDATION_ID = "TMK 26-00017"
SAIGON_MID = "VNSAIGON123HCM"
MILAN_MID = "ITCALZA45MIL"
BOOT_HTS = "6403.99.6075"


@pytest.fixture
def net(tmp_path: Path):
    create_network(tmp_path / "net", ORGANIZATIONS)
    with EmbeddedNetwork(tmp_path / "net") as network:
        yield network


def today() -> date:
    return block_day(now_ms())


def days(n: int) -> str:
    return (today() + timedelta(days=n)).isoformat()


def prepared(state, action: str, args: dict[str, Any]) -> ipr.Prepared:
    """The transaction a workflow would send: license terms and endings go private."""
    if action == "license":
        return ipr.prepare_grant(state, args)
    if action == "terminate":
        on = args.get("effective_on")
        return ipr.prepare_termination(state, args["license_id"], args.get("reason", ""),
                                       None if on is None else date.fromisoformat(on))
    return ipr.Prepared(args, ())


def send(net, organization: str, action: str, args: dict[str, Any]) -> None:
    ready = prepared(net.state(organization), action, args)
    net.submit_checked(organization, "ipr", action, ready.args, private=list(ready.private))


def submit(net, organization: str, action: str, **args: Any) -> None:
    send(net, organization, action, args)


def filing(**changes: Any) -> dict[str, Any]:
    return {
        "recordation_id": RECORDATION_ID, "registration_number": "6123456", "kind": "trademark", "mark": MARK,
        "goods_description": "Hiking boots and backpacks", "hts_prefixes": ["6403", "4202"],
        "manufacturing_countries": ["VN", "IT", "MX"], "authorized_manufacturers": [SAIGON_MID, MILAN_MID],
        "gray_market_protection": True, "expires_on": days(3650), **changes,
    }


def recorded(net) -> None:
    submit(net, "brand", "record", **filing())
    submit(net, "customs", "decide", recordation_id=RECORDATION_ID, accepted=True)


TERMS = {
    "L-1": ("brand", {"licensee": "maker", "hts_prefixes": ["6403"], "countries": ["VN"],
                      "manufacturers": [SAIGON_MID], "quantity_cap": 100_000, "end": 700,
                      "may_sublicense": True, "further_generations": 2}),
    "L-2": ("maker", {"licensee": "distributor", "parent_id": "L-1", "hts_prefixes": ["640399"],
                      "quantity_cap": 40_000, "end": 600, "may_sublicense": True, "further_generations": 1}),
    "L-3": ("distributor", {"licensee": "importer", "parent_id": "L-2", "quantity_cap": 10_000, "end": 500}),
}


def terms(like: str, **changes: Any) -> dict[str, Any]:
    """The terms of license `like` in the world above, with changes (a new license_id among them)."""
    _licensor, base = TERMS[like]
    merged = {"license_id": like, "mark": MARK, **base, **changes}
    if isinstance(merged["end"], int):
        merged["end"] = days(merged["end"])
    return merged


def chain(net, upto: str = "L-3") -> None:
    recorded(net)
    for license_id, (licensor, _terms) in TERMS.items():
        submit(net, licensor, "license", **terms(license_id))
        if license_id == upto:
            return


def ipr_rows(state) -> list[tuple[str, str, Any]]:
    """Every ipr row a reader holds: public, and private in each collection it is a member of."""
    rows = [("ipr", key, value) for key, value in state.scan_state("ipr", "")]
    for key, _members in state.scan_state("ipr", key_prefix("collection")):
        namespace = private_namespace("ipr", split_key(key)[1][0])
        rows += [(namespace, k, v) for k, v in state.scan_state(namespace, "")]
    return rows


def ipr_state(net) -> dict[str, list]:
    return {name: ipr_rows(net.state(name)) for name in net.peers}


def assert_refused(net, organization: str, action: str, args: dict[str, Any], *fragments: str) -> str:
    """The contract refuses: nothing reaches the log and the ipr state is as it was."""
    log_before, state_before = net.orderer.last_position(), ipr_state(net)
    with pytest.raises(Refused) as refused:
        send(net, organization, action, args)
    message = str(refused.value)
    for fragment in fragments:
        assert fragment in message, message
    assert net.orderer.last_position() == log_before
    assert ipr_state(net) == state_before
    return message


def book(net, organization: str = "customs") -> LedgerLicenseBook:
    return LedgerLicenseBook(net.state(organization))


def question(on: date, **changes: Any) -> Question:
    base = Question(importer="importer", mark=MARK, hts=BOOT_HTS, manufacturer=SAIGON_MID, country="VN",
                    on=on, quantity=100)
    return dataclasses.replace(base, **changes)


# --- recordations --------------------------------------------------------------------

def test_a_rights_holder_records_its_mark_and_customs_accepts_it_on_the_block_day(net):
    submit(net, "brand", "record", **filing())
    filed = book(net).recordation_for_mark(MARK)
    assert filed is not None and filed.recordation_id == RECORDATION_ID
    assert (filed.owner, filed.status, filed.filed_on, filed.decided_on) == (
        "brand", RecordationStatus.PENDING, today(), None)
    assert filed.hts_prefixes == ("6403", "4202") and filed.gray_market_protection is True

    submit(net, "customs", "decide", recordation_id=RECORDATION_ID, accepted=True)
    accepted = book(net, "importer").recordation(RECORDATION_ID)
    assert accepted is not None
    assert (accepted.status, accepted.decided_on) == (RecordationStatus.ACCEPTED, today())
    assert accepted.is_recorded_on(today()) and not accepted.is_recorded_on(today() - timedelta(days=1))


def test_only_a_rights_holder_records_and_only_customs_decides(net):
    assert_refused(net, "importer", "record", filing(), "may not record", "rights_holder")
    submit(net, "brand", "record", **filing())
    assert_refused(net, "brand", "decide", {"recordation_id": RECORDATION_ID, "accepted": True},
                   "may not decide", "customs")


@pytest.mark.parametrize(("changes", "fragments"), [
    ({"expires_on": "2001-01-01"}, ("dates_out_of_order:", "expires on 2001-01-01 before it was filed")),
    ({"hts_prefixes": ["64.03"]}, ("malformed:", "HTS prefixes")),
    ({"manufacturing_countries": ["Vietnam"]}, ("malformed:", "ISO 3166-1 alpha-2")),
    ({"mark": "ACME\nTRAIL"}, ("invalid arguments for record", "control characters")),
    ({"expires_on": "2030-02-30"}, ("invalid arguments for record", "not a date")),
    ({"owner": "stranger"}, ("invalid arguments for record", "owner")),  # the signer is the owner
])
def test_a_bad_recordation_is_refused_and_changes_nothing(net, changes, fragments):
    assert_refused(net, "brand", "record", filing(**changes), *fragments)


def test_a_mark_is_recorded_once(net):
    recorded(net)
    assert_refused(net, "brand", "record", filing(recordation_id="TMK 26-00099"),
                   "mark_already_recorded:", "already accepted as 'TMK 26-00017'")
    assert_refused(net, "brand", "record", filing(mark="ACME SUMMIT"), "duplicate_id:")


def test_a_decision_is_final_and_a_refusal_says_why(net):
    submit(net, "brand", "record", **filing())
    assert_refused(net, "customs", "decide", {"recordation_id": RECORDATION_ID, "accepted": False},
                   "malformed:", "a refusal must say why")
    submit(net, "customs", "decide", recordation_id=RECORDATION_ID, accepted=False,
           reason="the registration is on the supplemental register")
    refused = book(net).recordation(RECORDATION_ID)
    assert refused is not None and refused.status is RecordationStatus.REFUSED
    assert_refused(net, "customs", "decide", {"recordation_id": RECORDATION_ID, "accepted": True},
                   "recordation_not_pending:", "decisions are final")
    assert_refused(net, "brand", "license", terms("L-1"), "licensor_holds_no_right:", "refused")
    assert_refused(net, "customs", "decide", {"recordation_id": "TMK 00-00000", "accepted": True},
                   "unknown_recordation:")


# --- licenses ------------------------------------------------------------------------

def test_a_chain_of_three_generations_is_granted_on_the_block_day_and_indexed(net):
    chain(net)
    ledger = book(net, "importer")
    l3 = ledger.license("L-3")
    assert l3 is not None
    assert (l3.licensor, l3.licensee, l3.parent_id, l3.granted_on, l3.start) == (
        "distributor", "importer", "L-2", today(), today())
    assert [lic.license_id for lic in ledger.root_licenses(MARK)] == ["L-1"]
    assert [lic.license_id for lic in ledger.children("L-1")] == ["L-2"]
    assert [lic.license_id for lic in ledger.licenses_held("importer", MARK)] == ["L-3"]
    assert ledger.licenses_held("importer", "OTHER MARK") == []
    decision = authorize(ledger, question(today()))
    assert decision.authorized, decision.reason
    assert [link.license_id for link in decision.chain] == ["L-1", "L-2", "L-3"]


BAD_LICENSES = [
    # (licensor, terms of the license, what the refusal says)
    ("maker", lambda: terms("L-2", hts_prefixes=["6404"]), ("wider_than_parent:", "HTS prefixes ['6404']")),
    ("maker", lambda: terms("L-2", countries=["CN"]), ("wider_than_parent:", "countries of manufacture ['CN']")),
    ("maker", lambda: terms("L-2", manufacturers=[MILAN_MID]), ("wider_than_parent:", MILAN_MID)),
    ("maker", lambda: terms("L-2", quantity_cap=150_000), ("wider_than_parent:", "caps 150000 units")),
    ("distributor", lambda: terms("L-1", license_id="L-9", licensee="importer"),
     ("licensor_holds_no_right:", "'distributor' does not own mark")),
    ("stranger", lambda: terms("L-2", licensee="importer"),
     ("licensor_holds_no_right:", "'stranger' is not a party to parent 'L-1'")),
    ("maker", lambda: terms("L-2", start=days(30), end=days(20)),
     ("dates_out_of_order:", "after it ends on")),
    ("maker", lambda: terms("L-2", start=days(-1)), ("backdated:", "before it was granted on")),
    ("maker", lambda: terms("L-2", end=days(701)), ("dates_outside_parent:", "keep within the parent's dates")),
    ("maker", lambda: terms("L-2", mark="ACME SUMMIT"), ("unknown_mark:", "'ACME SUMMIT' is not recorded")),
    ("maker", lambda: terms("L-2", parent_id="L-9"), ("unknown_parent:", "'L-9' is not on file")),
    ("maker", lambda: terms("L-2", further_generations=2),
     ("depth_exhausted:", "its parent 'L-1' leaves 1")),
    ("maker", lambda: terms("L-2", may_sublicense=False, further_generations=1), ("malformed:", "may_sublicense")),
    ("maker", lambda: terms("L-2", license_id="L-1"), ("duplicate_id:",)),
    ("maker", lambda: terms("L-2", licensee="nobody"), ("licensee nobody is not an active organization",)),
    ("maker", lambda: terms("L-2", end="2027-02-30"), ("invalid license terms", "not a date")),
    ("maker", lambda: terms("L-2", licensee="importer\nL-1"), ("invalid arguments", "control characters")),
    ("maker", lambda: {**terms("L-2"), "licensor": "brand"}, ("invalid license terms", "licensor")),
    ("brand", lambda: terms("L-1", license_id="L-8", licensee="brand"), ("malformed:", "cannot license itself")),
]


@pytest.mark.parametrize(("licensor", "make_terms", "fragments"), BAD_LICENSES,
                         ids=[f"{i}-{case[2][0].rstrip(':')}" for i, case in enumerate(BAD_LICENSES)])
def test_a_bad_license_is_refused_with_the_engines_reason_and_changes_nothing(net, licensor, make_terms, fragments):
    chain(net, upto="L-1")
    assert_refused(net, licensor, "license", make_terms(), *fragments)


def test_a_license_cannot_extend_one_that_may_not_be_sublicensed(net):
    chain(net)
    assert_refused(net, "importer", "license", terms("L-3", license_id="L-4", parent_id="L-3", licensee="stranger"),
                   "parent_not_sublicensable:", "'L-3' does not permit sublicensing")


# --- terminations and "as of any date" -------------------------------------------------

def test_a_party_ends_a_license_from_today_or_later_and_it_is_recorded_by_the_block(net):
    chain(net)
    submit(net, "brand", "terminate", license_id="L-1", reason="quality breach", effective_on=days(10))
    ended = book(net).license("L-1")
    assert ended is not None and (ended.terminated_on, ended.termination_reason) == (
        today() + timedelta(days=10), "quality breach")
    record = book(net).termination("L-1")
    assert record is not None
    assert record.to_dict() == {"license_id": "L-1", "terminated_by": "brand", "terminated_on": days(10),
                                "recorded_on": today().isoformat(), "reason": "quality breach"}


@pytest.mark.parametrize(("organization", "args", "fragments"), [
    ("stranger", {"license_id": "L-2", "reason": "spite"}, ("not_a_party:",)),
    ("maker", {"license_id": "L-2", "reason": "breach", "effective_on": "2020-01-01"},
     ("backdated:", "cannot change what was true before")),
    ("maker", {"license_id": "L-2", "reason": "breach", "effective_on": "2099-01-01"}, ("dates_out_of_order:",)),
    ("maker", {"license_id": "L-2", "reason": "  "}, ("malformed:", "must say why")),
    ("maker", {"license_id": "L-9", "reason": "breach"}, ("unknown_license:",)),
    # L-3 was granted under L-2 today: ending L-2 today would undo that grant.
    ("maker", {"license_id": "L-2", "reason": "breach"}, ("backdated:", "sub-license 'L-3' was granted under it")),
])
def test_a_bad_termination_is_refused_and_changes_nothing(net, organization, args, fragments):
    chain(net)
    assert_refused(net, organization, "terminate", args, *fragments)


def test_a_license_is_terminated_once(net):
    chain(net)
    submit(net, "distributor", "terminate", license_id="L-3", reason="surrendered")
    assert_refused(net, "importer", "terminate", {"license_id": "L-3", "reason": "again"}, "already_terminated:")


def test_a_later_termination_does_not_change_what_was_true_before(net):
    chain(net)
    ledger = book(net)
    before = authorize(ledger, question(today() + timedelta(days=5)))
    assert before.authorized

    submit(net, "brand", "terminate", license_id="L-1", reason="quality breach", effective_on=days(10))

    ledger = book(net)  # a book reads its licenses once: a new one for the state since
    again = authorize(ledger, question(today() + timedelta(days=5)))
    assert (again.authorized, again.reason) == (True, before.reason)
    assert [link.status for link in again.chain] == [LinkStatus.VALID] * 3
    after = authorize(ledger, question(today() + timedelta(days=10)))
    assert after.failed_question is not None
    assert (after.authorized, after.failed_question.value, after.broken_link) == (False, "validity", "L-1")
    assert [link.status for link in after.chain] == [
        LinkStatus.TERMINATED, LinkStatus.ANCESTOR_INVALID, LinkStatus.ANCESTOR_INVALID]
    assert "terminated from" in after.reason and "every license below it falls" in after.reason
    # A sub-license granted now may not outlast the termination recorded above it.
    assert_refused(net, "distributor", "license", terms("L-3", license_id="L-4", licensee="stranger"),
                   "dates_outside_parent:", "'L-1' above it is terminated from")
    submit(net, "distributor", "license", **terms("L-3", license_id="L-4", licensee="stranger", end=days(9)))


# --- the ledger's book is the engine's book --------------------------------------------

def memory_copy(ledger: LedgerLicenseBook, net) -> MemoryLicenseBook:
    """The same records, put through the engine's own in-memory book."""
    copy = MemoryLicenseBook()
    recordation = ledger.recordation(RECORDATION_ID)
    assert recordation is not None and recordation.decided_on is not None
    copy.file_recordation(dataclasses.replace(recordation, status=RecordationStatus.PENDING, decided_on=None))
    copy.decide_recordation(RecordationDecision(RECORDATION_ID, True, recordation.decided_on))
    licenses: list[License] = []
    pending = list(ledger.root_licenses(MARK))
    while pending:
        found = pending.pop(0)
        licenses.append(found)
        pending.extend(ledger.children(found.license_id))
    for found in licenses:
        copy.grant(dataclasses.replace(found, terminated_on=None, termination_reason=""))
    for found in licenses:
        record = ledger.termination(found.license_id)
        if record is not None:
            copy.terminate(record)
    return copy


def test_the_ledger_book_answers_exactly_as_the_engines_memory_book(net):
    chain(net)
    submit(net, "distributor", "license", **terms("L-3", license_id="L-4", licensee="stranger", end=days(9),
                                                  countries=["VN"]))
    submit(net, "maker", "terminate", license_id="L-2", reason="unpaid royalties", effective_on=days(7))
    ledger = book(net)
    copy = memory_copy(ledger, net)
    for day in (-1, 0, 6, 7, 8, 500, 501):
        on = today() + timedelta(days=day)
        for importer in ("importer", "stranger", "distributor", "maker", "brand"):
            for changes in ({}, {"hts": "6404.19.3520"}, {"manufacturer": MILAN_MID, "country": "IT"},
                            {"quantity": 20_000}, {"physically_materially_different": True}):
                asked = question(on, importer=importer, **changes)
                assert authorize(ledger, asked) == authorize(copy, asked), asked
        for subject in (MARK, "L-2", "L-4"):
            assert chain_json(ledger, subject, on) == chain_json(copy, subject, on)


def test_the_chain_is_drawn_from_ledger_state_with_each_links_dates_and_status(net):
    chain(net)
    submit(net, "brand", "terminate", license_id="L-1", reason="quality breach", effective_on=days(10))
    ledger = book(net)
    tree = chain_json(ledger, "L-3", today() + timedelta(days=10))
    l1 = tree["tree"]["children"][0]
    assert (l1["license_id"], l1["status"], l1["terminated_on"]) == ("L-1", "terminated", days(10))
    l3 = l1["children"][0]["children"][0]
    assert (l3["license_id"], l3["licensee"], l3["status"]) == ("L-3", "importer", "ancestor_invalid")
    drawing = chain_svg(ledger, MARK, today() + timedelta(days=10))
    assert drawing.startswith("<?xml") and drawing.rstrip().endswith("</svg>")
    assert f"terminated from {days(10)}" in drawing and 'class="ancestor_invalid"' in drawing
    assert drawing.count('class="terminated"') == 1
    earlier = chain_svg(ledger, MARK, today())
    assert 'class="terminated"' not in earlier and earlier.count('class="valid"') == 3


def test_every_peer_holds_the_same_public_ipr_state_and_the_members_the_same_licenses(net):
    chain(net)
    submit(net, "brand", "terminate", license_id="L-1", reason="quality breach", effective_on=days(10))
    public = {name: list(net.state(name).scan_state("ipr", "")) for name in net.peers}
    assert len({repr(rows) for rows in public.values()}) == 1
    assert not any("quality breach" in repr(rows) or "100000" in repr(rows) for rows in public.values())
    for license_id, members in (("L-1", {"customs", "brand", "maker"}),
                                ("L-2", {"customs", "brand", "maker", "distributor"}),
                                ("L-3", {"customs", "brand", "maker", "distributor", "importer"})):
        namespace = private_namespace("ipr", license_collection(license_id))
        held = {name: list(net.state(name).scan_state(namespace, "")) for name in net.peers}
        assert {name for name, rows in held.items() if rows} == members
        assert len({repr(held[name]) for name in members}) == 1
    # Each copy of L-1 below it knows of its termination.
    for org in ("distributor", "importer"):
        seen = book(net, org).license("L-1")
        assert seen is not None and seen.terminated_on == today() + timedelta(days=10)
    assert book(net, "stranger").license("L-1") is None and book(net, "stranger").root_licenses(MARK) == []


# --- the contract on plain data (ledger.memory.ContractHarness) -------------------------

DAY = date(2026, 3, 2)
DAY_MS = int(datetime(2026, 3, 2, 15, tzinfo=UTC).timestamp() * 1000)
SIGNERS = {org.name: Signer(f"did:key:z{org.name}", org.name, org.role, "admin", True) for org in ORGANIZATIONS}


def on_day(n: int) -> str:
    return (DAY + timedelta(days=n)).isoformat()


@pytest.fixture
def harness() -> ContractHarness:
    state = MemoryState({(REGISTRY, org_key(org.name)): OrganizationRecord(org.name, org.role, org.display_name,
                                                                          "active", 0).to_dict()
                         for org in ORGANIZATIONS})
    return ContractHarness(ContractSet([ipr.contract, entries.contract]), state)


def run_prepared(harness: ContractHarness, organization: str, action: str, ready: ipr.Prepared) -> None:
    harness.run(SIGNERS[organization], "ipr", action, ready.args, time_ms=DAY_MS, private=ready.private)


def run(harness: ContractHarness, organization: str, action: str, **args: Any) -> None:
    run_prepared(harness, organization, action, prepared(harness.state, action, args))


def refused_in_memory(harness: ContractHarness, organization: str, action: str, args: dict[str, Any],
                      *fragments: str) -> None:
    """The contract refuses with the reason and the state is exactly as it was."""
    before = dict(harness.state.rows)
    with pytest.raises(Refused) as refused:
        run(harness, organization, action, **args)
    for fragment in fragments:
        assert fragment in refused.value.reason, refused.value.reason
    assert harness.state.rows == before


def licensed_in_memory(harness: ContractHarness) -> None:
    run(harness, "brand", "record", **filing(expires_on=on_day(3650)))
    run(harness, "customs", "decide", recordation_id=RECORDATION_ID, accepted=True)
    for license_id, (licensor, base) in TERMS.items():
        end = base["end"]
        assert isinstance(end, int)
        run(harness, licensor, "license", **{"license_id": license_id, "mark": MARK, **base, "end": on_day(end)})


def test_in_memory_every_record_is_typed_and_kept_under_a_composite_key(harness):
    licensed_in_memory(harness)
    keys = {key for namespace, key in harness.state.rows if namespace == "ipr"}
    assert {recordation_key(RECORDATION_ID), node_key("L-3")} <= keys
    assert not any(key.startswith("license/") for key in keys)  # the terms are private
    l3 = {key for namespace, key in harness.state.rows if namespace == private_namespace("ipr", "license/L-3")}
    assert l3 == {license_key("L-1"), license_key("L-2"), license_key("L-3")}  # its own, and the chain above
    l2 = {key for namespace, key in harness.state.rows if namespace == private_namespace("ipr", "license/L-2")}
    assert l2 == {license_key("L-1"), license_key("L-2"), state_key("child", "L-3")}
    assert not any("\n" in key or ":" in key for key in keys)
    ledger = LedgerLicenseBook(harness.state)
    recordation = ledger.recordation(RECORDATION_ID)
    assert recordation is not None and Recordation.from_dict(recordation.to_dict()) == recordation
    assert (recordation.status, recordation.decided_on) == (RecordationStatus.ACCEPTED, DAY)
    assert [link.license_id for link in authorize(ledger, question(DAY)).chain] == ["L-1", "L-2", "L-3"]


def test_in_memory_a_name_with_the_key_separator_cannot_reach_another_index(harness):
    licensed_in_memory(harness)
    # A license held by "importer/ACME TRAIL" must not be read as one of importer's licenses.
    tricky = "importer/" + MARK
    harness.state.rows[(REGISTRY, org_key(tricky))] = OrganizationRecord(tricky, "importer", "", "active", 0).to_dict()
    run(harness, "distributor", "license", license_id="L-4", mark=MARK, licensee=tricky, parent_id="L-2",
        end=on_day(30))
    assert [lic.license_id for lic in LedgerLicenseBook(harness.state).licenses_held(tricky, MARK)] == ["L-4"]
    assert [lic.license_id for lic in LedgerLicenseBook(harness.state).licenses_held("importer", MARK)] == ["L-3"]
    assert split_key(state_key("held", "a/b", MARK, "L-4")) == ("held", ("a/b", MARK, "L-4"))


def test_in_memory_refusals_carry_the_engines_code_and_change_nothing(harness):
    licensed_in_memory(harness)
    new = {"license_id": "L-9", "end": on_day(600)}
    refused_in_memory(harness, "maker", "license", {**terms("L-2", countries=["CN"]), **new},
                      "wider_than_parent:", "['CN']")
    refused_in_memory(harness, "maker", "license", {**terms("L-2", licensee="nobody"), **new},
                      "licensee nobody is not an active organization")
    refused_in_memory(harness, "stranger", "terminate", {"license_id": "L-2", "reason": "spite"}, "not_a_party:")
    refused_in_memory(harness, "importer", "record", filing(), "may not record")


def test_in_memory_a_grant_carries_its_parts_in_order_and_a_non_party_may_not_sublicense(harness):
    licensed_in_memory(harness)
    ready = prepared(harness.state, "license", terms("L-3", license_id="L-5", licensee="stranger"))
    before = dict(harness.state.rows)
    with pytest.raises(Refused, match="a license carries its terms as private parts"):
        run_prepared(harness, "distributor", "license", dataclasses.replace(ready, private=ready.private[::-1]))
    with pytest.raises(Refused, match="a license carries its terms as private parts"):
        run_prepared(harness, "distributor", "license", dataclasses.replace(ready, private=ready.private[1:]))
    with pytest.raises(Refused, match="'importer' is not a party to parent 'L-2'"):
        run_prepared(harness, "importer", "license", ready)
    assert harness.state.rows == before


def test_in_memory_a_termination_is_recorded_beside_the_license_it_ends(harness):
    licensed_in_memory(harness)
    run(harness, "brand", "terminate", license_id="L-1", reason="quality breach", effective_on=on_day(10))
    ledger = LedgerLicenseBook(harness.state)
    ended = ledger.license("L-1")
    termination = ledger.termination("L-1")
    assert ended is not None and ended.terminated_on == DAY + timedelta(days=10)
    assert termination == Termination("L-1", "brand", DAY + timedelta(days=10), DAY, "quality breach")
    assert authorize(ledger, question(DAY + timedelta(days=9))).authorized
    assert not authorize(ledger, question(DAY + timedelta(days=10))).authorized


def file_in_memory(harness: ContractHarness, number: str, *marked_quantities: int) -> None:
    lines = [{"line": n, "description": "boots", "hts": BOOT_HTS, "origin": "VN", "entered_value": "1000.00",
              "mid": SAIGON_MID, "marks": [MARK]} for n in range(1, len(marked_quantities) + 1)]
    public, private = split_args("file", {
        "entry_number": number, "filed_with": "customs", "importer": "importer", "entry_type": "01",
        "port_code": "2704", "entry_date": DAY.isoformat(), "imported_on": DAY.isoformat(),
        "importer_number": "12-345678900", "mode_of_transport": "11", "country_of_export": "VN", "lines": lines,
    })
    harness.run(SIGNERS["importer"], "entries", "file", public, time_ms=DAY_MS, private=private)


def check_in_memory(harness: ContractHarness, number: str, lines: list[dict[str, Any]]) -> None:
    run_prepared(harness, "customs", "check_entry", ipr.prepare_check(harness.state, "customs", number, lines, DAY))


def test_in_memory_an_entry_check_counts_authorized_units_and_is_kept_as_a_typed_record(harness):
    licensed_in_memory(harness)
    number = str(complete_entry_number("B76-0000777"))
    file_in_memory(harness, number, 6_000, 6_000)
    check_in_memory(harness, number, [{"line": 1, "quantity": 6_000}, {"line": 2, "quantity": 6_000}])
    ledger = LedgerLicenseBook(harness.state)
    check = ledger.entry_check(number)
    assert check is not None and EntryCheck.from_dict(check.to_dict()) == check
    assert (check.flagged_lines, check.as_of, check.checked_by) == ((2,), DAY, "customs")
    assert [line.status for line in check.lines] == [LineStatus.AUTHORIZED, LineStatus.REVIEW]
    assert "caps 10000 units; 6000 already entered" in check.lines[1].reason
    assert [ledger.entry_usage(license_id, number) for license_id in ("L-1", "L-2", "L-3")] == [
        (UsageRecord(number, license_id, 6_000, DAY),) for license_id in ("L-1", "L-2", "L-3")]
    assert [ledger.quantity_used(license_id, DAY) for license_id in ("L-1", "L-2", "L-3")] == [6_000] * 3
    again = recheck_entry(harness.state, number)
    assert (again.lines, again.flagged_lines) == (check.lines, check.flagged_lines)
    before = dict(harness.state.rows)
    with pytest.raises(Refused, match="already checked"):
        check_in_memory(harness, number, [{"line": 1, "quantity": 1}, {"line": 2, "quantity": 1}])
    with pytest.raises(Refused, match="already checked"):  # the public handler judges it too
        harness.run(SIGNERS["customs"], "ipr", "check_entry", {"entry_number": number}, time_ms=DAY_MS)
    assert harness.state.rows == before


def test_in_memory_a_usage_part_refuses_to_overdraw_a_cap_whatever_customs_states(harness):
    licensed_in_memory(harness)
    number = str(complete_entry_number("B76-0000778"))
    file_in_memory(harness, number, 1)
    ready = ipr.prepare_check(harness.state, "customs", number, [{"line": 1, "quantity": 9_000}], DAY)
    inflated = tuple(
        part if part.part != "usage" else dataclasses.replace(part, args={
            **part.args, "lines": [{**line, "quantity": 10_001} for line in part.args["lines"]]})
        for part in ready.private)
    before = dict(harness.state.rows)
    with pytest.raises(Refused, match="fails the quantity question at license L-3") as refused:
        run_prepared(harness, "customs", "check_entry", dataclasses.replace(ready, private=inflated))
    assert "10001" not in refused.value.reason and "10000" not in refused.value.reason  # no term in a reason
    assert harness.state.rows == before


def test_in_memory_records_refuse_malformed_data():
    with pytest.raises(IprDataError, match="entry check record: txid is missing"):
        EntryCheck.from_dict({k: v for k, v in {
            "entry_number": "E", "importer": "i", "filed_with": "c", "entry_version": 1, "checked_by": "c",
            "checked_on": "2026-03-02", "as_of": "2026-03-02", "lines": [], "flagged_lines": [],
            "leaf_index": 0}.items()})
    with pytest.raises(IprDataError, match="one running total per day"):
        UsageTotals.from_dict({"days": ["2026-03-02"], "running": []})
    totals = UsageTotals().plus(DAY, 5).plus(DAY - timedelta(days=1), 2).plus(DAY, 1)
    assert (totals.through(DAY - timedelta(days=1)), totals.through(DAY)) == (2, 8)
    assert UsageTotals.from_dict(totals.to_dict()) == totals
