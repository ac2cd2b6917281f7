"""The registry contract: organizations, members and keys, each change one signed
transaction authorized by the genesis rules."""

from tradeledger.crypto import KeyPair
from tradeledger.identity.registry import member_record, organization_record
from tradeledger.ledger.envelope import sign_envelope
from tradeledger.runtime.clock import now_ms
from tradeledger.tlog import CosignatureSigner, NoteSigner


def submit(net, envelope):
    [receipt] = net.submit([envelope])
    return receipt


def as_key(net, key, contract, action, args, commitments=()):
    return sign_envelope(key, network=net.genesis.network_id, contract=contract, action=action, args=args,
                         commitments=commitments, created_ms=now_ms())


def anchor_args():
    return {"doc_type": "packing_list", "refs": {}}


def admit_clerk(net, org="importer"):
    clerk = KeyPair.generate()
    receipt = submit(net, net.sign(org, "registry", "admit_member",
                                   {"organization": org, "member": "clerk", "key": clerk.did}))
    assert receipt.valid, receipt.reason
    return clerk


def test_customs_admits_an_organization_whose_admin_can_then_sign(network):
    admin = KeyPair.generate()
    origin = network.genesis.origin
    receipt = submit(network, network.sign("customs", "registry", "admit_organization", {
        "name": "carrier", "role": "carrier", "display_name": "Transportes Fronterizos",
        "admin_key": admin.did, "log_key": NoteSigner(bytes(32), origin).vkey,
        "witness_key": CosignatureSigner(bytes(32), origin + "/witness/carrier").vkey,
    }))
    assert receipt.valid, receipt.reason
    assert submit(network, as_key(network, admin, "documents", "anchor", anchor_args(), ["aa" * 32])).valid
    org = organization_record(network.reader.store, "carrier")
    assert org.role == "carrier" and org.status == "active"


def test_an_organization_admits_its_own_members_only(network):
    clerk = admit_clerk(network)
    assert submit(network, as_key(network, clerk, "documents", "anchor", anchor_args(), ["ab" * 32])).valid
    stranger = KeyPair.generate()
    refused = submit(network, network.sign("exporter", "registry", "admit_member",
                                           {"organization": "importer", "member": "spy", "key": stranger.did}))
    assert not refused.valid and "only an administrator of importer" in refused.reason
    # a member that is not an administrator cannot admit members either
    refused = submit(network, as_key(network, clerk, "registry", "admit_member",
                                     {"organization": "importer", "member": "friend", "key": stranger.did}))
    assert not refused.valid


def test_a_rotated_key_signs_nothing_more_and_its_successor_does(network):
    clerk = admit_clerk(network)
    successor = KeyPair.generate()
    assert submit(network, as_key(network, clerk, "registry", "rotate_key",
                                  {"old_key": clerk.did, "new_key": successor.did})).valid
    old = submit(network, as_key(network, clerk, "documents", "anchor", anchor_args(), ["ac" * 32]))
    assert not old.valid and "rotated" in old.reason
    assert submit(network, as_key(network, successor, "documents", "anchor", anchor_args(), ["ad" * 32])).valid
    member = member_record(network.reader.store, "importer", "clerk")
    assert member.key == successor.did


def test_a_revoked_key_is_refused_but_what_it_signed_before_stays_valid(network):
    clerk = admit_clerk(network)
    before = submit(network, as_key(network, clerk, "documents", "anchor", anchor_args(), ["ae" * 32]))
    assert before.valid
    assert submit(network, network.sign("importer", "registry", "revoke_key",
                                        {"key": clerk.did, "reason": "device lost"})).valid
    after = submit(network, as_key(network, clerk, "documents", "anchor", anchor_args(), ["af" * 32]))
    assert not after.valid and "revoked" in after.reason
    record = network.reader.store.tx_by_index(before.leaf_index)
    assert record.valid  # history is not rewritten


def test_a_key_revoked_earlier_in_a_block_cannot_sign_later_in_the_same_block(network):
    """Peers resolve each signer once per block; a registry change mid-block must still
    count for the envelopes after it."""
    clerk = admit_clerk(network)
    first = as_key(network, clerk, "documents", "anchor", anchor_args(), ["b1" * 32])
    revoke = network.sign("importer", "registry", "revoke_key", {"key": clerk.did, "reason": "device lost"})
    last = as_key(network, clerk, "documents", "anchor", anchor_args(), ["b2" * 32])
    before, revoked, after = network.submit([first, revoke, last])
    assert before.height == revoked.height == after.height
    assert before.valid and revoked.valid
    assert not after.valid and "revoked" in after.reason


def test_customs_may_revoke_any_key_but_another_trader_may_not(network):
    clerk = admit_clerk(network)
    refused = submit(network, network.sign("exporter", "registry", "revoke_key", {"key": clerk.did, "reason": "x"}))
    assert not refused.valid
    assert submit(network, network.sign("customs", "registry", "revoke_key",
                                        {"key": clerk.did, "reason": "fraud investigation"})).valid


def test_a_key_cannot_be_registered_twice(network):
    clerk = admit_clerk(network)
    again = submit(network, network.sign("exporter", "registry", "admit_member",
                                         {"organization": "exporter", "member": "clerk", "key": clerk.did}))
    assert not again.valid and "already registered" in again.reason
