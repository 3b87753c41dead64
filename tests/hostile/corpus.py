"""A corpus of hostile and malformed inputs, built fresh for each test run (nothing binary in git).

Each entry names the file and what a clerk should be told about it. `build(folder)` writes them
all and returns {file name: words the failure reason must contain}.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from pathlib import Path

from pypdf import PdfWriter

from tests.conftest import DOSSIER_KB_15_84, text_pdf
from tests.pdf_bytes import hand_pdf


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width × height pixels and holds almost none: a decompression bomb's shape."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + chunk(b"IEND", b"")


def _tiff_giant(width: int, height: int) -> bytes:
    """A little-endian TIFF header with one IFD claiming a giant strip image."""
    entries = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
               (273, 4, 1, 8), (277, 3, 1, 1), (278, 4, 1, height), (279, 4, 1, 16)]
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", *entry) for entry in entries) + b"\0\0\0\0"
    return b"II*\x00" + struct.pack("<I", 8 + 16) + b"\0" * 16 + ifd


def _huge_page_count(pages: int = 50_000) -> bytes:
    """A page tree listing one blank page fifty thousand times: tiny file, enormous document."""
    kids = b" ".join([b"3 0 R"] * pages)
    return hand_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                 b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"])


def _deeply_nested(depth: int = 100_000) -> bytes:
    return hand_pdf([b"<< /Type /Catalog /Pages 2 0 R /Nest " + b"[" * depth + b"]" * depth + b" >>",
                 b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"])


def _page_tree_dag(depth: int = 40) -> bytes:
    """Each /Pages node lists the next one twice: 40 small objects, 2^40 paths to one blank page."""
    nodes = [b"<< /Type /Pages /Kids [%d 0 R %d 0 R] /Count %d >>" % (level + 3, level + 3, 2 ** (depth - level))
             for level in range(depth)]
    return hand_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", *nodes, b"<< /Type /Page /MediaBox [0 0 595 842] >>"])


def _page_tree_only_a_cycle() -> bytes:
    """A page tree whose one kid points back at the root: no page to read, and no walk may loop on it."""
    return hand_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                 b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>"])


def _encrypted() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password="mat-khau", owner_password="chi-huy", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _zip(members: dict[str, bytes], *, compress: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compress) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def build(folder: Path) -> dict[str, tuple[str, ...]]:
    """Write the corpus; returns file name → words one of which the recorded reason must contain."""
    folder.mkdir(parents=True, exist_ok=True)
    valid = text_pdf(DOSSIER_KB_15_84["logbook.pdf"])
    files: dict[str, tuple[bytes, tuple[str, ...]]] = {
        "truncated.pdf": (valid[: len(valid) // 2], ("unreadable", "corrupt", "truncated")),
        "random-bytes.pdf": (os.urandom(64 * 1024), ("unsupported", "not a", "unknown")),
        "empty.pdf": (b"", ("empty",)),
        "notes-named-as.tif": ("Biên bản viết tay, không phải ảnh".encode(), ("unsupported", "not a", "unknown")),
        "huge-page-count.pdf": (_huge_page_count(), ("pages", "limit")),
        "deep-nesting.pdf": (_deeply_nested(), ("unreadable", "corrupt", "nest", "recursion")),
        "bomb.png": (_png_header_only(60_000, 60_000), ("pixels", "limit", "bomb")),
        "giant.tif": (_tiff_giant(200_000, 200_000), ("pixels", "limit", "bomb")),
        "encrypted.pdf": (_encrypted(), ("encrypted", "password")),
        "page-tree-dag.pdf": (_page_tree_dag(), ("pages", "limit")),
        "page-tree-cycle.pdf": (_page_tree_only_a_cycle(), ("unreadable", "no page", "none of its")),
        "zip-slip.zip": (_zip({"../../etc/cron.d/evil.pdf": valid}), ("unsafe", "path")),
        "zip-bomb.zip": (_zip({"zeros.pdf": b"\0" * (80 * 1024 * 1024)}), ("zip bomb", "expands")),
    }
    for name, (data, _) in files.items():
        (folder / name).write_bytes(data)
    return {name: words for name, (_, words) in files.items()}
