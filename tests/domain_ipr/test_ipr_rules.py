"""Bad input is refused with a reason code and a message, and changes nothing."""

import json
from datetime import date
from pathlib import Path

import pytest
from ipr_world import (
    DISTRIBUTOR,
    IMPORTER,
    LEON_MID,
    MAKER,
    MARK,
    OWNER,
    RECORDATION_ID,
    SAIGON_MID,
    STRANGER,
    acceptance,
    chain_book,
    l1,
    l2,
    l3,
    license,
    recordation,
    recorded_book,
)

from tradeledger.domain.ipr import (
    DecisionRefused,
    IprRefused,
    LicenseRefused,
    MemoryLicenseBook,
    RecordationDecision,
    RecordationRefused,
    RecordationStatus,
    RefusalReason,
    ScopeAxis,
    Termination,
    TerminationRefused,
    UsageRecord,
    UsageRefused,
)


def refused_unchanged(book: MemoryLicenseBook, action, *args, reason: RefusalReason, kind=IprRefused) -> IprRefused:
    """Runs a book action that must be refused for `reason`, and checks the book is untouched."""
    before = json.dumps(book.to_dict(), sort_keys=True)
    with pytest.raises(kind) as caught:
        action(*args)
    assert caught.value.code is reason, caught.value.message
    assert "\n" not in str(caught.value) and str(caught.value) == caught.value.message
    assert json.dumps(book.to_dict(), sort_keys=True) == before
    return caught.value


# ----------------------------------------------------------------------- recordations


def test_a_new_recordation_is_filed_pending_and_decided_by_customs():
    book = MemoryLicenseBook()
    book.file_recordation(recordation())
    filed = book.recordation(RECORDATION_ID)
    assert filed is not None and filed.status is RecordationStatus.PENDING
    accepted = book.decide_recordation(acceptance())
    assert accepted.status is RecordationStatus.ACCEPTED and accepted.decided_on == date(2024, 1, 15)
    assert book.recordation_for_mark(MARK) == accepted


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"mark": ""}, RefusalReason.MALFORMED),
        ({"owner": " Acme"}, RefusalReason.MALFORMED),
        ({"hts_prefixes": ("6403.99",)}, RefusalReason.MALFORMED),
        ({"hts_prefixes": ("6",)}, RefusalReason.MALFORMED),
        ({"manufacturing_countries": ("Vietnam",)}, RefusalReason.MALFORMED),
        ({"manufacturing_countries": ("VN", "VN")}, RefusalReason.MALFORMED),
        ({"status": RecordationStatus.ACCEPTED, "decided_on": date(2024, 1, 1)}, RefusalReason.MALFORMED),
        ({"expires_on": date(2023, 10, 31)}, RefusalReason.DATES_OUT_OF_ORDER),
    ],
)
def test_a_malformed_recordation_is_refused(changes, reason):
    book = MemoryLicenseBook()
    refused_unchanged(book, book.file_recordation, recordation(**changes), reason=reason, kind=RecordationRefused)


def test_a_recordation_id_is_used_once():
    book = recorded_book()
    refused_unchanged(book, book.file_recordation, recordation(mark="ACME SUMMIT"),
                      reason=RefusalReason.DUPLICATE_ID)


def test_a_mark_already_recorded_or_pending_cannot_be_recorded_again():
    book = recorded_book()
    error = refused_unchanged(book, book.file_recordation, recordation(recordation_id="TMK 24-00099"),
                              reason=RefusalReason.MARK_ALREADY_RECORDED)
    assert RECORDATION_ID in error.message


def test_a_refused_mark_may_be_filed_again():
    book = MemoryLicenseBook()
    book.file_recordation(recordation())
    book.decide_recordation(RecordationDecision(RECORDATION_ID, False, date(2024, 1, 5), "registration lapsed"))
    book.file_recordation(recordation(recordation_id="TMK 24-00099", filed_on=date(2024, 2, 1)))
    latest = book.recordation_for_mark(MARK)
    assert latest is not None and latest.recordation_id == "TMK 24-00099"


def test_decisions_on_recordations():
    book = MemoryLicenseBook()
    book.file_recordation(recordation())
    decide = book.decide_recordation
    refused_unchanged(book, decide, RecordationDecision("TMK 99-99999", True, date(2024, 1, 15)),
                      reason=RefusalReason.UNKNOWN_RECORDATION, kind=DecisionRefused)
    refused_unchanged(book, decide, RecordationDecision(RECORDATION_ID, True, date(2023, 10, 1)),
                      reason=RefusalReason.DATES_OUT_OF_ORDER)
    refused_unchanged(book, decide, RecordationDecision(RECORDATION_ID, True, date(2034, 1, 1)),
                      reason=RefusalReason.DATES_OUT_OF_ORDER)
    refused_unchanged(book, decide, RecordationDecision(RECORDATION_ID, False, date(2024, 1, 15)),
                      reason=RefusalReason.MALFORMED)
    decide(acceptance())
    refused_unchanged(book, decide, RecordationDecision(RECORDATION_ID, False, date(2024, 2, 1), "second thoughts"),
                      reason=RefusalReason.RECORDATION_NOT_PENDING)


# ----------------------------------------------------------------------- licenses


def test_a_valid_chain_is_granted():
    book = chain_book()
    assert len(book) == 3
    assert [grant.license_id for grant in book.licenses_held(IMPORTER, MARK)] == ["L-3"]
    assert [grant.license_id for grant in book.root_licenses(MARK)] == ["L-1"]
    assert [grant.license_id for grant in book.children("L-1")] == ["L-2"]


def test_a_license_id_is_used_once():
    book = chain_book()
    refused_unchanged(book, book.grant, l3(), reason=RefusalReason.DUPLICATE_ID, kind=LicenseRefused)


def test_dates_out_of_order_are_refused():
    book = recorded_book()
    refused_unchanged(book, book.grant, l1(start=date(2025, 1, 1), end=date(2024, 12, 31)),
                      reason=RefusalReason.DATES_OUT_OF_ORDER)


def test_a_license_cannot_start_before_it_is_granted():
    book = recorded_book()
    refused_unchanged(book, book.grant, l1(granted_on=date(2024, 3, 1)), reason=RefusalReason.BACKDATED)


def test_a_license_of_an_unknown_mark_is_refused():
    book = recorded_book()
    error = refused_unchanged(book, book.grant, l1(mark="ACME SUMMIT"), reason=RefusalReason.UNKNOWN_MARK)
    assert "record it first" in error.message


def test_a_party_that_is_not_the_owner_cannot_grant_a_root_license():
    book = recorded_book()
    refused_unchanged(book, book.grant, license("X-1", STRANGER, IMPORTER),
                      reason=RefusalReason.LICENSOR_HOLDS_NO_RIGHT)


def test_the_owner_cannot_license_a_mark_customs_has_not_accepted():
    book = MemoryLicenseBook()
    book.file_recordation(recordation())
    error = refused_unchanged(book, book.grant, l1(), reason=RefusalReason.LICENSOR_HOLDS_NO_RIGHT)
    assert "pending" in error.message


def test_a_party_that_does_not_hold_the_parent_cannot_sublicense_it():
    book = chain_book()
    refused_unchanged(book, book.grant, license("X-1", STRANGER, IMPORTER, "L-1"),
                      reason=RefusalReason.LICENSOR_HOLDS_NO_RIGHT)


def test_a_sublicense_granted_after_its_parent_was_terminated_is_refused():
    book = chain_book()
    book.terminate(Termination("L-2", MAKER, date(2024, 5, 1), date(2024, 5, 1), "ended"))
    refused_unchanged(book, book.grant,
                      license("L-5", DISTRIBUTOR, STRANGER, "L-2", start=date(2024, 5, 2), granted_on=date(2024, 5, 2)),
                      reason=RefusalReason.LICENSOR_HOLDS_NO_RIGHT)


def test_a_sublicense_granted_before_its_parent_starts_is_refused():
    book = recorded_book()
    book.grant(l1(start=date(2024, 6, 1), granted_on=date(2024, 2, 1)))
    refused_unchanged(book, book.grant, l2(granted_on=date(2024, 3, 1), start=date(2024, 6, 1)),
                      reason=RefusalReason.LICENSOR_HOLDS_NO_RIGHT)


def test_an_unknown_parent_is_refused():
    book = chain_book()
    refused_unchanged(book, book.grant, license("X-1", IMPORTER, STRANGER, "L-404"),
                      reason=RefusalReason.UNKNOWN_PARENT)


def test_a_license_that_does_not_permit_sublicensing_cannot_be_extended():
    book = chain_book()
    refused_unchanged(book, book.grant, license("L-4", IMPORTER, STRANGER, "L-3"),
                      reason=RefusalReason.PARENT_NOT_SUBLICENSABLE)


def test_generations_run_out():
    book = chain_book()
    # L-2 leaves one further generation; a child that claims one more of its own is too deep.
    error = refused_unchanged(
        book, book.grant,
        license("L-4", DISTRIBUTOR, STRANGER, "L-2", may_sublicense=True, further_generations=1),
        reason=RefusalReason.DEPTH_EXHAUSTED,
    )
    assert "leaves 0" in error.message


@pytest.mark.parametrize(
    "changes, axis",
    [
        ({"hts_prefixes": ("6404",)}, ScopeAxis.HTS),  # L-2 allows 640399 only
        ({"hts_prefixes": ("64",)}, ScopeAxis.HTS),  # a chapter is wider than a subheading
        ({"countries": ("VN", "IT")}, ScopeAxis.COUNTRY),  # L-1 allows VN only
        ({"manufacturers": (SAIGON_MID, LEON_MID)}, ScopeAxis.MANUFACTURER),
        ({"quantity_cap": 40_001}, ScopeAxis.QUANTITY),  # L-2 caps 40,000
        ({"mark": "ACME SUMMIT"}, ScopeAxis.MARK),
    ],
)
def test_a_sublicense_wider_than_its_parent_on_any_axis_is_refused(changes, axis):
    book = chain_book()
    if "mark" in changes:
        book.file_recordation(recordation(recordation_id="TMK 24-00018", mark="ACME SUMMIT"))
        book.decide_recordation(acceptance(recordation_id="TMK 24-00018"))
    error = refused_unchanged(book, book.grant, license("L-4", DISTRIBUTOR, STRANGER, "L-2", **changes),
                              reason=RefusalReason.WIDER_THAN_PARENT)
    assert error.axis is axis


def test_a_root_license_wider_than_the_recordation_is_refused():
    book = recorded_book()
    error = refused_unchanged(book, book.grant, l1(countries=("CN",)), reason=RefusalReason.WIDER_THAN_PARENT)
    assert error.axis is ScopeAxis.COUNTRY and RECORDATION_ID in error.message


def test_a_sublicense_with_no_cap_of_its_own_is_bounded_by_its_parents():
    book = chain_book()
    book.grant(license("L-4", DISTRIBUTOR, STRANGER, "L-2", quantity_cap=None))


def test_a_sublicense_outlasting_its_parent_is_refused():
    # (Starting before the parent cannot happen: a grant may not start before it is granted,
    # and the licensor must hold the parent on the grant day.)
    book = chain_book()
    error = refused_unchanged(book, book.grant, license("L-4", DISTRIBUTOR, STRANGER, "L-2", end=date(2026, 7, 1)),
                              reason=RefusalReason.DATES_OUTSIDE_PARENT)
    assert "2026-06-30" in error.message


def test_a_sublicense_cannot_outlast_a_termination_already_recorded_above_it():
    book = chain_book()
    book.terminate(Termination("L-1", OWNER, date(2025, 1, 1), date(2024, 4, 1), "contract not renewed"))
    refused_unchanged(book, book.grant, license("L-4", DISTRIBUTOR, STRANGER, "L-2", end=date(2025, 1, 1)),
                      reason=RefusalReason.DATES_OUTSIDE_PARENT)
    book.grant(license("L-4", DISTRIBUTOR, STRANGER, "L-2", end=date(2024, 12, 31)))


def test_a_root_license_cannot_outlast_the_recordation():
    book = recorded_book()
    refused_unchanged(book, book.grant, l1(end=date(2034, 1, 1)), reason=RefusalReason.DATES_OUTSIDE_PARENT)


@pytest.mark.parametrize(
    "changes",
    [
        {"licensee": OWNER},
        {"quantity_cap": 0},
        {"may_sublicense": True, "further_generations": 0},
        {"may_sublicense": False, "further_generations": 2},
        {"further_generations": -1},
        {"terminated_on": date(2024, 5, 1)},
        {"hts_prefixes": ("6403.99",)},
        {"licensee": ""},
    ],
)
def test_a_malformed_license_is_refused(changes):
    book = recorded_book()
    refused_unchanged(book, book.grant, l1(**changes), reason=RefusalReason.MALFORMED)


# ----------------------------------------------------------------------- terminations and usage


def test_termination_is_recorded_without_rewriting_the_license():
    book = chain_book()
    original = book.license("L-2")
    assert original is not None
    ended = book.terminate(Termination("L-2", MAKER, date(2024, 9, 1), date(2024, 8, 1), "breach"))
    assert ended.terminated_on == date(2024, 9, 1) and ended.termination_reason == "breach"
    assert original.terminated_on is None  # the value read before is not mutated
    assert ended.start == original.start and ended.end == original.end


def test_termination_refusals():
    book = chain_book()
    terminate = book.terminate
    refused_unchanged(book, terminate, Termination("L-404", OWNER, date(2024, 9, 1), date(2024, 9, 1), "x"),
                      reason=RefusalReason.UNKNOWN_LICENSE, kind=TerminationRefused)
    # The owner granted L-1 only; L-2 is Saigon's license to Pacific.
    refused_unchanged(book, terminate, Termination("L-2", OWNER, date(2024, 9, 1), date(2024, 9, 1), "x"),
                      reason=RefusalReason.NOT_A_PARTY)
    refused_unchanged(book, terminate, Termination("L-2", MAKER, date(2024, 8, 31), date(2024, 9, 1), "x"),
                      reason=RefusalReason.BACKDATED)
    refused_unchanged(book, terminate, Termination("L-2", MAKER, date(2026, 7, 1), date(2024, 9, 1), "x"),
                      reason=RefusalReason.DATES_OUT_OF_ORDER)
    refused_unchanged(book, terminate, Termination("L-2", MAKER, date(2024, 9, 1), date(2024, 9, 1), " "),
                      reason=RefusalReason.MALFORMED)
    terminate(Termination("L-2", MAKER, date(2024, 9, 1), date(2024, 9, 1), "breach"))
    refused_unchanged(book, terminate, Termination("L-2", MAKER, date(2024, 10, 1), date(2024, 9, 2), "again"),
                      reason=RefusalReason.ALREADY_TERMINATED)


def test_usage_refusals():
    book = chain_book()
    refused_unchanged(book, book.record_usage, UsageRecord("E-1", "L-404", 5, date(2024, 6, 1)),
                      reason=RefusalReason.UNKNOWN_LICENSE, kind=UsageRefused)
    refused_unchanged(book, book.record_usage, UsageRecord("E-1", "L-3", 0, date(2024, 6, 1)),
                      reason=RefusalReason.MALFORMED)
    refused_unchanged(book, book.record_usage, UsageRecord("", "L-3", 5, date(2024, 6, 1)),
                      reason=RefusalReason.MALFORMED)


def test_every_refusal_reason_is_exercised_by_these_tests():
    source = Path(__file__).read_text(encoding="utf-8")
    missing = [reason.name for reason in RefusalReason if f"RefusalReason.{reason.name}" not in source]
    assert missing == []


def test_usage_is_counted_up_the_chain_out_of_order():
    book = chain_book()
    book.record_usage(UsageRecord("E-2", "L-3", 200, date(2024, 7, 1)))
    book.record_usage(UsageRecord("E-1", "L-3", 100, date(2024, 6, 1)))
    book.record_usage(UsageRecord("E-3", "L-2", 50, date(2024, 6, 15)))
    assert book.quantity_used("L-3", date(2024, 6, 30)) == 100
    assert book.quantity_used("L-3", date(2024, 7, 1)) == 300
    assert book.quantity_used("L-2", date(2024, 6, 30)) == 150
    assert book.quantity_used("L-1", date(2024, 12, 31)) == 350
    assert book.quantity_used("L-1", date(2024, 12, 31), excluding_entry="E-2") == 150
    assert book.quantity_used("L-3", date(2024, 5, 31)) == 0


def test_a_termination_cannot_undo_a_sublicense_granted_while_the_license_was_in_force():
    book = chain_book()
    # L-2 was granted under L-1 on 2024-03-01; ending L-1 from that day would make that grant void.
    error = refused_unchanged(book, book.terminate,
                              Termination("L-1", OWNER, date(2024, 3, 1), date(2024, 2, 15), "backdated"),
                              reason=RefusalReason.BACKDATED)
    assert "L-2" in error.message
    book.terminate(Termination("L-1", OWNER, date(2024, 4, 2), date(2024, 4, 2), "ended"))
