"""Which kind of dossier document a text is, judged first by its printed title.

The title is the line (or two) in the upper part of the first page that starts with a
document-kind word (BIÊN BẢN, QUYẾT ĐỊNH, LỆNH, PHIẾU, LÝ LỊCH ...), possibly continued by
a "Về việc ..." line. Keywords are matched on folded text with i/y merged, so dropped or
confused diacritics still match. Body words count only when no title says anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from common.text import fold_iy, merge_iy
from common.vocabulary import DOC_TYPES

__all__ = ["DOC_TYPES", "classify_doc_type"]


# (doc_type, folded keyword pattern, priority). Higher priority wins inside a title; among
# equals the leftmost keyword wins ("BIÊN BẢN BÀN GIAO ... SAU SỬA CHỮA" is a handover).
_KEYWORDS: tuple[tuple[str, str, int], ...] = (
    ("decommission", r"loai\s+khoi\s+bien\s+che|thanh\s+li|tieu\s+huy|loai\s+bo\s+trang\s+bi", 3),
    ("grade_change", r"chuyen\s+cap(\s+chat\s+luong)?|(ha|nang)\s+cap\s+chat\s+luong|phan\s+cap\s+lai", 3),
    ("storage", r"(mo\s+)?niem\s+cat", 2),
    ("repair", r"nghiem\s+thu(\s+\w+){0,3}\s+sua\s+chua|(lenh|phieu)\s+sua\s+chua", 2),
    ("repair", r"sua\s+chua|dai\s+tu|trung\s+tu|khoi\s+phuc", 1),
    ("maintenance", r"bao\s+duong|bao\s+quan\s+dinh\s+ki", 1),
    ("transfer", r"dieu\s+chuyen|dieu\s+dong", 1),
    ("inventory", r"kiem\s+ke", 1),
    ("inspection", r"kiem\s+tra|danh\s+gia\s+chat\s+luong|giam\s+dinh|kiem\s+dinh|xac\s+dinh\s+chat\s+luong", 1),
    ("handover", r"ban\s+giao|giao\s+nhan|giao\s+trang\s+bi|tiep\s+nhan", 1),
    ("logbook", r"li\s+lich(?:xe)?", 1),  # "LÝ LỊCHXE": OCR glued the title's last word
    ("logbook", r"lich\s+trang\s+bi\s+ki\s+thuat", 1),  # the title with its first word misread: "HẾ LICH TRANG BỊ"
    ("repair", r"nghiem\s+thu", 0),
)
_COMPILED = tuple(
    (doc_type, re.compile(rf"\b(?:{merge_iy(pattern)})\b"), priority) for doc_type, pattern, priority in _KEYWORDS
)

# Words that open a title; compared with a small edit distance to survive OCR.
_KIND_WORDS = tuple(
    merge_iy(word)
    for word in ("bien ban", "quyet dinh", "lenh", "phieu", "ly lich", "so ly lich", "so theo doi", "to trinh", "bao cao", "ke hoach", "giay")
)
_KIND_WORD_OPENINGS = tuple(re.compile(rf"{word}\b") for word in _KIND_WORDS)
_FOLLOW_ON = re.compile(r"^\W*(ve\s+viec|v\s*/\s*v|\()")
_HEADER = re.compile(
    merge_iy(r"bo\s+quoc\s+phong|cong\s+hoa|xa\s+hoi\s+chu\s+nghia|doc\s+lap|hanh\s+phuc|^\W*so\s*[:.]|ngay\s.*thang|^\W*$")
)
_PROSE_START = re.compile(merge_iy(r"^\W*(hom\s+nay|can\s+cu|chung\s+toi|thuc\s+hien|xet|theo|\d)"))
_ROLE = re.compile(
    merge_iy(r"^\W*(tu\s+lenh|chi\s+huy|giam\s+doc|cuc\s+truong|thu\s+truong|chu\s+nhiem|truong\s+phong|chinh\s+uy|quyet\s+dinh\s*:)")
)


@dataclass(frozen=True)
class _Title:
    text: str  # as printed
    folded: str
    upper: bool
    fuzzy: bool  # the kind word matched only approximately


def _upper_ratio(line: str) -> float:
    letters = [ch for ch in line if ch.isalpha()]
    return sum(ch.isupper() for ch in letters) / len(letters) if letters else 0.0


_LEADING_NON_LETTERS = re.compile(r"^[\W\d_]+")


def _kind_word(folded: str) -> tuple[bool, bool] | None:
    """(matched, fuzzy) when the folded line opens with a document-kind word."""
    head = _LEADING_NON_LETTERS.sub("", folded)
    if any(opening.match(head) for opening in _KIND_WORD_OPENINGS):
        return True, False
    for word in _KIND_WORDS:
        if len(word) >= 6 and Levenshtein.distance(head[: len(word)], word) <= 1 and head[len(word) : len(word) + 1] in ("", " "):
            return True, True
    tokens = head.split()
    for word in _KIND_WORDS:
        # as many words as the kind word has, each possibly short of a letter: "L LICH" for "LÝ LỊCH"
        count = len(word.split())
        if len(word) >= 6 and count > 1 and Levenshtein.distance(" ".join(tokens[:count]), word) <= 1:
            return True, True
    return None


def _continuation(lines: list[str], start: int, first: str) -> list[str]:
    """Lines that continue a title opened at lines[start - 1]."""
    taken: list[str] = []
    bare = len(fold_iy(first).split()) <= 3
    for line in lines[start : start + 4]:
        stripped = line.strip()
        if not stripped:
            continue
        folded = fold_iy(stripped)
        if _ROLE.match(folded) or _HEADER.search(folded):
            break
        if _FOLLOW_ON.match(folded):
            taken.append(stripped)
            break
        if bare and not taken and _continues_bare_title(stripped, folded):
            taken.append(stripped)
            continue
        break
    return taken


def _continues_bare_title(stripped: str, folded: str) -> bool:
    """After a bare "BIÊN BẢN": its subject line, upper case or a short capitalised phrase."""
    if ":" in stripped or _PROSE_START.match(folded):
        return False
    if _upper_ratio(stripped) > 0.7:
        return True
    return stripped[0].isupper() and len(folded.split()) <= 10 and not stripped.endswith((",", ";", "."))


def _find_title(text: str) -> _Title | None:
    lines = text.splitlines()
    limit = max(30, len(lines) // 2)
    for index, line in enumerate(lines[:limit]):
        stripped = line.strip()
        folded = fold_iy(stripped)
        if not stripped or len(stripped) > 120 or _HEADER.search(folded):
            continue
        kind = _kind_word(folded)
        if kind is None:
            continue
        upper = _upper_ratio(stripped) > 0.7
        if not upper and len(folded.split()) > 12:
            continue  # a sentence that happens to start with "Lệnh" or "Phiếu"
        parts = [stripped, *_continuation(lines, index + 1, stripped)]
        joined = " ".join(parts)
        return _Title(joined, fold_iy(joined), upper, kind[1])
    return _untitled_heading(lines[:limit])


def _untitled_heading(lines: list[str]) -> _Title | None:
    """An upper-case heading with a type keyword but no kind word ("KIỂM KÊ TRANG BỊ NĂM 2020").

    Only below the header block, whose issuing unit may itself be "XƯỞNG SỬA CHỮA ...".
    """
    folded_lines = [fold_iy(line.strip()) for line in lines]
    header_end = max((i for i, f in enumerate(folded_lines[:10]) if f and _HEADER.search(f)), default=-1)
    for line, folded in zip(lines[header_end + 1 :], folded_lines[header_end + 1 :]):
        stripped = line.strip()
        if header_end < 0 or len(folded.split()) < 2 or _upper_ratio(stripped) <= 0.8 or _ROLE.match(folded):
            continue
        if _best_keyword(folded) is not None:
            return _Title(stripped, folded, True, True)
    return None


def _best_keyword(folded: str) -> tuple[str, int] | None:
    hits = []
    for doc_type, pattern, priority in _COMPILED:
        match = pattern.search(folded)
        if match:
            hits.append((-priority, match.start(), doc_type, priority))
    if not hits:
        return None
    _, _, doc_type, priority = min(hits)
    return doc_type, priority


_FUZZY_PHRASES = {
    doc_type: merge_iy(phrase)
    for doc_type, phrase in (
        ("decommission", "loai khoi bien che"),
        ("grade_change", "chuyen cap chat luong"),
        ("storage", "niem cat"),
        ("maintenance", "bao duong"),
        ("transfer", "dieu chuyen"),
        ("inventory", "kiem ke"),
        ("inspection", "kiem tra ky thuat"),
        ("handover", "ban giao"),
        ("repair", "sua chua"),
        ("logbook", "ly lich"),
    )
}


def _fuzzy_keyword(folded: str) -> str | None:
    """Last resort inside a title: a keyword phrase with one or two OCR-damaged letters."""
    score, doc_type = max((fuzz.partial_ratio(phrase, folded), doc_type) for doc_type, phrase in _FUZZY_PHRASES.items())
    return doc_type if score >= 85 else None


def _body_text(text: str) -> str:
    """The folded text without the upper-case header block (the issuer may be "XƯỞNG SỬA CHỮA")."""
    lines = text.splitlines()
    kept = [line for index, line in enumerate(lines) if index >= 6 or _upper_ratio(line) <= 0.8]
    return fold_iy("\n".join(kept))


def _from_body(folded: str) -> tuple[str, float] | None:
    counts: dict[str, int] = {}
    for doc_type, pattern, priority in _COMPILED:
        found = len(pattern.findall(folded))
        if found and priority > 0:
            counts[doc_type] = counts.get(doc_type, 0) + found
    if not counts:
        return None
    doc_type = max(counts, key=lambda k: counts[k])
    share = counts[doc_type] / sum(counts.values())
    return doc_type, round(0.25 + 0.2 * share, 2)


def _classify_title(title: _Title) -> tuple[str, float]:
    keyword = _best_keyword(title.folded)
    if keyword is not None:
        doc_type, priority = keyword
        confidence = 0.95 if title.upper else 0.85
        if priority == 0:
            confidence -= 0.25
        if title.fuzzy:
            confidence -= 0.1
        return doc_type, round(confidence, 2)
    fuzzy = _fuzzy_keyword(title.folded)
    if fuzzy is not None:
        return fuzzy, 0.7
    return "other", 0.5


def classify_doc_type(text: str) -> tuple[str, float, str | None]:
    """(doc_type, confidence, printed title or None) for one document's text."""
    title = _find_title(text or "")
    if title is not None:
        doc_type, confidence = _classify_title(title)
        if doc_type != "other":
            return doc_type, confidence, title.text
    body = _from_body(_body_text(text or ""))
    if body is not None:
        return body[0], body[1], title.text if title else None
    return "other", 0.5 if title else 0.3, title.text if title else None
