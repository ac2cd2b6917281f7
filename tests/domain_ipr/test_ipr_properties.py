"""Properties that hold for any input: validation never lets a sub-license grow past its
parent, later terminations never change earlier answers, and a yes always rests on a
chain that is connected, in force and covering."""

from datetime import date, timedelta
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st
from ipr_world import (
    DISTRIBUTOR,
    IMPORTER,
    LEON_MID,
    MAKER,
    MILAN_MID,
    OWNER,
    SAIGON_MID,
    STRANGER,
    chain_book,
    license,
    question,
)

from tradeledger.domain.ipr import IprRefused, LinkStatus, Termination, UsageRecord, authorize
from tradeledger.domain.ipr.scope import hts_covered

HTS_POOL = ["64", "6403", "640399", "6403996075", "640391", "6404", "4202", "420292"]
COUNTRIES = ["VN", "IT", "MX", "CN"]
MAKERS = [SAIGON_MID, MILAN_MID, LEON_MID, "CNFAKE88SHE"]
FIRST_DAY = date(2024, 1, 1)


def days(max_days: int = 3 * 366):
    return st.integers(0, max_days).map(lambda n: FIRST_DAY + timedelta(days=n))


@st.composite
def sublicenses(draw):
    """A sub-license of L-1 or L-2 with arbitrary terms, most of them too wide."""
    parent_id = draw(st.sampled_from(["L-1", "L-2"]))
    licensor = {"L-1": MAKER, "L-2": DISTRIBUTOR}[parent_id]
    start, end = sorted([draw(days()), draw(days())])
    granted = draw(st.one_of(st.just(start), days()))
    generations = draw(st.integers(0, 2))
    return license(
        "L-9", licensor, STRANGER, parent_id,
        hts_prefixes=tuple(draw(st.lists(st.sampled_from(HTS_POOL), max_size=3, unique=True))),
        countries=tuple(draw(st.lists(st.sampled_from(COUNTRIES), max_size=2, unique=True))),
        manufacturers=tuple(draw(st.lists(st.sampled_from(MAKERS), max_size=2, unique=True))),
        quantity_cap=draw(st.one_of(st.none(), st.integers(1, 120_000))),
        start=start, end=end, granted_on=granted,
        may_sublicense=generations > 0, further_generations=generations,
    )


@settings(max_examples=400, deadline=None)
@given(sublicenses())
def test_a_sublicense_is_never_wider_than_its_parent_after_validation(child):
    book = chain_book()
    try:
        book.grant(child)
    except IprRefused:
        assert book.license("L-9") is None
        return
    assert child.parent_id is not None
    parent = book.license(child.parent_id)
    assert parent is not None
    parent_hts = parent.hts_prefixes  # both L-1 and L-2 name their own prefixes
    assert all(hts_covered(prefix, parent_hts) for prefix in child.hts_prefixes)
    assert set(child.countries) <= {"VN"}  # L-1 allows Vietnam only, L-2 inherits it
    assert set(child.manufacturers) <= {SAIGON_MID}
    assert child.quantity_cap is None or child.quantity_cap <= parent.quantity_cap
    assert parent.start <= child.granted_on <= child.start <= child.end <= parent.end
    assert child.further_generations < parent.further_generations


@st.composite
def terminations(draw):
    license_id = draw(st.sampled_from(["L-1", "L-2", "L-3"]))
    by = {"L-1": OWNER, "L-2": MAKER, "L-3": IMPORTER}[license_id]
    recorded = draw(days(700))
    effective = recorded + timedelta(days=draw(st.integers(0, 60)))
    return Termination(license_id, by, effective, recorded, "ended")


@settings(max_examples=300, deadline=None)
@given(terminations(), days(), st.integers(1, 12_000))
def test_a_later_termination_never_changes_an_earlier_answer(termination, day, quantity):
    book = chain_book()
    book.record_usage(UsageRecord("E-1", "L-3", 2_000, date(2024, 5, 1)))
    asked = question(on=day, quantity=quantity)
    before = authorize(book, asked)
    try:
        book.terminate(termination)
    except IprRefused:
        return  # e.g. a termination after the license ends
    after = authorize(book, asked)
    if day < termination.terminated_on:
        assert after.authorized == before.authorized
        assert after.failed_question == before.failed_question
        assert [link.status for link in after.chain] == [link.status for link in before.chain]
    else:
        assert not after.authorized
        statuses = {link.license_id: link.status for link in after.chain}
        if before.authorized:
            assert statuses[termination.license_id] is LinkStatus.TERMINATED


@settings(max_examples=300, deadline=None)
@given(
    importer=st.sampled_from([OWNER, MAKER, DISTRIBUTOR, IMPORTER, STRANGER]),
    hts=st.sampled_from(["6403.99.6075", "6403.91.0000", "4202.92.3020", "6110.20.2075"]),
    manufacturer=st.sampled_from(MAKERS),
    country=st.sampled_from(COUNTRIES),
    day=days(),
    quantity=st.integers(1, 50_000),
    different=st.booleans(),
    labeled=st.booleans(),
)
def test_a_yes_rests_on_a_connected_chain_in_force_that_covers_the_goods(
    importer, hts, manufacturer, country, day, quantity, different, labeled
):
    book = chain_book()
    asked = question(importer=importer, hts=hts, manufacturer=manufacturer, country=country, on=day,
                     quantity=quantity, physically_materially_different=different, bears_lever_label=labeled)
    decision = authorize(book, asked)
    if not decision.authorized:
        assert decision.failed_question is not None and decision.reason
        return
    assert decision.failed_question is None and decision.broken_link is None
    if importer == OWNER:
        assert decision.chain == ()
        return
    chain = decision.chain
    assert chain[0].licensor == OWNER and chain[-1].licensee == importer
    assert all(upper.licensee == lower.licensor for upper, lower in pairwise(chain))
    assert all(link.status is LinkStatus.VALID and link.start <= day <= link.end for link in chain)
    assert all(link.quantity_cap is None or quantity <= link.quantity_cap for link in chain)
    assert country == "VN" and manufacturer == SAIGON_MID and hts.startswith("6403")
    assert not different or labeled
