"""VC Data Model 2.0 rules: for each, a credential (or presentation) that keeps it and one
that breaks it, with the JSON Pointer of the problem."""

from __future__ import annotations

import copy

import pytest

from tradeledger.credentials.model import Problem, ValidationReport
from tradeledger.credentials.validation import (
    validate_credential,
    validate_presentation,
)

V2 = "https://www.w3.org/ns/credentials/v2"

BASE = {
    "@context": [V2, "https://www.w3.org/ns/credentials/examples/v2"],
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
}


def credential(**changes):
    doc = copy.deepcopy(BASE)
    for key, value in changes.items():
        key = key.replace("__", "@")  # at_context -> @context
        if value is DELETE:
            del doc[key]
        else:
            doc[key] = value
    return doc


DELETE = object()
STATUS = {"id": "https://example.com/status/3#94567", "type": "BitstringStatusListEntry",
          "statusPurpose": "revocation", "statusListIndex": "94567",
          "statusListCredential": "https://example.com/status/3"}

VALID = {
    "the base credential": credential(),
    "one-item context": credential(__context=[V2]),
    "context with an object": credential(__context=[V2, {"@vocab": "https://example.com#"}]),
    "no id": credential(id=DELETE),
    "did id": credential(id="did:example:123"),
    "type as a single string": credential(type="VerifiableCredential"),
    "type as a URL": credential(type=["VerifiableCredential", "https://example.com/Type"]),
    "name as language values": credential(name=[{"@value": "Nom", "@language": "fr"},
                                                {"@value": "Name", "@language": "en",
                                                 "@direction": "ltr"}]),
    "issuer object": credential(issuer={"id": "did:web:mill.example", "name": "Mill"}),
    "subject without id": credential(credentialSubject={"claim": "value"}),
    "several subjects": credential(credentialSubject=[{"id": "did:example:1"}, {"a": "b"}]),
    "validFrom with offset and fraction": credential(validFrom="2023-01-01T10:00:00.5-05:00"),
    "equal validFrom and validUntil": credential(validUntil="2023-01-01T00:00:00Z"),
    "no validity period": credential(validFrom=DELETE),
    "status entry": credential(credentialStatus=STATUS),
    "status without id": credential(credentialStatus={k: v for k, v in STATUS.items()
                                                      if k != "id"}),
    "two status entries": credential(credentialStatus=[STATUS, STATUS]),
    "schema": credential(credentialSchema={"id": "https://example.com/schema.json",
                                           "type": "JsonSchema"}),
    "evidence without id": credential(evidence=[{"type": ["Evidence"], "note": "seen"}]),
    "terms of use": credential(termsOfUse={"type": "IssuerPolicy", "id": "https://x.example/p"}),
    "refresh service": credential(refreshService={"type": "VerifiableCredentialRefreshService2021",
                                                  "url": "https://x.example/refresh"}),
    "related resource": credential(relatedResource=[{"id": "https://x.example/a.json",
                                                     "digestSRI": "sha384-abc"}]),
    "proof object": credential(proof={"type": "DataIntegrityProof"}),
}


@pytest.mark.parametrize("doc", VALID.values(), ids=VALID.keys())
def test_credentials_that_keep_the_rules(doc):
    report = validate_credential(doc)
    assert report.errors == ()
    assert report.ok


INVALID = [
    ("no context", credential(__context=DELETE), "/@context"),
    ("context is a string", credential(__context=V2), "/@context"),
    ("context is empty", credential(__context=[]), "/@context"),
    ("v2 context not first", credential(__context=["https://www.w3.org/ns/credentials/examples/v2",
                                                   V2]), "/@context/0"),
    ("VC 1.1 context", credential(__context=["https://www.w3.org/2018/credentials/v1"]),
     "/@context/0"),
    ("context item neither URL nor object", credential(__context=[V2, 5]), "/@context/1"),
    ("context item not a URL", credential(__context=[V2, "examples v2"]), "/@context/1"),
    ("id not a URL", credential(id="not a url"), "/id"),
    ("id not a single value", credential(id=["urn:uuid:1", "urn:uuid:2"]), "/id"),
    ("no type", credential(type=DELETE), "/type"),
    ("type without VerifiableCredential", credential(type=["AlumniCredential"]), "/type"),
    ("empty type", credential(type=[]), "/type"),
    ("type value with a space", credential(type=["VerifiableCredential", "Alumni Credential"]),
     "/type/1"),
    ("type value not a string", credential(type=["VerifiableCredential", 7]), "/type/1"),
    ("name neither string nor language value", credential(name={"en": "Name"}), "/name"),
    ("bad direction", credential(description={"@value": "x", "@direction": "up"}),
     "/description"),
    ("no issuer", credential(issuer=DELETE), "/issuer"),
    ("issuer not a URL", credential(issuer="Tall Steel, Inc"), "/issuer"),
    ("issuer null", credential(issuer=None), "/issuer"),
    ("issuer object without id", credential(issuer={"name": "Mill"}), "/issuer/id"),
    ("issuer object id not a URL", credential(issuer={"id": "mill"}), "/issuer/id"),
    ("no subject", credential(credentialSubject=DELETE), "/credentialSubject"),
    ("subject is a string", credential(credentialSubject="did:example:1"), "/credentialSubject"),
    ("subject array empty", credential(credentialSubject=[]), "/credentialSubject"),
    ("subject makes no claim", credential(credentialSubject={}), "/credentialSubject"),
    ("one of the subjects makes no claim", credential(credentialSubject=[{"a": 1}, {}]),
     "/credentialSubject/1"),
    ("subject id not a URL", credential(credentialSubject={"id": "abcdefgh"}),
     "/credentialSubject/id"),
    ("validFrom not a dateTime", credential(validFrom="2023-01-01"), "/validFrom"),
    ("validUntil not a dateTime", credential(validUntil="tomorrow"), "/validUntil"),
    ("validFrom after validUntil", credential(validUntil="2022-12-31T23:59:59Z"), "/validUntil"),
    ("status not an object", credential(credentialStatus="revoked"), "/credentialStatus"),
    ("status without type", credential(credentialStatus={"id": "https://x.example/s#1"}),
     "/credentialStatus/type"),
    ("status id not a URL", credential(credentialStatus={**STATUS, "id": "status 1"}),
     "/credentialStatus/id"),
    ("empty status array", credential(credentialStatus=[]), "/credentialStatus"),
    ("second status entry broken", credential(credentialStatus=[STATUS, {"id": "urn:x:1"}]),
     "/credentialStatus/1/type"),
    ("schema without id", credential(credentialSchema={"type": "JsonSchema"}),
     "/credentialSchema/id"),
    ("schema id not a URL", credential(credentialSchema={"id": "schema", "type": "JsonSchema"}),
     "/credentialSchema/id"),
    ("schema without type", credential(credentialSchema={"id": "https://x.example/s.json"}),
     "/credentialSchema/type"),
    ("evidence without type", credential(evidence={"id": "https://x.example/e"}),
     "/evidence/type"),
    ("terms of use without type", credential(termsOfUse=[{"id": "https://x.example/p"}]),
     "/termsOfUse/0/type"),
    ("refresh service without type", credential(refreshService={"url": "https://x.example"}),
     "/refreshService/type"),
    ("refresh service id not a URL", credential(refreshService={"type": "R", "id": "r 1"}),
     "/refreshService/id"),
    ("related resource without digest", credential(relatedResource={"id": "https://x.example/a"}),
     "/relatedResource"),
    ("related resource without id", credential(relatedResource={"digestSRI": "sha384-abc"}),
     "/relatedResource/id"),
    ("proof without type", credential(proof={"proofValue": "z1"}), "/proof/type"),
    ("proof not an object", credential(proof="z1"), "/proof"),
]


@pytest.mark.parametrize("doc, path", [(d, p) for _, d, p in INVALID],
                         ids=[name for name, _, _ in INVALID])
def test_credentials_that_break_a_rule_are_reported_at_the_offending_path(doc, path):
    report = validate_credential(doc)
    assert not report.ok
    assert path in [problem.path for problem in report.errors], report.errors


def test_every_problem_is_reported_at_once():
    doc = credential(issuer=DELETE, type=["X"], validFrom="soon", credentialSubject={})
    paths = sorted(p.path for p in validate_credential(doc).errors)
    assert paths == ["/credentialSubject", "/issuer", "/type", "/validFrom"]


def test_error_codes_follow_the_specifications():
    assert validate_credential("text").errors[0].code == "PARSING_ERROR"
    assert validate_credential(credential(issuer=DELETE)).errors[0].code == "MALFORMED_VALUE_ERROR"
    later = credential(validUntil="2022-01-01T00:00:00Z")
    assert validate_credential(later).errors[0].code == "RANGE_ERROR"


def test_a_time_without_offset_is_read_as_utc_with_a_warning():
    report = validate_credential(credential(validFrom="2023-01-01T00:00:00",
                                            validUntil="2023-01-01T00:00:00Z"))
    assert report.ok
    assert [(w.code, w.path) for w in report.warnings] == [("MISSING_TIME_ZONE", "/validFrom")]


def test_a_vc_1_1_credential_is_told_it_is_1_1():
    old = credential(__context=["https://www.w3.org/2018/credentials/v1"])
    assert "VC 1.1" in validate_credential(old).errors[0].message


def test_pointers_escape_slashes_and_tildes():
    doc = credential(credentialSubject={"a/b~c": "x", "id": "no url"})
    doc["credentialSubject"] = [doc["credentialSubject"]]
    assert validate_credential(doc).errors[0].path == "/credentialSubject/0/id"
    from tradeledger.credentials.model import pointer
    assert pointer("a/b", "c~d", 0) == "/a~1b/c~0d/0"


def test_reports_round_trip_through_dicts():
    report = validate_credential(credential(issuer=DELETE, validFrom="2023-01-01T00:00:00"))
    assert ValidationReport.from_dict(report.to_dict()) == report
    assert report.to_dict()["ok"] is False
    problem = report.errors[0]
    assert Problem.from_dict(problem.to_dict()) == problem
    assert str(problem).startswith("/issuer: ")


# --- presentations ------------------------------------------------------------------------


def presentation(**changes):
    doc = {"@context": [V2], "type": ["VerifiablePresentation"],
           "holder": "did:example:holder", "verifiableCredential": [credential()]}
    for key, value in changes.items():
        key = key.replace("__", "@")
        if value is DELETE:
            del doc[key]
        else:
            doc[key] = value
    return doc


@pytest.mark.parametrize("doc", [
    presentation(),
    presentation(holder=DELETE, verifiableCredential=DELETE),
    presentation(holder={"id": "did:example:holder", "name": "Broker"}),
    presentation(verifiableCredential=credential()),
    presentation(verifiableCredential=[{"@context": [V2], "type": "EnvelopedVerifiableCredential",
                                        "id": "data:application/vc+jwt,eyJ"}]),
], ids=["base", "bare", "holder-object", "single-credential", "enveloped"])
def test_presentations_that_keep_the_rules(doc):
    assert validate_presentation(doc).errors == ()


@pytest.mark.parametrize("doc, path", [
    (presentation(__context=DELETE), "/@context"),
    (presentation(type=["VerifiableCredential"]), "/type"),
    (presentation(type=DELETE), "/type"),
    (presentation(id="presentation 1"), "/id"),
    (presentation(holder="Broker Inc"), "/holder"),
    (presentation(holder={"name": "x"}), "/holder/id"),
    (presentation(verifiableCredential=["a jwt"]), "/verifiableCredential/0"),
    (presentation(verifiableCredential=[credential(issuer=DELETE)]),
     "/verifiableCredential/0/issuer"),
    (presentation(verifiableCredential=[{"type": "EnvelopedVerifiableCredential",
                                         "id": "https://x.example"}]),
     "/verifiableCredential/0/id"),
    (presentation(termsOfUse={"id": "https://x.example/p"}), "/termsOfUse/type"),
    ("a string", ""),
], ids=["no-context", "wrong-type", "no-type", "id", "holder", "holder-object", "vc-string",
        "embedded-vc-broken", "enveloped-not-data-url", "terms", "not-an-object"])
def test_presentations_that_break_a_rule(doc, path):
    report = validate_presentation(doc)
    assert path in [problem.path for problem in report.errors], report.errors
