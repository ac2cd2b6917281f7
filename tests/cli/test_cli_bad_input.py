"""Bad input everywhere gets a one-line error that says what to do, and changes nothing:
exit non-zero, exactly one line on stderr starting with "error:", no traceback, nothing on
stdout, and every ledger, orderer, vault and key file byte-identical afterwards.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from _cli_fixtures import network_copy, shared  # noqa: F401  (pytest fixtures)
from _cli_helpers import assert_ok, assert_refused, assert_unchanged, fingerprint, json_lines, tl
from _cli_shared import SharedNetwork


@pytest.fixture
def document(tmp_path: Path) -> Path:
    path = tmp_path / "bill_of_lading.json"
    path.write_text('{"billOfLadingNumber": "MAEU240551873"}\n')
    return path


def refused_and_unchanged(network: Path, args: list, *hints: str, exclude: tuple[str, ...] = ()) -> str:
    before = fingerprint(network, exclude)
    line = assert_refused(tl(*args), *hints)
    assert_unchanged(before, fingerprint(network, exclude))
    return line


# --- anchor ----------------------------------------------------------------------------

def test_anchor_of_a_missing_file(network_copy: Path, tmp_path: Path):
    missing = tmp_path / "no-such-invoice.pdf"
    refused_and_unchanged(network_copy, ["anchor", missing, "--dir", network_copy], str(missing))


def test_anchor_with_one_missing_file_anchors_none(network_copy: Path, document: Path, tmp_path: Path):
    missing = tmp_path / "no-such-invoice.pdf"
    refused_and_unchanged(network_copy, ["anchor", document, missing, "--dir", network_copy], str(missing))


def test_anchor_of_a_directory(network_copy: Path, tmp_path: Path):
    refused_and_unchanged(network_copy, ["anchor", tmp_path, "--dir", network_copy], str(tmp_path))


def test_anchor_as_an_unknown_organization(network_copy: Path, document: Path):
    line = refused_and_unchanged(network_copy, ["anchor", document, "--dir", network_copy, "--as", "smuggler"],
                                 "smuggler")
    for org in ("customs", "importer", "exporter", "agency", "broker"):
        assert org in line, "the refusal should list the organizations that exist"


@pytest.mark.parametrize("ref", ["entry", "=B76-0324527-8", "entry="])
def test_anchor_with_a_reference_that_is_not_key_value(network_copy: Path, document: Path, ref: str):
    refused_and_unchanged(network_copy, ["anchor", document, "--dir", network_copy, "--ref", ref], "KEY=VALUE")


def test_anchor_with_a_bad_reference_after_a_good_one(network_copy: Path, document: Path):
    refused_and_unchanged(network_copy, ["anchor", document, "--dir", network_copy, "--ref", "entry=B76-1",
                                         "--ref", "bol"], "KEY=VALUE")


def test_anchor_with_an_unknown_wait_level(network_copy: Path, document: Path):
    refused_and_unchanged(network_copy, ["anchor", document, "--dir", network_copy, "--wait", "eventually"],
                          "ordered, committed, final")


# --- other commands --------------------------------------------------------------------

def test_find_with_a_reference_that_is_not_key_value(network_copy: Path):
    refused_and_unchanged(network_copy, ["find", "--dir", network_copy, "--ref", "entry"], "KEY=VALUE")


def test_proof_of_a_file_that_was_never_anchored(network_copy: Path, document: Path, tmp_path: Path):
    output = tmp_path / "out.proof.json"
    refused_and_unchanged(network_copy, ["proof", document, "--dir", network_copy, "-o", output], "anchor")
    assert not output.exists()


def test_proof_of_a_missing_file(network_copy: Path, tmp_path: Path):
    output = tmp_path / "out.proof.json"
    refused_and_unchanged(network_copy, ["proof", tmp_path / "gone.pdf", "--dir", network_copy, "-o", output],
                          "gone.pdf")
    assert not output.exists()


def test_proof_as_an_unknown_organization(shared: SharedNetwork, network_copy: Path, tmp_path: Path):
    output = tmp_path / "out.proof.json"
    refused_and_unchanged(network_copy, ["proof", shared.files["invoice"], "--dir", network_copy, "-o", output,
                                         "--as", "smuggler"], "smuggler")
    assert not output.exists()


def test_proof_into_a_missing_folder(shared: SharedNetwork, network_copy: Path, tmp_path: Path):
    output = tmp_path / "no-such-folder" / "out.proof.json"
    refused_and_unchanged(network_copy, ["proof", shared.files["invoice"], "--dir", network_copy, "-o", output],
                          "no-such-folder")


# --- a folder with no network ----------------------------------------------------------

COMMANDS_NEEDING_A_NETWORK: dict[str, Callable[[Path, Path], list]] = {
    "anchor": lambda d, doc: ["anchor", doc, "--dir", d],
    "proof": lambda d, doc: ["proof", doc, "--dir", d, "-o", doc.with_suffix(".proof.json")],
    "audit": lambda d, doc: ["audit", "--dir", d],
    "sync": lambda d, doc: ["sync", "--dir", d],
    "log": lambda d, doc: ["log", "--dir", d],
    "show": lambda d, doc: ["show", "ab" * 32, "--dir", d],
    "find": lambda d, doc: ["find", "--dir", d, "--ref", "entry=B76-0324527-8"],
}


@pytest.mark.parametrize("command", list(COMMANDS_NEEDING_A_NETWORK))
def test_commands_on_an_empty_folder(tmp_path: Path, document: Path, command: str):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_refused(tl(*COMMANDS_NEEDING_A_NETWORK[command](empty, document)), "tradeledger init")
    assert os.listdir(empty) == [], "a refused command must not leave files behind"
    assert not document.with_suffix(".proof.json").exists()


@pytest.mark.parametrize("command", list(COMMANDS_NEEDING_A_NETWORK))
def test_commands_on_a_missing_folder(tmp_path: Path, document: Path, command: str):
    missing = tmp_path / "nowhere"
    assert_refused(tl(*COMMANDS_NEEDING_A_NETWORK[command](missing, document)), "tradeledger init")
    assert not missing.exists(), "a refused command must not create the folder"


# --- init ------------------------------------------------------------------------------

def test_init_into_an_existing_network(network_copy: Path):
    refused_and_unchanged(network_copy, ["init", "--dir", network_copy], "not empty")


def test_init_into_a_folder_with_other_files(tmp_path: Path):
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "invoice.pdf").write_bytes(b"%PDF-1.7 ...")
    refused_and_unchanged(folder, ["init", "--dir", folder], "not empty")
    assert os.listdir(folder) == ["invoice.pdf"]


def test_init_into_a_file(tmp_path: Path):
    target = tmp_path / "genesis.txt"
    target.write_text("not a folder\n")
    assert_refused(tl("init", "--dir", target), str(target))
    assert target.read_text() == "not a folder\n"


# --- a malformed genesis.json ----------------------------------------------------------

def _edit(change: Callable[[dict], None]) -> Callable[[str], str]:
    def edit(text: str) -> str:
        data = json.loads(text)
        change(data)
        return json.dumps(data, indent=2)
    return edit


def _set_role(data: dict) -> None:
    data["organizations"][1]["role"] = "pirate"


def _duplicate_org(data: dict) -> None:
    data["organizations"].append(dict(data["organizations"][0]))


def _bad_admin_key(data: dict) -> None:
    data["organizations"][0]["admin_key"] = "did:key:z6Mk-not-a-key"


GENESIS_DAMAGE: dict[str, tuple[Callable[[str], str], str]] = {
    # name: (edit of the genesis text, a word the one-line error must contain)
    "policy removed": (_edit(lambda d: d.pop("policy")), "policy"),
    "invalid role": (_edit(_set_role), "pirate"),
    "bad JSON": (lambda text: text[: len(text) // 2], "not JSON"),
    "empty file": (lambda text: "", "not JSON"),
    "not an object": (lambda text: "[]", "genesis"),
    "wrong format": (_edit(lambda d: d.__setitem__("format", "tradeledger-genesis/9")), "format"),
    "unknown field": (_edit(lambda d: d.__setitem__("colour", "blue")), "colour"),
    "no organizations": (_edit(lambda d: d.__setitem__("organizations", [])), "organization"),
    "duplicate organization": (_edit(_duplicate_org), "twice"),
    "bad admin key": (_edit(_bad_admin_key), "admin_key"),
    "policy garbage": (_edit(lambda d: d.__setitem__("policy", "quorum everyone\n")), "policy"),
    "negative max_block_transactions": (_edit(lambda d: d.__setitem__("max_block_transactions", -1)),
                                        "max_block_transactions"),
}


@pytest.mark.parametrize("command", ["anchor", "proof", "audit", "log", "find", "sync"])
@pytest.mark.parametrize("damage", list(GENESIS_DAMAGE))
def test_a_malformed_genesis_is_refused(shared: SharedNetwork, network_copy: Path, damage: str, command: str):
    edit, hint = GENESIS_DAMAGE[damage]
    genesis = network_copy / "genesis.json"
    genesis.write_text(edit(genesis.read_text()))
    damaged = genesis.read_bytes()
    args = COMMANDS_NEEDING_A_NETWORK[command](network_copy, shared.files["invoice"])
    if command == "proof":
        args[-1] = network_copy.parent / "out.proof.json"
    refused_and_unchanged(network_copy, args, hint, exclude=("genesis.json",))
    assert genesis.read_bytes() == damaged, "the command must not rewrite genesis.json"


@pytest.mark.parametrize("admin_roles", [5, [["customs"]]])
def test_a_genesis_with_malformed_admin_roles_is_refused(network_copy: Path, admin_roles):
    genesis = network_copy / "genesis.json"
    genesis.write_text(_edit(lambda d: d.__setitem__("admin_roles", admin_roles))(genesis.read_text()))
    refused_and_unchanged(network_copy, ["log", "--dir", network_copy], "admin_roles", exclude=("genesis.json",))


def test_a_genesis_of_another_network_is_refused(network_copy: Path, tmp_path: Path):
    """A well-formed genesis that is not the one the stores were made with."""
    assert_ok(tl("init", "--dir", tmp_path / "other"))
    (network_copy / "genesis.json").write_bytes((tmp_path / "other" / "genesis.json").read_bytes())
    result = tl("log", "--dir", network_copy)
    assert_refused(result)


def test_a_refused_open_releases_the_network_folder(network_copy: Path):
    genesis = network_copy / "genesis.json"
    genesis.write_text(_edit(lambda d: d["organizations"][0].__setitem__("display_name", "Someone Else"))(
        genesis.read_text()))
    first = tl("log", "--dir", network_copy)
    assert_refused(first)
    second = tl("log", "--dir", network_copy)
    assert_refused(second)
    assert "another tradeledger process" not in second.stderr, second.stderr


# --- broken organization keys ----------------------------------------------------------

@pytest.mark.parametrize("content", ["{", '{"format": "something-else"}'])
def test_a_damaged_keys_file_is_refused(network_copy: Path, document: Path, content: str):
    keys = network_copy / "orgs" / "importer" / "keys.json"
    keys.write_text(content)
    refused_and_unchanged(network_copy, ["anchor", document, "--dir", network_copy], "keys.json",
                          exclude=("orgs/importer/keys.json",))


def test_a_folder_without_any_keys_is_refused(network_copy: Path):
    for keys in (network_copy / "orgs").glob("*/keys.json"):
        keys.unlink()
    assert_refused(tl("log", "--dir", network_copy), "keys")


# --- the refusals leave the network usable ----------------------------------------------

def test_the_network_still_works_after_the_refusals(shared: SharedNetwork, network_copy: Path, document: Path):
    assert_refused(tl("anchor", document, "--dir", network_copy, "--as", "smuggler"))
    assert_refused(tl("anchor", document, "--dir", network_copy, "--ref", "entry"))
    assert_refused(tl("init", "--dir", network_copy))
    result = tl("anchor", document, "--dir", network_copy, "--as", "broker", "--ref", "bol=MAEU240551873")
    assert_ok(result)
    [line] = json_lines(result.stdout)
    assert line["leaf_index"] == len(shared.anchors)
    assert_ok(tl("audit", "--dir", network_copy))
