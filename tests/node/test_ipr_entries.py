"""Entry integration of the IPR check (issue 5, item 4) on an embedded network.

Entry lines carry the marks their goods bear. Customs runs the border check for a whole
entry filed with it: each marked line is asked of the ledger's license book as of the
day of importation; a failing line is flagged for review with the engine's reason, in
the check's collection (customs, the importer and the chain's parties); an authorized
line's units count against every capped license of its chain, in each license's own
collection. A later termination fails a later import and leaves the earlier one valid.

    brand (rights holder) records ACME TRAIL: boots and bags (6403, 4202), made in VN or IT
    └── L-1 maker     6403, VN, VNSAIGON123HCM, 2 more generations
        └── L-2 importer   640399, cap 1000 pairs
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tradeledger.contracts import entries
from tradeledger.contracts.ipr import block_day, find_check, recheck_entry
from tradeledger.contracts.ipr_book import LedgerLicenseBook
from tradeledger.domain.entry_number import complete_entry_number
from tradeledger.errors import Refused
from tradeledger.ledger.collections import private_namespace
from tradeledger.ledger.keys import key_prefix, split_key
from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.setup import OrgPlan
from tradeledger.workflows import entries as entry_flows
from tradeledger.workflows import ipr as workflow

ORGANIZATIONS = (
    OrgPlan("customs", "customs", "U.S. Customs and Border Protection"),
    OrgPlan("customs-west", "customs", "Another customs authority"),
    OrgPlan("brand", "rights_holder", "Acme Outdoor Inc."),
    OrgPlan("maker", "producer", "Saigon Footwear Co."),
    OrgPlan("importer", "importer", "Harbor Imports Inc."),
)
MARK = "ACME TRAIL"
SAIGON_MID = "VNSAIGON123HCM"
MILAN_MID = "ITCALZA45MIL"
BOOTS = "6403.99.6075"
BAGS = "4202.92.3120"
SHIRTS = "6109.10.0012"
_numbers = itertools.count(200)


@pytest.fixture
def net(tmp_path: Path):
    create_network(tmp_path / "net", ORGANIZATIONS)
    with EmbeddedNetwork(tmp_path / "net") as network:
        licensed(network)
        yield network


def today() -> date:
    return block_day(now_ms())


def submit(net, organization: str, contract: str, action: str, **args: Any) -> None:
    net.submit_checked(organization, contract, action, args)


def licensed(net) -> None:
    end = (today() + timedelta(days=365)).isoformat()
    submit(net, "brand", "ipr", "record", recordation_id="TMK 26-00017", registration_number="6123456",
           kind="trademark", mark=MARK, goods_description="Hiking boots and backpacks",
           hts_prefixes=["6403", "4202"], manufacturing_countries=["VN", "IT"],
           authorized_manufacturers=[SAIGON_MID, MILAN_MID], gray_market_protection=True)
    submit(net, "customs", "ipr", "decide", recordation_id="TMK 26-00017", accepted=True)
    workflow.grant_license(net, "brand", {
        "license_id": "L-1", "mark": MARK, "licensee": "maker", "hts_prefixes": ["6403"], "countries": ["VN"],
        "manufacturers": [SAIGON_MID], "end": end, "may_sublicense": True, "further_generations": 2})
    workflow.sublicense(net, "maker", "L-1", {
        "license_id": "L-2", "mark": MARK, "licensee": "importer", "hts_prefixes": ["640399"],
        "quantity_cap": 1000, "end": end})


def ipr_rows(state) -> list[tuple[str, str, Any]]:
    """Every ipr row a peer holds: public, and private in each collection it is a member of."""
    rows = [("ipr", key, value) for key, value in state.scan_state("ipr", "")]
    for key, _members in state.scan_state("ipr", key_prefix("collection")):
        namespace = private_namespace("ipr", split_key(key)[1][0])
        rows += [(namespace, k, v) for k, v in state.scan_state(namespace, "")]
    return rows


MIDS = {"VN": SAIGON_MID, "IT": MILAN_MID}


def line(number: int, hts: str = BOOTS, origin: str = "VN", marks: tuple[str, ...] = (MARK,)) -> dict[str, Any]:
    return {"line": number, "description": "goods", "hts": hts, "origin": origin, "entered_value": "1000.00",
            "mid": MIDS[origin], "marks": list(marks)}


def file_entry(net, *lines: dict[str, Any], imported_on: date | None = None) -> str:
    """An entry summary (CBP Form 7501) of the importer, filed with customs."""
    number = str(complete_entry_number(f"B76-{next(_numbers):07d}"))
    entry_flows.file_entry(net, "importer", dict(
        entry_number=number, filed_with="customs", importer="importer", entry_type="01", port_code="2704",
        entry_date=today().isoformat(), imported_on=(imported_on or today()).isoformat(),
        importer_number="12-345678900", mode_of_transport="11", country_of_export="VN", lines=list(lines)))
    return number


def facts(number: int, quantity: int = 100, **more: Any) -> dict[str, Any]:
    """What customs found on a marked line; the manufacturer is the line's MID unless named."""
    return {"line": number, "quantity": quantity, **more}


def check(net, entry_number: str, *line_facts: dict[str, Any], customs: str = "customs") -> dict[str, Any]:
    workflow.check_entry(net, customs, entry_number, list(line_facts))
    found = find_check(net.state("importer"), entry_number)
    assert found is not None
    return found.to_dict()


def by_line(result: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {judged["line"]: judged for judged in result["lines"]}


def used(net, license_id: str, on: date | None = None) -> int:
    return LedgerLicenseBook(net.state("customs")).quantity_used(license_id, on or today())


def test_entry_lines_carry_the_marks_their_goods_bear(net):
    number = file_entry(net, line(1), line(2, hts=SHIRTS, marks=()))
    filed = entries.find_entry(net.state("customs"), number)
    assert filed is not None and [item.marks for item in filed.lines] == [(MARK,), ()]


def test_customs_checks_every_marked_line_and_flags_the_failing_ones_with_the_reason(net):
    number = file_entry(
        net,
        line(1),                                  # boots made in VN by the licensed maker
        line(2, origin="IT"),                     # boots made in Italy: L-1 covers Vietnam only
        line(3, hts=SHIRTS, marks=()),             # no mark: not an IPR matter
        line(4, hts=BAGS),                        # bags: the importer's L-2 covers 640399 only
        line(5, marks=("ACME SUMMIT",)),          # a mark nobody recorded
        line(6),                                  # made for a foreign market, unlabeled
        line(7),                                  # made for a foreign market, with the Lever label
        line(8),                                  # customs found another factory made them
    )
    result = check(net, number, facts(1, 300), facts(2), facts(4), facts(5),
                   facts(6, physically_materially_different=True),
                   facts(7, 50, physically_materially_different=True, bears_lever_label=True),
                   facts(8, manufacturer="VNCOPYCAT9HCM"))

    assert result["flagged_lines"] == [2, 4, 5, 6, 8]
    assert (result["checked_by"], result["as_of"], result["checked_on"]) == (
        "customs", today().isoformat(), today().isoformat())
    lines = by_line(result)
    assert sorted(lines) == [1, 2, 4, 5, 6, 7, 8]  # line 3 bears no mark
    assert {n: judged["status"] for n, judged in lines.items()} == {
        1: "authorized", 2: "review", 4: "review", 5: "review", 6: "review", 7: "authorized", 8: "review"}
    failed = {n: judged["marks"][0]["failed_question"] for n, judged in lines.items()}
    assert failed == {1: None, 2: "scope_country", 4: "scope_product", 5: "recorded", 6: "gray_market", 7: None,
                      8: "scope_manufacturer"}
    assert (lines[1]["manufacturer"], lines[8]["manufacturer"]) == (SAIGON_MID, "VNCOPYCAT9HCM")
    assert "license 'L-1' does not cover manufacture in IT" in lines[2]["reason"]
    assert "does not cover HTS 4202923120" in lines[4]["reason"]
    assert "'ACME SUMMIT' is not recorded" in lines[5]["reason"]
    assert "Lever label" in lines[6]["reason"]
    assert "holds the right through 'brand' -> L-1 'maker' -> L-2 'importer'" in lines[1]["reason"]
    assert [link["license_id"] for link in lines[1]["marks"][0]["chain"]] == ["L-1", "L-2"]

    # Only the authorized lines' units count, against every license of their chain.
    assert used(net, "L-2") == used(net, "L-1") == 350
    assert LedgerLicenseBook(net.state("customs")).entry_usage("L-2", number)[0].quantity == 350
    # Every member of the check's collection (here every organization: all are parties of
    # the chain or customs) holds the same result.
    assert len({repr(find_check(net.state(name), number)) for name in net.peers}) == 1


def test_units_count_against_the_cap_across_lines_and_across_entries(net):
    first = file_entry(net, line(1), line(2))
    result = check(net, first, facts(1, 600), facts(2, 600))
    assert result["flagged_lines"] == [2]
    assert "caps 1000 units; 600 already entered under it" in by_line(result)[2]["reason"]
    second = file_entry(net, line(1))
    assert check(net, second, facts(1, 400))["flagged_lines"] == []
    third = file_entry(net, line(1))
    assert by_line(check(net, third, facts(1, 1)))[1]["marks"][0]["failed_question"] == "quantity"
    assert used(net, "L-2") == 1000


def test_a_terminated_parent_fails_a_later_import_while_the_earlier_one_stays_valid(net):
    tomorrow = today() + timedelta(days=1)
    earlier = file_entry(net, line(1))
    first = check(net, earlier, facts(1, 200))
    assert first["flagged_lines"] == []

    workflow.terminate(net, "brand", "L-1", "quality breach", effective_on=tomorrow)
    later = file_entry(net, line(1), imported_on=tomorrow)
    second = check(net, later, facts(1, 200))
    assert second["flagged_lines"] == [1] and second["as_of"] == tomorrow.isoformat()
    mark = by_line(second)[1]["marks"][0]
    assert (mark["failed_question"], mark["broken_link"]) == ("validity", "L-1")
    assert [link["status"] for link in mark["chain"]] == ["terminated", "ancestor_invalid"]

    store = net.state("customs")
    recorded = find_check(store, earlier)
    assert recorded is not None and recorded.to_dict() == first  # history is not rewritten
    asked_again = recheck_entry(store, earlier).to_dict()
    assert asked_again["flagged_lines"] == []
    assert [judged["reason"] for judged in asked_again["lines"]] == [judged["reason"] for judged in first["lines"]]
    as_of_tomorrow = recheck_entry(store, earlier, tomorrow).to_dict()
    assert as_of_tomorrow["flagged_lines"] == [1]
    assert used(net, "L-2", tomorrow) == 200  # the flagged import counted nothing


def test_asking_again_about_an_entry_gives_the_original_answer_line_by_line(net):
    number = file_entry(net, line(1), line(2))
    result = check(net, number, facts(1, 700), facts(2, 700))
    assert result["flagged_lines"] == [2]
    again = recheck_entry(net.state("customs"), number).to_dict()
    assert again["lines"] == result["lines"] and again["flagged_lines"] == [2]
    with pytest.raises(LookupError, match="has no IPR check"):
        recheck_entry(net.state("customs"), file_entry(net, line(1)))


def test_an_amendment_after_the_check_leaves_the_checked_version_to_be_asked_again(net):
    number = file_entry(net, line(1))
    result = check(net, number, facts(1, 100))
    entry_flows.amend_entry(net, "importer", number, dict(
        entry_type="01", port_code="2704", entry_date=today().isoformat(), imported_on=today().isoformat(),
        importer_number="12-345678900", mode_of_transport="11", country_of_export="VN",
        lines=[line(1), line(2, origin="IT")]), reason="a second line was missing")
    assert result["entry_version"] == 1
    again = recheck_entry(net.state("customs"), number).to_dict()
    assert [judged["line"] for judged in again["lines"]] == [1] and again["lines"] == result["lines"]


def assert_refused(net, organization: str, args: dict[str, Any], *fragments: str, raw: bool = False) -> None:
    """Refused with the reason: the log does not grow and no peer's ipr rows move."""
    log_before = net.orderer.last_position()
    state_before = {name: ipr_rows(net.state(name)) for name in net.peers}
    with pytest.raises(Refused) as refused:
        if raw:  # the public arguments alone, as a client that skips the workflow sends them
            net.submit_checked(organization, "ipr", "check_entry", args)
        else:
            workflow.check_entry(net, organization, args["entry_number"], args["lines"])
    for fragment in fragments:
        assert fragment in str(refused.value), str(refused.value)
    assert net.orderer.last_position() == log_before
    assert {name: ipr_rows(net.state(name)) for name in net.peers} == state_before


def test_a_check_customs_cannot_make_is_refused_and_changes_nothing(net):
    number = file_entry(net, line(1), line(2, hts=SHIRTS, marks=()))
    args = {"entry_number": number, "lines": [facts(1)]}
    assert_refused(net, "importer", {"entry_number": number}, "may not check_entry", "customs", raw=True)
    assert_refused(net, "customs-west", args, f"entry {number} was filed with customs, not customs-west")
    assert_refused(net, "customs-west", {"entry_number": number}, "filed with customs, not customs-west", raw=True)
    assert_refused(net, "customs", {"entry_number": number}, "one result part", raw=True)
    assert_refused(net, "customs", {**args, "entry_number": "B76-0000001-5"}, "is not filed")
    assert_refused(net, "customs", {**args, "lines": []}, "give the quantity of marked lines [1]")
    assert_refused(net, "customs", {**args, "lines": [facts(1), facts(2)]}, "lines [2]", "bear no mark")
    assert_refused(net, "customs", {**args, "lines": [facts(1), facts(1)]}, "given once")
    assert_refused(net, "customs", {**args, "lines": [facts(1, 0)]}, "malformed:", "positive number of units")
    assert_refused(net, "customs", {**args, "lines": [{"line": 1, "quantity": "9"}]}, "invalid line facts")
    unmarked = file_entry(net, line(1, hts=SHIRTS, marks=()))
    assert_refused(net, "customs", {"entry_number": unmarked, "lines": []}, "no line of entry", "bears a mark")

    check(net, number, facts(1))
    assert_refused(net, "customs", args, "already checked", "its result stands")
    assert_refused(net, "customs", {"entry_number": number}, "already checked", raw=True)


def test_an_entry_imported_before_today_is_not_checked_so_usage_never_lands_in_the_past(net):
    number = file_entry(net, line(1), imported_on=today() - timedelta(days=1))
    assert_refused(net, "customs", {"entry_number": number, "lines": [facts(1)]},
                   "before today", "on or before their day of importation")
    assert used(net, "L-2", today() + timedelta(days=30)) == 0
