"""A customs broker's standing on a node: register it, and say for whom it may file.

    register_broker   the broker (or an importer, for its own power of attorney) registers
                      a CustomsBrokerLicenseCredential and PowerOfAttorneyCredentials, each
                      verified once, completely, by the brokers contract;
    broker_report     the broker's registered license and powers of attorney, and whether
                      it may file for each importer now, with the reason when it may not.

The credentials are signed beforehand (`tradeledger vc issue`) by their issuers; the
trust registry must trust those issuers for the credential types (customs for licenses,
each importer for its powers of attorney). They travel as private payloads (DESIGN.md
decision 15): the license to its collection {broker, customs} and to each power of
attorney's collection it already holds (a renewal refreshes them); each power of attorney,
with the broker's license beside it, to {importer, broker, customs}. The rules are the
brokers contract's (tradeledger.contracts.brokers); filing as a broker is
`workflows.entries.file_entry`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tradeledger.contracts import brokers
from tradeledger.contracts.brokers import BrokerLicense, PowerOfAttorney, Standing
from tradeledger.credentials.verify import issuer_id
from tradeledger.errors import Refused
from tradeledger.ledger.collections import PrivateInput
from tradeledger.ledger.state import StateReader
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.node import Node
from tradeledger.runtime.receipts import Receipt, WaitLevel

REGISTER_LICENSE, REGISTER_POWER_OF_ATTORNEY = "register_license", "register_power_of_attorney"


@dataclass(frozen=True)
class Registered:
    """One credential registered: which action, the credential's id, the receipt."""

    action: str
    credential_id: str | None
    receipt: Receipt

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "credential": self.credential_id, **self.receipt.to_dict()}


@dataclass(frozen=True)
class BrokerRegistration:
    """What a registration did, and the broker's license and powers of attorney after it."""

    broker: str
    registered: tuple[Registered, ...]
    license: BrokerLicense | None
    powers_of_attorney: tuple[PowerOfAttorney, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"broker": self.broker, "registered": [r.to_dict() for r in self.registered],
                "license": self.license.to_dict() if self.license else None,
                "powers_of_attorney": [p.to_dict() for p in self.powers_of_attorney]}


def _customs_of(node: Node, customs: str | None) -> str:
    if customs is not None:
        node.genesis.organization(customs)  # an unknown name is refused with the known ones
        return customs
    found = [org.name for org in node.genesis.organizations if org.role == "customs"]
    if len(found) != 1:
        raise Refused(f"name the customs authority the broker files with (one of {', '.join(found) or 'none'})")
    return found[0]


def _named(state: StateReader, did: Any, what: str) -> str:
    name = brokers.organization_named(state, did)
    if name is None:
        raise Refused(f"the {what} is not an organization of this ledger")
    return name


def register_broker(node: Node, broker: str, license: Mapping[str, Any] | None = None,
                    powers_of_attorney: Sequence[Mapping[str, Any]] = (), customs: str | None = None,
                    wait: WaitLevel = "final") -> BrokerRegistration:
    """Register, as `broker`, its license (if given) and then each power of attorney, in
    that order, with `customs` (the network's one customs authority by default); the first
    refusal stops the rest, and what was registered before it stays. An importer may act
    as `broker` for a power of attorney it issued: `license` is then the broker's, carried
    beside it (a broker's own license is taken from its collection when not given)."""
    customs = _customs_of(node, customs)
    state = node.state(broker)
    registered = []
    if license is not None and node.genesis.organization(broker).role == "broker":
        importers = [importer for importer in brokers.power_of_attorney_importers(state, broker)
                     if brokers.find_power_of_attorney(state, importer, broker) is not None]
        private = [PrivateInput("license", brokers.license_collection(broker), {"credential": dict(license)})]
        private += [PrivateInput("license", brokers.poa_collection(importer, broker), {"credential": dict(license)})
                    for importer in importers]
        receipt = node.submit_checked(broker, brokers.NAMESPACE, REGISTER_LICENSE,
                                      {"customs": customs, "importers": importers}, wait=wait, private=private)
        registered.append(Registered(REGISTER_LICENSE, _credential_id(license), receipt))
    for power in powers_of_attorney:
        subject = power.get("credentialSubject")
        named = _named(state, subject.get("id") if isinstance(subject, Mapping) else None,
                       "broker the power of attorney names")
        importer = _named(state, issuer_id(power), "power of attorney's issuer")
        held = license if license is not None else brokers.license_credential(state, named)
        # Without the license the contract refuses, after judging who may register at all.
        private = [PrivateInput("poa", brokers.poa_collection(importer, named),
                                {"credential": dict(power), "license": dict(held or {})})]
        receipt = node.submit_checked(broker, brokers.NAMESPACE, REGISTER_POWER_OF_ATTORNEY,
                                      {"importer": importer, "broker": named, "customs": customs},
                                      wait=wait, private=private)
        registered.append(Registered(REGISTER_POWER_OF_ATTORNEY, _credential_id(power), receipt))
    state = node.state(broker)
    return BrokerRegistration(broker, tuple(registered), brokers.find_license(state, broker),
                              tuple(brokers.powers_of_attorney_of(state, broker)))


def _credential_id(credential: Mapping[str, Any]) -> str | None:
    found = credential.get("id")
    return found if isinstance(found, str) else None


@dataclass(frozen=True)
class BrokerReport:
    """A broker's license and powers of attorney, and its standing for each importer."""

    broker: str
    license: BrokerLicense | None
    powers_of_attorney: tuple[PowerOfAttorney, ...]
    standings: tuple[Standing, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"broker": self.broker, "license": self.license.to_dict() if self.license else None,
                "powers_of_attorney": [p.to_dict() for p in self.powers_of_attorney],
                "may_file_for": {s.importer: s.may_file for s in self.standings},
                "refusals": {s.importer: s.reason for s in self.standings if not s.may_file}}


def broker_report(node: Node, viewer: str, broker: str, importer: str | None = None,
                  at_ms: int | None = None) -> BrokerReport:
    """What `viewer`'s peer holds about `broker`, and for whom it may file at `at_ms` (now
    by default): `importer` alone, or every importer that gave it a power of attorney. The
    license and the powers are private: a viewer outside their collections sees none."""
    node.genesis.organization(broker)  # an unknown name is refused with the list of known ones
    state = node.state(viewer)
    powers = tuple(brokers.powers_of_attorney_of(state, broker))
    moment = now_ms() if at_ms is None else at_ms
    importers = [importer] if importer is not None else [power.importer for power in powers]
    return BrokerReport(broker, brokers.find_license(state, broker), powers,
                        tuple(brokers.standing(state, broker, name, moment) for name in importers))
