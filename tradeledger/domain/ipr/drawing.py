"""The license tree for people: JSON, and an SVG drawing with each license's dates and status.

The subject is a license id (drawn: the chain from the rights holder down to it, and every
sub-license below it) or a mark (drawn: its whole tree). Statuses are as of the given
day, so a drawing for a day before a termination shows the license in force.
Large trees are cut after `max_licenses` licenses; the output counts the branches left out
(each a license not drawn, together with whatever hangs below it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape, quoteattr

from tradeledger.errors import TradeledgerError

from .lineage import lineage
from .model import License, LinkStatus, Recordation, RecordationStatus

if TYPE_CHECKING:
    from .book import LicenseBook

__all__ = ["CHAIN_FORMAT", "UnknownSubject", "chain_json", "chain_svg"]

CHAIN_FORMAT = "tradeledger-ipr-chain/1"
DEFAULT_MAX_LICENSES = 500


class UnknownSubject(TradeledgerError, LookupError):
    """Neither a license id nor a recorded mark."""


@dataclass(frozen=True, slots=True)
class _Node:
    license: License
    depth: int  # 1 for a license the owner granted
    status: LinkStatus


@dataclass(frozen=True, slots=True)
class _Tree:
    recordation: Recordation
    nodes: tuple[_Node, ...]  # depth-first, parents before children, siblings in id order
    branches_left_out: int


def _recordation_state(recordation: Recordation, day: date) -> str:
    if recordation.is_recorded_on(day):
        return "recorded"
    if recordation.status is RecordationStatus.ACCEPTED:
        if recordation.decided_on is not None and day < recordation.decided_on:
            return "not_yet_recorded"
        return "expired"
    return recordation.status.value


def _collect(book: LicenseBook, subject: str, as_of: date, max_licenses: int) -> _Tree:
    license = book.license(subject)
    if license is not None:
        recordation = book.recordation_for_mark(license.mark)
        if recordation is None:
            raise UnknownSubject(f"license {subject!r} is for mark {license.mark!r}, which is not recorded")
        path = lineage(book, license).links
        tops: list[tuple[License, int]] = [(license, len(path))]
        above = path[:-1]
    else:
        recordation = book.recordation_for_mark(subject)
        if recordation is None:
            raise UnknownSubject(f"{subject!r} is neither a license id nor a recorded mark; check the spelling")
        tops = [(root, 1) for root in book.root_licenses(subject)]
        above = ()

    nodes: list[_Node] = []
    in_force = recordation.is_recorded_on(as_of)
    for depth, link in enumerate(above, start=1):
        node = _Node(link, depth, _status(link, as_of, in_force))
        nodes.append(node)
        in_force = node.status is LinkStatus.VALID

    branches_left_out = 0
    # Depth-first with an explicit stack (a deep tree must not hit the recursion limit).
    stack = [(link, depth, in_force) for link, depth in reversed(tops)]
    while stack:
        link, depth, parent_in_force = stack.pop()
        if len(nodes) >= max_licenses:
            branches_left_out += 1
            continue
        node = _Node(link, depth, _status(link, as_of, parent_in_force))
        nodes.append(node)
        children = book.children(link.license_id)
        stack.extend((child, depth + 1, node.status is LinkStatus.VALID) for child in reversed(children))
    return _Tree(recordation, tuple(nodes), branches_left_out)


def _status(link: License, day: date, parent_in_force: bool) -> LinkStatus:
    own = link.own_status_on(day)
    return LinkStatus.ANCESTOR_INVALID if own is LinkStatus.VALID and not parent_in_force else own


# --------------------------------------------------------------------------- JSON


def _license_json(node: _Node) -> dict[str, Any]:
    link = node.license
    return {
        "license_id": link.license_id,
        "licensor": link.licensor,
        "licensee": link.licensee,
        "start": link.start.isoformat(),
        "end": link.end.isoformat(),
        "granted_on": link.granted_on.isoformat(),
        "terminated_on": None if link.terminated_on is None else link.terminated_on.isoformat(),
        "termination_reason": link.termination_reason,
        "status": node.status.value,
        "scope": {
            "hts_prefixes": list(link.hts_prefixes),
            "countries": list(link.countries),
            "manufacturers": list(link.manufacturers),
            "quantity_cap": link.quantity_cap,
        },
        "further_generations": link.further_generations,
        "children": [],
    }


def chain_json(
    book: LicenseBook, subject: str, as_of: date, *, max_licenses: int = DEFAULT_MAX_LICENSES
) -> dict[str, Any]:
    """The tree as nested JSON-safe data: the recordation at the root, licenses below.
    `subject` is looked up as a license id first, then as a mark."""
    tree = _collect(book, subject, as_of, max_licenses)
    recordation = tree.recordation
    root: dict[str, Any] = {
        "recordation_id": recordation.recordation_id,
        "registration_number": recordation.registration_number,
        "kind": recordation.kind.value,
        "mark": recordation.mark,
        "owner": recordation.owner,
        "status": _recordation_state(recordation, as_of),
        "gray_market_protection": recordation.gray_market_protection,
        "children": [],
    }
    # Preorder with depths rebuilds the nesting: a node's parent is the last node one level up.
    open_at_depth: list[dict[str, Any]] = [root]
    for node in tree.nodes:
        item = _license_json(node)
        del open_at_depth[node.depth:]
        open_at_depth[-1]["children"].append(item)
        open_at_depth.append(item)
    return {
        "format": CHAIN_FORMAT,
        "subject": subject,
        "as_of": as_of.isoformat(),
        "tree": root,
        "licenses_shown": len(tree.nodes),
        "branches_left_out": tree.branches_left_out,
    }


# --------------------------------------------------------------------------- SVG

_STATUS_COLORS = {  # stroke, fill
    LinkStatus.VALID: ("#2e7d32", "#e8f5e9"),
    LinkStatus.TERMINATED: ("#c62828", "#ffebee"),
    LinkStatus.EXPIRED: ("#616161", "#eeeeee"),
    LinkStatus.NOT_YET_VALID: ("#1565c0", "#e3f2fd"),
    LinkStatus.ANCESTOR_INVALID: ("#e65100", "#fff3e0"),
}
_ROOT_COLORS = ("#37474f", "#eceff1")
_MARGIN = 16
_HEADER = 40
_INDENT = 32
_ROW = 74
_BOX_H = 60
_LINE = 16
_CHAR_W = 7  # rough width of a 12px sans-serif character
_MAX_CHARS = 90
_LEGEND_STEP = 190


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_CHARS else text[: _MAX_CHARS - 1] + "…"


_STATUS_WORDS = {
    LinkStatus.VALID: "valid",
    LinkStatus.NOT_YET_VALID: "not yet valid",
    LinkStatus.EXPIRED: "expired",
    LinkStatus.TERMINATED: "terminated",
    LinkStatus.ANCESTOR_INVALID: "invalid: a license above is not in force",
}


def _box_lines(node: _Node) -> tuple[str, str, str]:
    link = node.license
    standing = _STATUS_WORDS[node.status]
    if link.terminated_on is not None:
        if node.status is LinkStatus.TERMINATED:
            standing = f"terminated from {link.terminated_on.isoformat()}"
        else:
            standing += f" (terminates {link.terminated_on.isoformat()})"
    return (
        link.licensee,
        f"{link.license_id} · granted by {link.licensor}",
        f"{link.start.isoformat()} – {link.end.isoformat()} · {standing}",
    )


def chain_svg(book: LicenseBook, subject: str, as_of: date, *, max_licenses: int = DEFAULT_MAX_LICENSES) -> str:
    """An SVG drawing of the tree: the rights holder at the top, each license a box under
    its licensor's box, colored by its status on `as_of`. `subject` is looked up as a
    license id first, then as a mark."""
    tree = _collect(book, subject, as_of, max_licenses)
    recordation = tree.recordation
    protection = " · Lever-rule protection" if recordation.gray_market_protection else ""
    root_lines = (
        f"{recordation.owner} (rights holder)",
        f"{recordation.recordation_id} · {recordation.kind.value} {recordation.mark!r}",
        f"{_recordation_state(recordation, as_of).replace('_', ' ')}{protection}",
    )
    rows: list[tuple[int, tuple[str, str, str], tuple[str, str], str]] = [(0, root_lines, _ROOT_COLORS, "")]
    for node in tree.nodes:
        rows.append((node.depth, _box_lines(node), _STATUS_COLORS[node.status], node.status.value))

    longest = max(len(_clip(line)) for _, lines, _, _ in rows for line in lines)
    box_w = max(240, longest * _CHAR_W + 20)
    deepest = max(depth for depth, _, _, _ in rows)
    legend_y = _HEADER + len(rows) * _ROW + 8
    notes = 1 if tree.branches_left_out else 0
    width = _MARGIN * 2 + deepest * _INDENT + box_w
    width = max(width, _MARGIN * 2 + len(LinkStatus) * _LEGEND_STEP)
    height = legend_y + 24 + notes * 20 + _MARGIN

    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
         f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">'),
        f"<title>{escape(f'License tree of {recordation.mark} as of {as_of.isoformat()}')}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        (f'<text x="{_MARGIN}" y="{_MARGIN + 12}" font-size="15" font-weight="bold">'
         f"{escape(f'License tree of {recordation.mark!r} as of {as_of.isoformat()}')}</text>"),
    ]

    def top(row: int) -> int:
        return _HEADER + row * _ROW

    def left(depth: int) -> int:
        return _MARGIN + depth * _INDENT

    # Connectors first, so boxes sit on top of them: down from the parent's box, then across.
    last_row_at_depth: dict[int, int] = {}
    for row, (depth, _, _, _) in enumerate(rows):
        if depth > 0:
            parent_row = last_row_at_depth[depth - 1]
            x = left(depth - 1) + _INDENT // 2
            y_mid = top(row) + _BOX_H // 2
            out.append(
                f'<path d="M {x} {top(parent_row) + _BOX_H} V {y_mid} H {left(depth)}" '
                'fill="none" stroke="#90a4ae" stroke-width="1.5"/>'
            )
        last_row_at_depth[depth] = row
        for deeper in [d for d in last_row_at_depth if d > depth]:
            del last_row_at_depth[deeper]

    for row, (depth, lines, (stroke, fill), status) in enumerate(rows):
        x, y = left(depth), top(row)
        css = f' class="{status}"' if status else ' class="recordation"'
        out.append(f"<g{css}>")
        out.append(f"<title>{escape(' | '.join(lines))}</title>")
        out.append(
            f'<rect x="{x}" y="{y}" width="{box_w}" height="{_BOX_H}" rx="6" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="2"/>'
        )
        for i, line in enumerate(lines):
            weight = ' font-weight="bold"' if i == 0 else ""
            color = stroke if i == 2 else "#212121"
            out.append(
                f'<text x="{x + 10}" y="{y + 18 + i * _LINE}" fill={quoteattr(color)}{weight}>'
                f"{escape(_clip(line))}</text>"
            )
        out.append("</g>")

    for i, status in enumerate(LinkStatus):
        stroke, fill = _STATUS_COLORS[status]
        x = _MARGIN + i * _LEGEND_STEP
        out.append(
            f'<rect x="{x}" y="{legend_y}" width="14" height="14" fill="{fill}" stroke="{stroke}" stroke-width="2"/>'
        )
        label = "below an invalid license" if status is LinkStatus.ANCESTOR_INVALID else _STATUS_WORDS[status]
        out.append(f'<text x="{x + 20}" y="{legend_y + 12}">{escape(label)}</text>')
    if tree.branches_left_out:
        out.append(
            f'<text x="{_MARGIN}" y="{legend_y + 40}" fill="#c62828">'
            f"{tree.branches_left_out} more branches not drawn; draw a license id to see its branch</text>"
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"
