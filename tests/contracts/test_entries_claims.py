"""Preference claims (issue 6, item 3): a USMCA or CAFTA-DR claim on a line must reference a
certification of origin that covers the goods and the date, or it is flagged with the reason.

The certification stays in its certifier's vault; the ledger judges the claim from the
public terms anchored beside its commitment (tradeledger.domain.origin.claims): the
agreement, the certifier's role, the HS subheadings, the blanket period of at most 12
months (or the one invoice of a single shipment) and the date of signature. No
certification is needed for an importation worth US$2,500 or less (the low-value waiver).
"""

from __future__ import annotations

import datetime
import itertools
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from _entries import submit

from tradeledger.contracts import entries
from tradeledger.domain.entry_number import complete_entry_number
from tradeledger.domain.origin.claims import AnchoredCertification, ClaimedLine, judge_claim
from tradeledger.domain.origin.terms import CertificationTerms, TermsError
from tradeledger.errors import Refused
from tradeledger.node import EmbeddedNetwork, create_network
from tradeledger.runtime.clock import now_ms
from tradeledger.runtime.setup import OrgPlan
from tradeledger.workflows.documents import anchor_documents

ORGANIZATIONS = (
    OrgPlan("customs", "customs", "U.S. Customs and Border Protection"),
    OrgPlan("importer", "importer", "Northwind Imports LLC"),
    OrgPlan("importer-other", "importer", "Southwind Imports LLC"),
    OrgPlan("exporter", "exporter", "Aceros del Norte S.A. de C.V."),
    OrgPlan("producer", "producer", "Motores de Monterrey S.A."),
)
MOTORS = "8501.10.4020"
TODAY = datetime.datetime.fromtimestamp(now_ms() / 1000, datetime.UTC).date()
YEAR = TODAY.year
_numbers = itertools.count(1)

# --- the judgement, pure -------------------------------------------------------------------------

BLANKET = {"agreement": "USMCA", "certifier_role": "exporter", "hs": "850110,850120",
           "certified_on": "2026-01-05", "blanket_from": "2026-01-01", "blanket_to": "2026-12-31"}


def claimed(spi: str = "S", hts: str = MOTORS, origin: str = "MX", imported_on: str = "2026-03-02",
            claimed_on: str = "2026-03-03", value: str = "28500", invoices: tuple[str, ...] = ()) -> ClaimedLine:
    return ClaimedLine(1, spi, hts, origin, "importer", datetime.date.fromisoformat(imported_on),
                       datetime.date.fromisoformat(claimed_on), Decimal(value), frozenset(invoices))


def certification(refs: dict[str, str] | None = None, owner: str = "exporter", role: str = "exporter",
                  doc_type: str = "certification_of_origin", **changes: str | None) -> AnchoredCertification:
    terms = {**(refs or BLANKET), **changes}
    return AnchoredCertification("ab" * 32, doc_type, owner, role, {k: v for k, v in terms.items() if v is not None})


def test_a_blanket_certification_covering_the_goods_and_the_date_supports_the_claim():
    outcome = judge_claim(claimed(), certification())
    assert (outcome.status, outcome.agreement, outcome.reasons, outcome.certification) == \
        ("supported", "USMCA", (), "ab" * 32)


@pytest.mark.parametrize("claim, cert, why", [
    (claimed(hts="8413.70.2004"), certification(), "covers HS 8501.10, 8501.20, not 8413.70"),
    (claimed(imported_on="2027-01-01", claimed_on="2027-01-02"), certification(),
     "imported on 2027-01-01, outside the blanket period 2026-01-01 to 2026-12-31"),
    (claimed(imported_on="2025-12-31"), certification(), "outside the blanket period"),
    (claimed(), certification(blanket_to="2027-01-01"), "2026-01-01 to 2027-01-01 exceeds 12 months"),
    (claimed(), certification(blanket_to="2025-12-01"), "ends .* before it starts"),
    (claimed(spi="P", origin="CR"), certification(), "claims CAFTA-DR .* but the certification is for USMCA"),
    (claimed(origin="CN"), certification(), "goods of CN, which is not a USMCA Party"),
    (claimed(), certification(role="producer"),
     "certifier is the exporter, but it was anchored by exporter, a producer"),
    (claimed(), certification(owner="importer-other", role="importer", certifier_role="importer"),
     "an importer certifies only its own imports"),
    (claimed(claimed_on="2026-01-04", imported_on="2026-01-02"), certification(),
     "dated 2026-01-05, after the claim .2026-01-04."),
    (claimed(imported_on="2026-06-01", claimed_on="2030-01-05"), certification(), "expired after 4 years"),
    (claimed(), certification(doc_type="commercial_invoice"), "is a commercial_invoice, not a certification"),
    (claimed(), certification(hs=None), "public terms cannot be read: .* without the references hs"),
    (claimed(), certification(agreement="NAFTA"), "agreement is USMCA or CAFTA-DR"),
])
def test_a_certification_that_does_not_cover_the_claim_flags_it_with_the_reason(claim, cert, why):
    outcome = judge_claim(claim, cert)
    assert outcome.status == "flagged"
    assert any(re.search(why, reason) for reason in outcome.reasons), outcome.reasons


def test_the_blanket_period_may_run_twelve_months_to_the_day_before():
    assert judge_claim(claimed(), certification(blanket_from="2026-03-01", blanket_to="2027-02-28")).status \
        == "supported"
    leap = certification(blanket_from="2028-02-29", blanket_to="2029-02-28", certified_on="2028-02-29")
    assert judge_claim(claimed(imported_on="2029-02-28", claimed_on="2029-02-28"), leap).status == "supported"


def test_a_single_shipment_certification_covers_the_invoice_it_names():
    single = certification(blanket_from=None, blanket_to=None, invoice="INV-1000288")
    assert judge_claim(claimed(invoices=("INV-1000288",)), single).status == "supported"
    outcome = judge_claim(claimed(invoices=("INV-9",)), single)
    assert outcome.status == "flagged" and "invoice INV-1000288, which is not among" in outcome.reasons[0]


def test_an_importer_may_certify_its_own_imports():
    own = certification(owner="importer", role="importer", certifier_role="importer")
    assert judge_claim(claimed(), own).status == "supported"


@pytest.mark.parametrize("value, status", [("2500", "waived"), ("2500.00", "waived"), ("2500.01", "flagged"),
                                           ("0", "waived")])
def test_the_low_value_waiver_covers_importations_up_to_2500_dollars(value, status):
    outcome = judge_claim(claimed(value=value), None)
    assert outcome.status == status
    assert ("low-value waiver" in outcome.reasons[0]) and (outcome.certification is None)


def test_the_waiver_does_not_make_a_non_party_good_originate():
    outcome = judge_claim(claimed(value="100", origin="CN"), None)
    assert outcome.status == "flagged" and "not a USMCA Party" in outcome.reasons[0]


@pytest.mark.parametrize("spi", ["A", "KR", "AU", "E*"])
def test_other_programs_are_recorded_but_not_checked_here(spi):
    outcome = judge_claim(claimed(spi=spi), None)
    assert (outcome.status, outcome.agreement) == ("not_checked", None)


def test_cafta_dr_claims_take_p_or_p_plus():
    cafta = certification(agreement="CAFTA-DR")
    for spi in ("P", "P+"):
        assert judge_claim(claimed(spi=spi, origin="SV"), cafta).status == "supported"
    assert judge_claim(claimed(spi="S+"), certification()).status == "supported"


def test_terms_round_trip_through_the_references():
    terms = CertificationTerms.from_refs({**BLANKET, "credential": "urn:uuid:1"})
    assert terms.to_refs() == {**BLANKET, "credential": "urn:uuid:1"}
    assert terms.is_blanket and terms.hs == ("850110", "850120")
    with pytest.raises(TermsError, match="either a blanket period or one invoice"):
        CertificationTerms.from_refs({**BLANKET, "invoice": "INV-1"})
    with pytest.raises(TermsError, match="6-digit HS subheadings"):
        CertificationTerms.from_refs({**BLANKET, "hs": "8501"})
    with pytest.raises(TermsError, match="not a calendar date"):
        CertificationTerms.from_refs({**BLANKET, "certified_on": "2026-02-30"})


# --- on the ledger -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def net(tmp_path_factory):
    directory = tmp_path_factory.mktemp("claims") / "net"
    create_network(directory, ORGANIZATIONS)
    with EmbeddedNetwork(directory) as network:
        yield network


def ledger_terms(**changes: str | None) -> dict[str, str]:
    refs = {"agreement": "USMCA", "certifier_role": "exporter", "hs": "850110", "certified_on": f"{YEAR}-01-01",
            "blanket_from": f"{YEAR}-01-01", "blanket_to": f"{YEAR}-12-31", **changes}
    return {k: v for k, v in refs.items() if v is not None}


def anchor(net, owner: str, doc_type: str, refs: dict[str, str]) -> str:
    # The references are private to the document's collection: the owner shares them with
    # the importer (who states them in its filing) and customs.
    [result] = anchor_documents(net, owner, [(Path("doc.json"), f"{doc_type} {next(_numbers)}".encode())],
                                doc_type, refs, share_with=sorted({"importer", "customs"} - {owner}))
    assert result.receipt.valid is True
    return result.commitment


def file_claim(net, commitment: str | None, spi: str | None = "S", value: str = "28500", hts: str = MOTORS,
               extra_documents: list[dict[str, str]] | None = None) -> dict[str, Any]:
    number = str(complete_entry_number(f"CLM-{next(_numbers):07d}"))
    documents = ([{"doc_type": "certification_of_origin", "commitment": commitment}] if commitment else [])
    submit(net, "importer", "file", {
        "entry_number": number, "filed_with": "customs", "importer": "importer", "entry_type": "01",
        "port_code": "2304", "entry_date": TODAY.isoformat(), "imported_on": TODAY.isoformat(),
        "importer_number": "12-345678900", "mode_of_transport": "30", "country_of_export": "MX",
        "lines": [{"line": 1, "description": "electric motors", "hts": hts, "origin": "MX", "entered_value": value,
                   "mid": "MXACEDEL450MON", **({"spi": spi} if spi else {}),
                   **({"certification": commitment} if commitment else {})}],
        "documents": documents + (extra_documents or []),
    })
    return entries.find_entry(net.state("importer"), number).to_dict()


def test_a_claim_filed_with_a_covering_certification_is_supported_on_the_ledger(net):
    commitment = anchor(net, "exporter", "certification_of_origin", ledger_terms())
    entry = file_claim(net, commitment)
    assert entry["lines"][0]["claim"] == {"spi": "S", "agreement": "USMCA", "status": "supported", "reasons": [],
                                          "certification": commitment}
    assert entry["flagged_claims"] == []


def test_a_claim_the_certification_does_not_cover_is_filed_and_flagged_with_the_reason(net):
    commitment = anchor(net, "exporter", "certification_of_origin", ledger_terms(hs="841370"))
    entry = file_claim(net, commitment)
    claim = entry["lines"][0]["claim"]
    assert claim["status"] == "flagged" and entry["flagged_claims"] == [1]
    assert claim["reasons"] == ["line 1: the certification covers HS 8413.70, not 8501.10 (HTS 8501.10.4020)"]


def test_a_claim_without_certification_over_the_waiver_is_flagged_and_under_it_waived(net):
    flagged = file_claim(net, None)["lines"][0]["claim"]
    assert flagged["status"] == "flagged" and "without a certification of origin" in flagged["reasons"][0]
    assert file_claim(net, None, value="2400")["lines"][0]["claim"]["status"] == "waived"


def test_the_certifier_is_whoever_anchored_it_and_must_hold_the_role_it_states(net):
    commitment = anchor(net, "producer", "certification_of_origin", ledger_terms())
    claim = file_claim(net, commitment)["lines"][0]["claim"]
    assert claim["status"] == "flagged"
    assert "certifier is the exporter, but it was anchored by producer, a producer" in claim["reasons"][0]


def test_a_certification_linked_as_such_must_have_been_anchored_as_one(net):
    invoice = anchor(net, "importer", "commercial_invoice", {"invoice": "INV-1"})
    with pytest.raises(Refused, match="was anchored as a commercial_invoice, not a certification_of_origin"):
        file_claim(net, invoice)


def test_a_single_shipment_certification_needs_its_invoice_among_the_entrys_documents(net):
    terms = ledger_terms(blanket_from=None, blanket_to=None, invoice="INV-1000288")
    commitment = anchor(net, "exporter", "certification_of_origin", terms)
    assert file_claim(net, commitment)["lines"][0]["claim"]["status"] == "flagged"
    invoice = anchor(net, "importer", "commercial_invoice", {"invoice": "INV-1000288"})
    entry = file_claim(net, commitment,
                       extra_documents=[{"doc_type": "commercial_invoice", "commitment": invoice}])
    assert entry["lines"][0]["claim"]["status"] == "supported"


def test_amending_the_line_judges_the_claim_again(net):
    good = anchor(net, "exporter", "certification_of_origin", ledger_terms())
    entry = file_claim(net, good, hts="8501.20.4000")
    assert entry["lines"][0]["claim"]["status"] == "flagged"
    amended = {k: v for k, v in entry.items() if k in (
        "entry_type", "port_code", "entry_date", "imported_on", "importer_number", "mode_of_transport",
        "country_of_export", "documents")}
    line = {k: v for k, v in entry["lines"][0].items() if k != "claim" and v is not None}
    submit(net, "importer", "amend", {
        **amended, "entry_number": entry["entry_number"], "reason": "classified under 8501.10",
        "lines": [{**line, "hts": MOTORS}]})
    current = entries.find_entry(net.state("importer"), entry["entry_number"]).to_dict()
    assert current["lines"][0]["claim"]["status"] == "supported" and current["flagged_claims"] == []
    assert entries.entry_versions(net.state("importer"), entry["entry_number"])[0].flagged_claims == (1,)


def test_other_programs_are_kept_unchecked_and_lines_without_a_claim_have_none(net):
    assert file_claim(net, None, spi="KR")["lines"][0]["claim"]["status"] == "not_checked"
    entry = file_claim(net, None, spi=None)
    assert entry["lines"][0]["claim"] is None and entry["lines"][0]["spi"] is None
