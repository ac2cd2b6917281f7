"""VC Data Model 2.0 checks of credentials and presentations, as plain JSON.

What is checked is what the W3C VC 2.0 test suite checks without a JSON-LD processor
(https://www.w3.org/TR/vc-data-model-2.0/, sections 4 and 5):

* `@context` is an array whose first item is https://www.w3.org/ns/credentials/v2, the rest
  URLs or objects;
* `id`, where present, is one URL; `type` is one or more terms or URLs and includes
  VerifiableCredential (VerifiablePresentation);
* `name` / `description` are strings or language value objects;
* `issuer` (`holder`) is a URL or an object whose `id` is a URL;
* `credentialSubject` is an object or a non-empty array of objects, each making a claim;
* `validFrom` / `validUntil` are dateTimeStamps (an offset-less time is read as UTC, with a
  warning) and validFrom is not after validUntil;
* `credentialStatus`, `evidence`, `termsOfUse`, `refreshService`, `credentialSchema`,
  `relatedResource` and `proof` are an object or an array of objects, each with a `type`
  (and an `id` URL where the specification requires one).

Every problem is reported with an RFC 6901 pointer to where it is, and all of them at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tradeledger.credentials.datetimes import parse_datetime
from tradeledger.credentials.errors import DateTimeError
from tradeledger.credentials.model import (
    ENVELOPED_VERIFIABLE_CREDENTIAL,
    MALFORMED_VALUE_ERROR,
    MISSING_TIME_ZONE,
    PARSING_ERROR,
    RANGE_ERROR,
    VC_V1_CONTEXT,
    VC_V2_CONTEXT,
    VERIFIABLE_CREDENTIAL,
    VERIFIABLE_PRESENTATION,
    Problem,
    ValidationReport,
    pointer,
)

__all__ = ["is_enveloped_credential", "is_url", "validate_credential", "validate_presentation"]

# A URL as VC 2.0 uses the word: an absolute URI (scheme ":" something), no whitespace.
# Covers https:, did:, urn:uuid:, data: ...
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+")
_TERM_OR_URL = re.compile(r"\S+")

_LANGUAGE_KEYS = frozenset({"@value", "@language", "@direction"})


def is_url(value: object) -> bool:
    return isinstance(value, str) and _URL.fullmatch(value) is not None


def is_enveloped_credential(credential: Mapping[str, Any]) -> bool:
    """True for an EnvelopedVerifiableCredential (a credential secured by VC-JOSE-COSE)."""
    types = credential.get("type")
    return types == ENVELOPED_VERIFIABLE_CREDENTIAL or (
        isinstance(types, list) and ENVELOPED_VERIFIABLE_CREDENTIAL in types)


class _Checks:
    """Collects problems while walking one document."""

    def __init__(self) -> None:
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def error(self, message: str, *path: str | int, code: str = MALFORMED_VALUE_ERROR) -> None:
        self.errors.append(Problem(code, message, pointer(*path)))

    def warn(self, code: str, message: str, *path: str | int) -> None:
        self.warnings.append(Problem(code, message, pointer(*path)))

    def merge(self, report: ValidationReport) -> None:
        self.errors.extend(report.errors)
        self.warnings.extend(report.warnings)

    def report(self) -> ValidationReport:
        return ValidationReport(tuple(self.errors), tuple(self.warnings))

    # --- shared rules ---------------------------------------------------------------

    def context(self, doc: Mapping[str, Any]) -> None:
        if "@context" not in doc:
            self.error(f"@context is missing; start it with {VC_V2_CONTEXT!r}", "@context")
            return
        context = doc["@context"]
        if not isinstance(context, list) or not context:
            self.error(
                f"@context must be an array whose first item is {VC_V2_CONTEXT!r}", "@context"
            )
            return
        if context[0] != VC_V2_CONTEXT:
            hint = (
                "this is a VC 1.1 credential; VC 2.0 is required"
                if context[0] == VC_V1_CONTEXT or VC_V1_CONTEXT in context
                else f"got {context[0]!r}"
            )
            self.error(f"the first @context item must be {VC_V2_CONTEXT!r} ({hint})",
                       "@context", 0)
        for i, item in enumerate(context[1:], start=1):
            if isinstance(item, str):
                if not is_url(item):
                    self.error(f"@context items must be URLs or objects, got {item!r}",
                               "@context", i)
            elif not isinstance(item, dict):
                self.error(
                    f"@context items must be URLs or objects, got {type(item).__name__}",
                    "@context", i,
                )

    def url(self, value: Any, *path: str | int, what: str = "id") -> None:
        if not is_url(value):
            shown = repr(value) if isinstance(value, str) else type(value).__name__
            self.error(f"{what} must be a single URL (like urn:uuid:..., did:..., https://...), "
                       f"got {shown}", *path)

    def optional_id(self, node: Mapping[str, Any], *path: str | int) -> None:
        if "id" in node:
            self.url(node["id"], *path, "id")

    def types(self, node: Mapping[str, Any], *path: str | int, required: str | None = None,
              what: str = "type") -> None:
        where = (*path, "type")
        if "type" not in node:
            self.error(f"{what} is missing" + (f"; it must include {required!r}" if required else ""),
                       *where)
            return
        value = node["type"]
        values = value if isinstance(value, list) else [value]
        if not values:
            self.error(f"{what} must not be empty", *where)
            return
        for i, item in enumerate(values):
            if not isinstance(item, str) or not _TERM_OR_URL.fullmatch(item):
                at = (*where, i) if isinstance(value, list) else where
                self.error(f"{what} values must be terms or URLs (non-empty strings without "
                           f"spaces), got {item!r}", *at)
        if required and required not in values:
            self.error(f"type must include {required!r}", *where)

    def language_values(self, node: Mapping[str, Any], key: str, *path: str | int) -> None:
        if key not in node:
            return
        value = node[key]
        values = value if isinstance(value, list) else [value]
        for i, item in enumerate(values):
            at = (*path, key, i) if isinstance(value, list) else (*path, key)
            if isinstance(item, str):
                continue
            if (isinstance(item, dict) and isinstance(item.get("@value"), str)
                    and set(item) <= _LANGUAGE_KEYS
                    and item.get("@direction", "ltr") in ("ltr", "rtl")):
                continue
            self.error(f"{key} must be a string or a language value object "
                       '({"@value": ..., "@language": ...})', *at)

    def party(self, doc: Mapping[str, Any], key: str, *, required: bool) -> None:
        """issuer / holder: a URL, or an object whose id is a URL."""
        if key not in doc:
            if required:
                self.error(f"{key} is missing; give a URL (e.g. a DID) or an object with an id",
                           key)
            return
        value = doc[key]
        if isinstance(value, dict):
            if "id" not in value:
                self.error(f"{key} object needs an id (a URL)", key, "id")
            else:
                self.url(value["id"], key, "id", what=f"{key}.id")
            self.language_values(value, "name", key)
            self.language_values(value, "description", key)
        else:
            self.url(value, key, what=key)

    def objects(self, doc: Mapping[str, Any], key: str, *, id_required: bool = False,
                type_required: bool = True) -> list[tuple[Mapping[str, Any], tuple[str | int, ...]]]:
        """An optional property holding an object or a non-empty array of objects."""
        if key not in doc:
            return []
        value = doc[key]
        items = value if isinstance(value, list) else [value]
        if not items:
            self.error(f"{key} must be an object or a non-empty array of objects", key)
            return []
        found: list[tuple[Mapping[str, Any], tuple[str | int, ...]]] = []
        for i, item in enumerate(items):
            at: tuple[str | int, ...] = (key, i) if isinstance(value, list) else (key,)
            if not isinstance(item, dict):
                self.error(f"{key} entries must be objects, got {type(item).__name__}", *at)
                continue
            if type_required:
                self.types(item, *at, what=f"{key} type")
            if id_required and "id" not in item:
                self.error(f"{key} entries need an id (a URL)", *at, "id")
            else:
                self.optional_id(item, *at)
            found.append((item, at))
        return found

    def related_resources(self, doc: Mapping[str, Any]) -> None:
        for item, at in self.objects(doc, "relatedResource", id_required=True,
                                     type_required=False):
            if "digestSRI" not in item and "digestMultibase" not in item:
                self.error("relatedResource entries need digestSRI or digestMultibase", *at)


# --- credentials -----------------------------------------------------------------------


def _validity_period(checks: _Checks, doc: Mapping[str, Any]) -> None:
    moments = {}
    for key in ("validFrom", "validUntil"):
        if key not in doc:
            continue
        try:
            stamp = parse_datetime(doc[key])
        except DateTimeError as exc:
            checks.error(f"{key} must be an XML Schema dateTimeStamp: {exc}", key)
            continue
        if not stamp.has_offset:
            checks.warn(MISSING_TIME_ZONE,
                        f"{key} has no time zone offset and is read as UTC; add 'Z'", key)
        moments[key] = stamp.moment
    if len(moments) == 2 and moments["validFrom"] > moments["validUntil"]:
        checks.error("validFrom is later than validUntil", "validUntil", code=RANGE_ERROR)


def _subjects(checks: _Checks, doc: Mapping[str, Any]) -> None:
    if "credentialSubject" not in doc:
        checks.error("credentialSubject is missing; it holds the claims", "credentialSubject")
        return
    value = doc["credentialSubject"]
    subjects = value if isinstance(value, list) else [value]
    if not subjects:
        checks.error("credentialSubject must not be an empty array", "credentialSubject")
    for i, subject in enumerate(subjects):
        at = ("credentialSubject", i) if isinstance(value, list) else ("credentialSubject",)
        if not isinstance(subject, dict):
            checks.error(f"credentialSubject must be an object (or array of objects), "
                         f"got {type(subject).__name__}", *at)
        elif not subject:
            checks.error("credentialSubject makes no claim (empty object)", *at)
        else:
            checks.optional_id(subject, *at)


def validate_credential(doc: Any) -> ValidationReport:
    """Check a (secured or unsecured) verifiable credential against VC Data Model 2.0."""
    checks = _Checks()
    if not isinstance(doc, dict):
        checks.error(f"a credential is a JSON object, got {type(doc).__name__}", code=PARSING_ERROR)
        return checks.report()
    checks.context(doc)
    checks.optional_id(doc)
    checks.types(doc, required=VERIFIABLE_CREDENTIAL)
    checks.language_values(doc, "name")
    checks.language_values(doc, "description")
    checks.party(doc, "issuer", required=True)
    _subjects(checks, doc)
    _validity_period(checks, doc)
    checks.objects(doc, "credentialStatus")
    checks.objects(doc, "credentialSchema", id_required=True)
    checks.objects(doc, "evidence")
    checks.objects(doc, "termsOfUse")
    checks.objects(doc, "refreshService")
    checks.related_resources(doc)
    checks.objects(doc, "proof")  # shape only: the verifier checks the rest
    return checks.report()


# --- presentations ---------------------------------------------------------------------


def _embedded_credentials(checks: _Checks, doc: Mapping[str, Any]) -> None:
    if "verifiableCredential" not in doc:
        return
    value = doc["verifiableCredential"]
    items = value if isinstance(value, list) else [value]
    for i, item in enumerate(items):
        at = ("verifiableCredential", i) if isinstance(value, list) else ("verifiableCredential",)
        if not isinstance(item, dict):
            checks.error(f"verifiableCredential entries must be objects, "
                         f"got {type(item).__name__}", *at)
            continue
        if is_enveloped_credential(item):
            if not (isinstance(item.get("id"), str) and item["id"].startswith("data:")):
                checks.error("an EnvelopedVerifiableCredential's id must be a data: URL",
                             *at, "id")
            continue
        checks.merge(validate_credential(item).under(pointer(*at)))


def validate_presentation(doc: Any) -> ValidationReport:
    """Check a verifiable presentation, and every credential in it, against VC 2.0."""
    checks = _Checks()
    if not isinstance(doc, dict):
        checks.error(f"a presentation is a JSON object, got {type(doc).__name__}",
                     code=PARSING_ERROR)
        return checks.report()
    checks.context(doc)
    checks.optional_id(doc)
    checks.types(doc, required=VERIFIABLE_PRESENTATION)
    checks.party(doc, "holder", required=False)
    _embedded_credentials(checks, doc)
    checks.objects(doc, "termsOfUse")
    checks.objects(doc, "proof")  # shape only: the verifier checks the rest
    return checks.report()
