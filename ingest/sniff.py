"""File type from magic bytes, never from the extension."""

from __future__ import annotations

from ingest.errors import UnsupportedType

PDF = "application/pdf"
TIFF = "image/tiff"
JPEG = "image/jpeg"
PNG = "image/png"
SUPPORTED = (PDF, TIFF, JPEG, PNG)

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
    (b"II+\x00", TIFF),  # BigTIFF
    (b"MM\x00+", TIFF),
)


def sniff(head: bytes) -> str:
    """Content type of a file from its first bytes; raises UnsupportedType."""
    if not head:
        raise UnsupportedType("empty file")
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    # PDF readers accept the header anywhere in the first KiB (some scanners prepend junk).
    if b"%PDF-" in head[:1024]:
        return PDF
    raise UnsupportedType(f"unsupported file type (starts with {head[:8].hex(' ')}); expected PDF, TIFF, JPEG or PNG")
