"""What the header block prints: the document number ("Số: 125/QĐ-TCKT") and the secrecy stamp."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Iterator

from common.text import has_marked_letters
from common.vocabulary import CLASSIFICATION_RANK
from ingest.labels import Line

__all__ = ["HeaderValue", "classification", "document_number"]


@dataclass(frozen=True)
class HeaderValue:
    field: str
    value: str
    confidence: float
    page: int
    order: int


# --- document number -----------------------------------------------------------------------

# "Số: 125/QĐ-TCKT", and as OCR prints it: "$6: 1370/PBD-KT", "_ Số:.194/BB-KT", "S6 77/QD-SD", "Số-706/BB-KT",
# ".:8ố: 2869/BB-KT" (an S read as 8 only with its colon: "80 125/..." is a number).
_SO = r"(?:^|\s{2,}|\t|\|)[\W_]*(?:[s$§][o06]\s*[:.;\-]?|8[o0]\s*:)[\s.:]*"
# Each code ends where a separator begins, so a space after a dash does not cut the rest off ("211/BB- CKT-KT").
_NUMBER = r"(?P<num>[0-9oil]{1,6})(?P<rest>\s*[/\-]\s*[^\s,;/\-]+(?:\s*[/\-]\s*[^\s,;/\-]+)*)"
_DOC_NUMBER = re.compile(_SO + _NUMBER)
_SO_ALONE = re.compile(_SO + r"$")
_NUMBER_ALONE = re.compile(r"^[\W_]*" + _NUMBER)
_NUMBER_DIGITS = str.maketrans("OoIl|", "00111")
# Kind abbreviations printed with Đ lose the stroke in OCR: QD → QĐ (quyết định), LD201 → LĐ201.
_KIND_FIXES = ((re.compile(r"(?<![A-Za-z])QD(?![A-Za-z])"), "QĐ"), (re.compile(r"(?<![A-Za-z])([LS])D(?=\d)"), r"\1Đ"))
# What OCR does to the codes of a number, whatever the page: Đ read as the look-alike Ð; the L of "LĐ202" as
# "I." or "1." ("QĐ.I.Ð202"); the Q of QĐ as 0 and its Đ as B; the B of BB as 8; a dash between two codes as ":"
# or "." ("BB:KT"); the 1 of a unit code as l ("e141").
_CODE_FIXES = (
    (re.compile("Ð"), "Đ"),
    (re.compile(r"(?<![A-Za-z0-9])[I|1]\.?(?=[ĐD]\d)"), "L"),
    (re.compile(r"(?<=/)0(?=Đ-)"), "Q"),
    (re.compile(r"(?<=/)8(?=B-)"), "B"),  # the first B of BB (biên bản) read as 8
    (re.compile(r"(?<=/)Q[B8](?=-)"), "QĐ"),  # QĐ (quyết định): no kind code is QB
    (re.compile(r"(?<=[A-Za-zĐ])[.:](?=[A-ZĐ])"), "-"),
    (re.compile(r"(?<![A-Za-z])([efdc])[lI|](?=\d)"), r"\g<1>1"),
    (re.compile(r"(?<=\d)[lI|](?=\d)"), "1"),
    (re.compile(r"(?<=[efdc]\d\d)s(?![A-Za-z])"), "5"),  # the 5 of a unit code as s ("e16s")
    (re.compile(r"(?<=[-/])đ(?=\d)"), "d"),  # a battalion's code, d14, with a stroke OCR added ("BB-đ14")
    (re.compile(r"(?<=[A-ZĐ])\+(?=[A-ZĐ])"), "-"),  # a dash read as "+" ("BB+LĐ675")
    (re.compile(r"(?<![A-Za-z])L-D(?=\d)"), "LĐ"),  # the stroke of Đ read as a dash before it ("L-D675")
    (re.compile(r"(?<=[A-ZĐ])KTKT(?![A-Za-z])"), "KT-KT"),  # the dash lost between two codes ("CKTKT")
    (re.compile(r"(?<=/)Q[O0]Đ(?=-)"), "QĐ"),  # a speck read as O inside QĐ ("QOĐ")
    # The dash lost after the kind (quyết định, biên bản), which always stands alone before the issuer's code.
    (re.compile(r"(?<=/)(QĐ|BB)(?=[A-ZĐ]{2,}(?:-|$))"), r"\1-"),
)


def _number(line: Line, match: re.Match[str], confidence: float, marks: bool) -> HeaderValue | None:
    if not any(ch.isdigit() for ch in match["num"]):
        return None
    printed = line.original(match.start("num"), match.end("num"))
    rest = re.sub(r"\s*([/\-])\s*", r"\1", line.original(match.start("rest"), match.end("rest")))
    rest = re.sub(r"[^\w/\-]+$", "", rest)
    # "46/QD-PKT - oo": a last group without a digit or a capital is OCR specks
    rest = re.sub(r"[/\-](?=[^/\-]*$)(?![^/\-]*[\dA-ZĐ])[^/\-]*$", "", rest)
    rest = re.sub(r"(?:[^\w/\-]|_)+$", "", rest)  # "850/BB-PKT. - :", "789/BB-e165_": a full stop, a rule's stub
    for pattern, replacement in _CODE_FIXES:
        rest = pattern.sub(replacement, rest)
    if marks:  # a text printed with marks lost this one to OCR; an unaccented text is kept as typed
        for pattern, replacement in _KIND_FIXES:
            rest = pattern.sub(replacement, rest)
    digits = printed.translate(_NUMBER_DIGITS)
    if not re.search(r"[^\W\d_]", rest):
        return None
    confidence = (confidence if digits == printed else confidence - 0.15) - 0.1 * (line.page > 1)
    return HeaderValue("document_number", digits + rest, round(confidence, 2), line.page, line.order)


def document_number(lines: list[Line]) -> Iterator[HeaderValue]:
    """"Số: 125/QĐ-TCKT" in the header block: number / kind - issuer, as printed."""
    marks = has_marked_letters(line.text for line in lines[:40])
    ranks = _text_ranks(lines)
    factories = {code for line in lines[:40] for code in _FACTORY_CODE.findall(line.text)}
    for index, line in enumerate(lines):
        if ranks[index] > 12:
            continue
        match = _DOC_NUMBER.search(line.key)
        if match is not None:
            found = _number(line, match, 0.9, marks)
            if found:
                yield _factory_named(found, factories)
            continue
        if _SO_ALONE.search(line.key):  # "Số:" with the number on a line of its own below
            following = next((l for l in lines[index + 1 : index + 5] if l.text.strip()), None)
            if following is not None and following.page == line.page:
                below = _NUMBER_ALONE.match(following.key)
                found = _number(following, below, 0.8, marks) if below else None
                if found:
                    yield found


# A factory's code, "Z153", and the same code with its Z read as 2 in the number: "660/BB-2153".
_FACTORY_CODE = re.compile(r"(?<![A-Za-z0-9])Z(\d{2,3})(?!\d)")
_FACTORY_MISREAD = re.compile(r"(?<=[-/])2(\d{2,3})(?![\d])")


def _factory_named(found: HeaderValue, factories: set[str]) -> HeaderValue:
    """The number with a factory's code put right where the header prints that factory ("NHÀ MÁY Z153")."""
    value = _FACTORY_MISREAD.sub(lambda m: f"Z{m[1]}" if m[1] in factories else m[0], found.value)
    return replace(found, value=value) if value != found.value else found


def _text_ranks(lines: list[Line]) -> list[int]:
    """Each line's place among its page's lines of text: debris read off a scanner's edge above the header
    ("kK,", "54,", "<@") does not push the header down."""
    ranks, page, seen = [], None, 0
    for line in lines:
        if line.page != page:
            page, seen = line.page, 0
        ranks.append(seen)
        seen += len(_WORD.findall(line.key)) >= 2
    return ranks


_WORD = re.compile(r"[a-z]{2,}")


# --- secrecy stamp -------------------------------------------------------------------------

_STAMP = re.compile(r"(?<![a-z])(tuiet\s+mat|to[i!l1|]\s+mat|mat)(?![a-z])")  # OCR reads the I of TỐI as ! or l
# bí mật, bảo mật, giữ mật, bị mất, bề mặt, một mặt, mặt ...: words that make "mat" prose, not a stamp
_NOT_A_STAMP = re.compile(r"\b(bi|bao|giu|be|mot|mat|hai|cac|nhung|truoc|sau)\s*$")
_STAMP_LABEL = re.compile(r"do\s+mat\s*[:\-]?\s*$")
_LEVELS = {"mat": "confidential", "toi mat": "secret", "tuiet mat": "top_secret"}
# OCR specks after a stamp on its own line: "MẬT k cá", "TỐI MẬT |".
_SPECKS = re.compile(r"^(?:\s+\S{1,3}){0,3}\s*$")
# What opens a header line a stamp may be glued in front of by text extraction: "MẬT BỘ QUỐC PHÒNG".
_HEADER_OPENING = re.compile(r"^\s*(bo\s+quoc\s+phong|cong\s+hoa|doc\s+lap|so\s*[:.]|bo\s+tong|quan\s+khu|quan\s+doan|cuc\b|tong\s+cuc)")
_STAMP_SPELLINGS = {"mật", "tối mật", "tuyệt mật"}


def _stamp_in_header_line(line: Line, before: str, after: str, printed: str) -> bool:
    """An upper-case stamp run into a header line by text extraction: "BỘ QUỐC PHÒNG MẬT", "MẬT BỘ QUỐC PHÒNG".

    Only at the end of an upper-case line, or at its start before a header's opening words: "MẶT TRẬN",
    "MẶT BẰNG KHO" and "KIỂM TRA BỀ MẶT" are titles, not stamps."""
    if line.rank >= 12:
        return False
    letters = [ch for ch in line.text if ch.isalpha()]
    upper_line = bool(letters) and sum(ch.isupper() for ch in letters) > 0.8 * len(letters)
    if not (upper_line and printed.isupper()):
        return False
    at_end = not after.strip() and not _NOT_A_STAMP.search(before)
    at_start = not before.strip() and bool(_HEADER_OPENING.match(after))
    return at_end or at_start


def _stamp_level(line: Line, match: re.Match[str]) -> tuple[str, float] | None:
    before, after = line.key[: match.start()], line.key[match.end() :]
    labelled = bool(_STAMP_LABEL.search(before))
    alone_before = labelled or not before.strip() or bool(re.search(r"(\s{2,}|\t|[|(\[])\s*$", before))
    alone_after = not after.strip() or bool(re.match(r"\s*(\s{2,}|\t|[|)\]])", after))
    printed = line.original(match.start(), match.end())
    whole_line = not before.strip() and not after.strip()
    # "Mặt", "mất" alone on a line are words; a stamp in lower case must be spelled as one
    spelled = " ".join(printed.lower().split()) in _STAMP_SPELLINGS
    standalone = alone_before and alone_after and (labelled or (whole_line and spelled) or printed.isupper())
    # "MAT:", "- TỐI MẬT .": the stamp is the line's only word, punctuation from OCR around it
    only_word = not re.search(r"[^\W_]", before + after) and printed.isupper() and line.rank < 15
    standalone = standalone or only_word
    if standalone and not labelled and _NOT_A_STAMP.search(before) and not re.search(r"(\s{2,}|\t|[|(\[])\s*$", before):
        standalone = False
    level = _LEVELS[re.sub(r"^to[!l1|]", "toi", re.sub(r"\s+", " ", match.group(1)))]
    if standalone or _stamp_in_header_line(line, before, after, printed):
        return level, 0.95 if labelled or line.rank < 12 else 0.85
    # OCR: the stamp alone on its line but for specks around it
    opens_line = not re.search(r"[^\W\d_]", before)
    after_printed = line.original(match.end(), len(line.key))
    specks = _SPECKS.match(after_printed) and not any(w.isupper() and len(w) > 1 for w in after_printed.split())
    if opens_line and printed.isupper() and specks and line.rank < 15:
        return level, 0.75
    return None


_NOT_SECRET = re.compile(r"do\s+mat\s*[:\-]?\s*(khong|thuong)")


def classification(lines: list[Line]) -> Iterator[HeaderValue]:
    """The secrecy level a stamp or a "Độ mật" line states. No default: a stamp that was not read leaves the
    classification unknown, which the archive treats as the highest level until a person decides."""
    for line in lines:
        if _NOT_SECRET.search(line.key):
            yield HeaderValue("classification", "unclassified", 0.85, line.page, line.order)
        for match in _STAMP.finditer(line.key):
            stamp = _stamp_level(line, match)
            if stamp is not None:
                bonus = CLASSIFICATION_RANK[stamp[0]] / 100  # the highest stamp wins among equals
                yield HeaderValue("classification", stamp[0], round(stamp[1] + bonus, 2), line.page, line.order)
