"""A small network for the identity tests, and helpers to act in it and read its times.

Block times come from the orderer's clock, so tests that ask "as of" a moment take the
moment from a receipt's block (`block_time`) and wait for the clock to move past it
(`moment`) before the next change, so that no two changes share a millisecond.
"""

from __future__ import annotations

import time
from typing import Any

from tradeledger.credentials import build_credential, issue_credential
from tradeledger.credentials.types import importer_of_record_subject
from tradeledger.crypto import KeyPair
from tradeledger.identity import WebBase, status_entry, web_base_of_genesis
from tradeledger.identity.resolver import from_ms
from tradeledger.ledger.envelope import sign_envelope
from tradeledger.node import EmbeddedNetwork
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.receipts import Receipt
from tradeledger.runtime.setup import OrgPlan

IDENTITY_NETWORK = (
    OrgPlan("customs", "customs", "U.S. Customs and Border Protection"),
    OrgPlan("importer", "importer", "Northwind Imports LLC"),
    OrgPlan("exporter", "exporter", "Aceros del Norte S.A. de C.V."),
    OrgPlan("mill", "mill", "Acería del Golfo"),
)
IOR = "ImporterOfRecordCredential"


def base_of(net: EmbeddedNetwork) -> WebBase:
    return web_base_of_genesis(net.genesis.canonical)


def block_time(net: EmbeddedNetwork, receipt: Receipt) -> int:
    return net.reader.store.header(receipt.height).time_ms


def moment() -> int:
    """A moment after everything done so far and before anything done next: now, returned
    once the clock has moved past it."""
    now = now_ms()
    while now_ms() <= now:
        time.sleep(0.002)
    return now


def iso_ms(ms: int) -> str:
    """A proof `created` with millisecond precision (so it names an instant, not a second)."""
    return from_ms(ms).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def submit_as(net: EmbeddedNetwork, key: KeyPair, contract: str, action: str, args: dict[str, Any]) -> Receipt:
    envelope = sign_envelope(key, network=net.genesis.network_id, contract=contract, action=action, args=args,
                             created_ms=now_ms())
    [receipt] = net.submit([envelope])
    return receipt


def admit_member(net: EmbeddedNetwork, organization: str, member: str, admin: bool = False) -> tuple[KeyPair, Receipt]:
    key = KeyPair.generate()
    receipt = net.submit_checked(organization, "registry", "admit_member",
                                 {"organization": organization, "member": member, "key": key.did, "admin": admin})
    return key, receipt


def ior_credential(net: EmbeddedNetwork, *, signer: KeyPair | None = None, issuer: str | None = None,
                   method: str | None = None, status: tuple[str, int] | None = None, created: str | None = None,
                   credential_type: str = IOR, valid_until: str | None = None) -> dict[str, Any]:
    """An importer-of-record credential for the importer, signed by customs' admin key unless
    told otherwise; `status` = (list id of customs, index)."""
    signer = signer or net.organization_keys("customs").admin
    base = base_of(net)
    credential_status = (status_entry(net.reader.store, base, "customs", *status).to_dict()
                         if status is not None else None)
    subject = importer_of_record_subject(id=base.organization_did("importer"), name="Northwind Imports LLC",
                                         importer_number="41-293847100")
    unsigned = build_credential(credential_type, issuer=issuer or signer.did, subject=subject,
                                credential_status=credential_status, valid_until=valid_until,
                                valid_from="2020-01-01T00:00:00Z")
    return issue_credential(unsigned, signer, method or signer.verification_method, created=created)
