"""The demo's audit steps: every peer replays every envelope and re-checks every
signature; then a copy of the network whose broker store was edited by hand is caught."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from tradeledger.cli.demo_scenario import DemoRun, Say
from tradeledger.contracts import documents
from tradeledger.ledger.keys import key_prefix
from tradeledger.node import EmbeddedNetwork, NetworkError
from tradeledger.node.audit import audit_network


def audit_step(demo: DemoRun) -> None:
    demo.say("\n[bold]12. Audit[/bold]: every peer replays every envelope and re-checks every signature")
    reports, disagreements = audit_network(demo.net)
    for report in reports:
        demo.say(f"  {report.organization}: {'intact' if report.ok else 'BROKEN'} ({report.blocks} blocks, "
                 f"{report.transactions} envelopes, {report.signatures_checked} checkpoint signatures)")
    if disagreements or not all(r.ok for r in reports):
        raise NetworkError("the demo network failed its own audit")


def tampering_step(directory: Path, network: Path, say: Say) -> None:
    """Edit the anchored documents in a copy of the broker's store, as an insider with
    database access could, and let the audit find it."""
    say("\n[bold]13. Tampering is caught[/bold]: a copy of the network where someone edits the broker's store")
    tampered = directory / "tampered-copy"
    shutil.copytree(network, tampered)
    (tampered / ".lock").unlink(missing_ok=True)
    with sqlite3.connect(tampered / "orgs" / "broker" / "ledger.db") as db:
        db.execute("UPDATE state SET value = replace(value, 'commercial_invoice', 'packing_list') "
                   "WHERE ns = ? AND key LIKE ?", (documents.NAMESPACE, key_prefix("document") + "%"))
    with EmbeddedNetwork(tampered) as copy:
        reports, _ = audit_network(copy)
    for report in reports:
        if not report.ok:
            say(f"  {report.organization}: BROKEN: {report.problems[0]}")
