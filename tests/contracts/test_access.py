"""The access contract (DESIGN.md decision 11): who may see a private document is ledger
state. The genesis writes default rules; the owner grants and revokes; requests are approved
at once when a rule or a live grant covers them, else decided by the owner; every delivery
is recorded; an owner purges a payload only after its retention period.

Bad input is refused with a reason and leaves the ledger unchanged: the log does not grow
and the access state does not move."""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path

import pytest

from tradeledger.contracts import access, documents
from tradeledger.contracts.access import AccessBasis, GrantTarget, RequestRecord, default_access_policy
from tradeledger.domain.entry_number import complete_entry_number
from tradeledger.errors import Refused
from tradeledger.ledger.access_policy import AccessPolicy
from tradeledger.ledger.bundle import verify_bundle
from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.errors import NetworkError
from tradeledger.runtime.setup import DEMO_ORGANIZATIONS, OrgPlan
from tradeledger.workflows.documents import (
    anchor_documents,
    prove_commitment,
    purge_document,
)

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
    net.submit_checked("importer", "entries", "file", {
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


def act(net, organization: str, action: str, **args) -> str:
    """Submit an access action that must be valid; its transaction id."""
    return net.submit_checked(organization, access.NAMESPACE, action, args).txid


def request(net, requester: str, commitment: str, fields: list[str] | None = None) -> RequestRecord:
    txid = act(net, requester, "request", commitment=commitment, fields=fields or [], purpose="entry review")
    return access.find_request(net.state("customs"), txid)


def snapshot(net) -> tuple[int, dict]:
    """The log size and the whole access state, to prove that a refusal changed nothing."""
    net.sync()
    return net.reader.head.log_size, dict(net.state("customs").scan_state(access.NAMESPACE, ""))


def refused(net, organization: str, action: str, why: str, /, **args) -> None:
    """`action` with `args` is refused with a reason matching `why`, and nothing changes."""
    before = snapshot(net)
    with pytest.raises(Refused, match=why):
        net.submit_checked(organization, access.NAMESPACE, action, args)
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


def test_retention_runs_from_the_date_of_importation(net):
    old_entry = new_entry()
    file_entry(net, entry=old_entry, imported_on="2019-01-02")  # five years ended in January 2024
    purged = purge_document(net, "importer", anchor(net, refs={"entry": old_entry}))
    assert purged.removed_bytes is True
    file_entry(net, entry=(recent := new_entry()), imported_on="2025-06-30")
    with pytest.raises(Refused, match="must be kept until 2030-07-01"):
        purge_document(net, "importer", anchor(net, refs={"entry": recent}))


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
