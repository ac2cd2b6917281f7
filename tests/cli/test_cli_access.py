"""The access commands through the real Typer app: grant, revoke, request, approve, deny,
disclose, access-log, purge, and the field-disclosing proofs (`anchor --structured`,
`proof --fields`, `proof --commitment`, `verify BUNDLE`).

Every refusal is one line on stderr starting with "error:", with a non-zero exit, and leaves
every file of the network (ledgers, orderer stream, vaults, keys) byte-identical."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from _cli_helpers import (
    assert_ok,
    assert_refused,
    assert_unchanged,
    copy_network,
    fingerprint,
    json_lines,
    no_traceback,
    tl,
)

from tradeledger.contracts.access import default_access_policy
from tradeledger.ledger.access_policy import AccessPolicy
from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.workflows.entries import file_entry as workflow_file_entry

ENTRY = "B76-0324527-8"  # CATAIR Appendix E's worked example (shared/domain/FACTS.md 1.2)
INVOICE = {"invoiceNumber": "INV-1000288", "total": "28500.00", "currency": "USD",
           "buyer": "Northwind Imports LLC", "steelGrade": "SECRET-GRADE-AISI-1018"}
PACKING_LIST = b"packing list PL-55810: 40 coils, hot-rolled, PACKING-SECRET-7731\n"


@dataclass(frozen=True)
class AccessNetwork:
    net: Path
    invoice: Path  # anchored --structured, entry ENTRY (filed with customs)
    invoice_commitment: str
    packing_list: Path  # anchored whole, no references
    packing_list_commitment: str


def file_entry(net: Path) -> None:
    """No command files entries yet; the entries workflow is driven directly."""
    with EmbeddedNetwork(net) as network:
        workflow_file_entry(network, "importer", {
            "entry_number": ENTRY, "filed_with": "customs", "importer": "importer", "imported_on": "2026-03-02",
            "entry_type": "01", "port_code": "2304", "entry_date": "2026-03-02", "importer_number": "12-345678900",
            "mode_of_transport": "30", "country_of_export": "MX",
            "lines": [{"line": 1, "description": "hot-rolled steel coil", "hts": "7208.51.0030", "origin": "MX",
                       "entered_value": "28500", "mid": "MXACENOR450MON", "melt_pour": "MX", "flags": []}],
        })


def build(root: Path, net: Path) -> AccessNetwork:
    file_entry(net)
    invoice = root / "invoice.json"
    invoice.write_text(json.dumps(INVOICE, indent=2) + "\n")
    packing_list = root / "packing_list.txt"
    packing_list.write_bytes(PACKING_LIST)
    anchored = tl("anchor", invoice, "--dir", net, "--as", "importer", "--type", "commercial_invoice",
                  "--ref", f"entry={ENTRY}", "--structured")
    assert_ok(anchored)
    whole = tl("anchor", packing_list, "--dir", net, "--as", "importer", "--type", "packing_list")
    assert_ok(whole)
    return AccessNetwork(net, invoice, json_lines(anchored.stdout)[0]["commitment"], packing_list,
                         json_lines(whole.stdout)[0]["commitment"])


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> AccessNetwork:
    root = tmp_path_factory.mktemp("access")
    assert_ok(tl("init", "--dir", root / "net"))
    return build(root, root / "net")


@pytest.fixture
def world(base: AccessNetwork, tmp_path: Path) -> AccessNetwork:
    """A private copy of the base network, for a test that changes it."""
    net = copy_network(base.net, tmp_path / "net")
    return AccessNetwork(net, base.invoice, base.invoice_commitment, base.packing_list, base.packing_list_commitment)


@pytest.fixture
def short_retention(tmp_path: Path) -> AccessNetwork:
    """A network whose genesis lets commercial invoices be purged at once."""
    policy = AccessPolicy(default_access_policy().rules, {"commercial_invoice": 0, "*": 1827})
    create_network(tmp_path / "net", access=policy)
    return build(tmp_path, tmp_path / "net")


def run(*args) -> dict:
    result = tl(*args)
    assert_ok(result)
    [line] = json_lines(result.stdout)
    return line


def refused_and_unchanged(net: Path, args: list, *hints: str) -> str:
    before = fingerprint(net)
    line = assert_refused(tl(*args), *hints)
    assert_unchanged(before, fingerprint(net))
    return line


def log_size(net: Path) -> int:
    with EmbeddedNetwork(net) as network:
        return network.reader.head.log_size


# --- the workflow ------------------------------------------------------------------------

def test_an_owner_grants_fields_and_the_grantee_sees_only_those(world: AccessNetwork, tmp_path: Path):
    net, commitment = world.net, world.invoice_commitment
    grant = run("grant", "--dir", net, "--as", "importer", "--to", "exporter", "--commitment", commitment,
                "--fields", "total,currency", "--purpose", "payment reconciliation", "--expires", "+30d")
    assert grant["status"] == "final" and len(grant["grant_id"]) == 64

    request = run("request", commitment, "--dir", net, "--as", "exporter", "--fields", "total",
                  "--purpose", "payment reconciliation")
    assert request["request_status"] == "approved" and request["basis"] == {"grant": grant["grant_id"]}

    output = tmp_path / "received.json"
    delivered = run("disclose", request["request_id"], "--dir", net, "-o", output)
    assert delivered["fields"] == {"total": "28500.00"} and delivered["owner"] == "importer"
    assert json.loads(output.read_text()) == {"total": "28500.00"}

    log = json_lines(tl("access-log", "--dir", net).stdout)
    assert len(log) == 1
    assert log[0]["requester"] == "exporter" and log[0]["fields"] == ["total"]
    assert log[0]["basis"] == {"grant": grant["grant_id"]} and log[0]["commitment"] == commitment
    assert log[0]["at"].endswith("Z")
    assert json_lines(tl("access-log", "--dir", net, "--commitment", world.packing_list_commitment).stdout) == []


def test_customs_is_approved_by_the_default_rule_and_receives_the_document(world: AccessNetwork, tmp_path: Path):
    # The packing list carries no entry; anchor one that does, whole.
    packing = tmp_path / "packing_list_2.txt"
    packing.write_bytes(b"packing list for entry " + ENTRY.encode())
    [anchored] = json_lines(tl("anchor", packing, "--dir", world.net, "--as", "importer", "--type", "packing_list",
                               "--ref", f"entry={ENTRY}").stdout)
    request = run("request", anchored["commitment"], "--dir", world.net, "--as", "customs", "--purpose", "entry review")
    assert request["request_status"] == "approved"
    assert request["basis"] == {"policy": 0, "relation": "entry_filed_with"}
    output = tmp_path / "got.txt"
    delivered = run("disclose", request["request_id"], "--dir", world.net, "--as", "customs", "--output", output)
    assert output.read_bytes() == packing.read_bytes() and len(delivered["document_sha256"]) == 64
    [record] = json_lines(tl("access-log", "--dir", world.net).stdout)
    assert record["requester"] == "customs" and record["basis"]["relation"] == "entry_filed_with"


def test_the_owner_approves_or_denies_what_nothing_covers(world: AccessNetwork, tmp_path: Path):
    net = world.net
    first = run("request", world.packing_list_commitment, "--dir", net, "--as", "broker", "--purpose", "classification")
    second = run("request", world.packing_list_commitment, "--dir", net, "--as", "exporter", "--purpose", "curiosity")
    assert first["request_status"] == second["request_status"] == "pending"

    approval = run("approve", first["request_id"], "--dir", net, "--as", "importer", "--expires", "+1h")
    assert len(approval["grant_id"]) == 64
    run("deny", second["request_id"], "--dir", net, "--as", "importer", "--reason", "not a party to the entry")

    assert run("disclose", first["request_id"], "--dir", net)["document_sha256"]
    before = fingerprint(net)
    denied = tl("disclose", second["request_id"], "--dir", net)
    line = assert_refused(denied, "refused", "denied: not a party to the entry")
    assert denied.exit_code == 1 and line
    assert_unchanged(before, fingerprint(net))
    assert [r["requester"] for r in json_lines(tl("access-log", "--dir", net).stdout)] == ["broker"]


def test_a_revoked_grant_stops_later_disclosures(world: AccessNetwork):
    net, commitment = world.net, world.packing_list_commitment
    grant = run("grant", "--dir", net, "--as", "importer", "--to", "broker", "--commitment", commitment,
                "--purpose", "classification")
    request = run("request", commitment, "--dir", net, "--as", "broker", "--purpose", "classification")
    run("disclose", request["request_id"], "--dir", net)
    revoked = run("revoke", grant["grant_id"], "--dir", net, "--as", "importer")
    assert revoked["status"] == "final"
    before = fingerprint(net)
    result = tl("disclose", request["request_id"], "--dir", net)
    assert_refused(result, "expired or revoked")
    assert result.exit_code == 1
    assert_unchanged(before, fingerprint(net))
    assert len(json_lines(tl("access-log", "--dir", net).stdout)) == 1  # the earlier access stays


def test_a_grant_by_reference_covers_documents_anchored_later(world: AccessNetwork, tmp_path: Path):
    run("grant", "--dir", world.net, "--as", "importer", "--to", "exporter", "--ref", "entry=B76-0000001-1",
        "--purpose", "shipment audit")
    later = tmp_path / "bill_of_lading.txt"
    later.write_bytes(b"bill of lading MAEU240551873")
    [anchored] = json_lines(tl("anchor", later, "--dir", world.net, "--as", "importer", "--type", "bill_of_lading",
                               "--ref", "entry=B76-0000001-1", "--ref", "bol=MAEU240551873").stdout)
    request = run("request", anchored["commitment"], "--dir", world.net, "--as", "exporter", "--purpose", "audit")
    assert request["request_status"] == "approved" and "grant" in request["basis"]


def test_a_grant_by_a_private_reference_is_refused_and_changes_nothing(world: AccessNetwork):
    refused_and_unchanged(world.net, ["grant", "--dir", world.net, "--as", "importer", "--to", "exporter",
                                      "--ref", "bol=MAEU240551873", "--purpose", "shipment audit"],
                          "names a public reference")


def test_an_outsiders_access_log_is_empty_and_customs_sees_every_access(world: AccessNetwork):
    request = run("request", world.invoice_commitment, "--dir", world.net, "--as", "customs", "--fields", "total",
                  "--purpose", "valuation review")
    assert_ok(tl("disclose", request["request_id"], "--dir", world.net))
    assert [r["purpose"] for r in json_lines(tl("access-log", "--dir", world.net, "--as", "customs").stdout)] \
        == ["valuation review"]
    outsider = tl("access-log", "--dir", world.net, "--as", "exporter")
    assert_ok(outsider)
    assert json_lines(outsider.stdout) == [] and "valuation review" not in outsider.stdout


def test_disclosing_a_request_of_others_says_it_is_private(world: AccessNetwork):
    request = run("request", world.packing_list_commitment, "--dir", world.net, "--as", "customs",
                  "--purpose", "cargo examination")
    refused_and_unchanged(world.net, ["disclose", request["request_id"], "--dir", world.net, "--as", "exporter"],
                          "private to its parties")


def test_private_references_are_shared_with_whom_the_owner_names(world: AccessNetwork, tmp_path: Path):
    document = tmp_path / "bol.txt"
    document.write_bytes(b"bill of lading MAEU-CLI-4411")
    anchored = run("anchor", document, "--dir", world.net, "--as", "importer", "--type", "bill_of_lading",
                   "--ref", "bol=MAEU-CLI-4411", "--share-with", "customs")
    found = run("find", "--dir", world.net, "--ref", "bol=MAEU-CLI-4411", "--as", "customs")
    assert found["commitment"] == anchored["commitment"] and found["private_refs"] == {"bol": "MAEU-CLI-4411"}
    refused_and_unchanged(world.net, ["find", "--dir", world.net, "--ref", "bol=MAEU-CLI-4411", "--as", "broker"],
                          "private to each document's collection")
    refused_and_unchanged(world.net, ["anchor", document, "--dir", world.net, "--as", "importer",
                                      "--ref", "bol=X", "--share-with", "smuggler"], "smuggler")
    refused_and_unchanged(world.net, ["anchor", document, "--dir", world.net, "--as", "importer",
                                      "--ref", f"entry={ENTRY}", "--share-with", "customs"], "has none")


# --- proofs that disclose fields or nothing --------------------------------------------------

def test_a_proof_of_chosen_fields_verifies_alone_and_with_the_file(base: AccessNetwork, tmp_path: Path):
    bundle = tmp_path / "fields.proof.json"
    assert_ok(tl("proof", base.invoice, "--dir", base.net, "--fields", "total, currency", "-o", bundle))
    text = bundle.read_text()
    assert "SECRET-GRADE" not in text and "Northwind" not in text and "steelGrade" not in text

    alone = tl("verify", bundle)
    assert_ok(alone)
    result = json.loads(alone.stdout)
    assert result["valid"] is True and result["disclosed_fields"] == {"currency": "USD", "total": "28500.00"}
    assert result["withheld_fields"] == 3

    assert_ok(tl("verify", base.invoice, bundle))


def test_a_file_with_a_different_disclosed_value_does_not_verify(base: AccessNetwork, tmp_path: Path):
    bundle = tmp_path / "fields.proof.json"
    assert_ok(tl("proof", base.invoice, "--dir", base.net, "--fields", "total", "-o", bundle))
    forged = tmp_path / "invoice.json"
    forged.write_text(json.dumps({**INVOICE, "total": "2850.00"}))
    result = tl("verify", forged, bundle)
    no_traceback(result)
    assert result.exit_code == 1
    assert json.loads(result.stdout)["valid"] is False and "field 'total' of the file differs" in result.stderr


def test_a_bundle_with_a_tampered_disclosure_does_not_verify(base: AccessNetwork, tmp_path: Path):
    bundle = tmp_path / "fields.proof.json"
    assert_ok(tl("proof", base.invoice, "--dir", base.net, "--fields", "total", "-o", bundle))
    data = json.loads(bundle.read_text())
    text = data["document"]["disclosures"][0]
    data["document"]["disclosures"][0] = text[:-2] + ("AA" if text[-2:] != "AA" else "BB")
    bundle.write_text(json.dumps(data))
    result = tl("verify", bundle)
    no_traceback(result)
    assert result.exit_code == 1 and json.loads(result.stdout)["valid"] is False


def test_a_proof_of_a_commitment_discloses_nothing_and_verifies_alone(base: AccessNetwork, tmp_path: Path):
    bundle = tmp_path / "existence.proof.json"
    assert_ok(tl("proof", "--commitment", base.packing_list_commitment, "--dir", base.net, "-o", bundle))
    data = json.loads(bundle.read_text())
    assert "document" not in data
    result = tl("verify", bundle)
    assert_ok(result)
    assert json.loads(result.stdout)["commitment"] == base.packing_list_commitment


# --- purge ---------------------------------------------------------------------------------

def test_a_purge_after_retention_keeps_existence_provable(short_retention: AccessNetwork, tmp_path: Path):
    world = short_retention
    request = run("request", world.invoice_commitment, "--dir", world.net, "--as", "customs", "--purpose", "audit")
    run("disclose", request["request_id"], "--dir", world.net)

    purged = run("purge", world.invoice_commitment, "--dir", world.net, "--as", "importer")
    assert purged["removed_bytes"] is True and purged["status"] == "final"
    vault = world.net / "orgs" / "importer" / "vault"
    assert not any(b"SECRET-GRADE" in p.read_bytes() for p in vault.rglob("*") if p.is_file())

    bundle = tmp_path / "purged.proof.json"
    assert_ok(tl("proof", "--commitment", world.invoice_commitment, "--dir", world.net, "-o", bundle))
    assert_ok(tl("verify", bundle))
    assert len(json_lines(tl("access-log", "--dir", world.net).stdout)) == 1
    refused_and_unchanged(world.net, ["purge", world.invoice_commitment, "--dir", world.net, "--as", "importer"],
                          "has been purged")


# --- bad input: one line, non-zero exit, nothing changed -------------------------------------

def test_refusals_leave_everything_unchanged(world: AccessNetwork, tmp_path: Path):
    net, invoice, whole = world.net, world.invoice_commitment, world.packing_list_commitment
    pending = run("request", whole, "--dir", net, "--as", "exporter", "--purpose", "curiosity")["request_id"]
    grant_id = run("grant", "--dir", net, "--as", "importer", "--to", "broker", "--commitment", whole,
                   "--purpose", "classification")["grant_id"]
    size = log_size(net)

    cases = [
        (["grant", "--as", "exporter", "--to", "broker", "--commitment", invoice, "--purpose", "resale"],
         "only the owner (importer) grants access"),
        (["grant", "--as", "importer", "--to", "smuggler", "--commitment", invoice, "--purpose", "audit"],
         "smuggler is not an active organization"),
        (["grant", "--as", "importer", "--to", "customs", "--purpose", "audit"], "either --commitment"),
        (["grant", "--as", "importer", "--to", "customs", "--commitment", invoice, "--ref", "entry=x",
          "--purpose", "audit"], "either --commitment"),
        (["grant", "--as", "importer", "--to", "customs", "--commitment", invoice, "--purpose", "audit",
          "--expires", "next tuesday"], "--expires"),
        (["grant", "--as", "importer", "--to", "customs", "--commitment", invoice, "--purpose", "audit",
          "--expires", "2020-01-01T00:00:00Z"], "would expire before it starts"),
        (["grant", "--as", "importer", "--to", "customs", "--ref", "entry", "--purpose", "audit"], "NAME=VALUE"),
        (["revoke", grant_id, "--as", "exporter"], "only the grantor (importer) revokes"),
        (["revoke", "00" * 32, "--as", "importer"], "no grant"),
        (["request", invoice, "--as", "customs", "--purpose", ""], "state the purpose"),
        (["request", "ab" * 32, "--as", "customs", "--purpose", "entry review"], "is anchored"),
        (["request", invoice, "--as", "importer", "--purpose", "entry review"], "already holds"),
        (["request", invoice, "--as", "smuggler", "--purpose", "entry review"], "smuggler"),
        (["approve", pending, "--as", "exporter"], "only the owner (importer) decides"),
        (["deny", pending, "--as", "customs", "--reason", "none of yours"], "only the owner (importer) decides"),
        (["deny", pending, "--as", "importer", "--reason", ""], "purpose"),
        (["approve", "cd" * 32, "--as", "importer"], "no access request"),
        (["disclose", pending], "is pending"),
        (["disclose", "ef" * 32], "no access request"),
        (["disclose", pending, "-o", tmp_path / "missing" / "out.bin"], "does not exist"),
        (["purge", whole, "--as", "importer"], "packing_list must be kept until"),
        (["purge", whole, "--as", "exporter"], "exporter's vault holds no document"),
        (["purge", whole, "--as", "smuggler"], "customs, importer"),
        (["proof", world.packing_list, "--fields", "total", "-o", tmp_path / "p.json"], "anchored whole"),
        (["proof", world.invoice, "--fields", "seller", "-o", tmp_path / "p.json"], "no fields ['seller']"),
        (["proof", "--commitment", invoice, "--fields", "total", "-o", tmp_path / "p.json"], "--fields needs"),
        (["proof", "--commitment", "ab" * 32, "-o", tmp_path / "p.json"], "no document with commitment"),
        (["proof", "-o", tmp_path / "p.json"], "give the anchored FILE"),
    ]
    for args, hint in cases:
        line = refused_and_unchanged(net, [*args, "--dir", net], hint)
        assert len(line) < 400, f"{args[0]}: the error line is not a one-liner: {line}"
    assert log_size(net) == size
    assert not (tmp_path / "p.json").exists()


def test_a_missing_purpose_is_a_usage_error_that_changes_nothing(world: AccessNetwork):
    before = fingerprint(world.net)
    result = tl("request", world.invoice_commitment, "--dir", world.net, "--as", "customs")
    no_traceback(result)
    assert result.exit_code == 2 and "Missing option '--purpose'" in result.stderr
    assert_unchanged(before, fingerprint(world.net))


@pytest.mark.parametrize("content, hint", [
    (b"%PDF-1.7 binary invoice", "is not JSON"),
    (b'["not", "an", "object"]', "non-empty JSON object"),
    (b"{}", "non-empty JSON object"),
    (b'{"grossWeightKg": 1250.5}', "floating-point"),
])
def test_anchor_structured_refuses_what_is_not_a_json_object_of_ledger_data(world: AccessNetwork, tmp_path: Path,
                                                                             content: bytes, hint: str):
    path = tmp_path / "document.json"
    path.write_bytes(content)
    refused_and_unchanged(world.net, ["anchor", path, "--dir", world.net, "--structured"], hint)
