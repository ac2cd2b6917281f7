"""IPR licenses, caps and usage are private to the chain's parties and customs (decision 15).

On an embedded network: recordations stay public; each license lives in its own
collection; a check debits every license of its chain in that license's collection, so a
parent cap shared by two importers' sub-licenses is never overdrawn, even when two checks
judged on the same usage land in one block. Members see their licenses and usage; a
non-member (the broker, an unrelated importer) sees none, gets "private" answers, and its
store holds not a byte of the terms, the usage or the checks.

    brand (rights holder) records ACME TRAIL (public)
    └── L-1 maker     cap 1000 pairs, may sublicense once
        ├── L-2 harbor    (importer)
        └── L-3 pacific   (importer)
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tradeledger.contracts import ipr
from tradeledger.contracts.ipr import CheckPrivate, block_day, find_check
from tradeledger.contracts.ipr_book import LedgerLicenseBook, check_collection, license_collection
from tradeledger.domain.entry_number import complete_entry_number
from tradeledger.domain.ipr import UnknownSubject
from tradeledger.errors import Refused
from tradeledger.ledger.collections import OUTCOMES, commit_part
from tradeledger.ledger.contract import collection_record
from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.setup import OrgPlan
from tradeledger.workflows import ipr as workflow
from tradeledger.workflows.entries import file_entry as file_entry_workflow

PLAN = (
    OrgPlan("customs", "customs", "U.S. Customs and Border Protection"),
    OrgPlan("brand", "rights_holder", "Acme Outdoor Inc."),
    OrgPlan("maker", "producer", "Saigon Footwear Co."),
    OrgPlan("harbor", "importer", "Harbor Imports Inc."),
    OrgPlan("pacific", "importer", "Pacific Distribution LLC"),
    OrgPlan("broker", "broker", "Dockside Brokerage"),
    OrgPlan("stranger", "importer", "Unrelated Imports Ltd."),
)
MARK = "ACME TRAIL"
MID = "VNSAIGON123HCM"
BOOTS = "6403.99.6075"
CAP = 1000
# Values that appear only in license terms, usage and checks: no non-member may hold them.
SECRET_CAP = 918_273_645
SECRET_QUANTITY = 123_456_789
SECRET_REASON = "royalty audit Zq81-marker"
_numbers = itertools.count(500)


def today() -> date:
    return block_day(now_ms())


@pytest.fixture
def net(tmp_path: Path):
    create_network(tmp_path / "net", PLAN)
    with EmbeddedNetwork(tmp_path / "net") as network:
        workflow.record_mark(network, "brand", {
            "recordation_id": "TMK 26-00017", "registration_number": "6123456", "kind": "trademark", "mark": MARK,
            "goods_description": "Hiking boots", "hts_prefixes": ["6403"], "manufacturing_countries": ["VN"],
            "authorized_manufacturers": [MID]})
        workflow.accept(network, "customs", "TMK 26-00017")
        yield network


def licensed(net, cap: int = CAP) -> None:
    end = (today() + timedelta(days=365)).isoformat()
    workflow.grant_license(net, "brand", {"license_id": "L-1", "mark": MARK, "licensee": "maker",
                                          "quantity_cap": cap, "end": end, "may_sublicense": True,
                                          "further_generations": 1})
    for license_id, importer in (("L-2", "harbor"), ("L-3", "pacific")):
        workflow.sublicense(net, "maker", "L-1", {"license_id": license_id, "mark": MARK, "licensee": importer,
                                                  "end": end})


def file_entry(net, importer: str) -> str:
    number = str(complete_entry_number(f"B76-{next(_numbers):07d}"))
    file_entry_workflow(net, importer, {
        "entry_number": number, "filed_with": "customs", "importer": importer, "entry_type": "01",
        "port_code": "2704", "entry_date": today().isoformat(), "imported_on": today().isoformat(),
        "importer_number": "12-345678900", "mode_of_transport": "11", "country_of_export": "VN",
        "lines": [{"line": 1, "description": "Hiking boots", "hts": BOOTS, "origin": "VN",
                   "entered_value": "1000.00", "mid": MID, "marks": [MARK]}]})
    return number


def check(net, number: str, quantity: int) -> dict[str, Any]:
    return workflow.check_entry(net, "customs", number, [{"line": 1, "quantity": quantity}]).record.to_dict()


def used(net, license_id: str, viewer: str = "customs") -> int:
    return LedgerLicenseBook(net.state(viewer)).quantity_used(license_id, today())


def failed(result: dict[str, Any]) -> str | None:
    return result["lines"][0]["marks"][0]["failed_question"]


def private_verdicts(net, org: str) -> list[dict[str, Any]]:
    return [value for _key, value in net.state(org).scan_state(OUTCOMES, "")]


def store_bytes(net, org: str) -> bytes:
    return b"".join(p.read_bytes() for p in net.layout.store(org).parent.rglob("*") if p.is_file())


def test_two_importers_drawing_on_one_parent_cap_never_overdraw_it(net):
    licensed(net)
    assert failed(check(net, file_entry(net, "harbor"), 700)) is None
    over = check(net, file_entry(net, "pacific"), 400)
    assert over["flagged_lines"] == [1] and failed(over) == "quantity"
    assert "license 'L-1'" in over["lines"][0]["reason"] and "700 already entered" in over["lines"][0]["reason"]
    assert failed(check(net, file_entry(net, "pacific"), 300)) is None
    assert (used(net, "L-1"), used(net, "L-2"), used(net, "L-3")) == (CAP, 700, 300)
    assert failed(check(net, file_entry(net, "harbor"), 1)) == "quantity"
    for member in ("customs", "brand", "maker"):  # every member judged every part alike
        assert used(net, "L-1", member) == CAP
        assert all(verdict["valid"] for verdict in private_verdicts(net, member))


def signed(net, ready: ipr.Prepared):
    """The envelope of a prepared check, its payloads handed to each part's members only."""
    parts = [commit_part(private) for private in ready.private]
    envelope = net.sign("customs", "ipr", "check_entry", ready.args, private=[part.part for part in parts])
    state = net.state("customs")
    licensees = set()
    recipients = {}
    for part in parts:
        if part.part.part == "usage":
            record = collection_record(state, "ipr", part.part.collection)
            assert record is not None
            recipients[("usage", part.part.collection)] = record.members
            licensees |= set(record.members)
    for part in parts:
        if part.part.part == "result":
            recipients[("result", part.part.collection)] = tuple(licensees | {"harbor", "pacific"})
    net.deliver("customs", [part.payload(envelope.txid) for part in parts], recipients)
    return envelope


def test_two_checks_judged_on_the_same_usage_in_one_block_do_not_overdraw_the_cap(net):
    licensed(net)
    first, second = file_entry(net, "harbor"), file_entry(net, "pacific")
    # Customs judges both on the same usage: each fits the cap alone, together they do not.
    one = ipr.prepare_check(net.state("customs"), "customs", first, [{"line": 1, "quantity": 600}], today())
    two = ipr.prepare_check(net.state("customs"), "customs", second, [{"line": 1, "quantity": 600}], today())
    receipts = net.submit([signed(net, one), signed(net, two)])
    assert [r.valid for r in receipts] == [True, False]
    assert receipts[0].height == receipts[1].height  # one block
    assert "has taken another private part since customs judged" in receipts[1].reason
    assert used(net, "L-1") == 600 and used(net, "L-3") == 0
    assert find_check(net.state("customs"), second) is None
    # Judged again on the usage as it now stands, the second entry's line is flagged.
    again = check(net, second, 600)
    assert failed(again) == "quantity" and used(net, "L-1") == 600


def test_a_check_whose_collections_moved_since_customs_judged_it_is_refused_and_judged_again(net):
    licensed(net)
    first, second = file_entry(net, "harbor"), file_entry(net, "pacific")
    stale = ipr.prepare_check(net.state("customs"), "customs", second, [{"line": 1, "quantity": 600}], today())
    check(net, first, 600)
    log = net.orderer.last_position()
    with pytest.raises(Refused, match="license L-1 has taken another private part since customs judged"):
        net.submit_checked("customs", "ipr", "check_entry", stale.args, private=list(stale.private))
    assert net.orderer.last_position() == log and used(net, "L-1") == 600


def test_members_see_their_licenses_and_usage_and_nothing_above_or_beside_them(net):
    licensed(net)
    check(net, file_entry(net, "harbor"), 250)
    for viewer, visible in (("customs", {"L-1", "L-2", "L-3"}), ("brand", {"L-1", "L-2", "L-3"}),
                            ("maker", {"L-1", "L-2", "L-3"}), ("harbor", {"L-1", "L-2"}),
                            ("pacific", {"L-1", "L-3"})):
        book = LedgerLicenseBook(net.state(viewer))
        assert {lid for lid in ("L-1", "L-2", "L-3") if book.license(lid) is not None} == visible, viewer
    # Usage is read in the license's own collection: the importers see theirs, not the parent's.
    assert (used(net, "L-1", "brand"), used(net, "L-2", "maker"), used(net, "L-2", "harbor")) == (250, 250, 250)
    assert (used(net, "L-1", "harbor"), used(net, "L-3", "pacific")) == (0, 0)
    assert LedgerLicenseBook(net.state("harbor")).license("L-1").quantity_cap == CAP  # the term that binds it


def test_the_check_is_kept_for_customs_the_importer_and_the_chain_and_asked_again_by_them(net):
    licensed(net)
    number = file_entry(net, "harbor")
    result = check(net, number, 250)
    record = collection_record(net.state("stranger"), "ipr", check_collection(number))
    assert record is not None and set(record.members) == {"customs", "brand", "maker", "harbor"}
    for member in ("customs", "brand", "maker", "harbor"):
        assert workflow.entry_check(net, member, number).to_dict() == result
    for viewer in ("customs", "brand", "maker"):  # they hold every license it relied on
        assert workflow.recheck_entry(net, viewer, number).lines == workflow.entry_check(net, viewer, number).lines
    with pytest.raises(CheckPrivate, match="relied on licenses L-1"):  # the importer sees not L-1's usage
        workflow.recheck_entry(net, "harbor", number)


def test_an_importer_asks_its_check_again_when_no_license_above_it_has_a_cap(net):
    end = (today() + timedelta(days=365)).isoformat()
    workflow.grant_license(net, "brand", {"license_id": "L-1", "mark": MARK, "licensee": "maker", "end": end,
                                          "may_sublicense": True, "further_generations": 1})
    workflow.sublicense(net, "maker", "L-1", {"license_id": "L-2", "mark": MARK, "licensee": "harbor",
                                              "quantity_cap": 500, "end": end})
    number = file_entry(net, "harbor")
    result = check(net, number, 250)
    tomorrow = today() + timedelta(days=1)
    workflow.terminate(net, "brand", "L-1", "breach", effective_on=tomorrow)
    again = workflow.recheck_entry(net, "harbor", number)  # as the ledger stands: L-1 now ends tomorrow
    assert [(line.status.value, line.reason) for line in again.lines] == [
        (line["status"], line["reason"]) for line in result["lines"]]
    assert workflow.recheck_entry(net, "harbor", number, tomorrow).flagged_lines == (1,)  # its copy of L-1 knows


def test_a_non_member_sees_no_license_no_usage_no_check_and_holds_none_of_their_bytes(net):
    licensed(net, cap=SECRET_CAP)
    number = file_entry(net, "harbor")
    assert failed(check(net, number, SECRET_QUANTITY)) is None
    tomorrow = today() + timedelta(days=1)
    workflow.terminate(net, "maker", "L-3", SECRET_REASON, effective_on=tomorrow)
    for outsider in ("broker", "stranger"):
        book = LedgerLicenseBook(net.state(outsider))
        assert [book.license(lid) for lid in ("L-1", "L-2", "L-3")] == [None] * 3
        assert book.root_licenses(MARK) == [] and used(net, "L-1", outsider) == 0
        assert workflow.chain(net, outsider, MARK, today()).document["tree"]["children"] == []  # the mark is public
        with pytest.raises(UnknownSubject):
            workflow.chain(net, outsider, "L-2", today())
        with pytest.raises(CheckPrivate, match="private to customs, the importer and the parties"):
            workflow.entry_check(net, outsider, number)
        with pytest.raises(CheckPrivate):
            workflow.recheck_entry(net, outsider, number)
        # Public: the recordation, the license ids and members, that the entry was checked.
        assert book.recordation_for_mark(MARK) is not None
        assert collection_record(net.state(outsider), "ipr", license_collection("L-2")) is not None
    assert workflow.license_book(net, "pacific").license("L-3").termination_reason == SECRET_REASON
    net.close()
    secrets = (str(SECRET_CAP).encode(), str(SECRET_QUANTITY).encode(), SECRET_REASON.encode())
    for member in ("customs", "brand", "maker", "harbor"):
        held = store_bytes(net, member)
        assert all(secret in held for secret in secrets[:2]), member
    for outsider in ("broker", "stranger"):
        held = store_bytes(net, outsider)
        assert not any(secret in held for secret in secrets), outsider
    orderer = b"".join(p.read_bytes() for p in net.layout.orderer.parent.rglob("*") if p.is_file())
    assert not any(secret in orderer for secret in secrets)


def test_bad_input_is_refused_with_its_reason_and_writes_nothing(net):
    licensed(net)
    number = file_entry(net, "harbor")
    log = net.orderer.last_position()
    with pytest.raises(Refused, match="give the quantity of marked lines"):
        workflow.check_entry(net, "customs", number, [])
    with pytest.raises(Refused, match="wider_than_parent"):
        workflow.sublicense(net, "maker", "L-1", {"license_id": "L-9", "mark": MARK, "licensee": "stranger",
                                                  "quantity_cap": CAP + 1, "end": today().isoformat()})
    with pytest.raises(Refused, match="not_a_party"):
        workflow.terminate(net, "stranger", "L-2", "no reason")
    with pytest.raises(Refused, match="is not a party to parent 'L-1'"):
        workflow.sublicense(net, "harbor", "L-1", {"license_id": "L-9", "mark": MARK, "licensee": "stranger",
                                                   "end": today().isoformat()})
    assert net.orderer.last_position() == log
    assert collection_record(net.state("customs"), "ipr", license_collection("L-9")) is None
