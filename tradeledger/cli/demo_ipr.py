"""The demo's intellectual-property step: a license chain checked at the border, as of a day.

A rights holder records a trademark and customs accepts it; the owner licenses a foreign
maker, which sublicenses the importer. The importer's entry passes the border check. The
owner then terminates the maker's license from tomorrow: the importer's entry for
tomorrow is flagged for review, while the earlier entry stays valid, asked again today.
The licenses, their caps and usage stay in their private collections (contracts.ipr).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from rich.markup import escape

from tradeledger.contracts.ipr import block_day
from tradeledger.contracts.ipr_book import NAMESPACE, JudgedLine, license_collection
from tradeledger.domain.entry_number import complete_entry_number
from tradeledger.errors import Refused
from tradeledger.ledger.contract import collection_record
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.errors import NetworkError
from tradeledger.runtime.node import Node
from tradeledger.workflows import ipr as workflow
from tradeledger.workflows.entries import file_entry

__all__ = ["ipr_demo_step"]

MARK = "ACME TRAIL"
RECORDATION_ID = "TMK 26-00017"
SAIGON_MID = "VNSAIGON123HCM"
BOOT_HTS = "6403.99.6075"  # footwear with leather uppers, other (HTSUS 6403.99.60, stat. suffix 75)


def _hosted(net: Node, name: str) -> bool:
    try:
        net.organization_keys(name)
    except NetworkError:
        return False
    return True


def _organization(net: Node, roles: tuple[str, ...], but: tuple[str, ...] = ()) -> str:
    for role in roles:
        for org in net.genesis.organizations:
            if org.role == role and org.name not in but and _hosted(net, org.name):
                return org.name
    raise NetworkError(
        f"the IPR demo step needs an organization with role {' or '.join(roles)} hosted in this folder; "
        "create the network with one (for example OrgPlan('brand', 'rights_holder', 'Acme Outdoor Inc.'))"
    )


def _file_entry(net: Node, importer: str, customs: str, number: str, day: date) -> None:
    file_entry(net, importer, {
        "entry_number": number, "filed_with": customs, "importer": importer, "entry_type": "01",
        "port_code": "2704", "entry_date": day.isoformat(), "imported_on": day.isoformat(),
        "importer_number": "12-345678900", "mode_of_transport": "11", "country_of_export": "VN",
        "lines": [{"line": 1, "description": "Hiking boots, leather uppers", "hts": BOOT_HTS, "origin": "VN",
                   "entered_value": "36000.00", "mid": SAIGON_MID, "marks": [MARK]}],
    })


def _verdict(line: JudgedLine) -> str:
    word = "AUTHORIZED" if line.authorized else "FLAGGED FOR REVIEW"
    return f"{word}: {escape(line.reason)}"


def ipr_demo_step(net: Node, say: Callable[[str], Any]) -> None:
    """Run the step on `net`, which must host a customs, a rights holder, an importer and
    a maker (role producer or exporter); `say` prints one line of rich text."""
    customs = _organization(net, ("customs",))
    owner = _organization(net, ("rights_holder",))
    importer = _organization(net, ("importer",))
    maker = _organization(net, ("producer", "exporter"), but=(importer,))
    today = block_day(now_ms())
    tomorrow = today + timedelta(days=1)
    first, second = (str(complete_entry_number(f"B76-{n:07d}")) for n in (1_000_133, 1_000_134))

    workflow.record_mark(net, owner, {
        "recordation_id": RECORDATION_ID, "registration_number": "6123456", "kind": "trademark", "mark": MARK,
        "goods_description": "Hiking boots", "hts_prefixes": ["6403"], "manufacturing_countries": ["VN"],
        "authorized_manufacturers": [SAIGON_MID], "gray_market_protection": True,
    })
    workflow.accept(net, customs, RECORDATION_ID)
    say(f"  {owner} records trademark {MARK!r} ({RECORDATION_ID}: boots of HTS 6403 made in VN by {SAIGON_MID}, "
        f"Lever-rule protection); {customs} accepts it")
    end = (today + timedelta(days=730)).isoformat()
    workflow.grant_license(net, owner, {
        "license_id": "L-1", "mark": MARK, "licensee": maker, "hts_prefixes": ["6403"], "countries": ["VN"],
        "quantity_cap": 50_000, "end": end, "may_sublicense": True, "further_generations": 1,
    })
    workflow.sublicense(net, maker, "L-1", {
        "license_id": "L-2", "mark": MARK, "licensee": importer, "hts_prefixes": ["640399"],
        "quantity_cap": 10_000, "end": end,
    })
    say(f"  {owner} licenses {maker} (L-1, 50,000 pairs, may sublicense once); "
        f"{maker} sublicenses {importer} (L-2, HTS 640399, 10,000 pairs), both {today} to {end}")
    try:
        workflow.sublicense(net, maker, "L-1", {
            "license_id": "L-3", "mark": MARK, "licensee": importer, "countries": ["CN"], "end": end,
        })
    except Refused as refused:
        say(f"  a sub-license for boots made in CN is refused, and never reaches the log: {escape(str(refused))}")

    _file_entry(net, importer, customs, first, today)
    checked = workflow.check_entry(net, customs, first, [{"line": 1, "quantity": 1_200}]).record  # the line's MID
    say(f"  entry {first} (imported {today}, 1,200 pairs) checked by {customs}: {_verdict(checked.lines[0])}")

    workflow.terminate(net, owner, "L-1", "the maker breached the quality terms", effective_on=tomorrow)
    say(f"  {owner} terminates L-1 from {tomorrow}; L-2 below it falls with it from that day")
    _file_entry(net, importer, customs, second, tomorrow)
    later = workflow.check_entry(net, customs, second, [{"line": 1, "quantity": 800}]).record
    say(f"  entry {second} (imported {tomorrow}, 800 pairs): {_verdict(later.lines[0])}")

    again = workflow.recheck_entry(net, customs, first)
    recorded = workflow.entry_check(net, customs, first)
    say(f"  entry {first} asked again today as of {today}: {_verdict(again.lines[0])}; its recorded check "
        f"(leaf {recorded.leaf_index}) is unchanged: history is not rewritten")
    for day in (today, tomorrow):
        tree = workflow.chain(net, customs, MARK, day).document
        statuses = ", ".join(f"{link['license_id']} {link['status']}" for link in _links(tree["tree"]))
        say(f"  the chain as of {day}: {statuses}")
    members = collection_record(net.state(customs), NAMESPACE, license_collection("L-2"))
    outsiders = [org.name for org in net.genesis.organizations
                 if members is not None and org.name not in members.members and _hosted(net, org.name)]
    if members is not None:
        hidden = outsiders and workflow.license_book(net, outsiders[0]).license("L-2") is None
        say(f"  L-2's terms, cap and usage are private to {', '.join(members.members)}"
            + (f"; {outsiders[0]}'s peer holds none of them, only the recordation and that the entries were checked"
               if hidden else ""))
    say(f"  by hand: tradeledger ipr chain {MARK!r} --dir DIR --on {tomorrow} --svg tree.svg; "
        f"tradeledger ipr check --entry {first} --dir DIR")


def _links(node: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for child in node["children"]:
        found.append(child)
        found.extend(_links(child))
    return found
