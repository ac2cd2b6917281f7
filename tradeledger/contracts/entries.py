"""The entries contract: entry summaries filed with a customs authority.

An importer or its broker files an entry (the CBP Form 7501 header and lines); the record
says which customs authority it was filed with and which partner agencies each line is
flagged for. The access rules read those two facts: customs sees the supporting
documents of entries filed with it, an agency the documents of lines flagged for it.
The entry number's check digit is checked by the pure domain engine.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import field_validator

from tradeledger.domain.entry_number import validate_entry_number
from tradeledger.domain.errors import IdentifierError
from tradeledger.domain.hts import validate_hts10
from tradeledger.ledger.authority import REGISTRY, org_key
from tradeledger.ledger.contract import Args, Contract, TxContext
from tradeledger.ledger.state import StateReader

NAMESPACE = "entries"
contract = Contract(NAMESPACE, "entry summaries filed with customs")
COUNTRY = re.compile(r"^[A-Z]{2}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def entry_key(entry_number: str) -> str:
    return f"entry:{entry_number}"


class EntryLine(Args):
    line: int
    hts: str
    origin: str
    flags: list[str] = []  # partner agencies (organization names) the line is flagged for
    marks: list[str] = []  # trademarks the goods bear, for the border IPR check

    @field_validator("hts")
    @classmethod
    def _hts(cls, v: str) -> str:
        try:
            return str(validate_hts10(v))
        except IdentifierError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("origin")
    @classmethod
    def _origin(cls, v: str) -> str:
        if not COUNTRY.match(v):
            raise ValueError("country of origin is an ISO 3166 alpha-2 code such as MX")
        return v


class FileEntry(Args):
    entry_number: str
    filed_with: str  # the customs organization
    importer: str  # the importer of record (organization name)
    imported_on: str  # date of importation, YYYY-MM-DD; record retention counts from it
    lines: list[EntryLine]

    @field_validator("entry_number")
    @classmethod
    def _entry_number(cls, v: str) -> str:
        try:
            return str(validate_entry_number(v))
        except IdentifierError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("imported_on")
    @classmethod
    def _date(cls, v: str) -> str:
        if not DATE.match(v):
            raise ValueError("imported_on is a date as YYYY-MM-DD")
        return v

    @field_validator("lines")
    @classmethod
    def _lines(cls, v: list[EntryLine]) -> list[EntryLine]:
        if not v:
            raise ValueError("an entry has at least one line")
        numbers = [line.line for line in v]
        if numbers != list(range(1, len(v) + 1)):
            raise ValueError("lines are numbered 1, 2, 3 ... in order")
        return v


def _organization(ctx: TxContext, name: str) -> dict[str, Any]:
    record = ctx.state.get(org_key(name), REGISTRY)
    ctx.require(record is not None and record.get("status") == "active", f"{name} is not an active organization")
    return record


@contract.action("file", FileEntry, roles={"importer", "broker"})
def file_entry(ctx: TxContext, args: FileEntry) -> None:
    ctx.require(ctx.state.get(entry_key(args.entry_number)) is None,
                f"entry {args.entry_number} is already filed")
    ctx.require(_organization(ctx, args.filed_with)["role"] == "customs",
                f"{args.filed_with} is not a customs authority")
    ctx.require(_organization(ctx, args.importer)["role"] == "importer",
                f"{args.importer} is not an importer")
    ctx.require(ctx.signer.organization == args.importer or ctx.signer.role == "broker",
                "only the importer of record or a broker files its entries")
    for line in args.lines:
        for agency in line.flags:
            ctx.require(_organization(ctx, agency)["role"] == "agency",
                        f"line {line.line} is flagged for {agency}, which is not a partner agency")
    ctx.state.put(entry_key(args.entry_number), {
        "entry_number": args.entry_number,
        "filer": ctx.signer.organization,
        "importer": args.importer,
        "filed_with": args.filed_with,
        "imported_on": args.imported_on,
        "lines": [line.model_dump() for line in args.lines],
        "status": "filed",
        "filed_ms": ctx.block_time_ms,
        "txid": ctx.txid,
    })
    ctx.emit("filed", entry_number=args.entry_number, filed_with=args.filed_with, importer=args.importer)


def find_entry(state: StateReader, entry_number: str) -> dict[str, Any] | None:
    return state.get_state(NAMESPACE, entry_key(entry_number))
