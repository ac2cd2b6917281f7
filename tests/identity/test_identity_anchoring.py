"""Any credential can be anchored: its salted commitment on the ledger makes its existence
and time provable offline with a proof bundle (issue 4 item 6, DESIGN.md decision 13).

Issued credentials of every type tradeledger knows are anchored field by field (so chosen
claims can be disclosed later); the W3C Traceability examples are anchored whole. Four of
those examples hold JSON floating-point numbers (the mill test report's carbon equivalent
0.3882 ...), which ledger data refuses (decision 1): committing them field by field is
refused with a one-line reason and nothing reaches the log, and anchoring them whole works."""

import json
from pathlib import Path

import pytest

from tradeledger.credentials import CREDENTIAL_TYPES, build_credential, issue_credential
from tradeledger.crypto import NonCanonicalDataError
from tradeledger.crypto.canonical import check_ledger_data
from tradeledger.ledger.bundle import ProofBundle, verify_bundle
from tradeledger.runtime.errors import NetworkError
from tradeledger.workflows.documents import anchor_documents, prove_document

TRACEABILITY = Path(__file__).parents[1] / "credentials" / "data" / "traceability"
EXAMPLES = sorted(TRACEABILITY.glob("*.json"))


def has_floats(path):
    try:
        check_ledger_data(json.loads(path.read_text()))
        return False
    except NonCanonicalDataError:
        return True


def issued(net, type_name):
    admin = net.organization_keys("customs").admin
    subject = {"id": "did:web:tradeledger.local:demo:orgs:importer", "name": "Northwind Imports LLC"}
    return issue_credential(build_credential(type_name, issuer=admin.did, subject=subject), admin,
                            admin.verification_method)


def test_a_credential_of_every_type_is_anchored_field_by_field_and_proven_offline(net):
    credentials = {name: issued(net, name) for name in sorted(CREDENTIAL_TYPES)}
    files = [(Path(f"{name}.json"), json.dumps(c, indent=2).encode()) for name, c in credentials.items()]
    results = anchor_documents(net, "importer", files, "verifiable_credential", {}, structured=True)
    assert all(r.receipt.valid and r.receipt.status == "final" for r in results)
    for (_path, content), result in zip(files, results, strict=True):
        bundle = ProofBundle.from_dict(json.loads(json.dumps(prove_document(net, content, "importer").to_dict())))
        verified = verify_bundle(bundle, content)
        assert verified.ok, verified.reason
        assert verified.details["leaf_index"] == result.receipt.leaf_index
        changed = content.replace(b"Northwind", b"Southwind")
        assert not verify_bundle(bundle, changed).ok


def test_disclosing_chosen_claims_of_an_anchored_credential(net):
    credential = issued(net, "CustomsBrokerLicenseCredential")
    content = json.dumps(credential).encode()
    anchor_documents(net, "importer", [(Path("license.json"), content)], "verifiable_credential", {},
                     structured=True)
    bundle = prove_document(net, content, "importer", fields=["issuer", "type"])
    verified = verify_bundle(bundle)
    assert verified.ok, verified.reason
    assert "credentialSubject" not in json.dumps(bundle.to_dict())


def test_every_traceability_example_is_anchored_whole_and_proven(net):
    files = [(path, path.read_bytes()) for path in EXAMPLES]
    assert len(files) > 60
    results = anchor_documents(net, "exporter", files, "verifiable_credential", {})
    assert all(r.receipt.valid for r in results)
    mill = TRACEABILITY / "MillTestReportCredential.json"
    assert verify_bundle(prove_document(net, mill.read_bytes(), "exporter"), mill.read_bytes()).ok


def test_examples_without_floats_are_committed_field_by_field(net):
    files = [(path, path.read_bytes()) for path in EXAMPLES if not has_floats(path)]
    results = anchor_documents(net, "exporter", files, "verifiable_credential", {}, structured=True)
    assert len(results) == len(EXAMPLES) - 4 and all(r.receipt.valid for r in results)


@pytest.mark.parametrize("path", [p for p in EXAMPLES if has_floats(p)], ids=lambda p: p.stem)
def test_field_by_field_commitment_of_floats_is_refused_with_where_and_what_to_do(net, path):
    size = net.reader.head.log_size
    with pytest.raises(NetworkError, match="floating-point number .* at /.*decimal strings"):
        anchor_documents(net, "exporter", [(path, path.read_bytes())], "verifiable_credential", {},
                         structured=True)
    assert net.reader.head.log_size == size


