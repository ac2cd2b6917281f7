"""The demo's access steps: documents stay home. Customs sees only the invoice fields the
importer granted, a denied request delivers nothing, a request no rule covers waits for
the owner; once the entry is filed the genesis rules approve customs at once, and every
access is on the ledger, private to the owner, the requester and customs."""

from __future__ import annotations

import json

from tradeledger.cli.demo_scenario import ENTRY_NUMBER, DemoRun
from tradeledger.ledger.authority import utc_text
from tradeledger.runtime.clock import now_ms
from tradeledger.workflows import disclosure
from tradeledger.workflows.disclosure import AccessRefused

GRANT_DAYS = 30


def who_sees_what_step(demo: DemoRun) -> None:
    net, say = demo.net, demo.say
    say("\n[bold]5. Documents stay home[/bold]: customs sees only what the importer granted, "
        "and every access is on the ledger")
    invoice = demo.commitments["commercial_invoice"]
    granted = ["buyer", "invoiceNumber", "seller", "totalPaymentDue"]
    disclosure.grant(net, "importer", "customs", "valuation review of entry " + ENTRY_NUMBER, commitment=invoice,
                     fields=granted, expires_ms=now_ms() + GRANT_DAYS * 86_400_000)
    say(f"  the importer grants customs the invoice fields {', '.join(granted)} for {GRANT_DAYS} days")
    asked = disclosure.request(net, "customs", invoice, "valuation review", ["invoiceNumber", "totalPaymentDue"])
    received = disclosure.disclose(net, asked.request_id)
    say(f"  customs requests invoiceNumber and totalPaymentDue: approved by the grant; delivered and "
        f"checked against the commitment: {json.dumps(received.fields, sort_keys=True)}")
    prices = disclosure.request(net, "customs", invoice, "unit price review", ["invoiceLineItems"])
    disclosure.deny(net, "importer", prices.request_id, "unit prices are a trade secret; see the totals")
    try:
        disclosure.disclose(net, prices.request_id)
    except AccessRefused as refused:
        say(f"  customs asks for the line items (unit prices): the importer denies; delivery refused: {refused}")
    early = disclosure.request(net, "customs", demo.commitments["packing_list"], "cargo examination")
    say(f"  customs asks for the packing list before entry {ENTRY_NUMBER} is filed: no rule covers it yet, "
        f"the request waits for the importer: {early.status}")


def after_filing_step(demo: DemoRun) -> None:
    net, say = demo.net, demo.say
    say(f"\n[bold]7. Once entry {ENTRY_NUMBER} is filed with customs[/bold], the genesis rules apply")
    packing = demo.commitments["packing_list"]
    asked = disclosure.request(net, "customs", packing, "cargo examination")
    received = disclosure.disclose(net, asked.request_id)
    say(f"  customs asks again for the packing list: \"customs sees the supporting documents of entries filed "
        f"with it\" approves at once: {asked.status}; {len(received.fields or {})} fields delivered")
    agency = disclosure.request(net, "agency", packing, "food safety screening")
    say(f"  the agency asks for it too: no line of the entry is flagged for the agency, so the request "
        f"waits for the importer: {agency.status}")
    say("  the access log, from the ledger:")
    for record in disclosure.access_log(net, "customs"):
        basis = record.basis
        why = f"grant {basis.grant[:12]}…" if basis.grant else f"rule {basis.relation}"
        say(f"    {utc_text(record.at_ms)}  {record.requester} saw {record.doc_type} "
            f"fields {list(record.fields) or 'all'} ({why}; purpose: {record.purpose})")
    try:
        disclosure.visible_request(net, "exporter", asked.request_id)
    except AccessRefused as private:
        say(f"  the exporter holds {len(disclosure.access_log(net, 'exporter'))} of these records and no purpose: "
            f"{private}")
    say("  by hand: tradeledger access-log --dir DIR [--as ORG]; tradeledger proof FILE --fields a,b -o B.json")
