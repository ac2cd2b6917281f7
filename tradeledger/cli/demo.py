"""`tradeledger demo`: a short, readable walk through the embedded ledger, step by step.

An importer anchors an entry's supporting documents (they stay in its vault); customs
finds them by entry number; anyone verifies a proof bundle offline; customs sees only the
invoice fields it was granted, and every access is on the ledger; an importer-of-record
credential is checked before the entry is filed; a license chain, an origin claim; the
registry admits and revokes a member key; replayed and backdated envelopes are refused;
the audit re-verifies everything and catches a tampered copy.

Each capability's steps live in its own module (`demo_<capability>.py`); this one is
their order. Later capabilities add their steps here.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.panel import Panel

from tradeledger.cli.demo_access import after_filing_step, who_sees_what_step
from tradeledger.cli.demo_audit import audit_step, tampering_step
from tradeledger.cli.demo_documents import anchor_step, lookup_step, proof_step, write_importer_files
from tradeledger.cli.demo_identity import identity_demo_step
from tradeledger.cli.demo_ipr import ipr_demo_step
from tradeledger.cli.demo_network import fresh_directory, network_step
from tradeledger.cli.demo_origin import origin_demo_step
from tradeledger.cli.demo_privacy import privacy_step
from tradeledger.cli.demo_registry import registry_step, replay_step
from tradeledger.cli.demo_scenario import DemoRun, file_entry
from tradeledger.node import EmbeddedNetwork


def run_demo(directory: Path, console: Console) -> None:
    fresh_directory(directory)
    say = console.print
    say(Panel.fit("tradeledger demo: one shared, tamper-evident ledger for customs and the trade",
                  style="bold"))
    network = network_step(directory, say)
    with EmbeddedNetwork(network) as net:
        demo = DemoRun(net, say, directory)
        write_importer_files(demo)
        anchor_step(demo)
        lookup_step(demo)
        proof_step(demo)
        who_sees_what_step(demo)
        _identity_step(demo)
        after_filing_step(demo)
        _ipr_step(demo)
        _origin_step(demo)
        privacy_step(demo)
        clerk_anchor = registry_step(demo)
        replay_step(demo, clerk_anchor)
        audit_step(demo)
    tampering_step(directory, network, say)
    say(f"\n[green]Done.[/green] The network lives in {network}; try `tradeledger log --dir {network}`.")


def _identity_step(demo: DemoRun) -> None:
    demo.say("\n[bold]6. Identity[/bold]: an importer-of-record credential (W3C VC 2.0, eddsa-jcs-2022), "
             "checked before the entry is filed")
    identity_demo_step(demo.net, demo.say, demo.directory, file_entry=lambda: file_entry(demo.net))


def _ipr_step(demo: DemoRun) -> None:
    demo.say("\n[bold]8. Intellectual property[/bold]: a license chain checked at the border, as of each date")
    ipr_demo_step(demo.net, demo.say)


def _origin_step(demo: DemoRun) -> None:
    demo.say("\n[bold]9. Free trade agreement origin[/bold] (USMCA): certify, file with S, verify, determine")
    origin_demo_step(demo.net, demo.say)
