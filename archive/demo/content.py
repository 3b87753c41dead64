"""From one event of a dossier to a printed document: blocks of text plus its ground truth.

A document is a list of blocks (plain tuples, cheap to build a million of), drawn by the
renderers and flattened to text by `blocks_to_text`:

    ("header", left_lines, right_lines)      lines are (text, style); style n|b|bu|i|s
    ("stamp", "MẬT")                          classification stamp
    ("title", text) / ("subtitle", text)
    ("center", text, style)
    ("para", text)
    ("field", label, value, "colon"|"dots")
    ("pair", (label, value), (label, value))
    ("table", widths, rows, header_rows)
    ("space", mm)
    ("sign", columns)                         column = (lines, name or "")
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from archive.demo import catalog as cat
from archive.demo.bodies import BODIES, Block, DocumentBuilder, printed_serial
from archive.demo.catalog import between, pick
from archive.demo.dossier import Dossier, Event, Item
from archive.demo.forms import Family, family_for, format_date, old_tone_marks

CLASSIFICATIONS = (("MẬT", "confidential", 0.12), ("TỐI MẬT", "secret", 0.06), ("TUYỆT MẬT", "top_secret", 0.02))
CLERK_DESIGNATION_SHARE = 0.3  # documents whose clerk types "T55" for the catalogue's "T-55"
TRUTH_ORDER = (
    "doc_type", "document_number", "document_date", "classification", "serial_number", "designation",
    "name", "unit", "manufacturer", "country_of_origin", "year_of_manufacture", "quality_grade",
    "repair_level", "from_unit", "to_unit",
)


@dataclass(frozen=True)
class Composed:
    """One document ready to render: what it prints and what it means."""

    truth: dict[str, Any]
    title: str
    blocks: tuple[Block, ...]
    family: Family
    serial_printed: str
    seal_text: str  # what the issuer's round seal says around its ring
    traits: tuple[str, ...] = ()  # text-level hard cases it carries: "clerk-designation", "branch-unit"


# --- titles, issuers, numbers ----------------------------------------------------------------


def _title(rng: random.Random, item: Item, event: Event) -> tuple[tuple[str, ...], str]:
    """(printed title lines, number abbreviation)."""
    kind = event.doc_type
    if kind == "logbook":
        return (pick(rng, cat.LOGBOOK_TITLES[item.etype.category]),), "LL"
    if kind == "inspection":
        return pick(rng, ((("BIÊN BẢN KIỂM TRA KỸ THUẬT",), "BB"),
                           (("BIÊN BẢN", "KIỂM TRA ĐÁNH GIÁ CHẤT LƯỢNG TRANG BỊ KỸ THUẬT"), "BB")))
    if kind == "maintenance":
        return pick(rng, ((("PHIẾU BẢO DƯỠNG KỸ THUẬT",), "PBD"), (("BIÊN BẢN BẢO DƯỠNG ĐỊNH KỲ",), "BB"),
                           (("PHIẾU BẢO DƯỠNG",), "PBD")))
    if kind == "repair":
        if event.variant == "order":
            return pick(rng, ((("LỆNH SỬA CHỮA",), "LSC"), (("PHIẾU SỬA CHỮA",), "PSC")))
        return pick(rng, ((("BIÊN BẢN NGHIỆM THU SAU SỬA CHỮA",), "BB"), (("BIÊN BẢN NGHIỆM THU SỬA CHỮA",), "BB")))
    if kind == "transfer":
        return ("QUYẾT ĐỊNH", pick(rng, ("Về việc điều chuyển trang bị kỹ thuật", "Về việc điều động trang bị"))), "QĐ"
    if kind == "handover":
        return (pick(rng, ("BIÊN BẢN BÀN GIAO TRANG BỊ KỸ THUẬT", "BIÊN BẢN GIAO NHẬN TRANG BỊ")),), "BB"
    if kind == "grade_change":
        return pick(rng, ((("QUYẾT ĐỊNH", "Về việc chuyển cấp chất lượng trang bị kỹ thuật"), "QĐ"),
                           (("BIÊN BẢN CHUYỂN CẤP CHẤT LƯỢNG",), "BB")))
    if kind == "storage":
        text = "BIÊN BẢN NIÊM CẤT TRANG BỊ KỸ THUẬT" if event.variant == "seal" else "BIÊN BẢN MỞ NIÊM CẤT TRANG BỊ KỸ THUẬT"
        return (text,), "BB"
    if kind == "inventory":
        return ("BIÊN BẢN KIỂM KÊ TRANG BỊ KỸ THUẬT",), "BB"
    if kind == "decommission":
        return ("QUYẾT ĐỊNH", pick(rng, ("Về việc loại khỏi biên chế trang bị kỹ thuật", "Về việc thanh lý trang bị kỹ thuật"))), "QĐ"
    raise ValueError(kind)


def _issuer(rng: random.Random, event: Event) -> cat.Issuer:
    kind = event.doc_type
    if kind in ("transfer", "decommission") or (kind == "grade_change" and rng.random() < 0.5):
        return pick(rng, cat.HIGHER)
    if kind == "inspection" and rng.random() < 0.5:
        return pick(rng, cat.HIGHER)
    if kind == "repair":
        return pick(rng, cat.HIGHER) if event.variant == "order" else pick(rng, cat.FACTORIES)
    if kind == "handover" and event.from_unit:
        return cat.unit_issuer(event.from_unit)
    return cat.unit_issuer(event.unit)


def _classification(rng: random.Random, kind: str) -> tuple[str, str] | None:
    roll = rng.random() * (2.5 if kind == "logbook" else 1.0)
    for stamp, value, share in CLASSIFICATIONS:
        if roll < share:
            return stamp, value
        roll -= share
    return None


def _motto(family: Family, date: dt.date) -> str:
    if date < dt.date(1976, 7, 2):
        return f"VIỆT NAM DÂN CHỦ CỘNG {family.motto_hoa}"
    return f"CỘNG {family.motto_hoa} XÃ HỘI CHỦ NGHĨA VIỆT NAM"


def compose(dossier: Dossier, position: int, *, stamp: tuple[str, str] | None = None) -> Composed:
    """The document written for event `position` of the dossier; deterministic.

    `stamp` ("TỐI MẬT", "secret") forces a secrecy stamp on a document that would carry none,
    leaving every other word of it as it was.
    """
    event = dossier.events[position]
    rng = random.Random(dossier.index * 7919 + position * 104729 + dossier.item.year)
    issuer = _issuer(rng, event)
    title_lines, abbr = _title(rng, dossier.item, event)
    family = family_for(issuer.header, rng.random(), rng.randrange(8))
    d = DocumentBuilder(rng, family, issuer, abbr)
    # Its own generator, so that the documents drawn before clerk spellings existed stay as they were.
    clerk = random.Random(f"clerk:{dossier.index}:{position}:{dossier.item.serial}")
    if clerk.random() < CLERK_DESIGNATION_SHARE:
        shown = cat.clerk_designation(dossier.item.etype.designation, clerk)
        d.designation_shown = shown if shown != dossier.item.etype.designation else None
    number = None
    if event.doc_type != "logbook" or rng.random() < 0.5:
        suffix = issuer.code if rng.random() < 0.6 else ("KT" if issuer.code[0].islower() else issuer.code + "-KT")
        number = f"{between(rng, 1, 999) if rng.random() < 0.8 else between(rng, 1000, 4999)}/{abbr}-{suffix}"
    place_date = f"{issuer.place}, {format_date(event.date, family.date_style)}"
    left = [(issuer.superior, "n"), (issuer.header, "bu")]
    left.append((f"{family.number_prefix}{number}" if number else "", "n"))
    right = [(_motto(family, event.date), "b"), ("Độc lập - Tự do - Hạnh phúc", "bu"), ("", "n"), (place_date, "i")]
    d.add("header", tuple(left), tuple(right))
    drawn = _classification(rng, event.doc_type)
    stamp = drawn or stamp
    if stamp:
        d.add("stamp", stamp[0])
    d.add("space", 6)
    d.add("title", title_lines[0])
    for line in title_lines[1:]:
        d.add("subtitle", line)
    if abbr == "QĐ":
        chief = "CHỦ NHIỆM" if issuer.header.startswith("TỔNG CỤC") else (
            "CỤC TRƯỞNG" if issuer.header.startswith("CỤC") else "THỦ TRƯỞNG")
        d.add("center", f"{chief} {issuer.header}", "b")
    d.add("space", 3)
    serial = printed_serial(dossier.item, rng)
    d.truth.update(doc_type=event.doc_type)
    if number:
        d.truth["document_number"] = number
    d.truth["document_date"] = event.date.isoformat()
    d.truth["classification"] = stamp[1] if stamp else None  # no stamp: the archive cannot tell, it fails closed
    BODIES[event.doc_type](d, dossier, event, serial)
    truth = {key: d.truth[key] for key in TRUTH_ORDER if key in d.truth}
    traits = tuple(name for name, present in (
        ("clerk-designation", d.designation_shown is not None and "designation" in truth),
        ("branch-unit", any(cat.has_branch(truth.get(key)) for key in ("unit", "from_unit", "to_unit"))),
    ) if present)
    seal_text = f"{issuer.superior} ★ {issuer.header}"
    blocks, title = tuple(d.blocks), " ".join(title_lines)
    if family.motto_hoa == "HOÀ":  # this office writes "hoà", "thuỷ", "Đại uý"
        blocks, title = _retext(blocks, old_tone_marks), old_tone_marks(title)
    return Composed(truth, title, blocks, family, serial, seal_text, traits)


def _retext(value: Any, change: Any) -> Any:
    """Apply `change` to every string inside nested tuples of blocks."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, tuple):
        return tuple(_retext(item, change) for item in value)
    return value


# --- flat text ------------------------------------------------------------------------------


def _columns_text(columns: list[list[str]]) -> list[str]:
    height = max(len(c) for c in columns)
    out = []
    for i in range(height):
        cells = [c[i] for c in columns if i < len(c) and c[i]]
        if cells:
            out.append("    ".join(cells))
    return out


def blocks_to_text(blocks: tuple[Block, ...]) -> str:
    """The text a perfect reader would extract, in reading order."""
    out: list[str] = []
    for block in blocks:
        kind = block[0]
        if kind == "header":
            out.extend(_columns_text([[t for t, _ in block[1]], [t for t, _ in block[2]]]))
        elif kind in ("title", "subtitle", "para", "stamp"):
            out.append(block[1])
        elif kind == "center":
            out.append(block[1])
        elif kind == "field":
            out.append(f"{block[1]}: {block[2]}" if block[3] == "colon" else f"{block[1]} ........ {block[2]}")
        elif kind == "pair":
            out.append(f"{block[1][0]}: {block[1][1]}    {block[2][0]}: {block[2][1]}")
        elif kind == "table":
            out.extend("  ".join(c for c in row if c) for row in block[2])
        elif kind == "sign":
            out.extend(_columns_text([[t for t, _ in lines] + ([name] if name else []) for lines, name in block[1]]))
    return "\n".join(line for line in out if line)
