"""`entry ...` and the origin verification verbs (issue 6, item 7), JSON in and out.

Mounted on a small app as the lead mounts them: `entry` (file, show, amend, accept,
reject, review, liquidate), `origin` (certify, verify-open, verify-request, verify-pending,
verify-answer, verify-show, determine, determination), and the access commands for
`approve`. Every refusal is one line on stderr and changes nothing.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
import typer
from _cli_helpers import assert_ok, assert_refused, assert_unchanged, fingerprint
from typer.testing import CliRunner

from tradeledger.cli import access as access_commands
from tradeledger.cli.entries import entry_app
from tradeledger.cli.origin_ledger import verification_app
from tradeledger.cli.vc import vc_app
from tradeledger.credentials import verify_credential
from tradeledger.domain.entry_number import complete_entry_number
from tradeledger.node import create_network
from tradeledger.runtime.clock import now_ms

app = typer.Typer(add_completion=False, no_args_is_help=True)
app.add_typer(entry_app, name="entry")
app.add_typer(verification_app, name="origin")
app.add_typer(vc_app, name="vc")
access_commands.register(app)

WORKED = Path(__file__).resolve().parents[1] / "domain" / "data" / "origin-cases"
TODAY = datetime.datetime.fromtimestamp(now_ms() / 1000, datetime.UTC).date()
NUMBER = str(complete_entry_number("NWI-0000101"))
PARTY = {"street": "Av. Industrial 450", "city": "Monterrey", "country": "MX"}
CERTIFICATION = {
    "agreement": "USMCA", "certifier_role": "exporter", "certifier": {"name": "Aceros del Norte", **PARTY},
    "signatory": {"name": "Ana Ruiz", "title": "Export Compliance Manager", "email": "ana@example.mx",
                  "phone": "+52 81 5555 0101"},
    "exporter": {"name": "Aceros del Norte", **PARTY}, "producer": {"name": "Aceros del Norte", **PARTY},
    "importer": {"name": "Northwind Imports LLC", "street": "1200 Harbor Blvd", "city": "Laredo", "country": "US"},
    "goods": [{"description": "electric motors", "hs": "8501.10", "criterion": "B", "country_of_origin": "MX"}],
    "blanket_period": {"from": f"{TODAY.year}-01-01", "to": f"{TODAY.year}-12-31"},
    "certified_on": f"{TODAY.year}-01-01",
}


def run(*args: Any, stdin: str | None = None):
    return CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"}).invoke(app, [str(a) for a in args], input=stdin)


def ok(*args: Any, stdin: str | None = None) -> Any:
    result = run(*args, stdin=stdin)
    assert_ok(result)
    return json.loads(result.stdout)


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, indent=2))
    return path


def summary(certification: str | None = None, **fields: Any) -> dict[str, Any]:
    line = {"line": 1, "description": "electric motors", "hts": "8501.10.4020", "origin": "MX",
            "entered_value": "28500", "mid": "MXACEDEL450MON", "flags": ["agency"]}
    if certification:
        line.update(spi="S", certification=certification)
    data = {"entry_number": NUMBER, "filed_with": "customs", "importer": "importer", "entry_type": "01",
            "port_code": "2304", "entry_date": TODAY.isoformat(), "imported_on": TODAY.isoformat(),
            "importer_number": "12-345678900", "mode_of_transport": "30", "country_of_export": "MX",
            "lines": [line],
            "documents": [{"doc_type": "certification_of_origin", "commitment": certification}] if certification
            else []}
    data.update(fields)
    return data


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict[str, Any]:
    """The demo organizations; the exporter's certification; entry NUMBER filed claiming S."""
    root = tmp_path_factory.mktemp("cli-entries")
    net = root / "net"
    create_network(net)
    issued = ok("origin", "certify", write(root / "cert.json", CERTIFICATION), "--dir", net, "--as", "exporter",
                "--importer", "importer",
                "-o", root / "credential.json")
    filed = ok("entry", "file", write(root / "entry.json", summary(issued["commitment"])), "--dir", net,
               "--as", "importer")
    return {"root": root, "net": net, "issued": issued, "filed": filed}


# --- entries ---------------------------------------------------------------------------------

def test_file_prints_the_entrys_status_and_receipt(world):
    filed = world["filed"]
    assert (filed["entry_number"], filed["entry_status"], filed["version"]) == (NUMBER, "filed", 1)
    assert (filed["status"], filed["valid"]) == ("final", True)
    assert filed["flagged_claims"] == [] and filed["missing_documents"] == []


def test_show_prints_the_entry_with_its_claims(world):
    shown = ok("entry", "show", NUMBER, "--dir", world["net"])
    assert shown["entry_number"] == NUMBER and shown["importer"] == "importer"
    assert shown["lines"][0]["claim"]["status"] == "supported"
    assert isinstance(shown["verifications"], list)


def test_show_at_an_organization_outside_the_entry_says_it_is_filed_and_its_content_private(world):
    result = run("entry", "show", NUMBER, "--dir", world["net"], "--as", "exporter")
    assert_ok(result)
    shown = json.loads(result.stdout)
    assert shown["filing"]["filer"] == "importer" and shown["filing"]["status"] == "filed"
    assert "importer_number" not in result.stdout and "12-345678900" not in result.stdout
    assert f"entry {NUMBER} is filed (status filed" in shown["content"]
    assert "private to its importer, filer and customs" in result.stderr
    agency = ok("entry", "show", NUMBER, "--dir", world["net"], "--as", "agency")
    assert [line["line"] for line in agency["agency_lines"]["lines"]] == [1]
    assert_refused(run("entry", "show", NUMBER, "--dir", world["net"], "--as", "exporter", "--history"),
                   "private to its importer, filer and customs")


def test_a_refused_filing_is_one_line_and_changes_nothing(world, tmp_path):
    before = fingerprint(world["net"])
    assert_refused(run("entry", "file", write(tmp_path / "again.json", summary()), "--dir", world["net"],
                       "--as", "importer"), "already filed")
    # The public arguments are judged first, then the private summary: one reason at a time.
    assert_refused(run("entry", "file", write(tmp_path / "bad.json", summary(entry_number="NWI-0000102-0")),
                       "--dir", world["net"], "--as", "importer"), "entry_number")
    assert_refused(run("entry", "file", write(tmp_path / "port.json", summary(entry_number="NWI-0000102-7",
                                                                                port_code="23A4")),
                       "--dir", world["net"], "--as", "importer"), "port_code")
    assert_refused(run("entry", "file", write(tmp_path / "list.json", [summary()]), "--dir", world["net"],
                       "--as", "importer"), "is a JSON object")
    (tmp_path / "broken.json").write_text("{not json")
    assert_refused(run("entry", "file", tmp_path / "broken.json", "--dir", world["net"], "--as", "importer"),
                   "not valid JSON")
    assert_refused(run("entry", "file", tmp_path / "missing.json", "--dir", world["net"], "--as", "importer"),
                   "no such file")
    assert_unchanged(before, fingerprint(world["net"]))


@pytest.fixture(scope="module")
def broker(world) -> dict[str, Any]:
    """The broker, refused at first, registers a license from customs and the importer's power of
    attorney: unsigned credentials signed with `vc issue`, the issuers trusted with `vc trust`."""
    root, net = world["root"], world["net"]
    refusal = run("entry", "file", "-", "--dir", net, "--as", "broker",
                  stdin=json.dumps(summary(entry_number=str(complete_entry_number("NWI-0000150")))))
    ok("vc", "trust", "--type", "CustomsBrokerLicenseCredential", "--issuer", "customs", "--dir", net,
       "--as", "customs")
    ok("vc", "trust", "--type", "PowerOfAttorneyCredential", "--issuer", "importer", "--dir", net, "--as", "importer")
    broker_did = ok("vc", "did", "broker", "--dir", net)["id"]
    validity = {"validFrom": f"{TODAY.year}-01-01T00:00:00Z", "validUntil": f"{TODAY.year + 1}-12-31T23:59:59Z"}
    license_file = write(root / "license.json", {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "CustomsBrokerLicenseCredential"],
        "issuer": {"name": "U.S. Customs and Border Protection"}, **validity,
        "credentialSubject": {"type": ["CustomsBrokerLicense"], "id": broker_did,
                              "name": "Harbor Customs Brokerage Inc.", "licenseNumber": "21044", "filerCode": "H7K"}})
    poa_file = write(root / "poa.json", {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/traceability/v1"],
        "type": ["VerifiableCredential", "PowerOfAttorneyCredential"],
        "issuer": {"type": ["Organization"], "name": "Northwind Imports LLC"}, **validity,
        "credentialSubject": {"type": ["Organization"], "id": broker_did, "name": "Harbor Customs Brokerage Inc."}})
    ok("vc", "issue", license_file, "--dir", net, "--as", "customs", "-o", root / "license.vc.json")
    ok("vc", "issue", poa_file, "--dir", net, "--as", "importer", "-o", root / "poa.vc.json")
    registered = ok("entry", "register-broker", "--license", root / "license.vc.json", "--poa", root / "poa.vc.json",
                    "--dir", net, "--as", "broker")
    return {"refusal": refusal, "registered": registered}


def test_a_broker_files_only_after_registering_its_license_and_power_of_attorney(world, broker):
    assert_refused(broker["refusal"], "broker broker holds no PowerOfAttorneyCredential from importer; the "
                                      "importer issues one naming the broker, registered with "
                                      "`tradeledger entry register-broker`")
    registered = broker["registered"]
    assert [r["action"] for r in registered["registered"]] == ["register_license", "register_power_of_attorney"]
    assert all(r["valid"] is True for r in registered["registered"])
    assert (registered["license"]["license_number"], registered["license"]["filer_code"]) == ("21044", "H7K")
    assert [p["importer"] for p in registered["powers_of_attorney"]] == ["importer"]
    shown = ok("entry", "broker", "broker", "--dir", world["net"])
    assert shown["may_file_for"] == {"importer": True} and shown["refusals"] == {}
    other = ok("entry", "broker", "broker", "--dir", world["net"], "--for", "exporter")
    assert other["may_file_for"] == {"exporter": False}
    assert "holds no PowerOfAttorneyCredential from exporter" in other["refusals"]["exporter"]


def test_register_broker_refuses_a_credential_that_does_not_verify(world, broker, tmp_path):
    forged = json.loads((world["root"] / "license.vc.json").read_text())
    forged["credentialSubject"]["filerCode"] = "ZZZ"
    before = fingerprint(world["net"])
    assert_refused(run("entry", "register-broker", "--license", write(tmp_path / "forged.json", forged),
                       "--dir", world["net"], "--as", "broker"), "does not verify: signature does not verify")
    assert_refused(run("entry", "register-broker", "--dir", world["net"], "--as", "broker"),
                   "give --license LICENSE.json, --poa POA.json or both")
    assert_unchanged(before, fingerprint(world["net"]))


def test_the_lifecycle_through_the_cli(world, broker, tmp_path):
    number = str(complete_entry_number("NWI-0000201"))
    net = world["net"]
    ok("entry", "file", "-", "--dir", net, "--as", "broker", stdin=json.dumps(summary(entry_number=number)))
    missing = run("entry", "reject", number, "--dir", net, "--as", "customs")
    assert missing.exit_code == 2 and "Missing option '--reason'" in missing.stderr
    assert ok("entry", "reject", number, "--dir", net, "--as", "customs", "--reason",
              "entered value does not match the invoice")["entry_status"] == "rejected"
    amended = ok("entry", "amend", number, write(tmp_path / "amended.json", summary(
        entry_number=number, lines=[{**summary()["lines"][0], "entered_value": "29100"}])),
        "--dir", net, "--as", "broker", "--reason", "value corrected")
    assert (amended["entry_status"], amended["version"]) == ("filed", 2)
    assert ok("entry", "review", number, "--dir", net, "--as", "customs", "--reason",
              "classification review")["entry_status"] == "under_review"
    assert ok("entry", "accept", number, "--dir", net, "--as", "customs")["entry_status"] == "accepted"
    assert ok("entry", "liquidate", number, "--dir", net, "--as", "customs")["entry_status"] == "liquidated"
    assert_refused(run("entry", "accept", number, "--dir", net, "--as", "importer"), "may not accept")
    history = ok("entry", "show", number, "--dir", net, "--history")
    assert [v["version"] for v in history] == [1, 2]
    assert history[0]["lines"][0]["entered_value"] == "28500"
    assert ok("entry", "show", number, "--dir", net, "--version", "1") == history[0]
    assert [h["status"] for h in history[1]["history"]] == ["filed", "rejected", "amended", "under_review",
                                                            "accepted", "liquidated"]
    assert_refused(run("entry", "show", number, "--dir", net, "--version", "3"), "versions 1 to 2")
    assert_refused(run("entry", "show", str(complete_entry_number("NWI-0000999")), "--dir", net),
                   "no entry NWI-0000999")


def test_an_amendment_for_another_entry_is_refused(world, tmp_path):
    other = write(tmp_path / "other.json", summary(entry_number=str(complete_entry_number("NWI-0000777"))))
    assert_refused(run("entry", "amend", NUMBER, other, "--dir", world["net"], "--as", "importer", "--reason",
                       "fix"), "is for entry NWI-0000777")


# --- certification -----------------------------------------------------------------------------

def test_certify_prints_the_commitment_and_public_terms_and_writes_the_credential(world):
    issued = world["issued"]
    assert issued["refs"]["agreement"] == "USMCA" and issued["refs"]["hs"] == "850110"
    assert issued["refs"]["credential"] == issued["credential_id"]
    credential = json.loads((world["root"] / "credential.json").read_text())
    assert credential["id"] == issued["credential_id"]
    assert verify_credential(credential).verified


def test_certify_refuses_an_incomplete_certification_naming_the_field(world, tmp_path):
    bad = write(tmp_path / "bad.json", {**CERTIFICATION, "blanket_period": {"from": "2026-01-01",
                                                                           "to": "2027-06-30"}})
    assert_refused(run("origin", "certify", bad, "--dir", world["net"], "--as", "exporter"), "exceeds 12 months")
    assert_refused(run("origin", "certify", write(tmp_path / "ok.json", CERTIFICATION), "--dir", world["net"],
                       "--as", "importer"), "importer is a importer", "certify as the exporter")


# --- verification ------------------------------------------------------------------------------

def test_a_verification_from_opening_to_reading_the_determination(world):
    net = world["net"]
    opened = ok("origin", "verify-open", NUMBER, "1", "--dir", net, "--as", "customs", "--reason",
                "USMCA verification", "--party", "exporter")
    verification = opened["id"]
    assert (opened["status"], opened["parties"]) == ("open", ["agency", "exporter"])
    assert (opened["case"]["certifier"], opened["case"]["agencies"]) == ("exporter", ["agency"])
    requested = ok("origin", "verify-request", verification, "--dir", net, "--as", "customs")
    assert [(r["doc_type"], r["status"]) for r in requested["requests"]] == [("certification_of_origin", "pending")]
    pending = ok("origin", "verify-pending", verification, "--dir", net, "--as", "exporter")["pending"]
    assert pending == [requested["requests"][0]["request_id"]]
    assert_ok(run("approve", pending[0], "--dir", net, "--as", "exporter"))
    answered = ok("origin", "verify-answer", verification, WORKED / "tv-pass.case.json", "--dir", net,
                  "--as", "exporter")
    assert answered["status"] == "answered"
    assert_refused(run("origin", "determine", verification, "--dir", net, "--as", "customs", "--outcome", "denied"),
                   "--outcome and --reason together")
    assert_refused(run("origin", "determine", verification, "--dir", net, "--as", "customs-west"), "only customs")
    determined = ok("origin", "determine", verification, "--dir", net, "--as", "customs")
    assert determined["determination"]["outcome"] == "eligible"
    shown = ok("origin", "verify-show", verification, "--dir", net, "--as", "agency")
    assert (shown["status"], shown["case"]["determination"]) == ("determined", determined["determination"])
    outside = ok("origin", "verify-show", verification, "--dir", net, "--as", "broker")
    assert outside["status"] == "determined" and outside["case"] is None
    assert "private to its parties (agency, customs, exporter, importer); broker is not one" in outside["private"]
    assert ok("origin", "determination", verification, "--dir", net, "--as", "importer") == \
        determined["determination"]
    refusal = run("origin", "determination", verification, "--dir", net, "--as", "broker")
    assert refusal.exit_code == 1 and "refused: verification" in refusal.stderr
    assert "is private to its parties" in refusal.stderr
    assert ok("entry", "show", NUMBER, "--dir", net)["verifications"][0]["status"] == "determined"


def test_a_malformed_bill_of_materials_is_refused(world, tmp_path):
    bad = write(tmp_path / "case.json", {"agreement": "USMCA"})
    assert_refused(run("origin", "verify-answer", "nope", bad, "--dir", world["net"], "--as", "exporter"),
                   "not a case the origin engine can evaluate")
    assert_refused(run("origin", "verify-show", "nope", "--dir", world["net"]), "no verification of origin nope")
