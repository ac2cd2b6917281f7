"""The border check answers FACTS §6's questions in order, as of the question's day, and
says which question failed at which link."""

from datetime import date

import pytest
from ipr_world import (
    DISTRIBUTOR,
    IMPORTER,
    LEON_MID,
    MAKER,
    MARK,
    MID_2024,
    MILAN_MID,
    OWNER,
    RECORDATION_ID,
    SAIGON_MID,
    STRANGER,
    acceptance,
    chain_book,
    license,
    question,
    recordation,
    recorded_book,
)

from tradeledger.domain.ipr import (
    Decision,
    FailedQuestion,
    IprRefused,
    LinkStatus,
    MemoryLicenseBook,
    QuestionError,
    RecordationDecision,
    RefusalReason,
    Termination,
    UsageRecord,
    authorize,
)


def refused(decision: Decision, failed: FailedQuestion, broken: str | None) -> bool:
    assert not decision.authorized, decision.reason
    assert decision.failed_question is failed, decision.reason
    assert decision.broken_link == broken, decision.reason
    return True


# ----------------------------------------------------------------------- generations


def test_an_importer_three_generations_down_is_authorized_with_the_whole_chain():
    decision = authorize(chain_book(), question())
    assert decision.authorized, decision.reason
    assert [link.license_id for link in decision.chain] == ["L-1", "L-2", "L-3"]
    assert [(link.licensor, link.licensee) for link in decision.chain] == [
        (OWNER, MAKER), (MAKER, DISTRIBUTOR), (DISTRIBUTOR, IMPORTER),
    ]
    assert all(link.status is LinkStatus.VALID for link in decision.chain)
    assert decision.failed_question is None and decision.broken_link is None
    assert decision.recordation_id == RECORDATION_ID and decision.owner == OWNER
    assert "L-1" in decision.reason and IMPORTER in decision.reason


def test_each_party_in_the_chain_is_authorized_through_its_own_license():
    book = chain_book()
    assert [link.license_id for link in authorize(book, question(importer=MAKER)).chain] == ["L-1"]
    assert [link.license_id for link in authorize(book, question(importer=DISTRIBUTOR)).chain] == ["L-1", "L-2"]


def test_the_owner_needs_no_license_a_chain_of_length_zero():
    decision = authorize(chain_book(), question(importer=OWNER, manufacturer=MILAN_MID, country="IT"))
    assert decision.authorized, decision.reason
    assert decision.chain == ()


def test_the_owner_is_still_held_to_its_recordation():
    decision = authorize(chain_book(), question(importer=OWNER, hts="6110.20.2075"))
    assert refused(decision, FailedQuestion.SCOPE_PRODUCT, RECORDATION_ID)


def test_dotted_and_plain_hts_numbers_are_the_same_question():
    book = chain_book()
    assert authorize(book, question(hts="6403996075")).authorized
    assert authorize(book, question(hts="6403.99.6075")).authorized


def test_decision_round_trips_through_json():
    decision = authorize(chain_book(), question())
    assert Decision.from_dict(decision.to_dict()) == decision
    failed = authorize(chain_book(), question(country="CN"))
    assert Decision.from_dict(failed.to_dict()) == failed


# ----------------------------------------------------------------------- recorded?


def test_an_unknown_mark_is_not_recorded():
    assert refused(authorize(chain_book(), question(mark="ACME SUMMIT")), FailedQuestion.RECORDED, None)


def test_a_pending_recordation_authorizes_nothing():
    book = MemoryLicenseBook()
    book.file_recordation(recordation())
    decision = authorize(book, question(importer=OWNER))
    assert refused(decision, FailedQuestion.RECORDED, None)
    assert "pending" in decision.reason


def test_a_refused_recordation_authorizes_nothing():
    book = MemoryLicenseBook()
    book.file_recordation(recordation())
    book.decide_recordation(RecordationDecision(RECORDATION_ID, False, date(2024, 1, 15), "not on principal register"))
    decision = authorize(book, question(importer=OWNER))
    assert refused(decision, FailedQuestion.RECORDED, None)
    assert "refused" in decision.reason


def test_goods_entered_before_the_recordation_was_accepted_were_not_protected():
    decision = authorize(chain_book(), question(importer=OWNER, on=date(2024, 1, 14)))
    assert refused(decision, FailedQuestion.RECORDED, None)
    assert authorize(chain_book(), question(importer=OWNER, on=date(2024, 1, 15))).authorized


def test_an_expired_recordation_authorizes_nothing():
    book = MemoryLicenseBook()
    book.file_recordation(recordation(expires_on=date(2024, 12, 31)))
    book.decide_recordation(acceptance())
    assert authorize(book, question(importer=OWNER, on=date(2024, 12, 31))).authorized
    assert refused(authorize(book, question(importer=OWNER, on=date(2025, 1, 1))), FailedQuestion.RECORDED, None)


# ----------------------------------------------------------------------- unbroken chain?


def test_a_party_holding_no_license_is_refused_at_the_chain():
    decision = authorize(chain_book(), question(importer=STRANGER))
    assert refused(decision, FailedQuestion.CHAIN, None)
    assert STRANGER in decision.reason and OWNER in decision.reason


class ForgedBook(MemoryLicenseBook):
    """A book whose licenses skipped validation, as a corrupted or hostile ledger might hold."""

    def force(self, grant) -> None:
        self._licenses[grant.license_id] = grant
        self._held.setdefault((grant.licensee, grant.mark), []).append(grant.license_id)


def forged_book() -> ForgedBook:
    book = ForgedBook()
    book.file_recordation(recordation())
    book.decide_recordation(acceptance())
    return book


def test_a_license_granted_by_someone_other_than_the_owner_breaks_the_chain():
    book = forged_book()
    book.force(license("F-1", STRANGER, IMPORTER))
    decision = authorize(book, question())
    assert refused(decision, FailedQuestion.CHAIN, "F-1")
    assert "not the owner" in decision.reason


def test_a_sublicense_granted_by_someone_other_than_the_parents_holder_breaks_the_chain():
    book = forged_book()
    book.force(license("F-1", OWNER, MAKER, may_sublicense=True, further_generations=1))
    book.force(license("F-2", STRANGER, IMPORTER, "F-1"))
    assert refused(authorize(book, question()), FailedQuestion.CHAIN, "F-2")


def test_a_sublicense_of_a_license_that_forbids_sublicensing_breaks_the_chain():
    book = forged_book()
    book.force(license("F-1", OWNER, MAKER))
    book.force(license("F-2", MAKER, IMPORTER, "F-1"))
    decision = authorize(book, question())
    assert refused(decision, FailedQuestion.CHAIN, "F-2")
    assert "does not permit sublicensing" in decision.reason


def test_a_sublicense_deeper_than_its_parent_allows_breaks_the_chain():
    book = forged_book()
    book.force(license("F-1", OWNER, MAKER, may_sublicense=True, further_generations=1))
    book.force(license("F-2", MAKER, DISTRIBUTOR, "F-1", may_sublicense=True, further_generations=1))
    book.force(license("F-3", DISTRIBUTOR, IMPORTER, "F-2"))
    assert refused(authorize(book, question()), FailedQuestion.CHAIN, "F-2")


def test_a_sublicense_granted_after_its_parent_was_terminated_breaks_the_chain():
    book = forged_book()
    book.force(license("F-1", OWNER, MAKER, may_sublicense=True, further_generations=1,
                       terminated_on=date(2024, 3, 1), termination_reason="breach"))
    book.force(license("F-2", MAKER, IMPORTER, "F-1", granted_on=date(2024, 4, 1)))
    decision = authorize(book, question())
    assert refused(decision, FailedQuestion.CHAIN, "F-2")
    assert "held no right" in decision.reason


def test_a_license_whose_parent_is_missing_breaks_the_chain():
    book = forged_book()
    book.force(license("F-2", MAKER, IMPORTER, "F-1"))
    decision = authorize(book, question())
    assert refused(decision, FailedQuestion.CHAIN, "F-2")
    assert "not on the ledger" in decision.reason


# ----------------------------------------------------------------------- valid on the day?


def test_a_license_not_yet_started_or_already_ended_is_not_valid_that_day():
    book = chain_book()
    before = authorize(book, question(on=date(2024, 3, 31)))
    assert refused(before, FailedQuestion.VALIDITY, "L-3")
    assert before.chain[-1].status is LinkStatus.NOT_YET_VALID
    after = authorize(book, question(on=date(2026, 1, 1)))
    assert refused(after, FailedQuestion.VALIDITY, "L-3")
    assert after.chain[-1].status is LinkStatus.EXPIRED
    assert authorize(book, question(on=date(2024, 4, 1))).authorized
    assert authorize(book, question(on=date(2025, 12, 31))).authorized


def test_terminating_a_parent_invalidates_every_descendant_from_that_day_but_not_before():
    book = chain_book()
    book.terminate(Termination("L-1", OWNER, date(2024, 9, 1), date(2024, 8, 20), "royalties unpaid"))

    after = authorize(book, question(on=date(2024, 9, 1)))
    assert refused(after, FailedQuestion.VALIDITY, "L-1")
    assert [link.status for link in after.chain] == [
        LinkStatus.TERMINATED, LinkStatus.ANCESTOR_INVALID, LinkStatus.ANCESTOR_INVALID,
    ]
    assert "royalties unpaid" in after.reason

    day_before = authorize(book, question(on=date(2024, 8, 31)))
    assert day_before.authorized, day_before.reason
    assert all(link.status is LinkStatus.VALID for link in day_before.chain)


def test_terminating_a_middle_license_leaves_the_links_above_it_standing():
    book = chain_book()
    book.terminate(Termination("L-2", MAKER, date(2024, 9, 1), date(2024, 9, 1), "distribution ended"))
    assert authorize(book, question(importer=MAKER, on=date(2024, 10, 1))).authorized
    decision = authorize(book, question(on=date(2024, 10, 1)))
    assert refused(decision, FailedQuestion.VALIDITY, "L-2")
    assert [link.status for link in decision.chain] == [
        LinkStatus.VALID, LinkStatus.TERMINATED, LinkStatus.ANCESTOR_INVALID,
    ]


def test_a_licensee_may_surrender_its_own_license():
    book = chain_book()
    book.terminate(Termination("L-3", IMPORTER, date(2024, 7, 1), date(2024, 7, 1), "closing the business"))
    assert refused(authorize(book, question(on=date(2024, 7, 1))), FailedQuestion.VALIDITY, "L-3")
    assert authorize(book, question(on=date(2024, 6, 30))).authorized


# ----------------------------------------------------------------------- scope


def test_goods_outside_the_licensed_hts_prefixes_are_refused_at_the_narrowest_link():
    # L-1 allows heading 6403; L-2 narrows it to 640399; 6403.51 is inside L-1, outside L-2.
    decision = authorize(chain_book(), question(hts="6403.51.3000"))
    assert refused(decision, FailedQuestion.SCOPE_PRODUCT, "L-2")
    assert "640399" in decision.reason


def test_goods_outside_the_recordation_are_refused_at_the_recordation():
    assert refused(authorize(chain_book(), question(hts="6110.20.2075")), FailedQuestion.SCOPE_PRODUCT, RECORDATION_ID)


def test_goods_made_in_a_country_outside_the_license_are_refused():
    # Italy is an authorized place of manufacture in the recordation, but L-1 licenses Vietnam only.
    decision = authorize(chain_book(), question(country="IT"))
    assert refused(decision, FailedQuestion.SCOPE_COUNTRY, "L-1")
    assert refused(authorize(chain_book(), question(country="CN")), FailedQuestion.SCOPE_COUNTRY, RECORDATION_ID)


def test_goods_from_an_unnamed_manufacturer_are_refused():
    assert refused(authorize(chain_book(), question(manufacturer=LEON_MID)), FailedQuestion.SCOPE_MANUFACTURER, "L-1")
    assert refused(
        authorize(chain_book(), question(manufacturer="CNFAKE88SHE")), FailedQuestion.SCOPE_MANUFACTURER, RECORDATION_ID
    )


# ----------------------------------------------------------------------- quantity caps


def test_quantity_caps_add_up_across_entries():
    book = chain_book()
    book.record_usage(UsageRecord("B76-0324527-8", "L-3", 6_000, date(2024, 5, 1)))
    book.record_usage(UsageRecord("B76-0324528-6", "L-3", 3_500, date(2024, 5, 20)))
    assert authorize(book, question(quantity=500)).authorized  # 9,500 + 500 = the cap exactly
    decision = authorize(book, question(quantity=501))
    assert refused(decision, FailedQuestion.QUANTITY, "L-3")
    assert "9500 already entered" in decision.reason and "by 1" in decision.reason


def test_entries_under_a_sublicense_count_against_every_capped_license_above_it():
    book = chain_book()
    book.grant(license("L-4", DISTRIBUTOR, STRANGER, "L-2", quantity_cap=35_000,
                       start=date(2024, 4, 1), granted_on=date(2024, 4, 1)))
    book.record_usage(UsageRecord("ENTRY-A", "L-4", 34_000, date(2024, 5, 1)))
    # L-3's own cap (10,000) is untouched, but L-2's 40,000 is nearly used by its other sub-licensee.
    decision = authorize(book, question(quantity=6_001))
    assert refused(decision, FailedQuestion.QUANTITY, "L-2")
    assert authorize(book, question(quantity=6_000)).authorized


def test_usage_after_the_day_asked_about_does_not_count():
    book = chain_book()
    book.record_usage(UsageRecord("LATER", "L-3", 10_000, date(2024, 7, 1)))
    assert authorize(book, question(on=date(2024, 6, 30), quantity=1)).authorized
    assert refused(authorize(book, question(on=date(2024, 7, 1), quantity=1)), FailedQuestion.QUANTITY, "L-3")


def test_re_asking_about_an_entry_already_counted_gives_the_same_answer():
    book = chain_book()
    asked = question(quantity=10_000, entry_number="B76-0324527-8")
    assert authorize(book, asked).authorized
    book.record_usage(UsageRecord("B76-0324527-8", "L-3", 10_000, MID_2024))
    assert authorize(book, asked).authorized
    assert refused(authorize(book, question(quantity=1, entry_number="OTHER")), FailedQuestion.QUANTITY, "L-3")


# ----------------------------------------------------------------------- gray market


def test_materially_different_goods_need_the_lever_label_under_protection():
    book = chain_book()
    unlabeled = authorize(book, question(physically_materially_different=True))
    assert refused(unlabeled, FailedQuestion.GRAY_MARKET, RECORDATION_ID)
    assert "Lever" in unlabeled.reason
    assert authorize(book, question(physically_materially_different=True, bears_lever_label=True)).authorized
    assert authorize(book, question(physically_materially_different=False)).authorized


def test_without_lever_protection_materially_different_goods_are_not_restricted():
    book = MemoryLicenseBook()
    book.file_recordation(recordation(gray_market_protection=False))
    book.decide_recordation(acceptance())
    for grant in (chain_book().license(i) for i in ("L-1", "L-2", "L-3")):
        assert grant is not None
        book.grant(grant)
    assert authorize(book, question(physically_materially_different=True)).authorized


def test_the_lever_rule_protects_the_owner_and_does_not_restrict_its_own_goods():
    decision = authorize(chain_book(), question(importer=OWNER, physically_materially_different=True))
    assert decision.authorized, decision.reason


# ----------------------------------------------------------------------- several chains


def test_any_one_working_chain_authorizes():
    book = chain_book()
    # A second license straight from the owner, for Italian boots from Milan.
    book.grant(license("L-0", OWNER, IMPORTER, countries=("IT",), manufacturers=(MILAN_MID,),
                       granted_on=date(2024, 4, 1)))
    vietnamese = authorize(book, question())
    italian = authorize(book, question(country="IT", manufacturer=MILAN_MID))
    assert vietnamese.authorized and [link.license_id for link in vietnamese.chain][-1] == "L-3"
    assert italian.authorized and [link.license_id for link in italian.chain] == ["L-0"]


def test_when_no_chain_works_the_most_specific_failure_is_reported():
    book = chain_book()
    book.grant(license("L-0", OWNER, IMPORTER, countries=("IT",), end=date(2024, 5, 31)))
    # On 2024-06-02 L-0 has expired (validity) and L-3's chain covers only Saigon's boots
    # (a scope failure comes later in the list, so it is the more specific answer).
    decision = authorize(book, question(manufacturer=MILAN_MID, country="IT", on=date(2024, 6, 2)))
    assert refused(decision, FailedQuestion.SCOPE_COUNTRY, "L-1")


def test_ties_between_failing_chains_go_to_the_lowest_license_id():
    book = chain_book()
    book.grant(license("L-9", OWNER, IMPORTER, hts_prefixes=("4202",)))
    decision = authorize(book, question(hts="6110.20.2075"))
    assert refused(decision, FailedQuestion.SCOPE_PRODUCT, RECORDATION_ID)
    assert decision.chain[-1].license_id == "L-3"


# ----------------------------------------------------------------------- malformed questions


@pytest.mark.parametrize(
    "changes",
    [{"hts": "64"}, {"hts": "6403.99.6075.11"}, {"hts": "64O3"}, {"country": "vn"}, {"country": "VNM"},
     {"quantity": 0}, {"quantity": -5}, {"importer": ""}],
)
def test_a_malformed_question_is_an_error_not_an_answer(changes):
    with pytest.raises(QuestionError):
        authorize(chain_book(), question(**changes))


def test_questions_name_the_mark_exactly():
    assert refused(authorize(chain_book(), question(mark=MARK.lower())), FailedQuestion.RECORDED, None)


def test_recorded_owner_and_recordation_scope_come_from_the_book():
    book = recorded_book()
    assert authorize(book, question(importer=OWNER, manufacturer=SAIGON_MID)).authorized


def test_a_chain_ten_generations_deep_authorizes_its_last_licensee_and_stops_there():
    book = recorded_book()
    parties = [OWNER] + [f"party-{n}" for n in range(1, 11)]
    for n in range(1, 11):
        book.grant(license(
            f"G-{n:02d}", parties[n - 1], parties[n], None if n == 1 else f"G-{n - 1:02d}",
            may_sublicense=n < 10, further_generations=10 - n,
        ))
    decision = authorize(book, question(importer="party-10"))
    assert decision.authorized, decision.reason
    assert len(decision.chain) == 10
    with pytest.raises(IprRefused) as caught:
        book.grant(license("G-11", "party-10", "party-11", "G-10"))
    assert caught.value.code is RefusalReason.PARENT_NOT_SUBLICENSABLE
