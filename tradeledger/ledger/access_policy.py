"""The genesis's access section, as data: default access rules and retention periods.

A rule says that organizations of one role may see documents of some types when the
document stands in a named relation to them (DESIGN.md decision 11). The genesis carries
the rules and the ledger writes them into the access contract's state when the network
starts; this module is their format and nothing more. It sits in the ledger layer because
the genesis parses it, and the ledger cannot import the contracts above it: which
relations exist and how a rule is judged belong to the access contract
(`tradeledger.contracts.access`), which document types exist to the documents contract
(`tradeledger.contracts.documents`). A rule's relation is checked here only for its
shape; `contracts.access.check_policy` checks that the contract knows it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tradeledger.errors import TradeledgerError

ANY_DOC_TYPE = "*"
DEFAULT_RETENTION_DAYS = 1827  # five years after importation (19 U.S.C. 1508), leap days included
RELATION_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
DAY_MS = 86_400_000


class AccessPolicyError(TradeledgerError, ValueError):
    """Access rules in a genesis that cannot be applied."""


@dataclass(frozen=True)
class AccessRule:
    role: str
    doc_types: tuple[str, ...]
    relation: str

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "doc_types": list(self.doc_types), "relation": self.relation}

    @classmethod
    def from_dict(cls, data: Any, roles: frozenset[str]) -> AccessRule:
        if not isinstance(data, dict) or set(data) != {"role", "doc_types", "relation"}:
            raise AccessPolicyError("an access rule has exactly role, doc_types and relation")
        if data["role"] not in roles:
            raise AccessPolicyError(f"access rule names unknown role {data['role']!r}")
        if not isinstance(data["relation"], str) or not RELATION_NAME.fullmatch(data["relation"]):
            raise AccessPolicyError(f"access rule relation {data['relation']!r} is not a relation name")
        doc_types = data["doc_types"]
        if not isinstance(doc_types, list) or not doc_types or not all(isinstance(t, str) for t in doc_types):
            raise AccessPolicyError("access rule doc_types is a non-empty list of document types (or [\"*\"])")
        return cls(data["role"], tuple(doc_types), data["relation"])


@dataclass(frozen=True)
class AccessPolicy:
    rules: tuple[AccessRule, ...] = ()
    retention_days: Mapping[str, int] = field(default_factory=lambda: {ANY_DOC_TYPE: DEFAULT_RETENTION_DAYS})

    def retention_ms(self, doc_type: str) -> int:
        days = self.retention_days.get(doc_type, self.retention_days.get(ANY_DOC_TYPE, DEFAULT_RETENTION_DAYS))
        return days * DAY_MS

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
