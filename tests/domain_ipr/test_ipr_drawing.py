"""The license tree drawn for people: valid SVG naming every party, statuses as of a day."""

import json
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from ipr_world import DISTRIBUTOR, IMPORTER, MAKER, MARK, OWNER, RECORDATION_ID, STRANGER, chain_book, license

from tradeledger.domain.ipr import Termination, UnknownSubject, chain_json, chain_svg

SVG = "{http://www.w3.org/2000/svg}"


def branching_book():
    """The chain, plus a second sub-licensee under Pacific, and Pacific's license terminated."""
    book = chain_book()
    book.grant(license("L-4", DISTRIBUTOR, STRANGER, "L-2", start=date(2024, 5, 1), granted_on=date(2024, 5, 1)))
    book.terminate(Termination("L-2", MAKER, date(2024, 9, 1), date(2024, 8, 15), "distribution ended"))
    return book


def texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return [el.text or "" for el in root.iter(f"{SVG}text")]


def box_classes(svg: str) -> dict[str, str | None]:
    """license id -> the status class of the box whose text names it."""
    found: dict[str, str | None] = {}
    for group in ET.fromstring(svg).iter(f"{SVG}g"):
        for text in group.iter(f"{SVG}text"):
            first = (text.text or "").split(" · ")[0]
            if first.startswith("L-"):
                found[first] = group.get("class")
    return found


def test_the_svg_parses_and_names_every_party_and_date():
    svg = chain_svg(branching_book(), MARK, date(2024, 6, 1))
    words = " ".join(texts(svg))
    for party in (OWNER, MAKER, DISTRIBUTOR, IMPORTER, STRANGER):
        assert party in words
    for day in ("2024-02-01", "2026-12-31", "2024-04-01", "2025-12-31"):
        assert day in words
    assert RECORDATION_ID in words and "Lever-rule" in words


def test_statuses_are_as_of_the_day_drawn():
    book = branching_book()
    before = box_classes(chain_svg(book, MARK, date(2024, 8, 31)))
    assert before == {"L-1": "valid", "L-2": "valid", "L-3": "valid", "L-4": "valid"}
    after = box_classes(chain_svg(book, MARK, date(2024, 9, 1)))
    assert after == {"L-1": "valid", "L-2": "terminated", "L-3": "ancestor_invalid", "L-4": "ancestor_invalid"}
    expired = box_classes(chain_svg(book, MARK, date(2027, 1, 1)))
    assert expired["L-1"] == "expired"


def test_status_colors_differ():
    svg = chain_svg(branching_book(), MARK, date(2024, 9, 1))
    fills = {}
    for group in ET.fromstring(svg).iter(f"{SVG}g"):
        rect = group.find(f"{SVG}rect")
        assert rect is not None
        fills[group.get("class")] = rect.get("fill")
    assert len({fills["valid"], fills["terminated"], fills["ancestor_invalid"], fills["recordation"]}) == 4


def test_drawing_one_license_shows_its_chain_and_its_branch_only():
    book = branching_book()
    svg = chain_svg(book, "L-3", date(2024, 6, 1))
    assert set(box_classes(svg)) == {"L-1", "L-2", "L-3"}
    assert STRANGER not in " ".join(texts(svg))


def test_party_names_with_markup_are_escaped():
    book = chain_book()
    book.grant(license("L-5", DISTRIBUTOR, 'Tom & Jerry <"Imports">', "L-2",
                       start=date(2024, 5, 1), granted_on=date(2024, 5, 1)))
    assert 'Tom & Jerry <"Imports">' in texts(chain_svg(book, MARK, date(2024, 6, 1)))


def test_the_json_tree_nests_licenses_under_their_licensors():
    tree = chain_json(branching_book(), MARK, date(2024, 9, 1))
    json.dumps(tree)  # JSON-safe
    root = tree["tree"]
    assert root["owner"] == OWNER and root["status"] == "recorded"
    (l1,) = root["children"]
    (l2,) = l1["children"]
    assert [child["license_id"] for child in l2["children"]] == ["L-3", "L-4"]
    assert l2["status"] == "terminated" and l2["terminated_on"] == "2024-09-01"
    assert l2["termination_reason"] == "distribution ended"
    assert l2["children"][0]["status"] == "ancestor_invalid"
    assert tree["licenses_shown"] == 4 and tree["branches_left_out"] == 0


def test_a_large_tree_is_cut_and_says_so():
    book = branching_book()
    tree = chain_json(book, MARK, date(2024, 6, 1), max_licenses=2)
    assert tree["licenses_shown"] == 2 and tree["branches_left_out"] == 2  # L-3 and L-4 under L-2
    svg = chain_svg(book, MARK, date(2024, 6, 1), max_licenses=2)
    assert any("more branches not drawn" in t for t in texts(svg))


def test_an_unknown_subject_is_refused():
    with pytest.raises(UnknownSubject):
        chain_svg(chain_book(), "NO SUCH MARK", date(2024, 6, 1))
