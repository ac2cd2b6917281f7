"""Private bytes never reach an unauthorized party (issue 3, item 4).

One owner (the importer) anchors one document per cell of the matrix

    requester role   customs, agency, importer-other (a second importer), broker, exporter
  x document type    commercial_invoice, packing_list, permit, bill_of_materials (a trade secret)
  x grant state      granted, expired, revoked, never
  x entry            filed (with customs, its line flagged for the agency) or not filed

each document's bytes holding a unique random marker. Every permit names the agency as its
issuer. The requester asks for the document and tries to have it disclosed. Delivery
succeeds exactly when the grant is live or a default rule of the genesis covers the cell:

  - customs sees the supporting documents of entries filed with it;
  - an agency sees the documents of lines flagged for it, and the permits it issued;
  - nobody else sees anything.

Otherwise the owner's node refuses (AccessRefused) and the requester's vault holds no byte
of the document. Finally every file of the network folder is read raw, write-ahead logs
included: no marker is in the orderer stream, in any ledger, or in the vault of an
organization that was not entitled to it.

"expired" grants end a few seconds after the set-up, which then sleeps once for all; the
request is made (and approved by the grant) before they end, so it is the access record
that the contract must refuse. "revoked" grants are revoked after the request is approved.
"""

from __future__ import annotations

import itertools
import os
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tradeledger.contracts import access
from tradeledger.ledger.collections import commit_part
from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.setup import OrgPlan
from tradeledger.workflows.disclosure import AccessRefused, access_inputs, disclose
from tradeledger.workflows.documents import anchor_documents
from tradeledger.workflows.entries import file_entry

OWNER = "importer"
ORGANIZATIONS = (
    OrgPlan("customs", "customs", "U.S. Customs and Border Protection"),
    OrgPlan("agency", "agency", "U.S. Food and Drug Administration"),
    OrgPlan(OWNER, "importer", "Northwind Imports LLC"),
    OrgPlan("importer-other", "importer", "Southwind Imports LLC"),
    OrgPlan("broker", "broker", "Harbor Customs Brokerage Inc."),
    OrgPlan("exporter", "exporter", "Aceros del Norte S.A. de C.V."),
)
REQUESTERS = ("customs", "agency", "importer-other", "broker", "exporter")
DOC_TYPES = ("commercial_invoice", "packing_list", "permit", "bill_of_materials")
GRANT_STATES = ("granted", "expired", "revoked", "never")
ENTRIES = {"filed": "B76-0324527-8", "not-filed": "B76-0000001-1"}  # valid check digits; only one filed
SUPPORTING = {"commercial_invoice", "packing_list", "permit"}  # of those above; not bill_of_materials
EXPIRY_MS = 4000


@dataclass(frozen=True)
class Cell:
    requester: str
    doc_type: str
    state: str
    entry: str  # "filed" or "not-filed"

    @property
    def id(self) -> str:
        return f"{self.requester}-{self.doc_type}-{self.state}-{self.entry}"


CELLS = [Cell(*values) for values in itertools.product(REQUESTERS, DOC_TYPES, GRANT_STATES, ENTRIES)]


def entitled(cell: Cell) -> bool:
    """The expectation, from the grant state and the genesis default rules."""
    if cell.state == "granted":
        return True
    if cell.requester == "customs":
        return cell.entry == "filed" and cell.doc_type in SUPPORTING
    if cell.requester == "agency":
        return cell.entry == "filed" or cell.doc_type == "permit"  # flagged for it / issued by it
    return False


@dataclass
class Matrix:
    net: EmbeddedNetwork
    markers: dict[Cell, str]
    contents: dict[Cell, bytes]
    requests: dict[Cell, str]
    delivered: set[Cell]


def sign_all(net, actions: list[tuple[str, str, dict]]) -> list[str]:
    """Submit many access actions in one batch, each with its private part delivered to the
    pair's collection first; every one must be valid. Their txids."""
    envelopes = []
    for org, action, args in actions:
        public, private = access_inputs(net.state(org), org, action, args)
        parts = [commit_part(p) for p in private]
        envelope = net.sign(org, access.NAMESPACE, action, public, private=[p.part for p in parts])
        payloads = [p.payload(envelope.txid) for p in parts]
        preview = net.preview(org, envelope, payloads)
        assert preview.valid, preview.reason
        if payloads:
            net.deliver(org, payloads, preview.members)
        envelopes.append(envelope)
    receipts = net.submit(envelopes, wait="final")
    assert all(r.valid for r in receipts), [r.reason for r in receipts if not r.valid]
    return [r.txid for r in receipts]


@pytest.fixture(scope="module")
def matrix(tmp_path_factory) -> Matrix:
    directory = tmp_path_factory.mktemp("matrix") / "net"
    create_network(directory, ORGANIZATIONS)
    with EmbeddedNetwork(directory) as net:
        file_entry(net, OWNER, {
            "entry_number": ENTRIES["filed"], "filed_with": "customs", "importer": OWNER,
            "imported_on": "2026-03-02", "entry_type": "01", "port_code": "2304", "entry_date": "2026-03-02",
            "importer_number": "12-345678900", "mode_of_transport": "30", "country_of_export": "MX",
            "lines": [{"line": 1, "description": "hot-rolled steel coil", "hts": "7208.51.0030", "origin": "MX",
                       "entered_value": "28500", "mid": "MXACENOR450MON", "melt_pour": "MX", "flags": ["agency"]}],
        })
        markers = {cell: f"MARKER-{os.urandom(16).hex()}" for cell in CELLS}
        contents = {cell: f"{cell.doc_type} of {OWNER} ({cell.id}) {markers[cell]}\n".encode() for cell in CELLS}

        commitments: dict[Cell, str] = {}
        for doc_type, entry in itertools.product(DOC_TYPES, ENTRIES):
            group = [c for c in CELLS if c.doc_type == doc_type and c.entry == entry]
            refs = {"entry": ENTRIES[entry], **({"issuer": "agency"} if doc_type == "permit" else {})}
            results = anchor_documents(net, OWNER, [(Path(c.id), contents[c]) for c in group], doc_type, refs)
            assert all(r.receipt.valid for r in results)
            commitments.update({c: r.commitment for c, r in zip(group, results, strict=True)})

        granted = [c for c in CELLS if c.state != "never"]
        expires_ms = now_ms() + EXPIRY_MS
        grant_ids = dict(zip(granted, sign_all(net, [
            (OWNER, "grant", {"grantee": c.requester, "commitment": commitments[c], "purpose": "matrix",
                              "expires_ms": expires_ms if c.state == "expired" else None})
            for c in granted
        ]), strict=True))
        requests = dict(zip(CELLS, sign_all(net, [
            (c.requester, "request", {"commitment": commitments[c], "purpose": "entry review"}) for c in CELLS
        ]), strict=True))
        sign_all(net, [(OWNER, "revoke", {"grant_id": grant_ids[c]}) for c in CELLS if c.state == "revoked"])
        assert now_ms() < expires_ms, "the set-up outlasted the expiring grants; raise EXPIRY_MS"
        time.sleep((expires_ms - now_ms()) / 1000 + 0.1)
        yield Matrix(net, markers, contents, requests, set())


def vault_bytes(net, organization: str) -> bytes:
    folder = net.layout.vault(organization)
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


@pytest.mark.parametrize("cell", CELLS, ids=[c.id for c in CELLS])
def test_delivery_happens_exactly_when_a_grant_or_rule_entitles_the_requester(matrix: Matrix, cell: Cell):
    net = matrix.net
    if entitled(cell):
        received = disclose(net, matrix.requests[cell])
        assert net.vault(cell.requester).get_document(received.document_sha256) == matrix.contents[cell]
        matrix.delivered.add(cell)
    else:
        with pytest.raises(AccessRefused):
            disclose(net, matrix.requests[cell])
        assert matrix.markers[cell].encode() not in vault_bytes(net, cell.requester)


def test_every_delivery_and_only_those_are_on_the_access_log(matrix: Matrix):
    records = access.access_records(matrix.net.state("customs"))
    by_request = {r.request: r for r in records}
    assert len(by_request) == len(records) == len(matrix.delivered)
    for cell in matrix.delivered:
        record = by_request[matrix.requests[cell]]
        assert record.requester == cell.requester and record.owner == OWNER
        assert record.doc_type == cell.doc_type and record.fields == ()
        assert (record.basis.grant is not None) == (cell.state == "granted")


def test_no_marker_is_anywhere_it_should_not_be(matrix: Matrix):
    assert matrix.delivered == {c for c in CELLS if entitled(c)}, "run the whole matrix before this scan"
    everything = set(matrix.markers.values())
    allowed_in_vault = {org: {matrix.markers[c] for c in matrix.delivered if c.requester == org} for org in REQUESTERS}
    allowed_in_vault[OWNER] = everything

    directory = matrix.net.layout.directory
    scanned, wal_files = [], 0
    for path in sorted(directory.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(directory).parts
        in_vault = len(relative) > 3 and relative[0] == "orgs" and relative[2] == "vault"
        allowed = allowed_in_vault[relative[1]] if in_vault else set()
        data = path.read_bytes()
        leaked = sorted(m for m in everything - allowed if m.encode() in data)
        assert not leaked, f"{'/'.join(relative)} holds {len(leaked)} markers it must not: {leaked[:3]}"
        scanned.append("/".join(relative))
        wal_files += path.name.endswith("-wal")

    assert "orderer/stream.db" in scanned
    assert all(f"orgs/{org.name}/ledger.db" in scanned for org in ORGANIZATIONS)
    assert wal_files >= len(ORGANIZATIONS), "the write-ahead logs should be scanned while the network is open"
    # The entitled vaults do hold what they were given: the scan looks where the bytes are.
    for cell in matrix.delivered:
        assert matrix.markers[cell].encode() in vault_bytes(matrix.net, cell.requester)
