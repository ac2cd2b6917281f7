"""`tradeledger demo`: a short, readable walk through the embedded ledger.

An importer anchors an entry's supporting documents (they stay in its vault); customs
finds them by entry number; anyone verifies a proof bundle offline; customs sees only the
invoice fields it was granted, and every access is on the ledger; the registry admits
and revokes a member key; replayed and backdated envelopes are refused; the audit
re-verifies everything and catches a tampered copy. Later capabilities add their steps.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from tradeledger.cli.demo_identity import identity_demo_step
from tradeledger.cli.demo_ipr import ipr_demo_step
from tradeledger.cli.demo_origin import origin_demo_step
from tradeledger.contracts import access, documents, entries
from tradeledger.crypto import KeyPair
from tradeledger.ledger.authority import utc_text
from tradeledger.ledger.bundle import ProofBundle, verify_bundle
from tradeledger.ledger.envelope import sign_envelope
from tradeledger.ledger.genesis import load_genesis
from tradeledger.node import DEMO_ORGANIZATIONS, EmbeddedNetwork, NetworkError, create_network
from tradeledger.node.audit import audit_network
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.setup import OrgPlan
from tradeledger.workflows.disclosure import AccessRefused, disclose
from tradeledger.workflows.documents import anchor_documents, prove_document

ENTRY_NUMBER = "B76-0324527-8"  # CBP's worked example of an entry number (CATAIR App. E)
BILL_OF_LADING = "MAEU240551873"
ACEROS_MID = "MXACEDEL1500MON"  # Aceros del Norte, Av. Industrial 1500, Monterrey (19 CFR 102 App.)

DOCUMENTS = {
    "commercial_invoice": {
        "type": ["Invoice"], "invoiceNumber": "INV-1000288", "purchaseOrderNumbers": ["PO992765413"],
        "seller": {"type": ["Organization"], "name": "Aceros del Norte S.A. de C.V.", "addressCountry": "MX"},
        "buyer": {"type": ["Organization"], "name": "Northwind Imports LLC", "addressCountry": "US"},
        "portOfEntry": {"type": ["Place"], "unLocode": "USLRD"},
        "invoiceLineItems": [{"type": ["TradeLineItem"], "product": {"type": ["Product"], "sku": "HR-COIL-2MM",
                              "description": "Hot-rolled steel coil, 2 mm"}, "itemCount": "40",
                              "unitPrice": {"type": ["PriceSpecification"], "price": "712.50", "priceCurrency": "USD"}}],
        "totalPaymentDue": {"type": ["PriceSpecification"], "price": "28500.00", "priceCurrency": "USD"},
    },
    "packing_list": {
        "type": ["PackingList"], "packingListNumber": "PL-55810", "numberOfPackages": "40",
        "grossWeight": {"value": "98200", "unitCode": "KGM"},
    },
    "bill_of_lading": {
        "type": ["BillOfLading"], "billOfLadingNumber": BILL_OF_LADING, "portOfLoading": "MXMTY",
        "portOfDischarge": "USLRD", "carrier": "Transportes Fronterizos",
    },
}


def _fresh_directory(directory: Path) -> None:
    if not directory.exists():
        return
    genesis = directory / "network" / "genesis.json"
    if genesis.exists():
        try:
            previous = load_genesis(genesis)
        except ValueError:
            previous = None
        if previous is not None and previous.name == "demo":
            shutil.rmtree(directory)
            return
    if any(directory.iterdir()):
        raise NetworkError(f"{directory} exists and is not a previous demo network; pass --dir NEW_FOLDER")


def run_demo(directory: Path, console: Console) -> None:
    _fresh_directory(directory)
    say = console.print
    say(Panel.fit("tradeledger demo: one shared, tamper-evident ledger for customs and the trade",
                  style="bold"))

    organizations = DEMO_ORGANIZATIONS + (OrgPlan("brand", "rights_holder", "Acme Outdoor Inc."),)
    say(f"\n[bold]1. A network of {len(organizations)} organizations[/bold], each with its own node, keys and vault")
    genesis = create_network(directory / "network", organizations, name="demo")
    table = Table("--as", "role", "organization")
    for org in genesis.organizations:
        table.add_row(org.name, org.role, org.display_name)
    say(table)
    others = len(organizations) - 1
    say(f"Checkpoint quorum (C2SP tlog-policy): customs and {others // 2 + 1} of the {others} other organizations.")

    files_dir = directory / "importer-files"
    files_dir.mkdir(parents=True)
    paths = {}
    for doc_type, body in DOCUMENTS.items():
        path = files_dir / f"{doc_type}.json"
        path.write_text(json.dumps(body, indent=2) + "\n")
        paths[doc_type] = path

    with EmbeddedNetwork(directory / "network") as net:
        say(f"\n[bold]2. The importer anchors entry {ENTRY_NUMBER}'s documents[/bold]: "
            "only salted commitments enter the ledger; the files stay in its vault")
        table = Table("document", "leaf", "block", "status", "commitment")
        commitments: dict[str, str] = {}
        for doc_type, path in paths.items():
            [result] = anchor_documents(net, "importer", [(path, path.read_bytes())], doc_type,
                                        {"entry": ENTRY_NUMBER, "bol": BILL_OF_LADING}, structured=True)
            commitments[doc_type] = result.commitment
            r = result.receipt
            table.add_row(doc_type, str(r["leaf_index"]), str(r["height"]), r["status"], result.commitment[:20] + "…")
        say(table)

        say(f"\n[bold]3. Customs looks up entry {ENTRY_NUMBER}[/bold] in its own copy of the ledger")
        for record in documents.find_by_reference(net.peer("customs").store, "entry", ENTRY_NUMBER):
            say(f"  leaf {record['leaf_index']}: {record['doc_type']} anchored by {record['owner']}")

        say("\n[bold]4. A proof bundle for the invoice[/bold], verified offline with no node")
        invoice = paths["commercial_invoice"]
        bundle = prove_document(net, invoice.read_bytes(), "importer")
        bundle_path = directory / "commercial_invoice.proof.json"
        bundle_path.write_text(json.dumps(bundle.to_dict(), indent=2) + "\n")
        loaded = ProofBundle.from_dict(json.loads(bundle_path.read_text()))
        good = verify_bundle(loaded, invoice.read_bytes())
        say(f"  {bundle_path.name}: valid={good.ok}, leaf {good.details['leaf_index']} of "
            f"{good.details['tree_size']}, cosigned by {', '.join(good.details['witnesses'])}")
        altered = invoice.read_bytes().replace(b"28500.00", b"2850.00")
        bad = verify_bundle(loaded, altered)
        say(f"  the same bundle with an altered invoice (28500.00 -> 2850.00): valid={bad.ok}: {bad.reason}")
        say(f"  by hand: tradeledger verify {invoice} {bundle_path}")

        _who_sees_what(net, commitments, say)
        say("\n[bold]6. Identity[/bold]: an importer-of-record credential (W3C VC 2.0, eddsa-jcs-2022), "
            "checked before the entry is filed")
        identity_demo_step(net, say, directory, file_entry=lambda: _file_entry(net))
        _after_filing(net, commitments, say)

        say("\n[bold]8. Intellectual property[/bold]: a license chain checked at the border, as of each date")
        ipr_demo_step(net, say)

        say("\n[bold]9. Free trade agreement origin[/bold] (USMCA): certify, file with S, verify, determine")
        origin_demo_step(net, say)

        say("\n[bold]10. The registry[/bold]: the importer admits a member key, then revokes it")
        clerk = KeyPair.generate()
        receipts = net.submit([net.sign("importer", "registry", "admit_member",
                                        {"organization": "importer", "member": "clerk", "key": clerk.did})])
        say(f"  admit_member clerk: valid={receipts[0].valid}")
        clerk_anchor = sign_envelope(clerk, network=net.genesis.network_id, contract="documents", action="anchor",
                                     args={"doc_type": "arrival_notice", "refs": {"entry": ENTRY_NUMBER}},
                                     commitments=["ab" * 32], created_ms=now_ms())
        say(f"  the clerk anchors a notice: valid={net.submit([clerk_anchor])[0].valid}")
        net.submit([net.sign("importer", "registry", "revoke_key", {"key": clerk.did, "reason": "left the company"})])
        late = sign_envelope(clerk, network=net.genesis.network_id, contract="documents", action="anchor",
                             args={"doc_type": "arrival_notice", "refs": {}}, commitments=["cd" * 32],
                             created_ms=now_ms())
        refused = net.submit([late])[0]
        say(f"  after revocation the clerk's key is refused: valid={refused.valid}: {refused.reason}")

        say("\n[bold]11. Replayed and backdated envelopes are kept as evidence and refused[/bold]")
        replay = net.submit([clerk_anchor])[0]
        say(f"  replay: valid={replay.valid}: {replay.reason}")
        old = net.sign("exporter", "documents", "anchor", {"doc_type": "certificate_of_origin", "refs": {}},
                       ["ef" * 32], created_ms=now_ms() - 3_600_000)
        backdated = net.submit([old])[0]
        say(f"  backdated by an hour: valid={backdated.valid}: {backdated.reason}")

        say("\n[bold]12. Audit[/bold]: every peer replays every envelope and re-checks every signature")
        reports, disagreements = audit_network(net)
        for report in reports:
            say(f"  {report.organization}: {'intact' if report.ok else 'BROKEN'} ({report.blocks} blocks, "
                f"{report.transactions} envelopes, {report.signatures_checked} checkpoint signatures)")
        if disagreements or not all(r.ok for r in reports):
            raise NetworkError("the demo network failed its own audit")

    say("\n[bold]13. Tampering is caught[/bold]: a copy of the network where someone edits the broker's store")
    tampered = directory / "tampered-copy"
    shutil.copytree(directory / "network", tampered)
    (tampered / ".lock").unlink(missing_ok=True)
    with sqlite3.connect(tampered / "orgs" / "broker" / "ledger.db") as db:
        db.execute("UPDATE state SET value = replace(value, 'commercial_invoice', 'packing_list') "
                   "WHERE ns = 'documents' AND key LIKE 'c:%'")
    with EmbeddedNetwork(tampered) as copy:
        reports, _ = audit_network(copy)
    for report in reports:
        if not report.ok:
            say(f"  {report.organization}: BROKEN: {report.problems[0]}")
    say(f"\n[green]Done.[/green] The network lives in {directory / 'network'}; try "
        f"`tradeledger log --dir {directory / 'network'}`.")


def _who_sees_what(net: EmbeddedNetwork, commitments: dict[str, str], say) -> None:
    say("\n[bold]5. Documents stay home[/bold]: customs sees only what the importer granted, "
        "and every access is on the ledger")
    invoice = commitments["commercial_invoice"]
    granted = ["buyer", "invoiceNumber", "seller", "totalPaymentDue"]
    net.submit_checked("importer", access.NAMESPACE, "grant", {
        "grantee": "customs", "commitment": invoice, "fields": granted,
        "purpose": "valuation review of entry " + ENTRY_NUMBER, "expires_ms": now_ms() + 30 * 86_400_000})
    say(f"  the importer grants customs the invoice fields {', '.join(granted)} for 30 days")
    request = net.submit_checked("customs", access.NAMESPACE, "request", {
        "commitment": invoice, "fields": ["invoiceNumber", "totalPaymentDue"], "purpose": "valuation review"})
    received = disclose(net, request.txid)
    say(f"  customs requests invoiceNumber and totalPaymentDue: approved by the grant; delivered and "
        f"checked against the commitment: {json.dumps(received.fields, sort_keys=True)}")
    prices = net.submit_checked("customs", access.NAMESPACE, "request", {
        "commitment": invoice, "fields": ["invoiceLineItems"], "purpose": "unit price review"})
    net.submit_checked("importer", access.NAMESPACE, "deny", {
        "request_id": prices.txid, "reason": "unit prices are a trade secret; see the totals"})
    try:
        disclose(net, prices.txid)
    except AccessRefused as refused:
        say(f"  customs asks for the line items (unit prices): the importer denies; delivery refused: {refused}")
    packing = commitments["packing_list"]
    early = net.submit_checked("customs", access.NAMESPACE, "request", {
        "commitment": packing, "purpose": "cargo examination"})
    say(f"  customs asks for the packing list before entry {ENTRY_NUMBER} is filed: no rule covers it yet, "
        f"the request waits for the importer: {_status(net, early.txid)}")


def _after_filing(net: EmbeddedNetwork, commitments: dict[str, str], say) -> None:
    say(f"\n[bold]7. Once entry {ENTRY_NUMBER} is filed with customs[/bold], the genesis rules apply")
    packing = commitments["packing_list"]
    asked = net.submit_checked("customs", access.NAMESPACE, "request", {
        "commitment": packing, "purpose": "cargo examination"})
    received = disclose(net, asked.txid)
    say(f"  customs asks again for the packing list: \"customs sees the supporting documents of entries filed "
        f"with it\" approves at once: {_status(net, asked.txid)}; {len(received.fields or {})} fields delivered")
    agency = net.submit_checked("agency", access.NAMESPACE, "request", {
        "commitment": packing, "purpose": "food safety screening"})
    say(f"  the agency asks for it too: no line of the entry is flagged for the agency, so the request "
        f"waits for the importer: {_status(net, agency.txid)}")
    say("  the access log, from the ledger:")
    for record in access.access_records(net.peer("customs").store):
        basis = record["basis"]
        why = f"grant {basis['grant'][:12]}…" if "grant" in basis else f"rule {basis.get('relation')}"
        say(f"    {utc_text(record['at_ms'])}  {record['requester']} saw {record['doc_type']} "
            f"fields {record['fields'] or 'all'} ({why}; purpose: {record['purpose']})")
    say("  by hand: tradeledger access-log --dir DIR; tradeledger proof FILE --fields a,b -o B.json")


def _file_entry(net: EmbeddedNetwork) -> str:
    today = utc_text(now_ms())[:10]
    receipt = net.submit_checked("importer", entries.NAMESPACE, "file", {
        "entry_number": ENTRY_NUMBER, "filed_with": "customs", "importer": "importer", "entry_type": "01",
        "port_code": "2304", "entry_date": today, "imported_on": today, "importer_number": "12-345678900",
        "mode_of_transport": "30", "country_of_export": "MX", "bill_of_lading": BILL_OF_LADING,
        "lines": [{"line": 1, "description": "Hot-rolled steel coil, 2 mm", "hts": "7208.51.0030",
                   "origin": "MX", "entered_value": "28500.00", "mid": ACEROS_MID, "melt_pour": "MX"}]})
    return f"the importer files entry {ENTRY_NUMBER} with customs (leaf {receipt.leaf_index}, {receipt.status})"


def _status(net: EmbeddedNetwork, request_id: str) -> str:
    record = access.find_request(net.reader.store, request_id)
    return record["status"] if record else "unknown"
