"""The demo's first step: a fresh folder and a network of organizations, each with its own
node, keys and vault, under a checkpoint quorum."""

from __future__ import annotations

import shutil
from pathlib import Path

from rich.table import Table

from tradeledger.cli.demo_scenario import Say
from tradeledger.ledger.genesis import load_genesis
from tradeledger.node import DEMO_ORGANIZATIONS, NetworkError, create_network
from tradeledger.runtime.setup import OrgPlan

ORGANIZATIONS = DEMO_ORGANIZATIONS + (OrgPlan("brand", "rights_holder", "Acme Outdoor Inc."),)


def fresh_directory(directory: Path) -> None:
    """An empty folder for the demo: a previous demo network there is replaced, anything
    else is refused."""
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


def network_step(directory: Path, say: Say) -> Path:
    """Create the demo network in `directory`/network; its folder."""
    say(f"\n[bold]1. A network of {len(ORGANIZATIONS)} organizations[/bold], each with its own node, keys and vault")
    genesis = create_network(directory / "network", ORGANIZATIONS, name="demo")
    table = Table("--as", "role", "organization")
    for org in genesis.organizations:
        table.add_row(org.name, org.role, org.display_name)
    say(table)
    others = len(ORGANIZATIONS) - 1
    say(f"Checkpoint quorum (C2SP tlog-policy): customs and {others // 2 + 1} of the {others} other organizations.")
    return directory / "network"
