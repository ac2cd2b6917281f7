"""What the demo's steps share: the scenario (one steel entry from Mexico and its
documents), the network they run on, and how each step tells what happened."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tradeledger.ledger.authority import utc_text
from tradeledger.node import EmbeddedNetwork
from tradeledger.runtime.clock import now_ms
from tradeledger.workflows import entries as workflows_entries

ENTRY_NUMBER = "B76-0324527-8"  # CBP's worked example of an entry number (CATAIR App. E)
BILL_OF_LADING = "MAEU240551873"
ACEROS_MID = "MXACEDEL1500MON"  # Aceros del Norte, Av. Industrial 1500, Monterrey (19 CFR 102 App.)

DOCUMENTS: dict[str, dict[str, Any]] = {
    "commercial_invoice": {
        "type": ["Invoice"], "invoiceNumber": "INV-1000288", "purchaseOrderNumbers": ["PO992765413"],
        "seller": {"type": ["Organization"], "name": "Aceros del Norte S.A. de C.V.", "addressCountry": "MX"},
        "buyer": {"type": ["Organization"], "name": "Northwind Imports LLC", "addressCountry": "US"},
        "portOfEntry": {"type": ["Place"], "unLocode": "USLRD"},
        "invoiceLineItems": [{
            "type": ["TradeLineItem"],
            "product": {"type": ["Product"], "sku": "HR-COIL-2MM", "description": "Hot-rolled steel coil, 2 mm"},
            "itemCount": "40",
            "unitPrice": {"type": ["PriceSpecification"], "price": "712.50", "priceCurrency": "USD"},
        }],
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

Say = Callable[..., Any]


@dataclass
class DemoRun:
    """One walk through the demo: the network, where it prints, its folder, and what
    earlier steps left for later ones (the importer's files and their commitments)."""

    net: EmbeddedNetwork
    say: Say
    directory: Path
    files: dict[str, Path] = field(default_factory=dict)
    commitments: dict[str, str] = field(default_factory=dict)


def file_entry(net: EmbeddedNetwork) -> str:
    """The importer files the scenario's entry with customs; says so in one line."""
    today = utc_text(now_ms())[:10]
    filed = workflows_entries.file_entry(net, "importer", {
        "entry_number": ENTRY_NUMBER, "filed_with": "customs", "importer": "importer", "entry_type": "01",
        "port_code": "2304", "entry_date": today, "imported_on": today, "importer_number": "12-345678900",
        "mode_of_transport": "30", "country_of_export": "MX", "bill_of_lading": BILL_OF_LADING,
        "lines": [{"line": 1, "description": "Hot-rolled steel coil, 2 mm", "hts": "7208.51.0030",
                   "origin": "MX", "entered_value": "28500.00", "mid": ACEROS_MID, "melt_pour": "MX"}]})
    return (f"the importer files entry {ENTRY_NUMBER} with customs "
            f"(leaf {filed.receipt.leaf_index}, {filed.receipt.status})")
