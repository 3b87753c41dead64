"""Extraction accuracy against ground truth, per field: used by the accuracy test and the benchmarks."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from common.identifiers import serial_key
from common.text import fold

_TEXT_FIELDS = {"name", "unit", "from_unit", "to_unit", "manufacturer", "country_of_origin", "title"}


def same_value(name: str, expected: Any, actual: Any) -> bool:
    if expected is None:
        return actual is None
    if actual is None:
        return False
    if name in {"serial_number", "designation", "document_number"}:
        return serial_key(str(expected)) == serial_key(str(actual))
    if name in _TEXT_FIELDS:
        return " ".join(fold(str(expected)).replace(",", " ").split()) == " ".join(fold(str(actual)).replace(",", " ").split())
    return str(expected) == str(actual)


@dataclass
class FieldScore:
    correct: int = 0
    total: int = 0
    misses: list[tuple[str, Any, Any]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 1.0


def score(pairs: Iterable[tuple[str, Mapping[str, Any], Mapping[str, Any]]]) -> dict[str, FieldScore]:
    """pairs: (file name, expected fields, extracted document fields)."""
    scores: dict[str, FieldScore] = defaultdict(FieldScore)
    for name, expected, actual in pairs:
        for field_name, value in expected.items():
            entry = scores[field_name]
            entry.total += 1
            if same_value(field_name, value, actual.get(field_name)):
                entry.correct += 1
            else:
                entry.misses.append((name, value, actual.get(field_name)))
    return dict(sorted(scores.items()))


def format_table(scores: Mapping[str, FieldScore], title: str) -> str:
    lines = [title, f"{'field':22} {'correct':>8} {'total':>6} {'accuracy':>9}"]
    for name, entry in scores.items():
        lines.append(f"{name:22} {entry.correct:8d} {entry.total:6d} {entry.accuracy:9.1%}")
    return "\n".join(lines)
