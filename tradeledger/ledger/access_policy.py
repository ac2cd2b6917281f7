"""Who sees what by default: the access rules a network's genesis writes into ledger state.

A rule says that organizations of one role may see documents of some types when the
document stands in a named relation to them (DESIGN.md decision 11). Owners add grants
on top (the `access` contract); nobody else sees anything. The retention periods say
how long a private payload must be kept before its owner may purge it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tradeledger.errors import TradeledgerError

ANY_DOC_TYPE = "*"
DEFAULT_RETENTION_DAYS = 1827  # five years after importation (19 U.S.C. 1508), leap days included

# Relations a rule may name, and what each means for a requesting organization R:
RELATIONS = {
    "entry_filed_with": "the document references an entry filed with R",
    "entry_flagged_for": "the document references an entry with a line flagged for R",
    "issued_by": "the document names R as its issuer (reference issuer=R)",
}

SUPPORTING_DOCUMENTS = (
    "commercial_invoice", "packing_list", "bill_of_lading", "certification_of_origin",
    "mill_certificate", "entry_summary", "permit", "license",
)


class AccessPolicyError(TradeledgerError, ValueError):
    """Access rules in a genesis that cannot be applied."""


@dataclass(frozen=True)
class AccessRule:
    role: str
    doc_types: tuple[str, ...]
    relation: str

    def covers(self, role: str, doc_type: str) -> bool:
        return role == self.role and (ANY_DOC_TYPE in self.doc_types or doc_type in self.doc_types)

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "doc_types": list(self.doc_types), "relation": self.relation}

    @classmethod
    def from_dict(cls, data: Any, roles: frozenset[str]) -> AccessRule:
        if not isinstance(data, dict) or set(data) != {"role", "doc_types", "relation"}:
            raise AccessPolicyError("an access rule has exactly role, doc_types and relation")
        if data["role"] not in roles:
            raise AccessPolicyError(f"access rule names unknown role {data['role']!r}")
        if data["relation"] not in RELATIONS:
            raise AccessPolicyError(
                f"access rule relation {data['relation']!r} is unknown; relations: {', '.join(sorted(RELATIONS))}"
            )
        doc_types = data["doc_types"]
        if not isinstance(doc_types, list) or not doc_types or not all(isinstance(t, str) for t in doc_types):
            raise AccessPolicyError("access rule doc_types is a non-empty list of document types (or [\"*\"])")
        return cls(data["role"], tuple(doc_types), data["relation"])


@dataclass(frozen=True)
class AccessPolicy:
    rules: tuple[AccessRule, ...] = ()
    retention_days: dict[str, int] = field(default_factory=lambda: {ANY_DOC_TYPE: DEFAULT_RETENTION_DAYS})

    def retention_ms(self, doc_type: str) -> int:
        days = self.retention_days.get(doc_type, self.retention_days.get(ANY_DOC_TYPE, DEFAULT_RETENTION_DAYS))
        return days * 86_400_000

    def to_dict(self) -> dict[str, Any]:
        return {"rules": [r.to_dict() for r in self.rules], "retention_days": dict(self.retention_days)}

    @classmethod
    def from_dict(cls, data: Any, roles: frozenset[str]) -> AccessPolicy:
        if not isinstance(data, dict) or set(data) - {"rules", "retention_days"}:
            raise AccessPolicyError("genesis access holds rules and retention_days")
        rules = data.get("rules", [])
        if not isinstance(rules, list):
            raise AccessPolicyError("genesis access rules is a list")
        retention = data.get("retention_days", {ANY_DOC_TYPE: DEFAULT_RETENTION_DAYS})
        if not isinstance(retention, dict) or not all(
            isinstance(k, str) and type(v) is int and v >= 0 for k, v in retention.items()
        ):
            raise AccessPolicyError("retention_days maps document types (or \"*\") to whole days")
        return cls(tuple(AccessRule.from_dict(r, roles) for r in rules), dict(retention))


def default_access_policy() -> AccessPolicy:
    """Customs sees the supporting documents and certifications of entries filed with it;
    a partner agency sees the documents of lines flagged for it and the permits it issued."""
    return AccessPolicy((
        AccessRule("customs", SUPPORTING_DOCUMENTS, "entry_filed_with"),
        AccessRule("agency", (ANY_DOC_TYPE,), "entry_flagged_for"),
        AccessRule("agency", ("permit", "license"), "issued_by"),
    ))
