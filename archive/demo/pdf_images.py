"""A minimal streaming writer for image-only PDFs: one JPEG per A4 page, written as it comes.

reportlab keeps every page in memory until it saves; a 300-page scan would hold all its
JPEGs at once. This writer puts each page's objects on disk immediately and only keeps
their byte offsets for the cross-reference table.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from archive.demo.layout import PAGE_H, PAGE_W

_CATALOG, _PAGES = 1, 2


def _pdf_string(text: str) -> str:
    """A literal PDF string of printable ASCII, with its delimiters escaped."""
    ascii_text = "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in text)
    return ascii_text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


class ImagePdfWriter:
    def __init__(self, path: Path):
        self._file: BinaryIO = open(path, "wb")
        self._offsets: dict[int, int] = {}
        self._pages: list[int] = []
        self._next_id = 3
        self._file.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def __enter__(self) -> "ImagePdfWriter":
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        if kind is None:
            self.close()
        else:
            self._file.close()

    def _object(self, number: int, body: bytes, stream: bytes | None = None) -> None:
        self._offsets[number] = self._file.tell()
        self._file.write(f"{number} 0 obj\n".encode())
        self._file.write(body)
        if stream is not None:
            self._file.write(b"\nstream\n")
            self._file.write(stream)
            self._file.write(b"\nendstream")
        self._file.write(b"\nendobj\n")

    def add_jpeg_page(self, jpeg: bytes, width: int, height: int, *, gray: bool,
                      hidden_text: list[tuple[float, float, str, float]] | None = None) -> None:
        """One page showing the JPEG. `hidden_text` (x, y from the top, text, size in points; ASCII) is
        written as an invisible text layer (render mode 3), as scanner software lays its OCR over the image."""
        image, content, page = self._next_id, self._next_id + 1, self._next_id + 2
        self._next_id += 3
        space = "/DeviceGray" if gray else "/DeviceRGB"
        self._object(image, (f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace {space} "
                             f"/BitsPerComponent 8 /Filter /DCTDecode /Length {len(jpeg)} >>").encode(), jpeg)
        # A sideways image keeps its shape: the page is as wide as the picture is.
        page_w, page_h = (PAGE_W, PAGE_H) if height >= width else (PAGE_H, PAGE_W)
        draw = f"q {page_w:.2f} 0 0 {page_h:.2f} 0 0 cm /Im0 Do Q".encode()
        fonts = ""
        if hidden_text:
            draw += b"\nBT 3 Tr" + b"".join(
                f"\n/F1 {size:.1f} Tf 1 0 0 1 {x:.2f} {PAGE_H - y:.2f} Tm ({_pdf_string(text)}) Tj".encode("latin-1")
                for x, y, text, size in hidden_text
            ) + b"\nET"
            fonts = " /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >> >>"
        self._object(content, f"<< /Length {len(draw)} >>".encode(), draw)
        self._object(page, (f"<< /Type /Page /Parent {_PAGES} 0 R /MediaBox [0 0 {page_w:.2f} {page_h:.2f}] "
                            f"/Resources << /XObject << /Im0 {image} 0 R >>{fonts} >> /Contents {content} 0 R >>").encode())
        self._pages.append(page)

    def close(self) -> None:
        kids = " ".join(f"{page} 0 R" for page in self._pages)
        self._object(_PAGES, f"<< /Type /Pages /Kids [{kids}] /Count {len(self._pages)} >>".encode())
        self._object(_CATALOG, f"<< /Type /Catalog /Pages {_PAGES} 0 R >>".encode())
        start = self._file.tell()
        size = self._next_id
        lines = [f"xref\n0 {size}\n", "0000000000 65535 f \n"]
        for number in range(1, size):
            lines.append(f"{self._offsets[number]:010d} 00000 n \n")
        self._file.write("".join(lines).encode())
        self._file.write(f"trailer\n<< /Size {size} /Root {_CATALOG} 0 R >>\nstartxref\n{start}\n%%EOF\n".encode())
        self._file.close()
