"""`tradeledger audit --dir D`: exit 0 when intact; non-zero, naming what is wrong and
where, after any stored envelope, header, checkpoint, signature or state row is changed.

Each tampering happens with sqlite3 directly, on a fresh copy of the shared network
(shutil.copytree, without the copied .lock file), in one organization's store.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from _cli_fixtures import network_copy, shared  # noqa: F401  (pytest fixtures)
from _cli_helpers import (
    DEMO_ORGS,
    WIDE,
    assert_ok,
    assert_unchanged,
    execute,
    fingerprint,
    flat,
    flip_char,
    ledger_rows,
    no_traceback,
    store_path,
    tl,
)
from _cli_shared import SharedNetwork

from tradeledger.contracts.documents import document_key

VICTIM = "broker"  # whose store is tampered with; the other four must stay intact


def audit(network: Path):
    result = tl("audit", "--dir", network, env=WIDE)
    no_traceback(result)
    return result


def assert_broken(result, organization: str, *where: str) -> str:
    assert result.exit_code != 0, f"audit missed the tampering:\n{result.stdout}"
    output = flat(result.stdout)
    assert f"BROKEN {organization}" in output, output
    for other in DEMO_ORGS:
        if other != organization:
            assert f"intact {other}" in output, f"{other} should still be intact:\n{result.stdout}"
    for phrase in where:
        assert phrase in output, f"{phrase!r} not named in:\n{result.stdout}"
    return output


def test_audit_of_an_intact_network(shared: SharedNetwork):
    result = audit(shared.net)
    assert_ok(result)
    output = flat(result.stdout)
    blocks = len({a["height"] for a in shared.anchors.values()})
    for org in DEMO_ORGS:
        assert f"intact {org}: {blocks} blocks, {len(shared.anchors)} envelopes" in output
    assert "BROKEN" not in output and "DISAGREEMENT" not in output


def test_audit_changes_nothing(network_copy: Path):
    before = fingerprint(network_copy)
    assert_ok(audit(network_copy))
    assert_unchanged(before, fingerprint(network_copy))


# --- tampering -------------------------------------------------------------------------

def tamper_leaf_byte(net: Path, shared: SharedNetwork) -> tuple[str, ...]:
    leaf_index = shared.anchors["certificate"]["leaf_index"]
    [(leaf,)] = ledger_rows(net, VICTIM, "SELECT leaf FROM txs WHERE leaf_index = ?", (leaf_index,))
    altered = bytearray(leaf)
    position = bytes(leaf).index(b"certificate_of_origin")
    altered[position] ^= 0x01  # 'c' -> 'b': still JSON, no longer what was signed
    assert execute(store_path(net, VICTIM), "UPDATE txs SET leaf = ? WHERE leaf_index = ?",
                   (bytes(altered), leaf_index)) == 1
    return (f"leaf {leaf_index}",)


def tamper_header_field(net: Path, shared: SharedNetwork) -> tuple[str, ...]:
    height = shared.anchors["certificate"]["height"]
    [(text,)] = ledger_rows(net, VICTIM, "SELECT header FROM blocks WHERE height = ?", (height,))
    header = json.loads(text)
    header["state_digest"] = flip_char(header["state_digest"], 10)
    assert execute(store_path(net, VICTIM), "UPDATE blocks SET header = ? WHERE height = ?",
                   (json.dumps(header, separators=(",", ":"), sort_keys=True), height)) == 1
    return (f"block {height}", "state_digest")


def tamper_checkpoint_body(net: Path, shared: SharedNetwork) -> tuple[str, ...]:
    height = shared.anchors["certificate"]["height"]
    [(body,)] = ledger_rows(net, VICTIM, "SELECT body FROM checkpoints WHERE height = ?", (height,))
    lines = body.split("\n")
    lines[2] = flip_char(lines[2], 3)  # the root hash line of the C2SP checkpoint
    assert execute(store_path(net, VICTIM), "UPDATE checkpoints SET body = ? WHERE height = ?",
                   ("\n".join(lines), height)) == 1
    return (f"block {height}", "checkpoint body")


def tamper_signature_line(net: Path, shared: SharedNetwork) -> tuple[str, ...]:
    height = shared.anchors["certificate"]["height"]
    [(line,)] = ledger_rows(net, VICTIM, "SELECT line FROM signatures WHERE height = ? AND line LIKE ?",
                            (height, "%/witness/customs %"))
    altered = flip_char(line, line.rindex(" ") + 30)  # inside the signature, after the key id
    assert execute(store_path(net, VICTIM), "UPDATE signatures SET line = ? WHERE height = ? AND line = ?",
                   (altered, height, line)) == 1
    return (f"block {height}", "signature line does not verify")


def tamper_state_row(net: Path, shared: SharedNetwork) -> tuple[str, ...]:
    commitment = shared.anchors["certificate"]["commitment"]
    key = document_key(commitment)
    [(value,)] = ledger_rows(net, VICTIM, "SELECT value FROM state WHERE ns = 'documents' AND key = ?", (key,))
    assert "certificate_of_origin" in value
    assert execute(store_path(net, VICTIM), "UPDATE state SET value = ? WHERE ns = 'documents' AND key = ?",
                   (value.replace("certificate_of_origin", "commercial_invoice"), key)) == 1
    return (f"state row documents/{key}",)


def tamper_added_state_row(net: Path, shared: SharedNetwork) -> tuple[str, ...]:
    assert execute(store_path(net, VICTIM), "INSERT INTO state VALUES ('registry', 'member:importer/ghost', ?)",
                   ('{"admin":true,"key":"did:key:z6Mkghost","member":"ghost","organization":"importer"}',)) == 1
    return ("state row registry/member:importer/ghost",)


def tamper_txid(net: Path, shared: SharedNetwork) -> tuple[str, ...]:
    leaf_index = shared.anchors["release"]["leaf_index"]
    assert execute(store_path(net, VICTIM), "UPDATE txs SET txid = ? WHERE leaf_index = ?",
                   ("ab" * 32, leaf_index)) == 1
    return (f"leaf {leaf_index}",)


def tamper_verdict(net: Path, shared: SharedNetwork) -> tuple[str, ...]:
    leaf_index = shared.anchors["release"]["leaf_index"]
    assert execute(store_path(net, VICTIM), "UPDATE txs SET valid = 0, reason = 'forged' WHERE leaf_index = ?",
                   (leaf_index,)) == 1
    return (f"leaf {leaf_index}",)


TAMPERINGS: dict[str, Callable[[Path, SharedNetwork], tuple[str, ...]]] = {
    "txs.leaf byte": tamper_leaf_byte,
    "blocks.header field": tamper_header_field,
    "checkpoints.body": tamper_checkpoint_body,
    "signatures line": tamper_signature_line,
    "state row value": tamper_state_row,
    "state row added": tamper_added_state_row,
    "txs.txid": tamper_txid,
    "txs verdict": tamper_verdict,
}


@pytest.mark.parametrize("tampering", list(TAMPERINGS))
def test_audit_names_the_tampered_store_and_location(shared: SharedNetwork, network_copy: Path, tampering: str):
    where = TAMPERINGS[tampering](network_copy, shared)
    assert_broken(audit(network_copy), VICTIM, *where)


def test_audit_catches_a_tampered_store_of_the_reading_organization(shared: SharedNetwork, network_copy: Path):
    """customs is the first organization, whose store answers log/show/find."""
    commitment = shared.anchors["invoice"]["commitment"]
    assert execute(store_path(network_copy, "customs"),
                   "UPDATE state SET value = replace(value, 'importer', 'exporter') WHERE ns = 'documents' AND key = ?",
                   (document_key(commitment),)) == 1
    assert_broken(audit(network_copy), "customs", f"state row documents/{document_key(commitment)}")


# --- gaps: stored data whose change the audit does not notice ----------------------------

def tamper_checkpoint_size(net: Path, shared: SharedNetwork) -> None:
    height = shared.anchors["certificate"]["height"]
    assert execute(store_path(net, VICTIM), "UPDATE checkpoints SET size = size + 100 WHERE height = ?",
                   (height,)) == 1


def tamper_checkpoint_final_flag(net: Path, shared: SharedNetwork) -> None:
    height = shared.anchors["certificate"]["height"]
    assert execute(store_path(net, VICTIM), "UPDATE checkpoints SET final = 0 WHERE height = ?", (height,)) == 1


def tamper_tx_position(net: Path, shared: SharedNetwork) -> None:
    leaf_index = shared.anchors["certificate"]["leaf_index"]
    assert execute(store_path(net, VICTIM), "UPDATE txs SET position = position + 1000 WHERE leaf_index = ?",
                   (leaf_index,)) == 1


def tamper_orderer_envelope(net: Path, shared: SharedNetwork) -> None:
    assert execute(net / "orderer" / "stream.db",
                   "UPDATE stream SET payload = CAST(replace(CAST(payload AS TEXT), 'certificate_of_origin', "
                   "'commercial_invoice') AS BLOB) WHERE kind = 'envelope' AND CAST(payload AS TEXT) LIKE ?",
                   ("%certificate_of_origin%",)) == 1


AUDIT_GAPS = {
    "checkpoints.size": tamper_checkpoint_size,
    "checkpoints.final": tamper_checkpoint_final_flag,
    "txs.position": tamper_tx_position,
    "orderer stream envelope": tamper_orderer_envelope,
}


@pytest.mark.parametrize("tampering", list(AUDIT_GAPS))
def test_audit_catches_other_stored_fields(shared: SharedNetwork, network_copy: Path, tampering: str):
    AUDIT_GAPS[tampering](network_copy, shared)
    result = audit(network_copy)
    assert result.exit_code != 0, f"audit missed {tampering}:\n{result.stdout}"
