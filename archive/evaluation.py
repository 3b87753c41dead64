"""Extraction accuracy against ground truth, per field: used by the accuracy test and the benchmarks.

Values are compared as a careful clerk would read them: text fields exactly, accents included,
forgiving only whitespace, commas and the Unicode normal form (NFC and the archive's one
tone-mark placement, `normalize_text`); serials, designations and document numbers by their
display form after trimming (not by `serial_key`, which would let "T55" pass for "T-55").
An accent-folded score is kept beside it as extra information only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable, Mapping, Sequence

from common.text import fold, normalize_text

TEXT_FIELDS = frozenset({"name", "unit", "from_unit", "to_unit", "manufacturer", "country_of_origin", "title"})
IDENTIFIER_FIELDS = frozenset({"serial_number", "designation", "document_number"})


def _text_form(value: Any) -> str:
    return " ".join(normalize_text(str(value)).replace(",", " ").split())


def same_value(name: str, expected: Any, actual: Any) -> bool:
    """Exactly what the page says; see the module docstring for what is forgiven."""
    if expected is None:
        return actual is None
    if actual is None:
        return False
    if name in IDENTIFIER_FIELDS:
        return normalize_text(str(expected)).strip() == normalize_text(str(actual)).strip()
    if name in TEXT_FIELDS:
        return _text_form(expected) == _text_form(actual)
    return str(expected) == str(actual)


def same_value_folded(name: str, expected: Any, actual: Any) -> bool:
    """The old, lenient comparison: accents and case folded away. Information only, never a threshold."""
    if same_value(name, expected, actual):
        return True
    if expected is None or actual is None:
        return False
    if name in TEXT_FIELDS | IDENTIFIER_FIELDS:
        return " ".join(fold(str(expected)).replace(",", " ").split()) == " ".join(fold(str(actual)).replace(",", " ").split())
    return False


@dataclass
class FieldScore:
    correct: int = 0
    total: int = 0
    folded_correct: int = 0  # right once accents and case are folded away (information only)
    misses: list[tuple[str, Any, Any]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 1.0

    @property
    def folded_accuracy(self) -> float:
        return self.folded_correct / self.total if self.total else 1.0


def score(pairs: Iterable[tuple[str, Mapping[str, Any], Mapping[str, Any]]]) -> dict[str, FieldScore]:
    """pairs: (file name, expected fields, extracted document fields). Every expected field counts,
    including an expected None (an unstamped document must come out with no classification)."""
    scores: dict[str, FieldScore] = defaultdict(FieldScore)
    for name, expected, actual in pairs:
        for field_name, value in expected.items():
            entry = scores[field_name]
            entry.total += 1
            got = actual.get(field_name)
            if same_value(field_name, value, got):
                entry.correct += 1
            else:
                entry.misses.append((name, value, got))
            entry.folded_correct += same_value_folded(field_name, value, got)
    return dict(sorted(scores.items()))


def overall(scores: Mapping[str, FieldScore]) -> float:
    """Share of all expected field values read exactly (every field of every file weighs the same)."""
    total = sum(entry.total for entry in scores.values())
    return sum(entry.correct for entry in scores.values()) / total if total else 1.0


def format_table(scores: Mapping[str, FieldScore], title: str) -> str:
    lines = [title, f"{'field':22} {'correct':>8} {'total':>6} {'accuracy':>9} {'folded':>8}"]
    for name, entry in scores.items():
        lines.append(f"{name:22} {entry.correct:8d} {entry.total:6d} {entry.accuracy:9.1%} {entry.folded_accuracy:8.1%}")
    return "\n".join(lines)


# --- the equipment view -------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpectedItem:
    """What the equipment view of one item must show, from the ground truth of its dossier."""

    serial_number: str
    document_count: int
    current_unit: str | None
    history: tuple[tuple[str, str], ...]  # (ISO date, doc_type), oldest first


def expected_items(truths: Iterable[Mapping[str, Any]]) -> dict[str, ExpectedItem]:
    """Group ground-truth documents by serial. The current unit is where the item's latest transfer or handover
    sent it; an item never transferred is with the unit its latest document names."""
    by_serial: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for truth in truths:
        by_serial[truth["serial_number"]].append(truth)
    items = {}
    for serial, documents in by_serial.items():
        ordered = sorted(documents, key=lambda t: t["document_date"])
        transfers = [t for t in ordered if t["doc_type"] in {"transfer", "handover"} and t.get("to_unit")]
        named = [t for t in ordered if t.get("unit")]
        current = transfers[-1]["to_unit"] if transfers else (named[-1]["unit"] if named else None)
        items[serial] = ExpectedItem(serial, len(ordered), current,
                                     tuple((t["document_date"], t["doc_type"]) for t in ordered))
    return items


@dataclass
class EquipmentScore:
    items: int = 0
    document_count: int = 0
    current_unit: int = 0
    history: int = 0
    whole: int = 0  # all three right
    misses: list[tuple[str, str, Any, Any]] = field(default_factory=list)

    def share(self, what: str) -> float:
        return getattr(self, what) / self.items if self.items else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {"items": self.items, **{what: round(self.share(what), 4)
                                        for what in ("document_count", "current_unit", "history", "whole")}}


def score_equipment(expected: Mapping[str, ExpectedItem],
                    views: Mapping[str, tuple[int, str | None, Sequence[tuple[date | str | None, str]]] | None]
                    ) -> EquipmentScore:
    """views: serial -> (document count, current unit, history as (date, doc_type) in shown order), or None
    when the archive has no item under that serial. The unit is compared exactly, accents included."""
    result = EquipmentScore()
    for serial, item in expected.items():
        result.items += 1
        view = views.get(serial)
        if view is None:
            result.misses.append((serial, "item", item.document_count, None))
            continue
        count, unit, history = view
        shown = tuple((d.isoformat() if isinstance(d, date) else d, kind) for d, kind in history)
        checks = {
            "document_count": count == item.document_count,
            "current_unit": same_value("unit", item.current_unit, unit),
            "history": shown == item.history,
        }
        for what, right in checks.items():
            setattr(result, what, getattr(result, what) + right)
        result.whole += all(checks.values())
        if not checks["document_count"]:
            result.misses.append((serial, "document_count", item.document_count, count))
        if not checks["current_unit"]:
            result.misses.append((serial, "current_unit", item.current_unit, unit))
        if not checks["history"]:
            result.misses.append((serial, "history", item.history, shown))
    return result
