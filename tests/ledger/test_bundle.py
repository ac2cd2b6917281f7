"""Proof bundles (DESIGN.md decision 13): verified by our verifier, refused when any part
is altered, and verified again by an independent reading of RFC 9162 and the C2SP specs
written here with other libraries (pyca/cryptography for Ed25519, rfc8785 for JCS)."""

import base64
import copy
import hashlib
import json

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tradeledger.ledger.bundle import BundleError, ProofBundle, verify_bundle
from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.workflows.documents import anchor_documents, prove_document

INVOICE = b'{"invoiceNumber": "INV-1000288", "total": "28500.00"}\n'


@pytest.fixture(scope="module")
def proved(tmp_path_factory, small_network_plan):
    root = tmp_path_factory.mktemp("bundle")
    create_network(root / "net", small_network_plan)
    with EmbeddedNetwork(root / "net") as net:
        for i in range(5):  # some leaves before and after, so the proof has a path
            anchor_documents(net, "exporter", [(root / f"f{i}", f"other {i}".encode())], "packing_list", {})
        anchor_documents(net, "importer", [(root / "invoice.json", INVOICE)], "commercial_invoice",
                         {"entry": "B76-0324527-8"})
        for i in range(5, 9):
            anchor_documents(net, "exporter", [(root / f"f{i}", f"other {i}".encode())], "packing_list", {})
        bundle = prove_document(net, INVOICE)
    create_network(root / "other", small_network_plan)
    other_policy = json.loads((root / "other" / "genesis.json").read_text())["policy"]
    return bundle.to_dict(), other_policy


def test_the_bundle_verifies_with_and_without_the_document(proved):
    data, _ = proved
    bundle = ProofBundle.from_dict(data)
    result = verify_bundle(bundle, INVOICE)
    assert result.ok, result.reason
    assert result.details["leaf_index"] == 5 and result.details["tree_size"] == 10
    assert set(result.details["witnesses"]) >= {"customs"}
    assert verify_bundle(bundle).ok  # existence and time, the document withheld


def test_without_the_document_field_nothing_about_the_document_is_revealed(proved):
    data, _ = proved
    hidden = {k: v for k, v in data.items() if k != "document"}
    assert verify_bundle(ProofBundle.from_dict(hidden)).ok
    assert hashlib.sha256(INVOICE).hexdigest() not in json.dumps(hidden)
    refused = verify_bundle(ProofBundle.from_dict(hidden), INVOICE)
    assert not refused.ok and "salt" in refused.reason


def _mutations(data, other_policy):
    def with_(path, value):
        mutated = copy.deepcopy(data)
        target = mutated
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return mutated

    proof_lines = data["tlog_proof"].split("\n")
    flipped_hash = base64.b64encode(bytes([base64.b64decode(proof_lines[2])[0] ^ 1]) +
                                    base64.b64decode(proof_lines[2])[1:]).decode()
    return {
        "other salt": with_(("document", "salt"), "00" * 32),
        "other document hash": with_(("document", "sha256"), "00" * 32),
        "edited envelope arguments": with_(("envelope", "args", "doc_type"), "packing_list"),
        "edited commitment": with_(("envelope", "commitments", 0), "00" * 32),
        "pointer elsewhere": with_(("commitment_pointer",), "/nonce"),
        "pointer nowhere": with_(("commitment_pointer",), "/commitments/7"),
        "flipped proof hash": with_(("tlog_proof",), "\n".join(proof_lines[:2] + [flipped_hash] + proof_lines[3:])),
        "other index": with_(("tlog_proof",), data["tlog_proof"].replace("\nindex 5\n", "\nindex 4\n")),
        "policy of another network": with_(("policy",), other_policy),
        "signatures stripped below quorum": with_(("tlog_proof",), "\n".join(
            line for line in data["tlog_proof"].split("\n") if "/witness/customs" not in line)),
    }


@pytest.mark.parametrize("name", [
    "other salt", "other document hash", "edited envelope arguments", "edited commitment", "pointer elsewhere",
    "pointer nowhere", "flipped proof hash", "other index", "policy of another network",
    "signatures stripped below quorum",
])
def test_any_alteration_is_refused_with_a_reason(proved, name):
    data, other_policy = proved
    mutated = _mutations(data, other_policy)[name]
    result = verify_bundle(ProofBundle.from_dict(mutated), INVOICE if "document" in mutated else None)
    assert not result.ok and result.reason


def test_a_pinned_policy_overrides_the_bundles_own(proved):
    data, other_policy = proved
    assert not verify_bundle(ProofBundle.from_dict(data), INVOICE, pinned_policy=other_policy).ok
    assert verify_bundle(ProofBundle.from_dict(data), INVOICE, pinned_policy=data["policy"]).ok


@pytest.mark.parametrize("bad", [None, [], {"format": "x"}, {"format": "tradeledger-proof/1", "envelope": {}}])
def test_malformed_bundles_raise_bundle_error(bad):
    with pytest.raises(BundleError):
        ProofBundle.from_dict(bad)


# --- an independent verifier, written from the specs --------------------------------


def _rfc9162_verify_inclusion(index, size, leaf_hash, path, root):
    """RFC 9162 section 2.1.3.2, step by step."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in path:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = hashlib.sha256(b"\x01" + p + r).digest()
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = hashlib.sha256(b"\x01" + r + p).digest()
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def _vkey(text):
    name, key_id, encoded = text.split("+", 2)  # a key name never holds "+", base64 may
    raw = base64.b64decode(encoded)
    return name, bytes.fromhex(key_id), raw[0], raw[1:]


def _independent_verify(bundle, document):
    leaf = rfc8785.dumps(bundle["envelope"])
    salt = bytes.fromhex(bundle["document"]["salt"])
    commitment = hashlib.sha256(salt + hashlib.sha256(document).digest()).hexdigest()
    assert bundle["envelope"]["commitments"][0] == commitment
    lines = bundle["tlog_proof"].split("\n")
    assert lines[0] == "c2sp.org/tlog-proof@v1"
    index = int(lines[1].split(" ")[1])
    blank = lines.index("", 2)
    path = [base64.b64decode(line) for line in lines[2:blank]]
    note = "\n".join(lines[blank + 1:])
    body, _, signatures = note.partition("\n\n")
    body += "\n"
    origin, size, root = body.split("\n")[:3]
    assert _rfc9162_verify_inclusion(index, int(size), hashlib.sha256(b"\x00" + leaf).digest(), path,
                                     base64.b64decode(root))
    logs, witnesses, groups, quorum = [], {}, {}, None
    for line in bundle["policy"].splitlines():
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if words[0] == "log":
            logs.append(_vkey(words[1]))
        elif words[0] == "witness":
            witnesses[words[1]] = _vkey(words[2])
        elif words[0] == "group":
            groups[words[1]] = (words[2], words[3:])
        elif words[0] == "quorum":
            quorum = words[1]
    log_ok, cosigned = False, set()
    for line in signatures.strip("\n").split("\n"):
        _dash, name, encoded = line.split(" ")
        raw = base64.b64decode(encoded)
        for log_name, key_id, key_type, key in logs:
            if (log_name, key_id, key_type) == (name, raw[:4], 1) and name == origin:
                Ed25519PublicKey.from_public_bytes(key).verify(raw[4:], body.encode())
                log_ok = True
        for witness, (w_name, key_id, key_type, key) in witnesses.items():
            if (w_name, key_id, key_type) == (name, raw[:4], 4):
                timestamp = int.from_bytes(raw[4:12], "big")
                message = f"cosignature/v1\ntime {timestamp}\n".encode() + body.encode()
                Ed25519PublicKey.from_public_bytes(key).verify(raw[12:], message)
                cosigned.add(witness)

    def holds(name):
        if name in witnesses:
            return name in cosigned
        threshold, members = groups[name]
        need = len(members) if threshold == "all" else 1 if threshold == "any" else int(threshold)
        return sum(holds(m) for m in members) >= need

    return log_ok and holds(quorum)


def test_an_independent_implementation_of_the_specs_accepts_the_bundle(proved):
    data, _ = proved
    assert _independent_verify(data, INVOICE)
