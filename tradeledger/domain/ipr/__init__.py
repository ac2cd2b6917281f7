"""The intellectual-property engine: recordations, license chains, the border check, drawings.

Pure functions over plain data (FACTS §6). A LicenseBook supplies the recordations,
licenses and usage; `rules` validates what may be added to it; `authorize` answers "may
this importer bring in these goods bearing this mark, on this day?" with the whole chain
and, when the answer is no, the first broken link and the question it failed;
`chain_json`/`chain_svg` show a license tree to people. The ledger contract reads its
state through the same LicenseBook protocol.
"""

from .book import LicenseBook, MemoryLicenseBook
from .check import ChainLink, Decision, FailedQuestion, Question, QuestionError, authorize
from .drawing import UnknownSubject, chain_json, chain_svg
from .model import (
    IprDataError,
    License,
    LinkStatus,
    Recordation,
    RecordationDecision,
    RecordationKind,
    RecordationStatus,
    Termination,
    UsageRecord,
)
from .rules import (
    DecisionRefused,
    IprRefused,
    LicenseRefused,
    RecordationRefused,
    RefusalReason,
    TerminationRefused,
    UsageRefused,
    validate_decision,
    validate_license,
    validate_recordation,
    validate_termination,
    validate_usage,
)
from .scope import ScopeAxis

__all__ = [
    "ChainLink",
    "Decision",
    "DecisionRefused",
    "FailedQuestion",
    "IprDataError",
    "IprRefused",
    "License",
    "LicenseBook",
    "LicenseRefused",
    "LinkStatus",
    "MemoryLicenseBook",
    "Question",
    "QuestionError",
    "Recordation",
    "RecordationDecision",
    "RecordationKind",
    "RecordationRefused",
    "RecordationStatus",
    "RefusalReason",
    "ScopeAxis",
    "Termination",
    "TerminationRefused",
    "UnknownSubject",
    "UsageRecord",
    "UsageRefused",
    "authorize",
    "chain_json",
    "chain_svg",
    "validate_decision",
    "validate_license",
    "validate_recordation",
    "validate_termination",
    "validate_usage",
]
