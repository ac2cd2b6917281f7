"""The documents contract: commitments anchored with type and references, and found again."""

from tradeledger.contracts.documents import find_by_commitment, find_by_reference


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
