"""Tesseract through pytesseract: one call per page returns both the text and word confidences."""

from __future__ import annotations

import shutil
from dataclasses import dataclass

import pytesseract
from PIL import Image

from ingest.errors import OcrFailed


@dataclass(frozen=True)
class OcrResult:
    text: str
    mean_confidence: float | None  # 0..100 over recognised words


@dataclass(frozen=True)
class Orientation:
    rotate: int  # degrees clockwise that make the page upright: 0, 90, 180 or 270
    confidence: float  # Tesseract's orientation confidence; above ~2 it is rarely wrong


class TesseractOcr:
    def __init__(self, lang: str = "vie+eng", *, psm: int = 3, timeout_s: float = 180.0) -> None:
        self.lang = lang
        self.psm = psm
        self.timeout_s = timeout_s

    @staticmethod
    def available() -> bool:
        return shutil.which("tesseract") is not None

    def read(self, image: Image.Image, dpi: float | None = None) -> OcrResult:
        config = f"--psm {self.psm}"
        if dpi:
            config += f" --dpi {int(round(dpi))}"
        if image.mode not in ("1", "L", "RGB"):
            image = image.convert("RGB")
        # Netpbm hands the pixels over raw: encoding a 300-dpi page as PNG would cost a tenth of the OCR time.
        image.format = "PPM"
        try:
            data = pytesseract.image_to_data(
                image, lang=self.lang, config=config, timeout=self.timeout_s, output_type=pytesseract.Output.DICT
            )
        except pytesseract.TesseractNotFoundError as exc:
            raise OcrFailed("tesseract is not installed (Debian: apt-get install tesseract-ocr tesseract-ocr-vie)") from exc
        except pytesseract.TesseractError as exc:  # a RuntimeError too: caught first
            raise OcrFailed(f"tesseract failed: {exc.message or exc}") from exc
        except RuntimeError as exc:  # pytesseract signals its timeout this way
            raise OcrFailed(f"OCR timed out after {self.timeout_s:.0f} s") from exc
        return _assemble(data)

    def orientation(self, image: Image.Image) -> Orientation | None:
        """Tesseract's orientation detection (osd.traineddata): how far to turn the page, or None when unsure."""
        image.format = "PPM"
        try:
            found = pytesseract.image_to_osd(
                image, config="--psm 0", timeout=self.timeout_s, output_type=pytesseract.Output.DICT
            )
        except pytesseract.TesseractNotFoundError as exc:
            raise OcrFailed("tesseract is not installed (Debian: apt-get install tesseract-ocr tesseract-ocr-vie)") from exc
        except pytesseract.TesseractError:  # a RuntimeError too: caught first
            return None  # too few characters to tell: the page is read as it stands
        except RuntimeError as exc:
            raise OcrFailed(f"orientation detection timed out after {self.timeout_s:.0f} s") from exc
        return Orientation(rotate=int(found.get("rotate", 0)) % 360, confidence=float(found.get("orientation_conf", 0)))


def _assemble(data: dict[str, list]) -> OcrResult:
    """Rebuild lines from Tesseract's word table (block, paragraph, line numbers)."""
    lines: list[str] = []
    current_key = None
    words: list[str] = []
    confidences: list[float] = []
    for i, word in enumerate(data["text"]):
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        if key != current_key:
            if words:
                lines.append(" ".join(words))
            if current_key is not None and key[:2] != current_key[:2]:
                lines.append("")
            words, current_key = [], key
        word = (word or "").strip()
        if not word:
            continue
        words.append(word)
        conf = float(data["conf"][i])
        if conf >= 0:
            confidences.append(conf)
    if words:
        lines.append(" ".join(words))
    text = "\n".join(lines).strip()
    mean = sum(confidences) / len(confidences) if confidences else None
    return OcrResult(text=text, mean_confidence=mean)
