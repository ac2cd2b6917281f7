"""The access contract (DESIGN.md decision 11): who may see a private document is ledger
state. The genesis writes default rules; the owner grants and revokes; requests are approved
at once when a rule or a live grant covers them, else decided by the owner; every delivery
is recorded; an owner purges a payload only after its retention period.

Bad input is refused with a reason and leaves the ledger unchanged: the log does not grow
and the access state does not move."""

from __future__ import annotations

import datetime
import itertools
import os
import time
from pathlib import Path

import pytest

from tradeledger.contracts import access, documents, entries
from tradeledger.contracts.access import AccessBasis, GrantTarget, RequestRecord, default_access_policy
from tradeledger.domain.entry_number import complete_entry_number
from tradeledger.errors import Refused
from tradeledger.ledger.access_policy import AccessPolicy, AccessPolicyError, AccessRule
from tradeledger.ledger.authority import ACCESS_POLICY_KEY, REGISTRY, org_key
from tradeledger.ledger.bundle import verify_bundle
from tradeledger.ledger.collections import PrivateInput, private_namespace
from tradeledger.ledger.contract import ContractSet, Signer, collection_record
from tradeledger.ledger.memory import ContractHarness, MemoryState
from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.errors import NetworkError
from tradeledger.runtime.setup import DEMO_ORGANIZATIONS, OrgPlan
from tradeledger.workflows import disclosure
from tradeledger.workflows.documents import (
    anchor_documents,
    prove_commitment,
    purge_document,
)
from tradeledger.workflows.entries import file_entry as workflow_file_entry

ENTRY = "B76-0324527-8"  # CATAIR Appendix E's worked example (shared/domain/FACTS.md 1.2)
HTS = "7208.51.0030"  # flat-rolled iron or non-alloy steel, a real HTS-10 line
ORGANIZATIONS = DEMO_ORGANIZATIONS + (OrgPlan("customs-west", "customs", "Another customs authority"),)
_numbers = itertools.count(100)


def new_entry() -> str:
    return str(complete_entry_number(f"B76-{next(_numbers):07d}"))


@pytest.fixture
def net(tmp_path: Path):
    create_network(tmp_path / "net", ORGANIZATIONS)
    with EmbeddedNetwork(tmp_path / "net") as network:
        yield network


@pytest.fixture
def short_retention_net(tmp_path: Path):
    """Commercial invoices may be purged at once; everything else keeps the five years."""
    policy = AccessPolicy(default_access_policy().rules, {"commercial_invoice": 0, "*": 1827})
    create_network(tmp_path / "net", ORGANIZATIONS, access=policy)
    with EmbeddedNetwork(tmp_path / "net") as network:
        yield network


# --- helpers ---------------------------------------------------------------------------

def file_entry(net, entry: str = ENTRY, filed_with: str = "customs", flags: tuple[str, ...] = (),
               imported_on: str = "2026-03-02") -> None:
    workflow_file_entry(net, "importer", {
        "entry_number": entry, "filed_with": filed_with, "importer": "importer", "imported_on": imported_on,
        "entry_type": "01", "port_code": "2304", "entry_date": imported_on, "importer_number": "12-345678900",
        "mode_of_transport": "30", "country_of_export": "MX",
        "lines": [{"line": 1, "description": "hot-rolled steel coil", "hts": HTS, "origin": "MX",
                   "entered_value": "28500", "mid": "MXACENOR450MON", "melt_pour": "MX", "flags": list(flags)}],
    })


def anchor(net, doc_type: str = "commercial_invoice", refs: dict[str, str] | None = None,
           owner: str = "importer", content: bytes | None = None) -> str:
    body = content if content is not None else f"{doc_type} {time.time_ns()} {next(_numbers)}".encode()
    [result] = anchor_documents(net, owner, [(Path(f"{doc_type}.txt"), body)], doc_type,
                                refs if refs is not None else {"entry": ENTRY})
    assert result.receipt.valid is True
    return result.commitment


def split_call(state, organization: str, action: str, args: dict) -> tuple[dict, list[PrivateInput]]:
    """An access action's public arguments and private part, as the disclosure workflow builds them."""
    return disclosure.access_inputs(state, organization, action, args)


def act(net, organization: str, action: str, **args) -> str:
    """Submit an access action that must be valid; its transaction id."""
    public, private = split_call(net.state(organization), organization, action, args)
    return net.submit_checked(organization, access.NAMESPACE, action, public, private=private).txid


def request(net, requester: str, commitment: str, fields: list[str] | None = None) -> RequestRecord:
    txid = act(net, requester, "request", commitment=commitment, fields=fields or [], purpose="entry review")
    return access.find_request(net.state("customs"), txid)


def snapshot(net) -> tuple[int, dict]:
    """The log size and the whole access state, public and private (customs is a member of
    every pair's collection), to prove that a refusal changed nothing."""
    net.sync()
    state = net.state("customs")
    rows = dict(state.scan_state(access.NAMESPACE, ""))
    for name in access.pair_collections(state):
        rows[name] = dict(state.scan_state(private_namespace(access.NAMESPACE, name), ""))
    return net.reader.head.log_size, rows


def refused(net, organization: str, action: str, why: str, /, **args) -> None:
    """`action` with `args` is refused with a reason matching `why`, and nothing changes."""
    before = snapshot(net)
    with pytest.raises(Refused, match=why):
        public, private = split_call(net.state(organization), organization, action, args)
        net.submit_checked(organization, access.NAMESPACE, action, public, private=private)
    assert snapshot(net) == before


# --- grants ----------------------------------------------------------------------------

def test_the_owner_grants_access_to_one_document(net):
    commitment = anchor(net)
    grant_id = act(net, "importer", "grant", grantee="exporter", commitment=commitment,
                   fields=["total", "currency"], purpose="payment reconciliation")
    grant = access.find_grant(net.state("customs"), grant_id)
    assert grant.grantor == "importer" and grant.grantee == "exporter"
    assert grant.target == GrantTarget(commitment=commitment)
    assert grant.fields == ("currency", "total") and grant.status == "active"
    assert grant.expires_ms is None and grant.purpose == "payment reconciliation"


def test_a_grant_by_someone_who_is_not_the_owner_is_refused(net):
    commitment = anchor(net)
    refused(net, "exporter", "grant", r"only the owner \(importer\) grants access",
            grantee="broker", commitment=commitment, purpose="curiosity")


def test_a_grant_to_an_unknown_organization_is_refused(net):
    commitment = anchor(net)
    refused(net, "importer", "grant", "smuggler is not an active organization",
            grantee="smuggler", commitment=commitment, purpose="entry review")


def test_a_grant_to_oneself_is_refused(net):
    refused(net, "importer", "grant", "needs no grant", grantee="importer", commitment=anchor(net),
            purpose="entry review")


def test_a_grant_that_expired_before_it_starts_is_refused(net):
    commitment = anchor(net)
    refused(net, "importer", "grant", "would expire before it starts",
            grantee="exporter", commitment=commitment, purpose="entry review", expires_ms=now_ms() - 1000)


@pytest.mark.parametrize("target", [{}, {"commitment": "ab" * 32, "ref": f"entry={ENTRY}"}])
def test_a_grant_names_one_document_or_one_reference(net, target):
    refused(net, "importer", "grant", "either one commitment or one ref",
            grantee="exporter", purpose="entry review", **target)


@pytest.mark.parametrize("ref", ["entry", "Entry=B76", "entry="])
def test_a_grant_by_a_malformed_reference_is_refused(net, ref):
    refused(net, "importer", "grant", "NAME=VALUE", grantee="exporter", ref=ref, purpose="entry review")


def test_a_grant_for_a_document_that_was_never_anchored_is_refused(net):
    refused(net, "importer", "grant", "is anchored", grantee="exporter", commitment="ab" * 32,
            purpose="entry review")


def test_a_grant_without_purpose_is_refused(net):
    refused(net, "importer", "grant", "purpose", grantee="exporter", commitment=anchor(net), purpose=" ")


# --- revocation ------------------------------------------------------------------------

def test_only_the_grantor_revokes(net):
    grant_id = act(net, "importer", "grant", grantee="exporter", commitment=anchor(net), purpose="audit")
    refused(net, "exporter", "revoke", r"only the grantor \(importer\) revokes", grant_id=grant_id)
    refused(net, "customs", "revoke", r"only the grantor \(importer\) revokes", grant_id=grant_id)
    act(net, "importer", "revoke", grant_id=grant_id)
    grant = access.find_grant(net.state("customs"), grant_id)
    assert grant.status == "revoked" and grant.revoked_ms >= grant.created_ms


def test_a_grant_is_revoked_once(net):
    grant_id = act(net, "importer", "grant", grantee="exporter", commitment=anchor(net), purpose="audit")
    act(net, "importer", "revoke", grant_id=grant_id)
    refused(net, "importer", "revoke", "already revoked", grant_id=grant_id)


def test_revoking_an_unknown_grant_is_refused(net):
    refused(net, "importer", "revoke", "no grant 00", grant_id="00" * 32)


def test_a_revoked_grant_no_longer_approves_requests(net):
    commitment = anchor(net, refs={})
    grant_id = act(net, "importer", "grant", grantee="exporter", commitment=commitment, purpose="audit")
    assert request(net, "exporter", commitment).basis == AccessBasis(grant=grant_id)
    act(net, "importer", "revoke", grant_id=grant_id)
    later = request(net, "exporter", commitment)
    assert later.status == "pending" and later.basis is None


# --- requests ----------------------------------------------------------------------------

@pytest.mark.parametrize("purpose", ["", "  ", "ok", "x" * 501])
def test_a_request_without_a_real_purpose_is_refused(net, purpose):
    refused(net, "exporter", "request", "state the purpose", commitment=anchor(net), purpose=purpose)


def test_a_request_must_state_a_purpose(net):
    refused(net, "exporter", "request", "purpose: Field required", commitment=anchor(net))


def test_a_request_for_an_unknown_document_is_refused(net):
    refused(net, "exporter", "request", f"no document with commitment {'cd' * 32} is anchored",
            commitment="cd" * 32, purpose="entry review")


def test_a_request_naming_a_field_twice_is_refused(net):
    refused(net, "exporter", "request", "distinct", commitment=anchor(net), fields=["total", "total"],
            purpose="entry review")


def test_the_owner_does_not_request_its_own_document(net):
    refused(net, "importer", "request", "already holds", commitment=anchor(net), purpose="entry review")


def test_a_request_nothing_covers_waits_for_the_owner(net):
    commitment = anchor(net)
    record = request(net, "exporter", commitment, ["total"])
    assert record.status == "pending" and record.basis is None
    assert record.requester == "exporter" and record.owner == "importer"
    assert record.fields == ("total",) and record.purpose == "entry review"
    assert record.doc_type == "commercial_invoice"


# --- the owner's decision --------------------------------------------------------------

def test_the_owner_approves_a_pending_request_with_a_grant_for_those_fields(net):
    commitment = anchor(net)
    record = request(net, "exporter", commitment, ["total"])
    grant_id = act(net, "importer", "approve", request_id=record.id)
    decided = access.find_request(net.state("customs"), record.id)
    assert decided.status == "approved" and decided.basis == AccessBasis(grant=grant_id)
    grant = access.find_grant(net.state("customs"), grant_id)
    assert grant.grantee == "exporter" and grant.target == GrantTarget(commitment=commitment)
    assert grant.fields == ("total",) and grant.request == record.id


def test_the_owner_denies_a_pending_request_with_a_reason(net):
    record = request(net, "exporter", anchor(net))
    act(net, "importer", "deny", request_id=record.id, reason="not party to this entry")
    decided = access.find_request(net.state("customs"), record.id)
    assert decided.status == "denied" and decided.reason == "not party to this entry"


@pytest.mark.parametrize("action, extra", [("approve", {}), ("deny", {"reason": "not yours to decide"})])
def test_only_the_owner_decides(net, action, extra):
    record = request(net, "exporter", anchor(net))
    for outsider in ("exporter", "broker", "customs"):
        refused(net, outsider, action, r"only the owner \(importer\) decides", request_id=record.id, **extra)


@pytest.mark.parametrize("first", ["approve", "deny"])
@pytest.mark.parametrize("then", ["approve", "deny"])
def test_a_request_is_decided_once(net, first, then):
    record = request(net, "exporter", anchor(net))
    act(net, "importer", first, request_id=record.id, **({"reason": "no business need"} if first == "deny" else {}))
    status = "approved" if first == "approve" else "denied"
    refused(net, "importer", then, f"already {status}", request_id=record.id,
            **({"reason": "no business need"} if then == "deny" else {}))


def test_a_request_approved_by_policy_is_not_decided_again(net):
    file_entry(net)
    record = request(net, "customs", anchor(net))
    assert record.status == "approved"
    refused(net, "importer", "deny", "already approved", request_id=record.id, reason="changed my mind")


def test_deciding_an_unknown_request_is_refused(net):
    refused(net, "importer", "approve", "no access request", request_id="ef" * 32)


def test_a_denial_needs_a_reason(net):
    record = request(net, "exporter", anchor(net))
    refused(net, "importer", "deny", "purpose", request_id=record.id, reason="")


def test_an_approval_that_expired_before_it_starts_is_refused(net):
    record = request(net, "exporter", anchor(net))
    refused(net, "importer", "approve", "would expire before it starts", request_id=record.id,
            expires_ms=now_ms() - 1)


# --- access records ----------------------------------------------------------------------

def test_the_owner_records_an_access_under_its_basis(net):
    commitment = anchor(net)
    record = request(net, "exporter", commitment, ["total"])
    grant_id = act(net, "importer", "approve", request_id=record.id)
    txid = act(net, "importer", "record_access", request_id=record.id, nonce=os.urandom(16).hex())
    [logged] = access.access_records(net.state("customs"), commitment)
    assert logged.requester == "exporter" and logged.owner == "importer"
    assert logged.fields == ("total",) and logged.purpose == "entry review"
    assert logged.basis == AccessBasis(grant=grant_id) and logged.txid == txid and logged.request == record.id


def test_only_the_owner_records_an_access(net):
    record = request(net, "exporter", anchor(net))
    act(net, "importer", "approve", request_id=record.id)
    refused(net, "exporter", "record_access", "only the owner's node", request_id=record.id, nonce=os.urandom(16).hex())


@pytest.mark.parametrize("decision", [None, "deny"])
def test_no_access_is_recorded_for_a_request_that_is_not_approved(net, decision):
    record = request(net, "exporter", anchor(net))
    if decision:
        act(net, "importer", "deny", request_id=record.id, reason="not party to this entry")
    status = "denied" if decision else "pending"
    refused(net, "importer", "record_access", f"the request is {status}, not approved", request_id=record.id,
            nonce=os.urandom(16).hex())


def test_no_access_is_recorded_once_the_grant_is_revoked(net):
    record = request(net, "exporter", anchor(net))
    grant_id = act(net, "importer", "approve", request_id=record.id)
    act(net, "importer", "revoke", grant_id=grant_id)
    refused(net, "importer", "record_access", "expired or revoked", request_id=record.id, nonce=os.urandom(16).hex())


def test_no_access_is_recorded_once_the_grant_has_expired(net):
    commitment = anchor(net)
    expires = now_ms() + 1500
    act(net, "importer", "grant", grantee="exporter", commitment=commitment, purpose="audit", expires_ms=expires)
    record = request(net, "exporter", commitment)
    assert record.status == "approved"
    time.sleep(max(0, expires - now_ms()) / 1000 + 0.05)
    refused(net, "importer", "record_access", "expired or revoked", request_id=record.id, nonce=os.urandom(16).hex())


# --- the default rules of the genesis --------------------------------------------------

def test_customs_sees_the_supporting_documents_of_entries_filed_with_it(net):
    file_entry(net)
    for doc_type in ("commercial_invoice", "packing_list", "permit"):
        record = request(net, "customs", anchor(net, doc_type))
        assert record.status == "approved", doc_type
        assert record.basis == AccessBasis(policy=0, relation="entry_filed_with")


def test_customs_sees_nothing_of_an_entry_that_is_not_filed(net):
    record = request(net, "customs", anchor(net, refs={"entry": new_entry()}))
    assert record.status == "pending" and record.basis is None


def test_customs_sees_nothing_of_an_entry_filed_with_another_customs(net):
    file_entry(net, filed_with="customs-west")
    commitment = anchor(net)
    assert request(net, "customs", commitment).status == "pending"
    assert request(net, "customs-west", commitment).status == "approved"


def test_customs_does_not_see_a_trade_secret_by_default(net):
    file_entry(net)
    assert request(net, "customs", anchor(net, "bill_of_materials")).status == "pending"


def test_an_agency_sees_the_documents_of_lines_flagged_for_it(net):
    file_entry(net, flags=("agency",))
    record = request(net, "agency", anchor(net, "bill_of_materials"))
    assert record.status == "approved"
    assert record.basis == AccessBasis(policy=1, relation="entry_flagged_for")


def test_an_agency_sees_nothing_of_lines_not_flagged_for_it(net):
    file_entry(net)
    assert request(net, "agency", anchor(net, "commercial_invoice")).status == "pending"


def test_an_agency_sees_the_permits_it_issued(net):
    record = request(net, "agency", anchor(net, "permit", refs={"issuer": "agency"}))
    assert record.status == "approved"
    assert record.basis == AccessBasis(policy=2, relation="issued_by")


def test_an_agency_does_not_see_permits_others_issued_nor_other_documents_naming_it(net):
    assert request(net, "agency", anchor(net, "permit", refs={"issuer": "customs"})).status == "pending"
    assert request(net, "agency", anchor(net, "commercial_invoice", refs={"issuer": "agency"})).status == "pending"


@pytest.mark.parametrize("requester", ["exporter", "broker"])
def test_nobody_else_sees_anything_by_default(net, requester):
    file_entry(net, flags=("agency",))
    for doc_type in ("commercial_invoice", "packing_list", "permit", "bill_of_materials"):
        assert request(net, requester, anchor(net, doc_type, refs={"entry": ENTRY, "issuer": requester})
                       ).status == "pending"


def test_an_entry_is_filed_with_a_valid_number_only(net):
    with pytest.raises(Refused, match="check digit"):
        file_entry(net, entry="B76-0324527-9")


# --- grants by reference -----------------------------------------------------------------

def test_a_grant_by_reference_covers_documents_anchored_later(net):
    entry = new_entry()
    grant_id = act(net, "importer", "grant", grantee="exporter", ref=f"entry={entry}", purpose="origin audit")
    later = anchor(net, "packing_list", refs={"entry": entry})
    assert request(net, "exporter", later).basis == AccessBasis(grant=grant_id)
    assert request(net, "exporter", anchor(net, refs={"entry": new_entry()})).status == "pending"


def test_a_grant_by_reference_covers_only_the_grantors_documents(net):
    entry = new_entry()
    act(net, "importer", "grant", grantee="exporter", ref=f"entry={entry}", purpose="origin audit")
    brokers = anchor(net, "entry_summary", refs={"entry": entry}, owner="broker")
    assert request(net, "exporter", brokers).status == "pending"


def test_a_grant_of_some_fields_does_not_cover_the_whole_document(net):
    commitment = anchor(net, refs={})
    grant_id = act(net, "importer", "grant", grantee="exporter", commitment=commitment,
                   fields=["currency", "total"], purpose="payment reconciliation")
    assert request(net, "exporter", commitment).status == "pending"
    assert request(net, "exporter", commitment, ["total", "buyer"]).status == "pending"
    assert request(net, "exporter", commitment, ["total"]).basis == AccessBasis(grant=grant_id)


# --- retention and purge -------------------------------------------------------------------

def test_a_purge_before_the_retention_period_ends_is_refused(net):
    commitment = anchor(net)
    before = snapshot(net)
    with pytest.raises(Refused, match=r"commercial_invoice must be kept until \d{4}-\d\d-\d\d"):
        purge_document(net, "importer", commitment)
    assert snapshot(net) == before
    record = net.vault("importer").commitment(commitment)
    assert net.vault("importer").has_document(record.document_sha256)


def test_retention_runs_from_the_entrys_filing_a_public_fact_not_the_private_date_of_importation(net):
    old_entry = new_entry()
    file_entry(net, entry=old_entry, imported_on="2019-01-02")  # importation precedes filing: the filing counts
    filing = entries.find_filing(net.state("exporter"), old_entry)
    kept_until = datetime.datetime.fromtimestamp(filing.filed_ms / 1000 + 1827 * 86_400, datetime.UTC)
    with pytest.raises(Refused, match=f"must be kept until {kept_until:%Y-%m-%d}"):
        purge_document(net, "importer", anchor(net, refs={"entry": old_entry}))


def test_a_purge_after_retention_drops_the_bytes_and_keeps_the_commitment(short_retention_net):
    net = short_retention_net
    content = b"commercial invoice INV-1000288, total 28500.00 USD"
    commitment = anchor(net, content=content, refs={})
    record = request(net, "exporter", commitment)
    act(net, "importer", "approve", request_id=record.id)
    act(net, "importer", "record_access", request_id=record.id, nonce=os.urandom(16).hex())

    result = purge_document(net, "importer", commitment)

    vault = net.vault("importer")
    kept = vault.commitment(commitment)
    assert result.removed_bytes is True
    assert kept is not None and len(kept.salt) == 32  # the commitment record stays
    assert not vault.has_document(kept.document_sha256)
    blobs = [p.read_bytes() for p in vault.directory.rglob("*") if p.is_file()]
    assert not any(content in blob for blob in blobs)
    purge = access.purge_record(net.state("customs"), commitment)
    assert purge.by == "importer" and purge.txid == result.receipt.txid
    assert [r.request for r in access.access_records(net.state("customs"), commitment)] == [record.id]
    assert documents.find_by_commitment(net.state("customs"), commitment) is not None


def test_a_purged_documents_bundle_still_proves_existence_and_time(short_retention_net):
    net = short_retention_net
    commitment = anchor(net, refs={})
    purge_document(net, "importer", commitment)
    bundle = prove_commitment(net, commitment)
    result = verify_bundle(bundle)
    assert result.ok, result.reason
    assert result.details["commitment"] == commitment and "cosigned_at" in result.details
    assert bundle.document is None


def test_a_purged_document_is_neither_requested_granted_nor_purged_again(short_retention_net):
    net = short_retention_net
    commitment = anchor(net, refs={})
    purge_document(net, "importer", commitment)
    refused(net, "exporter", "request", "has been purged", commitment=commitment, purpose="entry review")
    refused(net, "importer", "grant", "has been purged", grantee="exporter", commitment=commitment,
            purpose="entry review")
    refused(net, "importer", "purge", "has been purged", commitment=commitment)


def test_an_approved_request_is_not_recorded_after_a_purge(short_retention_net):
    net = short_retention_net
    commitment = anchor(net, refs={})
    record = request(net, "exporter", commitment)
    act(net, "importer", "approve", request_id=record.id)
    purge_document(net, "importer", commitment)
    refused(net, "importer", "record_access", "has been purged", request_id=record.id, nonce=os.urandom(16).hex())


def test_retention_is_per_document_type(short_retention_net):
    with pytest.raises(Refused, match="packing_list must be kept until"):
        purge_document(short_retention_net, "importer", anchor(short_retention_net, "packing_list", refs={}))


def test_only_the_owner_purges(short_retention_net):
    net = short_retention_net
    commitment = anchor(net, refs={})
    refused(net, "exporter", "purge", r"only the owner \(importer\) purges", commitment=commitment)
    with pytest.raises(NetworkError, match="exporter's vault holds no document"):
        purge_document(net, "exporter", commitment)
    assert net.vault("importer").has_document(net.vault("importer").commitment(commitment).document_sha256)


def test_bytes_anchored_twice_stay_until_both_commitments_are_purged(short_retention_net):
    net = short_retention_net
    content = b"commercial invoice INV-1000288, sent twice"
    first, second = anchor(net, content=content, refs={}), anchor(net, content=content, refs={})
    vault = net.vault("importer")
    digest = vault.commitment(first).document_sha256
    assert purge_document(net, "importer", first).removed_bytes is False
    assert vault.get_document(digest) == content  # still needed to prove the second commitment
    assert purge_document(net, "importer", second).removed_bytes is True
    assert not vault.has_document(digest)


# --- on plain data: the contract against the in-memory state ------------------------------

def _signer(organization: str, role: str) -> Signer:
    return Signer(f"did:key:z6Mk{organization}", organization, role, "admin", True)


MEMORY_ORGS = {"importer": "importer", "exporter": "exporter", "agency": "agency", "customs": "customs"}


@pytest.fixture
def memory() -> ContractHarness:
    """The documents and access contracts on a state holding what a genesis writes:
    active organizations and the default policy, with invoices purgeable at once."""
    rows: dict = {(REGISTRY, org_key(name)): {"name": name, "role": role, "display_name": name, "status": "active",
                                              "since_ms": 0} for name, role in MEMORY_ORGS.items()}
    policy = AccessPolicy(default_access_policy().rules, {"commercial_invoice": 0, "*": 1827})
    rows[(access.NAMESPACE, ACCESS_POLICY_KEY)] = policy.to_dict()
    return ContractHarness(ContractSet([documents.contract, access.contract]), MemoryState(rows))


def run(memory: ContractHarness, organization: str, action: str, commitments: tuple[str, ...] = (),
        time_ms: int = 1_000, **args) -> str:
    """Run an access or documents action; the id of the grant or request it made, if any."""
    contract = "documents" if action == "anchor" else access.NAMESPACE
    public, private = split_call(memory.state, organization, action, args) if contract == access.NAMESPACE \
        else (args, [])
    [*_events, last] = memory.run(_signer(organization, MEMORY_ORGS[organization]), contract, action, public,
                                  commitments, time_ms, private=private) or [None]
    return (last.data.get("grant") or last.data.get("request") or "") if last else ""


def memory_refused(memory: ContractHarness, organization: str, action: str, why: str, **args) -> None:
    before = dict(memory.state.rows)
    with pytest.raises(Refused, match=why):
        public, private = split_call(memory.state, organization, action, args)
        memory.run(_signer(organization, MEMORY_ORGS[organization]), access.NAMESPACE, action, public, (), 2_000,
                   private=private)
    assert memory.state.rows == before


def test_in_memory_a_permit_is_seen_by_the_agency_that_issued_it(memory):
    run(memory, "importer", "anchor", ("a1" * 32,), doc_type="permit", refs={"issuer": "agency"})
    request_id = run(memory, "agency", "request", commitment="a1" * 32, purpose="permit check")
    record = access.find_request(memory.state, request_id)
    assert record.approved and record.basis == AccessBasis(policy=2, relation="issued_by")
    assert access.access_basis(memory.state, "exporter", "a1" * 32, [], 1_000) is None
    assert access.access_basis(memory.state, "importer", "a1" * 32, [], 1_000) == AccessBasis(owner="importer")


def test_in_memory_a_grant_approves_a_request_and_a_delivery_is_recorded_once(memory):
    run(memory, "importer", "anchor", ("a2" * 32,), doc_type="commercial_invoice", refs={})
    grant_id = run(memory, "importer", "grant", grantee="exporter", commitment="a2" * 32, fields=["total"],
                   purpose="reconciliation")
    assert access.find_grant(memory.state, grant_id).target == GrantTarget(commitment="a2" * 32)
    request_id = run(memory, "exporter", "request", commitment="a2" * 32, fields=["total"], purpose="reconcile")
    nonce = "0f" * 16
    run(memory, "importer", "record_access", request_id=request_id, nonce=nonce)
    [logged] = access.access_records(memory.state, "a2" * 32)
    assert logged.basis == AccessBasis(grant=grant_id) and logged.fields == ("total",) and logged.nonce == nonce
    assert memory.state.get_state(access.NAMESPACE, access.nonce_key(nonce))["nonce"] == nonce
    memory_refused(memory, "importer", "record_access", "already answered", request_id=request_id, nonce=nonce)


def test_in_memory_a_revoked_grant_covers_nothing_and_the_revocation_is_kept(memory):
    run(memory, "importer", "anchor", ("a3" * 32,), doc_type="packing_list", refs={"entry": ENTRY})
    grant_id = run(memory, "importer", "grant", grantee="exporter", ref=f"entry={ENTRY}", purpose="origin audit")
    assert access.access_basis(memory.state, "exporter", "a3" * 32, [], 1_500) == AccessBasis(grant=grant_id)
    run(memory, "importer", "revoke", time_ms=1_600, grant_id=grant_id)
    grant = access.find_grant(memory.state, grant_id)
    assert grant.status == "revoked" and grant.revoked_ms == 1_600
    assert grant.target == GrantTarget(ref_name="entry", ref_value=ENTRY)
    assert access.access_basis(memory.state, "exporter", "a3" * 32, [], 1_700) is None
    memory_refused(memory, "importer", "revoke", "already revoked", grant_id=grant_id)


def test_in_memory_the_owner_decides_a_pending_request(memory):
    run(memory, "importer", "anchor", ("a4" * 32,), doc_type="bill_of_materials", refs={})
    first = run(memory, "exporter", "request", commitment="a4" * 32, purpose="entry review")
    second = run(memory, "exporter", "request", commitment="a4" * 32, purpose="entry review again")
    assert access.find_request(memory.state, first).pending
    memory_refused(memory, "exporter", "approve", r"only the owner \(importer\) decides", request_id=first)
    grant_id = run(memory, "importer", "approve", request_id=first)
    assert access.find_request(memory.state, first).basis == AccessBasis(grant=grant_id)
    assert access.find_grant(memory.state, grant_id).request == first
    run(memory, "importer", "deny", request_id=second, reason="not party to this entry")
    denied = access.find_request(memory.state, second)
    assert denied.status == "denied" and denied.reason == "not party to this entry" and denied.decided_ms == 1_000


def test_in_memory_a_purge_follows_the_retention_of_the_document_type(memory):
    run(memory, "importer", "anchor", ("a5" * 32,), doc_type="commercial_invoice", refs={})
    run(memory, "importer", "anchor", ("a6" * 32,), doc_type="packing_list", refs={})
    memory_refused(memory, "importer", "purge", "packing_list must be kept until", commitment="a6" * 32)
    memory_refused(memory, "exporter", "purge", r"only the owner \(importer\) purges", commitment="a5" * 32)
    run(memory, "importer", "purge", time_ms=3_000, commitment="a5" * 32)
    purged = access.purge_record(memory.state, "a5" * 32)
    assert purged.by == "importer" and purged.purged_ms == 3_000 and purged.retained_until_ms == 1_000
    memory_refused(memory, "importer", "grant", "has been purged", grantee="exporter", commitment="a5" * 32,
                   purpose="entry review")


def test_access_records_round_trip_and_malformed_ones_are_refused():
    basis = AccessBasis(policy=0, relation="entry_filed_with")
    grant = access.GrantRecord("g" * 64, "importer", "customs", GrantTarget(ref_name="entry", ref_value=ENTRY),
                               ("total",), "audit", None, "active", 5, request="r" * 64)
    request = RequestRecord("r" * 64, "customs", "importer", "c" * 64, "permit", (), "audit", "approved", basis, 5, 5)
    record = access.AccessRecord("r" * 64, "customs", "importer", "c" * 64, "permit", (), "audit", basis, 6,
                                 "t" * 64, "0f" * 16)
    purge = access.PurgeRecord("c" * 64, "importer", 7, 6, "u" * 64)
    nonce = access.UsedNonce("0f" * 16, "t" * 64)
    for typed in (basis, grant, request, record, purge, nonce):
        assert type(typed).from_dict(typed.to_dict()) == typed
    with pytest.raises(access.AccessRecordError):
        AccessBasis.from_dict({"grant": "g", "policy": 0, "relation": "issued_by"})
    with pytest.raises(access.AccessRecordError):
        access.GrantRecord.from_dict({**grant.to_dict(), "target": {"commitment": 1}})
    with pytest.raises(access.AccessRecordError):
        RequestRecord.from_dict({**request.to_dict(), "fields": "total"})


def test_a_policy_naming_an_unknown_relation_is_refused_when_the_network_is_made(tmp_path: Path):
    policy = AccessPolicy((AccessRule("customs", ("permit",), "entry_filed_by"),))
    with pytest.raises(AccessPolicyError, match="relation 'entry_filed_by' is unknown"):
        create_network(tmp_path / "net", ORGANIZATIONS, access=policy)
    assert not (tmp_path / "net").exists()


# --- privacy: grants, requests, decisions and access records stay with their parties ------

PURPOSE = "valuation review PURPOSE-7f3a91"
FIELD = "unitPrice-FIELD-c02d"
REASON = "trade secret REASON-55e0b1"
MARKERS = (PURPOSE, FIELD, REASON)


def store_bytes(net, organization: str) -> bytes:
    return b"".join(p.read_bytes() for p in net.layout.store(organization).parent.rglob("*") if p.is_file())


def test_a_pairs_collection_is_the_owner_the_other_party_and_the_customs_authorities(net):
    commitment = anchor(net, refs={})
    record = request(net, "exporter", commitment)
    filing = access.find_request_filing(net.state("broker"), record.id)  # public: that they dealt
    assert (filing.requester, filing.owner) == ("exporter", "importer")
    members = collection_record(net.state("broker"), access.NAMESPACE, filing.collection).members
    assert members == ("customs", "customs-west", "exporter", "importer")


def test_purposes_fields_and_reasons_reach_the_parties_and_customs_and_no_one_else(net):
    commitment = anchor(net, refs={})
    grant_id = act(net, "importer", "grant", grantee="exporter", commitment=commitment, fields=[FIELD],
                   purpose=PURPOSE)
    asked = act(net, "exporter", "request", commitment=commitment, fields=[FIELD], purpose=PURPOSE)
    pending = act(net, "exporter", "request", commitment=commitment, purpose=PURPOSE)
    act(net, "importer", "deny", request_id=pending, reason=REASON)
    act(net, "importer", "record_access", request_id=asked, nonce=os.urandom(16).hex())
    for member in ("importer", "exporter", "customs", "customs-west"):
        state = net.state(member)
        assert access.find_grant(state, grant_id).purpose == PURPOSE
        assert access.find_request(state, asked).basis == AccessBasis(grant=grant_id)
        assert access.find_request(state, pending).reason == REASON
        assert [r.purpose for r in access.access_records(state, commitment)] == [PURPOSE]
    for outsider in ("broker", "agency"):
        state = net.state(outsider)
        assert access.find_grant(state, grant_id) is None and access.find_request(state, asked) is None
        assert access.find_grant_filing(state, grant_id).status == "active"  # public: that a grant stands
        assert access.access_records(state) == []
    net.sync()
    net.close()
    for member in ("importer", "exporter", "customs"):
        assert all(marker.encode() in store_bytes(net, member) for marker in MARKERS)
    for outsider in ("broker", "agency"):
        held = store_bytes(net, outsider)
        assert not any(marker.encode() in held for marker in MARKERS), outsider
    orderer = b"".join(p.read_bytes() for p in net.layout.orderer.parent.rglob("*") if p.is_file())
    assert not any(marker.encode() in orderer for marker in MARKERS)


def test_the_public_events_of_access_actions_carry_no_purpose_field_or_document(net):
    commitment = anchor(net, refs={})
    act(net, "importer", "grant", grantee="exporter", commitment=commitment, fields=[FIELD], purpose=PURPOSE)
    act(net, "exporter", "request", commitment=commitment, fields=[FIELD], purpose=PURPOSE)
    net.sync()
    events = [e for e in net.reader.store.events(0) if e[1] == access.NAMESPACE]
    assert {e[2] for e in events} >= {"granted", "requested"}
    assert not any(commitment in str(e[3]) or PURPOSE in str(e[3]) or FIELD in str(e[3]) for e in events)


def test_a_non_party_reading_a_request_is_told_it_is_private(net):
    record = request(net, "exporter", anchor(net, refs={}))
    assert disclosure.find_request(net, "broker", record.id) is None
    with pytest.raises(disclosure.AccessRefused, match="private to its parties .*broker is not one of them"):
        disclosure.visible_request(net, "broker", record.id)
    with pytest.raises(disclosure.AccessRefused, match="no access request"):
        disclosure.visible_request(net, "broker", "ab" * 32)


def test_a_grant_by_a_private_reference_is_refused(net):
    refused(net, "importer", "grant", "names a public reference", grantee="exporter", ref="bol=MAEU1",
            purpose="entry review")


def test_an_action_whose_terms_go_to_another_collection_or_are_missing_is_refused(net):
    commitment = anchor(net, refs={})
    before = snapshot(net)
    wrong = PrivateInput(access.TERMS, access.pair_collection("importer", "broker"),
                         {"commitment": commitment, "purpose": PURPOSE})
    with pytest.raises(Refused, match="goes to collection"):
        net.submit_checked("importer", access.NAMESPACE, "grant", {"grantee": "exporter"}, private=[wrong])
    with pytest.raises(Refused, match="one part terms"):
        net.submit_checked("importer", access.NAMESPACE, "grant", {"grantee": "exporter"})
    record = request(net, "exporter", commitment)
    before = snapshot(net)
    with pytest.raises(Refused, match="one part decision"):
        net.submit_checked("importer", access.NAMESPACE, "approve", {"request_id": record.id})
    assert snapshot(net) == before


def test_grant_and_request_filings_round_trip_and_malformed_ones_are_refused():
    target = GrantTarget(commitment="c" * 64)
    typed = (access.GrantFiling("g" * 64, "importer", "customs", "between/importer/customs", "active", 5,
                                "r" * 64, 9),
             access.GrantTerms("g" * 64, target, ("total",), "audit", None),
             access.RequestFiling("r" * 64, "customs", "importer", "between/importer/customs", 5))
    for record in typed:
        assert type(record).from_dict(record.to_dict()) == record
    with pytest.raises(access.AccessRecordError):
        access.GrantFiling.from_dict({"id": "g"})
    with pytest.raises(access.AccessRecordError):
        access.GrantTerms.from_dict({**typed[1].to_dict(), "target": {"ref_name": "entry"}})


def test_a_request_that_bypasses_the_workflow_is_judged_by_the_pairs_members(net):
    mine = anchor(net, refs={}, owner="broker")
    before = snapshot(net)
    unknown = PrivateInput(access.ASK, access.pair_collection("importer", "exporter"),
                           {"commitment": "cd" * 32, "purpose": PURPOSE})
    with pytest.raises(Refused, match="is anchored"):
        net.submit_checked("exporter", access.NAMESPACE, "request", {"owner": "importer"}, private=[unknown])
    # a request naming the wrong owner: the public part cannot tell, the members refuse it
    wrong = PrivateInput(access.ASK, access.pair_collection("importer", "exporter"),
                         {"commitment": mine, "purpose": PURPOSE})
    with pytest.raises(Refused, match="the document is broker's, not importer's"):
        net.submit_checked("exporter", access.NAMESPACE, "request", {"owner": "importer"}, private=[wrong])
    assert snapshot(net) == before
