"""A customs broker's standing on a node: register it, and say for whom it may file.

    register_broker   the broker (or an importer, for its own power of attorney) registers
                      a CustomsBrokerLicenseCredential and PowerOfAttorneyCredentials, each
                      verified once, completely, by the brokers contract;
    broker_report     the broker's registered license and powers of attorney, and whether
                      it may file for each importer now, with the reason when it may not.

The credentials are signed beforehand (`tradeledger vc issue`) by their issuers; the
trust registry must trust those issuers for the credential types (customs for licenses,
each importer for its powers of attorney). The rules are the brokers contract's
(tradeledger.contracts.brokers); filing as a broker is `workflows.entries.file_entry`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tradeledger.contracts import brokers
from tradeledger.contracts.brokers import BrokerLicense, PowerOfAttorney, Standing
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


def register_broker(node: Node, broker: str, license: Mapping[str, Any] | None = None,
                    powers_of_attorney: Sequence[Mapping[str, Any]] = (),
                    wait: WaitLevel = "final") -> BrokerRegistration:
    """Register, as `broker`, its license (if given) and then each power of attorney, in
    that order; the first refusal stops the rest, and what was registered before it stays."""
    credentials = [(REGISTER_LICENSE, license)] if license is not None else []
    credentials += [(REGISTER_POWER_OF_ATTORNEY, power) for power in powers_of_attorney]
    registered = []
    for action, credential in credentials:
        receipt = node.submit_checked(broker, brokers.NAMESPACE, action, {"credential": dict(credential)}, wait=wait)
        credential_id = credential.get("id")
        registered.append(Registered(action, credential_id if isinstance(credential_id, str) else None, receipt))
    state = node.state(broker)
    return BrokerRegistration(broker, tuple(registered), brokers.find_license(state, broker),
                              tuple(brokers.powers_of_attorney_of(state, broker)))


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
    by default): `importer` alone, or every importer that gave it a power of attorney."""
    node.genesis.organization(broker)  # an unknown name is refused with the list of known ones
    state = node.state(viewer)
    powers = tuple(brokers.powers_of_attorney_of(state, broker))
    moment = now_ms() if at_ms is None else at_ms
    importers = [importer] if importer is not None else [power.importer for power in powers]
    return BrokerReport(broker, brokers.find_license(state, broker), powers,
                        tuple(brokers.standing(state, broker, name, moment) for name in importers))
