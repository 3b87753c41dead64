import pytest

from ingest.errors import UnsupportedType
from ingest.sniff import JPEG, PDF, PNG, TIFF, sniff


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"%PDF-1.7\n", PDF),
        (b"\xef\xbb\xbfjunk before %PDF-1.4", PDF),
        (b"II*\x00\x08\x00", TIFF),
        (b"MM\x00*\x00\x00", TIFF),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", JPEG),
        (b"\x89PNG\r\n\x1a\n\x00", PNG),
    ],
)
def test_types_come_from_magic_bytes(head, expected):
    assert sniff(head) == expected


@pytest.mark.parametrize("head", [b"", b"PK\x03\x04zip", b"GIF89a", b"<html>", b"hello world, this is text"])
def test_other_content_is_refused_with_a_reason(head):
    with pytest.raises(UnsupportedType, match="empty|unsupported"):
        sniff(head)
