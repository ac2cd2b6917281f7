"""Where private data ends up, byte for byte (DESIGN.md decision 15, docs/privacy.md).

A matrix on the framework: organizations of every role take each membership (the
submitter, a member, a member later removed, never a member) in a collection of the test
contract (tests/_notes.py), and each kind of private record (an opening payload and its state, an edit
before and after a removal, a part refused privately in the race case, a payload from a
removed member) carries its own marker. Every byte of every organization's folder (its
SQLite store with -wal and -shm, vault, keys, any log) and of the orderer's folder is
scanned: a marker may appear only in the folders of the organizations entitled to it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _notes import REFUSAL, notes

from tradeledger.contracts import default_contracts
from tradeledger.errors import Refused
from tradeledger.ledger.collections import OUTCOMES, PrivateInput, commit_part, private_namespace
from tradeledger.ledger.contract import ContractSet
from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.runtime.setup import OrgPlan

PLAN = (
    OrgPlan("customs", "customs", "Customs"),
    OrgPlan("importer", "importer", "Importer"),
    OrgPlan("broker", "broker", "Broker"),
    OrgPlan("exporter", "exporter", "Exporter"),
)
ORGS = tuple(plan.name for plan in PLAN)

# Who takes which membership: each role takes each membership in one of the rows.
ASSIGNMENTS = [
    {"owner": "importer", "member": "customs", "removed": "broker", "never": "exporter"},
    {"owner": "customs", "member": "broker", "removed": "exporter", "never": "importer"},
    {"owner": "broker", "member": "exporter", "removed": "importer", "never": "customs"},
    {"owner": "exporter", "member": "importer", "removed": "customs", "never": "broker"},
]

# Record kind -> marker prefix, and which memberships are entitled to see it.
ENTITLED = {
    "opening": {"owner", "member", "removed"},
    "edit_before_removal": {"owner", "member", "removed"},
    "edit_after_removal": {"owner", "member"},
    "refused_in_race": {"owner", "member"},  # delivered to the members of the time, refused by them
    "from_removed_member": set(),  # refused before ordering: kept nowhere
}


def scan(directory: Path) -> dict[str, bytes]:
    """Every byte under the network folder, by whose folder it is in ("public" for the
    orderer's, the genesis and anything not under an organization)."""
    held: dict[str, list[bytes]] = {}
    for path in sorted(directory.rglob("*")):
        if not path.is_file():
            continue
        parts = path.relative_to(directory).parts
        owner = parts[1] if len(parts) > 2 and parts[0] == "orgs" else "public"
        held.setdefault(owner, []).append(path.read_bytes())
    return {owner: b"".join(chunks) for owner, chunks in held.items()}


def where(held: dict[str, bytes], marker: str) -> set[str]:
    return {owner for owner, data in held.items() if marker.encode() in data}


@pytest.fixture
def net(tmp_path):
    create_network(tmp_path / "net", PLAN)
    contracts = ContractSet([*default_contracts(), notes])
    with EmbeddedNetwork(tmp_path / "net", contracts=contracts) as network:
        yield network


def text_at(net, org, name):
    return net.state(org).get_state(private_namespace("notes", name), "text")


def play(net, roles: dict[str, str], name: str) -> dict[str, str]:
    """Every record kind once, in collection `name`; the markers by kind."""
    markers = {kind: f"MARK-{name}-{kind}-{i:04d}" for i, kind in enumerate(ENTITLED)}
    owner, member, removed = roles["owner"], roles["member"], roles["removed"]
    net.submit_checked(owner, "notes", "open", {"name": name, "members": [member, removed]},
                       private=[PrivateInput("body", name, {"text": markers["opening"]})])
    net.submit_checked(member, "notes", "edit", {"name": name},
                       private=[PrivateInput("body", name, {"text": markers["edit_before_removal"]})])
    net.submit_checked(owner, "notes", "remove", {"name": name, "member": removed})
    net.submit_checked(owner, "notes", "edit", {"name": name},
                       private=[PrivateInput("body", name, {"text": markers["edit_after_removal"]})])
    # The race case: a payload its submitter did not preview (or whose state moved) is
    # refused by the members alone; the public verdict stands.
    part = commit_part(PrivateInput("body", name, {"text": f"forbidden {markers['refused_in_race']}"}))
    envelope = net.sign(member, "notes", "edit", {"name": name}, private=[part.part])
    net.deliver(member, [part.payload(envelope.txid)], {("body", name): (owner, member)})
    [receipt] = net.submit([envelope])
    assert receipt.valid
    outcomes = [o for o in dict(net.state(owner).scan_state(OUTCOMES, "")).values() if not o["valid"]]
    assert [o["reason"] for o in outcomes] == [REFUSAL]
    with pytest.raises(Refused, match=f"{removed} is not a member"):
        net.submit_checked(removed, "notes", "edit", {"name": name},
                           private=[PrivateInput("body", name, {"text": markers["from_removed_member"]})])
    return markers


@pytest.mark.parametrize("roles", ASSIGNMENTS, ids=lambda r: "-".join(f"{k}={v}" for k, v in r.items()))
def test_each_marker_is_held_only_by_the_organizations_entitled_to_it(net, roles):
    name = f"memo-{roles['owner']}"
    markers = play(net, roles, name)
    entitled = {kind: {roles[m] for m in memberships} for kind, memberships in ENTITLED.items()}
    # What each peer's state shows.
    assert text_at(net, roles["owner"], name) == f"{markers['opening']} / {markers['edit_before_removal']} / " \
                                                 f"{markers['edit_after_removal']}"
    assert text_at(net, roles["removed"], name) == f"{markers['opening']} / {markers['edit_before_removal']}"
    assert text_at(net, roles["never"], name) is None
    # Every byte, while the stores are open (their -wal and -shm files too), then closed.
    for moment in ("open", "closed"):
        if moment == "closed":
            net.close()
        held = scan(net.layout.directory)
        assert set(held) >= {*ORGS, "public"}
        for kind, marker in markers.items():
            assert where(held, marker) <= entitled[kind], (moment, kind, where(held, marker))
        # ... and each entitled organization does hold what it is entitled to.
        for kind in ("opening", "edit_before_removal", "edit_after_removal"):
            assert where(held, markers[kind]) == entitled[kind], (moment, kind)


def test_a_non_member_holds_the_envelope_with_commitments_and_membership_only(net):
    roles = ASSIGNMENTS[0]
    markers = play(net, roles, "memo")
    never = net.ledger(roles["never"])
    rows = {(ns, key) for ns, key, _ in net.peers[roles["never"]].store.state_rows()}
    assert not [row for row in rows if "#" in row[0]]  # no private namespace, verdict or halt row
    assert never.collection_signatures() == []
    leaves = b"".join(record.leaf for record in never.txs())
    assert all(marker.encode() not in leaves for marker in markers.values())
    assert leaves.count(b'"private":[{"collection":"memo","commitment":"') == 4
    # Membership is public state: every peer reads it alike.
    record = net.state(roles["never"]).get_state("notes", "collection/memo")
    assert sorted(record["members"]) == sorted([roles["owner"], roles["member"]])
    assert record["removed"] == [roles["removed"]]


def test_every_store_passes_its_audit_after_every_record_kind(net):
    from tradeledger.ledger.audit import audit_store

    play(net, ASSIGNMENTS[0], "memo")
    contracts = ContractSet([*default_contracts(), notes])
    for org in ORGS:
        report = audit_store(org, net.peers[org].store, net.genesis, contracts)
        assert report.ok, (org, report.problems)
