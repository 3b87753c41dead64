"""Engine-neutral highlight rendering: spans found on the original or the folded text become
HTML-escaped fragments of the original with `<mark>` around the matches.

Engines report matches on their own terms (Tantivy: byte ranges in a snippet; Elasticsearch:
tagged fragments); each adapter turns them into character spans and calls `render` or
`render_folded`, so every engine marks the same characters the same way.
"""

from __future__ import annotations

import html
import unicodedata
from typing import Sequence

from common.text import fold_map
from search.query import HIGHLIGHT_CLOSE, HIGHLIGHT_OPEN

OPEN_SENTINEL, CLOSE_SENTINEL = "\ue000", "\ue001"  # private-use: never in normalised text
_JOINERS = frozenset("-‐‑./_")

Spans = Sequence[tuple[int, int]]


def render(fragment: str, spans: Spans) -> str:
    """HTML-escaped fragment with `<mark>` around the spans (marked with private-use sentinels,
    escaped in one go, then swapped for the tags)."""
    fragment = fragment.replace(OPEN_SENTINEL, "").replace(CLOSE_SENTINEL, "")
    parts, position = [], 0
    for start, end in merge_joined(fragment, spans):
        if start < position:
            continue
        parts += (fragment[position:start], OPEN_SENTINEL, fragment[start:end], CLOSE_SENTINEL)
        position = end
    parts.append(fragment[position:])
    escaped = html.escape("".join(parts).strip(), quote=False)
    return escaped.replace(OPEN_SENTINEL, HIGHLIGHT_OPEN).replace(CLOSE_SENTINEL, HIGHLIGHT_CLOSE)


def render_folded(text: str, folded: str, start: int, fragment: str, spans: Spans) -> str:
    """A fragment of the folded copy (starting at character `start` of `folded`), drawn on the
    original characters it came from."""
    end = start + len(fragment)
    if len(folded) == len(text):  # the usual case: one folded character per original one
        return render(text[start:end], spans)
    refolded, origin = fold_map(text, iy=True)
    if refolded != folded:
        return render(fragment, spans)
    base, stop = origin[start], past_marks(text, origin[end])
    mapped = [(origin[start + a] - base, past_marks(text, origin[start + b]) - base) for a, b in spans]
    return render(text[base:stop], mapped)


def past_marks(text: str, position: int) -> int:
    """Move an end offset past combining marks, which belong to the character before them."""
    while position < len(text) and unicodedata.combining(text[position]):
        position += 1
    return position


def merge_joined(fragment: str, spans: Spans) -> list[tuple[int, int]]:
    """One mark for "T-54B" or "KB-15-84" rather than one per token: join spans split by "-./"."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        gap = fragment[merged[-1][1] : start] if merged else None
        if gap and all(ch in _JOINERS for ch in gap):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged
