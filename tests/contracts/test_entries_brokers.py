"""Who may file an importer's entries (issue 6, item 2): the importer, or a licensed broker it empowered.

A broker registers, once, a CustomsBrokerLicenseCredential naming it (from an issuer the
trust registry trusts for that type) and the importer's PowerOfAttorneyCredential naming
it. Both are verified completely at that block: data model, eddsa-jcs-2022 proof by a key
registered to the issuer and active when it signed, validity period, status lists, trust.
Every filing and amendment re-checks them at its own block time: still valid, issuer still
trusted, no revocation or suspension bit set. Refusals say what is wrong and what to do.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from _brokers import (
    license_for,
    make_broker,
    power_of_attorney,
    register,
    status_list,
    status_pointer,
    trusted,
)
from _entries import submit

from tradeledger.contracts import brokers, default_contracts, entries
from tradeledger.contracts.brokers import (
    BrokerLicense,
    PowerOfAttorney,
    RegisteredCredential,
    StatusPointer,
)
from tradeledger.contracts.entries import EntryRecord
from tradeledger.credentials import build_credential, issue_credential
from tradeledger.credentials.data_integrity import default_created
from tradeledger.credentials.datetimes import utc_now
from tradeledger.credentials.types import customs_broker_license_subject
from tradeledger.crypto import KeyPair
from tradeledger.domain.entry_number import complete_entry_number
from tradeledger.errors import Refused
from tradeledger.ledger.authority import REGISTRY, KeyRecord, key_key, org_key
from tradeledger.ledger.collections import PrivateInput, private_namespace
from tradeledger.ledger.contract import Signer
from tradeledger.ledger.keys import state_key
from tradeledger.ledger.memory import ContractHarness, MemoryState
from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.records import RecordError
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.setup import OrgPlan
from tradeledger.workflows.brokers import register_broker

ORGANIZATIONS = (
    OrgPlan("customs", "customs", "U.S. Customs and Border Protection"),
    OrgPlan("customs-west", "customs", "Another customs authority"),
    OrgPlan("importer", "importer", "Northwind Imports LLC"),
    OrgPlan("importer-other", "importer", "Southwind Imports LLC"),
    OrgPlan("harbor", "broker", "Harbor Customs Brokerage Inc."),
    OrgPlan("pier", "broker", "Pier Nine Brokers LLC"),
    OrgPlan("exporter", "exporter", "Aceros del Norte S.A. de C.V."),
)
LICENSE, POA = "register_license", "register_power_of_attorney"
_numbers = iter(range(1, 10_000))


@pytest.fixture
def net(tmp_path):
    """A fresh network per test: licenses, trust and status bits do not leak between tests."""
    create_network(tmp_path / "net", ORGANIZATIONS)
    with EmbeddedNetwork(tmp_path / "net") as network:
        yield network


def summary(**fields: Any) -> dict[str, Any]:
    data = {
        "entry_number": str(complete_entry_number(f"HBR-{next(_numbers):07d}")), "filed_with": "customs",
        "importer": "importer", "entry_type": "01", "port_code": "2304", "entry_date": "2026-03-03",
        "imported_on": "2026-03-02", "importer_number": "12-345678900", "mode_of_transport": "30",
        "country_of_export": "MX", "bill_of_lading": "MAEU240551873",
        "lines": [{"line": 1, "description": "electric motors", "hts": "8501.10.4020", "origin": "MX",
                   "entered_value": "28500", "mid": "MXACEDEL450MON"}],
        "documents": [],
    }
    data.update(fields)
    return data


def file(net, filer: str, **fields: Any) -> EntryRecord:
    args = summary(**fields)
    submit(net, filer, "file", args)
    entry = entries.find_entry(net.state("customs"), args["entry_number"])
    assert entry is not None
    return entry


def refused_filing(net, filer: str, why: str, **fields: Any) -> None:
    """Filing is refused with a reason matching `why`, and no entry is recorded."""
    args = summary(**fields)
    with pytest.raises(Refused, match=why):
        submit(net, filer, "file", args)
    assert entries.find_entry(net.state("customs"), args["entry_number"]) is None


def refused_registration(net, organization: str, action: str, credential: dict[str, Any], why: str) -> None:
    before = dict(net.state("customs").scan_state(brokers.NAMESPACE, ""))
    with pytest.raises(Refused, match=why):
        register(net, organization, action, credential)
    assert dict(net.state("customs").scan_state(brokers.NAMESPACE, "")) == before


def set_status(net, organization: str, list_id: str, index: int, reason: str, action: str = "set") -> None:
    net.submit_checked(organization, "status", action, {"list_id": list_id, "index": index, "reason": reason})


# --- who files ----------------------------------------------------------------------------------

def test_a_broker_with_a_license_and_the_importers_power_of_attorney_files_and_amends(net):
    make_broker(net, "harbor", "importer")
    entry = file(net, "harbor")
    assert (entry.filer, entry.importer, entry.status) == ("harbor", "importer", "filed")
    amendment = {k: v for k, v in summary(entry_number=entry.entry_number).items()
                 if k not in ("filed_with", "importer")}
    submit(net, "harbor", "amend", {**amendment, "reason": "value corrected"})
    amended = entries.find_entry(net.state("customs"), entry.entry_number)
    assert amended is not None and amended.version == 2


def test_the_registered_facts_are_kept_for_the_checks_at_each_filing(net):
    make_broker(net, "harbor", "importer")
    held = brokers.find_license(net.state("harbor"), "harbor")
    assert held is not None
    customs_key = net.organization_keys("customs").admin.did
    assert (held.broker, held.credential.issuer, held.credential.issuer_organization) == \
        ("harbor", customs_key, "customs")
    assert (held.license_number, held.filer_code) == ("HARBOR-21044", "H7K")
    valid_from, valid_until = held.credential.valid_from_ms, held.credential.valid_until_ms
    assert valid_from is not None and valid_until is not None
    assert valid_until > held.credential.registered_ms >= valid_from
    [power] = brokers.powers_of_attorney_of(net.state("harbor"), "harbor")
    assert (power.importer, power.broker, power.credential.credential_type) == \
        ("importer", "harbor", "PowerOfAttorneyCredential")


def test_the_importer_files_its_own_entries_without_any_broker_credential(net):
    entry = file(net, "importer")
    assert entry.filer == "importer"


def test_another_importer_files_nothing_for_the_importer(net):
    refused_filing(net, "importer-other", "only the importer of record or a broker files its entries")


def test_a_broker_without_standing_is_told_how_to_register_it(net):
    refused_filing(net, "harbor", "broker harbor holds no PowerOfAttorneyCredential from importer; the importer "
                                  "issues one naming the broker, registered with `tradeledger entry register-broker`")


def test_a_licensed_broker_without_the_importers_power_of_attorney_is_refused(net):
    make_broker(net, "pier", "importer-other")  # empowered by another importer only
    refused_filing(net, "pier", "broker pier holds no PowerOfAttorneyCredential from importer")
    assert file(net, "pier", importer="importer-other").filer == "pier"


# --- the license --------------------------------------------------------------------------------

def test_a_license_from_an_issuer_the_trust_registry_does_not_trust_is_not_registered(net):
    refused_registration(net, "harbor", LICENSE, license_for(net, "harbor", issuer="customs-west"),
                         "issuer is not trusted for it: .* not in the trust registry for "
                         "CustomsBrokerLicenseCredential")


def test_ending_the_issuers_trust_stops_the_broker_filing(net):
    make_broker(net, "harbor", "importer")
    entry = trusted(net, "customs", brokers.LICENSE_TYPE, "customs")
    net.submit_checked("customs", "trust", "end", {"entry": entry, "reason": "licensing key retired"})
    refused_filing(net, "harbor", "license of broker harbor is no longer from a trusted issuer: "
                                  "trust for CustomsBrokerLicenseCredential was ended .* licensing key retired")


def test_a_suspended_license_stops_filing_until_the_suspension_is_lifted(net):
    status_list(net, "customs", "broker-suspension", "suspension")
    make_broker(net, "harbor", "importer")
    register(net, "harbor", LICENSE, license_for(
        net, "harbor", credential_status=status_pointer(net, "customs", "broker-suspension", 4242)))
    file(net, "harbor")
    set_status(net, "customs", "broker-suspension", 4242, "unpaid user fee")
    refused_filing(net, "harbor", r"the license of broker harbor is suspended since \S+Z \(unpaid user fee\)")
    set_status(net, "customs", "broker-suspension", 4242, "fee paid", action="clear")
    assert file(net, "harbor").filer == "harbor"


def test_a_revoked_license_files_nothing_and_cannot_be_registered_again(net):
    status_list(net, "customs", "broker-revocation", "revocation")
    make_broker(net, "harbor", "importer")
    revocable = license_for(net, "harbor", credential_status=status_pointer(net, "customs", "broker-revocation", 7))
    register(net, "harbor", LICENSE, revocable)
    set_status(net, "customs", "broker-revocation", 7, "license revoked under 19 CFR 111.74")
    refused_filing(net, "harbor", "the license of broker harbor is revoked since")
    refused_registration(net, "harbor", LICENSE, revocable,
                         r"does not verify: the credential has been revoked \[REVOKED\]")


def test_an_expired_license_is_not_registered(net):
    trusted(net, "customs", brokers.LICENSE_TYPE, "customs")
    expired = license_for(net, "harbor", valid_from="2024-01-01T00:00:00Z", valid_for=timedelta(days=-1))
    refused_registration(net, "harbor", LICENSE, expired, r"does not verify: the credential expired at .* \[EXPIRED\]")


def test_a_license_stops_counting_when_its_validity_ends(net):
    make_broker(net, "harbor", "importer")
    register(net, "harbor", LICENSE, license_for(net, "harbor", valid_for=timedelta(seconds=2)))
    file(net, "harbor")
    time.sleep(2.2)
    refused_filing(net, "harbor", "the license of broker harbor expired at .*; register a renewed one")


def test_another_brokers_license_is_not_registered(net):
    trusted(net, "customs", brokers.LICENSE_TYPE, "customs")
    refused_registration(net, "harbor", LICENSE, license_for(net, "pier"),
                         "is not for harbor; register the broker's own license")


def test_a_license_changed_after_signing_does_not_verify(net):
    trusted(net, "customs", brokers.LICENSE_TYPE, "customs")
    forged = license_for(net, "harbor")
    forged["credentialSubject"] = {**forged["credentialSubject"], "filerCode": "ZZZ"}
    refused_registration(net, "harbor", LICENSE, forged, "does not verify: signature does not verify")


def test_a_license_signed_by_a_key_the_registry_does_not_know_is_refused(net):
    stranger = KeyPair.generate()
    trusted(net, "customs", brokers.LICENSE_TYPE, "customs")
    unsigned = {k: v for k, v in license_for(net, "harbor").items() if k != "proof"}
    forged = issue_credential({**unsigned, "issuer": stranger.did}, stranger, stranger.verification_method)
    refused_registration(net, "harbor", LICENSE, forged, "issuer is not an organization of this ledger")


def test_a_license_signed_with_a_revoked_issuer_key_is_refused(net):
    licensing = KeyPair.generate()
    net.submit_checked("customs", "registry", "admit_member",
                       {"organization": "customs", "member": "licensing", "key": licensing.did})
    net.submit_checked("customs", "trust", "trust", {"credential_type": brokers.LICENSE_TYPE, "issuer": licensing.did})
    unsigned = {k: v for k, v in license_for(net, "harbor").items() if k != "proof"}
    credential = issue_credential({**unsigned, "issuer": licensing.did}, licensing, licensing.verification_method)
    net.submit_checked("customs", "registry", "revoke_key", {"key": licensing.did, "reason": "laptop stolen"})
    refused_registration(net, "harbor", LICENSE, credential, "issuer key .* was revoked at")


# --- the power of attorney ---------------------------------------------------------------------

def test_a_power_of_attorney_naming_another_broker_is_not_this_brokers(net):
    trusted(net, "importer", brokers.POWER_OF_ATTORNEY_TYPE, "importer")
    for_pier = power_of_attorney(net, "importer", "pier")
    refused_registration(net, "harbor", POA, for_pier, "only pier, the broker it names, or importer, its issuer")
    make_broker(net, "harbor", "importer-other")
    register(net, "pier", LICENSE, license_for(net, "pier"))
    # The importer registers it, with the broker's license beside it: it empowers pier, not harbor.
    register_broker(net, "importer", license_for(net, "pier"), [for_pier], customs="customs")
    refused_filing(net, "harbor", "broker harbor holds no PowerOfAttorneyCredential from importer")


def test_a_power_of_attorney_from_an_importer_not_in_the_trust_registry_is_refused(net):
    trusted(net, "customs", brokers.LICENSE_TYPE, "customs")
    register(net, "harbor", LICENSE, license_for(net, "harbor"))
    refused_registration(net, "harbor", POA, power_of_attorney(net, "importer", "harbor"),
                         "not in the trust registry for PowerOfAttorneyCredential")


def test_a_revoked_power_of_attorney_stops_the_broker_filing_for_that_importer(net):
    status_list(net, "importer", "poa-revocation", "revocation")
    make_broker(net, "harbor", "importer")
    register(net, "harbor", POA, power_of_attorney(
        net, "importer", "harbor", credential_status=status_pointer(net, "importer", "poa-revocation", 11)))
    file(net, "harbor")
    set_status(net, "importer", "poa-revocation", 11, "broker changed")
    refused_filing(net, "harbor",
                   r"the power of attorney of importer for harbor is revoked since \S+ \(broker changed\)")


def test_a_revoked_power_of_attorney_also_stops_amendments(net):
    status_list(net, "importer", "poa-revocation", "revocation")
    make_broker(net, "harbor", "importer")
    register(net, "harbor", POA, power_of_attorney(
        net, "importer", "harbor", credential_status=status_pointer(net, "importer", "poa-revocation", 12)))
    number = file(net, "harbor").entry_number
    set_status(net, "importer", "poa-revocation", 12, "broker changed")
    amendment = {k: v for k, v in summary(entry_number=number).items() if k not in ("filed_with", "importer")}
    with pytest.raises(Refused, match="harbor may not act for importer: .* revoked since"):
        submit(net, "harbor", "amend", {**amendment, "reason": "value corrected"})
    submit(net, "importer", "amend", {**amendment, "reason": "value corrected"})


def test_a_status_entry_pointing_at_someone_elses_list_is_refused(net):
    status_list(net, "exporter", "any-list", "revocation")
    trusted(net, "importer", brokers.POWER_OF_ATTORNEY_TYPE, "importer")
    trusted(net, "customs", brokers.LICENSE_TYPE, "customs")
    register(net, "harbor", LICENSE, license_for(net, "harbor"))
    credential = power_of_attorney(net, "importer", "harbor",
                                   credential_status=status_pointer(net, "exporter", "any-list", 1))
    refused_registration(net, "harbor", POA, credential, "is not a list of importer, the issuer, on this ledger")


# --- on the in-memory state (tradeledger.ledger.memory) ------------------------------------------

MEMORY_ROLES = {"customs": "customs", "importer": "importer", "importer-other": "importer", "harbor": "broker"}


class Memory:
    """The contracts on a registry of active organizations, each with one admin key."""

    def __init__(self) -> None:
        self.keys = {name: KeyPair.generate() for name in MEMORY_ROLES}
        rows: dict[tuple[str, str], Any] = {}
        for name, role in MEMORY_ROLES.items():
            rows[(REGISTRY, org_key(name))] = {"name": name, "role": role, "display_name": name, "status": "active",
                                               "since_ms": 0}
            did = self.keys[name].did
            rows[(REGISTRY, key_key(did))] = KeyRecord.registered(did, name, "admin", True, 0).to_dict()
        self.harness = ContractHarness(default_contracts(), MemoryState(rows))
        self.now_ms = now_ms() + 1000  # after the proofs' `created`, stamped to the second

    def signer(self, name: str) -> Signer:
        return Signer(self.keys[name].did, name, MEMORY_ROLES[name], "admin", True)

    def run(self, name: str, contract: str, action: str, args: dict[str, Any],
            private: list[PrivateInput] | None = None) -> None:
        self.harness.run(self.signer(name), contract, action, args, time_ms=self.now_ms, private=private or [])

    def register_license(self, credential: dict[str, Any], importers: tuple[str, ...] = ()) -> None:
        """As the workflow does: the license to its collection and each power's it renews."""
        parts = [PrivateInput("license", brokers.license_collection("harbor"), {"credential": credential})]
        parts += [PrivateInput("license", brokers.poa_collection(importer, "harbor"), {"credential": credential})
                  for importer in importers]
        self.run("harbor", brokers.NAMESPACE, LICENSE, {"customs": "customs", "importers": list(importers)}, parts)

    def register_power_of_attorney(self, credential: dict[str, Any], license: dict[str, Any]) -> None:
        self.run("harbor", brokers.NAMESPACE, POA, {"importer": "importer", "broker": "harbor", "customs": "customs"},
                 [PrivateInput("poa", brokers.poa_collection("importer", "harbor"),
                               {"credential": credential, "license": license})])

    def issued(self, issuer: str, credential_type: str, subject: dict[str, Any]) -> dict[str, Any]:
        key = self.keys[issuer]
        unsigned = build_credential(credential_type, issuer=key.did, subject=subject,
                                    valid_until=default_created(utc_now() + timedelta(days=30)))
        return issue_credential(unsigned, key, key.verification_method)

    def license(self, broker: str = "harbor") -> dict[str, Any]:
        return self.issued("customs", brokers.LICENSE_TYPE, customs_broker_license_subject(
            id=f"did:web:memory.example:orgs:{broker}", name=broker, license_number="21044", filer_code="H7K"))

    def power_of_attorney(self, importer: str = "importer") -> dict[str, Any]:
        return self.issued(importer, brokers.POWER_OF_ATTORNEY_TYPE, {
            "type": ["Organization"], "id": "did:web:memory.example:orgs:harbor", "name": "harbor"})

    def trust(self, authority: str, credential_type: str) -> None:
        self.run(authority, "trust", "trust", {"credential_type": credential_type,
                                               "issuer": self.keys[authority].did})


@pytest.fixture
def memory() -> Memory:
    return Memory()


def test_in_memory_a_registered_license_and_power_of_attorney_are_kept_as_private_records(memory):
    memory.trust("customs", brokers.LICENSE_TYPE)
    memory.trust("importer", brokers.POWER_OF_ATTORNEY_TYPE)
    memory.register_license(memory.license())
    memory.register_power_of_attorney(memory.power_of_attorney(), memory.license())
    state = memory.harness.state
    assert state.get_state(brokers.NAMESPACE, state_key("license", "harbor")) is None  # nothing of it is public
    own = private_namespace(brokers.NAMESPACE, brokers.license_collection("harbor"))
    stored = state.get_state(own, state_key("license", "harbor"))
    held = brokers.find_license(state, "harbor")
    assert held is not None and held.to_dict() == stored and BrokerLicense.from_dict(stored) == held
    assert (held.broker, held.license_number, held.filer_code, held.replaces) == ("harbor", "21044", "H7K", None)
    assert (held.credential.issuer, held.credential.issuer_organization) == (memory.keys["customs"].did, "customs")
    assert brokers.license_credential(state, "harbor") == memory.harness.state.get_state(own, "credential")
    power = brokers.find_power_of_attorney(state, "importer", "harbor")
    assert power is not None and power == PowerOfAttorney.from_dict(state.get_state(
        private_namespace(brokers.NAMESPACE, brokers.poa_collection("importer", "harbor")),
        state_key("poa", "importer", "harbor")))
    assert brokers.powers_of_attorney_of(state, "harbor") == [power]
    copy = brokers.find_license(state, "harbor", "importer")  # what the filing check reads
    assert copy is not None and copy.license_number == "21044"
    standing = brokers.standing(state, "harbor", "importer", memory.now_ms)
    assert standing and standing.may_file and standing.reason == ""
    memory.register_license(memory.license(), importers=("importer",))  # a renewal refreshes the power's copy
    renewed = brokers.find_license(state, "harbor")
    assert renewed is not None and renewed.replaces == held.credential.txid
    refreshed = brokers.find_license(state, "harbor", "importer")
    assert refreshed is not None and refreshed.credential.txid == renewed.credential.txid


def test_in_memory_a_broker_without_standing_is_refused_with_the_reason_and_nothing_changes(memory):
    state = memory.harness.state
    standing = brokers.standing(state, "harbor", "importer", memory.now_ms)
    assert not standing and "broker harbor holds no PowerOfAttorneyCredential from importer" in standing.reason
    before = dict(state.rows)
    with pytest.raises(Refused, match="not in the trust registry for CustomsBrokerLicenseCredential"):
        memory.register_license(memory.license())
    assert state.rows == before
    memory.trust("customs", brokers.LICENSE_TYPE)
    before = dict(state.rows)
    with pytest.raises(Refused, match="is not for harbor"):
        memory.register_license(memory.license("importer"))
    assert state.rows == before
    memory.register_license(memory.license())
    with pytest.raises(Refused, match="importer has registered no power of attorney for harbor"):
        memory.register_license(memory.license(), importers=("importer",))
    memory.trust("importer", brokers.POWER_OF_ATTORNEY_TYPE)
    before = dict(state.rows)
    with pytest.raises(Refused, match="license travels with its power of attorney"):
        memory.register_power_of_attorney(memory.power_of_attorney(), {})
    with pytest.raises(Refused, match="is not for harbor"):
        memory.register_power_of_attorney(memory.power_of_attorney(), memory.license("importer"))
    assert state.rows == before
    assert "holds no PowerOfAttorneyCredential from importer" in \
        brokers.standing(state, "harbor", "importer", memory.now_ms).reason


def test_broker_records_refuse_damaged_data():
    pointer = StatusPointer("customs", "broker-suspension", 7, "suspension")
    assert StatusPointer.from_dict(pointer.to_dict()) == pointer
    credential = RegisteredCredential("urn:uuid:1", brokers.LICENSE_TYPE, "did:key:z1", "customs", None, 5,
                                      (pointer,), "harbor", 1, "ab" * 32)
    license = BrokerLicense("harbor", "21044", "H7K", credential, None)
    assert BrokerLicense.from_dict(license.to_dict()) == license
    with pytest.raises(RecordError, match="broker license record: filer_code is missing"):
        BrokerLicense.from_dict({k: v for k, v in license.to_dict().items() if k != "filer_code"})
    with pytest.raises(RecordError, match="status pointer record: index is '7', not an integer"):
        BrokerLicense.from_dict({**license.to_dict(), "status": [{**pointer.to_dict(), "index": "7"}]})
