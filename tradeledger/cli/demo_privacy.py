"""The demo's privacy step (DESIGN.md decision 15, docs/privacy.md): what a party outside
an entry's collection can know of it, and what a flagged agency sees.

The rights holder is not a party to the importer's entries. From its own copy of the
ledger it proves that an entry exists and when it was filed: a proof bundle of the
filing's leaf, verified offline, whose envelope carries only the salted commitment of the
entry's content. Its own state holds none of that content (`entries.find_entry` answers
None). A partner agency to which a line is flagged holds that line in the agency's
collection of the entry, and nothing of the entry's own collection.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from tradeledger.cli.demo_scenario import DemoRun
from tradeledger.contracts import entries
from tradeledger.ledger.authority import utc_text
from tradeledger.ledger.bundle import ProofBundle, verify_bundle
from tradeledger.ledger.collections import private_namespace
from tradeledger.ledger.envelope import Envelope, EnvelopeError, decode_envelope
from tradeledger.ledger.proving import NotProvable, build_bundle
from tradeledger.node import EmbeddedNetwork

ENTRIES = entries.NAMESPACE


def privacy_step(demo: DemoRun) -> None:
    net, say = demo.net, demo.say
    say("\n[bold]Privacy[/bold]: outside an entry's collection, a party proves the entry exists and when it was "
        "filed, and sees none of its content")
    holder = _organization(net, "rights_holder")
    if holder is None:
        say("  (no rights holder in this network: step skipped)")
        return
    filings = list(_filings(net, holder))
    if not filings:
        say("  (no entry is filed on this ledger yet: step skipped)")
        return
    number, leaf_index, envelope = filings[0]
    _prove_filing(demo, holder, number, leaf_index, envelope)
    _agency_lines(demo, holder, [n for n, _, _ in filings])


def _prove_filing(demo: DemoRun, holder: str, number: str, leaf_index: int, envelope: Envelope) -> None:
    net, say = demo.net, demo.say
    filing = entries.find_filing(net.state(holder), number)
    when = utc_text(filing.filed_ms) if filing is not None else "unknown"
    if envelope.private:
        own = entries.entry_collection(number)
        index = next((i for i, p in enumerate(envelope.private) if p.collection == own), 0)
        pointer = f"/private/{index}/commitment"  # the salted commitment of the entry's content
    else:
        pointer = "/args/entry_number"  # an entry filed before its content went private
    try:
        bundle = build_bundle(net.ledger(holder), net.genesis, leaf_index, pointer)
    except NotProvable as exc:
        say(f"  {holder} cannot prove entry {number} yet: {exc}")
        return
    path = demo.directory / "entry-filing.proof.json"
    path.write_text(json.dumps(bundle.to_dict(), indent=2) + "\n")
    checked = verify_bundle(ProofBundle.from_dict(json.loads(path.read_text())))
    cosigned = checked.details.get("cosigned_at")  # seconds: the time the bundle itself proves
    proven = f", in a log cosigned at {utc_text(cosigned * 1000)}" if isinstance(cosigned, int) else ""
    say(f"  {holder} proves from its own copy that entry {number} was filed (leaf {leaf_index}, filed {when}): "
        f"{path.name} verified offline: valid={checked.ok}"
        + (f"{proven} by {', '.join(checked.details.get('witnesses', []))}" if checked.ok else
           f": {checked.reason}"))
    if envelope.private:
        parts = ", ".join(f"{p.part} -> collection {p.collection}" for p in envelope.private)
        say(f"  the envelope carries only the salted commitment of each private part ({parts})")
    else:
        say(f"  [yellow]entry {number}'s filing still carries its content in the envelope on this ledger[/yellow]")
    content = entries.find_entry(net.state(holder), number)
    if content is None:
        say(f"  entries.find_entry on {holder}'s state: None: it holds none of the entry's content")
    else:
        say(f"  [yellow]{holder} can still read entry {number}'s content: the entries contract is not private "
            f"on this ledger yet[/yellow]")


def _agency_lines(demo: DemoRun, viewer: str, numbers: list[str]) -> None:
    net, say = demo.net, demo.say
    agency_collection = getattr(entries, "agency_collection", None)
    for number in numbers:
        filing = entries.find_filing(net.state(viewer), number)  # public facts: any peer reads them
        if filing is None or not filing.flagged_agencies or agency_collection is None:
            continue
        agency = filing.flagged_agencies[0]
        if agency not in net.hosted:
            continue
        lines_ns = private_namespace(ENTRIES, agency_collection(number, agency))
        entry_ns = private_namespace(ENTRIES, entries.entry_collection(number))
        rows = list(net.state(agency).scan_state(lines_ns, ""))
        if not rows:
            say(f"  entry {number} is flagged to {agency}, but no agency collection of its lines is on this "
                f"ledger yet: the agency's view is not built")
            return
        seen = sorted(set(_line_numbers(value for _, value in rows)))
        held_of_entry = list(net.state(agency).scan_state(entry_ns, ""))
        total = _entry_lines(net, filing)
        say(f"  {agency}, flagged on entry {number}, holds its line(s) {seen or '(unnumbered)'}"
            + (f" of the entry's {total}" if total else "")
            + f" in its own collection, and {len(held_of_entry)} rows of the entry's collection")
        return
    say("  (no entry on this ledger is flagged to an agency: the agency's view is not shown)")


def _filings(net: EmbeddedNetwork, viewer: str) -> Iterator[tuple[str, int, Envelope]]:
    """Every entry filing in `viewer`'s log: its number, leaf and envelope (all public),
    found by the contract's public "filed" events, else by the filings' arguments."""
    ledger = net.ledger(viewer)
    numbers = {leaf: data.get("entry_number") for leaf, contract, kind, data in ledger.events()
               if contract == ENTRIES and kind == "filed"}
    for record in ledger.txs():
        if not record.valid or b'"contract":"entries"' not in record.leaf:
            continue
        try:
            envelope = decode_envelope(record.leaf)
        except EnvelopeError:
            continue
        if envelope.action != "file":
            continue
        number = numbers.get(record.leaf_index) or envelope.args.get("entry_number")
        if isinstance(number, str):
            yield number, record.leaf_index, envelope


def _organization(net: EmbeddedNetwork, role: str) -> str | None:
    return next((o.name for o in net.genesis.organizations if o.role == role and o.name in net.hosted), None)


def _entry_lines(net: EmbeddedNetwork, filing: entries.EntryFiling) -> int:
    """How many lines the entry has, as a member (its customs office) sees it."""
    if filing.filed_with not in net.hosted:
        return 0
    record = entries.find_entry(net.state(filing.filed_with), filing.entry_number)
    return len(record.lines) if record is not None else 0


def _line_numbers(values: Iterator[Any]) -> Iterator[int]:
    for value in values:
        if isinstance(value, dict):
            if isinstance(value.get("line"), int):
                yield value["line"]
            for line in value.get("lines", ()) if isinstance(value.get("lines"), list) else ():
                if isinstance(line, dict) and isinstance(line.get("line"), int):
                    yield line["line"]
