"""Damaged PDFs that a PDF reader opens are read, end to end through `extract`; those it cannot open are refused
with the reason of each attempt. Every file is built here and then damaged the way real files are."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from ingest.errors import CorruptFile, EncryptedFile, LimitExceeded
from ingest.limits import ExtractionLimits
from ingest.pdf import iter_pdf_pages, render_pdf_page
from ingest.pipeline import ExtractionOptions, extract
from tests.conftest import SAMPLE_LINES, image_bytes, render_text_image, require_tesseract, text_pdf
from tests.pdf_bytes import hand_pdf

A4 = b"[0 0 595 842]"
FIRST_PAGE = "Bien ban kiem tra ky thuat xe tang T-54B so hieu KB-15-84 nam 2020"
SECOND_PAGE = "Bien ban ban giao trang bi giua Lu doan 201 va Tieu doan 3 ngay 05/01/2020"
THIRD_PAGE = "Quyet dinh dieu chuyen trang bi ve Kho K60 theo lenh so 125/QD-TCKT"


# --- building PDFs by hand -----------------------------------------------------------------------------------------


def stream(content: bytes, dictionary: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(content), dictionary) + content + b"\nendstream"


def text_content(line: str) -> bytes:
    return stream(b"BT /F1 14 Tf 60 760 Td (" + line.encode("latin-1") + b") Tj ET")


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"


def text_page(parent: int, contents: int, *, font: int, box: bytes = b"/MediaBox " + A4, extra: bytes = b"") -> bytes:
    return (b"<< /Type /Page /Parent %d 0 R %s /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R %s >>"
            % (parent, box, font, contents, extra))


def one_text_page_pdf(line: str = FIRST_PAGE, *, box: bytes = b"/MediaBox " + A4, annots: bytes = b"",
                      extra_objects: list[bytes] = (), catalog_extra: bytes = b"", trailer: bytes = b"") -> bytes:
    """Objects: 1 catalog, 2 pages, 3 page, 4 contents, 5 font, 6… extra_objects."""
    return hand_pdf([b"<< /Type /Catalog /Pages 2 0 R %s >>" % catalog_extra,
                     b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                     text_page(2, 4, font=5, box=box, extra=annots),
                     text_content(line), FONT, *extra_objects], trailer=trailer)


def scan_jpeg(lines: list[str], dpi: int = 200) -> tuple[bytes, int, int]:
    image = render_text_image(lines, dpi=dpi)
    return image_bytes(image, "JPEG", quality=90), image.width, image.height


def image_xobject(jpeg: bytes, width: int, height: int) -> bytes:
    return stream(jpeg, b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
                        b"/BitsPerComponent 8 /Filter /DCTDecode" % (width, height))


def scan_pdf(box: bytes, *, halves: bool = False, annots: bytes = b"", extra_objects: list[bytes] = ()) -> bytes:
    """A scanned A4 page: one JPEG filling the page, or (halves) its top and bottom halves as two images, which is
    not 'one plain scan' and so goes through PDFium's rendering. Objects: 1 catalog, 2 pages, 3 page, 4 contents,
    5 and 6 images, 7… extra_objects."""
    image = render_text_image(SAMPLE_LINES, dpi=200)
    if halves:
        top = image.crop((0, 0, image.width, image.height // 2))
        bottom = image.crop((0, image.height // 2, image.width, image.height))
        images = [image_xobject(image_bytes(part, "JPEG", quality=90), part.width, part.height) for part in (top, bottom)]
        content = b"q 595 0 0 421 0 421 cm /Im0 Do Q q 595 0 0 421 0 0 cm /Im1 Do Q"
        xobjects = b"/Im0 5 0 R /Im1 6 0 R"
    else:
        images = [image_xobject(image_bytes(image, "JPEG", quality=90), image.width, image.height), b"null"]
        content = b"q 595 0 0 842 0 0 cm /Im0 Do Q"
        xobjects = b"/Im0 5 0 R"
    page = b"<< /Type /Page /Parent 2 0 R %s /Resources << /XObject << %s >> >> /Contents 4 0 R %s >>" % (
        box, xobjects, annots)
    return hand_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page,
                     stream(content), *images, *extra_objects])


def without_startxref(data: bytes) -> bytes:
    return data[: data.rfind(b"startxref")]


def pages_of(extraction) -> list[str]:
    return [page.text for page in extraction.pages]


def several_pages_pdf(count: int) -> bytes:
    writer = PdfWriter()
    for _ in range(count):
        writer.append(PdfReader(io.BytesIO(text_pdf(SAMPLE_LINES))))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- broken cross-reference tables and trailers ---------------------------------------------------------------------

def _shift_xref_offsets(data: bytes) -> bytes:
    table = data.rfind(b"\nxref")
    shifted = re.sub(rb"(\d{10}) (\d{5}) n", lambda m: b"%010d %s n" % (int(m.group(1)) + 37, m.group(2)), data[table:])
    return data[:table] + shifted


def _startxref_pointing_nowhere(data: bytes) -> bytes:
    return without_startxref(data) + b"startxref\n999999\n%%EOF\n"


def _trailer_cut_short(data: bytes) -> bytes:
    return data[: data.rfind(b"trailer") + 20]


def _xref_table_overwritten(data: bytes) -> bytes:
    table = data.rfind(b"\nxref")
    trailer = data.rfind(b"trailer")
    return data[:table] + b"\n" + b"garbage in place of the table " * ((trailer - table) // 30) + data[trailer - 1:]


@pytest.mark.parametrize(
    "damage",
    [without_startxref, _shift_xref_offsets, _startxref_pointing_nowhere, _trailer_cut_short, _xref_table_overwritten],
    ids=["no-startxref", "wrong-xref-offsets", "startxref-pointing-nowhere", "trailer-cut-short", "xref-overwritten"],
)
def test_pdf_with_a_broken_xref_or_trailer_is_read_with_its_text_layer(damage):
    data = damage(text_pdf(SAMPLE_LINES))

    extraction = extract(data)

    assert extraction.page_count == 1
    assert extraction.text_source == "text"
    assert "BIÊN BẢN KIỂM TRA KỸ THUẬT" in extraction.text
    assert extraction.value("serial_number") == "KB-15-84"


def test_several_pages_without_startxref_keep_their_count_and_order():
    first = text_pdf(["Trang một: " + FIRST_PAGE])
    second = text_pdf(["Trang hai: " + SECOND_PAGE])
    writer = PdfWriter()
    for part in (first, second):
        writer.append(PdfReader(io.BytesIO(part)))
    out = io.BytesIO()
    writer.write(out)

    extraction = extract(without_startxref(out.getvalue()))

    assert extraction.page_count == 2
    assert "Trang một" in pages_of(extraction)[0] and "Trang hai" in pages_of(extraction)[1]


def test_pdf_cut_off_in_the_middle_is_refused_with_each_attempts_reason():
    data = text_pdf(SAMPLE_LINES)

    with pytest.raises(CorruptFile) as caught:
        extract(data[: len(data) // 2])

    reason = str(caught.value)
    assert "\n" not in reason
    assert "pypdf:" in reason and "qpdf repair:" in reason and "PDFium:" in reason


def test_limits_hold_on_the_repaired_path():
    damaged = without_startxref(several_pages_pdf(3))
    assert extract(damaged).page_count == 3

    with pytest.raises(LimitExceeded, match="3 pages"):
        extract(damaged, ExtractionOptions(limits=ExtractionLimits(max_pages=2)))


def test_pixel_limit_holds_for_a_repaired_scan():
    damaged = without_startxref(scan_pdf(b"/MediaBox " + A4))  # a 1653 × 2338 px scan

    with pytest.raises(LimitExceeded, match="pixels"):
        extract(damaged, ExtractionOptions(limits=ExtractionLimits(max_pixels=1_000_000)))


# --- page trees ------------------------------------------------------------------------------------------------------

def _cyclic_tree_pdf(back_reference: bytes) -> bytes:
    """Root /Pages 2 → [page 3, /Pages 6]; /Pages 6 → [page 7, page 9, back_reference]."""
    return hand_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 3 /MediaBox " + A4 + b" >>",
        text_page(2, 4, font=5, box=b""),  # inherits its MediaBox from the root
        text_content(FIRST_PAGE),
        FONT,
        b"<< /Type /Pages /Parent 2 0 R /Kids [7 0 R 9 0 R " + back_reference + b"] /Count 2 >>",
        text_page(6, 8, font=5, box=b""),
        text_content(SECOND_PAGE),
        text_page(6, 10, font=5, box=b""),
        text_content(THIRD_PAGE),
    ])


@pytest.mark.parametrize("back_reference", [b"2 0 R", b"6 0 R"], ids=["kid-is-the-root", "kid-is-its-own-parent"])
def test_cyclic_page_tree_reads_each_reachable_page_once(back_reference):
    extraction = extract(_cyclic_tree_pdf(back_reference))

    assert extraction.page_count == 3
    texts = pages_of(extraction)
    assert "KB-15-84" in texts[0] and "Tieu doan 3" in texts[1] and "Kho K60" in texts[2]


def test_page_limit_holds_on_a_rebuilt_page_tree():
    with pytest.raises(LimitExceeded):
        extract(_cyclic_tree_pdf(b"2 0 R"), ExtractionOptions(limits=ExtractionLimits(max_pages=2)))


def test_kids_without_array_brackets_and_a_damaged_page_type_still_give_the_page():
    data = hand_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                     b"<< /Type /Pages /Kids 3 0 R /Count 1 >>",
                     text_page(2, 4, font=5).replace(b"/Type /Page", b"/Tpe /Page"),
                     text_content(FIRST_PAGE), FONT])

    extraction = extract(data)

    assert extraction.page_count == 1
    assert "KB-15-84" in extraction.text


def test_page_tree_that_is_only_a_cycle_is_refused():
    data = hand_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                     b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                     b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>"])

    with pytest.raises(CorruptFile, match="no page|none of its"):
        extract(data)


# --- bad bounding boxes ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "box",
    [b"/MediaBox [0 0 0 0]", b"/MediaBox [595 842 0 0]", b"", b"/MediaBox [0 0 595 NaN]", b"/MediaBox [0 0 595]",
     b"/MediaBox [0 0 595 2147483648]"],
    ids=["zero", "inverted", "missing", "nan", "three-numbers", "taller-than-200-inches"],
)
def test_text_page_with_a_bad_mediabox_is_read(box):
    extraction = extract(one_text_page_pdf(box=box))

    assert extraction.page_count == 1
    assert "KB-15-84" in extraction.text


@pytest.mark.parametrize(
    ("box", "expected_dpi"),
    [(b"/MediaBox [0 0 0 0]", None), (b"/MediaBox [0 0 0 0] /CropBox " + A4, 200), (b"/MediaBox [595 842 0 0]", 200),
     (b"/MediaBox [0 0 2 3]", None)],
    ids=["zero-no-cropbox", "zero-with-cropbox", "inverted", "two-points-wide"],
)
def test_scan_page_with_a_bad_mediabox_gets_a_sane_resolution_and_is_ocred(box, expected_dpi):
    require_tesseract()
    data = scan_pdf(box)
    (page,) = iter_pdf_pages(data, ExtractionLimits())
    image, dpi = page.load_image()
    assert image.size == render_text_image(SAMPLE_LINES, dpi=200).size  # the scan itself, not a rendering
    assert (round(dpi) if dpi else None) == expected_dpi

    extraction = extract(data)
    assert extraction.text_source == "ocr"
    assert extraction.value("serial_number") == "KB-15-84"


@pytest.mark.parametrize("box", [b"/MediaBox [0 0 0 0]", b"/MediaBox [595 842 0 0]", b"/MediaBox [0 0 595 2147483648]"],
                         ids=["zero", "inverted", "taller-than-200-inches"])
def test_rendered_page_with_a_bad_mediabox_shows_the_whole_page(box):
    # Two half-page images are not one plain scan, so PDFium renders the page: the top half holds the title and
    # the bottom half the serial and the conclusion, and both must be on the rendered image.
    require_tesseract()
    data = scan_pdf(box, halves=True)
    (page,) = iter_pdf_pages(data, ExtractionLimits())
    image, dpi = page.load_image()
    assert dpi == 300 and abs(image.width - 2480) <= 2 and abs(image.height - 3508) <= 2  # A4, not PDFium's Letter

    extraction = extract(data)

    assert extraction.text_source == "ocr"
    assert "KIỂM TRA" in extraction.text
    assert extraction.value("serial_number") == "KB-15-84"
    assert "Kết luận" in extraction.text


# --- encryption ------------------------------------------------------------------------------------------------------

def _standard_security_entries(user_password: str) -> tuple[bytes, bytes]:
    """/O, /U, /P and /ID of revision-4 standard security for `user_password`, as pypdf computes them."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password=user_password, owner_password="chu-so-huu", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    reader = PdfReader(io.BytesIO(out.getvalue()))
    encrypt = reader.trailer["/Encrypt"]

    def hex_string(value) -> bytes:
        return b"<" + value.original_bytes.hex().encode() + b">"

    permissions = int(encrypt["/P"])
    permissions = permissions - 2**32 if permissions >= 2**31 else permissions
    entries = b"/O %s /U %s /P %d" % (hex_string(encrypt["/O"]), hex_string(encrypt["/U"]), permissions)
    file_id = reader.trailer["/ID"]
    return entries, b"/ID [%s %s]" % (hex_string(file_id[0]), hex_string(file_id[1]))


def _attachment_password_pdf(*, stream_filter: bytes, string_filter: bytes, inline: bool = False) -> bytes:
    """Pages written in clear; a user password set whose crypt filter applies to embedded files (/EFF) only."""
    entries, file_id = _standard_security_entries("mat-khau-tep-dinh-kem")
    encrypt = (b"<< /Filter /Standard /V 4 /R 4 /Length 128 %s /CF << /StdCF << /CFM /AESV2 /AuthEvent /EFOpen "
               b"/Length 16 >> >> /StmF %s /StrF %s /EFF /StdCF >>" % (entries, stream_filter, string_filter))
    if inline:
        return one_text_page_pdf(trailer=b"/Encrypt " + encrypt + b" " + file_id)
    return one_text_page_pdf(extra_objects=[encrypt], trailer=b"/Encrypt 6 0 R " + file_id)


@pytest.mark.parametrize("inline", [False, True], ids=["indirect-encrypt-dictionary", "inline-encrypt-dictionary"])
def test_encryption_of_attachments_only_does_not_stop_reading_the_pages(inline):
    data = _attachment_password_pdf(stream_filter=b"/Identity", string_filter=b"/Identity", inline=inline)
    assert PdfReader(io.BytesIO(data)).is_encrypted

    extraction = extract(data)

    assert extraction.page_count == 1
    assert "KB-15-84" in extraction.text


def test_encryption_whose_stream_filter_is_real_still_needs_the_password():
    data = _attachment_password_pdf(stream_filter=b"/StdCF", string_filter=b"/Identity")

    with pytest.raises(EncryptedFile, match="password"):
        extract(data)


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-128", "AES-256"])
def test_empty_user_password_opens(algorithm):
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(text_pdf(SAMPLE_LINES))))
    writer.encrypt(user_password="", owner_password="chi-huy", algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)

    extraction = extract(out.getvalue())

    assert "BIÊN BẢN KIỂM TRA KỸ THUẬT" in extraction.text


@pytest.mark.parametrize("damaged", [False, True], ids=["intact", "without-startxref"])
def test_a_real_user_password_is_still_refused(damaged):
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(text_pdf(SAMPLE_LINES))))
    writer.encrypt(user_password="mat-khau", owner_password="chi-huy", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    data = without_startxref(out.getvalue()) if damaged else out.getvalue()

    with pytest.raises(EncryptedFile, match="password"):
        extract(data)


def test_pdfium_only_path_enforces_the_page_limit():
    data = _attachment_password_pdf(stream_filter=b"/Identity", string_filter=b"/Identity", inline=True)

    with pytest.raises(LimitExceeded):
        extract(data, ExtractionOptions(limits=ExtractionLimits(max_pages=0)))


# --- annotations -----------------------------------------------------------------------------------------------------

def _utf16_hex(text: str) -> bytes:
    return b"<feff" + text.encode("utf-16-be").hex().encode() + b">"


def test_freetext_annotation_text_reaches_the_page_text():
    note = b"<< /Type /Annot /Subtype /FreeText /Rect [60 600 500 640] /DA (/Helv 12 Tf 0 g) /Contents %s >>" % (
        _utf16_hex("Ghi chú: đã niêm phong ngày 05/01/2020"))

    extraction = extract(one_text_page_pdf(annots=b"/Annots [6 0 R]", extra_objects=[note]))

    assert extraction.text_source == "text"
    assert "KB-15-84" in extraction.text
    assert "đã niêm phong ngày 05/01/2020" in extraction.text


def test_freetext_rich_text_and_form_field_values_reach_the_page_text():
    rich = ('<?xml version="1.0"?><body xmlns="http://www.w3.org/1999/xhtml"><p>Kết luận: đạt cấp chất lượng 2'
            '</p></body>')
    rich_note = b"<< /Type /Annot /Subtype /FreeText /Rect [60 600 500 640] /DA (/Helv 12 Tf 0 g) /RC %s >>" % (
        _utf16_hex(rich))
    field = b"<< /FT /Tx /T (so_hieu) /V %s /Kids [8 0 R] >>" % _utf16_hex("Số xuất xưởng 7741")
    widget = b"<< /Type /Annot /Subtype /Widget /Parent 7 0 R /Rect [60 500 300 520] >>"
    hidden = b"<< /Type /Annot /Subtype /FreeText /F 2 /Rect [60 400 500 440] /Contents (an di khong in) >>"
    data = one_text_page_pdf(annots=b"/Annots [6 0 R 8 0 R 9 0 R]", extra_objects=[rich_note, field, widget, hidden],
                             catalog_extra=b"/AcroForm << /Fields [7 0 R] >>")

    text = extract(data).text

    assert "Kết luận: đạt cấp chất lượng 2" in text
    assert "Số xuất xưởng 7741" in text
    assert "an di khong in" not in text


def test_freetext_on_a_scanned_page_does_not_replace_its_ocr():
    # A long note on a scan must not pass for the page's text layer: the page is still OCRed, and the note,
    # drawn by its appearance stream, is read from the rendered page.
    require_tesseract()
    note_text = b"GHI CHU KIEM TRA LAI NGAY 12/03/2021 BOI TRUNG UY HOANG VAN AN"
    appearance = stream(b"BT /F1 14 Tf 4 8 Td (" + note_text + b") Tj ET",
                        b"/Type /XObject /Subtype /Form /BBox [0 0 540 30] /Resources << /Font << /F1 8 0 R >> >>")
    note = (b"<< /Type /Annot /Subtype /FreeText /Rect [30 20 570 50] /DA (/Helv 14 Tf 0 g) /Contents ("
            + note_text + b") /AP << /N 7 0 R >> >>")
    data = scan_pdf(b"/MediaBox " + A4, annots=b"/Annots [9 0 R]",
                    extra_objects=[appearance, FONT, note])  # objects 7, 8, 9

    extraction = extract(data)

    assert extraction.text_source == "ocr"
    assert extraction.value("serial_number") == "KB-15-84"
    assert "12/03/2021" in extraction.text


# --- viewing ---------------------------------------------------------------------------------------------------------

def test_page_view_of_a_repaired_pdf_renders_what_was_extracted():
    require_tesseract()
    damaged = _trailer_cut_short(scan_pdf(b"/MediaBox [0 0 0 0]", halves=True))  # PDFium alone cannot open it
    image, dpi = render_pdf_page(damaged, 1, dpi=100, max_pixels=50_000_000)

    assert dpi == 100 and abs(image.width - 827) <= 2 and abs(image.height - 1169) <= 2  # A4 at 100 dpi
    assert extract(damaged).value("serial_number") == "KB-15-84"


def test_byte_limit_holds_for_the_repaired_copy():
    # extract() checks the original's size before parsing; the copy qpdf writes must pass the same limit.
    damaged = without_startxref(text_pdf(SAMPLE_LINES))

    with pytest.raises(LimitExceeded, match="repaired copy"):
        next(iter_pdf_pages(damaged, ExtractionLimits(max_bytes=len(damaged) // 2)))


def test_a_mediabox_inherited_from_the_page_tree_is_kept():
    # Many producers put the MediaBox on /Pages only; that box is valid and must not fall back to A4.
    data = hand_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                     b"<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 842 595] >>",
                     text_page(2, 4, font=5, box=b""), text_content(FIRST_PAGE), FONT])

    (page,) = iter_pdf_pages(data, ExtractionLimits())
    image, dpi = page.load_image()

    assert dpi == 300 and abs(image.width - 3508) <= 2 and abs(image.height - 2480) <= 2  # A4 landscape


@pytest.mark.parametrize("damaged", [
    lambda: _cyclic_tree_pdf(b"2 0 R"),
    lambda: hand_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids 3 0 R /Count 1 >>",
                      text_page(2, 4, font=5).replace(b"/Type /Page", b"/Tpe /Page"), text_content(FIRST_PAGE), FONT]),
], ids=["cyclic-tree", "damaged-page-type"])
def test_every_page_read_from_a_repaired_pdf_can_be_viewed(damaged):
    from archive.page_images import render_page_png

    data = damaged()
    extraction = extract(data)
    for number in range(1, extraction.page_count + 1):
        png = render_page_png(data, "application/pdf", number, width=400)
        assert 380 <= Image.open(io.BytesIO(png)).width <= 400
