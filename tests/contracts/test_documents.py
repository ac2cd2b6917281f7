"""The documents contract: commitments anchored with type and references, and found again."""

from __future__ import annotations

import pytest

from tradeledger.contracts import documents
from tradeledger.contracts.documents import (
    AnchoredDocument,
    DocumentRecordError,
    document_key,
    find_by_commitment,
    find_by_reference,
    reference_key,
)
from tradeledger.errors import Refused
from tradeledger.ledger.contract import ContractSet, Signer
from tradeledger.ledger.memory import ContractHarness


def anchor(net, commitment, refs, org="importer", doc_type="commercial_invoice"):
    [receipt] = net.submit([net.sign(org, "documents", "anchor", {"doc_type": doc_type, "refs": refs}, [commitment])])
    return receipt


def test_lookup_by_commitment_and_by_reference(network):
    anchor(network, "01" * 32, {"entry": "B76-0324527-8", "bol": "MAEU1"})
    anchor(network, "02" * 32, {"entry": "B76-0324527-8"}, doc_type="packing_list")
    anchor(network, "03" * 32, {"entry": "B76-0000001-0"})
    store = network.state("customs")
    record = find_by_commitment(store, "01" * 32)
    assert record.leaf_index == 0 and record.owner == "importer" and record.refs["bol"] == "MAEU1"
    found = find_by_reference(store, "entry", "B76-0324527-8")
    assert [r.doc_type for r in found] == ["commercial_invoice", "packing_list"]
    assert [r.commitment for r in find_by_reference(store, "bol", "MAEU1")] == ["01" * 32]
    assert find_by_reference(store, "entry", "B76-0324527") == []  # a prefix is not a match


def test_anchored_event_names_the_owner(network):
    receipt = anchor(network, "04" * 32, {})
    events = [e for e in network.reader.store.events(receipt.leaf_index) if e[0] == receipt.leaf_index]
    assert events == [(receipt.leaf_index, "documents", "anchored",
                       {"commitment": "04" * 32, "doc_type": "commercial_invoice", "refs": {}, "owner": "importer"})]


def test_bad_references_are_refused(network):
    assert "reference name" in anchor(network, "05" * 32, {"Entry Number": "x"}).reason
    assert "1-128 characters" in anchor(network, "06" * 32, {"entry": ""}).reason


# --- on plain data: the contract against the in-memory state ------------------------------

IMPORTER = Signer("did:key:z6MkImporter", "importer", "importer", "admin", True)


@pytest.fixture
def harness() -> ContractHarness:
    return ContractHarness(ContractSet([documents.contract]))


def test_an_anchor_writes_one_document_record_and_one_reference_per_ref(harness):
    harness.run(IMPORTER, "documents", "anchor", {"doc_type": "packing_list", "refs": {"entry": "E/1", "bol": "B"}},
                commitments=("0a" * 32,), time_ms=1000)
    rows = {key for (ns, key) in harness.state.rows if ns == documents.NAMESPACE}
    assert rows == {document_key("0a" * 32), reference_key("entry", "E/1", "0a" * 32),
                    reference_key("bol", "B", "0a" * 32)}
    # a reference row holds the anchoring's leaf; its key holds the name, value and commitment
    assert harness.state.get_state(documents.NAMESPACE, reference_key("entry", "E/1", "0a" * 32)) == 0
    record = documents.find_by_commitment(harness.state, "0a" * 32)
    assert record == AnchoredDocument("0a" * 32, "packing_list", "importer", record.txid, 0, 1000,
                                      {"entry": "E/1", "bol": "B"})
    assert [d.commitment for d in documents.find_by_reference(harness.state, "entry", "E/1")] == ["0a" * 32]
    assert documents.find_by_reference(harness.state, "entry", "E") == []  # a prefix of a value is not a match


def test_a_commitment_is_anchored_once_and_a_refusal_writes_nothing(harness):
    harness.run(IMPORTER, "documents", "anchor", {"doc_type": "permit"}, commitments=("0b" * 32,))
    before = dict(harness.state.rows)
    with pytest.raises(Refused, match="already anchored at leaf 0"):
        harness.run(IMPORTER, "documents", "anchor", {"doc_type": "permit"}, commitments=("0b" * 32,))
    with pytest.raises(Refused, match="exactly one commitment"):
        harness.run(IMPORTER, "documents", "anchor", {"doc_type": "permit"}, commitments=("0c" * 32, "0d" * 32))
    assert harness.state.rows == before


def test_document_records_round_trip_and_malformed_ones_are_refused():
    document = AnchoredDocument("0e" * 32, "commercial_invoice", "importer", "ab" * 32, 7, 9, {"entry": "E"})
    assert AnchoredDocument.from_dict(document.to_dict()) == document
    with pytest.raises(DocumentRecordError):
        AnchoredDocument.from_dict({**document.to_dict(), "refs": ["entry"]})
