"""End to end through the installed `tradeledger` console script, in real processes:
init, anchor, proof, then verify offline after the network folder is gone."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ENTRY_POINT = Path(sys.executable).parent / "tradeledger"

pytestmark = pytest.mark.skipif(not ENTRY_POINT.exists(), reason=f"{ENTRY_POINT} is not installed")


def run(*args, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1"}
    return subprocess.run([str(ENTRY_POINT), *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=60)


def test_the_installed_command_end_to_end(tmp_path: Path):
    invoice = tmp_path / "invoice.pdf"
    invoice.write_bytes(b"%PDF-1.7 commercial invoice INV-1000288, total 28500.00 USD\n")
    packing = tmp_path / "packing.pdf"
    packing.write_bytes(b"%PDF-1.7 packing list PL-55810, 40 packages\n")

    init = run("init", "--dir", "net", cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    assert "importer" in init.stdout

    anchor = run("anchor", invoice.name, packing.name, "--dir", "net", "--as", "importer",
                 "--type", "commercial_invoice", "--ref", "entry=B76-0324527-8", cwd=tmp_path)
    assert anchor.returncode == 0, anchor.stderr
    lines = [json.loads(line) for line in anchor.stdout.splitlines()]
    assert len(lines) == 2 and all(line["status"] == "final" for line in lines)

    proof = run("proof", invoice.name, "--dir", "net", "-o", "invoice.proof.json", cwd=tmp_path)
    assert proof.returncode == 0, proof.stderr

    shutil.rmtree(tmp_path / "net")  # verify needs no ledger folder

    ok = run("verify", invoice.name, "invoice.proof.json", cwd=tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    report = json.loads(ok.stdout)
    assert report["valid"] is True and report["txid"] == lines[0]["txid"]

    wrong = run("verify", packing.name, "invoice.proof.json", cwd=tmp_path)
    assert wrong.returncode == 1
    assert json.loads(wrong.stdout)["valid"] is False


def test_the_installed_command_refuses_in_one_line(tmp_path: Path):
    missing_network = run("log", "--dir", "nowhere", cwd=tmp_path)
    assert missing_network.returncode != 0
    assert missing_network.stdout == ""
    [line] = missing_network.stderr.splitlines()
    assert line.startswith("error:") and "tradeledger init" in line
    assert not (tmp_path / "nowhere").exists()
