"""The CLI's contract, command by command: init, anchor, proof, verify, log, show, find, demo.

Read-only tests share one network (`shared`, see _cli_fixtures.py); tests that change a network work
on a copy. Audit and tampering live in test_cli_audit.py, refusals of bad input in
test_cli_bad_input.py, and the installed entry point in test_cli_entry_point.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
from pathlib import Path

import pytest
from _cli_fixtures import network_copy, shared  # noqa: F401  (pytest fixtures)
from _cli_helpers import (
    DEMO_ORGS,
    WIDE,
    assert_ok,
    assert_refused,
    flat,
    flip_char,
    json_lines,
    no_traceback,
    tl,
)
from _cli_shared import BILL_OF_LADING, DOCUMENTS, ENTRY, OTHER_ENTRY, SharedNetwork

from tradeledger.ledger.genesis import load_genesis
from tradeledger.runtime.setup import DEMO_ORGANIZATIONS

HEX64 = re.compile(r"^[0-9a-f]{64}$")


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_bundle(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


# --- init ------------------------------------------------------------------------------

def test_init_prints_the_organizations_and_writes_genesis_and_keys(shared: SharedNetwork):
    output = flat(shared.init_result.stdout)
    for plan in DEMO_ORGANIZATIONS:
        assert plan.name in output and plan.role in output and plan.display_name in output

    genesis = load_genesis(shared.net / "genesis.json")
    assert tuple(org.name for org in genesis.organizations) == DEMO_ORGS
    assert genesis.network_id in output
    assert str(shared.net / "genesis.json") in output

    assert sorted(p.name for p in (shared.net / "orgs").iterdir()) == sorted(DEMO_ORGS)
    for org in DEMO_ORGS:
        keys = shared.net / "orgs" / org / "keys.json"
        assert json.loads(keys.read_text())["organization"] == org
        assert stat.S_IMODE(keys.stat().st_mode) == 0o600, f"{keys} must be readable by its owner only"


def test_init_takes_a_network_name(tmp_path: Path):
    result = tl("init", "--dir", tmp_path / "pilot", "--name", "pilot")
    assert_ok(result)
    genesis = load_genesis(tmp_path / "pilot" / "genesis.json")
    assert genesis.name == "pilot"
    assert genesis.origin.startswith("tradeledger.local/pilot-")


def test_every_demo_short_name_works_with_as(shared: SharedNetwork):
    owners = {}
    for name, (org, _type, _body) in DOCUMENTS.items():
        result = tl("find", "--dir", shared.net, "--commitment", shared.anchors[name]["commitment"])
        assert_ok(result)
        [record] = json_lines(result.stdout)
        owners[org] = record["owner"]
    assert owners == {org: org for org in DEMO_ORGS}


# --- anchor ----------------------------------------------------------------------------

def test_anchor_prints_one_json_line_per_file(shared: SharedNetwork):
    lines = json_lines(shared.multi_anchor_result.stdout)
    assert len(lines) == 2
    assert [Path(line["file"]) for line in lines] == [shared.files["invoice"], shared.files["packing_list"]]
    for line in lines:
        assert HEX64.match(line["txid"]) and HEX64.match(line["commitment"])
        assert isinstance(line["leaf_index"], int)
        assert line["status"] == "final"
        assert line["valid"] is True
    assert len({line["txid"] for line in lines}) == 2
    assert len({line["commitment"] for line in lines}) == 2
    assert sorted(line["leaf_index"] for line in lines) == [0, 1]


def test_anchor_records_type_and_references(shared: SharedNetwork):
    anchored = shared.anchors["invoice"]
    result = tl("show", anchored["txid"], "--dir", shared.net)
    assert_ok(result)
    shown = json.loads(result.stdout)
    args = shown["envelope"]["args"]
    # The entry number is public; the bill of lading travels sealed, with only its salted digest public.
    assert args["doc_type"] == DOCUMENTS["invoice"][1] and args["refs"] == {"entry": ENTRY}
    assert len(args["refs_digest"]) == 64 and BILL_OF_LADING not in result.stdout
    assert [p["part"] for p in shown["envelope"]["private"]] == ["references"]
    assert shown["envelope"]["commitments"] == [anchored["commitment"]]


def test_anchor_defaults_to_the_importer(network_copy: Path, tmp_path: Path):
    document = tmp_path / "note.txt"
    document.write_text("arrival notice\n")
    result = tl("anchor", document, "--dir", network_copy)
    assert_ok(result)
    [line] = json_lines(result.stdout)
    found = tl("find", "--dir", network_copy, "--commitment", line["commitment"])
    assert_ok(found)
    assert json_lines(found.stdout)[0]["owner"] == "importer"


def test_anchor_never_puts_the_document_on_the_ledger(shared: SharedNetwork):
    """Only the salted commitment is signed: neither the file's bytes nor its SHA-256
    appear in the envelope."""
    result = tl("show", shared.anchors["invoice"]["txid"], "--dir", shared.net)
    assert_ok(result)
    digest = sha256_file(shared.files["invoice"])
    assert digest not in result.stdout
    assert "INV-1000288" not in result.stdout
    assert shared.anchors["invoice"]["commitment"] != digest


# --- proof -----------------------------------------------------------------------------

def test_proof_writes_a_bundle_for_the_file(shared: SharedNetwork):
    assert str(shared.bundle) in flat(shared.proof_result.stdout)
    data = json.loads(shared.bundle.read_text())
    assert data["format"] == "tradeledger-proof/1"
    assert data["document"]["sha256"] == sha256_file(shared.files["invoice"])
    assert re.match(r"^[0-9a-f]{64}$", data["document"]["salt"])
    assert data["envelope"]["commitments"] == [shared.anchors["invoice"]["commitment"]]
    assert data["tlog_proof"].splitlines()[1] == f"index {shared.anchors['invoice']['leaf_index']}"
    policy = load_genesis(shared.net / "genesis.json").policy
    assert data["policy"] == policy


def test_proof_is_against_a_final_checkpoint(shared: SharedNetwork):
    result = tl("verify", shared.files["invoice"], shared.bundle)
    assert_ok(result)
    details = json.loads(result.stdout)
    # customs and 3 of the 4 others are the quorum; all five cosign in the embedded network
    assert "customs" in details["witnesses"]
    assert len(set(details["witnesses"]) - {"customs"}) >= 3
    assert details["tree_size"] > details["leaf_index"]


def test_proof_of_a_later_document_by_its_owner(shared: SharedNetwork, tmp_path: Path):
    bundle = tmp_path / "filing.proof.json"
    assert_ok(tl("proof", shared.files["filing"], "--dir", shared.net, "-o", bundle, "--as", "broker"))
    data = json.loads(bundle.read_text())
    assert data["document"]["sha256"] == sha256_file(shared.files["filing"])
    assert_ok(tl("verify", shared.files["filing"], bundle))


# --- verify ----------------------------------------------------------------------------

def test_verify_accepts_the_anchored_file(shared: SharedNetwork):
    result = tl("verify", shared.files["invoice"], shared.bundle)
    assert_ok(result)
    report = json.loads(result.stdout)
    assert report["valid"] is True
    assert report["txid"] == shared.anchors["invoice"]["txid"]
    assert report["leaf_index"] == shared.anchors["invoice"]["leaf_index"]
    assert report["commitment"] == shared.anchors["invoice"]["commitment"]
    assert report["document_sha256"] == sha256_file(shared.files["invoice"])


def assert_invalid(result, *reason_words: str) -> str:
    no_traceback(result)
    assert result.exit_code == 1, f"exit {result.exit_code}\n{result.stdout}\n{result.stderr}"
    report = json.loads(result.stdout)
    assert report["valid"] is False
    reason = report["reason"]
    assert reason
    for word in reason_words:
        assert word in reason, f"{word!r} not in {reason!r}"
    return reason


def test_verify_rejects_a_modified_file(shared: SharedNetwork, tmp_path: Path):
    altered = tmp_path / "invoice.json"
    altered.write_bytes(shared.files["invoice"].read_bytes().replace(b"28500.00", b"2850.00"))
    result = tl("verify", altered, shared.bundle)
    assert_invalid(result, "SHA-256")
    assert "invalid" in result.stderr


def test_verify_rejects_another_anchored_file(shared: SharedNetwork):
    assert_invalid(tl("verify", shared.files["packing_list"], shared.bundle), "not the anchored document")


def _proof_positions(tlog_proof: str) -> dict[str, int]:
    """Offsets into a C2SP tlog-proof text where a flipped character must be caught."""
    lines = tlog_proof.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    blank = lines.index("", 2)  # end of the hash lines; the checkpoint note follows
    assert blank > 2, "the shared bundle's inclusion proof should have at least one hash"
    customs = next(i for i, line in enumerate(lines) if "/witness/customs " in line)
    return {
        "index": starts[1] + len("index "),
        "inclusion hash": starts[2] + 5,
        "checkpoint size": starts[blank + 2],
        "checkpoint root": starts[blank + 3] + 5,
        "customs cosignature": starts[customs] + lines[customs].rindex(" ") + 1 + 40,
    }


@pytest.mark.parametrize("where", ["index", "inclusion hash", "checkpoint size", "checkpoint root",
                                   "customs cosignature"])
def test_verify_rejects_a_flipped_byte_in_the_tlog_proof(shared: SharedNetwork, tmp_path: Path, where: str):
    data = json.loads(shared.bundle.read_text())
    offset = _proof_positions(data["tlog_proof"])[where]
    data["tlog_proof"] = flip_char(data["tlog_proof"], offset)
    bundle = write_bundle(tmp_path / "flipped.json", data)
    assert_invalid(tl("verify", shared.files["invoice"], bundle))


def test_verify_rejects_an_edited_envelope(shared: SharedNetwork, tmp_path: Path):
    data = json.loads(shared.bundle.read_text())
    data["envelope"]["args"]["refs"]["entry"] = "B76-9999999-9"
    bundle = write_bundle(tmp_path / "edited.json", data)
    assert_invalid(tl("verify", shared.files["invoice"], bundle), "signature")


def test_verify_cannot_match_a_file_without_the_disclosed_document(shared: SharedNetwork, tmp_path: Path):
    data = json.loads(shared.bundle.read_text())
    del data["document"]
    bundle = write_bundle(tmp_path / "undisclosed.json", data)
    assert_invalid(tl("verify", shared.files["invoice"], bundle), "cannot be matched")


def test_verify_with_the_networks_own_policy_pinned(shared: SharedNetwork, tmp_path: Path):
    policy = tmp_path / "trusted.policy"
    policy.write_text(load_genesis(shared.net / "genesis.json").policy)
    assert_ok(tl("verify", shared.files["invoice"], shared.bundle, "--policy", policy))


def test_verify_rejects_a_pinned_policy_of_another_network(shared: SharedNetwork, tmp_path: Path):
    assert_ok(tl("init", "--dir", tmp_path / "other"))
    policy = tmp_path / "other.policy"
    policy.write_text(load_genesis(tmp_path / "other" / "genesis.json").policy)
    assert_invalid(tl("verify", shared.files["invoice"], shared.bundle, "--policy", policy))


def test_verify_rejects_a_corrupt_bundle(shared: SharedNetwork, tmp_path: Path):
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_bytes(shared.bundle.read_bytes()[:200])  # cut short: not JSON
    assert_invalid(tl("verify", shared.files["invoice"], corrupt))
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\x00\xffnot json at all")
    assert_invalid(tl("verify", shared.files["invoice"], garbage))
    not_a_bundle = write_bundle(tmp_path / "list.json", {"format": "something-else"})
    assert_invalid(tl("verify", shared.files["invoice"], not_a_bundle))


def test_verify_explains_a_corrupt_bundle_in_one_line(shared: SharedNetwork, tmp_path: Path):
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text("{not json")
    result = tl("verify", shared.files["invoice"], corrupt)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and str(corrupt) in lines[0]


def test_verify_states_an_invalid_reason_on_one_line(shared: SharedNetwork):
    result = tl("verify", shared.files["packing_list"], shared.bundle)
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1, result.stderr


def test_verify_works_offline_after_the_network_folder_is_deleted(shared: SharedNetwork, network_copy: Path,
                                                                   tmp_path: Path):
    bundle = tmp_path / "permit.proof.json"
    assert_ok(tl("proof", shared.files["permit"], "--dir", network_copy, "-o", bundle))
    shutil.rmtree(network_copy)
    assert not network_copy.exists()
    result = tl("verify", shared.files["permit"], bundle)
    assert_ok(result)
    assert json.loads(result.stdout)["valid"] is True


# --- log, show, find -------------------------------------------------------------------

def test_log_lists_the_transactions(shared: SharedNetwork):
    result = tl("log", "--dir", shared.net, env=WIDE)
    assert_ok(result)
    output = result.stdout
    assert f"log of demo: {len(shared.anchors)} leaves" in output
    for name, anchored in shared.anchors.items():
        assert anchored["txid"][:16] in output, f"{name} missing from the log"
    assert "documents.anchor" in output
    for org in DEMO_ORGS:
        assert org in output
    assert "invalid" not in output


def test_log_limit_shows_the_latest(shared: SharedNetwork):
    result = tl("log", "--dir", shared.net, "--limit", "1", env=WIDE)
    assert_ok(result)
    latest = max(shared.anchors.values(), key=lambda a: a["leaf_index"])
    assert latest["txid"][:16] in result.stdout
    assert shared.anchors["invoice"]["txid"][:16] not in result.stdout


def test_show_prints_the_transaction(shared: SharedNetwork):
    anchored = shared.anchors["certificate"]
    result = tl("show", anchored["txid"], "--dir", shared.net)
    assert_ok(result)
    shown = json.loads(result.stdout)
    assert shown["txid"] == anchored["txid"]
    assert shown["leaf_index"] == anchored["leaf_index"]
    assert shown["valid"] is True
    assert shown["block"]["height"] == anchored["height"]
    assert shown["block"]["final"] is True
    assert shown["envelope"]["contract"] == "documents" and shown["envelope"]["action"] == "anchor"
    assert [e["type"] for e in shown["events"]] == ["anchored"]
    assert shown["events"][0]["data"]["commitment"] == anchored["commitment"]


def test_show_accepts_a_txid_prefix(shared: SharedNetwork):
    anchored = shared.anchors["release"]
    result = tl("show", anchored["txid"][:12], "--dir", shared.net)
    assert_ok(result)
    assert json.loads(result.stdout)["txid"] == anchored["txid"]


def test_a_private_reference_is_found_only_by_members_and_others_are_told_it_is_private(shared: SharedNetwork):
    outsider = tl("find", "--dir", shared.net, "--ref", f"bol={BILL_OF_LADING}", "--as", "exporter")
    assert_refused(outsider, "reference bol is private to each document's collection")
    assert BILL_OF_LADING not in outsider.stdout
    by_commitment = tl("find", "--dir", shared.net, "--commitment", shared.anchors["invoice"]["commitment"],
                       "--as", "exporter")
    assert_ok(by_commitment)
    [record] = json_lines(by_commitment.stdout)
    assert record["refs"] == {"entry": ENTRY} and record["private_refs"] == "private to importer"


@pytest.mark.parametrize("txid", ["0" * 64, "deadbeefdeadbeef", "zz" * 32])
def test_show_of_an_unknown_txid_fails(shared: SharedNetwork, txid: str):
    assert_refused(tl("show", txid, "--dir", shared.net), "no transaction")


def test_show_of_a_too_short_prefix_fails(shared: SharedNetwork):
    assert_refused(tl("show", "abc", "--dir", shared.net), "8 hex digits")


def test_find_by_reference_lists_the_anchored_documents(shared: SharedNetwork):
    result = tl("find", "--dir", shared.net, "--ref", f"entry={ENTRY}")
    assert_ok(result)
    found = {record["commitment"]: record for record in json_lines(result.stdout)}
    expected = {name: shared.anchors[name] for name in DOCUMENTS if name != "filing"}
    assert set(found) == {a["commitment"] for a in expected.values()}
    for name, anchored in expected.items():
        record = found[anchored["commitment"]]
        assert record["txid"] == anchored["txid"]
        assert record["leaf_index"] == anchored["leaf_index"]
        assert record["owner"] == DOCUMENTS[name][0]
        assert record["refs"]["entry"] == ENTRY


def test_find_by_another_reference(shared: SharedNetwork):
    result = tl("find", "--dir", shared.net, "--ref", f"bol={BILL_OF_LADING}", "--as", "importer")
    assert_ok(result)
    found = json_lines(result.stdout)
    assert sorted(r["commitment"] for r in found) == sorted(
        shared.anchors[name]["commitment"] for name in ("invoice", "packing_list"))
    assert all(r["private_refs"] == {"bol": BILL_OF_LADING} for r in found)
    result = tl("find", "--dir", shared.net, "--ref", f"entry={OTHER_ENTRY}")
    assert_ok(result)
    assert [r["commitment"] for r in json_lines(result.stdout)] == [shared.anchors["filing"]["commitment"]]


def test_find_of_an_unknown_reference_exits_1(shared: SharedNetwork):
    result = tl("find", "--dir", shared.net, "--ref", "entry=NOPE-0000000-0")
    no_traceback(result)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "nothing is anchored" in result.stderr


def test_find_needs_exactly_one_criterion(shared: SharedNetwork):
    assert_refused(tl("find", "--dir", shared.net), "--ref")
    assert_refused(tl("find", "--dir", shared.net, "--ref", "a=b", "--commitment", "00" * 32), "--ref")


# --- demo ------------------------------------------------------------------------------

def test_demo_runs_to_completion(tmp_path: Path):
    directory = tmp_path / "demo"
    result = tl("demo", "--dir", directory)
    assert_ok(result)
    assert "Done." in result.stdout
    assert (directory / "network" / "genesis.json").exists()
    invoice = directory / "importer-files" / "commercial_invoice.json"
    assert_ok(tl("verify", invoice, directory / "commercial_invoice.proof.json"))


def test_demo_runs_again_in_the_same_folder(tmp_path: Path):
    directory = tmp_path / "demo"
    assert_ok(tl("demo", "--dir", directory))
    first = load_genesis(directory / "network" / "genesis.json").network_id
    second = tl("demo", "--dir", directory)
    assert_ok(second)
    assert "Done." in second.stdout
    assert load_genesis(directory / "network" / "genesis.json").network_id != first


def test_demo_does_not_replace_a_folder_it_did_not_make(tmp_path: Path):
    directory = tmp_path / "mine"
    directory.mkdir()
    (directory / "keep.txt").write_text("precious\n")
    assert_refused(tl("demo", "--dir", directory), "--dir")
    assert (directory / "keep.txt").read_text() == "precious\n"
    assert sorted(os.listdir(directory)) == ["keep.txt"]
