"""Reads of private records through the README's commands (issue 13): an organization
outside a record's collection gets what it holds (often nothing) and one line on stderr
saying the rest is private, never an empty answer that reads as "there is none"."""

from __future__ import annotations

import json
from pathlib import Path

from _cli_helpers import assert_ok, tl
from test_cli_entries import CERTIFICATION, broker, world, write  # noqa: F401  (fixtures)
from test_cli_entries import run as entries_run
from test_cli_ipr import ORGANIZATIONS, licensed
from test_cli_ipr import run as ipr_run

from tradeledger.node import create_network


def test_an_empty_access_log_says_whose_records_it_could_hold(tmp_path: Path):
    create_network(tmp_path / "net")
    result = tl("access-log", "--dir", tmp_path / "net", "--as", "exporter")
    assert_ok(result)
    assert result.stdout == ""
    assert "no access record that exporter is a party to" in result.stderr
    assert "private to the document's owner, the requester and customs" in result.stderr


def test_certify_without_an_importer_says_its_claims_cannot_be_judged_on_the_terms(world, tmp_path: Path):
    cert = write(tmp_path / "cert.json", CERTIFICATION)
    alone = entries_run("origin", "certify", cert, "--dir", world["net"], "--as", "exporter")
    assert_ok(alone)
    assert json.loads(alone.stdout)["valid"] is True
    assert "private to exporter and customs" in alone.stderr and "--importer ORG" in alone.stderr
    shared = entries_run("origin", "certify", cert, "--dir", world["net"], "--as", "exporter",
                         "--importer", "importer")
    assert_ok(shared)
    assert shared.stderr == ""


def test_a_broker_read_outside_its_license_collection_says_the_license_is_private(world, broker):  # noqa: F811
    outside = entries_run("entry", "broker", "broker", "--dir", world["net"], "--as", "exporter")
    assert_ok(outside)
    shown = json.loads(outside.stdout)
    assert shown["license"] is None and "21044" not in outside.stdout and "H7K" not in outside.stdout
    assert "broker's license is registered, private to broker, customs; exporter is not one of them" \
        in outside.stderr
    assert "21044" not in outside.stderr and "H7K" not in outside.stderr
    member = entries_run("entry", "broker", "broker", "--dir", world["net"], "--as", "customs")
    assert_ok(member)
    assert json.loads(member.stdout)["license"]["license_number"] == "21044" and member.stderr == ""


def test_a_license_tree_read_outside_customs_says_it_shows_only_the_readers_licenses(tmp_path: Path):
    net = tmp_path / "net"
    create_network(net, ORGANIZATIONS)
    licensed(net, tmp_path)
    outside = ipr_run("chain", "ACME TRAIL", "--dir", str(net), "--as", "brand")
    assert outside.exit_code == 0, outside.output
    assert "as brand: licenses are private to their chain's parties and customs" in outside.stderr
    customs = ipr_run("chain", "ACME TRAIL", "--dir", str(net), "--as", "customs")
    assert customs.exit_code == 0 and customs.stderr == ""
    assert json.loads(customs.stdout)["licenses_shown"] == 2
