"""A small, realistic IPR world shared by the tests.

Acme Outdoor records the trademark ACME TRAIL (boots and bags, made in Vietnam, Italy and
Mexico, with Lever-rule protection). It licenses Saigon Footwear to make boots in Vietnam;
Saigon sublicenses Pacific Distribution; Pacific sublicenses Harbor Imports, the importer.

    Acme Outdoor Inc. (owner)
    └── L-1  Saigon Footwear Co.  2024-02-01..2026-12-31  6403, VN, VNSAIGON123HCM, cap 100000, 2 generations
        └── L-2  Pacific Distribution  2024-03-01..2026-06-30  640399, cap 40000, 1 more generation
            └── L-3  Harbor Imports Inc.  2024-04-01..2025-12-31  cap 10000, no sublicensing
"""

from __future__ import annotations

import dataclasses
from datetime import date

from tradeledger.domain.ipr import (
    License,
    MemoryLicenseBook,
    Question,
    Recordation,
    RecordationDecision,
    RecordationKind,
)

OWNER = "Acme Outdoor Inc."
MAKER = "Saigon Footwear Co."
DISTRIBUTOR = "Pacific Distribution LLC"
IMPORTER = "Harbor Imports Inc."
STRANGER = "Shady Traders Ltd."
MARK = "ACME TRAIL"
SAIGON_MID = "VNSAIGON123HCM"
MILAN_MID = "ITCALZA45MIL"
LEON_MID = "MXBOTAS9LEO"
RECORDATION_ID = "TMK 24-00017"
BOOT_HTS = "6403.99.6075"

RECORDED_ON = date(2024, 1, 15)
MID_2024 = date(2024, 6, 1)


def recordation(**changes) -> Recordation:
    filed = Recordation(
        recordation_id=RECORDATION_ID,
        registration_number="6123456",
        kind=RecordationKind.TRADEMARK,
        mark=MARK,
        owner=OWNER,
        goods_description="Hiking boots and backpacks",
        hts_prefixes=("6403", "4202"),
        manufacturing_countries=("VN", "IT", "MX"),
        authorized_manufacturers=(SAIGON_MID, MILAN_MID, LEON_MID),
        gray_market_protection=True,
        filed_on=date(2023, 11, 1),
        expires_on=date(2033, 12, 31),
    )
    return dataclasses.replace(filed, **changes)


def acceptance(**changes) -> RecordationDecision:
    return dataclasses.replace(RecordationDecision(RECORDATION_ID, True, RECORDED_ON), **changes)


def license(license_id: str, licensor: str, licensee: str, parent_id: str | None = None, **changes) -> License:
    """A license with wide defaults (inherit everything, whole of 2024-2025, no sublicensing)."""
    base = License(
        license_id=license_id,
        mark=MARK,
        licensor=licensor,
        licensee=licensee,
        hts_prefixes=(),
        countries=(),
        manufacturers=(),
        quantity_cap=None,
        start=date(2024, 4, 1),
        end=date(2025, 12, 31),
        may_sublicense=False,
        further_generations=0,
        parent_id=parent_id,
        granted_on=date(2024, 4, 1),
    )
    return dataclasses.replace(base, **changes)


def l1(**changes) -> License:
    grant = license(
        "L-1", OWNER, MAKER,
        hts_prefixes=("6403",), countries=("VN",), manufacturers=(SAIGON_MID,), quantity_cap=100_000,
        start=date(2024, 2, 1), end=date(2026, 12, 31), granted_on=date(2024, 2, 1),
        may_sublicense=True, further_generations=2,
    )
    return dataclasses.replace(grant, **changes)


def l2(**changes) -> License:
    grant = license(
        "L-2", MAKER, DISTRIBUTOR, "L-1",
        hts_prefixes=("640399",), quantity_cap=40_000,
        start=date(2024, 3, 1), end=date(2026, 6, 30), granted_on=date(2024, 3, 1),
        may_sublicense=True, further_generations=1,
    )
    return dataclasses.replace(grant, **changes)


def l3(**changes) -> License:
    grant = license(
        "L-3", DISTRIBUTOR, IMPORTER, "L-2",
        quantity_cap=10_000, start=date(2024, 4, 1), end=date(2025, 12, 31), granted_on=date(2024, 4, 1),
    )
    return dataclasses.replace(grant, **changes)


def recorded_book() -> MemoryLicenseBook:
    book = MemoryLicenseBook()
    book.file_recordation(recordation())
    book.decide_recordation(acceptance())
    return book


def chain_book() -> MemoryLicenseBook:
    """The recorded mark with the three-generation chain L-1 -> L-2 -> L-3."""
    book = recorded_book()
    for grant in (l1(), l2(), l3()):
        book.grant(grant)
    return book


def question(**changes) -> Question:
    """Harbor Imports asks to enter 500 Saigon-made boots in mid-2024."""
    base = Question(
        importer=IMPORTER,
        mark=MARK,
        hts=BOOT_HTS,
        manufacturer=SAIGON_MID,
        country="VN",
        on=MID_2024,
        quantity=500,
    )
    return dataclasses.replace(base, **changes)
