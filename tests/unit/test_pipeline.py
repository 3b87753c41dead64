"""The extraction pipeline on real inputs: text layers, OCR, limits and hostile bytes."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from ingest.errors import CorruptFile, EncryptedFile, LimitExceeded, TooLarge, UnsupportedType
from ingest.limits import ExtractionLimits
from ingest.pipeline import ExtractionOptions, extract
from ingest.preprocess import NO_PREPROCESSING, PreprocessOptions, prepare_for_ocr
from tests.conftest import FONT, SAMPLE_LINES, image_bytes, render_text_image, require_tesseract, text_pdf


def test_text_pdf_uses_its_text_layer_and_keeps_diacritics():
    extraction = extract(text_pdf(SAMPLE_LINES))
    assert extraction.text_source == "text"
    assert extraction.page_count == 1
    assert "BIÊN BẢN KIỂM TRA KỸ THUẬT" in extraction.text
    assert extraction.value("serial_number") == "KB-15-84"
    assert extraction.value("doc_type") == "inspection"


def test_scanned_tiff_is_ocred_in_vietnamese():
    require_tesseract()
    data = image_bytes(render_text_image(SAMPLE_LINES, dpi=300), "TIFF", dpi=(300, 300), compression="tiff_lzw")
    extraction = extract(data)
    assert extraction.text_source == "ocr"
    assert extraction.pages[0].ocr_confidence and extraction.pages[0].ocr_confidence > 60
    assert "KIỂM TRA" in extraction.text
    assert extraction.value("serial_number") == "KB-15-84"
    assert extraction.value("document_date") == "2020-01-05"
    assert extraction.pages[0].reading == "plain"  # a clean scan is read once, as it is


def test_plain_reading_option_reads_the_page_as_is():
    require_tesseract()
    data = image_bytes(render_text_image(SAMPLE_LINES, dpi=300), "PNG", dpi=(300, 300))
    extraction = extract(data, ExtractionOptions(reading="plain"))
    assert extraction.pages[0].reading == "plain"
    assert extraction.value("serial_number") == "KB-15-84"


def test_a_fixed_preprocessing_is_still_applied_to_every_page():
    require_tesseract()
    data = image_bytes(render_text_image(SAMPLE_LINES, dpi=300), "PNG", dpi=(300, 300))
    extraction = extract(data, ExtractionOptions(preprocess=PreprocessOptions()))
    assert extraction.pages[0].reading == PreprocessOptions().label()
    assert extraction.value("serial_number") == "KB-15-84"


def test_multi_page_tiff_gives_one_page_each():
    require_tesseract()
    first = render_text_image(SAMPLE_LINES[:5], dpi=150)
    second = render_text_image(["Trang hai", "Số hiệu: KB-15-84"], dpi=150)
    out = io.BytesIO()
    first.save(out, format="TIFF", save_all=True, append_images=[second], dpi=(150, 150))
    extraction = extract(out.getvalue())
    assert extraction.page_count == 2
    assert [p.number for p in extraction.pages] == [1, 2]
    assert "hai" in extraction.pages[1].text


def test_red_seal_step_whitens_the_seal():
    page = render_text_image(SAMPLE_LINES, dpi=200)
    draw = ImageDraw.Draw(page)
    draw.ellipse((100, 300, 900, 900), fill=(220, 30, 30))
    cleaned, _ = prepare_for_ocr(page, 200, PreprocessOptions(upscale_below_dpi=0))
    plain, _ = prepare_for_ocr(page, 200, NO_PREPROCESSING)
    seal_area = (300, 500, 400, 600)  # inside the seal, away from text
    assert cleaned.crop(seal_area).getextrema()[0] > 200  # seal gone: paper white
    assert plain.crop(seal_area).getextrema()[1] < 150  # without the step it stays dark


def test_upscale_step_brings_low_dpi_pages_to_300():
    page = render_text_image(["x"], dpi=150)
    prepared, dpi = prepare_for_ocr(page, 150, PreprocessOptions())
    assert dpi == 300
    assert prepared.width == page.width * 2


def test_adaptive_binarisation_keeps_ink_on_uneven_paper():
    gradient = Image.linear_gradient("L").resize((600, 600)).point(lambda v: 120 + v // 2)
    draw = ImageDraw.Draw(gradient)
    draw.rectangle((280, 280, 300, 300), fill=40)
    out, _ = prepare_for_ocr(gradient, 300, PreprocessOptions(adaptive_binarize=True))
    assert out.getpixel((290, 290)) == 0
    assert out.getpixel((50, 50)) == 255 and out.getpixel((550, 550)) == 255


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", UnsupportedType),
        (b"GIF89a\x01\x00\x01\x00", UnsupportedType),
        (b"%PDF-1.4\n1 0 obj\n<<", CorruptFile),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, CorruptFile),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 10, CorruptFile),
        (b"II*\x00" + b"\xff" * 30, CorruptFile),
    ],
)
def test_broken_files_fail_with_a_reason(data, error):
    with pytest.raises(error) as caught:
        extract(data)
    assert str(caught.value)


def test_truncated_pdf_fails_cleanly():
    data = text_pdf(SAMPLE_LINES)
    with pytest.raises(CorruptFile):
        extract(data[: len(data) // 3])


def test_size_limit():
    with pytest.raises(TooLarge, match="limit"):
        extract(b"%PDF-" + b"0" * 2000, ExtractionOptions(limits=ExtractionLimits(max_bytes=1000)))


def test_decompression_bomb_png_is_refused_before_decoding():
    # 25000 × 25000 bilevel pixels: about 100 KiB as PNG, 625 million pixels once decoded.
    bomb = image_bytes(Image.new("1", (25_000, 25_000)), "PNG")
    assert len(bomb) < 1_000_000
    with pytest.raises(LimitExceeded, match="too large|limit"):
        extract(bomb)


def test_page_limit_refuses_huge_page_counts():
    pages = [render_text_image(["x"], dpi=30) for _ in range(5)]
    out = io.BytesIO()
    pages[0].save(out, format="TIFF", save_all=True, append_images=pages[1:])
    with pytest.raises(LimitExceeded, match="5 pages"):
        extract(out.getvalue(), ExtractionOptions(limits=ExtractionLimits(max_pages=3)))


def test_encrypted_pdf_is_reported_as_such(tmp_path):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(text_pdf(SAMPLE_LINES))))
    writer.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(EncryptedFile, match="password"):
        extract(out.getvalue())


def test_despeckle_removes_isolated_dust_but_keeps_letters_and_their_marks():
    from ingest.preprocess import despeckle

    page = render_text_image(["Số hiệu: KB-15-84, ngày"], dpi=300, size=(1400, 400))
    gray = page.convert("L")
    draw = ImageDraw.Draw(gray)
    dust = [(100 + 97 * i, 40 + (i % 3) * 15) for i in range(12)] + [(1300, 350), (60, 380)]
    for x, y in dust:
        draw.rectangle((x, y, x + 1, y + 1), fill=0)
    cleaned = despeckle(gray, 300)
    assert all(cleaned.getpixel((x, y)) == 255 for x, y in dust)
    before_ink = sum(1 for v in gray.crop((150, 180, 1300, 300)).tobytes() if v < 128)
    after_ink = sum(1 for v in cleaned.crop((150, 180, 1300, 300)).tobytes() if v < 128)
    assert after_ink >= before_ink * 0.99  # the text line, dots below and marks above included


# --- text layers are judged, not trusted --------------------------------------------------------------------

JUNK_LAYER = [
    "CONG Hcok xA HQI CHiJ NGHiA VIET NAM",
    "Doc lap - Tu do - Hanh phuc",
    "BIEN BAN KIEM TRA KY THUAT",
    "Ten trang bi: Xe tang T-54B",
    "So hieu: KB-15-84",
    "Don vi quan ly: Tieu doan 3, Lu doan 201",
    "Ket luan: dat cap chat luong 2",
]


def scan_pdf_with_layer(page: Image.Image, layer_lines: list[str], *, visible: bool = False, pages: int = 1) -> bytes:
    """A scanned page with a scanner-made text layer (invisible text over the image), as OCR-ing scanners write it."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("DejaVuSans", str(FONT)))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    for _ in range(pages):
        pdf.drawImage(ImageReader(page), 0, 0, width=A4[0], height=A4[1])
        text = pdf.beginText(60, 780)
        text.setFont("DejaVuSans", 11)
        text.setTextRenderMode(0 if visible else 3)
        for line in layer_lines:
            text.textLine(line)
        pdf.drawText(text)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def test_unaccented_junk_text_layer_is_ocred_instead():
    require_tesseract()
    data = scan_pdf_with_layer(render_text_image(SAMPLE_LINES, dpi=200), JUNK_LAYER)
    from pypdf import PdfReader

    assert "Hcok" in PdfReader(io.BytesIO(data)).pages[0].extract_text()  # the junk layer is really there
    extraction = extract(data)
    assert extraction.text_source == "ocr"
    assert "KIỂM TRA" in extraction.text and "Hcok" not in extraction.text
    assert extraction.value("serial_number") == "KB-15-84"


def test_plausible_english_text_layer_is_trusted_without_ocr():
    english = [
        "Technical inspection report of the vehicle",
        "The serial number of the engine and the model were checked.",
        "The condition of the equipment is good and the unit keeps it in service.",
    ]
    # The page image is blank: had the layer been OCRed, the text would be lost.
    data = scan_pdf_with_layer(Image.new("RGB", (1654, 2339), "white"), english)
    extraction = extract(data)
    assert extraction.text_source == "text"
    assert "serial number of the engine" in extraction.text


def test_accented_vietnamese_text_layer_is_trusted_without_ocr():
    data = scan_pdf_with_layer(Image.new("RGB", (1654, 2339), "white"), SAMPLE_LINES)
    extraction = extract(data)
    assert extraction.text_source == "text"
    assert extraction.value("serial_number") == "KB-15-84"


# A German textbook's page of formulas: not plausible Vietnamese, and no OCR reads it better.
FORMULA_LAYER = [
    "Satz 3.2 (Zerlegung). Sei f: X → Y stetig, dann gilt f(A ∪ B) = f(A) ∪ f(B) für A, B ⊂ X.",
    "Beweis: Für x ∈ A ∪ B ist f(x) ∈ f(A) ∪ f(B); ∀ε>0 ∃δ>0 mit |x−y|<δ ⇒ |f(x)−f(y)|<ε.",
    "Übung 3.7: Man zeige ∫₀¹ g(t) dt ≤ ‖g‖∞ und bestimme die Topologie von ℝⁿ.",
]


def test_a_document_whose_doubtful_layers_keep_beating_ocr_has_the_rest_trusted():
    require_tesseract()
    from ingest.limits import ExtractionLimits
    from ingest.ocr import OcrResult, TesseractOcr
    from ingest.pdf import iter_pdf_pages
    from ingest.pipeline import DOUBTFUL_LAYER_TRIALS, LayerVerdicts, TRUSTED_LAYER_SCORE, read_page
    from ingest.plausibility import measure

    class CountingOcr(TesseractOcr):
        passes = 0

        def read(self, image, dpi=None) -> OcrResult:
            CountingOcr.passes += 1
            return super().read(image, dpi)

    assert measure(" ".join(FORMULA_LAYER)).score < TRUSTED_LAYER_SCORE  # the layer is doubtful indeed
    data = scan_pdf_with_layer(Image.new("RGB", (1240, 1754), "white"), FORMULA_LAYER, pages=5)
    verdicts = LayerVerdicts()
    pages = [read_page(source, CountingOcr(), ExtractionOptions(), verdicts)
             for source in iter_pdf_pages(data, ExtractionLimits())]
    assert [page.source for page in pages] == ["text"] * 5 and "Topologie" in pages[4].text
    assert 1 <= CountingOcr.passes <= 2 * DOUBTFUL_LAYER_TRIALS  # the blank image was read for the first pages only
    assert verdicts.did_not_help == DOUBTFUL_LAYER_TRIALS and verdicts.helped == 0


def test_a_document_where_ocr_once_read_plausible_text_keeps_ocring_doubtful_layers():
    from ingest.pipeline import DOUBTFUL_LAYER_TRIALS, LayerVerdicts

    verdicts = LayerVerdicts()
    for _ in range(DOUBTFUL_LAYER_TRIALS):
        verdicts.record(0.3)  # OCR read nothing plausible either
    assert verdicts.trust_doubtful()
    verdicts.record(0.95)  # but here OCR read fluent text where the layer was debris
    assert not verdicts.trust_doubtful()
    assert not LayerVerdicts(did_not_help=DOUBTFUL_LAYER_TRIALS - 1).trust_doubtful()
