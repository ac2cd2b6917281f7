"""Border authorization checks per second over a large license book.

Builds a MemoryLicenseBook of recorded marks and --licenses licenses (default 10**6) in
chains from 1 to 10 licenses deep (some branching off existing chains), every license
granted through the validation rules; terminates about 1% of them and records usage on
entries. Then times --checks random authorization checks (fixed seed): importers asking
about goods mostly inside their license's scope and dates, some outside, some strangers,
some gray-market goods, so that both yes and no answers are measured.

    .venv/bin/python benchmarks/ipr.py                    # 10**6 licenses, 20,000 checks
    .venv/bin/python benchmarks/ipr.py --licenses 50000   # quick run

Then, unless --ledger-licenses 0, the same kind of world is committed through the real
ledger path on an embedded network (signed envelopes, solo orderer, the ipr contract
validating every grant on customs' peer, SQLite store): --ledger-licenses licenses
(default 10**4) in chains up to 10 deep, ~1% terminations, usage counted by customs'
check of filed entries. It times --ledger-checks checks through the LicenseBook over that
peer's state (contracts.ipr_book) and compares every answer with an in-memory mirror.

    .venv/bin/python benchmarks/ipr.py --licenses 50000 --ledger-licenses 10000

The last line is machine-readable (the in-memory measurement):
ipr_checks_per_s=<x> p50_ms=<y> p99_ms=<z>
"""

from __future__ import annotations

import argparse
import collections
import random
import resource
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from tradeledger.contracts import ipr
from tradeledger.contracts.ipr import block_day
from tradeledger.contracts.ipr_book import LedgerLicenseBook
from tradeledger.domain.entry_number import complete_entry_number
from tradeledger.domain.ipr import (
    IprRefused,
    License,
    MemoryLicenseBook,
    Question,
    Recordation,
    RecordationDecision,
    RecordationKind,
    Termination,
    UsageRecord,
    authorize,
)
from tradeledger.domain.ipr.lineage import lineage
from tradeledger.domain.ipr.scope import ScopeAxis, effective_cap, effective_values
from tradeledger.ledger.collections import commit_part
from tradeledger.ledger.envelope import sign_envelope
from tradeledger.ledger.state import StateReader
from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.keys import OrganizationKeys
from tradeledger.runtime.layout import NetworkLayout
from tradeledger.runtime.setup import OrgPlan

LICENSES_PER_MARK = 500
PARTIES_PER_LICENSE = 0.2  # licensee pool size relative to the number of licenses
MAX_DEPTH = 10
HEADINGS = ["6403", "6404", "4202", "6110", "6204", "9102", "8518", "9503", "3304", "6109", "6505", "9004"]
COUNTRIES = ["VN", "CN", "IT", "MX", "BD", "IN", "TR", "PT", "ID", "KH"]
FIRST_DAY = date(2020, 1, 1)


class Interner:
    """Shares equal dates and tuples between licenses so a million of them fit in memory."""

    def __init__(self) -> None:
        self._days: dict[int, date] = {}
        self._tuples: dict[tuple[str, ...], tuple[str, ...]] = {}

    def day(self, offset: int) -> date:
        found = self._days.get(offset)
        if found is None:
            found = self._days[offset] = FIRST_DAY + timedelta(days=offset)
        return found

    def tuple(self, values: tuple[str, ...]) -> tuple[str, ...]:
        return self._tuples.setdefault(values, values)


def recordation_of(book: MemoryLicenseBook, mark: str) -> Recordation:
    found = book.recordation_for_mark(mark)
    assert found is not None, mark  # every mark of the world was recorded first
    return found


def license_of(book: MemoryLicenseBook, license_id: str) -> License:
    found = book.license(license_id)
    assert found is not None, license_id  # ids are drawn from those granted
    return found


def progress(console: Console) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console)


def narrower(rng: random.Random, values: tuple[str, ...]) -> tuple[str, ...]:
    """Half the time inherit (empty); otherwise a non-empty subset of what is allowed."""
    if not values or rng.random() < 0.5:
        return ()
    return tuple(sorted(rng.sample(values, rng.randint(1, len(values)))))


def build(n_licenses: int, rng: random.Random, console: Console) -> tuple[MemoryLicenseBook, list[str], dict[int, int]]:
    book = MemoryLicenseBook()
    intern = Interner()
    n_marks = max(1, n_licenses // LICENSES_PER_MARK)
    parties = [f"party-{i:07d}" for i in range(max(10, int(n_licenses * PARTIES_PER_LICENSE)))]
    marks = [f"MARK-{m:05d}" for m in range(n_marks)]
    owners = {}
    for m, mark in enumerate(marks):
        owner = f"owner-{m:05d}"
        owners[mark] = owner
        book.file_recordation(Recordation(
            recordation_id=f"TMK {m:05d}", registration_number=f"{6_000_000 + m}", kind=RecordationKind.TRADEMARK,
            mark=mark, owner=owner, goods_description="benchmark goods",
            hts_prefixes=intern.tuple(tuple(sorted(rng.sample(HEADINGS, 3)))),
            manufacturing_countries=intern.tuple(tuple(sorted(rng.sample(COUNTRIES, 4)))),
            authorized_manufacturers=tuple(f"MID{m:05d}{k}" for k in range(6)),
            gray_market_protection=rng.random() < 0.3, filed_on=intern.day(0), expires_on=date(2035, 12, 31),
        ))
        book.decide_recordation(RecordationDecision(f"TMK {m:05d}", True, intern.day(1)))

    depth_histogram: collections.Counter[int] = collections.Counter()
    open_nodes: dict[str, list[tuple[License, int]]] = {mark: [] for mark in marks}  # may still sublicense
    made = 0
    with progress(console) as bar:
        task = bar.add_task("granting licenses (validated)", total=n_licenses)
        while made < n_licenses:
            mark = marks[rng.randrange(n_marks)]
            recordation = recordation_of(book, mark)
            chain_length = rng.randint(1, MAX_DEPTH)
            parent: License | None = None
            depth = 0
            if open_nodes[mark] and rng.random() < 0.3:  # branch off an existing chain
                parent, depth = open_nodes[mark][rng.randrange(len(open_nodes[mark]))]
                chain_length = min(chain_length, parent.further_generations)
            for _ in range(min(chain_length, n_licenses - made)):
                depth += 1
                generations = (chain_length - 1) if parent is None else parent.further_generations - 1
                if parent is None:
                    above: list[License] = []
                    start = intern.day(rng.randint(2, 400))
                    end = intern.day(rng.randint(2200, 3000))
                    licensor = owners[mark]
                else:
                    above = list(lineage(book, parent).links)
                    start = intern.day((parent.start - FIRST_DAY).days + rng.randint(0, 30))
                    end = intern.day((parent.end - FIRST_DAY).days - rng.randint(0, 30))
                    licensor = parent.licensee
                cap_above = effective_cap(above)
                cap = None if rng.random() < 0.4 else rng.randint(1_000, cap_above or 1_000_000)
                hts_allowed = effective_values(recordation, above, ScopeAxis.HTS)
                hts = narrower(rng, hts_allowed)
                if hts and rng.random() < 0.3:  # narrow a heading to a subheading
                    hts = tuple(sorted({prefix + "99" if len(prefix) == 4 else prefix for prefix in hts}))
                licensee = parties[rng.randrange(len(parties))]
                while licensee == licensor:
                    licensee = parties[rng.randrange(len(parties))]
                grant = License(
                    license_id=f"L{made:07d}", mark=mark, licensor=licensor, licensee=licensee,
                    hts_prefixes=intern.tuple(hts),
                    countries=intern.tuple(narrower(rng, effective_values(recordation, above, ScopeAxis.COUNTRY))),
                    manufacturers=intern.tuple(
                        narrower(rng, effective_values(recordation, above, ScopeAxis.MANUFACTURER))),
                    quantity_cap=cap, start=start, end=max(start, end), may_sublicense=generations > 0,
                    further_generations=generations, parent_id=None if parent is None else parent.license_id,
                    granted_on=start,
                )
                book.grant(grant)
                made += 1
                depth_histogram[depth] += 1
                if generations > 0:
                    open_nodes[mark].append((grant, depth))
                parent = grant
                if made % 1000 == 0:
                    bar.update(task, completed=made)
        bar.update(task, completed=made)
    return book, parties, dict(sorted(depth_histogram.items()))


def terminate_some(book: MemoryLicenseBook, rng: random.Random, share: float) -> int:
    done = 0
    for _ in range(int(len(book) * share)):
        grant = license_of(book, f"L{rng.randrange(len(book)):07d}")
        day = grant.start + timedelta(days=rng.randint(300, max(300, (grant.end - grant.start).days)))
        try:
            book.terminate(Termination(grant.license_id, grant.licensor, day, day, "benchmark"))
            done += 1
        except IprRefused:
            pass  # already terminated, past its end, or a sub-license granted later
    return done


def record_usage(book: MemoryLicenseBook, rng: random.Random, count: int) -> None:
    for i in range(count):
        grant = license_of(book, f"L{rng.randrange(len(book)):07d}")
        day = grant.start + timedelta(days=rng.randint(0, (grant.end - grant.start).days))
        book.record_usage(UsageRecord(f"E{i:08d}", grant.license_id, rng.randint(1, 500), day))


def random_question(book: MemoryLicenseBook, parties: list[str], rng: random.Random) -> Question:
    grant = license_of(book, f"L{rng.randrange(len(book)):07d}")
    recordation = recordation_of(book, grant.mark)
    above = lineage(book, grant).links
    inside = rng.random() < 0.8
    hts_allowed = effective_values(recordation, above, ScopeAxis.HTS)
    prefix = rng.choice(hts_allowed) if inside else rng.choice(HEADINGS)
    hts = (prefix + "9999999999")[:10]
    countries = effective_values(recordation, above, ScopeAxis.COUNTRY)
    makers = effective_values(recordation, above, ScopeAxis.MANUFACTURER)
    day_span = (grant.end - grant.start).days
    return Question(
        importer=grant.licensee if rng.random() < 0.95 else parties[rng.randrange(len(parties))],
        mark=grant.mark,
        hts=hts,
        manufacturer=rng.choice(makers) if rng.random() < 0.9 else "MIDUNKNOWN",
        country=rng.choice(countries) if rng.random() < 0.9 else rng.choice(COUNTRIES),
        on=grant.start + timedelta(days=rng.randint(-60, day_span + 60)),
        quantity=rng.randint(1, 2_000),
        physically_materially_different=rng.random() < 0.1,
        bears_lever_label=rng.random() < 0.5,
    )


def percentile(samples_ns: list[int], fraction: float) -> float:
    """The sample at `fraction` of the sorted list, in milliseconds."""
    ordered = sorted(samples_ns)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] / 1e6


# --------------------------------------------------------------------------- through the ledger

LEDGER_PARTIES_PER_LICENSE = 0.02  # importer organizations in the genesis, relative to licenses
LEDGER_BATCH = 500  # envelopes per block


class LedgerWorld:
    """An embedded network hosting only customs' peer, and every organization's signing key.

    The other organizations sign envelopes here, as their own machines would; only customs'
    node executes and stores, as one node of a real network does."""

    def __init__(self, directory: Path, parties: list[str], console: Console) -> None:
        organizations = [OrgPlan("customs", "customs", "Customs"), OrgPlan("brand", "rights_holder", "Brand owner")]
        organizations += [OrgPlan(party, "importer", party) for party in parties]
        create_network(directory, organizations, name="iprbench", max_block_transactions=LEDGER_BATCH)
        layout = NetworkLayout(directory)
        self.keys = {org.name: OrganizationKeys.load(layout.keys(org.name)) for org in organizations}
        for org in organizations[1:]:
            layout.keys(org.name).unlink()  # this folder hosts customs' node only
        self.net = EmbeddedNetwork(directory)
        self.console = console
        self.queue: list[tuple[str, str, str, dict[str, Any]]] = []
        self.pending: set[str] = set()
        self.committed = 0
        self.commit_seconds = 0.0

    def add(self, organization: str, contract: str, action: str, args: dict[str, Any], *,
            key: str | None = None, depends: str | None = None) -> None:
        """Queue one transaction; `depends` names a license or entry it needs committed
        first (a sub-license's parent, a check's entry), which flushes the queue."""
        if depends is not None and depends in self.pending:
            self.flush()
        self.queue.append((organization, contract, action, args))
        if key is not None:
            self.pending.add(key)
        if len(self.queue) >= LEDGER_BATCH:
            self.flush()

    def _prepared(self, contract: str, action: str, args: dict[str, Any]) -> ipr.Prepared:
        """License terms, endings and checks travel as private parts, prepared from customs'
        view (a member of every collection), as each party's workflow prepares them."""
        if contract != "ipr" or action not in ("license", "terminate", "check_entry"):
            return ipr.Prepared(args, ())
        if action == "license":
            return ipr.prepare_grant(self.state, args)
        if action == "terminate":
            return ipr.prepare_termination(self.state, args["license_id"], args["reason"],
                                           date.fromisoformat(args["effective_on"]))
        return ipr.prepare_check(self.state, "customs", args["entry_number"], args["lines"], block_day(now_ms()))

    def flush(self) -> None:
        if not self.queue:
            return
        started = time.perf_counter()
        # Signed just before ordering: an envelope must be fresh at its block's time.
        leaves = []
        for org, contract, action, args in self.queue:
            ready = self._prepared(contract, action, args)
            parts = [commit_part(private) for private in ready.private]
            envelope = sign_envelope(self.keys[org].admin, network=self.net.genesis.network_id, contract=contract,
                                     action=action, args=ready.args, created_ms=now_ms(),
                                     private=tuple(part.part for part in parts))
            self.net.deliver(org, [part.payload(envelope.txid) for part in parts],
                             {(part.part.part, part.part.collection): ("customs",) for part in parts})
            leaves.append(envelope.leaf_bytes())
        receipts = self.net.submit(leaves, wait="committed")
        self.commit_seconds += time.perf_counter() - started
        refused = [(item, r.reason) for item, r in zip(self.queue, receipts, strict=True) if not r.valid]
        if refused:
            raise SystemExit(f"the ledger refused {len(refused)} envelopes; first: {refused[0]}")
        self.committed += len(receipts)
        self.queue = []
        self.pending.clear()

    @property
    def state(self) -> StateReader:
        return self.net.state("customs")


def ledger_license(license: License) -> dict[str, Any]:
    """The ipr contract's arguments for a license the mirror granted (the ledger sets licensor
    and grant day from the envelope and the block)."""
    return {
        "license_id": license.license_id, "mark": license.mark, "licensee": license.licensee,
        "parent_id": license.parent_id, "hts_prefixes": list(license.hts_prefixes),
        "countries": list(license.countries), "manufacturers": list(license.manufacturers),
        "quantity_cap": license.quantity_cap, "start": license.start.isoformat(), "end": license.end.isoformat(),
        "may_sublicense": license.may_sublicense, "further_generations": license.further_generations,
    }


def build_on_ledger(world: LedgerWorld, n_licenses: int, parties: list[str], rng: random.Random,
                    on_progress: Callable[[int], None]) -> tuple[MemoryLicenseBook, dict[str, int]]:
    """Commit recordations, licenses, terminations and checked entries; the in-memory mirror
    holds the same records (granted on the block's day), validated by the same rules."""
    mirror = MemoryLicenseBook()
    today = block_day(now_ms())
    n_marks = max(1, n_licenses // LICENSES_PER_MARK)
    marks = [f"MARK-{m:05d}" for m in range(n_marks)]
    for m, mark in enumerate(marks):
        countries = tuple(sorted(rng.sample(COUNTRIES, 4)))
        recordation = Recordation(
            recordation_id=f"TMK {m:05d}", registration_number=f"{6_000_000 + m}", kind=RecordationKind.TRADEMARK,
            mark=mark, owner="brand", goods_description="benchmark goods",
            hts_prefixes=tuple(sorted(rng.sample(HEADINGS, 3))), manufacturing_countries=countries,
            authorized_manufacturers=tuple(f"{countries[k % 4]}MAK{m:05d}{k}" for k in range(6)),
            gray_market_protection=rng.random() < 0.3, filed_on=today, expires_on=date(2040, 12, 31),
        )
        mirror.file_recordation(recordation)
        mirror.decide_recordation(RecordationDecision(recordation.recordation_id, True, today))
        world.add("brand", "ipr", "record", {
            "recordation_id": recordation.recordation_id, "registration_number": recordation.registration_number,
            "kind": "trademark", "mark": mark, "goods_description": recordation.goods_description,
            "hts_prefixes": list(recordation.hts_prefixes), "manufacturing_countries": list(countries),
            "authorized_manufacturers": list(recordation.authorized_manufacturers),
            "gray_market_protection": recordation.gray_market_protection, "expires_on": "2040-12-31"})
        world.add("customs", "ipr", "decide", {"recordation_id": recordation.recordation_id, "accepted": True})
    world.flush()

    # Every license is granted on the block's day and starts then: a sub-license can only be
    # granted while its parent is in force.
    open_nodes: dict[str, list[License]] = {mark: [] for mark in marks}
    made = 0
    while made < n_licenses:
        mark = marks[rng.randrange(n_marks)]
        recordation = recordation_of(mirror, mark)
        chain_length = rng.randint(1, MAX_DEPTH)
        parent: License | None = None
        if open_nodes[mark] and rng.random() < 0.3:  # branch off an existing chain
            parent = open_nodes[mark][rng.randrange(len(open_nodes[mark]))]
            chain_length = min(chain_length, parent.further_generations)
        for _ in range(min(chain_length, n_licenses - made)):
            generations = (chain_length - 1) if parent is None else parent.further_generations - 1
            above = [] if parent is None else list(lineage(mirror, parent).links)
            end = today + timedelta(days=rng.randint(400, 1100)) if parent is None else max(
                today, parent.end - timedelta(days=rng.randint(0, 30)))
            licensor = "brand" if parent is None else parent.licensee
            cap_above = effective_cap(above)
            hts = narrower(rng, effective_values(recordation, above, ScopeAxis.HTS))
            if hts and rng.random() < 0.3:
                hts = tuple(sorted({prefix + "99" if len(prefix) == 4 else prefix for prefix in hts}))
            licensee = parties[rng.randrange(len(parties))]
            while licensee == licensor:
                licensee = parties[rng.randrange(len(parties))]
            grant = License(
                license_id=f"L{made:07d}", mark=mark, licensor=licensor, licensee=licensee, hts_prefixes=hts,
                countries=narrower(rng, effective_values(recordation, above, ScopeAxis.COUNTRY)),
                manufacturers=narrower(rng, effective_values(recordation, above, ScopeAxis.MANUFACTURER)),
                quantity_cap=None if rng.random() < 0.4 else rng.randint(1_000, cap_above or 1_000_000),
                start=today, end=end, may_sublicense=generations > 0, further_generations=generations,
                parent_id=None if parent is None else parent.license_id, granted_on=today,
            )
            mirror.grant(grant)
            world.add(licensor, "ipr", "license", ledger_license(grant), key=grant.license_id, depends=grant.parent_id)
            made += 1
            if generations > 0:
                open_nodes[mark].append(grant)
            parent = grant
            if made % 500 == 0:
                on_progress(made)
    world.flush()
    on_progress(made)

    terminations = 0
    for _ in range(n_licenses // 100):
        grant = license_of(mirror, f"L{rng.randrange(n_licenses):07d}")
        day = today + timedelta(days=rng.randint(1, max(1, (grant.end - today).days)))
        try:
            mirror.terminate(Termination(grant.license_id, grant.licensor, day, today, "benchmark"))
        except IprRefused:
            continue  # already terminated
        world.add(grant.licensor, "ipr", "terminate",
                  {"license_id": grant.license_id, "reason": "benchmark", "effective_on": day.isoformat()})
        terminations += 1
    world.flush()

    # Usage the real way: the licensee files an entry of goods within its license, customs
    # checks it, and the authorized units count against the chain's caps.
    entries_checked = authorized = 0
    for i in range(n_licenses // 10):
        grant = license_of(mirror, f"L{rng.randrange(n_licenses):07d}")
        recordation = recordation_of(mirror, grant.mark)
        chain = lineage(mirror, grant).links
        countries = effective_values(recordation, chain, ScopeAxis.COUNTRY)
        makers = [mid for mid in effective_values(recordation, chain, ScopeAxis.MANUFACTURER)
                  if mid[:2] in countries]
        if not makers:
            continue
        maker = rng.choice(makers)
        hts_number = (rng.choice(effective_values(recordation, chain, ScopeAxis.HTS)) + "9999999999")[:10]
        dotted = f"{hts_number[:4]}.{hts_number[4:6]}.{hts_number[6:]}"
        number = str(complete_entry_number(f"B76-{i:07d}"))
        quantity = rng.randint(1, 500)
        world.add(grant.licensee, "entries", "file", {
            "entry_number": number, "filed_with": "customs", "importer": grant.licensee, "entry_type": "01",
            "port_code": "2704", "entry_date": today.isoformat(), "imported_on": today.isoformat(),
            "importer_number": "12-345678900", "mode_of_transport": "11", "country_of_export": maker[:2],
            "lines": [{"line": 1, "description": "benchmark goods", "hts": dotted,
                       "origin": maker[:2], "entered_value": "1000.00", "mid": maker, "marks": [grant.mark]}]},
                  key=number)
        world.add("customs", "ipr", "check_entry",
                  {"entry_number": number, "lines": [{"line": 1, "quantity": quantity}]}, depends=number)
        decision = authorize(mirror, Question(grant.licensee, grant.mark, hts_number, maker, maker[:2], today,
                                              quantity, entry_number=number))
        if decision.authorized and decision.chain:
            mirror.record_usage(UsageRecord(number, decision.chain[-1].license_id, quantity, today))
            authorized += 1
        entries_checked += 1
    world.flush()
    return mirror, {"terminations": terminations, "entries": entries_checked, "authorized_entries": authorized}


def measure_on_ledger(n_licenses: int, n_checks: int, seed: int, console: Console) -> dict[str, Any]:
    rng = random.Random(seed)
    parties = [f"party-{i:04d}" for i in range(max(10, int(n_licenses * LEDGER_PARTIES_PER_LICENSE)))]
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        world = LedgerWorld(Path(tmp) / "net", parties, console)
        try:
            with progress(console) as bar:
                task = bar.add_task("committing licenses through the ledger", total=n_licenses)
                mirror, counts = build_on_ledger(world, n_licenses, parties, rng,
                                                 lambda done: bar.update(task, completed=done))
            build_s = time.perf_counter() - started
            questions = [random_question(mirror, parties, rng) for _ in range(n_checks)]
            book = LedgerLicenseBook(world.state)
            latencies, answers = [], []
            clock = time.perf_counter_ns
            begin = clock()
            for question in questions:
                t0 = clock()
                answers.append(authorize(book, question))
                latencies.append(clock() - t0)
            total_s = (clock() - begin) / 1e9
            # The ledger's answer is the engine's answer over the same records.
            same = sum(answer == authorize(mirror, question)
                       for question, answer in zip(questions, answers, strict=True))
            state_rows = sum(1 for _ in world.state.scan_state("ipr", ""))
        finally:
            world.net.close()
    return {
        "licenses": n_licenses, "parties": len(parties), "build_s": build_s, "committed": world.committed,
        "commit_per_s": world.committed / world.commit_seconds, "state_rows": state_rows, **counts,
        "checks": n_checks, "per_s": n_checks / total_s, "p50_ms": percentile(latencies, 0.5),
        "p99_ms": percentile(latencies, 0.99), "same": same,
        "authorized": sum(answer.authorized for answer in answers),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--licenses", type=int, default=1_000_000, help="licenses in the book (default 10**6)")
    parser.add_argument("--checks", type=int, default=20_000, help="authorization checks to time")
    parser.add_argument("--seed", type=int, default=133)
    parser.add_argument("--ledger-licenses", type=int, default=10_000,
                        help="licenses committed through the ledger for the second measurement (0: skip it)")
    parser.add_argument("--ledger-checks", type=int, default=5_000, help="checks timed through the ledger's book")
    args = parser.parse_args()
    if args.licenses < 1 or args.checks < 1 or args.ledger_licenses < 0 or args.ledger_checks < 1:
        parser.error("--licenses, --checks and --ledger-checks must be at least 1; --ledger-licenses at least 0")
    console = Console()
    rng = random.Random(args.seed)

    started = time.perf_counter()
    book, parties, depths = build(args.licenses, rng, console)
    terminated = terminate_some(book, rng, 0.01)
    record_usage(book, rng, args.licenses // 5)
    build_s = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    questions = [random_question(book, parties, rng) for _ in range(args.checks)]
    latencies, cpu_times = [], []
    outcomes: collections.Counter[str] = collections.Counter()
    clock, cpu_clock = time.perf_counter_ns, time.thread_time_ns
    begin = clock()
    for question in questions:
        t0, c0 = clock(), cpu_clock()
        decision = authorize(book, question)
        cpu_times.append(cpu_clock() - c0)
        latencies.append(clock() - t0)
        failed = decision.failed_question
        outcomes["authorized" if decision.authorized else failed.value if failed else "refused"] += 1
    total_s = (clock() - begin) / 1e9

    p50_ms, p99_ms = percentile(latencies, 0.5), percentile(latencies, 0.99)
    per_s = len(questions) / total_s

    table = Table(title=f"IPR authorization checks: {len(book):,} licenses, {args.checks:,} checks (seed {args.seed})")
    table.add_column("answer")
    table.add_column("checks", justify="right")
    for answer, count in outcomes.most_common():
        table.add_row(answer, f"{count:,}")
    console.print(table)
    console.print(f"licenses by depth in their chain: {depths}")
    console.print(f"built in {build_s:.1f} s ({len(book) / build_s:,.0f} validated grants/s), "
                  f"{terminated:,} terminations, {args.licenses // 5:,} usage records; "
                  f"peak RSS {peak_mib:,.0f} MiB")
    console.print(f"p50 {p50_ms:.3f} ms, p99 {p99_ms:.3f} ms, {per_s:,.0f} checks/s (one core, wall clock)")
    # On a shared machine the wall-clock tail includes time the process spent descheduled;
    # the thread's CPU time per check shows what the code itself costs.
    console.print(f"CPU time per check: p50 {percentile(cpu_times, 0.5):.3f} ms, "
                  f"p99 {percentile(cpu_times, 0.99):.3f} ms, max {max(cpu_times) / 1e6:.3f} ms")
    if args.ledger_licenses:
        ledger = measure_on_ledger(args.ledger_licenses, args.ledger_checks, args.seed, console)
        console.print(
            f"through the ledger: {ledger['licenses']:,} licenses among {ledger['parties']:,} importer organizations, "
            f"{ledger['terminations']:,} terminations, {ledger['entries']:,} entries filed and checked by customs "
            f"({ledger['authorized_entries']:,} authorized); {ledger['committed']:,} envelopes committed at "
            f"{ledger['commit_per_s']:,.0f}/s on customs' node, {ledger['state_rows']:,} ipr state rows, "
            f"built in {ledger['build_s']:.1f} s")
        console.print(
            f"ledger-state LicenseBook (SQLite): p50 {ledger['p50_ms']:.3f} ms, p99 {ledger['p99_ms']:.3f} ms, "
            f"{ledger['per_s']:,.0f} checks/s over {ledger['checks']:,} checks ({ledger['authorized']:,} authorized); "
            f"answers equal to the in-memory book: {ledger['same']:,}/{ledger['checks']:,}")
    print(f"ipr_checks_per_s={per_s:.0f} p50_ms={p50_ms:.3f} p99_ms={p99_ms:.3f}")


if __name__ == "__main__":
    main()
