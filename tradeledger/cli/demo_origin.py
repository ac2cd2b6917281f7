"""The demo's origin step: two USMCA imports from Mexico, one eligible and one denied.

`origin_demo_step(net, say)` runs on the demo network (customs, importer, exporter,
agency, broker). In each scenario the exporter, which also produced the goods, certifies
origin as a verifiable credential; the importer files an entry claiming SPI S; customs
opens a verification, asks for the certification (the exporter approves) and the
exporter answers with its bill of materials, disclosed to customs alone; the origin
engine decides. The verification is private to its parties (customs, the importer, the
exporter and the agency the line is flagged for): they hold the determination, and the
ledger shows everyone else only that a verification of the line exists and where it
stands. The broker, which filed nothing here, holds none of it.

The goods and figures are the worked cases of shared/domain/origin-cases: an electric
motor whose RVC is 65% (tv-pass) and a pump whose RVC is 55% by transaction value and
47.06% by net cost, short of 60% and 50% (nc-fail).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tradeledger.domain.entry_number import complete_entry_number
from tradeledger.domain.origin.certification import CertificationOfOrigin
from tradeledger.node import EmbeddedNetwork
from tradeledger.workflows import origin as flows
from tradeledger.workflows.disclosure import AccessRefused, approve
from tradeledger.workflows.documents import anchor_documents
from tradeledger.workflows.entries import file_entry

# The worked cases, as the producer's bills of materials (shared/domain/origin-cases).
MOTOR_CASE: dict[str, Any] = {
    "agreement": "USMCA",
    "good": {"description": "electric motor", "hs": "8501.10", "transaction_value": "100.00"},
    "materials": [
        {"description": "steel screws", "hs": "7318.15", "value": "35.00", "originating": False},
        {"description": "motor housing", "hs": "8501.10", "value": "20.00", "originating": True},
    ],
    "rule": {"alternatives": [{"tariff_shift": "CTH", "rvc": {"transaction_value": "60"}}]},
}
PUMP_CASE: dict[str, Any] = {
    "agreement": "USMCA",
    "good": {"description": "pump", "hs": "8413.70", "transaction_value": "100.00", "net_cost": "85.00"},
    "materials": [{"description": "pump casing", "hs": "7326.90", "value": "45.00", "originating": False}],
    "rule": {"alternatives": [{"rvc": {"transaction_value": "60", "net_cost": "50"}}]},
}

EXPORTER = {"name": "Aceros del Norte S.A. de C.V.", "street": "Av. Industrial 450", "city": "Monterrey",
            "country": "MX", "email": "export@acerosdelnorte.example", "phone": "+52 81 5555 0100"}
IMPORTER = {"name": "Northwind Imports LLC", "street": "1200 Harbor Blvd", "city": "Laredo", "country": "US",
            "email": "trade@northwind.example", "phone": "+1 956 555 0142"}
SIGNATORY = {"name": "Ana Ruiz", "title": "Export Compliance Manager", "email": "ana.ruiz@acerosdelnorte.example",
             "phone": "+52 81 5555 0101"}


def certification(description: str, hs: str, today: datetime.date) -> CertificationOfOrigin:
    """The exporter's blanket certification for this calendar year."""
    return CertificationOfOrigin.from_dict({
        "agreement": "USMCA", "certifier_role": "exporter", "certifier": EXPORTER, "signatory": SIGNATORY,
        "exporter": EXPORTER, "producer": EXPORTER, "importer": IMPORTER,
        "goods": [{"description": description, "hs": hs, "criterion": "B", "country_of_origin": "MX"}],
        "blanket_period": {"from": f"{today.year}-01-01", "to": f"{today.year}-12-31"},
        "certified_on": f"{today.year}-01-01",
    })


def entry_summary(number: str, today: datetime.date, description: str, hts: str, value: str,
                  certification_commitment: str, invoice_commitment: str) -> dict[str, Any]:
    return {
        "entry_number": number, "filed_with": "customs", "importer": "importer", "entry_type": "01",
        "port_code": "2304", "entry_date": today.isoformat(), "imported_on": today.isoformat(),
        "importer_number": "12-345678900", "mode_of_transport": "30", "country_of_export": "MX",
        "bill_of_lading": f"TFMX{number[4:11]}",
        "lines": [{"line": 1, "description": description, "hts": hts, "origin": "MX", "entered_value": value,
                   "mid": "MXACEDEL450MON", "spi": "S", "certification": certification_commitment,
                   "flags": ["agency"]}],
        "documents": [{"doc_type": "commercial_invoice", "commitment": invoice_commitment},
                      {"doc_type": "certification_of_origin", "commitment": certification_commitment}],
    }


def _scenario(net: EmbeddedNetwork, say: Callable[..., Any], number: str, description: str, hts: str,
              value: str, case: dict[str, Any]) -> str:
    today = datetime.datetime.now(datetime.UTC).date()
    issued = flows.certify(net, "exporter", certification(description, hts[:7], today), importer="importer")
    say(f"  the exporter certifies USMCA origin of {description}s (HS {hts[:7]}, criterion B) for {today.year} "
        f"as a verifiable credential; anchored {issued.commitment[:12]}… with its terms "
        f"{json.dumps({k: v for k, v in issued.refs.items() if k != 'credential'})}")
    invoice = json.dumps({"invoiceNumber": f"INV-{number[4:11]}", "total": value, "currency": "USD"}).encode()
    [anchored] = anchor_documents(net, "importer", [(Path("invoice.json"), invoice)], "commercial_invoice",
                                  {"entry": number})
    file_entry(net, "importer",
               entry_summary(number, today, description, hts, value, issued.commitment, anchored.commitment))
    claim = flows.filed_claim(net, "importer", number, 1)
    say(f"  the importer files entry {number}: line 1, HTS {hts}, US${value}, SPI S; the ledger judges the "
        f"claim against the certification's terms: {claim.status if claim else 'no claim'}")
    verification_id = flows.open_verification(net, "customs", number, 1, "verification of a USMCA claim")
    made = flows.request_records(net, "customs", verification_id)
    say(f"  customs opens verification {verification_id} and asks for "
        + ", ".join(f"the {r.doc_type.replace('_', ' ')} ({r.owner}: {r.status})" for r in made))
    for request_id in flows.pending_requests(net, "exporter", verification_id):
        approve(net, "exporter", request_id)
    flows.answer_verification(net, "exporter", verification_id, case)
    say("  the exporter approves and answers with its bill of materials, granted to customs and no one else")
    determination = flows.determine_origin(net, "customs", verification_id).determination
    say(f"  customs verifies the credential and runs the origin engine: [bold]{determination.outcome}[/bold]")
    for reason in determination.reasons:
        if reason.startswith(("Denied", "Eligible", "Rule: regional", "The good")):
            say(f"    {reason}")
    status = flows.verification(net, "customs", verification_id)
    say(f"  public: verification {status.id} of line {status.line} is {status.status}, parties "
        f"{', '.join(status.members)}; the case and its determination are private to them")
    seen = []
    for organization in ("importer", "exporter", "agency", "broker"):
        try:
            flows.read_determination(net, organization, verification_id)
            seen.append(f"{organization} reads it")
        except AccessRefused:
            seen.append(f"{organization} holds none of it")
    say(f"  {'; '.join(seen)}")
    return determination.outcome


def origin_demo_step(net: EmbeddedNetwork, say: Callable[..., Any]) -> None:
    """Both scenarios, narrated with `say` (a rich console's print)."""
    say("[bold]a. An electric motor from Mexico: the claim stands[/bold]")
    _scenario(net, say, str(complete_entry_number("NWI-0000101")), "electric motor", "8501.10.4020", "28500",
              MOTOR_CASE)
    say("[bold]b. A pump from Mexico: regional value content short, the claim is denied[/bold]")
    _scenario(net, say, str(complete_entry_number("NWI-0000102")), "pump", "8413.70.2004", "41200", PUMP_CASE)
    say("  by hand: tradeledger origin certify --importer ORG | entry file | origin verify-open | verify-request | "
        "verify-answer | determine | determination")
