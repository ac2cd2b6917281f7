"""Test helpers: an entries action given as one mapping (the summary with its parties, or
a decision with its reason), split as the workflow splits it into public arguments and
private parts (tradeledger.workflows.entries.filing_inputs)."""

from __future__ import annotations

from typing import Any

from tradeledger.contracts import entries
from tradeledger.ledger.collections import PrivateInput
from tradeledger.workflows.entries import filing_inputs, standard_number

_PARTIES = ("entry_number", "filed_with", "importer")


def split_args(action: str, args: dict[str, Any]) -> tuple[dict[str, Any], list[PrivateInput]]:
    number = args.get("entry_number")
    if action == "file":
        flagged, private = filing_inputs(str(number), {k: v for k, v in args.items() if k not in _PARTIES})
        return ({"entry_number": number, "filed_with": args.get("filed_with"), "importer": args.get("importer"),
                 "flagged_agencies": flagged}, private)
    if action == "amend":
        flagged, private = filing_inputs(str(number), {k: v for k, v in args.items() if k != "entry_number"})
        return {"entry_number": number, "flagged_agencies": flagged}, private
    collection = entries.entry_collection(standard_number(str(number)))
    return {"entry_number": number}, [PrivateInput(entries.DECISION, collection, {"reason": args.get("reason", "")})]


def submit(net, organization: str, action: str, args: dict[str, Any]):
    public, private = split_args(action, args)
    return net.submit_checked(organization, entries.NAMESPACE, action, public, private=private)
