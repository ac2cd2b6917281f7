"""The rules the engine applies, one by one (shared/domain/origin-cases/README.md; FACTS §3)."""

from __future__ import annotations

import pytest
from _origin_builders import alternative, case, material

from tradeledger.domain.origin import OriginCase, OriginCaseError, qualify, qualify_dict


def run(data):
    return qualify_dict(data)


def reasons_text(result) -> str:
    return " ".join(result["reasons"])


# --- criteria A and C -------------------------------------------------------------------


def test_wholly_obtained_good_qualifies_under_criterion_a_without_applying_the_rule():
    result = run(case([], alternative("CC"), wholly_obtained=True))
    assert (result["qualifies"], result["criterion"], result["alternative"]) == (True, "A", None)
    assert result["tariff_shift"] is None and result["rvc"] == [] and result["alternatives"] == []
    assert result["reasons"][-1] == "The good qualifies under criterion A."


def test_good_made_only_from_originating_materials_qualifies_under_criterion_c():
    # The rule would fail (same heading, RVC unreachable), but C does not apply the rule.
    result = run(case([material("8501.20", "90.00", originating=True)],
                      alternative("CTH", transaction_value="100")))
    assert (result["qualifies"], result["criterion"]) == (True, "C")
    assert "exclusively from originating materials" in reasons_text(result)


def test_one_non_originating_material_sends_the_good_to_the_rule():
    # 20.00 of 100.00 fails the shift and is over de minimis: C does not save it.
    result = run(case([material("8501.20", "20.00"), material("7318.15", "1.00", originating=True)],
                      alternative("CTH")))
    assert (result["qualifies"], result["criterion"]) == (False, None)


# --- tariff shift levels ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "material_hs", "shifts"),
    [
        ("CC", "8503.00", False),  # same chapter 85
        ("CC", "7318.15", True),
        ("CTH", "8501.20", False),  # same heading 8501
        ("CTH", "8503.00", True),  # same chapter, other heading: enough for CTH
        ("CTSH", "8501.10.4020", False),  # same subheading 8501.10
        ("CTSH", "8501.20", True),  # same heading, other subheading: enough for CTSH
    ],
)
def test_shift_levels_compare_2_4_or_6_digits(level, material_hs, shifts):
    result = run(case([material(material_hs, "50.00")], alternative(level), hs="8501.10"))
    assert result["tariff_shift"]["met"] is shifts
    assert result["qualifies"] is shifts
    assert [f["material"] for f in result["tariff_shift"]["failing_materials"]] == ([] if shifts else [0])


def test_failing_material_reason_names_the_shared_level():
    result = run(case([material("8501.20", "50.00", description="rotor")], alternative("CTH"), hs="8501.10"))
    failing = result["tariff_shift"]["failing_materials"][0]
    assert failing["reason"] == "it is in heading 8501, the good's own heading"
    assert "material 1 ('rotor', 8501.20, non-originating, value 50.00) does not make the change of tariff " \
           "heading (CTH)" in reasons_text(result)


def test_originating_materials_need_not_shift():
    result = run(case([material("8501.20", "50.00", originating=True), material("7318.15", "10.00")],
                      alternative("CTH")))
    assert result["tariff_shift"]["met"] and result["qualifies"] and result["criterion"] == "B"


def test_excepted_material_fails_even_though_it_changes_heading():
    result = run(case([material("8503.00.9545", "50.00", description="stator")],
                      alternative("CTH", except_from=["8503"]), hs="8501.10"))
    failing = result["tariff_shift"]["failing_materials"]
    assert failing[0]["reason"] == "non-originating materials may not come from 8503"
    assert not result["qualifies"]


def test_exception_by_chapter_prefix():
    data = case([material("7326.90", "50.00")], alternative("CTH", except_from=["72", "73"]), hs="8413.70")
    assert not run(data)["tariff_shift"]["met"]
    data = case([material("7606.12", "50.00")], alternative("CTH", except_from=["72", "73"]), hs="8413.70")
    assert run(data)["tariff_shift"]["met"]


def test_excepted_material_that_is_originating_is_fine():
    result = run(case([material("8503.00", "50.00", originating=True), material("7318.15", "1.00")],
                      alternative("CTH", except_from=["8503"])))
    assert result["qualifies"]


def test_exception_at_subheading_level_spares_other_subheadings():
    data = case([material("8504.40", "50.00")], alternative("CTH", except_from=["8504.50"]), hs="8501.10")
    assert run(data)["tariff_shift"]["met"]


# --- de minimis ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failing_value", "applied", "percent"),
    [
        ("9.99", True, "9.99"),
        ("10.00", True, "10.00"),  # "no more than 10%"
        ("10.000001", False, "10.00"),  # exact comparison: a millionth over is over
        ("10.01", False, "10.01"),
    ],
)
def test_de_minimis_boundary_is_exact(failing_value, applied, percent):
    result = run(case([material("8501.20", failing_value), material("7318.15", "30.00")], alternative("CTH")))
    shift = result["tariff_shift"]
    assert (shift["met"], shift["de_minimis_applied"], shift["de_minimis_percent"]) == (applied, applied, percent)


def test_de_minimis_reason_warns_when_the_rounded_percent_hides_the_excess():
    result = run(case([material("8501.20", "10.000001")], alternative("CTH")))
    assert "10.00% of the transaction value 100.00 (the percent is rounded for display; the exact value " \
           "decides), more than 10%" in reasons_text(result)


def test_de_minimis_sums_all_failing_materials():
    # 6 + 5 = 11% although each alone is under 10%.
    result = run(case([material("8501.20", "6.00"), material("8501.90", "5.00"), material("7318.15", "1.00")],
                      alternative("CTH"), hs="8501.10"))
    assert result["tariff_shift"]["de_minimis_percent"] == "11.00"
    assert not result["qualifies"]


def test_de_minimis_materials_still_count_in_vnm():
    # 10.00 fails the shift but is de minimis; VNM = 10 + 35 = 45 -> RVC 55% < 60%.
    result = run(case([material("8501.20", "10.00"), material("7318.15", "35.00")],
                      alternative("CTH", transaction_value="60")))
    assert result["tariff_shift"]["de_minimis_applied"]
    assert result["rvc"] == [{"method": "transaction_value", "percent": "55.00", "threshold": "60", "met": False}]
    assert not result["qualifies"]


def test_no_failing_material_shows_zero_percent_and_de_minimis_not_applied():
    shift = run(case([material("7318.15", "50.00")], alternative("CTH")))["tariff_shift"]
    assert shift == {"met": True, "failing_materials": [], "de_minimis_percent": "0.00", "de_minimis_applied": False}


def test_cafta_dr_measures_de_minimis_against_the_adjusted_value():
    # 15.00 is 15% of TV 100 but 7.5% of AV 200.
    data = case([material("8501.20", "15.00")], alternative("CTH"), agreement="CAFTA-DR", av="200.00")
    shift = run(data)["tariff_shift"]
    assert (shift["de_minimis_percent"], shift["de_minimis_applied"], shift["met"]) == ("7.50", True, True)
    assert "7.50% of the adjusted value 200.00" in reasons_text(run(data))


def test_usmca_measures_de_minimis_against_the_transaction_value_even_when_av_is_given():
    data = case([material("8501.20", "15.00")], alternative("CTH"), agreement="USMCA", av="200.00")
    shift = run(data)["tariff_shift"]
    assert (shift["de_minimis_percent"], shift["met"]) == ("15.00", False)


def test_cafta_dr_without_adjusted_value_cannot_apply_de_minimis():
    result = run(case([material("8501.20", "1.00")], alternative("CTH"), agreement="CAFTA-DR"))
    assert result["tariff_shift"] == {
        "met": False,
        "failing_materials": result["tariff_shift"]["failing_materials"],
        "de_minimis_percent": None,
        "de_minimis_applied": False,
    }
    assert "de minimis cannot be applied: under CAFTA-DR it is measured against the good's adjusted value, " \
           "which the case does not give" in reasons_text(result)


# --- regional value content ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("vnm", "percent", "met"),
    [("40.00", "60.00", True), ("39.99", "60.01", True), ("40.01", "59.99", False)],
)
def test_transaction_value_threshold_is_not_less_than(vnm, percent, met):
    result = run(case([material("7318.15", vnm)], alternative(transaction_value="60")))
    assert result["rvc"] == [{"method": "transaction_value", "percent": percent, "threshold": "60", "met": met}]
    assert result["qualifies"] is met


def test_a_rounded_percent_equal_to_the_threshold_does_not_meet_it():
    # (100 - 40.000001) / 100 = 59.999999% shows as 60.00% but is under 60%.
    result = run(case([material("7318.15", "40.000001")], alternative(transaction_value="60")))
    assert result["rvc"][0]["percent"] == "60.00" and result["rvc"][0]["met"] is False
    assert "(the percent is rounded for display; the exact value decides)" in reasons_text(result)


def test_repeating_decimals_are_compared_exactly():
    # (3 - 1) / 3 = 66.666...%: below 66.67 and above 66.66.
    below = run(case([material("7318.15", "1.00")], alternative(transaction_value="66.67"), tv="3.00"))
    above = run(case([material("7318.15", "1.00")], alternative(transaction_value="66.66"), tv="3.00"))
    assert below["rvc"][0]["percent"] == above["rvc"][0]["percent"] == "66.67"
    assert (below["qualifies"], above["qualifies"]) == (False, True)


def test_display_rounds_half_up():
    # (200 - 99.99) / 200 = 50.005% exactly: half up gives 50.01 (half even would give 50.00).
    result = run(case([material("7318.15", "99.99")], alternative(transaction_value="50"), tv="200.00"))
    assert result["rvc"][0]["percent"] == "50.01"


def test_net_cost_method_fails_then_meets_at_the_boundary():
    # FACTS §3.5 example 2: NC = 95 - 4 - 2 - 3 - 1 = 85.
    fail = run(case([material("7326.90", "45.00")], alternative(net_cost="50"), nc="85.00"))
    boundary = run(case([material("7326.90", "42.50")], alternative(net_cost="50"), nc="85.00"))
    assert (fail["rvc"][0]["percent"], fail["qualifies"]) == ("47.06", False)
    assert (boundary["rvc"][0]["percent"], boundary["qualifies"]) == ("50.00", True)


def test_build_down_and_build_up_on_the_published_us_australia_example():
    # FACTS §3.5 example 5: AV 1,000, VNM 500 -> build-down 50% >= 45%; VOM 500 -> build-up 50% >= 35%.
    materials = [material("7318.15", "500.00"), material("7326.90", "500.00", originating=True)]
    down = run(case(materials, alternative(build_down="45"), agreement="CAFTA-DR", tv="1200.00", av="1000.00"))
    up = run(case(materials, alternative(build_up="35"), agreement="CAFTA-DR", tv="1200.00", av="1000.00"))
    assert down["rvc"] == [{"method": "build_down", "percent": "50.00", "threshold": "45", "met": True}]
    assert up["rvc"] == [{"method": "build_up", "percent": "50.00", "threshold": "35", "met": True}]
    assert "VOM 500.00 / AV 1000.00 x 100 = 50.00%" in reasons_text(up)


def test_build_up_counts_only_originating_value():
    # AV 1000 with VOM 300 and VNM 100: build-down 90%, build-up only 30%.
    materials = [material("7318.15", "100.00"), material("7326.90", "300.00", originating=True)]
    result = run(case(materials, alternative(build_down="35", build_up="35"), agreement="CAFTA-DR", av="1000.00"))
    assert [(r["method"], r["percent"], r["met"]) for r in result["rvc"]] == [
        ("build_down", "90.00", True), ("build_up", "30.00", False)]
    assert result["qualifies"]  # any listed method suffices


def test_method_without_its_base_cannot_be_used_and_says_so():
    result = run(case([material("7318.15", "30.00")], alternative(net_cost="50", build_down="35")))
    assert result["rvc"] == [
        {"method": "net_cost", "percent": None, "threshold": "50", "met": False},
        {"method": "build_down", "percent": None, "threshold": "35", "met": False},
    ]
    text = reasons_text(result)
    assert "the net cost method cannot be used: the case gives no net cost (net_cost) for the good" in text
    assert "the build-down method cannot be used: the case gives no adjusted value (adjusted_value)" in text
    assert not result["qualifies"]


def test_a_missing_base_does_not_stop_another_method_from_meeting():
    result = run(case([material("7318.15", "30.00")], alternative(transaction_value="60", net_cost="50")))
    assert [r["met"] for r in result["rvc"]] == [True, False] and result["qualifies"]


def test_rvc_methods_are_listed_in_a_fixed_order_whatever_the_case_says():
    data = case([material("7318.15", "30.00", )], {"rvc": {"build_up": "10", "net_cost": "50", "build_down": "10",
                                                          "transaction_value": "60"}},
                nc="90.00", av="100.00")
    assert [r["method"] for r in run(data)["rvc"]] == ["transaction_value", "net_cost", "build_down", "build_up"]


def test_non_originating_value_above_the_base_gives_a_negative_rvc():
    result = run(case([material("7318.15", "120.00")], alternative(transaction_value="0")))
    assert result["rvc"][0]["percent"] == "-20.00" and not result["rvc"][0]["met"]


def test_a_zero_threshold_is_met_by_any_non_negative_rvc():
    assert run(case([material("7318.15", "100.00")], alternative(transaction_value="0")))["qualifies"]


def test_usmca_passenger_vehicle_misses_75_percent_but_would_meet_72():
    # FACTS §3.5 example 4.
    materials = [material("8407.34", "5500.00")]
    now = run(case(materials, alternative(net_cost="75"), hs="8703.23", tv="24000.00", nc="20000.00"))
    before = run(case(materials, alternative(net_cost="72"), hs="8703.23", tv="24000.00", nc="20000.00"))
    assert (now["qualifies"], before["qualifies"]) == (False, True)
    assert now["rvc"][0]["percent"] == "72.50"


# --- alternatives -------------------------------------------------------------------------


def test_tariff_shift_and_rvc_of_one_alternative_must_both_hold():
    result = run(case([material("7318.15", "50.00")], alternative("CTH", transaction_value="60")))
    assert result["tariff_shift"]["met"] and not result["rvc"][0]["met"]
    assert not result["qualifies"]


def test_second_alternative_can_qualify_the_good():
    data = case([material("8501.20", "30.00")], alternative("CTH"), alternative(transaction_value="60"))
    result = run(data)
    assert (result["qualifies"], result["criterion"], result["alternative"]) == (True, "B", 1)
    assert result["tariff_shift"] is None  # the holding alternative has no shift
    assert result["rvc"][0]["met"]
    assert [a["holds"] for a in result["alternatives"]] == [False, True]
    assert "Alternative 1 of 2: does not hold." in result["reasons"]
    assert result["reasons"][-1] == "The good qualifies under criterion B by alternative 2 of its rule."


def test_first_holding_alternative_is_reported():
    data = case([material("7318.15", "30.00")], alternative("CTH"), alternative(transaction_value="60"))
    result = run(data)
    assert result["alternative"] == 0 and [a["holds"] for a in result["alternatives"]] == [True, True]


def test_when_no_alternative_holds_the_first_one_is_shown_and_all_are_listed():
    data = case([material("8501.20", "50.00")], alternative("CTH"), alternative("CTSH", transaction_value="60"))
    result = run(data)
    assert (result["qualifies"], result["alternative"]) == (False, None)
    assert result["tariff_shift"] == result["alternatives"][0]["tariff_shift"] and result["rvc"] == []
    assert result["alternatives"][1]["rvc"][0]["percent"] == "50.00"
    assert result["reasons"][-1] == "The good does not qualify: no alternative of its rule holds."


def test_a_rule_without_alternatives_qualifies_nothing_under_b():
    result = run(case([material("7318.15", "1.00")]))
    assert (result["qualifies"], result["tariff_shift"], result["rvc"], result["alternatives"]) == (False, None, [], [])
    assert "the rule has no alternative" in result["reasons"][-1]


# --- reasons and purity -------------------------------------------------------------------


def test_reasons_are_one_line_sentences():
    data = case([material("8501.20", "9.00"), material("7318.15", "50.00")],
                alternative("CTH", except_from=["7318"], transaction_value="60", net_cost="50"),
                alternative("CC"), nc="90.00")
    result = run(data)
    assert len(result["reasons"]) >= 6
    for reason in result["reasons"]:
        assert reason and "\n" not in reason and reason[0].isupper() and reason.endswith(".")


def test_qualify_takes_the_typed_case_and_does_not_change_it():
    data = case([material("7318.15", "35.00")], alternative("CTH", transaction_value="60"))
    typed = OriginCase.from_dict(data)
    before = typed.to_dict()
    first, second = qualify(typed), qualify(typed)
    assert first == second and typed.to_dict() == before == OriginCase.from_dict(data).to_dict()


def test_qualify_dict_refuses_a_malformed_case():
    with pytest.raises(OriginCaseError):
        qualify_dict({"agreement": "USMCA"})
