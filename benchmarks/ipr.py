"""Border authorization checks per second over a large license book.

Builds a MemoryLicenseBook of recorded marks and --licenses licenses (default 10**6) in
chains from 1 to 10 licenses deep (some branching off existing chains), every license
granted through the validation rules; terminates about 1% of them and records usage on
entries. Then times --checks random authorization checks (fixed seed): importers asking
about goods mostly inside their license's scope and dates, some outside, some strangers,
some gray-market goods, so that both yes and no answers are measured.

    .venv/bin/python benchmarks/ipr.py                    # 10**6 licenses, 20,000 checks
    .venv/bin/python benchmarks/ipr.py --licenses 50000   # quick run

The last line is machine-readable:
ipr_checks_per_s=<x> p50_ms=<y> p99_ms=<z>
"""

from __future__ import annotations

import argparse
import collections
import random
import resource
import time
from datetime import date, timedelta

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

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
            recordation = book.recordation_for_mark(mark)
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
        grant = book.license(f"L{rng.randrange(len(book)):07d}")
        day = grant.start + timedelta(days=rng.randint(300, max(300, (grant.end - grant.start).days)))
        try:
            book.terminate(Termination(grant.license_id, grant.licensor, day, day, "benchmark"))
            done += 1
        except IprRefused:
            pass  # already terminated, past its end, or a sub-license granted later
    return done


def record_usage(book: MemoryLicenseBook, rng: random.Random, count: int) -> None:
    for i in range(count):
        grant = book.license(f"L{rng.randrange(len(book)):07d}")
        day = grant.start + timedelta(days=rng.randint(0, (grant.end - grant.start).days))
        book.record_usage(UsageRecord(f"E{i:08d}", grant.license_id, rng.randint(1, 500), day))


def random_question(book: MemoryLicenseBook, parties: list[str], rng: random.Random) -> Question:
    grant = book.license(f"L{rng.randrange(len(book)):07d}")
    recordation = book.recordation_for_mark(grant.mark)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--licenses", type=int, default=1_000_000, help="licenses in the book (default 10**6)")
    parser.add_argument("--checks", type=int, default=20_000, help="authorization checks to time")
    parser.add_argument("--seed", type=int, default=133)
    args = parser.parse_args()
    if args.licenses < 1 or args.checks < 1:
        parser.error("--licenses and --checks must be at least 1")
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
        outcomes["authorized" if decision.authorized else decision.failed_question.value] += 1
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
    print(f"ipr_checks_per_s={per_s:.0f} p50_ms={p50_ms:.3f} p99_ms={p99_ms:.3f}")


if __name__ == "__main__":
    main()
