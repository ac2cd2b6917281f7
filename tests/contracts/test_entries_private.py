"""Entry summaries and broker standing in private collections (issue 13, DESIGN.md decision 15).

An entry's summary lives only at its importer, its filer and the customs office it is filed
with; a flagged agency holds the lines flagged to it and nothing of the others; everyone
else holds the public facts (number, parties, status, flagged agencies) and the
commitments. A broker's license and power of attorney live only in their collections, and
the power of attorney is still checked at each filing. The scans read every byte of each
organization's folder, as `tests/ledger/test_collections.py` does.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from _brokers import make_broker, power_of_attorney, register, status_list, status_pointer, trusted
from _entries import split_args, submit

from tradeledger.contracts import brokers, default_contracts, entries
from tradeledger.domain.entry_number import complete_entry_number
from tradeledger.errors import Refused
from tradeledger.ledger.authority import REGISTRY, org_key
from tradeledger.ledger.collections import PrivateInput, private_namespace
from tradeledger.ledger.contract import Signer
from tradeledger.ledger.memory import ContractHarness, MemoryState
from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.runtime.setup import OrgPlan
from tradeledger.workflows.entries import decide_entry, file_entry, read_entry

PLAN = (
    OrgPlan("customs", "customs", "Customs"),
    OrgPlan("importer", "importer", "Northwind Imports LLC"),
    OrgPlan("broker", "broker", "Harbor Customs Brokerage Inc."),
    OrgPlan("exporter", "exporter", "Aceros del Norte"),
    OrgPlan("holder", "rights_holder", "Brand Owner Inc."),
    OrgPlan("fda", "agency", "Food and Drug Administration"),
    OrgPlan("epa", "agency", "Environmental Protection Agency"),
)
# Marker values, one per private field, each found nowhere else.
IMPORTER_NUMBER = "98-765432100"
BILL = "MARKERBOL778899"
VALUE_FDA, VALUE_EPA, VALUE_PLAIN = "71234.56", "83456.78", "95678.90"
DESCRIPTION_PLAIN = "marker widgets of line three"
MARKERS = (IMPORTER_NUMBER, BILL, VALUE_FDA, VALUE_EPA, VALUE_PLAIN, DESCRIPTION_PLAIN)
LICENSE_NUMBER = b"BROKER-21044"  # tests/contracts/_brokers.license_for
_numbers = itertools.count(1)


def new_number() -> str:
    return str(complete_entry_number(f"PRV-{next(_numbers):07d}"))


def line(number: int, value: str, description: str, flags: list[str]) -> dict[str, Any]:
    return {"line": number, "description": description, "hts": "8501.10.4020", "origin": "MX",
            "entered_value": value, "mid": "MXACEDEL450MON", "flags": flags}


def summary(number: str, **fields: Any) -> dict[str, Any]:
    data = {"entry_number": number, "filed_with": "customs", "importer": "importer", "entry_type": "01",
            "port_code": "2304", "entry_date": "2026-03-03", "imported_on": "2026-03-02",
            "importer_number": IMPORTER_NUMBER, "mode_of_transport": "30", "country_of_export": "MX",
            "bill_of_lading": BILL, "documents": [],
            "lines": [line(1, VALUE_FDA, "marker food contact ware", ["fda"]),
                      line(2, VALUE_EPA, "marker engines", ["epa"]),
                      line(3, VALUE_PLAIN, DESCRIPTION_PLAIN, [])]}
    data.update(fields)
    return data


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One broker filing, decided by customs; the network closed afterwards for the scans."""
    directory = tmp_path_factory.mktemp("private") / "net"
    create_network(directory, PLAN)
    network = EmbeddedNetwork(directory)
    with network:
        make_broker(network, "broker", "importer")
        number = new_number()
        filed = file_entry(network, "broker", summary(number))
        decide_entry(network, "customs", "review", number, "marker valuation review")
        views = {org.name: read_entry(network, org.name, number) for org in PLAN}
        yield {"net": network, "number": number, "filed": filed, "views": views}


def folder_bytes(net: EmbeddedNetwork, organization: str) -> bytes:
    folder = net.layout.store(organization).parent
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_the_members_hold_the_summary_and_the_public_record_says_only_who_when_and_where(world):
    number, views = world["number"], world["views"]
    assert world["filed"].receipt.valid and world["filed"].entry is not None
    for member in ("importer", "broker", "customs"):
        view = views[member]
        assert view is not None and view.visible
        assert (view.current.importer_number, view.current.bill_of_lading) == (IMPORTER_NUMBER, BILL)
        assert view.current.status == "under_review" and view.current.status_reason == "marker valuation review"
    filing = entries.find_filing(world["net"].state("holder"), number)
    assert filing is not None
    assert (filing.filer, filing.importer, filing.filed_with, filing.status) == \
        ("broker", "importer", "customs", "under_review")
    assert filing.flagged_agencies == ("epa", "fda")
    assert [(e.status, e.by) for e in filing.history] == [("filed", "broker"), ("under_review", "customs")]
    assert "marker" not in str(filing.to_dict())


def test_a_non_member_gets_no_summary_and_a_clear_answer(world):
    number = world["number"]
    for outsider in ("exporter", "holder"):
        state = world["net"].state(outsider)
        assert entries.find_entry(state, number) is None
        assert entries.entry_versions(state, number) == []
        view = world["views"][outsider]
        assert view is not None and not view.visible and view.agency_lines is None
        notice = view.private_notice()
        assert f"entry {number} is filed (status under review" in notice
        assert "by broker for importer with customs" in notice
        assert "private to its importer, filer and customs" in notice
        assert not any(marker in str(view.to_dict()) for marker in MARKERS)


def test_a_flagged_agency_holds_its_lines_and_nothing_of_the_others(world):
    number, net = world["number"], world["net"]
    fda = world["views"]["fda"]
    assert fda is not None and not fda.visible and fda.agency_lines is not None
    assert [(item.line, item.entered_value) for item in fda.agency_lines.lines] == [(1, VALUE_FDA)]
    assert (fda.agency_lines.port_code, fda.agency_lines.version) == ("2304", 1)
    assert entries.find_agency_lines(net.state("fda"), number, "epa") is None
    epa = entries.find_agency_lines(net.state("epa"), number, "epa")
    assert epa is not None and [item.entered_value for item in epa.lines] == [VALUE_EPA]
    assert entries.find_entry(net.state("fda"), number) is None


def test_the_store_of_each_organization_holds_only_the_markers_it_is_entitled_to(world):
    net = world["net"]
    net.close()
    entitled = {
        "importer": MARKERS, "broker": MARKERS, "customs": MARKERS,
        "fda": (VALUE_FDA,), "epa": (VALUE_EPA,), "exporter": (), "holder": (),
    }
    for organization, markers in entitled.items():
        held = folder_bytes(net, organization)
        for marker in MARKERS:
            assert (marker.encode() in held) == (marker in markers), (organization, marker)
    # The broker's license number: at the broker and customs, and at the importer, whose
    # power of attorney's collection keeps what the filing check needs of the license.
    for organization in ("broker", "customs", "importer"):
        assert LICENSE_NUMBER in folder_bytes(net, organization)
    for organization in ("exporter", "holder", "fda", "epa"):
        assert LICENSE_NUMBER not in folder_bytes(net, organization)
    orderer = b"".join(p.read_bytes() for p in net.layout.orderer.parent.rglob("*") if p.is_file())
    assert orderer  # the stream of envelopes: commitments only
    assert not any(marker.encode() in orderer for marker in MARKERS)


# --- refusals: with a reason, and nothing written -------------------------------------------------

@pytest.fixture(scope="module")
def net(tmp_path_factory):
    directory = tmp_path_factory.mktemp("refusals") / "net"
    create_network(directory, PLAN)
    with EmbeddedNetwork(directory) as network:
        yield network


def nothing_written(net, number: str) -> None:
    assert entries.find_filing(net.state("customs"), number) is None
    assert entries.find_entry(net.state("importer"), number) is None


def test_a_broker_without_a_power_of_attorney_is_refused_and_nothing_is_written(net):
    number = new_number()
    size = net.reader.head.log_size
    with pytest.raises(Refused, match="broker may not act for importer: broker broker holds no "
                                      "PowerOfAttorneyCredential from importer"):
        file_entry(net, "broker", summary(number))
    assert net.reader.head.log_size == size
    nothing_written(net, number)


def test_a_power_of_attorney_revoked_after_filing_stops_the_next_amendment(net):
    status_list(net, "importer", "poa-status", "revocation")
    trusted(net, "customs", brokers.LICENSE_TYPE, "customs")
    trusted(net, "importer", brokers.POWER_OF_ATTORNEY_TYPE, "importer")
    make_broker(net, "broker", "importer")
    register(net, "broker", "register_power_of_attorney", power_of_attorney(
        net, "importer", "broker", credential_status=status_pointer(net, "importer", "poa-status", 3)))
    number = new_number()
    file_entry(net, "broker", summary(number))
    net.submit_checked("importer", "status", "set", {"list_id": "poa-status", "index": 3, "reason": "ended"})
    amended = {k: v for k, v in summary(number).items() if k not in ("filed_with", "importer")}
    with pytest.raises(Refused, match="power of attorney of importer for broker is revoked since"):
        submit(net, "broker", "amend", {**amended, "reason": "value corrected"})
    assert entries.find_filing(net.state("customs"), number).version == 1


def test_wrong_flags_are_refused_and_nothing_is_written(net):
    number = new_number()
    public, private = split_args("file", summary(number))
    with pytest.raises(Refused, match="not those its lines are flagged to"):  # an agency left out
        lies = {**public, "flagged_agencies": ["fda"]}
        net.submit_checked("importer", entries.NAMESPACE, "file", lies,
                           private=[p for p in private if "epa" not in p.collection])
    with pytest.raises(Refused, match="one private part 'lines' for each flagged agency"):
        net.submit_checked("importer", entries.NAMESPACE, "file", public, private=private[1:])
    nothing_written(net, number)


def test_an_agency_handed_another_lines_is_refused_and_nothing_is_written(net):
    number = new_number()
    public, private = split_args("file", summary(number))
    epa = private[0]
    assert epa.collection == entries.agency_collection(number, "epa")
    swapped = PrivateInput(epa.part, epa.collection, {**epa.args, "lines": summary(number)["lines"][2:]})
    with pytest.raises(Refused, match="handed the lines flagged to it"):
        net.submit_checked("importer", entries.NAMESPACE, "file", public, private=[swapped, *private[1:]])
    nothing_written(net, number)


def test_an_outsider_cannot_decide_or_send_a_part_for_an_entry(net):
    number = new_number()
    file_entry(net, "importer", summary(number))
    with pytest.raises(Refused, match="role exporter"):
        decide_entry(net, "exporter", "accept", number)
    assert entries.find_filing(net.state("customs"), number).status == "filed"


# --- on the in-memory state -----------------------------------------------------------------------

ROLES = {"customs": "customs", "importer": "importer", "fda": "agency", "epa": "agency"}


def test_in_memory_the_parts_write_only_their_collections():
    rows = {(REGISTRY, org_key(name)): {"name": name, "role": role, "display_name": name, "status": "active",
                                         "since_ms": 0} for name, role in ROLES.items()}
    harness = ContractHarness(default_contracts(), MemoryState(rows))
    signer = Signer("did:key:zimporter", "importer", "importer", "admin", True)
    number = new_number()
    public, private = split_args("file", summary(number))
    harness.run(signer, entries.NAMESPACE, "file", public, time_ms=1_772_500_000_000, private=private)
    public_rows = {key: value for (namespace, key), value in harness.state.rows.items() if namespace == "entries"}
    assert not any(marker in str(public_rows) for marker in MARKERS)
    fda = harness.state.get_state(private_namespace("entries", entries.agency_collection(number, "fda")), "lines")
    assert VALUE_FDA in str(fda) and VALUE_EPA not in str(fda) and VALUE_PLAIN not in str(fda)
    entry = entries.find_entry(harness.state, number)
    assert entry is not None and entry.importer_number == IMPORTER_NUMBER
