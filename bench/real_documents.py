"""Real Vietnamese text with known wording, imaged as the archive receives paper: the CER benchmark's pages.

Real text, synthetic imaging. The wording is the official text of Decree 30/2020/NĐ-CP on
clerical work (public domain: legal normative documents are not protected by copyright under
Article 15 of the Law on Intellectual Property); see bench/real/SOURCES.md. Each page of text
is drawn with Pillow on an A4 sheet and then degraded the way archive scans arrive: a clean
300-dpi scan, a faded 150-dpi photocopy, a blurred phone photo with no resolution in the
file, a fax-style bilevel TIFF and a colour scan with a red seal over the text. Everything is deterministic (seeded), so two runs compare
the same pixels.

Parts: `tuning` (Chapters I–II) may be looked at while tuning the reader; `held_out`
(Chapters III–IV) is only for reporting. Never tune on a held-out page.
"""

from __future__ import annotations

import io
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

REAL = Path(__file__).resolve().parent / "real"
MANIFEST = REAL / "manifest.json"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
A4_INCHES = (8.27, 11.69)


@dataclass(frozen=True)
class RealPage:
    name: str            # "<text>__<imaging>"
    part: str            # "tuning" | "held_out"
    imaging: str         # one of IMAGINGS
    path: Path           # the page image as the archive would receive it
    truth: str           # the printed wording (ground truth)


def load_manifest() -> dict:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def _font(size_px: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / ("DejaVuSerif-Bold.ttf" if bold else "DejaVuSerif.ttf")), size_px)


def _wrap(draw: ImageDraw.ImageDraw, paragraph: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in paragraph.split():
        candidate = f"{current} {word}".strip()
        if current and draw.textlength(candidate, font=font) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def _is_heading(paragraph: str) -> bool:
    # Titles, chapter lines and article headings are printed bold, as in the gazette.
    return paragraph.isupper() or paragraph.startswith(("Điều ", "Chương ")) or len(paragraph) < 40


def render_clean(text: str, dpi: int) -> Image.Image:
    """The page as printed: A4, 13 pt DejaVu Serif body, 25/20 mm margins, white paper."""
    width, height = round(A4_INCHES[0] * dpi), round(A4_INCHES[1] * dpi)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    mm = dpi / 25.4
    left, right, top = round(30 * mm), round(20 * mm), round(20 * mm)
    body, bold = _font(round(13 / 72 * dpi)), _font(round(13 / 72 * dpi), bold=True)
    leading = round(13 / 72 * dpi * 1.45)
    y = top
    for paragraph in (p.strip() for p in text.splitlines()):
        if not paragraph:
            continue
        font = bold if _is_heading(paragraph) else body
        for line in _wrap(draw, paragraph, font, width - left - right):
            draw.text((left, y), line, font=font, fill=0)
            y += leading
        y += leading // 4
    return page


def _paper_noise(gray: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    return gray + rng.normal(0, sigma, gray.shape)


def _to_image(values: np.ndarray) -> Image.Image:
    return Image.fromarray(np.clip(values, 0, 255).astype(np.uint8), "L")


def clean_scan_300(text: str, seed: int) -> tuple[bytes, str]:
    """A good flatbed scan: 300 dpi, a hair of skew and sensor noise."""
    rng = np.random.default_rng(seed)
    page = render_clean(text, 300).rotate(float(rng.uniform(-0.4, 0.4)), resample=Image.BICUBIC, fillcolor=255)
    noisy = _to_image(_paper_noise(np.asarray(page, dtype=np.float32) * 0.94 + 8, rng, 4))
    return _png(noisy, 300), "png"


def faded_copy_150(text: str, seed: int) -> tuple[bytes, str]:
    """A photocopy of a copy scanned at 150 dpi: grey ink, dusty specks, a copier streak."""
    rng = np.random.default_rng(seed)
    page = render_clean(text, 300).rotate(float(rng.uniform(-0.8, 0.8)), resample=Image.BICUBIC, fillcolor=255)
    page = page.filter(ImageFilter.GaussianBlur(0.8)).resize((round(A4_INCHES[0] * 150), round(A4_INCHES[1] * 150)),
                                                             Image.LANCZOS)
    gray = np.asarray(page, dtype=np.float32)
    faded = 120 + gray * (110 / 255)  # ink at ~120, paper at ~230
    faded = _paper_noise(faded, rng, 6)
    specks = rng.random(faded.shape) < 0.0015
    faded[specks] = rng.uniform(60, 140, specks.sum())
    streak = int(rng.integers(faded.shape[1] // 5, faded.shape[1] * 4 // 5))
    faded[:, streak:streak + 2] -= 45
    return _png(_to_image(faded), 150), "png"


def phone_photo(text: str, seed: int) -> tuple[bytes, str]:
    """A hand-held phone photo: soft focus, uneven light, a slight tilt, JPEG, no dpi in the file."""
    rng = np.random.default_rng(seed)
    page = render_clean(text, 300).rotate(float(rng.uniform(-2.0, 2.0)), resample=Image.BICUBIC, expand=True,
                                          fillcolor=200)
    page = page.resize((round(page.width * 0.62), round(page.height * 0.62)), Image.LANCZOS)  # ~186 px per inch
    page = page.filter(ImageFilter.GaussianBlur(float(rng.uniform(1.0, 1.4))))
    gray = np.asarray(page, dtype=np.float32)
    rows, cols = np.mgrid[0:gray.shape[0], 0:gray.shape[1]]
    light = 0.78 + 0.22 * (cols / gray.shape[1]) * (0.6 + 0.4 * rows / gray.shape[0])  # a shadow from one corner
    shot = _paper_noise(gray * light + 10, rng, 5)
    buffer = io.BytesIO()
    _to_image(shot).save(buffer, "JPEG", quality=72)  # no dpi: phones do not write one that means anything
    return buffer.getvalue(), "jpg"


def fax_bilevel(text: str, seed: int) -> tuple[bytes, str]:
    """A fax-style bilevel page: 200 dpi, hard threshold over noise, CCITT G4 TIFF."""
    rng = np.random.default_rng(seed)
    page = render_clean(text, 200).rotate(float(rng.uniform(-0.6, 0.6)), resample=Image.BICUBIC, fillcolor=255)
    gray = _paper_noise(np.asarray(page.filter(ImageFilter.GaussianBlur(0.5)), dtype=np.float32), rng, 22)
    bilevel = _to_image(np.where(gray > 150, 255, 0)).convert("1")
    buffer = io.BytesIO()
    bilevel.save(buffer, "TIFF", compression="group4", dpi=(200, 200))
    return buffer.getvalue(), "tif"


def stamped_scan_200(text: str, seed: int) -> tuple[bytes, str]:
    """A colour scan at 200 dpi with a round red unit seal pressed over the text, as on signed letters.

    The seal's own words are not part of the truth: they are not the document's text."""
    rng = np.random.default_rng(seed)
    page = render_clean(text, 200).convert("RGB")
    seal = Image.new("RGB", page.size, (255, 255, 255))
    draw = ImageDraw.Draw(seal)
    mm = 200 / 25.4
    cx = int(rng.uniform(0.35, 0.65) * page.width)
    cy = int(rng.uniform(0.12, 0.35) * page.height)  # over the body text, where it hurts
    red = (205, 40, 45)
    for radius, width in ((19 * mm, 5), (13 * mm, 3)):
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=red, width=width)
    draw.regular_polygon((cx, cy, 4 * mm), 5, fill=red)
    label = _font(round(9 / 72 * 200), bold=True)
    draw.text((cx, cy + 8 * mm), "VĂN THƯ", font=label, fill=red, anchor="mm")
    # Ink on ink: the darker of page and seal in each channel, as a stamp over print looks.
    inked = np.minimum(np.asarray(page, dtype=np.float32), np.asarray(seal, dtype=np.float32))
    inked = inked * 0.93 + 10 + rng.normal(0, 4, inked.shape)
    image = Image.fromarray(np.clip(inked, 0, 255).astype(np.uint8), "RGB").filter(ImageFilter.GaussianBlur(0.5))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", dpi=(200, 200))
    return buffer.getvalue(), "png"


def _png(image: Image.Image, dpi: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", dpi=(dpi, dpi))
    return buffer.getvalue()


IMAGINGS: dict[str, Callable[[str, int], tuple[bytes, str]]] = {
    "clean_300": clean_scan_300,
    "faded_copy_150": faded_copy_150,
    "phone_photo_no_dpi": phone_photo,
    "fax_bilevel_200": fax_bilevel,
    "stamped_scan_200": stamped_scan_200,
}


def degrade_image(image: Image.Image, dpi: float | None, imaging: str, seed: int) -> tuple[Image.Image, int | None]:
    """Degrade an existing page image (throughput bench): same recipes as above, on any page.

    Returns the degraded image and the dpi to write (None: write none)."""
    rng = np.random.default_rng(seed)
    gray = image.convert("L")
    dpi = dpi or 300
    if imaging == "faded_copy_150":
        small = gray.filter(ImageFilter.GaussianBlur(0.8 * dpi / 300)).resize(
            (round(gray.width * 150 / dpi), round(gray.height * 150 / dpi)), Image.LANCZOS)
        values = _paper_noise(120 + np.asarray(small, dtype=np.float32) * (110 / 255), rng, 6)
        specks = rng.random(values.shape) < 0.0015
        values[specks] = rng.uniform(60, 140, specks.sum())
        return _to_image(values), 150
    if imaging == "phone_photo_no_dpi":
        tilted = gray.rotate(float(rng.uniform(-2.0, 2.0)), resample=Image.BICUBIC, expand=True, fillcolor=200)
        scale = 186 / dpi
        shot = tilted.resize((round(tilted.width * scale), round(tilted.height * scale)), Image.LANCZOS)
        shot = shot.filter(ImageFilter.GaussianBlur(float(rng.uniform(1.0, 1.4))))
        values = np.asarray(shot, dtype=np.float32)
        cols = np.arange(values.shape[1])[None, :] / values.shape[1]
        return _to_image(_paper_noise(values * (0.78 + 0.22 * cols) + 10, rng, 5)), None
    raise ValueError(f"unknown imaging for degrade_image: {imaging}")


def prepare(target: Path, parts: tuple[str, ...] = ("tuning", "held_out")) -> list[RealPage]:
    """Write every page of the manifest under `target` (deterministic) and return them in manifest order."""
    manifest = load_manifest()
    pages: list[RealPage] = []
    for entry in manifest["texts"]:
        if entry["part"] not in parts:
            continue
        text = (REAL / "texts" / entry["file"]).read_text(encoding="utf-8")
        stem = Path(entry["file"]).stem
        for imaging in entry["imagings"]:
            seed = random.Random(f"{stem}/{imaging}").randrange(2**32)
            data, extension = IMAGINGS[imaging](text, seed)
            folder = target / entry["part"]
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{stem}__{imaging}.{extension}"
            if not path.exists() or path.read_bytes() != data:
                path.write_bytes(data)
            pages.append(RealPage(name=f"{stem}__{imaging}", part=entry["part"], imaging=imaging, path=path, truth=text))
    return pages
