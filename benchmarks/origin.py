"""Rules-of-origin evaluations per second: the worked cases and a large synthetic bill of materials.

Workloads, each cycled for about --seconds:

* worked:     the 7 worked cases of shared/domain/origin-cases (tests/domain/data copy);
* bom-N:      one synthetic USMCA case with N components (default 50), two alternatives
              (CTH except from a heading, with RVC by transaction value or net cost; CTSH);
* cafta-bom:  the same bill of materials under CAFTA-DR with build-down and build-up;
* mixed:      all of the above in turn.

Each is measured twice: `qualify` on a parsed case (the engine alone), and JSON object in to
JSON object out (`OriginCase.from_dict`, `qualify`, `to_dict`), which is what a contract or
the CLI pays. The headline is the mixed workload, JSON in to JSON out.

    .venv/bin/python benchmarks/origin.py                  # 3 s per measurement
    .venv/bin/python benchmarks/origin.py --seconds 1 --components 200

The last line is machine-readable:
origin_evaluations_per_s=<mixed, JSON in to JSON out>
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from tradeledger.domain.origin import OriginCase, qualify, qualify_dict

WORKED = Path(__file__).resolve().parent.parent / "tests" / "domain" / "data" / "origin-cases"
# Component classifications: some share the good's heading 8501, one is under the excepted 8503.
COMPONENT_HS = ["7318.15", "7326.90", "8503.00", "8504.40", "8501.20", "3926.90", "7606.12", "8544.42",
                "8532.24", "4016.93"]


def worked_cases() -> list[dict[str, Any]]:
    cases = [json.loads(p.read_text()) for p in sorted(WORKED.glob("*.case.json"))]
    if not cases:
        raise SystemExit(f"no worked cases under {WORKED}")
    return cases


def synthetic_bom(components: int, agreement: str) -> dict[str, Any]:
    """A good of `components` materials, a third of them originating, about 45% VNM."""
    materials: list[dict[str, Any]] = [
        {
            "description": f"component {i}",
            "hs": COMPONENT_HS[i % len(COMPONENT_HS)],
            "value": f"{1 + (i * 37) % 19}.{(i * 13) % 100:02d}",
            "originating": i % 3 == 0,
        }
        for i in range(components)
    ]
    total = sum(Decimal(m["value"]) for m in materials)
    value = format((total * Decimal("1.25")).quantize(Decimal("0.01")), "f")
    if agreement == "CAFTA-DR":
        good = {"description": "motor", "hs": "8501.10", "transaction_value": value, "adjusted_value": value}
        alternatives = [{"tariff_shift": "CTH", "except_from": ["8503"], "rvc": {"build_down": "35", "build_up": "30"}},
                        {"rvc": {"build_down": "45"}}]
    else:
        good = {"description": "motor", "hs": "8501.10", "transaction_value": value,
                "net_cost": format((total * Decimal("1.1")).quantize(Decimal("0.01")), "f")}
        alternatives = [{"tariff_shift": "CTH", "except_from": ["8503"],
                         "rvc": {"transaction_value": "60", "net_cost": "50"}},
                        {"tariff_shift": "CTSH", "rvc": {"transaction_value": "70"}}]
    return {"agreement": agreement, "good": good, "materials": materials, "rule": {"alternatives": alternatives}}


def rate(work: Callable[[int], object], seconds: float) -> float:
    """Calls work(i) for i = 0, 1, ... for about `seconds`; returns calls per second."""
    calls = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(16):  # check the clock every 16 calls
            work(calls)
            calls += 1
        now = time.perf_counter()
        if now >= deadline:
            return calls / (now - start)


def measure(name: str, cases: list[dict[str, Any]], seconds: float) -> tuple[float, float]:
    parsed = [OriginCase.from_dict(c) for c in cases]
    n = len(cases)
    engine = rate(lambda i: qualify(parsed[i % n]), seconds)
    json_path = rate(lambda i: qualify_dict(cases[i % n]), seconds)
    print(f"{name:<12} cases={n:<2} qualify_per_s={engine:,.0f}  json_in_json_out_per_s={json_path:,.0f}")
    return engine, json_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement (default 3)")
    parser.add_argument("--components", type=int, default=50, help="components in the synthetic bill (default 50)")
    args = parser.parse_args()

    worked = worked_cases()
    usmca_bom = synthetic_bom(args.components, "USMCA")
    cafta_bom = synthetic_bom(args.components, "CAFTA-DR")
    for label, data in (("bom", usmca_bom), ("cafta-bom", cafta_bom)):
        outcome = qualify_dict(data)
        print(f"{label}: {args.components} components, qualifies={outcome['qualifies']} "
              f"criterion={outcome['criterion']} rvc={[r['percent'] for r in outcome['rvc']]}")

    measure("worked", worked, args.seconds)
    measure(f"bom-{args.components}", [usmca_bom], args.seconds)
    measure("cafta-bom", [cafta_bom], args.seconds)
    _, mixed = measure("mixed", worked + [usmca_bom, cafta_bom], args.seconds)
    print(f"origin_evaluations_per_s={mixed:.0f}")


if __name__ == "__main__":
    main()
