"""eddsa-jcs-2022 credentials issued and verified per second, against raw Ed25519 verification.

The credential is the W3C Traceability Vocabulary's Mill Test Report example (VC 2.0 as
published; tests/credentials/data/traceability/MillTestReportCredential.json), used
unchanged: its issuer did:web:organization.example.com gets a benchmark key through a
resolver table, as the ledger's registry would provide. Its chemical composition holds
floats, so the float-aware JCS path is the one measured.

Rates, single core, interleaved so that machine noise hits all of them alike:

* issue:        issue_credential (data model check, JCS, SHA-256, Ed25519 sign, base58btc);
* verify:       verify_proof, the eddsa-jcs-2022 verification of the issued credential
                (proof checks, key resolution, JCS of proof and document, SHA-256, base58btc
                decoding, Ed25519 verify);
* full verify:  verify_credential (adds the VC 2.0 data model check, issuer binding and the
                validity period);
* raw verify:   PyNaCl VerifyKey.verify of a 64-byte message, the floor.

    .venv/bin/python benchmarks/credentials.py [--seconds S]
Last line: issue_per_s=<x> verify_per_s=<y> raw_verify_per_s=<z> ratio=<y/z>
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import nacl.signing
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from tradeledger.credentials import (
    issue_credential,
    jcs,
    resolver_from_keys,
    verify_credential,
    verify_proof,
)
from tradeledger.crypto.keys import KeyPair

EXAMPLE = (Path(__file__).resolve().parent.parent / "tests" / "credentials" / "data"
           / "traceability" / "MillTestReportCredential.json")
ROUNDS = 8  # each rate is measured in this many interleaved slices

console = Console(stderr=True)


def calls_per_second(work: Callable[[], object], seconds: float) -> tuple[int, float]:
    """(calls, elapsed) running `work` for about `seconds`, checking the clock every 32 calls."""
    calls, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(32):
            work()
        calls += 32
        now = time.perf_counter()
        if now >= deadline:
            return calls, now - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0,
                        help="total seconds spent on each measured rate (default 8)")
    args = parser.parse_args()

    credential = json.loads(EXAMPLE.read_text())
    keypair = KeyPair(bytes(range(32)))
    verification_method = credential["issuer"]["id"] + "#key-1"
    resolver = resolver_from_keys({verification_method: keypair.public_key})
    issued = issue_credential(credential, keypair, verification_method,
                              created="2024-01-01T00:00:00Z")
    assert verify_credential(issued, resolver=resolver).verified

    raw_key = nacl.signing.SigningKey(os.urandom(32))
    raw_message = os.urandom(64)  # what eddsa-jcs-2022 signs: two SHA-256 digests
    raw_signature = raw_key.sign(raw_message).signature
    raw_verify = raw_key.verify_key.verify

    rates = {
        "issue": lambda: issue_credential(credential, keypair, verification_method,
                                          created="2024-01-01T00:00:00Z"),
        "verify": lambda: verify_proof(issued, resolver=resolver,
                                       expected_purpose="assertionMethod"),
        "full verify": lambda: verify_credential(issued, resolver=resolver),
        "raw verify": lambda: raw_verify(raw_message, raw_signature),
    }
    totals = {name: [0, 0.0] for name in rates}
    slice_seconds = args.seconds / ROUNDS
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("measuring", total=ROUNDS * len(rates))
        for _ in range(ROUNDS):
            for name, work in rates.items():
                calls, elapsed = calls_per_second(work, slice_seconds)
                totals[name][0] += calls
                totals[name][1] += elapsed
                progress.advance(task)
    per_second = {name: calls / elapsed for name, (calls, elapsed) in totals.items()}

    table = Table(title=f"eddsa-jcs-2022 on {EXAMPLE.name} ({len(EXAMPLE.read_bytes())} bytes)")
    table.add_column("operation")
    table.add_column("per second", justify="right")
    table.add_column("µs each", justify="right")
    for name, rate in per_second.items():
        table.add_row(name, f"{rate:,.0f}", f"{1e6 / rate:,.1f}")
    console.print(table)
    raw = per_second["raw verify"]
    encoder = "orjson" if jcs.jcs_bytes is jcs.orjson_jcs_bytes else "standard library json"
    console.print(f"JCS encoder: {encoder}; "
                  f"full verify / raw verify = {per_second['full verify'] / raw:.2f}")
    print(f"issue_per_s={per_second['issue']:.0f} verify_per_s={per_second['verify']:.0f} "
          f"raw_verify_per_s={raw:.0f} ratio={per_second['verify'] / raw:.2f}")


if __name__ == "__main__":
    main()
