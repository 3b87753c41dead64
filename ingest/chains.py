"""A unit chain completed from elsewhere in the same document.

OCR cuts a chain ("Trung đoàn 292," at a line's end, the rest garbled) or damages one of its elements past
reading ("Trung đoàn 48, Sư Goan 32055"). The document usually prints the same chain whole somewhere else: in
another sentence, or in its header block (the parent unit above the issuing one). Each rule here takes the
missing part only where the document gives one answer.
"""

from __future__ import annotations

import re

from rapidfuzz.distance import Levenshtein

from common.text import fold_iy, fold_map
from ingest.labels import Line
from ingest.values import UNIT_WORDS, read_unit_name

__all__ = ["completed_chain"]

_UNIT_START = re.compile(rf"\b{UNIT_WORDS}")


def completed_chain(value: str, lines: list[Line]) -> str | None:
    """The whole chain `value` is part of (mended where the document prints it whole), or None when the document
    does not tell it."""
    mended = _mended_unit(value, lines)
    value = mended or value
    # The header's chain first: a damaged element printed beside the value is the value's own; another sentence's
    # parent ("Đơn vị nhận: Trung đoàn 291, Sư đoàn 361") may be the next unit up, not the one the label named.
    return (_chain_completed(value, lines) or _chain_from_header(value, lines) or _chain_extended(value, lines)
            or _chain_printed_elsewhere(value, lines) or mended)


_JUNK_IN_UNIT = re.compile(r"[^\w\s,./\-]")  # "Sự đoàn © bộ binh 308": a speck read as a sign


def _mended_unit(value: str, lines: list[Line]) -> str | None:
    """A unit read without its number ("Kho", "Trung đoàn ra-da" where the label printed "ra-da-291") or with a
    speck inside it, which the document prints whole elsewhere ("cho Kho K752/Cục Xe - Máy", "tại Trung đoàn
    ra-đa 291"): that unit, when the document prints one such and it has a number."""
    numbered = bool(re.search(r"\d", value))
    if numbered and not _JUNK_IN_UNIT.search(value):
        return None
    wanted = " ".join(_JUNK_IN_UNIT.sub(" ", fold_iy(value).lower()).split())
    found: set[str] = set()
    for line in lines:
        for start in (match.start() for match in _UNIT_START.finditer(line.key)):
            unit = read_unit_name(line.original(start, len(line.key)))
            if unit is None or unit == value or not re.search(r"\d", unit) or _JUNK_IN_UNIT.search(unit):
                continue
            key = fold_iy(unit).lower()
            if key == wanted or (not numbered and key.startswith(wanted + " ")) or \
                    (numbered and Levenshtein.distance(key, wanted, score_cutoff=2) <= 2):
                found.add(unit)
    return found.pop() if len(found) == 1 else None


_CUT_UNIT = re.compile(r"\s*,\s*(?P<rest>[a-z][a-z ]{2,40}?)[\W_]*$")


def _chain_completed(value: str, lines: list[Line]) -> str | None:
    """A chain cut before its last number at a line's end ("Trung đoàn bộ binh 36, Sư đoàn bộ binh", the 308 lost
    with the cell's next line): the number the document prints beside that same unit elsewhere (its header,
    "SƯ ĐOÀN BỘ BINH 308"), when it prints one number only."""
    wanted = fold_iy(value).lower()
    for line in lines:
        at = line.key.find(wanted)
        cut = _CUT_UNIT.match(line.key, at + len(wanted)) if at >= 0 else None
        if cut is None or read_unit_name(line.original(cut.start("rest"), cut.end("rest")) + " 1") is None:
            continue
        same = re.compile(r"\b" + r"\s+".join(cut["rest"].split()) + r"[\s.]+(\d{1,4})\b")
        printed = {(match[1], other.original(match.start(), match.end(1))) for other in lines for match in same.finditer(other.key)}
        if len({number for number, _ in printed}) != 1:
            return None
        found = read_unit_name(sorted(printed)[0][1])
        return f"{value}, {found}" if found else None
    return None


_AFTER_CHAIN_COMMA = re.compile(r"\s*[,;]\s*")


def _chain_extended(value: str, lines: list[Line]) -> str | None:
    """A unit named alone where the document also prints it with the unit it belongs to ("về Trung đoàn 292,"
    the line's end garbled, then "cho Trung đoàn 292, Sư đoàn 363."): the chain, when the document gives the
    same parent wherever it does, and the parent is a unit of another type."""
    if "," in value:
        return None
    wanted = fold_iy(value).lower()
    own_type = wanted.rsplit(" ", 1)[0]
    parents: set[str] = set()
    alone = re.compile(r"\b" + re.escape(wanted) + r"(?![\w])")
    for line in lines:
        for at in (match.end() for match in alone.finditer(line.key)):
            gap = _AFTER_CHAIN_COMMA.match(line.key, at)
            parent = read_unit_name(line.original(gap.end(), len(line.key))) if gap else None
            if parent and "," not in parent and not fold_iy(parent).lower().startswith(own_type):
                parents.add(parent)
    return f"{value}, {parents.pop()}" if len(parents) == 1 else None


_HEADER_LINES = 4  # the header block's lines with text, on the first page
_SIDE = re.compile(r"\s*,\s*")


def _header_chain(lines: list[Line]) -> tuple[str, str] | None:
    """(issuing unit, its parent) as the header block prints them, the parent on the line above
    ("QUÂN KHU 3" over "TRUNG ĐOÀN 738"); None unless exactly two numbered units stand there."""
    units: list[str] = []
    for line in [line for line in lines if line.page == 1 and line.text.strip()][:_HEADER_LINES]:
        # "TIỂU ĐOÀN14": the number glued to its type
        name = read_unit_name(re.sub(r"(?<=[^\W\d_]{3})(?=\d)", " ", line.text.strip(" \"'`.:-_|")))
        if name and "," not in name and re.search(r"\d", name) and name not in units:
            units.append(name)
    return (units[1], units[0]) if len(units) == 2 else None


def _like(garbled: str, unit: str) -> bool:
    """Whether a damaged element could be `unit`: its type's words, or two or more of its number's digits in a row."""
    key = fold_iy(garbled).lower()
    unit_type, _, number = fold_iy(unit).lower().rpartition(" ")
    if unit_type and unit_type in key:
        return True
    digits = re.findall(r"\d{2,}", key)
    return any(run in number or number in run for run in digits if len(number) >= 2)


def _chain_from_header(value: str, lines: list[Line]) -> str | None:
    """One element of a chain read, the other damaged past reading ("o 38, Quân khu 3", "Trung đoàn 48, Sư Goan
    32055"), where the header block prints the chain: the header's, when the damaged element still looks like the
    one it lacks (its type's words or its number's digits)."""
    if "," in value:
        return None
    chain = _header_chain(lines)
    if chain is None or value not in chain:
        return None
    child, parent = chain
    missing = parent if value == child else child
    wanted = fold_iy(value).lower()
    for line in lines[_HEADER_LINES:]:
        at = line.key.find(wanted)
        if at < 0:
            continue
        if value == child:  # "Trung đoàn 48, <damaged parent>"
            gap = _SIDE.match(line.key, at + len(wanted))
            damaged = line.original(gap.end(), len(line.key))[:24] if gap else ""
        else:  # "<damaged child>, Quân khu 3"
            before = line.key[:at]
            gap = re.search(r"\s*,\s*$", before)
            damaged = line.original(max(0, gap.start() - 24), gap.start()) if gap else ""
        if damaged and read_unit_name(damaged) is None and _like(damaged, missing):
            return f"{child}, {parent}"
    return None


def _chain_printed_elsewhere(value: str, lines: list[Line]) -> str | None:
    """A unit read beside a damaged element of its chain where the document prints the chain whole in a sentence
    ("tại Trung đoàn bộ binh 36, Sư đoàn bộ binh 308"): that chain, when the document prints one chain of two
    units holding the unit, and the damaged element still looks like the chain's other unit (its type's words or
    its number's digits). The unit read may be the parent ("trang đoàn bộ binh 36, Sư đoàn hộ binh 308"; a cell's
    "Bộ binh 36, Sư đoàn bộ binh" with "308" on the cell's next line) or the child ("Trung đoàn bộ hình 36, sư
    đoàn bộ pink 308")."""
    if "," in value:
        return None
    chains: set[str] = set()
    damaged: list[tuple[str, bool]] = []  # the damaged text, and whether it stands after the unit (a parent)
    value_type = _unit_type(value)
    # A unit's number is read as printed (a speck before it dropped): text without the value's digits cannot read
    # as the value, nor as a chain holding it, and is not read at all (most units a document names are others).
    numbers = _DIGITS.findall(value)
    for index, line in enumerate(lines):
        below = lines[index + 1] if index + 1 < len(lines) and lines[index + 1].page == line.page else None
        joined = line.text + ("\n" + below.text if below is not None else "")
        for start in (match.start() for match in _UNIT_START.finditer(line.key)):
            if not all(number in joined[line.offsets[start]:] for number in numbers):
                continue
            chain = read_unit_name(joined[line.offsets[start]:])
            if chain is not None and chain.count(",") == 1 and value in [part.strip() for part in chain.split(",")]:
                chains.add(chain)
            if chain == value:  # the unit alone: a damaged parent may follow its comma
                comma = re.match(r"[^,]{0,40}?,\s*", joined[line.offsets[start]:])
                after = joined[line.offsets[start] + comma.end():][:30] if comma else ""
                if after.strip() and read_unit_name(after) is None:
                    damaged.append((after, True))
        for comma in _COMMA.finditer(line.text):
            after = joined[comma.end():]
            if _unit_type(after) != value_type or not all(number in after for number in numbers) or \
                    read_unit_name(after) != value:
                continue
            before = line.text[max(0, comma.start() - 30) : comma.start()]
            key, offsets = fold_map(before, iy=True)
            if not any(read_unit_name(before[offsets[match.start()]:]) for match in _UNIT_START.finditer(key)):
                damaged.append((before, False))
    if len(chains) != 1:
        return None
    chain = chains.pop()
    child, parent = (part.strip() for part in chain.split(","))
    if value not in (child, parent):
        return None
    other = parent if value == child else child
    return chain if any(_like(piece, other) for piece, is_parent in damaged if is_parent == (value == child)) else None


_COMMA = re.compile(",")
_DIGITS = re.compile(r"\d+")


def _unit_type(text: str) -> list[str]:
    """The first two words of `text` (past spaces), however OCR marked them: a unit's type ("trung doan")."""
    words: list[str] = []
    for word in text.split():  # folded word by word up to the second: `text` runs to the end of the next line
        words += fold_iy(word).lower().split()
        if len(words) >= 2:
            break
    return words[:2]
