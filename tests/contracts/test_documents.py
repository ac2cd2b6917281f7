"""The documents contract: commitments anchored with type and references, and found again."""

from __future__ import annotations

import os
from pathlib import Path

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
from tradeledger.crypto import sha256
from tradeledger.errors import Refused
from tradeledger.ledger.authority import REGISTRY, org_key
from tradeledger.ledger.collections import PrivateInput, commit_part, membership_key, private_namespace
from tradeledger.ledger.contract import Args, Contract, ContractSet, PrivateContext, Signer, TxContext
from tradeledger.ledger.memory import ContractHarness, MemoryState
from tradeledger.runtime.errors import NetworkError
from tradeledger.workflows.documents import anchor_documents
from tradeledger.workflows.entries import file_entry


def anchor(net, commitment, refs, org="importer", doc_type="commercial_invoice"):
    [receipt] = net.submit([net.sign(org, "documents", "anchor", {"doc_type": doc_type, "refs": refs}, [commitment])])
    return receipt


def anchor_file(net, refs, org="importer", doc_type="commercial_invoice", share_with=(), content=None):
    body = content or f"{doc_type} {refs} {os.urandom(8).hex()}".encode()
    [result] = anchor_documents(net, org, [(Path(f"{doc_type}.json"), body)], doc_type, refs, share_with=share_with)
    assert result.valid is True, result.receipt.reason
    return result.commitment


def store_bytes(net, organization):
    return b"".join(p.read_bytes() for p in net.layout.store(organization).parent.rglob("*") if p.is_file())


def test_lookup_by_commitment_and_by_public_reference(network):
    anchor(network, "01" * 32, {"entry": "B76-0324527-8"})
    anchor(network, "02" * 32, {"entry": "B76-0324527-8"}, doc_type="packing_list")
    anchor(network, "03" * 32, {"entry": "B76-0000001-0"})
    store = network.state("customs")
    record = find_by_commitment(store, "01" * 32)
    assert record.leaf_index == 0 and record.owner == "importer" and record.refs == {"entry": "B76-0324527-8"}
    found = find_by_reference(store, "entry", "B76-0324527-8")
    assert [r.doc_type for r in found] == ["commercial_invoice", "packing_list"]
    assert find_by_reference(store, "entry", "B76-0324527") == []  # a prefix is not a match


def test_anchored_event_names_the_owner(network):
    receipt = anchor(network, "04" * 32, {})
    events = [e for e in network.reader.store.events(receipt.leaf_index) if e[0] == receipt.leaf_index]
    assert events == [(receipt.leaf_index, "documents", "anchored",
                       {"commitment": "04" * 32, "doc_type": "commercial_invoice", "refs": {}, "owner": "importer"})]


def test_bad_references_are_refused(network):
    assert "reference name" in anchor(network, "05" * 32, {"Entry Number": "x"}).reason
    assert "1-128 characters" in anchor(network, "06" * 32, {"entry": ""}).reason


def test_a_private_reference_in_the_public_arguments_is_refused_without_its_value(network):
    receipt = anchor(network, "07" * 32, {"entry": "B76-0324527-8", "bol": "MAEU-SECRET-1"})
    assert receipt.valid is False and "references bol are trade data" in receipt.reason
    assert "MAEU-SECRET-1" not in receipt.reason
    assert find_by_commitment(network.state("customs"), "07" * 32) is None


BOL = "MAEU-BOL-6d1f2a"  # a marker: no byte of it may reach a non-member's store
INVOICE = "INV-MARK-99a0c3"


def test_private_references_are_found_by_the_owner_and_whom_it_shares_with_and_held_by_no_one_else(network):
    commitment = anchor_file(network, {"entry": "B76-0324527-8", "bol": BOL, "invoice": INVOICE},
                             share_with=["customs"])
    public = find_by_commitment(network.state("exporter"), commitment)
    assert public.refs == {"entry": "B76-0324527-8"} and public.refs_digest is not None
    assert documents.document_members(network.state("exporter"), commitment) == ("customs", "importer")
    for member in ("importer", "customs"):
        assert [d.commitment for d in find_by_reference(network.state(member), "bol", BOL, member)] == [commitment]
        held = documents.private_references(network.state(member), commitment)
        assert held.refs == {"bol": BOL, "invoice": INVOICE} and held.proves(public)
    assert find_by_reference(network.state("exporter"), "bol", BOL, "exporter") == []
    assert documents.private_references(network.state("exporter"), commitment) is None
    assert [d.commitment for d in find_by_reference(network.state("exporter"), "entry", "B76-0324527-8")] \
        == [commitment]  # the entry link stays public
    network.sync()
    network.close()
    for member in ("importer", "customs"):
        assert BOL.encode() in store_bytes(network, member)
    held = store_bytes(network, "exporter")
    assert BOL.encode() not in held and INVOICE.encode() not in held
    orderer = b"".join(p.read_bytes() for p in network.layout.orderer.parent.rglob("*") if p.is_file())
    assert BOL.encode() not in orderer


def test_a_member_proves_private_references_to_whoever_cannot_read_them(network):
    commitment = anchor_file(network, {"invoice": INVOICE})
    document = find_by_commitment(network.state("exporter"), commitment)
    held = documents.private_references(network.state("importer"), commitment)
    assert documents.references_prove(document, {"invoice": INVOICE}, held.salt)
    assert not documents.references_prove(document, {"invoice": "INV-OTHER"}, held.salt)
    assert not documents.references_prove(document, {"invoice": INVOICE}, "00" * 32)


def test_sharing_needs_private_references_and_bad_ones_are_refused_before_anything_is_signed(network):
    size = network.reader.head.log_size
    with pytest.raises(NetworkError, match="has none"):
        anchor_documents(network, "importer", [(Path("a.txt"), b"a")], "permit", {"entry": "E"},
                         share_with=["customs"])
    with pytest.raises(NetworkError, match="reference bol must be 1-128 characters"):
        anchor_documents(network, "importer", [(Path("a.txt"), b"a")], "permit", {"bol": "x" * 129})
    network.sync()
    assert network.reader.head.log_size == size and network.vault("importer").commitments_of(
        sha256(b"a").hex()) == []


def test_a_part_that_does_not_open_the_digest_is_refused_at_the_members(network):
    part = commit_part(PrivateInput(documents.REFERENCES, documents.document_collection("0f" * 32),
                                    {"refs": {"bol": BOL}, "salt": "11" * 32}))
    envelope = network.sign("importer", "documents", "anchor",
                            {"doc_type": "permit", "refs": {}, "refs_digest": "22" * 32}, ["0f" * 32],
                            private=[part.part])
    preview = network.preview("importer", envelope, [part.payload(envelope.txid)])
    assert not preview.valid and "do not match the anchor's refs_digest" in preview.reason


def test_an_anchor_naming_a_filed_entry_shares_its_private_references_with_the_entrys_members(network):
    file_entry(network, "importer", {
        "entry_number": "B76-0324527-8", "filed_with": "customs", "importer": "importer",
        "imported_on": "2026-03-02", "entry_type": "01", "port_code": "2304", "entry_date": "2026-03-02",
        "importer_number": "12-345678900", "mode_of_transport": "30", "country_of_export": "MX",
        "lines": [{"line": 1, "description": "steel coil", "hts": "7208.51.0030", "origin": "MX",
                   "entered_value": "28500", "mid": "MXACENOR450MON", "melt_pour": "MX"}]})
    commitment = anchor_file(network, {"entry": "B76-0324527-8", "bol": BOL})
    assert documents.document_members(network.state("exporter"), commitment) == ("customs", "importer")
    assert find_by_reference(network.state("customs"), "bol", BOL, "customs")[0].commitment == commitment


# --- on plain data: the contract against the in-memory state ------------------------------

IMPORTER = Signer("did:key:z6MkImporter", "importer", "importer", "admin", True)


@pytest.fixture
def harness() -> ContractHarness:
    rows = {(REGISTRY, org_key(name)): {"name": name, "role": name, "display_name": name, "status": "active",
                                        "since_ms": 0} for name in ("importer", "customs")}
    return ContractHarness(ContractSet([documents.contract]), MemoryState(rows))


def test_an_anchor_writes_one_document_record_and_one_reference_per_public_ref(harness):
    harness.run(IMPORTER, "documents", "anchor",
                {"doc_type": "packing_list", "refs": {"entry": "E/1", "issuer": "agency"}},
                commitments=("0a" * 32,), time_ms=1000)
    rows = {key for (ns, key) in harness.state.rows if ns == documents.NAMESPACE}
    assert rows == {document_key("0a" * 32), reference_key("entry", "E/1", "0a" * 32),
                    reference_key("issuer", "agency", "0a" * 32)}
    # a reference row holds the anchoring's leaf; its key holds the name, value and commitment
    assert harness.state.get_state(documents.NAMESPACE, reference_key("entry", "E/1", "0a" * 32)) == 0
    record = documents.find_by_commitment(harness.state, "0a" * 32)
    assert record == AnchoredDocument("0a" * 32, "packing_list", "importer", record.txid, 0, 1000,
                                      {"entry": "E/1", "issuer": "agency"})
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


def test_private_references_go_to_the_documents_collection_and_the_public_rows_hold_none(harness):
    salt = "ab" * 32
    digest = documents.references_digest({"bol": BOL}, salt)
    harness.run(IMPORTER, "documents", "anchor",
                {"doc_type": "bill_of_lading", "refs": {"entry": "E/2"}, "refs_digest": digest, "members": ["customs"]},
                commitments=("0c" * 32,), time_ms=1000,
                private=[PrivateInput(documents.REFERENCES, documents.document_collection("0c" * 32),
                                      {"refs": {"bol": BOL}, "salt": salt})])
    public_rows = {k: v for (ns, k), v in harness.state.rows.items() if ns == documents.NAMESPACE}
    assert BOL not in repr(public_rows)
    assert set(public_rows) >= {documents.member_key("importer", "0c" * 32), documents.member_key("customs", "0c" * 32)}
    assert documents.private_references(harness.state, "0c" * 32) == documents.PrivateReferences({"bol": BOL}, salt)
    assert [d.commitment for d in find_by_reference(harness.state, "bol", BOL, "customs")] == ["0c" * 32]
    assert find_by_reference(harness.state, "bol", BOL) == []  # no viewer: a private reference is found by no one
    assert documents.all_references(harness.state, find_by_commitment(harness.state, "0c" * 32)) == \
        {"entry": "E/2", "bol": BOL}


@pytest.mark.parametrize("args, private, why", [
    ({"refs_digest": "ab" * 32}, False, "private references come as the part references"),
    ({}, True, "private references come as the part references"),
    ({"members": ["customs"]}, False, "members share private references"),
    ({"refs_digest": "ab" * 32, "members": ["smuggler"]}, True, "smuggler is not an active organization"),
])
def test_an_anchor_refuses_inconsistent_private_parts(harness, args, private, why):
    parts = [PrivateInput(documents.REFERENCES, documents.document_collection("0d" * 32),
                          {"refs": {"bol": "B"}, "salt": "ab" * 32})] if private else []
    before = dict(harness.state.rows)
    with pytest.raises(Refused, match=why):
        harness.run(IMPORTER, "documents", "anchor", {"doc_type": "permit", **args}, commitments=("0d" * 32,),
                    private=parts)
    assert harness.state.rows == before


def test_document_records_round_trip_and_malformed_ones_are_refused():
    document = AnchoredDocument("0e" * 32, "commercial_invoice", "importer", "ab" * 32, 7, 9, {"entry": "E"})
    assert AnchoredDocument.from_dict(document.to_dict()) == document
    private = AnchoredDocument("0e" * 32, "commercial_invoice", "importer", "ab" * 32, 7, 9, {}, "cd" * 32)
    assert AnchoredDocument.from_dict(private.to_dict()) == private
    with pytest.raises(DocumentRecordError):
        AnchoredDocument.from_dict({**document.to_dict(), "refs": ["entry"]})
    with pytest.raises(DocumentRecordError):
        AnchoredDocument.from_dict({**document.to_dict(), "refs_digest": "BOL-IN-CLEAR"})
    with pytest.raises(DocumentRecordError):
        documents.PrivateReferences.from_dict({"refs": {"bol": 1}, "salt": "ab"})


# --- what another contract's private part may read of a document ---------------------------

probe = Contract("probe")


class Look(Args):
    commitment: str
    members: list[str]


class Seen(Args):
    pass


@probe.action("look", Look)
def look(ctx: TxContext, args: Look) -> None:
    seen = documents.find_visible(ctx.state.reader, args.commitment)  # a public handler: public facts only
    ctx.emit("public", refs=dict(seen.refs))
    ctx.set_members("c", args.members)


@probe.private("look", "seen", Seen)
def look_privately(ctx: PrivateContext, args: Look, _seen: Seen) -> None:
    ctx.state.put("refs", dict(documents.find_visible(ctx.public, args.commitment).refs))


def test_find_visible_reads_private_references_only_where_the_read_rule_admits_them():
    rows = {(REGISTRY, org_key(name)): {"name": name, "role": name, "display_name": name, "status": "active",
                                        "since_ms": 0} for name in ("importer", "customs", "exporter")}
    harness = ContractHarness(ContractSet([documents.contract, probe]), MemoryState(rows))
    salt = "ab" * 32
    harness.run(IMPORTER, "documents", "anchor",
                {"doc_type": "commercial_invoice", "refs": {"entry": "E/3"},
                 "refs_digest": documents.references_digest({"invoice": INVOICE}, salt), "members": ["customs"]},
                commitments=("0e" * 32,),
                private=[PrivateInput(documents.REFERENCES, documents.document_collection("0e" * 32),
                                      {"refs": {"invoice": INVOICE}, "salt": salt})])
    for members, expected in ((["importer", "customs"], {"entry": "E/3", "invoice": INVOICE}),
                              (["importer", "exporter"], {"entry": "E/3"})):
        harness.state.rows.pop((private_namespace("probe", "c"), "refs"), None)
        harness.state.rows.pop(("probe", membership_key("c")), None)
        [event] = harness.run(IMPORTER, "probe", "look", {"commitment": "0e" * 32, "members": members},
                              private=[PrivateInput("seen", "c", {})])
        assert event.data == {"refs": {"entry": "E/3"}}  # the public handler never sees a private reference
        assert harness.state.get_state(private_namespace("probe", "c"), "refs") == expected, members
