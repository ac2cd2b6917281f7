"""The registry contract: organizations, members and keys, each change one signed
transaction authorized by the genesis rules."""

import pytest

from tradeledger.contracts import default_contracts
from tradeledger.crypto import KeyPair
from tradeledger.errors import Refused
from tradeledger.identity.registry import key_record, member_record, organization_record
from tradeledger.ledger.authority import (
    ADMIN_ROLES_KEY,
    REGISTRY,
    AdminRoles,
    KeyRecord,
    MemberRecord,
    OrganizationRecord,
    RegistryRecordError,
    key_key,
    organization_admission,
    resolve_signer,
)
from tradeledger.ledger.contract import Signer
from tradeledger.ledger.envelope import sign_envelope
from tradeledger.ledger.memory import ContractHarness, MemoryState
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


# --- the registry contract on plain data (the in-memory harness) -----------------------------

def registry_world(*orgs: tuple[str, str]) -> tuple[ContractHarness, dict[str, Signer]]:
    """A registry with organizations (name, role), each with an administrator key; the signers."""
    rows: dict = {(REGISTRY, ADMIN_ROLES_KEY): AdminRoles().to_dict()}
    signers = {}
    for name, role in orgs:
        admin = KeyPair.generate()
        rows.update(organization_admission(name, role, name.title(), admin.did, 0, "log", "witness"))
        signers[name] = Signer(admin.did, name, role, "admin", True)
    return ContractHarness(default_contracts(), MemoryState(rows)), signers


def member_signer(signers, organization: str, key: KeyPair, member: str = "clerk") -> Signer:
    admin = signers[organization]
    return Signer(key.did, organization, admin.role, member, False)


def refused_in_memory(harness: ContractHarness, signer: Signer, action: str, args: dict, why: str) -> None:
    """`action` is refused with a reason matching `why`, and the state is exactly as it was."""
    before = dict(harness.state.rows)
    with pytest.raises(Refused, match=why):
        harness.run(signer, "registry", action, args, time_ms=5)
    assert harness.state.rows == before


def test_in_memory_customs_admits_an_organization_with_its_admin_key_and_member():
    harness, signers = registry_world(("customs", "customs"), ("importer", "importer"))
    admin = KeyPair.generate()
    events = harness.run(signers["customs"], "registry", "admit_organization", {
        "name": "carrier", "role": "carrier", "display_name": "Transportes", "admin_key": admin.did,
        "log_key": "log", "witness_key": "witness"}, time_ms=7)
    assert [e.type for e in events] == ["organization_admitted"]
    state = harness.state
    assert organization_record(state, "carrier") == OrganizationRecord("carrier", "carrier", "Transportes", "active",
                                                                       7, "log", "witness")
    assert key_record(state, admin.did) == KeyRecord(admin.did, "carrier", "admin", True, "active", 7)
    assert member_record(state, "carrier", "admin") == MemberRecord("carrier", "admin", admin.did, True)
    assert state.rows[(REGISTRY, "org/carrier")]["role"] == "carrier"  # keys are composite keys
    assert resolve_signer(state, admin.verification_method).organization == "carrier"


def test_in_memory_only_a_network_administrator_admits_organizations():
    harness, signers = registry_world(("customs", "customs"), ("importer", "importer"))
    args = {"name": "carrier", "role": "carrier", "display_name": "T", "admin_key": KeyPair.generate().did,
            "log_key": "log", "witness_key": "witness"}
    refused_in_memory(harness, signers["importer"], "admit_organization", args, "only a network administrator")
    refused_in_memory(harness, signers["customs"], "admit_organization", {**args, "name": "importer"},
                      "organization importer already exists")


def test_in_memory_rotation_ends_the_old_key_and_points_the_member_at_the_new_one():
    harness, signers = registry_world(("customs", "customs"), ("importer", "importer"))
    clerk, successor = KeyPair.generate(), KeyPair.generate()
    harness.run(signers["importer"], "registry", "admit_member",
                {"organization": "importer", "member": "clerk", "key": clerk.did}, time_ms=3)
    harness.run(member_signer(signers, "importer", clerk), "registry", "rotate_key",
                {"old_key": clerk.did, "new_key": successor.did}, time_ms=9)
    old, new = key_record(harness.state, clerk.did), key_record(harness.state, successor.did)
    assert (old.status, old.ended_ms, old.replaced_by) == ("rotated", 9, successor.did)
    assert (new.status, new.since_ms, new.replaces) == ("active", 9, clerk.did)
    assert member_record(harness.state, "importer", "clerk").key == successor.did
    with pytest.raises(Refused, match="rotated"):
        resolve_signer(harness.state, clerk.did)
    refused_in_memory(harness, signers["importer"], "rotate_key",
                      {"old_key": clerk.did, "new_key": KeyPair.generate().did}, "already rotated")


def test_in_memory_a_revocation_needs_a_reason_and_the_right_administrator():
    harness, signers = registry_world(("customs", "customs"), ("importer", "importer"), ("exporter", "exporter"))
    clerk = KeyPair.generate()
    harness.run(signers["importer"], "registry", "admit_member",
                {"organization": "importer", "member": "clerk", "key": clerk.did})
    refused_in_memory(harness, signers["exporter"], "revoke_key", {"key": clerk.did, "reason": "x"},
                      "only an administrator of importer or a network administrator")
    refused_in_memory(harness, signers["importer"], "revoke_key", {"key": clerk.did, "reason": "  "},
                      "needs a reason")
    refused_in_memory(harness, signers["importer"], "admit_member",
                      {"organization": "importer", "member": "other", "key": clerk.did}, "already registered")
    harness.run(signers["customs"], "registry", "revoke_key", {"key": clerk.did, "reason": "fraud"}, time_ms=11)
    record = key_record(harness.state, clerk.did)
    assert (record.status, record.ended_ms, record.reason) == ("revoked", 11, "fraud")
    assert not record.active_at(11) and record.active_at(10)


@pytest.mark.parametrize("record", [
    OrganizationRecord("carrier", "carrier", "Transportes", "active", 7, "log", "witness"),
    KeyRecord("did:key:z6Mk", "importer", "clerk", False, "active", 3, replaces="did:key:z6Mj"),
    KeyRecord("did:key:z6Mk", "importer", "clerk", False, "revoked", 3, 9, reason="lost"),
    MemberRecord("importer", "clerk", "did:key:z6Mk", False),
    AdminRoles(("customs", "pga")),
])
def test_registry_records_round_trip_through_their_dicts(record):
    assert type(record).from_dict(record.to_dict()) == record


@pytest.mark.parametrize("cls, data", [
    (KeyRecord, {"did": "d", "organization": "o", "member": "m", "admin": "yes", "status": "active", "since_ms": 1}),
    (KeyRecord, {"did": "d", "organization": "o", "member": "m", "admin": True, "status": "lost", "since_ms": 1}),
    (KeyRecord, {"did": "d", "organization": "o", "member": "m", "admin": True, "status": "revoked", "since_ms": 1}),
    (OrganizationRecord, {"name": "o", "role": "r", "status": "active"}),
    (MemberRecord, ["organization", "member"]),
    (AdminRoles, {"roles": "customs"}),
])
def test_a_malformed_registry_record_is_refused(cls, data):
    with pytest.raises(RegistryRecordError):
        cls.from_dict(data)


def test_a_damaged_key_record_makes_the_envelope_invalid_and_never_stops_the_block():
    harness, _signers = registry_world(("customs", "customs"))
    stray = KeyPair.generate()
    harness.state.rows[(REGISTRY, key_key(stray.did))] = {"did": stray.did, "status": "active"}  # fields lost
    with pytest.raises(Refused, match=f"signer {stray.did}"):
        resolve_signer(harness.state, stray.did)
