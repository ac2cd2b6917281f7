"""Disclosure between nodes (DESIGN.md decisions 10, 11 and 13): private bytes travel from
the owner's vault to an entitled requester's vault through one authenticated transfer. The
owner's node checks a signed access request against the ledger and records the access
before a byte leaves; the requester's node checks the payload against the anchored
commitment on arrival and keeps nothing that does not match. Proof bundles can disclose
chosen fields of a structured document and are verified offline."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tradeledger.contracts import access
from tradeledger.contracts.access import AccessBasis
from tradeledger.crypto import KeyPair, canonical_bytes
from tradeledger.crypto.disclosure import FieldDisclosure, FieldSummary, commit_fields
from tradeledger.ledger.bundle import DisclosedFields, ProofBundle, verify_bundle
from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.errors import NetworkError
from tradeledger.workflows.disclosure import (
    AccessRefused,
    Delivery,
    DeliveryRefused,
    LocalTransfer,
    SignedAccessRequest,
    disclose,
    receive,
    serve,
    sign_access_request,
    submit_access,
)
from tradeledger.workflows.documents import anchor_documents, prove_document
from tradeledger.workflows.entries import file_entry

ENTRY = "B76-0324527-8"  # CATAIR Appendix E's worked example (shared/domain/FACTS.md 1.2)
HTS = "7208.51.0030"


@pytest.fixture
def net(tmp_path: Path):
    """The demo organizations, with entry ENTRY filed with customs by the importer."""
    create_network(tmp_path / "net")
    with EmbeddedNetwork(tmp_path / "net") as network:
        file_entry(network, "importer", {
            "entry_number": ENTRY, "filed_with": "customs", "importer": "importer", "imported_on": "2026-03-02",
            "entry_type": "01", "port_code": "2304", "entry_date": "2026-03-02", "importer_number": "12-345678900",
            "mode_of_transport": "30", "country_of_export": "MX",
            "lines": [{"line": 1, "description": "hot-rolled steel coil", "hts": HTS, "origin": "MX",
                       "entered_value": "28500", "mid": "MXACENOR450MON", "melt_pour": "MX", "flags": []}],
        })
        yield network


def marker() -> str:
    return f"MARKER-{os.urandom(12).hex()}"


def invoice_fields(count: int = 10) -> dict[str, str]:
    """A structured invoice whose every field value is a unique marker."""
    return {f"field{i:02d}": marker() for i in range(count)}


def anchor(net, content: bytes, structured: bool = False, doc_type: str = "commercial_invoice") -> str:
    [result] = anchor_documents(net, "importer", [(Path("invoice.json"), content)], doc_type,
                                {"entry": ENTRY}, structured=structured)
    assert result.receipt.valid is True
    return result.commitment


def request(net, requester: str, commitment: str, fields: list[str] | None = None) -> str:
    return submit_access(net, requester, "request",
                         {"commitment": commitment, "fields": fields or [], "purpose": "entry review"}).txid


def vault_bytes(net, organization: str) -> bytes:
    """Every byte of an organization's vault folder, database write-ahead logs included."""
    folder = net.layout.vault(organization)
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def assert_vault_holds_nothing_received(net, organization: str, *markers: str) -> None:
    vault = net.vault(organization)
    assert vault.received() == []
    assert [p for p in (vault.directory / "blobs").rglob("*") if p.is_file()] == []
    contents = vault_bytes(net, organization)
    for text in markers:
        assert text.encode() not in contents


def log_size(net) -> int:
    net.sync()
    return net.reader.head.log_size


# --- deliveries that succeed ---------------------------------------------------------------

def test_a_whole_document_travels_to_an_entitled_requester(net):
    secret = marker()
    content = f"commercial invoice {secret}".encode()
    commitment = anchor(net, content)
    request_id = request(net, "customs", commitment)

    received = disclose(net, request_id)

    vault = net.vault("customs")
    assert received.commitment == commitment and received.owner == "importer" and received.fields is None
    assert vault.get_document(received.document_sha256) == content
    assert vault.received() == [received]
    [record] = access.access_records(net.state("customs"), commitment)
    assert record.requester == "customs" and record.request == request_id and record.fields == ()
    assert record.basis == AccessBasis(policy=0, relation="entry_filed_with")


def test_chosen_fields_travel_and_the_others_stay_home(net):
    document = invoice_fields(10)
    commitment = anchor(net, json.dumps(document).encode(), structured=True)
    chosen = ["field01", "field04", "field07"]
    request_id = request(net, "customs", commitment, chosen)

    received = disclose(net, request_id)

    assert received.fields == {name: document[name] for name in chosen}
    assert received.document_sha256 is None
    held = vault_bytes(net, "customs")
    for name, value in document.items():
        assert (value.encode() in held) == (name in chosen), name
    [record] = access.access_records(net.state("customs"), commitment)
    assert record.fields == tuple(chosen) and record.requester == "customs"


def test_a_structured_document_requested_whole_travels_as_all_its_fields(net):
    document = invoice_fields(4)
    commitment = anchor(net, json.dumps(document).encode(), structured=True)
    assert disclose(net, request(net, "customs", commitment)).fields == document


def test_every_delivery_has_exactly_one_access_record(net):
    commitment = anchor(net, marker().encode())
    request_id = request(net, "customs", commitment)
    deliveries = [disclose(net, request_id) for _ in range(3)]
    records = access.access_records(net.state("customs"), commitment)
    assert len(records) == len(deliveries) == 3
    assert len({r.txid for r in records}) == 3
    assert all(r.requester == "customs" and r.fields == () and r.basis.policy == 0 for r in records)


def test_a_delivery_names_the_access_transaction(net):
    commitment = anchor(net, marker().encode())
    signed = sign_access_request(net, "customs", request(net, "customs", commitment))
    delivery = LocalTransfer(net).fetch("importer", signed)
    [record] = access.access_records(net.state("customs"), commitment)
    assert delivery.access_txid == record.txid


# --- deliveries the owner's node refuses ---------------------------------------------------

def refused_without_trace(net, run: Callable[[], object], why: str, requester: str = "customs") -> None:
    """The owner's node refuses with `why`; no access is recorded, the log does not grow
    and the requester's vault receives nothing."""
    size, records = log_size(net), access.access_records(net.state("customs"))
    with pytest.raises(AccessRefused, match=why):
        run()
    assert log_size(net) == size and access.access_records(net.state("customs")) == records
    assert_vault_holds_nothing_received(net, requester)


def test_a_pending_request_is_not_served(net):
    secret = marker()
    request_id = request(net, "exporter", anchor(net, secret.encode()))
    refused_without_trace(net, lambda: disclose(net, request_id), "is pending", "exporter")


def test_a_denied_request_is_not_served_and_says_why(net):
    request_id = request(net, "exporter", anchor(net, marker().encode()))
    submit_access(net, "importer", "deny", {"request_id": request_id, "reason": "not a party"})
    refused_without_trace(net, lambda: disclose(net, request_id), "is denied: not a party", "exporter")


def test_an_unknown_request_is_not_served(net):
    refused_without_trace(net, lambda: disclose(net, "ab" * 32), "no access request")


def test_fields_of_a_document_committed_whole_are_not_served(net):
    request_id = request(net, "customs", anchor(net, marker().encode()), ["total"])
    refused_without_trace(net, lambda: disclose(net, request_id), "committed whole")


def test_fields_a_document_does_not_have_are_not_served(net):
    commitment = anchor(net, json.dumps(invoice_fields(3)).encode(), structured=True)
    request_id = request(net, "customs", commitment, ["field00", "buyer"])
    refused_without_trace(net, lambda: disclose(net, request_id), r"has no fields \['buyer'\]")


def test_someone_else_cannot_collect_a_request(net):
    request_id = request(net, "customs", anchor(net, marker().encode()))
    # Its own node does not even see the request: it is private to its parties ...
    refused_without_trace(net, lambda: disclose(net, request_id, requester="exporter"),
                          r"is private to its parties \(customs, importer\); exporter is not one of them", "exporter")
    # ... and the owner's node refuses a signed access request of the exporter for it.
    refused_without_trace(net, lambda: serve(net, "importer", sign_access_request(net, "exporter", request_id)),
                          f"no request {request_id} by exporter", "exporter")


# --- forged signed access requests ------------------------------------------------------

def signed_by(key: KeyPair, request_id: str, requester: str, created_ms: int | None = None,
              signer: str | None = None, nonce: str | None = None) -> SignedAccessRequest:
    unsigned = SignedAccessRequest(request_id, requester, signer or key.verification_method,
                                   now_ms() if created_ms is None else created_ms,
                                   nonce=os.urandom(16).hex() if nonce is None else nonce)
    return dataclasses.replace(unsigned, signature=key.sign(unsigned.signing_bytes()))


@pytest.fixture
def approved(net) -> str:
    """An approved request of customs for a whole invoice."""
    return request(net, "customs", anchor(net, marker().encode()))


def test_the_genuine_signed_request_is_served(net, approved):
    key = net.organization_keys("customs").admin
    assert serve(net, "importer", signed_by(key, approved, "customs")).document is not None


def test_a_request_signed_with_a_key_that_is_not_the_signers_is_refused(net, approved):
    customs_key = net.organization_keys("customs").admin
    forged = signed_by(KeyPair.generate(), approved, "customs", signer=customs_key.verification_method)
    refused_without_trace(net, lambda: serve(net, "importer", forged), "signature does not verify")


def test_a_request_signed_with_an_unregistered_key_is_refused(net, approved):
    forged = signed_by(KeyPair.generate(), approved, "customs")
    refused_without_trace(net, lambda: serve(net, "importer", forged), "not a key registered")


def test_a_request_signed_with_another_organizations_key_is_refused(net, approved):
    forged = signed_by(net.organization_keys("exporter").admin, approved, "customs")
    refused_without_trace(net, lambda: serve(net, "importer", forged), "belongs to exporter, not customs")


@pytest.mark.parametrize("skew_ms", [-(10 * 60 * 1000 + 60_000), 10 * 60 * 1000 + 60_000])
def test_a_stale_or_future_dated_request_is_refused(net, approved, skew_ms):
    forged = signed_by(net.organization_keys("customs").admin, approved, "customs", created_ms=now_ms() + skew_ms)
    refused_without_trace(net, lambda: serve(net, "importer", forged), "stale")


def test_a_captured_signed_request_cannot_fetch_the_payload_again(net, approved):
    genuine = signed_by(net.organization_keys("customs").admin, approved, "customs")
    assert serve(net, "importer", genuine).document is not None
    refused_without_trace(net, lambda: serve(net, "importer", genuine), "already answered")


def test_a_signed_request_without_a_nonce_is_refused(net, approved):
    forged = signed_by(net.organization_keys("customs").admin, approved, "customs", nonce="")
    refused_without_trace(net, lambda: serve(net, "importer", forged), "no fresh nonce")


def test_a_request_whose_id_was_changed_after_signing_is_refused(net, approved):
    other = request(net, "customs", anchor(net, marker().encode()))
    genuine = signed_by(net.organization_keys("customs").admin, approved, "customs")
    forged = dataclasses.replace(genuine, request_id=other)
    refused_without_trace(net, lambda: serve(net, "importer", forged), "signature does not verify")


def test_a_request_sent_to_an_organization_that_does_not_own_the_document_is_refused(net, approved):
    genuine = signed_by(net.organization_keys("customs").admin, approved, "customs")
    refused_without_trace(net, lambda: serve(net, "exporter", genuine), f"no request {approved} by customs to exporter")


def test_a_signed_request_survives_its_wire_form_and_a_garbled_one_is_refused(net, approved):
    genuine = sign_access_request(net, "customs", approved)
    assert SignedAccessRequest.from_dict(json.loads(json.dumps(genuine.to_dict()))) == genuine
    for garbled in ({**genuine.to_dict(), "format": "other/1"}, {**genuine.to_dict(), "signature": "zz"}, {}, None):
        with pytest.raises(AccessRefused, match="tradeledger-access-request/1"):
            SignedAccessRequest.from_dict(garbled)


# --- deliveries tampered with on the way ------------------------------------------------------

class TamperingTransfer:
    """A transfer whose deliveries are changed on the way by `tamper`."""

    def __init__(self, net, tamper: Callable[[Delivery], Delivery]):
        self._inner, self._tamper = LocalTransfer(net), tamper

    def fetch(self, owner: str, request: SignedAccessRequest) -> Delivery:
        return self._tamper(self._inner.fetch(owner, request))


def rejected_on_arrival(net, request_id: str, tamper: Callable[[Delivery], Delivery], why: str,
                        *markers: str) -> None:
    with pytest.raises(DeliveryRefused, match=why):
        disclose(net, request_id, transfer=TamperingTransfer(net, tamper))
    assert_vault_holds_nothing_received(net, "customs", *markers)


def flip_byte(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1:]


@pytest.mark.parametrize("index", [0, 17, -1])
def test_a_document_with_one_byte_flipped_is_rejected(net, index):
    secret = marker()
    request_id = request(net, "customs", anchor(net, f"invoice {secret} total 28500.00".encode()))
    rejected_on_arrival(net, request_id, lambda d: dataclasses.replace(d, document=flip_byte(d.document, index)),
                        "does not match the anchored commitment", secret)


def test_a_document_with_a_changed_salt_is_rejected(net):
    secret = marker()
    request_id = request(net, "customs", anchor(net, secret.encode()))
    rejected_on_arrival(net, request_id, lambda d: dataclasses.replace(d, salt=flip_byte(d.salt, 3)),
                        "does not match the anchored commitment", secret)


def test_a_salt_of_the_wrong_length_is_rejected(net):
    request_id = request(net, "customs", anchor(net, marker().encode()))
    rejected_on_arrival(net, request_id, lambda d: dataclasses.replace(d, salt=d.salt[:16]),
                        "does not match the anchored commitment")


def test_another_anchored_document_in_place_of_the_requested_one_is_rejected(net):
    request_id = request(net, "customs", anchor(net, marker().encode()))
    decoy = marker()
    anchor(net, decoy.encode())
    rejected_on_arrival(net, request_id, lambda d: dataclasses.replace(d, document=decoy.encode()),
                        "does not match", decoy)


def test_a_delivery_for_a_commitment_never_anchored_is_rejected(net):
    request_id = request(net, "customs", anchor(net, marker().encode()))
    rejected_on_arrival(net, request_id, lambda d: dataclasses.replace(d, commitment="ab" * 32), "is anchored")


def test_a_delivery_without_payload_is_rejected(net):
    request_id = request(net, "customs", anchor(net, marker().encode()))
    rejected_on_arrival(net, request_id, lambda d: dataclasses.replace(d, document=None), "no payload")


@pytest.fixture
def structured_request(net) -> tuple[str, dict[str, str]]:
    """customs' approved request for three of ten fields of an invoice of markers."""
    document = invoice_fields(10)
    commitment = anchor(net, json.dumps(document).encode(), structured=True)
    return request(net, "customs", commitment, ["field01", "field04", "field07"]), document


def test_a_disclosure_swapped_for_one_of_another_document_is_rejected(net, structured_request):
    request_id, document = structured_request
    stranger = commit_fields({"field04": marker()})

    def swap(d: Delivery) -> Delivery:
        return dataclasses.replace(d, disclosures=(d.disclosures[0], stranger.disclosures["field04"].encoded,
                                                   d.disclosures[2]))

    rejected_on_arrival(net, request_id, swap, "tampered payload: field 'field04' was not committed",
                        *document.values())


def test_a_disclosure_with_a_changed_value_is_rejected(net, structured_request):
    request_id, document = structured_request

    def change(d: Delivery) -> Delivery:
        original = FieldDisclosure.from_encoded(d.disclosures[1])
        forged = FieldDisclosure(original.salt, original.name, "0.00 USD")
        return dataclasses.replace(d, disclosures=(d.disclosures[0], forged.encoded, d.disclosures[2]))

    rejected_on_arrival(net, request_id, change, "tampered payload", *document.values())


def test_a_disclosure_with_a_changed_salt_is_rejected(net, structured_request):
    request_id, document = structured_request

    def change(d: Delivery) -> Delivery:
        original = FieldDisclosure.from_encoded(d.disclosures[1])
        # A different first character, whatever the random salt began with (1 run in 64
        # drew a salt starting with "A", and the "forgery" was the genuine disclosure).
        first = "B" if original.salt.startswith("A") else "A"
        forged = FieldDisclosure(first + original.salt[1:], original.name, original.value)
        return dataclasses.replace(d, disclosures=(d.disclosures[0], forged.encoded, d.disclosures[2]))

    rejected_on_arrival(net, request_id, change, "tampered payload", *document.values())


def test_a_field_summary_made_up_to_fit_forged_fields_is_rejected(net, structured_request):
    request_id, document = structured_request
    forged = commit_fields({"field01": "0.00 USD"})

    def substitute(d: Delivery) -> Delivery:
        return dataclasses.replace(d, summary=forged.summary, disclosures=(forged.disclosures["field01"].encoded,))

    rejected_on_arrival(net, request_id, substitute, "does not match the anchored commitment", *document.values())


def test_a_field_summary_with_one_digest_changed_is_rejected(net, structured_request):
    request_id, document = structured_request

    def change(d: Delivery) -> Delivery:
        disclosed = {FieldDisclosure.from_encoded(t).digest for t in d.disclosures}
        withheld = next(x for x in d.summary.digests if x not in disclosed)
        digests = sorted([x for x in d.summary.digests if x != withheld] + [FieldDisclosure.new("x", "y").digest])
        return dataclasses.replace(d, summary=FieldSummary(tuple(digests)))

    rejected_on_arrival(net, request_id, change, "does not match the anchored commitment", *document.values())


def test_document_bytes_riding_along_with_field_disclosures_are_rejected(net, structured_request):
    request_id, document = structured_request
    smuggled = marker()
    rejected_on_arrival(net, request_id, lambda d: dataclasses.replace(d, document=smuggled.encode()),
                        "both", smuggled, *document.values())


def test_a_delivery_claiming_another_owner_is_rejected(net):
    request_id = request(net, "customs", anchor(net, marker().encode()))
    rejected_on_arrival(net, request_id, lambda d: dataclasses.replace(d, owner="exporter"),
                        "anchored by importer, not exporter")


def test_a_genuine_delivery_after_a_tampered_one_is_kept(net):
    secret = marker()
    request_id = request(net, "customs", anchor(net, secret.encode()))
    with pytest.raises(DeliveryRefused):
        disclose(net, request_id, transfer=TamperingTransfer(net, lambda d: dataclasses.replace(d, document=b"x")))
    received = disclose(net, request_id)
    assert net.vault("customs").get_document(received.document_sha256) == secret.encode()
    assert len(access.access_records(net.state("customs"))) == 2  # both deliveries left the owner's vault


def test_receive_checks_against_the_requesters_own_ledger(net):
    content = marker().encode()
    commitment = anchor(net, content)
    kept = net.vault("importer").commitment(commitment)
    genuine = Delivery("r" * 64, commitment, "importer", kept.salt, content)
    assert receive(net, "broker", genuine).document_sha256 == kept.document_sha256


# --- proof bundles that disclose fields ------------------------------------------------------

DOCUMENT = {"invoiceNumber": "INV-1000288", "total": "28500.00", "currency": "USD",
            "buyer": "Northwind Imports LLC", "formula": "Cr 18% Ni 8%"}


@pytest.fixture
def structured_file(net) -> bytes:
    content = json.dumps(DOCUMENT, indent=2).encode()
    anchor(net, content, structured=True)
    return content


def test_a_bundle_of_chosen_fields_verifies_offline(net, structured_file):
    bundle = prove_document(net, structured_file, fields=["total", "currency"])
    result = verify_bundle(ProofBundle.from_dict(json.loads(json.dumps(bundle.to_dict()))))
    assert result.ok, result.reason
    assert result.details["disclosed_fields"] == {"total": "28500.00", "currency": "USD"}
    assert result.details["withheld_fields"] == 3
    text = json.dumps(bundle.to_dict())
    assert "Cr 18%" not in text and "Northwind" not in text and "formula" not in text


def test_a_bundle_of_chosen_fields_verifies_with_the_file(net, structured_file):
    bundle = prove_document(net, structured_file, fields=["total"])
    assert verify_bundle(bundle, structured_file).ok


def test_a_bundle_of_all_fields_verifies_with_the_file(net, structured_file):
    result = verify_bundle(prove_document(net, structured_file), structured_file)
    assert result.ok and result.details["disclosed_fields"] == DOCUMENT and result.details["withheld_fields"] == 0


def test_a_file_with_a_different_disclosed_value_fails(net, structured_file):
    bundle = prove_document(net, structured_file, fields=["total"])
    other = json.dumps({**DOCUMENT, "total": "2850.00"}).encode()
    result = verify_bundle(bundle, other)
    assert not result.ok and "field 'total' of the file differs" in result.reason


@pytest.mark.parametrize("file, reason", [
    (b"%PDF-1.7 not json", "not JSON"),
    (b'["a list"]', "not one"),
    (json.dumps({"invoiceNumber": "INV-1000288"}).encode(), "field 'total'"),
])
def test_a_file_that_cannot_hold_the_disclosed_fields_fails(net, structured_file, file, reason):
    result = verify_bundle(prove_document(net, structured_file, fields=["total"]), file)
    assert not result.ok and reason in result.reason


def tampered_bundle(bundle: ProofBundle, **changes) -> ProofBundle:
    return dataclasses.replace(bundle, document=dataclasses.replace(bundle.document, **changes))


def test_a_bundle_with_a_tampered_disclosure_fails(net, structured_file):
    bundle = prove_document(net, structured_file, fields=["total"])
    original = FieldDisclosure.from_encoded(bundle.document.disclosures[0])
    forged = FieldDisclosure(original.salt, "total", "2850.00").encoded
    result = verify_bundle(tampered_bundle(bundle, disclosures=(forged,)))
    assert not result.ok and "disclosed fields: field 'total' was not committed" in result.reason


def test_a_bundle_with_a_tampered_salt_fails(net, structured_file):
    bundle = prove_document(net, structured_file, fields=["total"])
    result = verify_bundle(tampered_bundle(bundle, salt=bytes(32)))
    assert not result.ok and "does not equal the anchored commitment" in result.reason


def test_a_bundle_with_a_made_up_summary_fails(net, structured_file):
    bundle = prove_document(net, structured_file, fields=["total"])
    forged = commit_fields({"total": "2850.00"})
    result = verify_bundle(tampered_bundle(bundle, summary=forged.summary,
                                           disclosures=(forged.disclosures["total"].encoded,)))
    assert not result.ok and "does not equal the anchored commitment" in result.reason


def test_a_bundle_disclosing_a_field_twice_fails(net, structured_file):
    bundle = prove_document(net, structured_file, fields=["total"])
    result = verify_bundle(tampered_bundle(bundle, disclosures=bundle.document.disclosures * 2))
    assert not result.ok and "disclosed twice" in result.reason


def test_bundle_fields_in_their_wire_form_are_checked(net, structured_file):
    data = prove_document(net, structured_file, fields=["total"]).to_dict()
    assert set(data["document"]) == {"fields", "salt", "disclosures"}
    assert DisclosedFields.from_dict(data["document"]).to_dict() == data["document"]
    summary = DisclosedFields.from_dict(data["document"]).summary
    assert canonical_bytes(data["document"]["fields"]) == summary.document_bytes()


def test_fields_of_a_document_anchored_whole_cannot_be_proved(net):
    content = json.dumps(DOCUMENT).encode()
    anchor(net, content)
    with pytest.raises(NetworkError, match="anchored whole"):
        prove_document(net, content, fields=["total"])


def test_fields_a_document_does_not_have_cannot_be_proved(net, structured_file):
    with pytest.raises(NetworkError, match=r"no fields \['seller'\]"):
        prove_document(net, structured_file, fields=["seller", "total"])


# --- the record of a disclosure stays with its parties ----------------------------------------

def test_a_disclosures_purpose_fields_and_record_stay_with_its_parties(net):
    purpose, field_name = marker(), "field01"
    commitment = anchor(net, json.dumps(invoice_fields(3)).encode(), structured=True)
    request_id = submit_access(net, "customs", "request",
                               {"commitment": commitment, "fields": [field_name], "purpose": purpose}).txid
    disclose(net, request_id)
    [record] = access.access_records(net.state("importer"), commitment)
    assert record.purpose == purpose and record.fields == (field_name,)
    for outsider in ("exporter", "agency", "broker"):
        assert access.access_records(net.state(outsider)) == []
        assert access.find_request(net.state(outsider), request_id) is None
    net.sync()
    net.close()
    for outsider in ("exporter", "agency", "broker"):
        held = b"".join(p.read_bytes() for p in net.layout.store(outsider).parent.rglob("*") if p.is_file())
        assert purpose.encode() not in held, outsider
    importer = b"".join(p.read_bytes() for p in net.layout.store("importer").parent.rglob("*") if p.is_file())
    assert purpose.encode() in importer
