"""The trust registry contract: the authority for a credential type decides which issuers
are trusted for it, with validity periods; decisions are never backdated or rewritten, so
"was this issuer trusted for this type at T" has one answer forever."""

import time

import pytest

from tradeledger.crypto import KeyPair
from tradeledger.errors import Refused
from tradeledger.identity import trust
from tradeledger.ledger.envelope import sign_envelope
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
