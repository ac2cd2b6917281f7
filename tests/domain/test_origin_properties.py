"""Properties the rules of origin must have on any well-formed case (hypothesis)."""

from __future__ import annotations

import copy
from decimal import Decimal
from fractions import Fraction
from typing import Any

from _origin_builders import alternative, case, material
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tradeledger.domain.origin import OriginCase, OriginResult, qualify, qualify_dict

# A small pool so that goods and materials often share chapters, headings and subheadings.
HS_POOL = ["8501.10", "8501.20", "8501.10.4020", "8503.00", "8504.40", "7318.15", "7326.90", "9403.60", "9403.90"]


def cents(low: int = 0, high: int = 10**9) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(lambda c: f"{c // 100}.{c % 100:02d}")


def as_fraction(text: str) -> Fraction:
    return Fraction(Decimal(text))


def half_up_2(value: Fraction) -> str:
    """Reference rounding, independent of the engine: half away from zero to 2 places."""
    sign = -1 if value < 0 else 1
    scaled = abs(value) * 100
    units = int(scaled) + (1 if scaled - int(scaled) >= Fraction(1, 2) else 0)
    return f"{'-' if sign < 0 and units else ''}{units // 100}.{units % 100:02d}"


materials_st = st.lists(
    st.builds(material, st.sampled_from(HS_POOL), cents(0, 5_000_000), st.booleans()),
    min_size=1, max_size=8,
)
thresholds = st.integers(0, 100).map(str) | st.decimals(0, 100, places=2).map(lambda d: format(abs(d), "f"))
alternatives_st = st.one_of(
    st.builds(alternative, st.sampled_from(["CC", "CTH", "CTSH"])),
    st.builds(lambda lvl, ex: alternative(lvl, except_from=ex), st.sampled_from(["CC", "CTH", "CTSH"]),
              st.lists(st.sampled_from(["85", "8503", "7318.15"]), min_size=1, max_size=2)),
    st.builds(lambda t: alternative(transaction_value=t), thresholds),
    st.builds(lambda lvl, t, n: alternative(lvl, transaction_value=t, net_cost=n),
              st.sampled_from(["CTH", "CTSH"]), thresholds, thresholds),
    st.builds(lambda d, u: alternative(build_down=d, build_up=u), thresholds, thresholds),
)


@st.composite
def cases(draw) -> dict[str, Any]:
    mats = draw(materials_st)
    alts = draw(st.lists(alternatives_st, min_size=1, max_size=3))
    return case(
        mats, *alts,
        agreement=draw(st.sampled_from(["USMCA", "CAFTA-DR"])),
        hs=draw(st.sampled_from(HS_POOL)),
        tv=draw(cents(1, 10**8)),
        nc=draw(st.none() | cents(1, 10**8)),
        av=draw(st.none() | cents(1, 10**8)),
    )


@given(cases())
def test_case_and_result_survive_a_round_trip(data):
    parsed = OriginCase.from_dict(data)
    assert OriginCase.from_dict(parsed.to_dict()) == parsed
    result = qualify(parsed)
    assert OriginResult.from_dict(result.to_dict()) == result


@given(cases())
def test_qualify_is_deterministic_and_leaves_its_input_alone(data):
    before = copy.deepcopy(data)
    assert qualify_dict(data) == qualify_dict(data)
    assert data == before


@given(cases())
def test_result_is_consistent_with_its_parts(data):
    result = qualify_dict(data)
    holds = [a["holds"] for a in result["alternatives"]]
    assert result["qualifies"] == (result["criterion"] is not None)
    if result["criterion"] == "B":
        assert result["alternative"] == holds.index(True)
    else:
        assert result["alternative"] is None
    if result["criterion"] is None:
        assert not any(holds)
    for outcome in result["alternatives"]:
        shift_ok = outcome["tariff_shift"] is None or outcome["tariff_shift"]["met"]
        rvc_ok = not outcome["rvc"] or any(r["met"] for r in outcome["rvc"])
        assert outcome["holds"] == (shift_ok and rvc_ok)


@given(cases(), st.data())
def test_making_a_material_originating_never_loses_qualification(data, draw):
    before = qualify_dict(data)
    non_originating = [i for i, m in enumerate(data["materials"]) if not m["originating"]]
    assume(before["qualifies"] and non_originating)
    changed = copy.deepcopy(data)
    changed["materials"][draw.draw(st.sampled_from(non_originating))]["originating"] = True
    assert qualify_dict(changed)["qualifies"]


@given(cents(1, 10**8), st.lists(cents(0, 10**7), min_size=1, max_size=6), cents(1, 10**6), thresholds)
def test_rvc_never_rises_when_non_originating_value_rises(tv, values, extra, threshold):
    mats = [material("7318.15", v) for v in values]
    more = copy.deepcopy(mats)
    more[0]["value"] = format(Decimal(more[0]["value"]) + Decimal(extra), "f")
    low = qualify_dict(case(more, alternative(transaction_value=threshold), tv=tv))["rvc"][0]
    high = qualify_dict(case(mats, alternative(transaction_value=threshold), tv=tv))["rvc"][0]
    assert Decimal(low["percent"]) <= Decimal(high["percent"])
    assert not (low["met"] and not high["met"])


@given(st.lists(st.tuples(cents(0, 10**7), st.booleans()), min_size=1, max_size=8), cents(0, 10**7), thresholds)
def test_build_down_is_build_up_plus_the_unassigned_share_of_av(values, slack, threshold):
    # With AV = VNM + VOM + slack, build-down - build-up = slack / AV: equal when slack is 0.
    mats = [material("7318.15", v, o) for v, o in values]
    av = sum((Decimal(v) for v, _ in values), Decimal(slack))
    assume(av > 0 and any(not o for _, o in values))  # all originating would be criterion C
    data = case(mats, alternative(build_down=threshold, build_up=threshold), agreement="CAFTA-DR",
                av=format(av, "f"))
    down, up = qualify_dict(data)["rvc"]
    vom = sum((as_fraction(v) for v, o in values if o), Fraction(0))
    vnm = sum((as_fraction(v) for v, o in values if not o), Fraction(0))
    exact_down = (as_fraction(format(av, "f")) - vnm) / as_fraction(format(av, "f")) * 100
    exact_up = vom / as_fraction(format(av, "f")) * 100
    assert exact_down - exact_up == as_fraction(slack) / as_fraction(format(av, "f")) * 100
    assert (down["percent"], up["percent"]) == (half_up_2(exact_down), half_up_2(exact_up))
    assert down["met"] >= up["met"]  # build-down is never the stricter of the two here
    if Decimal(slack) == 0:
        assert down["percent"] == up["percent"] and down["met"] == up["met"]


@given(st.integers(1, 10**6), st.integers(0, 100))
def test_rvc_exactly_at_the_threshold_meets_it_and_a_cent_more_vnm_does_not(tv_units, threshold):
    tv = Decimal(tv_units)  # whole currency units, so that VNM at the boundary is whole cents
    vnm = tv * (100 - threshold) / 100
    at = qualify_dict(case([material("7318.15", format(vnm, "f"))], alternative(transaction_value=str(threshold)),
                           tv=format(tv, "f")))
    assert at["rvc"][0]["met"] and at["qualifies"]
    over = qualify_dict(case([material("7318.15", format(vnm + Decimal("0.01"), "f"))],
                             alternative(transaction_value=str(threshold)), tv=format(tv, "f")))
    assert not over["rvc"][0]["met"]


@given(cents(1, 10**8), cents(0, 10**8), cents(0, 10**8), thresholds)
def test_rvc_and_de_minimis_agree_with_exact_fractions(tv, failing, shifting, threshold):
    data = case([material("8501.20", failing), material("7318.15", shifting)],
                alternative("CTH", transaction_value=threshold), hs="8501.10", tv=tv)
    result = qualify_dict(data)
    vnm = as_fraction(failing) + as_fraction(shifting)
    exact_rvc = (as_fraction(tv) - vnm) / as_fraction(tv) * 100
    exact_dm = as_fraction(failing) / as_fraction(tv) * 100
    shift = result["tariff_shift"]
    assert shift["de_minimis_applied"] == (exact_dm <= 10) == shift["met"]
    assert shift["de_minimis_percent"] == half_up_2(exact_dm)
    assert result["rvc"][0]["met"] == (exact_rvc >= as_fraction(threshold))
    assert result["rvc"][0]["percent"] == half_up_2(exact_rvc)


@settings(max_examples=25)
@given(st.integers(2, 60))  # material 1 is non-originating from 2 materials on
def test_large_bills_of_materials_are_evaluated(count):
    mats = [material(HS_POOL[i % len(HS_POOL)], "1.00", i % 3 == 0) for i in range(count)]
    result = qualify_dict(case(mats, alternative("CTSH", transaction_value="40"), tv=f"{2 * count}.00"))
    vnm = sum(1 for i in range(count) if i % 3 != 0)
    assert result["rvc"][0]["percent"] == half_up_2(Fraction(2 * count - vnm, 2 * count) * 100)
