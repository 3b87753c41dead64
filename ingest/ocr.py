"""Tesseract inside the process (tesserocr): the models are loaded once per worker, not once per page.

Starting the `tesseract` program and loading `vie+eng` costs about 0.2 s a call, a quarter of a
clean page's reading; a second reading, orientation detection and the stamp's line reads would
pay it again. tesserocr is built against the system's libtesseract (`make install`), so a page
read here gives the very words and confidences the `tesseract` program gives (its own TSV output
is parsed here), and plain Tesseract stays the baseline the readings are measured by.
"""

from __future__ import annotations

import glob
import os
import threading
from dataclasses import dataclass

from PIL import Image

# Parallelism comes from one worker per core; Tesseract's OpenMP threads would only fight over the cores
# (the benchmarks' plain `tesseract` runs with the same limit). OpenMP reads it once, when the library loads.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")
import tesserocr  # noqa: E402

from ingest.errors import OcrFailed

_INSTALL_HINT = "Debian: apt-get install tesseract-ocr tesseract-ocr-vie"
# Where Debian, Alpine and a source build put the models; TESSDATA_PREFIX wins.
_TESSDATA_GLOBS = ("/usr/share/tesseract-ocr/*/tessdata", "/usr/share/tessdata", "/usr/local/share/tessdata")


@dataclass(frozen=True)
class OcrWord:
    text: str
    confidence: float  # 0..100; -1 where Tesseract gives none
    box: tuple[int, int, int, int] = (0, 0, 0, 0)  # left, top, width, height in the image read


LineKey = tuple[int, int, int]  # Tesseract's block, paragraph and line numbers


@dataclass(frozen=True)
class OcrResult:
    text: str
    mean_confidence: float | None  # 0..100 over recognised words
    words: tuple[tuple[LineKey, OcrWord], ...] = ()  # in reading order


@dataclass(frozen=True)
class Orientation:
    rotate: int  # degrees clockwise that make the page upright: 0, 90, 180 or 270
    confidence: float  # Tesseract's orientation confidence; above ~2 it is rarely wrong


def tessdata_path() -> str | None:
    """The folder holding the `.traineddata` models, or None when none is installed."""
    prefix = os.environ.get("TESSDATA_PREFIX")
    if prefix and os.path.isdir(prefix):
        return prefix.rstrip("/") + "/"
    for pattern in _TESSDATA_GLOBS:
        for folder in sorted(glob.glob(pattern), reverse=True):  # the newest Tesseract's folder first
            if glob.glob(os.path.join(folder, "*.traineddata")):
                return folder.rstrip("/") + "/"
    return None


class _Engines(threading.local):
    """One Tesseract instance per (thread, language); a forked worker makes its own, never the parent's."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.by_lang: dict[str, tesserocr.PyTessBaseAPI] = {}

    def get(self, lang: str) -> tesserocr.PyTessBaseAPI:
        if self.pid != os.getpid():
            self.pid, self.by_lang = os.getpid(), {}
        engine = self.by_lang.get(lang)
        if engine is None:
            path = tessdata_path()
            if path is None:
                raise OcrFailed(f"no Tesseract language data is installed ({_INSTALL_HINT})")
            try:
                engine = tesserocr.PyTessBaseAPI(path=path, lang=lang)
            except RuntimeError as exc:
                raise OcrFailed(f"Tesseract could not load the languages {lang!r} from {path} ({_INSTALL_HINT})") from exc
            self.by_lang[lang] = engine
        return engine


_ENGINES = _Engines()


def read_words(image: Image.Image, *, lang: str, psm: int, dpi: float | None = None,
               timeout_s: float = 180.0) -> list[tuple[LineKey, OcrWord]]:
    """The words Tesseract reads on `image`, each with its (block, paragraph, line) key, in reading order."""
    engine = _ENGINES.get(lang)
    engine.SetPageSegMode(psm)
    _set_pixels(engine, image)
    if dpi:
        engine.SetSourceResolution(int(round(dpi)))
    try:
        if not engine.Recognize(timeout=int(timeout_s * 1000)):
            raise OcrFailed(f"OCR timed out after {timeout_s:.0f} s or failed")
        return _parse_tsv(engine.GetTSVText(0))
    finally:
        engine.Clear()  # the page's images and results are freed now, not at the next page


def _set_pixels(engine: tesserocr.PyTessBaseAPI, image: Image.Image) -> None:
    """Raw pixels, as the `tesseract` program gets them from a PPM file: no resolution comes with them, so a
    photo without one has its resolution estimated from the text, not taken as the 96 dpi a BMP would claim."""
    if image.mode == "1":
        image = image.convert("L")
    elif image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    depth = 1 if image.mode == "L" else 3
    try:
        engine.SetImageBytes(image.tobytes(), image.width, image.height, depth, image.width * depth)
    except RuntimeError as exc:
        raise OcrFailed(f"tesseract could not take the page image: {exc}") from exc


def read_lines_in(image: Image.Image, boxes: list[tuple[int, int, int, int]], *, lang: str, dpi: float | None = None,
                  timeout_s: float = 180.0) -> list[OcrResult]:
    """Each box (left, top, width, height) of `image` read as one line of text: the image is handed over once."""
    engine = _ENGINES.get(lang)
    engine.SetPageSegMode(tesserocr.PSM.SINGLE_LINE)
    _set_pixels(engine, image)
    if dpi:
        engine.SetSourceResolution(int(round(dpi)))
    results = []
    try:
        for left, top, width, height in boxes:
            engine.SetRectangle(left, top, width, height)
            if not engine.Recognize(timeout=int(timeout_s * 1000)):
                raise OcrFailed(f"OCR timed out after {timeout_s:.0f} s or failed")
            results.append(assemble(_parse_tsv(engine.GetTSVText(0))))
    finally:
        engine.Clear()
    return results


def _parse_tsv(tsv: str) -> list[tuple[LineKey, OcrWord]]:
    """Tesseract's TSV rows: level, page, block, paragraph, line, word, left, top, width, height, conf, text."""
    words = []
    for row in tsv.splitlines():
        cells = row.split("\t", 11)
        if len(cells) < 12 or cells[0] != "5":  # level 5 = a word
            continue
        box = (int(cells[6]), int(cells[7]), int(cells[8]), int(cells[9]))
        words.append(((int(cells[2]), int(cells[3]), int(cells[4])), OcrWord(cells[11], float(cells[10]), box)))
    return words


class TesseractOcr:
    def __init__(self, lang: str = "vie+eng", *, psm: int = 3, timeout_s: float = 180.0) -> None:
        self.lang = lang
        self.psm = psm
        self.timeout_s = timeout_s

    @staticmethod
    def available() -> bool:
        return tessdata_path() is not None

    def read(self, image: Image.Image, dpi: float | None = None) -> OcrResult:
        return assemble(read_words(image, lang=self.lang, psm=self.psm, dpi=dpi, timeout_s=self.timeout_s))

    def read_lines(self, image: Image.Image, boxes: list[tuple[int, int, int, int]], dpi: float | None = None) -> list[OcrResult]:
        return read_lines_in(image, boxes, lang=self.lang, dpi=dpi, timeout_s=self.timeout_s)

    def orientation(self, image: Image.Image) -> Orientation | None:
        """Tesseract's orientation detection (osd.traineddata): how far to turn the page, or None when unsure."""
        engine = _ENGINES.get("osd")
        engine.SetPageSegMode(tesserocr.PSM.OSD_ONLY)
        _set_pixels(engine, image)
        try:
            found = engine.DetectOrientationScript()
        except RuntimeError:
            return None
        finally:
            engine.Clear()
        if not found:
            return None  # too few characters to tell: the page is read as it stands
        # orient_deg is how far the page was turned clockwise; turning it back is the rest of the circle.
        return Orientation(rotate=(360 - int(found["orient_deg"])) % 360, confidence=float(found["orient_conf"]))


def assemble(words: list[tuple[LineKey, OcrWord]]) -> OcrResult:
    """Rebuild lines from the words' (block, paragraph, line) keys; a blank line between paragraphs."""
    lines: list[str] = []
    current_key = None
    line: list[str] = []
    confidences: list[float] = []
    for key, word in words:
        if key != current_key:
            if line:
                lines.append(" ".join(line))
            if current_key is not None and key[:2] != current_key[:2]:
                lines.append("")
            line, current_key = [], key
        text = word.text.strip()
        if not text:
            continue
        line.append(text)
        if word.confidence >= 0:
            confidences.append(word.confidence)
    if line:
        lines.append(" ".join(line))
    text = "\n".join(lines).strip()
    mean = sum(confidences) / len(confidences) if confidences else None
    return OcrResult(text=text, mean_confidence=mean, words=tuple(words))
