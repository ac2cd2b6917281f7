"""Entry summaries filed per second on the embedded network, and origin evaluations per second.

Entries: each has 5 lines (two claiming USMCA, SPI S, under the exporter's blanket
certification; one steel line with its country of melt and pour) and links 4 supporting
documents: its own commercial invoice, packing list and bill of lading, and the blanket
certification of origin it shares with the others. The path timed is the real one: the
filer signs the envelope; the solo orderer appends it (fsync); every peer of the demo
network (5 organizations in this one process) checks the signature, validates the 7501
data with the domain engines, looks up the 4 anchored documents, judges the claims against
the certification's public terms, writes the entry, commits the block and cosigns it until
it is final. Two figures:

* filing: the documents are anchored beforehand, entry envelopes signed beforehand (as
  filers sign on their own machines), submitted in batches and waited for until final;
* with documents: per entry, its 3 own documents anchored (salted commitments, kept in
  the importer's vault) and then the entry filed, every batch waited for until final.

Origin: the rules-of-origin engine on the worked cases of shared/domain/origin-cases,
JSON in to JSON out, and customs' whole assessment of a verification
(`domain.origin.determination.assess`: the ledger's claim judgement, the certification
check result and the engine).

    .venv/bin/python benchmarks/entries.py                    # 600 entries, batches of 100
    .venv/bin/python benchmarks/entries.py --entries 2000 --batch 200 --seconds 2

The last line is machine-readable:
entries_filed_per_s=<filing> entries_with_documents_per_s=<with documents> origin_evaluations_per_s=<engine>
"""

from __future__ import annotations

import argparse
import datetime
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from tradeledger.contracts import entries
from tradeledger.domain.entry_number import complete_entry_number
from tradeledger.domain.origin import qualify_dict
from tradeledger.domain.origin.claims import ClaimOutcome
from tradeledger.domain.origin.determination import CertificationCheck, VerifiedClaim, assess
from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.runtime.clock import now_ms
from tradeledger.workflows.documents import anchor_documents

WORKED = Path(__file__).resolve().parent.parent / "tests" / "domain" / "data" / "origin-cases"
LINES = [
    ("electric motors", "8501.10.4020", "S", None),
    ("electric motors 37.5 W to 750 W", "8501.20.4000", "S", None),
    ("motor parts", "8503.00.9545", None, None),
    ("hot-rolled steel coil", "7208.51.0030", None, "MX"),
    ("insulated wire", "8544.42.9090", None, None),
]


def today() -> datetime.date:
    return datetime.datetime.fromtimestamp(now_ms() / 1000, datetime.UTC).date()


def blanket_certification(net: EmbeddedNetwork) -> str:
    year = today().year
    [anchored] = anchor_documents(net, "exporter", [(Path("certification.json"), b'{"certification": "blanket"}')],
                                  "certification_of_origin", {
                                      "agreement": "USMCA", "certifier_role": "exporter", "hs": "850110,850120",
                                      "certified_on": f"{year}-01-01", "blanket_from": f"{year}-01-01",
                                      "blanket_to": f"{year}-12-31"})
    return anchored.commitment


def supporting_documents(net: EmbeddedNetwork, first: int, count: int, wait: str) -> list[dict[str, str]]:
    """Anchor `count` entries' invoice, packing list and bill of lading; per entry, its 3 links."""
    links: list[dict[str, str]] = [{} for _ in range(count)]
    for doc_type in ("commercial_invoice", "packing_list", "bill_of_lading"):
        files = [(Path(f"{doc_type}-{first + i}.json"),
                  json.dumps({"type": doc_type, "entry": first + i, "total": "41200.00"}).encode())
                 for i in range(count)]
        for i, result in enumerate(anchor_documents(net, "importer", files, doc_type, {}, wait=wait)):
            links[i][doc_type] = result.commitment
    return links


def summary(index: int, certification: str, own: dict[str, str]) -> dict[str, Any]:
    day = today().isoformat()
    lines = []
    for number, (description, hts, spi, melt_pour) in enumerate(LINES, start=1):
        line = {"line": number, "description": description, "hts": hts, "origin": "MX",
                "entered_value": f"{8000 + number * 250}", "mid": "MXACEDEL450MON"}
        if spi:
            line.update(spi=spi, certification=certification)
        if melt_pour:
            line["melt_pour"] = melt_pour
        lines.append(line)
    return {
        "entry_number": str(complete_entry_number(f"BEN-{index:07d}")), "filed_with": "customs",
        "importer": "importer", "entry_type": "01", "port_code": "2304", "entry_date": day, "imported_on": day,
        "importer_number": "12-345678900", "mode_of_transport": "30", "country_of_export": "MX",
        "bill_of_lading": f"TFMX{index:07d}", "lines": lines,
        "documents": [{"doc_type": t, "commitment": c} for t, c in own.items()]
        + [{"doc_type": "certification_of_origin", "commitment": certification}],
    }


def check_filed(net: EmbeddedNetwork, count: int, first: int = 0) -> None:
    for index in (first, first + count - 1):
        entry = entries.find_entry(net.state("customs"), str(complete_entry_number(f"BEN-{index:07d}")))
        assert entry is not None and len(entry.lines) == 5 and len(entry.documents) == 4, index
        assert [line.claim.status for line in entry.lines if line.claim] == ["supported"] * 2, entry


def filing_rate(count: int, batch: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        create_network(Path(tmp) / "net", max_block_transactions=batch)
        with EmbeddedNetwork(Path(tmp) / "net", parallel_verification=True) as net:
            certification = blanket_certification(net)
            own = supporting_documents(net, 0, count, "final")
            signed = [net.sign("importer", entries.NAMESPACE, "file", summary(i, certification, own[i])).leaf_bytes()
                      for i in range(count)]
            start = time.perf_counter()
            for first in range(0, count, batch):
                receipts = net.submit(signed[first:first + batch], wait="final")
                assert all(r.valid for r in receipts), receipts[0].reason
            seconds = time.perf_counter() - start
            check_filed(net, count)
    return count / seconds


def with_documents_rate(count: int, batch: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        create_network(Path(tmp) / "net", max_block_transactions=4 * batch)
        with EmbeddedNetwork(Path(tmp) / "net", parallel_verification=True) as net:
            certification = blanket_certification(net)
            start = time.perf_counter()
            for first in range(0, count, batch):
                size = min(batch, count - first)
                own = supporting_documents(net, first, size, "ordered")
                envelopes = [net.sign("importer", entries.NAMESPACE, "file",
                                      summary(first + i, certification, own[i])) for i in range(size)]
                receipts = net.submit(envelopes, wait="final")
                assert all(r.valid for r in receipts), receipts[0].reason
            seconds = time.perf_counter() - start
            check_filed(net, count)
    return count / seconds


def rate(work, seconds: float) -> float:
    calls, start = 0, time.perf_counter()
    while True:
        for _ in range(16):
            work(calls)
            calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return calls / elapsed


def origin_rates(seconds: float) -> tuple[float, float]:
    cases = [json.loads(p.read_text()) for p in sorted(WORKED.glob("*.case.json"))]
    engine = rate(lambda i: qualify_dict(cases[i % len(cases)]), seconds)
    motor = json.loads((WORKED / "tv-pass.case.json").read_text())
    claim = VerifiedClaim("v", "BEN-0000000-0", 1, "8501.10.4020", "MX", "USMCA", "S", "importer", "exporter",
                          ClaimOutcome("S", "USMCA", "supported"))
    check = CertificationCheck("ab" * 32, True, (), "urn:uuid:x", ("B",))
    assessment = rate(lambda i: assess(claim, check, [motor], "customs"), seconds)
    return engine, assessment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=600, help="entries per measurement (default 600)")
    parser.add_argument("--batch", type=int, default=100, help="entries per submit and per block (default 100)")
    parser.add_argument("--seconds", type=float, default=2.0, help="time per origin measurement (default 2)")
    args = parser.parse_args()

    filed = filing_rate(args.entries, args.batch)
    print(f"entries (5 lines, 4 linked documents) filed to final, 5 peers in one process: {filed:8.1f} /s")
    full = with_documents_rate(args.entries, args.batch)
    print(f"entries with their 3 own documents anchored first, to final:                  {full:8.1f} /s "
          f"({4 * full:.0f} envelopes/s)")
    engine, assessment = origin_rates(args.seconds)
    print(f"rules-of-origin evaluations, worked cases, JSON in to JSON out:               {engine:8.0f} /s")
    print(f"customs assessments of a verification (claim, certification check, engine):    {assessment:8.0f} /s")
    print(f"entries_filed_per_s={filed:.1f} entries_with_documents_per_s={full:.1f} "
          f"origin_evaluations_per_s={engine:.0f}")


if __name__ == "__main__":
    main()
