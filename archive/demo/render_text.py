"""Born-digital PDFs: the layout drawn as a real text layer with embedded DejaVu fonts."""

from __future__ import annotations

from pathlib import Path

from archive.demo.layout import PAGE_H, PAGE_W, Layout, register_fonts


def write_text_pdf(path: Path, layout: Layout) -> None:
    """Write `layout` as a PDF whose text pypdf (or any reader) extracts with its diacritics."""
    from reportlab.pdfgen.canvas import Canvas

    register_fonts()
    canvas = Canvas(str(path), pagesize=(PAGE_W, PAGE_H), invariant=1, pageCompression=1)
    for ops in layout.pages:
        for op in ops:
            kind = op[0]
            if kind == "text":
                _, x, y, text, font, size = op
                canvas.setFont(font, size)
                canvas.drawString(x, PAGE_H - y, text)
            elif kind == "line":
                _, x1, y1, x2, y2, width = op
                canvas.setLineWidth(width)
                canvas.line(x1, PAGE_H - y1, x2, PAGE_H - y2)
            elif kind == "rect":
                _, x, y, w, h, width = op
                canvas.setLineWidth(width)
                canvas.rect(x, PAGE_H - y - h, w, h, stroke=1, fill=0)
        canvas.showPage()
    canvas.save()
