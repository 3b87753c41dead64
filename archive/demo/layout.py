"""Place a document's blocks on A4 pages: positioned text, lines and boxes in points.

Both renderers draw the same layout: `render_text` into a PDF text layer, `render_scan`
into a page image. Text widths come from the DejaVu TrueType metrics through reportlab, so
a line that fits in the PDF fits on the image too.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from archive.demo.forms import Family

PAGE_W, PAGE_H = 595.28, 841.89  # A4 in points
MM = 72 / 25.4
LEFT, RIGHT, TOP, BOTTOM = 28 * MM, 16 * MM, 18 * MM, 18 * MM
CONTENT_W = PAGE_W - LEFT - RIGHT
INK = (0, 0, 0)

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/local/share/fonts"),
    Path("/Library/Fonts"),
)
FONT_FILES: dict[str, tuple[str, str, str, str]] = {  # regular, bold, italic, bold italic
    "serif": ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf", "DejaVuSerif-BoldItalic.ttf"),
    "sans": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-BoldOblique.ttf"),
    "condensed": ("DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Bold.ttf", "DejaVuSansCondensed-Oblique.ttf",
                  "DejaVuSansCondensed-BoldOblique.ttf"),
}
_STYLE_INDEX = {"r": 0, "b": 1, "i": 2, "bi": 3}

# Ops: ("text", x, baseline_y, text, font_name, size) | ("line", x1, y1, x2, y2, width) |
#      ("rect", x, y, w, h, width). y grows downwards from the top of the page.
Op = tuple[Any, ...]


class FontsMissing(RuntimeError):
    """The DejaVu TrueType fonts were not found (Debian/Ubuntu: apt-get install fonts-dejavu-core)."""


@dataclass(frozen=True)
class Layout:
    pages: tuple[tuple[Op, ...], ...]
    anchors: tuple[tuple[str, int, float, float], ...]  # (kind, page, x, y): "serial", "sign"


@cache
def font_dir() -> Path:
    for folder in FONT_DIRS:
        if (folder / "DejaVuSans.ttf").is_file() and (folder / "DejaVuSerif.ttf").is_file():
            return folder
    raise FontsMissing("DejaVu fonts not found in " + ", ".join(map(str, FONT_DIRS)))


def font_name(family: str, style: str) -> str:
    return f"DV-{family}-{style}"


def font_path(name: str) -> Path:
    _, family, style = name.split("-", 2)
    return font_dir() / FONT_FILES[family][_STYLE_INDEX[style]]


@cache
def register_fonts() -> None:
    """Register every DejaVu face with reportlab (once per process)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for family, files in FONT_FILES.items():
        for style, index in _STYLE_INDEX.items():
            pdfmetrics.registerFont(TTFont(font_name(family, style), str(font_dir() / files[index])))


def text_width(text: str, font: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(text, font, size)


def _style_key(style: str) -> str:
    bold, italic = "b" in style, "i" in style
    return "bi" if bold and italic else "b" if bold else "i" if italic else "r"


class _Flow:
    """Cursor that fills pages top to bottom."""

    def __init__(self, family: Family, scale: float, serial: str):
        register_fonts()
        self.family = family.font
        self.size = family.body_pt * scale
        self.lead = self.size * 1.38
        self.scale = scale
        self.serial = serial
        self.pages: list[list[Op]] = [[]]
        self.anchors: list[tuple[str, int, float, float]] = []
        self.y = TOP

    def font(self, style: str = "r") -> str:
        return font_name(self.family, _style_key(style))

    def need(self, height: float) -> None:
        if self.y + height > PAGE_H - BOTTOM and self.y > TOP + 1:
            self.pages.append([])
            self.y = TOP
            number = str(len(self.pages))
            font = self.font()
            self.put(PAGE_W / 2 - text_width(number, font, 10) / 2, TOP - 4 * MM, number, font, 10)

    def put(self, x: float, y: float, text: str, font: str, size: float) -> None:
        if not text:
            return
        self.pages[-1].append(("text", x, y, text, font, size))
        if self.serial and self.serial in text:
            start = text.index(self.serial)
            sx = x + text_width(text[:start], font, size)
            width = text_width(self.serial, font, size)
            self.anchors.append(("serial", len(self.pages) - 1, sx + width / 2, y - size * 0.35))

    def line(self, x1: float, y1: float, x2: float, y2: float, width: float = 0.8) -> None:
        self.pages[-1].append(("line", x1, y1, x2, y2, width))

    def rect(self, x: float, y: float, w: float, h: float, width: float = 0.8) -> None:
        self.pages[-1].append(("rect", x, y, w, h, width))

    # -- text helpers -----------------------------------------------------------------------

    def fit(self, text: str, font: str, size: float, width: float) -> float:
        """Largest size <= `size` at which `text` fits `width`."""
        actual = text_width(text, font, size)
        return size if actual <= width else size * width / actual * 0.98

    def wrap(self, text: str, font: str, size: float, width: float, first_width: float | None = None) -> list[str]:
        words = text.split(" ")
        lines: list[str] = []
        current = ""
        limit = first_width if first_width is not None else width
        for word in words:
            candidate = f"{current} {word}" if current else word
            if current and text_width(candidate, font, size) > limit:
                lines.append(current)
                current = word
                limit = width
            else:
                current = candidate
        if current:
            lines.append(current)
        return lines

    def centered(self, text: str, style: str, size: float, x: float = LEFT, width: float = CONTENT_W) -> None:
        font = self.font(style)
        for line in self.wrap(text, font, size, width):
            self.need(size * 1.4)
            self.y += size * 1.4
            real = self.fit(line, font, size, width)
            w = text_width(line, font, real)
            self.put(x + (width - w) / 2, self.y, line, font, real)


def _header(flow: _Flow, left: tuple, right: tuple) -> None:
    size = min(flow.size, 12.0) * 0.95
    lead = size * 1.42
    columns = ((LEFT - 8 * MM, CONTENT_W * 0.42 + 8 * MM, left), (LEFT + CONTENT_W * 0.40, CONTENT_W * 0.60 + 4 * MM, right))
    top = flow.y
    bottom = top
    for x, width, lines in columns:
        y = top
        for text, style in lines:
            y += lead
            if not text:
                continue
            font = flow.font(style)
            real = flow.fit(text, font, size, width)
            w = text_width(text, font, real)
            tx = x + (width - w) / 2
            flow.put(tx, y, text, font, real)
            if "u" in style:
                line_w = w if x > LEFT else w / 3
                drop = real * 0.42  # clear of the dots below (ạ, ụ, ậ)
                flow.line(x + (width - line_w) / 2, y + drop, x + (width + line_w) / 2, y + drop, 0.7)
                y += size * 0.3
        bottom = max(bottom, y)
    flow.y = bottom + 2


def _stamp(flow: _Flow, text: str) -> None:
    size = 13.0
    font = flow.font("b")
    w = text_width(text, font, size) + 18
    h = size + 11
    x = LEFT + CONTENT_W * 0.21 - w / 2
    flow.need(h + 4)
    flow.y += 4
    flow.rect(x, flow.y, w, h, 1.6)
    flow.put(x + 9, flow.y + h - 7.5, text, font, size)
    flow.y += h


def _para(flow: _Flow, text: str) -> None:
    font = flow.font()
    stripped = text.lstrip(" ")
    if stripped.startswith("- ") and stripped != text:
        indent, first = 10 * MM, 10 * MM
    elif flow.family == "serif":
        indent, first = 0.0, 10 * MM
    else:
        indent, first = 0.0, 0.0
    lines = flow.wrap(stripped, font, flow.size, CONTENT_W - indent, CONTENT_W - first)
    for i, line in enumerate(lines):
        flow.need(flow.lead)
        flow.y += flow.lead
        flow.put(LEFT + (first if i == 0 else indent), flow.y, line, font, flow.size)


def _field(flow: _Flow, label: str, value: str, mode: str) -> None:
    font = flow.font()
    if mode == "dots":  # a pre-printed dotted line, the value typed onto it
        lead_text = f"{label} ......"
        value_x = LEFT + text_width(lead_text, font, flow.size) + 1.5 * MM
        flow.need(flow.lead)
        flow.y += flow.lead
        flow.put(LEFT, flow.y, lead_text, font, flow.size)
        value_font = flow.font("b")
        size = flow.fit(value, value_font, flow.size, PAGE_W - RIGHT - value_x)
        flow.put(value_x, flow.y, value, value_font, size)
        return
    head = f"{label}: "
    head_w = text_width(head, font, flow.size)
    hang = head_w if head_w < CONTENT_W * 0.45 else 10 * MM
    lines = flow.wrap(value, font, flow.size, CONTENT_W - hang, CONTENT_W - head_w)
    for i, line in enumerate(lines):
        flow.need(flow.lead)
        flow.y += flow.lead
        if i == 0:
            flow.put(LEFT, flow.y, head + line, font, flow.size)
        else:
            flow.put(LEFT + hang, flow.y, line, font, flow.size)


def _pair(flow: _Flow, first: tuple[str, str], second: tuple[str, str]) -> None:
    font = flow.font()
    flow.need(flow.lead)
    flow.y += flow.lead
    half = CONTENT_W / 2
    for i, (label, value) in enumerate((first, second)):
        text = f"{label}: {value}"
        flow.put(LEFT + i * half, flow.y, text, font, flow.fit(text, font, flow.size, half - 3 * MM))


def _table(flow: _Flow, widths: tuple[float, ...], rows: tuple, header_rows: int) -> None:
    size = flow.size * 0.92
    lead = size * 1.3
    pad = 5.0  # room between the rules and the text: OCR reads a cell better when lines keep clear
    xs = [LEFT]
    for fraction in widths:
        xs.append(xs[-1] + fraction * CONTENT_W)
    flow.need(lead * 2)
    flow.y += 4
    for r, row in enumerate(rows):
        style = "b" if r < header_rows else "r"
        font = flow.font(style)
        cells = [flow.wrap(str(cell), font, size, xs[c + 1] - xs[c] - 2 * pad) if cell else [] for c, cell in enumerate(row)]
        height = max(1, max(len(c) for c in cells)) * lead + 2 * pad
        if flow.y + height > PAGE_H - BOTTOM:
            flow.need(height + 10)
        top = flow.y
        for c, lines in enumerate(cells):
            cell_w = xs[c + 1] - xs[c] - 2 * pad
            for i, line in enumerate(lines):
                real = flow.fit(line, font, size, cell_w)
                w = text_width(line, font, real)
                x = xs[c] + pad + ((cell_w - w) / 2 if r < header_rows or c == 0 else 0)
                flow.put(x, top + pad + (i + 1) * lead - lead * 0.25, line, font, real)
        flow.line(xs[0], top, xs[-1], top)
        for x in xs:
            flow.line(x, top, x, top + height)
        flow.y = top + height
        flow.line(xs[0], flow.y, xs[-1], flow.y)
    flow.y += 2


def _sign(flow: _Flow, columns: tuple) -> None:
    size = flow.size * 0.95
    lead = size * 1.4
    tallest = max(len(lines) for lines, _ in columns)
    flow.need(tallest * lead + 30 * MM)
    top = flow.y
    width = CONTENT_W / len(columns)
    bottom = top
    for i, (lines, name) in enumerate(columns):
        x = LEFT + i * width
        y = top
        notes = not name
        for text, style in lines:
            y += lead * (0.85 if style == "s" else 1)
            if not text:
                continue
            font = flow.font("i" if style == "s" else style)
            real = size * 0.8 if notes else flow.fit(text, font, size, width - 4)
            w = text_width(text, font, real)
            flow.put(x if notes else x + (width - w) / 2, y, text, font, real)
        if name:
            gap_top = y
            y += 24 * MM
            font = flow.font("b")
            real = flow.fit(name, font, size, width - 4)
            w = text_width(name, font, real)
            flow.put(x + (width - w) / 2, y, name, font, real)
            flow.anchors.append(("sign", len(flow.pages) - 1, x + width / 2, (gap_top + y) / 2))
        bottom = max(bottom, y)
    flow.y = bottom + 4


def lay_out(blocks: tuple, family: Family, *, serial: str = "", scale: float = 1.0) -> Layout:
    flow = _Flow(family, scale, serial)
    for block in blocks:
        kind = block[0]
        if kind == "header":
            _header(flow, block[1], block[2])
        elif kind == "stamp":
            _stamp(flow, block[1])
        elif kind == "title":
            flow.centered(block[1], "b", flow.size + 2.5)
        elif kind == "subtitle":
            flow.centered(block[1], "b", flow.size)
        elif kind == "center":
            flow.y += 2
            flow.centered(block[1], block[2], flow.size)
        elif kind == "para":
            _para(flow, block[1])
        elif kind == "field":
            _field(flow, block[1], block[2], block[3])
        elif kind == "pair":
            _pair(flow, block[1], block[2])
        elif kind == "table":
            _table(flow, block[1], block[2], block[3])
        elif kind == "space":
            flow.y += block[1] * MM * flow.scale
        elif kind == "sign":
            _sign(flow, block[1])
        else:
            raise ValueError(f"unknown block {kind!r}")
    return Layout(tuple(tuple(page) for page in flow.pages), tuple(flow.anchors))


def lay_out_fitting(blocks: tuple, family: Family, *, serial: str = "", max_pages: int | None = None) -> Layout:
    """Lay out; when `max_pages` is given, shrink the type (to 75 % at most) until it fits."""
    layout = lay_out(blocks, family, serial=serial)
    scale = 1.0
    while max_pages is not None and len(layout.pages) > max_pages and scale > 0.76:
        scale -= 0.08
        layout = lay_out(blocks, family, serial=serial, scale=scale)
    return layout
