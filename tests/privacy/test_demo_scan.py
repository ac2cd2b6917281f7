"""The whole demo, then every byte of every organization's folder and the orderer's is
scanned for the scenario's private values (DESIGN.md decision 15, issue 13): a value may
appear only in the folders of the organizations entitled to it.

The demo's network folder and its tampered copy (step 13 copies the whole network) are
both scanned, folder by folder: `orgs/<org>/` (SQLite store with its -wal and -shm, keys,
vault, anything else) is that organization's; the orderer's folder, the genesis and
anything else in the network folder are everyone's, so entitled to no private value. The
importer's own files beside the network (`importer-files/`) are the importer's. The other
files the demo writes beside the network (a proof bundle and a credential it hands out)
are outputs for the reader of the demo, not a party's store, and are not scanned.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from rich.console import Console

from tradeledger.cli.demo import run_demo
from tradeledger.cli.demo_ipr import BOOT_HTS
from tradeledger.cli.demo_scenario import ACEROS_MID, BILL_OF_LADING

ENTRY = {"importer", "customs"}  # the entry collection: importer, filer (the importer itself here), customs
FLAGGED = ENTRY | {"agency"}  # an entry line flagged to the agency: the agency sees that line
# certifier, importer, customs, and the agency the verified line is flagged to (it reads the
# determination of a line of its own, as before collections existed)
ORIGIN_VERIFICATION = {"exporter", "importer", "customs", "agency"}
IPR_CHAIN = {"brand", "exporter", "importer", "customs"}  # the license chain's parties (owner, maker, licensee)
AGENCY_ACCESS = {"importer", "agency", "customs"}  # owner, requester, customs

# value -> the organizations entitled to hold it, and what it is
ENTITLED: dict[str, tuple[set[str], str]] = {
    # entry B76-0324527-8 (documents, access, identity steps)
    "12-345678900": (ENTRY, "importer number on every entry summary"),
    BILL_OF_LADING: (ENTRY, "bill of lading of the steel entry"),
    "28500.00": (ENTRY, "entered value of the steel line (and invoice total, the importer's document)"),
    "7208.51.0030": (ENTRY, "HTS of the steel line"),
    ACEROS_MID: (ENTRY, "MID of the steel line"),
    # the IPR entries (boots from Vietnam); the boots' MID is in the public recordation
    # The IPR check states each checked line's tariff number to the license chain, whose
    # members judge it against the license's scope (its HTS prefixes) before debiting usage.
    BOOT_HTS: (ENTRY | IPR_CHAIN, "HTS of the boot lines (checked against the licenses' scope)"),
    "36000.00": (ENTRY, "entered value of the boot lines"),
    '"quantity_cap":50000': (IPR_CHAIN, "license cap of L-1"),
    '"quantity_cap":10000': (IPR_CHAIN, "license cap of L-2"),
    # the origin entries, whose lines are flagged to the agency; the verification of
    # origin may state the line's tariff number to the certifier
    "8501.10.4020": (FLAGGED | ORIGIN_VERIFICATION, "HTS of the motor line"),
    "8413.70.2004": (FLAGGED | ORIGIN_VERIFICATION, "HTS of the pump line"),
    # quoted as the JSON string it is stored as: bare, five digits turn up in timestamps
    '"41200"': (FLAGGED, "entered value of the pump line"),
    "MXACEDEL450MON": (FLAGGED, "MID of the origin lines"),
    "TFMX0000101": (ENTRY, "bill of lading of the motor entry"),
    # origin verification: the exporter's bill of materials, to customs
    "steel screws": ({"exporter", "customs"}, "a material of the motor's bill of materials"),
    "pump casing": ({"exporter", "customs"}, "a material of the pump's bill of materials"),
    "verification of a USMCA claim": (ORIGIN_VERIFICATION, "purpose of the origin verification"),
    # access grants, requests and records: their purposes and reasons
    "valuation review": (ENTRY, "purpose of customs' grant and request"),
    "unit price review": (ENTRY, "purpose of a denied request"),
    "unit prices are a trade secret": (ENTRY, "the importer's reason for denying"),
    "cargo examination": (ENTRY, "purpose of customs' packing-list request"),
    "food safety screening": (AGENCY_ACCESS, "purpose of the agency's request"),
}
ORGANIZATIONS = {"customs", "importer", "exporter", "agency", "broker", "brand"}


def owner_of(path: Path, root: Path) -> str | None:
    parts = path.relative_to(root).parts
    if parts[0] == "importer-files":
        return "importer"
    if parts[0] not in ("network", "tampered-copy"):
        return None  # the demo's outputs for its reader (module docstring)
    if len(parts) > 3 and parts[1] == "orgs":
        return parts[2]
    return "public"  # the orderer's folder, the genesis, the lock


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("demo")
    output = StringIO()
    run_demo(root, Console(file=output, width=400, no_color=True))
    return root, output.getvalue()


@pytest.fixture(scope="module")
def demo_folders(demo_run) -> dict[str, bytes]:
    root, _ = demo_run
    held: dict[str, list[bytes]] = {}
    for path in sorted(root.rglob("*")):
        owner = owner_of(path, root) if path.is_file() else None
        if owner is not None:
            held.setdefault(owner, []).append(path.read_bytes())
    assert set(held) == ORGANIZATIONS | {"public"}
    return {owner: b"".join(chunks) for owner, chunks in held.items()}


@pytest.mark.parametrize("value", sorted(ENTITLED), ids=lambda v: v.replace('"', ""))
def test_a_private_value_is_held_only_by_the_organizations_entitled_to_it(demo_folders, value):
    entitled, what = ENTITLED[value]
    holders = {owner for owner, data in demo_folders.items() if value.encode() in data}
    assert holders, f"{value!r} ({what}) is in no folder: the scenario changed, update the table"
    leaked = holders - entitled
    assert not leaked, f"{value!r} ({what}) is held by {sorted(leaked)}; entitled: {sorted(entitled)}"


def test_the_rights_holder_proves_the_filing_offline_and_holds_none_of_the_entry(demo_run):
    root, output = demo_run
    step = output[output.index("Privacy:"):]
    assert "verified offline: valid=True" in step
    assert "it holds none of the entry's content" in step, step[:600]
    bundle = (root / "entry-filing.proof.json").read_bytes()
    assert b'"private"' in bundle  # the filing carries the commitment of its content only
    for value in ("12-345678900", BILL_OF_LADING, "7208.51.0030", ACEROS_MID):
        assert value.encode() not in bundle


def test_a_flagged_agency_sees_its_line_and_nothing_of_the_entry_collection(demo_run):
    _, output = demo_run
    step = output[output.index("Privacy:"):]
    assert "holds its line(s) [1]" in step, step[:800]
    assert "and 0 rows of the entry's collection" in step
