"""The shared demo network of the CLI tests: what it holds and how it is built (through the CLI)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _cli_helpers import assert_ok, json_lines, tl
from typer.testing import Result

ENTRY = "B76-0324527-8"
OTHER_ENTRY = "B76-0000001-1"
BILL_OF_LADING = "MAEU240551873"

DOCUMENTS = {
    # name: (organization, doc type, content)
    "invoice": ("importer", "entry_document",
                {"invoiceNumber": "INV-1000288", "totalPaymentDue": {"price": "28500.00", "priceCurrency": "USD"}}),
    "packing_list": ("importer", "entry_document", {"packingListNumber": "PL-55810", "numberOfPackages": "40"}),
    "certificate": ("exporter", "certificate_of_origin", {"certificateNumber": "CO-7781", "origin": "MX"}),
    "release": ("customs", "release_notice", {"entry": ENTRY, "status": "released"}),
    "permit": ("agency", "import_permit", {"permit": "FDA-0042"}),
    "filing": ("broker", "entry_filing", {"filer": "Harbor", "entry": OTHER_ENTRY}),
}


@dataclass
class SharedNetwork:
    root: Path
    net: Path
    files: dict[str, Path]
    anchors: dict[str, dict[str, Any]]  # file name -> the JSON line `anchor` printed
    init_result: Result
    multi_anchor_result: Result  # `anchor invoice packing_list` (two files, one command)
    bundle: Path  # proof bundle of the invoice
    proof_result: Result


def build_shared_network(root: Path) -> SharedNetwork:
    net = root / "net"
    init_result = tl("init", "--dir", net)
    assert_ok(init_result)

    files_dir = root / "files"
    files_dir.mkdir()
    files = {}
    for name, (_org, _type, body) in DOCUMENTS.items():
        path = files_dir / f"{name}.json"
        path.write_text(json.dumps(body, indent=2) + "\n")
        files[name] = path

    anchors: dict[str, dict[str, Any]] = {}
    multi = tl("anchor", files["invoice"], files["packing_list"], "--dir", net, "--as", "importer",
               "--type", DOCUMENTS["invoice"][1], "--ref", f"entry={ENTRY}", "--ref", f"bol={BILL_OF_LADING}")
    assert_ok(multi)
    for line in json_lines(multi.stdout):
        anchors[Path(line["file"]).stem] = line
    for name in ("certificate", "release", "permit", "filing"):
        org, doc_type, _body = DOCUMENTS[name]
        entry = OTHER_ENTRY if name == "filing" else ENTRY
        result = tl("anchor", files[name], "--dir", net, "--as", org, "--type", doc_type, "--ref", f"entry={entry}")
        assert_ok(result)
        [line] = json_lines(result.stdout)
        anchors[name] = line

    bundle = root / "invoice.proof.json"
    proof_result = tl("proof", files["invoice"], "--dir", net, "-o", bundle)
    assert_ok(proof_result)
    return SharedNetwork(root, net, files, anchors, init_result, multi, bundle, proof_result)
