"""Private collections (DESIGN.md decision 15, docs/privacy.md), on a contract written for
the tests (tests/_notes.py): a note kept private to the organizations its opener names."""

import pytest
from _notes import notes

from tradeledger.contracts import default_contracts
from tradeledger.errors import Refused
from tradeledger.ledger.collections import HALTED, OUTCOMES, PrivateInput, halted_key, private_namespace
from tradeledger.ledger.contract import ContractSet
from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.node.audit import audit_network
from tradeledger.runtime.setup import OrgPlan

PLAN = (
    OrgPlan("customs", "customs", "Customs"),
    OrgPlan("importer", "importer", "Importer"),
    OrgPlan("broker", "broker", "Broker"),
    OrgPlan("exporter", "exporter", "Exporter"),
)
SECRET = "valuation 18,442.17 USD"


@pytest.fixture
def net(tmp_path):
    create_network(tmp_path / "net", PLAN)
    contracts = ContractSet([*default_contracts(), notes])
    with EmbeddedNetwork(tmp_path / "net", contracts=contracts) as network:
        yield network


def open_(net, text=SECRET, members=("customs", "broker"), name="n1"):
    return net.submit_checked("importer", "notes", "open", {"name": name, "members": list(members)},
                              private=[PrivateInput("body", name, {"text": text})])


def text_at(net, org, name="n1"):
    return net.state(org).get_state(private_namespace("notes", name), "text")


def all_bytes(folder):
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_members_hold_the_private_state_and_no_one_else_holds_a_byte_of_it(net):
    receipt = open_(net)
    assert receipt.valid and receipt.status == "final"
    for member in ("importer", "customs", "broker"):
        assert text_at(net, member) == SECRET
    assert text_at(net, "exporter") is None
    net.close()
    layout = net.layout
    for member in ("importer", "customs", "broker"):
        assert SECRET.encode() in all_bytes(layout.store(member).parent)
    assert SECRET.encode() not in all_bytes(layout.store("exporter").parent)
    assert SECRET.encode() not in all_bytes(layout.orderer.parent)


def test_the_envelope_carries_only_the_commitment_and_proves_existence(net):
    receipt = open_(net)
    leaf = net.ledger("exporter").tx_by_index(receipt.leaf_index).leaf
    assert SECRET.encode() not in leaf and b'"private":[{"collection":"n1"' in leaf


def test_members_sign_the_same_collection_digest(net):
    open_(net)
    rows = net.ledger("customs").collection_signatures()
    assert {r.organization for r in rows} == {"importer", "customs", "broker"}
    assert len({r.digest for r in rows}) == 1
    assert net.ledger("exporter").collection_signatures() == []


def test_a_refused_private_part_changes_no_private_state_and_says_why(net):
    with pytest.raises(Refused, match="not allowed"):
        open_(net, text="a forbidden word")
    assert net.ledger("customs").tx_by_index(0) is None  # refused in preview: nothing ordered


def test_a_non_member_cannot_send_a_payload(net):
    open_(net)
    with pytest.raises(Refused, match="exporter is not a member"):
        net.submit_checked("exporter", "notes", "edit", {"name": "n1"},
                           private=[PrivateInput("body", "n1", {"text": "x"})])


def test_edits_reach_every_member_and_a_removed_member_keeps_only_what_it_had(net):
    open_(net)
    net.submit_checked("importer", "notes", "remove", {"name": "n1", "member": "broker"})
    net.submit_checked("importer", "notes", "edit", {"name": "n1"},
                       private=[PrivateInput("body", "n1", {"text": "later"})])
    assert text_at(net, "customs") == SECRET + " / later"
    assert text_at(net, "broker") == SECRET


def test_a_collection_with_private_history_gains_no_member(net):
    open_(net)
    with pytest.raises(Refused, match="cannot gain exporter"):
        net.submit_checked("importer", "notes", "invite", {"name": "n1", "member": "exporter"})


def test_a_member_that_missed_its_payload_fetches_it_from_another_member(net):
    from tradeledger.ledger.collections import commit_part

    part = commit_part(PrivateInput("body", "n1", {"text": SECRET}))
    envelope = net.sign("importer", "notes", "open", {"name": "n1", "members": ["customs", "broker"]},
                        private=[part.part])
    payload = part.payload(envelope.txid)
    net.deliver("importer", [payload], {("body", "n1"): ("importer",)})  # the broker and customs get nothing
    [receipt] = net.submit([envelope])
    assert receipt.valid
    assert text_at(net, "broker") == SECRET and text_at(net, "customs") == SECRET


def test_a_payload_no_member_has_halts_the_collection_loudly(net):
    from tradeledger.ledger.collections import commit_part

    part = commit_part(PrivateInput("body", "n1", {"text": SECRET}))
    envelope = net.sign("importer", "notes", "open", {"name": "n1", "members": ["customs"]}, private=[part.part])
    [receipt] = net.submit([envelope])  # nobody was given the payload, the sender's own peer included
    assert receipt.valid  # the public part stands: non-members could not judge otherwise
    for member in ("importer", "customs"):
        assert net.state(member).get_state(HALTED, halted_key("notes", "n1"))["leaf_index"] == receipt.leaf_index
        assert text_at(net, member) is None
    outcomes = dict(net.state("customs").scan_state(OUTCOMES, ""))
    assert [o["status"] for o in outcomes.values()] == ["halted"]
    assert net.state("exporter").get_state(HALTED, halted_key("notes", "n1")) is None
    reports, _ = audit_network(net)
    by_name = {report.organization: report for report in reports}
    assert any("collection notes:n1 is halted here" in p for p in by_name["customs"].problems)
    assert by_name["exporter"].ok


def test_a_payload_that_does_not_open_its_commitment_is_not_taken(net):
    from tradeledger.ledger.collections import Payload, commit_part

    part = commit_part(PrivateInput("body", "n1", {"text": SECRET}))
    envelope = net.sign("importer", "notes", "open", {"name": "n1", "members": ["customs"]}, private=[part.part])
    forged = Payload(envelope.txid, "body", "n1", part.salt, b'{"text":"forged"}')
    net.deliver("importer", [forged], {("body", "n1"): ("importer", "customs")})
    [receipt] = net.submit([envelope])
    assert receipt.valid and text_at(net, "customs") is None
    assert net.state("customs").get_state(HALTED, halted_key("notes", "n1")) is not None


def test_a_junk_delivery_under_the_payloads_name_does_not_shadow_the_real_one(net):
    from tradeledger.ledger.collections import Payload, commit_part

    part = commit_part(PrivateInput("body", "n1", {"text": SECRET}))
    envelope = net.sign("importer", "notes", "open", {"name": "n1", "members": ["customs"]}, private=[part.part])
    net.peer("customs").store.put_payloads([Payload(envelope.txid, "body", "n1", part.salt, b'{"text":"junk"}')])
    net.deliver("importer", [part.payload(envelope.txid)], {("body", "n1"): ("importer", "customs")})
    [receipt] = net.submit([envelope])
    assert receipt.valid and text_at(net, "customs") == SECRET  # fetched from the importer instead
    kept = net.ledger("customs").payload(envelope.txid, "body", "n1")
    assert kept is not None and kept.opens(part.part.commitment)  # the copy the part ran on is the one kept
