"""The demo's identity step: an importer-of-record credential, checked before an entry.

Customs registers itself in the trust registry as issuer of ImporterOfRecordCredential,
publishes a suspension list, and issues the importer a credential that points into it.
The importer anchors the credential (its existence and time become provable). Before the
importer files an entry, the credential is verified against the ledger: verified (proof,
status, dates) and trusted (issuer, type) are reported separately. Customs then suspends
the credential; verification now says suspended, while the same question asked as of the
earlier moment still gets the earlier answer, because the status list keeps its history.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from rich.markup import escape

from tradeledger.credentials import build_credential
from tradeledger.credentials.data_integrity import default_created
from tradeledger.credentials.datetimes import utc_now
from tradeledger.credentials.status_list import MIN_STATUS_LIST_LENGTH, SUSPENSION
from tradeledger.credentials.types import importer_of_record_subject
from tradeledger.identity import WebBase, status_entry
from tradeledger.identity.status_records import find_list
from tradeledger.ledger.authority import utc_text
from tradeledger.node import EmbeddedNetwork
from tradeledger.runtime.clock import now_ms
from tradeledger.workflows import credentials as workflow
from tradeledger.workflows.credentials import StatusTarget
from tradeledger.workflows.documents import anchor_documents

CREDENTIAL_TYPE = "ImporterOfRecordCredential"
SUSPENSION_LIST = "ior-suspension"
IMPORTER_NUMBER = "41-293847100"  # an IRS EIN with its 2-character suffix (FACTS.md 1.5 format)


def _organization(net: EmbeddedNetwork, role: str) -> str:
    for org in net.genesis.organizations:
        if org.role == role and org.name in net.keys:
            return org.name
    raise ValueError(f"the demo network hosts no {role} organization")


def _outcome(result: Any) -> str:
    verified = "verified" if result.verified else "NOT verified"
    trusted = "trusted" if result.trusted else "NOT trusted"
    problems = "; ".join(f"{p.code}: {p.message}" for p in result.errors)
    return f"{verified}, {trusted}" + (f" ({problems})" if problems else "")


def identity_demo_step(net: EmbeddedNetwork, say: Callable[[str], Any], directory: Path | None = None,
                       file_entry: Callable[[], Any] | None = None) -> dict[str, Any]:
    """Run the step on an open demo network. `directory`, when given, receives the credential
    file for trying `tradeledger vc verify` by hand; `file_entry`, when given, files the
    importer's entry once the credential check passes (the entries contract is the demo's
    business) and its result is shown. Returns what happened, for callers and tests."""
    customs, importer = _organization(net, "customs"), _organization(net, "importer")
    customs_key = net.organization_keys(customs).admin
    base: WebBase = workflow.web_base(net)
    state = net.state(customs)

    workflow.trust_issuer(net, customs, CREDENTIAL_TYPE, customs_key.did,
                          note="customs attests importer-of-record status")
    say(f"  customs registers itself in the trust registry as issuer of {CREDENTIAL_TYPE}: {customs_key.did[:24]}…")
    if find_list(state, customs, SUSPENSION_LIST) is None:
        workflow.publish_status_list(net, customs, SUSPENSION_LIST, SUSPENSION)
    index = secrets.randbelow(MIN_STATUS_LIST_LENGTH)  # a random slot: herd privacy
    entry = status_entry(state, base, customs, SUSPENSION_LIST, index)
    say(f"  customs publishes a suspension list on the ledger ({MIN_STATUS_LIST_LENGTH:,} entries): "
        f"{entry.status_list_credential}")

    display_name = net.genesis.organization(importer).display_name
    unsigned = build_credential(
        CREDENTIAL_TYPE, issuer={"id": customs_key.did, "name": net.genesis.organization(customs).display_name},
        subject=importer_of_record_subject(id=base.organization_did(importer), name=display_name,
                                           importer_number=IMPORTER_NUMBER),
        valid_until=default_created(utc_now() + timedelta(days=365)), credential_status=entry.to_dict())
    credential = workflow.issue(net, customs, unsigned).credential
    say(f"  customs issues {display_name} ({base.organization_did(importer)}) an {CREDENTIAL_TYPE} "
        f"for importer number {IMPORTER_NUMBER}, status entry {index}, signed with eddsa-jcs-2022")

    content = (json.dumps(credential, indent=2) + "\n").encode()
    path = (directory or Path(".")) / "importer-of-record.vc.json"
    if directory is not None:
        path.write_bytes(content)
    [anchored] = anchor_documents(net, importer, [(path, content)], "verifiable_credential",
                                  {"credential": credential["id"]}, structured=True)
    say(f"  the importer anchors the credential: leaf {anchored.receipt.leaf_index}, "
        f"{anchored.receipt.status} (its existence and time are provable with a proof bundle)")

    checked_at = now_ms()
    before = workflow.verify(net, customs, credential, checked_at)
    say(f"  before filing, the credential is checked against the ledger: {escape(_outcome(before))}")
    for finding in before.trust_reasons:
        say(f"    trust: {escape(finding.reason)}")
    filed = None
    if before.accepted:
        say("  the importer-of-record check passes: customs may accept the importer's entries")
        if file_entry is not None:
            filed = file_entry()
            say(f"  the importer files its entry: {escape(str(filed))}")
    else:
        say("  the check fails: an entry by this importer would be held")

    workflow.suspend(net, customs, StatusTarget(SUSPENSION_LIST, index), "bond insufficiency under review")
    after = workflow.verify(net, customs, credential)
    say(f"  customs suspends the credential (one transaction on the suspension list); checked again: "
        f"{escape(_outcome(after))}")
    say("    a further entry by this importer would be held until customs lifts the suspension")
    earlier = workflow.verify(net, customs, credential, checked_at)
    say(f"  asked as of {utc_text(checked_at)}, before the suspension, the ledger still answers: "
        f"{escape(_outcome(earlier))}")
    if directory is not None:
        say(f"  by hand: tradeledger vc verify {path} --dir {net.layout.directory}")
    return {"credential": credential, "index": index, "filed": filed,
            "before": before.to_dict(), "after": after.to_dict(), "earlier": earlier.to_dict()}
