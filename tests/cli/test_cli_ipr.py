"""`tradeledger ipr` and the demo's IPR step, mounted on a small app as the lead mounts them.

JSON in, JSON out. A "no" at the border is an answer (exit 0, in the JSON); bad input and
whatever the ledger refuses print one line "error: <reason>" on stderr, exit 2, and leave
the log as it was.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from tradeledger.cli.demo_ipr import ipr_demo_step
from tradeledger.cli.ipr import ipr_app
from tradeledger.contracts.ipr import block_day
from tradeledger.node import EmbeddedNetwork, NetworkError, create_network
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.setup import DEMO_ORGANIZATIONS, OrgPlan
from tradeledger.workflows import entries as entry_flows

app = typer.Typer(add_completion=False, no_args_is_help=True)
app.add_typer(ipr_app, name="ipr")

ORGANIZATIONS = (
    OrgPlan("customs", "customs", "U.S. Customs and Border Protection"),
    OrgPlan("brand", "rights_holder", "Acme Outdoor Inc."),
    OrgPlan("maker", "producer", "Saigon Footwear Co."),
    OrgPlan("importer", "importer", "Harbor Imports Inc."),
)
MARK = "ACME TRAIL"
SAIGON_MID = "VNSAIGON123HCM"
ENTRY = "B76-0324527-8"  # CATAIR Appendix E's worked example (shared/domain/FACTS.md 1.2)


def today() -> date:
    return block_day(now_ms())


def days(n: int) -> str:
    return (today() + timedelta(days=n)).isoformat()


@pytest.fixture
def network(tmp_path: Path) -> Path:
    create_network(tmp_path / "net", ORGANIZATIONS)
    return tmp_path / "net"


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(app, ["ipr", *args], input=stdin)


def ok(*args: str, stdin: str | None = None) -> Any:
    result = run(*args, stdin=stdin)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def log_size(network: Path) -> int:
    with EmbeddedNetwork(network) as net:
        assert net.orderer is not None
        return net.orderer.last_position()


def assert_refused(network: Path, result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def write(path: Path, data: Any) -> str:
    path.write_text(json.dumps(data))
    return str(path)


RECORDATION = {
    "recordation_id": "TMK 26-00017", "registration_number": "6123456", "kind": "trademark", "mark": MARK,
    "goods_description": "Hiking boots", "hts_prefixes": ["6403"], "manufacturing_countries": ["VN"],
    "authorized_manufacturers": [SAIGON_MID], "gray_market_protection": True,
}


def licensed(network: Path, tmp_path: Path) -> None:
    d = str(network)
    ok("record", write(tmp_path / "recordation.json", RECORDATION), "--dir", d, "--as", "brand")
    ok("accept", "TMK 26-00017", "--dir", d, "--as", "customs")
    ok("license", write(tmp_path / "l1.json", {
        "license_id": "L-1", "mark": MARK, "licensee": "maker", "countries": ["VN"], "end": days(700),
        "may_sublicense": True, "further_generations": 1}), "--dir", d, "--as", "brand")
    ok("sublicense", "L-1", "-", "--dir", d, "--as", "maker", stdin=json.dumps({
        "license_id": "L-2", "mark": MARK, "licensee": "importer", "hts_prefixes": ["640399"],
        "quantity_cap": 5000, "end": days(600)}))


def the_question(**changes: Any) -> dict[str, Any]:
    return {"importer": "importer", "mark": MARK, "hts": "6403.99.6075", "manufacturer": SAIGON_MID,
            "country": "VN", "quantity": 100, **changes}


def test_record_accept_license_sublicense_check_terminate_and_check_as_of_a_day(network, tmp_path):
    d = str(network)
    recorded = ok("record", write(tmp_path / "recordation.json", RECORDATION), "--dir", d, "--as", "brand")
    assert recorded["receipt"]["valid"] is True and recorded["record"]["status"] == "pending"
    accepted = ok("accept", "TMK 26-00017", "--dir", d, "--as", "customs")
    assert (accepted["record"]["status"], accepted["record"]["decided_on"]) == ("accepted", today().isoformat())
    licensed_ = ok("license", write(tmp_path / "l1.json", {
        "license_id": "L-1", "mark": MARK, "licensee": "maker", "countries": ["VN"], "end": days(700),
        "may_sublicense": True, "further_generations": 1}), "--dir", d, "--as", "brand")
    assert (licensed_["record"]["licensor"], licensed_["record"]["granted_on"]) == ("brand", today().isoformat())
    sub = ok("sublicense", "L-1", "-", "--dir", d, "--as", "maker", stdin=json.dumps({
        "license_id": "L-2", "mark": MARK, "licensee": "importer", "hts_prefixes": ["640399"], "end": days(600)}))
    assert sub["record"]["parent_id"] == "L-1"

    question = write(tmp_path / "question.json", the_question())
    yes = ok("check", question, "--dir", d, "--on", days(5))
    assert yes["authorized"] is True and [link["license_id"] for link in yes["chain"]] == ["L-1", "L-2"]

    ended = ok("terminate", "L-1", "--reason", "quality breach", "--on", days(10), "--dir", d, "--as", "brand")
    assert ended["record"]["terminated_on"] == days(10)
    assert ok("check", question, "--dir", d, "--on", days(5))["authorized"] is True  # before: unchanged
    no = ok("check", question, "--dir", d, "--on", days(10))
    assert (no["authorized"], no["failed_question"], no["broken_link"]) == (False, "validity", "L-1")
    # "on" inside the question is used when --on is not given.
    assert ok("check", write(tmp_path / "q2.json", the_question(on=days(10))), "--dir", d)["authorized"] is False


def test_refuse_records_the_reason(network):
    d = str(network)
    ok("record", "-", "--dir", d, "--as", "brand", stdin=json.dumps(RECORDATION))
    refused = ok("refuse", "TMK 26-00017", "--reason", "not on the principal register", "--dir", d, "--as", "customs")
    assert (refused["record"]["status"], refused["record"]["decision_reason"]) == (
        "refused", "not on the principal register")


def test_chain_prints_json_and_draws_svg(network, tmp_path):
    licensed(network, tmp_path)
    d = str(network)
    ok("terminate", "L-1", "--reason", "quality breach", "--on", days(3), "--dir", d, "--as", "brand")
    drawing = tmp_path / "tree.svg"
    tree = ok("chain", MARK, "--dir", d, "--on", days(3), "--svg", str(drawing))
    assert tree["format"] == "tradeledger-ipr-chain/1" and tree["as_of"] == days(3)
    l1 = tree["tree"]["children"][0]
    assert (l1["license_id"], l1["status"], l1["children"][0]["status"]) == ("L-1", "terminated", "ancestor_invalid")
    svg = drawing.read_text()
    assert svg.startswith("<?xml") and f"terminated from {days(3)}" in svg and "L-2" in svg
    today_tree = ok("chain", "L-2", "--dir", d)
    assert today_tree["tree"]["children"][0]["status"] == "valid"


def file_entry(network: Path, number: str, day: date) -> None:
    with EmbeddedNetwork(network) as net:
        entry_flows.file_entry(net, "importer", {
            "entry_number": number, "filed_with": "customs", "importer": "importer", "entry_type": "01",
            "port_code": "2704", "entry_date": day.isoformat(), "imported_on": day.isoformat(),
            "importer_number": "12-345678900", "mode_of_transport": "11", "country_of_export": "VN",
            "lines": [{"line": 1, "description": "Hiking boots", "hts": "6403.99.6075", "origin": "VN",
                       "entered_value": "3600.00", "mid": SAIGON_MID, "marks": [MARK]},
                      {"line": 2, "description": "Hiking boots", "hts": "6403.99.6075", "origin": "VN",
                       "entered_value": "3600.00", "mid": SAIGON_MID, "marks": [MARK]}],
        })


def test_check_entry_flags_failing_lines_and_check_entry_asks_again(network, tmp_path):
    licensed(network, tmp_path)
    file_entry(network, ENTRY, today())
    d = str(network)
    facts = write(tmp_path / "facts.json", [{"line": 1, "quantity": 4000}, {"line": 2, "quantity": 4000}])
    checked = ok("check-entry", ENTRY, facts, "--dir", d, "--as", "customs")
    record = checked["record"]
    assert record["flagged_lines"] == [2] and record["lines"][0]["status"] == "authorized"
    assert "caps 5000 units; 4000 already entered" in record["lines"][1]["reason"]

    again = ok("check", "--entry", ENTRY, "--dir", d)
    assert again["lines"] == record["lines"]
    later = ok("check", "--entry", ENTRY, "--on", days(601), "--dir", d)  # after L-2 ends
    assert later["flagged_lines"] == [1, 2]
    assert_refused(network, run("check-entry", ENTRY, facts, "--dir", d, "--as", "customs"), "already checked")
    # The check and the licenses are the chain's and customs': the owner and the importer
    # ask again (L-1 above the importer has no cap, so its copy is enough).
    for viewer in ("brand", "importer"):
        assert ok("check", "--entry", ENTRY, "--dir", d, "--as", viewer)["lines"] == record["lines"]
    assert_refused(network, run("chain", "L-2", "--dir", d, "--as", "nobody"), "--as nobody: no peer")


@pytest.mark.parametrize(("args", "stdin", "fragments"), [
    (("sublicense", "L-1", "-", "--as", "maker"),
     {"license_id": "L-3", "mark": MARK, "licensee": "importer", "countries": ["CN"], "end": days(30)},
     ("wider_than_parent:", "['CN']")),
    (("license", "-", "--as", "maker"),
     {"license_id": "L-3", "mark": MARK, "licensee": "importer", "end": days(30)},
     ("licensor_holds_no_right:", "'maker' does not own mark")),
    (("license", "-", "--as", "brand"),
     {"license_id": "L-3", "mark": MARK, "licensee": "importer", "start": days(30), "end": days(20)},
     ("dates_out_of_order:",)),
    (("license", "-", "--as", "brand"),
     {"license_id": "L-3", "mark": "ACME SUMMIT", "licensee": "importer", "end": days(20)},
     ("unknown_mark:",)),
    (("license", "-", "--as", "brand"),
     {"license_id": "L-3", "mark": MARK, "licensee": "importer", "end": days(20), "parent_id": "L-1"},
     ("ipr sublicense L-1",)),
    (("terminate", "L-1", "--reason", "breach", "--on", "2020-01-01", "--as", "brand"), None, ("backdated:",)),
    (("terminate", "L-1", "--reason", "breach", "--on", "tomorrow", "--as", "brand"), None, ("--on 'tomorrow'",)),
    (("accept", "TMK 26-00017", "--as", "importer"), None, ("may not decide",)),
    (("record", "-", "--as", "brand"), "not json", ("stdin: not valid JSON",)),
    (("record", "-", "--as", "brand"), ["a list"], ("a recordation is a JSON object",)),
    (("check", "-"), the_question(hts="64"), ("HTS number",)),
    (("check", "-"), {"mark": MARK}, ("question record: importer is missing",)),
    (("check",), None, ("give either QUESTION.json or --entry",)),
    (("check", "--entry", ENTRY), None, ("has no IPR check",)),
    (("chain", "NO SUCH MARK"), None, ("neither a license id nor a recorded mark",)),
    (("check-entry", ENTRY, "-", "--as", "customs"), {"line": 1}, ("a JSON list",)),
])
def test_bad_input_is_refused_with_one_line_and_the_log_is_unchanged(network, tmp_path, args, stdin, fragments):
    licensed(network, tmp_path)
    before = log_size(network)
    text = stdin if isinstance(stdin, str) or stdin is None else json.dumps(stdin)
    assert_refused(network, run(*args, "--dir", str(network), stdin=text), *fragments)
    assert log_size(network) == before


def test_missing_files_are_refused(network, tmp_path):
    d = str(network)
    assert_refused(network, run("record", str(tmp_path / "nope.json"), "--dir", d, "--as", "brand"), "no such file")
    assert_refused(network, run("chain", MARK, "--dir", d, "--svg", str(tmp_path / "no" / "t.svg")),
                   "folder", "does not exist")


def test_the_ipr_app_lists_its_commands():
    help_text = run("--help").stdout
    for command in ("record", "accept", "refuse", "license", "sublicense", "terminate", "check", "check-entry",
                    "chain"):
        assert command in help_text


# --- the demo step ---------------------------------------------------------------------

def test_the_demo_step_passes_then_fails_after_the_parent_is_terminated(tmp_path):
    create_network(tmp_path / "net", DEMO_ORGANIZATIONS + (OrgPlan("brand", "rights_holder", "Acme Outdoor Inc."),))
    said: list[str] = []
    with EmbeddedNetwork(tmp_path / "net") as net:
        ipr_demo_step(net, said.append)
    text = "\n".join(said)
    tomorrow = days(1)
    assert "never reaches the log: wider_than_parent" in text
    passed = next(line for line in said if "checked by customs" in line)
    assert "AUTHORIZED" in passed
    failed = next(line for line in said if f"(imported {tomorrow}" in line)
    assert "FLAGGED FOR REVIEW" in failed and f"terminated from {tomorrow}" in failed
    again = next(line for line in said if "asked again" in line)
    assert "AUTHORIZED" in again and "unchanged" in again
    assert f"the chain as of {tomorrow}: L-1 terminated, L-2 ancestor_invalid" in text


def test_the_demo_step_names_the_organization_it_misses(tmp_path):
    create_network(tmp_path / "net", DEMO_ORGANIZATIONS)
    with EmbeddedNetwork(tmp_path / "net") as net, pytest.raises(NetworkError, match="rights_holder"):
        ipr_demo_step(net, print)
