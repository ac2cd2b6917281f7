"""The demo's documents steps: the importer anchors an entry's documents (they stay in its
vault; the bill of lading travels sealed to customs only), customs finds them by entry
number (public) or bill of lading (private) in its own copy of the ledger, and a proof
bundle for the invoice verifies offline, and fails for an altered invoice."""

from __future__ import annotations

import json

from rich.table import Table

from tradeledger.cli.demo_scenario import BILL_OF_LADING, DOCUMENTS, ENTRY_NUMBER, DemoRun
from tradeledger.ledger.bundle import ProofBundle, verify_bundle
from tradeledger.workflows.documents import anchor_documents, find_by_reference, prove_document


def write_importer_files(demo: DemoRun) -> None:
    """The scenario's documents as the importer's JSON files, beside the network."""
    files_dir = demo.directory / "importer-files"
    files_dir.mkdir(parents=True)
    for doc_type, body in DOCUMENTS.items():
        path = files_dir / f"{doc_type}.json"
        path.write_text(json.dumps(body, indent=2) + "\n")
        demo.files[doc_type] = path


def anchor_step(demo: DemoRun) -> None:
    demo.say(f"\n[bold]2. The importer anchors entry {ENTRY_NUMBER}'s documents[/bold]: "
             "only salted commitments enter the ledger; the files stay in its vault")
    table = Table("document", "leaf", "block", "status", "commitment")
    for doc_type, path in demo.files.items():
        # The entry number is public; the bill of lading is trade data: it goes sealed to the
        # importer and customs (the entry's members once it is filed), and no one else.
        [result] = anchor_documents(demo.net, "importer", [(path, path.read_bytes())], doc_type,
                                    {"entry": ENTRY_NUMBER, "bol": BILL_OF_LADING}, structured=True,
                                    share_with=["customs"])
        demo.commitments[doc_type] = result.commitment
        r = result.receipt
        table.add_row(doc_type, str(r.leaf_index), str(r.height), r.status, result.commitment[:20] + "…")
    demo.say(table)


def lookup_step(demo: DemoRun) -> None:
    demo.say(f"\n[bold]3. Customs looks up entry {ENTRY_NUMBER}[/bold] in its own copy of the ledger")
    for document in find_by_reference(demo.net, "customs", "entry", ENTRY_NUMBER):
        demo.say(f"  leaf {document.leaf_index}: {document.doc_type} anchored by {document.owner}")
    by_bol = find_by_reference(demo.net, "customs", "bol", BILL_OF_LADING)
    elsewhere = find_by_reference(demo.net, "exporter", "bol", BILL_OF_LADING)
    demo.say(f"  by bill of lading, a private reference: customs finds {len(by_bol)} documents; "
             f"the exporter, not a member, finds {len(elsewhere)} and holds no trace of it")


def proof_step(demo: DemoRun) -> None:
    say = demo.say
    say("\n[bold]4. A proof bundle for the invoice[/bold], verified offline with no node")
    invoice = demo.files["commercial_invoice"]
    bundle = prove_document(demo.net, invoice.read_bytes(), "importer")
    bundle_path = demo.directory / "commercial_invoice.proof.json"
    bundle_path.write_text(json.dumps(bundle.to_dict(), indent=2) + "\n")
    loaded = ProofBundle.from_dict(json.loads(bundle_path.read_text()))
    good = verify_bundle(loaded, invoice.read_bytes())
    say(f"  {bundle_path.name}: valid={good.ok}, leaf {good.details['leaf_index']} of "
        f"{good.details['tree_size']}, cosigned by {', '.join(good.details['witnesses'])}")
    altered = invoice.read_bytes().replace(b"28500.00", b"2850.00")
    bad = verify_bundle(loaded, altered)
    say(f"  the same bundle with an altered invoice (28500.00 -> 2850.00): valid={bad.ok}: {bad.reason}")
    say(f"  by hand: tradeledger verify {invoice} {bundle_path}")
