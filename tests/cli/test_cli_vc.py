"""`tradeledger vc`, mounted on a small Typer app as the lead mounts it in main.py.

Bad input is one line on stderr starting "error:", exit 2, nothing on stdout and nothing
changed on the ledger; a credential that does not verify is a JSON answer on stdout, one
"not verified:" line on stderr and exit 1."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from _cli_helpers import (
    assert_refused,
    assert_unchanged,
    crash_text,
    fingerprint,
    no_traceback,
)
from typer.testing import CliRunner

from tradeledger.cli.vc import vc_app
from tradeledger.credentials import (
    BitstringStatusList,
    issue_credential,
    status_list_from_credential,
)
from tradeledger.credentials.types import importer_of_record_subject
from tradeledger.crypto import KeyPair
from tradeledger.identity import web_base_of_genesis
from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.setup import OrgPlan

app = typer.Typer(add_completion=False, no_args_is_help=True)
app.add_typer(vc_app, name="vc")
ORGS = (OrgPlan("customs", "customs", "Customs"), OrgPlan("importer", "importer", "Northwind Imports LLC"),
        OrgPlan("exporter", "exporter", "Aceros del Norte"))
IOR = "ImporterOfRecordCredential"


def vc(*args):
    return CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"}).invoke(app, ["vc", *[str(a) for a in args]])


def ok(result):
    no_traceback(result)
    assert result.exit_code == 0, f"exit {result.exit_code}\n{result.stdout}\n{result.stderr}\n{crash_text(result)}"
    return result


def answer(result):
    return json.loads(result.stdout)


@pytest.fixture
def net(tmp_path) -> Path:
    create_network(tmp_path / "net", ORGS)
    return tmp_path / "net"


@pytest.fixture
def unsigned(tmp_path) -> Path:
    path = tmp_path / "ior.json"
    path.write_text(json.dumps({
        "@context": ["https://www.w3.org/ns/credentials/v2"], "id": "urn:uuid:4f4c2a10-8d0c-4c55-9a55-1b3f0f6c2a01",
        "type": ["VerifiableCredential", IOR], "issuer": {"id": "did:example:replaced", "name": "Customs"},
        "validFrom": "2020-01-01T00:00:00Z",
        "credentialSubject": importer_of_record_subject(id="did:web:tradeledger.local:x:orgs:importer",
                                                        name="Northwind Imports LLC", importer_number="41-293847100"),
    }))
    return path


def issue(net, unsigned, tmp_path, *extra, name="signed.json"):
    out = tmp_path / name
    ok(vc("issue", unsigned, "--dir", net, "--as", "customs", "-o", out, *extra))
    return out


def customs_did(net):
    with EmbeddedNetwork(net) as network:
        return network.organization_keys("customs").admin.did


def test_issue_signs_as_the_organizations_did_key_and_verifies_offline(net, unsigned, tmp_path):
    out = tmp_path / "signed.json"
    summary = answer(ok(vc("issue", unsigned, "--dir", net, "--as", "customs", "-o", out)))
    signed = json.loads(out.read_text())
    assert signed["issuer"] == {"id": customs_did(net), "name": "Customs"} \
        == {**signed["issuer"], "id": summary["issuer"]}
    assert signed["proof"]["verificationMethod"] == summary["verificationMethod"]
    assert signed["proof"]["cryptosuite"] == "eddsa-jcs-2022" and summary["trusted"] is False
    offline = answer(ok(vc("verify", out)))
    assert offline["verified"] is True and offline["trusted"] is None and offline["offline"] is True
    assert [w["code"] for w in offline["warnings"]] == []


def test_verify_with_the_ledger_reports_trusted_separately_and_trust_adds_the_issuer(net, unsigned, tmp_path):
    out = issue(net, unsigned, tmp_path)
    before = answer(ok(vc("verify", out, "--dir", net)))
    assert before["verified"] is True and before["trusted"] is False
    entry = answer(ok(vc("trust", "--type", IOR, "--issuer", "customs", "--dir", net, "--as", "customs")))
    assert entry["issuer"] == customs_did(net) and entry["status"] == "final"
    after = answer(ok(vc("verify", out, "--dir", net)))
    assert after["trusted"] is True and after["trust_reasons"][0]["entry"] == entry["entry"]
    listed = [json.loads(line) for line in ok(vc("trusted", "--dir", net)).stdout.splitlines()]
    assert [r["id"] for r in listed] == [entry["entry"]]
    ok(vc("end-trust", entry["entry"], "--reason", "ceremony redone", "--dir", net, "--as", "customs"))
    assert answer(ok(vc("verify", out, "--dir", net)))["trusted"] is False


def test_suspend_then_unsuspend_through_the_ledger_and_ask_about_the_past(net, unsigned, tmp_path):
    published = answer(ok(vc("publish-list", "ior", "--purpose", "suspension", "--dir", net, "--as", "customs")))
    assert published["url"].endswith("/orgs/customs/status/ior")
    out = issue(net, unsigned, tmp_path, "--status", "ior:77")
    signed = json.loads(out.read_text())
    assert signed["credentialStatus"]["statusListIndex"] == "77"
    before = now_ms()
    changed = answer(ok(vc("suspend", out, "--dir", net, "--as", "customs", "--reason", "bond review")))
    assert (changed["list"], changed["index"], changed["bit"], changed["status"]) == ("ior", 77, 1, "final")
    result = vc("verify", out, "--dir", net)
    assert result.exit_code == 1 and [e["code"] for e in answer(result)["errors"]] == ["SUSPENDED"]
    assert result.stderr.strip() == "not verified: the credential is suspended [SUSPENDED]"
    at = datetime.fromtimestamp(before / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert answer(ok(vc("verify", out, "--dir", net, "--at", at)))["verified"] is True
    listed = answer(ok(vc("status-list", "ior", "--of", "customs", "--dir", net)))
    assert status_list_from_credential(listed) == BitstringStatusList.new("suspension").set(77, 1)
    ok(vc("unsuspend", "--list", "ior", "--index", "77", "--dir", net, "--as", "customs"))
    assert answer(ok(vc("verify", out, "--dir", net)))["verified"] is True


def test_revocation_is_final_on_the_command_line_too(net, unsigned, tmp_path):
    ok(vc("publish-list", "rev", "--purpose", "revocation", "--dir", net, "--as", "customs"))
    out = issue(net, unsigned, tmp_path, "--status", "rev:5")
    ok(vc("revoke", out, "--dir", net, "--as", "customs", "--reason", "fraud"))
    assert [e["code"] for e in answer(vc("verify", out, "--dir", net))["errors"]] == ["REVOKED"]
    assert_refused(vc("revoke", out, "--dir", net, "--as", "customs"), "already revoked")
    assert_refused(vc("unsuspend", "--list", "rev", "--index", "5", "--dir", net, "--as", "customs"),
                   "rev is a revocation list")
    assert_refused(vc("suspend", out, "--dir", net, "--as", "customs"), "no suspension status entry")


def test_validate_checks_the_data_model_alone(unsigned, tmp_path):
    assert answer(ok(vc("validate", unsigned)))["valid"] is True
    broken = json.loads(unsigned.read_text())
    del broken["credentialSubject"]
    broken["validFrom"] = "yesterday"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    result = vc("validate", path)
    no_traceback(result)
    assert result.exit_code == 1
    report = answer(result)
    assert report["valid"] is False and {e["path"] for e in report["errors"]} >= {"/credentialSubject", "/validFrom"}


def test_present_and_verify_presentation_with_challenge_and_domain(net, unsigned, tmp_path):
    out = issue(net, unsigned, tmp_path)
    vp = tmp_path / "vp.json"
    ok(vc("present", out, "--challenge", "c-19", "--domain", "customs.example", "--dir", net, "--as", "importer",
          "-o", vp))
    good = answer(ok(vc("verify-presentation", vp, "--challenge", "c-19", "--domain", "customs.example",
                        "--dir", net)))
    assert good["verified"] is True and good["credentials"][0]["verified"] is True
    offline = answer(ok(vc("verify-presentation", vp, "--challenge", "c-19", "--domain", "customs.example")))
    assert offline["verified"] is True and offline["trusted"] is None
    wrong = vc("verify-presentation", vp, "--challenge", "c-20", "--domain", "customs.example", "--dir", net)
    assert wrong.exit_code == 1 and answer(wrong)["errors"][0]["code"] == "INVALID_CHALLENGE_ERROR"


def test_did_prints_an_organizations_document_and_a_revoked_keys_deactivation(net):
    document = answer(ok(vc("did", "importer", "--dir", net)))
    assert document["id"].endswith(":orgs:importer") and len(document["verificationMethod"]) == 1
    key = document["verificationMethod"][0]["publicKeyMultibase"]
    with EmbeddedNetwork(net) as network:
        clerk = KeyPair.generate()
        network.submit_checked("importer", "registry", "admit_member",
                               {"organization": "importer", "member": "clerk", "key": clerk.did})
        network.submit_checked("importer", "registry", "revoke_key", {"key": clerk.did, "reason": "left"})
    result = ok(vc("did", clerk.did, "--dir", net, "--resolution"))
    assert answer(result)["didDocumentMetadata"]["deactivated"] is True
    assert "is deactivated" in result.stderr
    assert answer(ok(vc("did", f"did:key:{key}")))["id"] == f"did:key:{key}"  # offline: did:key alone


@pytest.mark.parametrize("args, hints", [
    (("did", "did:key:u7QFvdwM"), ("did:key:z6Mk",)),
    (("did", "did:key:z6LSj72tK8brWgZja8NLRwPigth2T9QRiG1uH9oKZuKjdh9p"), ("0xed01",)),
    (("did", "did:web:tradeledger.local:x:orgs:customs"), ("give --dir",)),
    (("verify", "missing.json"), ("no such file",)),
])
def test_bad_input_without_a_network_is_one_line(args, hints):
    assert_refused(vc(*args), *hints)


def test_malformed_json_and_a_non_object_are_one_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"@context": [')
    assert_refused(vc("verify", bad), "not valid JSON", "line 1")
    assert_refused(vc("validate", bad), "not valid JSON")
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]")
    result = vc("verify", listed)  # JSON, but not a credential: an answer, not a crash
    assert result.exit_code == 1 and answer(result)["verified"] is False


def test_an_unknown_cryptosuite_is_named_in_the_answer(net, unsigned, tmp_path):
    signed = json.loads(issue(net, unsigned, tmp_path).read_text())
    signed["proof"]["cryptosuite"] = "eddsa-2099"
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(signed))
    for result in (vc("verify", path), vc("verify", path, "--dir", net)):
        no_traceback(result)
        assert result.exit_code == 1 and "eddsa-2099" in result.stderr
        assert answer(result)["errors"][0]["code"] == "PROOF_VERIFICATION_ERROR"


def test_refusals_on_a_network_change_nothing(net, unsigned, tmp_path):
    ok(vc("publish-list", "ior", "--purpose", "suspension", "--dir", net, "--as", "customs"))
    before = fingerprint(net)
    assert_refused(vc("issue", unsigned, "--dir", net, "--as", "customs", "-o", tmp_path / "x.json",
                      "--status", "ior:131072"), "outside list ior (0..131071)")
    assert_refused(vc("suspend", "--list", "ior", "--index", "131072", "--dir", net, "--as", "customs"),
                   "index 131072 is outside list ior")
    assert_refused(vc("issue", unsigned, "--dir", net, "--as", "customs", "--status", "ior"), "LIST:INDEX")
    assert_refused(vc("publish-list", "ior2", "--purpose", "suspension", "--length", "8", "--dir", net,
                      "--as", "customs"), "herd privacy")
    assert_refused(vc("trust", "--type", IOR, "--issuer", "nobody", "--dir", net, "--as", "customs"),
                   "neither a DID nor an organization")
    assert_refused(vc("trust", "--type", IOR, "--issuer", "customs", "--dir", net, "--as", "importer"),
                   "decided by a customs organization")
    assert_refused(vc("verify", unsigned, "--dir", net, "--at", "last tuesday"), "--at", "XML Schema dateTime")
    assert_refused(vc("did", "carrier", "--dir", net), "unknown organization 'carrier'")
    assert_unchanged(before, fingerprint(net))


def test_offline_a_did_web_issuer_is_sent_to_the_ledger(net, unsigned, tmp_path):
    doc = json.loads(unsigned.read_text())
    with EmbeddedNetwork(net) as network:
        admin = network.organization_keys("customs").admin
        issuer = web_base_of_genesis(network.genesis.canonical).organization_did("customs")
        signed = issue_credential({**doc, "issuer": issuer}, admin, f"{issuer}#{admin.did[len('did:key:'):]}")
    path = tmp_path / "web.json"
    path.write_text(json.dumps(signed))
    offline = vc("verify", path)
    assert offline.exit_code == 1 and "give --dir DIR" in offline.stderr
    assert answer(ok(vc("verify", path, "--dir", net)))["verified"] is True
