"""`origin qualify` and `entry check-digit` / `entry validate`, mounted on a small app as the lead mounts them."""

from __future__ import annotations

import json

import pytest
import typer
from _origin_builders import (
    WORKED_CASES,
    alternative,
    case,
    load_worked,
    material,
    worked_case_names,
)
from typer.testing import CliRunner

from tradeledger.cli.origin import entry_tools_app, origin_app

app = typer.Typer(add_completion=False, no_args_is_help=True)
app.add_typer(origin_app, name="origin")
app.add_typer(entry_tools_app, name="entry")


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(app, list(args), input=stdin)


def assert_refused(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.mark.parametrize("name", worked_case_names())
def test_qualify_prints_the_result_json_and_exits_0(name):
    _, expected = load_worked(name)
    result = run("origin", "qualify", str(WORKED_CASES / f"{name}.case.json"))
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed["qualifies"] == expected["qualifies"] and printed["criterion"] == expected["criterion"]
    assert result.stderr == ""


def test_qualify_exits_0_for_a_good_that_does_not_qualify():
    result = run("origin", "qualify", str(WORKED_CASES / "vehicle-75.case.json"))
    assert result.exit_code == 0 and json.loads(result.stdout)["qualifies"] is False


def test_qualify_reads_stdin_given_a_dash():
    data = case([material("7318.15", "35.00")], alternative("CTH", transaction_value="60"))
    result = run("origin", "qualify", "-", stdin=json.dumps(data))
    assert result.exit_code == 0
    assert json.loads(result.stdout)["rvc"][0]["percent"] == "65.00"


def test_missing_file_is_refused(tmp_path):
    assert_refused(run("origin", "qualify", str(tmp_path / "nope.json")), "nope.json: no such file")


def test_a_folder_is_refused(tmp_path):
    assert_refused(run("origin", "qualify", str(tmp_path)), "is a folder")


def test_bad_json_is_refused_with_its_position(tmp_path):
    path = tmp_path / "case.json"
    path.write_text('{"agreement": "USMCA",\n "good": }')
    assert_refused(run("origin", "qualify", str(path)), "case.json: not valid JSON", "line 2")


def test_non_utf8_file_is_refused(tmp_path):
    path = tmp_path / "case.json"
    path.write_bytes(b"\xff\xfe{}")
    assert_refused(run("origin", "qualify", str(path)), "not UTF-8")


@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        (lambda d: d.update(agreement="NAFTA"), ("agreement:", "NAFTA")),
        (lambda d: d["materials"][0].update(value="-3.00"), ("materials[0].value:", "negative")),
        (lambda d: d["good"].update(hs="85X1.10"), ("good.hs:",)),
        (lambda d: d["rule"]["alternatives"][0]["rvc"].update(transaction_value="101"), ("over 100",)),
        (lambda d: d["materials"][0].update(value=35.0), ("decimal string",)),
    ],
)
def test_malformed_case_is_refused_naming_the_field(tmp_path, change, fragments):
    data = case([material("7318.15", "35.00")], alternative("CTH", transaction_value="60"))
    change(data)
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data))
    assert_refused(run("origin", "qualify", str(path)), "case.json: ", *fragments)


def test_entry_check_digit_prints_the_full_number():
    result = run("entry", "check-digit", "B76-0324527")
    assert (result.exit_code, result.stdout) == (0, "B76-0324527-8\n")


def test_entry_check_digit_checks_a_full_number():
    assert run("entry", "check-digit", "B76-0324527-8").stdout == "B76-0324527-8\n"
    assert_refused(run("entry", "check-digit", "B76-0324527-9"), "needs 8")


@pytest.mark.parametrize("text", ["B76-032452", "B76_0324527", "000-0000000"])
def test_entry_check_digit_refuses_malformed_input(text):
    assert_refused(run("entry", "check-digit", text))


def test_entry_validate():
    assert run("entry", "validate", "b7603245278").stdout == "B76-0324527-8\n"
    assert_refused(run("entry", "validate", "12345123456"), "needs 4")
    assert_refused(run("entry", "validate", "B76-0324527"), "XXX-NNNNNNN-C")


def test_sub_apps_show_their_commands():
    assert "qualify" in run("origin", "--help").stdout
    help_text = run("entry", "--help").stdout
    assert "check-digit" in help_text and "validate" in help_text
