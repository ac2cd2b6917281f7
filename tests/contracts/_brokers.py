"""Test helpers: a broker's license and an importer's power of attorney, issued and registered.

Credentials are signed with the organizations' own admin keys, as `tradeledger vc issue`
does; trust entries and status lists go through the trust and status contracts.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tradeledger.contracts import brokers
from tradeledger.credentials import build_credential, issue_credential
from tradeledger.credentials.data_integrity import default_created
from tradeledger.credentials.datetimes import utc_now
from tradeledger.credentials.types import customs_broker_license_subject
from tradeledger.identity import status_entry, status_records, trust, web_base_of_genesis
from tradeledger.node import EmbeddedNetwork
from tradeledger.runtime.clock import now_ms
from tradeledger.workflows.brokers import register_broker


def organization_did(net: EmbeddedNetwork, name: str) -> str:
    return web_base_of_genesis(net.genesis.canonical).organization_did(name)


def trusted(net: EmbeddedNetwork, authority: str, credential_type: str, issuer: str) -> str:
    """`authority` trusts `issuer`'s admin key for `credential_type` (once); the entry id."""
    did = net.organization_keys(issuer).admin.did
    entry = trust.trust_entry_at(net.state(authority), credential_type, did, now_ms())
    if entry is not None:
        return entry.id
    receipt = net.submit_checked(authority, trust.NAMESPACE, "trust", {"credential_type": credential_type,
                                                                        "issuer": did})
    return receipt.txid


def status_list(net: EmbeddedNetwork, organization: str, list_id: str, purpose: str) -> None:
    if status_records.find_list(net.state(organization), organization, list_id) is None:
        net.submit_checked(organization, status_records.NAMESPACE, "publish", {"list_id": list_id, "purpose": purpose})


def status_pointer(net: EmbeddedNetwork, organization: str, list_id: str, index: int) -> dict[str, Any]:
    base = web_base_of_genesis(net.genesis.canonical)
    return status_entry(net.state(organization), base, organization, list_id, index).to_dict()


def issued(net: EmbeddedNetwork, issuer: str, credential_type: str, subject: dict[str, Any], *,
           valid_for: timedelta | None = timedelta(days=365), valid_from: str | None = None,
           credential_status: Any = None) -> dict[str, Any]:
    keys = net.organization_keys(issuer).admin
    unsigned = build_credential(
        credential_type, issuer={"id": keys.did, "name": net.genesis.organization(issuer).display_name},
        subject=subject, valid_from=valid_from,
        valid_until=default_created(utc_now() + valid_for) if valid_for is not None else None,
        credential_status=credential_status)
    return issue_credential(unsigned, keys, keys.verification_method)


def license_for(net: EmbeddedNetwork, broker: str, issuer: str = "customs", **options: Any) -> dict[str, Any]:
    subject = customs_broker_license_subject(
        id=organization_did(net, broker), name=net.genesis.organization(broker).display_name,
        license_number=f"{broker.upper()}-21044", filer_code="H7K")
    return issued(net, issuer, brokers.LICENSE_TYPE, subject, **options)


def power_of_attorney(net: EmbeddedNetwork, importer: str, broker: str, **options: Any) -> dict[str, Any]:
    # The Traceability vocabulary's example: issuer the importer, subject the broker (an Organization).
    subject = {"type": ["Organization"], "id": organization_did(net, broker),
               "name": net.genesis.organization(broker).display_name}
    return issued(net, importer, brokers.POWER_OF_ATTORNEY_TYPE, subject, **options)


def register(net: EmbeddedNetwork, organization: str, action: str, credential: dict[str, Any],
             customs: str = "customs") -> None:
    """Register one credential as the workflow does: a license to its private collection (and
    the powers of attorney it renews), a power of attorney with the broker's license beside it."""
    if action == "register_license":
        register_broker(net, organization, credential, customs=customs)
    else:
        register_broker(net, organization, None, [credential], customs=customs)


def make_broker(net: EmbeddedNetwork, broker: str, importer: str, customs: str = "customs") -> None:
    """Everything a broker needs to file for `importer`: a trusted license, a power of attorney."""
    trusted(net, customs, brokers.LICENSE_TYPE, customs)
    trusted(net, importer, brokers.POWER_OF_ATTORNEY_TYPE, importer)
    register(net, broker, "register_license", license_for(net, broker, customs), customs)
    register(net, broker, "register_power_of_attorney", power_of_attorney(net, importer, broker), customs)
