"""An item's life as an ordered list of events: the facts every document of a dossier prints.

The history is built first and the documents are written from it, so the dossier is
consistent by construction: dates strictly increase, the unit after a transfer or handover
is its receiving unit, the grade after an inspection is the grade it records.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Iterator

from archive.demo.catalog import DEPOTS, EQUIPMENT, SERIAL_FORMATS, UNITS, EquipmentType, Unit, between, pick
from common.vocabulary import REPAIR_LEVELS

LAST_DAY = dt.date(2024, 12, 15)


@dataclass(frozen=True)
class Item:
    serial: str  # canonical: groups joined by "-"
    etype: EquipmentType
    manufacturer: str
    country: str
    year: int
    engine_number: str
    serial_format: str  # key of SERIAL_FORMATS


@dataclass(frozen=True)
class Event:
    doc_type: str
    date: dt.date
    unit: Unit  # the item's unit once this event has happened
    grade: int  # the item's grade once this event has happened
    previous_grade: int
    from_unit: Unit | None = None
    to_unit: Unit | None = None
    repair_level: str | None = None
    variant: str = ""  # e.g. storage "seal"/"unseal", repair "order"/"acceptance"


@dataclass(frozen=True)
class Dossier:
    index: int
    item: Item
    events: tuple[Event, ...]


def make_item(rng: random.Random, taken: set[str]) -> Item:
    etype = pick(rng, EQUIPMENT)
    manufacturer, country = pick(rng, etype.makers)
    year = between(rng, *etype.years)
    fmt_key = pick(rng, etype.serial_formats)
    serial = new_serial(rng, etype, fmt_key, taken)
    engine = f"{pick(rng, 'ABCDEHKM')}{between(rng, 1, 9)}{between(rng, 100000, 999999)}"
    return Item(serial, etype, manufacturer, country, year, engine, fmt_key)


def new_serial(rng: random.Random, etype: EquipmentType, fmt_key: str, taken: set[str]) -> str:
    """A serial of the given format that is not in `taken` (and is added to it)."""
    fmt = SERIAL_FORMATS[fmt_key]
    serial = fmt(rng, etype.designation)
    tries = 0
    while serial in taken:
        tries += 1
        serial = fmt(rng, etype.designation)
        if tries > 20:  # a crowded format (huge synthetic runs) grows a digit
            serial += str(between(rng, 0, 9))
    taken.add(serial)
    return serial


_UNITS_BY_CATEGORY = {
    category: [u for u in UNITS if category in u.categories and not u.name.startswith("Kho")]
    for category in {e.category for e in EQUIPMENT}
}
_DEPOTS_BY_CATEGORY = {
    category: [u for u in DEPOTS if category in u.categories] or list(DEPOTS)
    for category in {e.category for e in EQUIPMENT}
}


def _random_date(rng: random.Random, year: int) -> dt.date:
    return dt.date(year, between(rng, 1, 12), between(rng, 1, 28))


class _Life:
    """Mutable state walked forward while the events are drawn."""

    def __init__(self, rng: random.Random, item: Item):
        self.rng = rng
        self.item = item
        self.units = _UNITS_BY_CATEGORY[item.etype.category]
        self.depots = _DEPOTS_BY_CATEGORY[item.etype.category]
        self.unit = pick(rng, self.units)
        self.grade = 1 if rng.random() < 0.6 else 2
        self.stored = False
        self.pending_handover: tuple[Unit, Unit] | None = None

    def other_unit(self) -> Unit:
        pool = self.units + (self.depots if self.rng.random() < 0.25 else [])
        choice = pick(self.rng, pool)
        while choice is self.unit:
            choice = pick(self.rng, pool)
        return choice

    def next_type(self, is_last: bool) -> str:
        rng = self.rng
        if self.pending_handover:
            return "handover"
        if is_last and self.grade >= 4 and rng.random() < 0.6:
            return "decommission"
        if self.stored:
            return pick(rng, ("storage", "inventory", "inspection", "storage"))
        weights = {
            "inspection": 5, "maintenance": 3, "repair": 3 if self.grade >= 3 else 1,
            "transfer": 3, "handover": 1, "grade_change": 2, "storage": 1, "inventory": 2,
        }
        kinds = list(weights)
        return rng.choices(kinds, weights=[weights[k] for k in kinds])[0]

    def apply(self, kind: str, date: dt.date) -> Event:
        rng = self.rng
        before = self.grade
        if kind == "handover":
            if self.pending_handover:
                src, dst = self.pending_handover
                self.pending_handover = None
            else:
                src, dst = self.unit, self.other_unit()
            self.unit = dst
            return Event(kind, date, dst, self.grade, before, from_unit=src, to_unit=dst)
        if kind == "transfer":
            src, dst = self.unit, self.other_unit()
            self.unit = dst
            if rng.random() < 0.5:
                self.pending_handover = (src, dst)
            return Event(kind, date, dst, self.grade, before, from_unit=src, to_unit=dst)
        if kind == "inspection":
            drift = rng.choices((-1, 0, 1), weights=(1, 4, 3))[0]
            self.grade = min(5, max(1, self.grade + drift))
        elif kind == "grade_change":
            step = 1 if self.grade <= 2 or rng.random() < 0.8 else -1
            self.grade = min(5, max(1, self.grade + step))
            if self.grade == before:
                self.grade = before - 1
        elif kind == "repair":
            level = rng.choices(REPAIR_LEVELS, weights=(3, 3, 2 + self.grade))[0]
            variant = pick(rng, ("order", "acceptance"))
            if variant == "acceptance":
                self.grade = {"major": 2, "medium": min(self.grade, 3), "minor": min(self.grade, 3)}[level]
            return Event(kind, date, self.unit, self.grade, before, repair_level=level, variant=variant)
        elif kind == "storage":
            self.stored = not self.stored
            return Event(kind, date, self.unit, self.grade, before, variant="seal" if self.stored else "unseal")
        elif kind == "decommission":
            self.grade = max(self.grade, 4 + (rng.random() < 0.6))
        return Event(kind, date, self.unit, self.grade, before)


def make_dossier(index: int, rng: random.Random, taken: set[str]) -> Dossier:
    item = make_item(rng, taken)
    life = _Life(rng, item)
    start = _random_date(rng, min(max(item.year, 1960) + between(rng, 0, 3), 2023))
    end = min(LAST_DAY, dt.date(start.year + 45, 12, 1))
    count = between(rng, 3, 8)
    events = [Event("logbook", start, life.unit, life.grade, life.grade)]
    date = start
    for position in range(1, count):
        remaining = count - position
        kind = life.next_type(is_last=remaining == 1)
        if kind == "handover" and life.pending_handover:
            gap = between(rng, 10, 60)
        else:
            average = (end - date).days / (remaining + 1)
            gap = max(20, int(average * rng.uniform(0.4, 1.6)))
        date = date + dt.timedelta(days=gap)
        if date > LAST_DAY:
            break
        events.append(life.apply(kind, date))
    return Dossier(index, item, tuple(events))


FEATURED_SERIAL = "KB-15-84"
_FEATURED_STORY = ("inspection", "repair", "transfer", "inspection")


def featured_dossier(rng: random.Random, taken: set[str]) -> Dossier:
    """Tank KB-15-84 (T-54B): inspected, repaired at the major level, transferred, inspected again.

    The demo opens with it so that the README's walk-through ("sua chua lon T-54B", `archive show
    KB-15-84`) finds something on every machine.
    """
    etype = next(e for e in EQUIPMENT if e.designation == "T-54B")
    manufacturer, country = etype.makers[0]
    item = Item(FEATURED_SERIAL, etype, manufacturer, country, 1984, "V55-840217", etype.serial_formats[0])
    taken.add(FEATURED_SERIAL)
    life = _Life(rng, item)
    date = dt.date(1985, 3, 10)
    events = [Event("logbook", date, life.unit, life.grade, life.grade)]
    for kind in _FEATURED_STORY:
        date += dt.timedelta(days=between(rng, 2500, 3200))
        if kind == "repair":
            life.grade = max(life.grade, 3)
            events.append(Event("repair", date, life.unit, 2, life.grade, repair_level="major", variant="acceptance"))
            life.grade = 2
            continue
        events.append(life.apply(kind, date))
    return Dossier(0, item, tuple(events))


def dossiers(seed: int, *, taken: set[str] | None = None, featured: bool = False) -> Iterator[Dossier]:
    """Endless, deterministic stream of dossiers; serials never repeat within a stream.

    `taken` collects the serials handed out (pass your own set to keep adding to it).
    With `featured`, the stream opens with the demo's tank KB-15-84 instead of its first dossier.
    """
    taken = set() if taken is None else taken
    index = 0
    while True:
        rng = random.Random(seed * 1_000_003 + index)
        yield featured_dossier(rng, taken) if featured and index == 0 else make_dossier(index, rng, taken)
        index += 1
