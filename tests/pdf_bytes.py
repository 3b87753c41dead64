"""PDF files written byte by byte, so a test can damage exactly the part it means to."""

from __future__ import annotations


def hand_pdf(objects: list[bytes], *, trailer: bytes = b"", header: bytes = b"%PDF-1.6") -> bytes:
    """A PDF with a correct cross-reference table; objects are numbered from 1 and the first is the catalog."""
    out = bytearray(header + b"\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, xref)
    return bytes(out)
