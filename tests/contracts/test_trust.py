"""The trust registry contract: the authority for a credential type decides which issuers
are trusted for it, with validity periods; decisions are never backdated or rewritten, so
"was this issuer trusted for this type at T" has one answer forever."""

import time

import pytest

from tradeledger.contracts import default_contracts
from tradeledger.crypto import KeyPair
from tradeledger.errors import Refused
from tradeledger.identity import trust
from tradeledger.ledger.authority import organization_admission
from tradeledger.ledger.contract import Signer
from tradeledger.ledger.envelope import sign_envelope
from tradeledger.ledger.memory import ContractHarness, MemoryState
from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.setup import OrgPlan

IOR = "ImporterOfRecordCredential"
MTR = "MillTestReportCredential"


@pytest.fixture
def net(tmp_path):
    plans = (OrgPlan("customs", "customs", "Customs"), OrgPlan("importer", "importer", "Importer"),
             OrgPlan("mill", "mill", "Steel mill"), OrgPlan("mill-two", "mill", "Another mill"))
    create_network(tmp_path / "net", plans)
    with EmbeddedNetwork(tmp_path / "net") as network:
        yield network


def did_of(net, org):
    return net.organization_keys(org).admin.did


def add(net, org, credential_type, issuer, **extra):
    time.sleep(0.002)  # so that no two decisions share a block millisecond
    return net.submit_checked(org, "trust", "trust", {"credential_type": credential_type, "issuer": issuer, **extra})


def block_time(net, receipt):
    return net.reader.store.header(receipt.height).time_ms


def test_customs_trusts_an_issuer_of_importer_of_record_credentials_from_the_block_on(net):
    issuer = did_of(net, "customs")
    receipt = add(net, "customs", IOR, issuer, note="customs attests IoR status")
    at = block_time(net, receipt)
    state = net.reader.store
    assert trust.trust_at(state, IOR, issuer, at).trusted
    decision = trust.trust_at(state, IOR, issuer, at - 1)
    assert not decision.trusted and "begins at" in decision.reason
    entry = trust.trust_entry_at(state, IOR, issuer, at)
    assert entry.id == receipt.txid and entry.set_by == "customs" and entry.note == "customs attests IoR status"
    assert trust.find_entry(state, receipt.txid) == entry
    assert trust.trusted_issuers(state, IOR) == [entry]


def test_only_the_types_authority_decides(net):
    with pytest.raises(Refused, match="decided by a customs organization, not importer"):
        add(net, "importer", IOR, did_of(net, "importer"))
    with pytest.raises(Refused, match="decided by a mill organization, not customs"):
        add(net, "customs", MTR, did_of(net, "mill"))


def test_a_types_own_issuers_register_only_themselves(net):
    add(net, "mill", MTR, did_of(net, "mill"))
    with pytest.raises(Refused, match="registers only its own"):
        add(net, "mill", MTR, did_of(net, "mill-two"))
    add(net, "mill", MTR, "did:web:tradeledger.local:demo-1:orgs:mill")  # its own did:web
    with pytest.raises(Refused, match="registers only its own"):
        add(net, "mill", MTR, "did:web:tradeledger.local:demo-1:orgs:mill-two")


def test_only_an_administrator_key_decides(net):
    clerk = KeyPair.generate()
    net.submit_checked("customs", "registry", "admit_member",
                       {"organization": "customs", "member": "clerk", "key": clerk.did})
    envelope = sign_envelope(clerk, network=net.genesis.network_id, contract="trust", action="trust",
                             args={"credential_type": IOR, "issuer": clerk.did}, created_ms=now_ms())
    [receipt] = net.submit([envelope])
    assert not receipt.valid and "only an administrator key of customs decides trust" in receipt.reason


def test_trust_is_not_backdated_but_may_start_later_and_expire(net):
    issuer = did_of(net, "customs")
    with pytest.raises(Refused, match="cannot start before it is recorded"):
        add(net, "customs", IOR, issuer, valid_from_ms=now_ms() - 60_000)
    start = now_ms() + 60_000
    add(net, "customs", IOR, issuer, valid_from_ms=start, valid_until_ms=start + 1_000)
    state = net.reader.store
    assert not trust.trust_at(state, IOR, issuer, start - 1).trusted
    assert trust.trust_at(state, IOR, issuer, start).trusted
    decision = trust.trust_at(state, IOR, issuer, start + 1_000)
    assert not decision.trusted and "expired at" in decision.reason
    with pytest.raises(Refused, match="valid_until must follow valid_from"):
        add(net, "customs", IOR, issuer, valid_from_ms=start, valid_until_ms=start)


def test_ended_trust_counts_up_to_its_end_and_says_why_after(net):
    issuer = did_of(net, "importer")
    receipt = add(net, "customs", IOR, issuer)
    time.sleep(0.002)
    ended = net.submit_checked("customs", "trust", "end", {"entry": receipt.txid, "reason": "license withdrawn"})
    state = net.reader.store
    assert trust.trust_at(state, IOR, issuer, block_time(net, ended) - 1).trusted
    decision = trust.trust_at(state, IOR, issuer, block_time(net, ended))
    assert not decision.trusted and "ended by customs" in decision.reason and "license withdrawn" in decision.reason
    with pytest.raises(Refused, match="already ended"):
        net.submit_checked("customs", "trust", "end", {"entry": receipt.txid, "reason": "again"})
    with pytest.raises(Refused, match="no trust entry"):
        net.submit_checked("customs", "trust", "end", {"entry": "00" * 32, "reason": "unknown"})


def test_a_self_registered_entry_is_ended_only_by_its_organization(net):
    receipt = add(net, "mill", MTR, did_of(net, "mill"))
    with pytest.raises(Refused, match="only mill ends its own"):
        net.submit_checked("mill-two", "trust", "end", {"entry": receipt.txid, "reason": "not yours"})
    net.submit_checked("mill", "trust", "end", {"entry": receipt.txid, "reason": "plant closed"})


def test_an_issuer_never_in_the_registry_is_not_trusted_with_that_reason(net):
    decision = trust.trust_at(net.reader.store, IOR, did_of(net, "importer"), now_ms())
    assert not decision.trusted and decision.reason.endswith(f"is not in the trust registry for {IOR}")


@pytest.mark.parametrize("args, words", [
    ({"credential_type": "importerOfRecord", "issuer": "did:key:z6Mk"}, "a credential type is a name"),
    ({"credential_type": IOR, "issuer": "https://customs.example"}, "the issuer is a DID"),
    ({"credential_type": IOR, "issuer": "did:web:x.example:orgs:customs#key-1"}, "without fragment"),
    ({"credential_type": IOR, "issuer": "did:key:u7QFvdwM"}, "not an Ed25519 did:key"),
    ({"credential_type": IOR, "issuer": "did:web:x.example", "note": "two\nlines"}, "one line"),
])
def test_malformed_decisions_are_refused_before_the_log(net, args, words):
    size = net.reader.head.log_size
    with pytest.raises(Refused, match=words):
        net.submit_checked("customs", "trust", "trust", args)
    assert net.reader.head.log_size == size


# --- the trust contract on plain data (the in-memory harness) --------------------------------

def trust_world() -> tuple[ContractHarness, dict[str, Signer]]:
    """Customs, an importer and two mills registered in memory; their administrators' signers."""
    rows: dict = {}
    signers = {}
    for name, role in (("customs", "customs"), ("importer", "importer"), ("mill", "mill"), ("mill-two", "mill")):
        admin = KeyPair.generate()
        rows.update(organization_admission(name, role, name, admin.did, 0, "log", "witness"))
        signers[name] = Signer(admin.did, name, role, "admin", True)
    return ContractHarness(default_contracts(), MemoryState(rows)), signers


def refused_in_memory(harness, signer, action, args, why):
    before = dict(harness.state.rows)
    with pytest.raises(Refused, match=why):
        harness.run(signer, "trust", action, args, time_ms=50)
    assert harness.state.rows == before


def test_in_memory_an_entry_is_a_typed_record_found_by_its_id_and_ended_with_its_reason():
    harness, signers = trust_world()
    issuer = signers["customs"].key
    harness.run(signers["customs"], "trust", "trust", {"credential_type": IOR, "issuer": issuer, "note": "n"},
                time_ms=10)
    [entry] = trust.trusted_issuers(harness.state, IOR)
    assert (entry.issuer, entry.valid_from_ms, entry.set_by, entry.note, entry.ended_ms) == (issuer, 10, "customs",
                                                                                             "n", None)
    assert harness.state.rows[("trust", f"issuer/{IOR}/{issuer}/{entry.id}")] == entry.to_dict()
    assert trust.find_entry(harness.state, entry.id) == entry
    harness.run(signers["customs"], "trust", "end", {"entry": entry.id, "reason": "withdrawn"}, time_ms=20)
    ended = trust.find_entry(harness.state, entry.id)
    assert (ended.ended_ms, ended.end_reason, ended.end_ms) == (20, "withdrawn", 20)
    decision = trust.trust_at(harness.state, IOR, issuer, 15)
    assert decision and decision.entry == ended
    assert not trust.trust_at(harness.state, IOR, issuer, 20)


def test_in_memory_refusals_change_nothing():
    harness, signers = trust_world()
    refused_in_memory(harness, signers["importer"], "trust",
                      {"credential_type": IOR, "issuer": signers["importer"].key}, "decided by a customs organization")
    refused_in_memory(harness, signers["mill"], "trust", {"credential_type": MTR, "issuer": signers["mill-two"].key},
                      "registers only its own")
    refused_in_memory(harness, signers["customs"], "trust",
                      {"credential_type": IOR, "issuer": signers["customs"].key, "valid_from_ms": 10},
                      "cannot start before it is recorded")
    refused_in_memory(harness, signers["customs"], "end", {"entry": "00" * 32, "reason": "unknown"}, "no trust entry")
    harness.run(signers["mill"], "trust", "trust", {"credential_type": MTR, "issuer": signers["mill"].key}, time_ms=60)
    [entry] = trust.trusted_issuers(harness.state, MTR)
    refused_in_memory(harness, signers["mill-two"], "end", {"entry": entry.id, "reason": "not yours"},
                      "only mill ends its own")


def test_in_memory_an_issuer_with_odd_characters_stays_in_its_own_key():
    """A did:web with a percent-encoded port escapes into one key part, and scans find it."""
    harness, signers = trust_world()
    issuer = "did:web:localhost%3A8443:orgs:customs"
    harness.run(signers["customs"], "trust", "trust", {"credential_type": IOR, "issuer": issuer}, time_ms=1)
    assert trust.trust_at(harness.state, IOR, issuer, 1)
    assert [e.issuer for e in trust.entries_for(harness.state, IOR, issuer)] == [issuer]


@pytest.mark.parametrize("record", [
    trust.TrustEntry("ab" * 32, IOR, "did:key:z6Mk", 10, "customs", 10),
    trust.TrustEntry("ab" * 32, IOR, "did:key:z6Mk", 10, "customs", 5, 20, "note", 15, "ended"),
    trust.EntryLocation(IOR, "did:key:z6Mk"),
])
def test_trust_records_round_trip_through_their_dicts(record):
    assert type(record).from_dict(record.to_dict()) == record


@pytest.mark.parametrize("cls, data", [
    (trust.TrustEntry, {"id": "x", "credential_type": IOR, "issuer": "d", "valid_from_ms": "soon", "set_by": "c",
                        "recorded_ms": 1}),
    (trust.TrustEntry, {"id": "x", "credential_type": IOR, "issuer": "d", "valid_from_ms": 5, "valid_until_ms": 5,
                        "set_by": "c", "recorded_ms": 1}),
    (trust.TrustEntry, {"id": "x"}),
    (trust.EntryLocation, "issuer/x/y/z"),
])
def test_a_malformed_trust_record_is_refused(cls, data):
    with pytest.raises(trust.TrustRecordError):
        cls.from_dict(data)
