"""Scanned pages: the layout drawn with Pillow at a scanner's resolution, then aged.

A page goes through the life of a paper record: signed in ink, stamped with the unit's red
seal (sometimes right over the serial number), photocopied, scanned a little askew, faxed
or saved as a lossy JPEG. Each file draws one `ScanPlan`; the damage is tuned so that
Tesseract (`vie`) still reads the fields once the red is suppressed and the page cleaned.
"""

from __future__ import annotations

import io
import math
import random
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from statistics import NormalDist
from typing import Iterable, Iterator

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from archive.demo.catalog import between, pick
from archive.demo.layout import Layout, font_path
from archive.demo.pdf_images import ImagePdfWriter

A4_INCHES = (210 / 25.4, 297 / 25.4)
FAX_DPI = (204, 196)
PROFILES = ("clean", "photocopy", "noisy", "blurred", "jpeg", "lowres")
# Harder pages, drawn only when a mix asks for them (see writer.ScanMix):
# "faded" a 150-dpi copy of a copy (grey noisy paper, low contrast, broken ink);
# "phone" a blurred phone photo on a desk (perspective, uneven light, JPEG, no DPI recorded).
HARD_PROFILES = ("faded", "phone")
STAMP_STYLES = ("layout", "corner-red", "corner-black")
_SOFTEN = ImageFilter.Kernel((3, 3), (0, 1, 0, 1, 8, 1, 0, 1, 0), 12)  # a lens a little out of focus
_BACKGROUND_REMOVAL = [255 if v >= 232 else v for v in range(256)]
SEAL_RED = ((205, 30, 45), (190, 25, 60), (215, 55, 50))
PEN_BLUE = ((25, 40, 130), (20, 30, 90), (35, 35, 45))


@dataclass(frozen=True)
class ScanPlan:
    kind: str  # scan-pdf | tiff | fax-tiff | jpeg | png
    dpi: int
    color: bool
    profile: str  # one of PROFILES, or "fax"
    skew: float  # degrees, counter-clockwise
    seal: str  # none | sign | serial
    seed: int
    quality: int  # JPEG quality where JPEG is used
    rotation: int = 0  # 0, 90 or 270: the page was fed sideways (and nothing in the file says so)
    stamp: str = "layout"  # one of STAMP_STYLES: in the text flow, or a box in the top-right corner
    stamp_tilt: float = 0.0  # degrees, for a corner stamp pressed by hand
    junk_layer: bool = False  # scan PDF with an invisible, accent-less garbage text layer over the image
    record_dpi: bool = True  # False: the file carries no resolution (phone photos)


def plan_scan(kind: str, rng: random.Random) -> ScanPlan:
    """Draw the scanner, the damage and the seal for one file."""
    skew = 0.0 if rng.random() < 0.2 else rng.uniform(-1.5, 1.5)
    seed = rng.getrandbits(32)
    if kind == "fax-tiff":
        return ScanPlan(kind, FAX_DPI[0], False, "fax", skew, "sign" if rng.random() < 0.6 else "none", seed, 0)
    profiles = {"scan-pdf": PROFILES, "tiff": ("clean", "photocopy", "noisy", "blurred", "lowres"),
                "jpeg": ("jpeg", "jpeg", "noisy", "clean"), "png": ("clean", "photocopy", "noisy", "lowres")}[kind]
    profile = pick(rng, profiles)
    dpi = 150 if profile == "lowres" else pick(rng, (200, 200, 200, 240, 300))
    color = kind == "jpeg" or rng.random() < (0.5 if kind == "scan-pdf" else 0.3)
    seal = "none"
    roll = rng.random()
    if roll < 0.55:
        seal = "sign"
    if color and roll < 0.2 and profile in ("clean", "blurred", "jpeg"):  # legible under red suppression
        seal = "serial"
    quality = between(rng, 22, 38) if profile == "jpeg" else between(rng, 70, 88)
    return ScanPlan(kind, dpi, color, profile, skew, seal, seed, quality)


def page_size(dpi: int) -> tuple[int, int]:
    return round(A4_INCHES[0] * dpi), round(A4_INCHES[1] * dpi)


@lru_cache(maxsize=512)
def _font(name: str, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(name)), px)


def draw_page(ops: Iterable[tuple], dpi: int, mode: str = "L") -> Image.Image:
    """The page's text and rules on white paper, `dpi` pixels per inch."""
    scale = dpi / 72
    image = Image.new(mode, page_size(dpi), "white")
    draw = ImageDraw.Draw(image)
    ink = 18 if mode == "L" else (18, 18, 24)
    for op in ops:
        kind = op[0]
        if kind == "text":
            _, x, y, text, font, size = op
            draw.text((x * scale, y * scale), text, font=_font(font, max(6, round(size * scale))), fill=ink, anchor="ls")
        elif kind == "line":
            _, x1, y1, x2, y2, width = op
            draw.line([(x1 * scale, y1 * scale), (x2 * scale, y2 * scale)], fill=ink, width=max(1, round(width * scale)))
        elif kind == "rect":
            _, x, y, w, h, width = op
            draw.rectangle([x * scale, y * scale, (x + w) * scale, (y + h) * scale], outline=ink,
                           width=max(1, round(width * scale)))
    return image


# --- ink: signatures and seals ---------------------------------------------------------------


def _smooth(points: list[tuple[float, float]], steps: int = 6) -> list[tuple[float, float]]:
    """Catmull-Rom through `points`."""
    out = []
    padded = [points[0], *points, points[-1]]
    for i in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[i - 1], padded[i], padded[i + 1], padded[i + 2]
        for s in range(steps):
            t = s / steps
            t2, t3 = t * t, t * t * t
            out.append(tuple(0.5 * (2 * p1[k] + (-p0[k] + p2[k]) * t + (2 * p0[k] - 5 * p1[k] + 4 * p2[k] - p3[k]) * t2
                                    + (-p0[k] + 3 * p1[k] - 3 * p2[k] + p3[k]) * t3) for k in (0, 1)))
    out.append(points[-1])
    return out


def _signature(image: Image.Image, cx: float, cy: float, dpi: int, rng: random.Random) -> None:
    mm = dpi / 25.4
    color = pick(rng, PEN_BLUE) if image.mode == "RGB" else 40
    width = rng.uniform(20, 32) * mm
    count = between(rng, 8, 13)
    points = [(cx - width / 2 + i * width / count + rng.uniform(-2, 2) * mm, cy + rng.uniform(-4.5, 4.5) * mm)
              for i in range(count)]
    draw = ImageDraw.Draw(image)
    draw.line(_smooth(points), fill=color, width=max(2, round(0.3 * mm)), joint="curve")
    if rng.random() < 0.7:  # the flourish under the name
        y = cy + rng.uniform(3, 6) * mm
        draw.line(_smooth([(cx - width * 0.45, y), (cx, y + rng.uniform(-1, 1) * mm), (cx + width * 0.5, y - 2 * mm)]),
                  fill=color, width=max(2, round(0.25 * mm)))


def _seal_density(dpi: int, ring_text: str, rng: random.Random) -> Image.Image:
    """Ink density (0 none .. 255 full) of a round unit seal: two rings, text between, a star."""
    mm = dpi / 25.4
    size = round(rng.uniform(36, 42) * mm)
    seal = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(seal)
    line = max(2, round(0.7 * mm))
    draw.ellipse([line, line, size - line, size - line], outline=255, width=line)
    inner = size * 0.6
    c = size / 2
    draw.ellipse([c - inner / 2, c - inner / 2, c + inner / 2, c + inner / 2], outline=255, width=max(1, line // 2))
    star = [(c + (inner * (0.3 if k % 2 == 0 else 0.12)) * math.sin(k * math.pi / 5),
             c - (inner * (0.3 if k % 2 == 0 else 0.12)) * math.cos(k * math.pi / 5)) for k in range(10)]
    draw.polygon(star, fill=255)
    band = (size / 2 - line * 1.5) - inner / 2
    font = _font("DV-sans-b", max(8, round(band * 0.62)))
    radius = inner / 2 + band * 0.45
    text = f"{ring_text} ★ "
    advances = [font.getlength(ch) for ch in text]
    spread = 2 * math.pi * radius
    stretch = spread / sum(advances)
    angle = -math.pi / 2 - 0.5 * advances[0] / radius
    for ch, advance in zip(text, advances):
        theta = angle + advance * stretch / 2 / radius
        angle += advance * stretch / radius
        if ch == " ":
            continue
        glyph = Image.new("L", (font.size * 2, font.size * 2), 0)
        ImageDraw.Draw(glyph).text((font.size, font.size), ch, font=font, fill=255, anchor="mm")
        glyph = glyph.rotate(-math.degrees(theta + math.pi / 2), resample=Image.BILINEAR)
        x = c + radius * math.cos(theta) - font.size
        y = c + radius * math.sin(theta) - font.size
        seal.paste(255, (round(x), round(y)), glyph)
    seal = seal.rotate(rng.uniform(0, 360), resample=Image.BILINEAR)
    patchy = Image.new("L", (4, 4))
    patchy.putdata([between(rng, 120, 255) for _ in range(16)])
    seal = ImageChops.multiply(seal, patchy.resize(seal.size, Image.BICUBIC))
    strength = rng.uniform(0.75, 0.95)
    return seal.point(lambda v: int(v * strength))


def _stamp(image: Image.Image, density: Image.Image, cx: float, cy: float, color: tuple[int, int, int]) -> None:
    """Multiply the seal's ink onto the page: black text under it stays black."""
    left, top = round(cx - density.width / 2), round(cy - density.height / 2)
    box = (max(0, left), max(0, top), min(image.width, left + density.width), min(image.height, top + density.height))
    if box[0] >= box[2] or box[1] >= box[3]:
        return
    ink = density.crop((box[0] - left, box[1] - top, box[2] - left, box[3] - top))
    if image.mode == "RGB":
        overlay = Image.merge("RGB", [ink.point(lambda v, c=c: 255 - v * (255 - c) // 255) for c in color])
    else:
        luma = int(0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2])
        overlay = ink.point(lambda v: 255 - v * (255 - luma) // 255)
    region = image.crop(box)
    image.paste(ImageChops.multiply(region, overlay), box)


# --- ageing ----------------------------------------------------------------------------------


def _lut(image: Image.Image, table: list[int]) -> Image.Image:
    return image.point(table * (3 if image.mode == "RGB" else 1))


def _photocopy(image: Image.Image, rng: random.Random, dpi: int) -> Image.Image:
    low, high = between(rng, 35, 70), between(rng, 225, 242)
    image = _lut(image, [low + v * (high - low) // 255 for v in range(256)])
    light = Image.new("L", (3, 4))
    light.putdata([between(rng, 215, 255) for _ in range(12)])
    light = light.resize(image.size, Image.BICUBIC)
    image = ImageChops.multiply(image, light.convert(image.mode))
    draw = ImageDraw.Draw(image)
    gray = lambda v: v if image.mode == "L" else (v, v, v)  # noqa: E731
    for _ in range(between(rng, 0, 2)):  # copier drum streaks
        x = rng.uniform(0.05, 0.95) * image.width
        top = 0 if rng.random() < 0.6 else rng.uniform(0, 0.6) * image.height
        draw.line([(x, top), (x + rng.uniform(-3, 3), image.height)], fill=gray(between(rng, 140, 200)),
                  width=between(rng, 1, max(1, dpi // 100)))
    edge = round(rng.uniform(1, 5) * dpi / 25.4)  # the lid's shadow along one edge
    side = pick(rng, ("left", "top", "right"))
    shade = gray(between(rng, 40, 110))
    if side == "left":
        draw.rectangle([0, 0, edge, image.height], fill=shade)
    elif side == "right":
        draw.rectangle([image.width - edge, 0, image.width, image.height], fill=shade)
    else:
        draw.rectangle([0, 0, image.width, edge], fill=shade)
    return image


@lru_cache(maxsize=64)
def _gaussian_table(sigma: float) -> tuple[int, ...]:
    """Map a uniform byte to 128 + sigma * z, z standard normal (inverse CDF)."""
    normal = NormalDist()
    return tuple(max(0, min(255, round(128 + sigma * normal.inv_cdf((u + 0.5) / 256)))) for u in range(256))


def _random_plane(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """Uniform random bytes as an L image; seeded, and far faster than Image.effect_noise."""
    return Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))


def _noise(image: Image.Image, rng: random.Random, sigma: float) -> Image.Image:
    noise = _random_plane(rng, image.size).point(list(_gaussian_table(round(sigma, 1))))
    if image.mode == "RGB":
        noise = noise.convert("RGB")
    return ImageChops.add(image, noise, 1.0, -128)


def _specks(image: Image.Image, rng: random.Random, share: float, *, cell: int = 2, salt: bool = False) -> Image.Image:
    """Dust: about `share` of the `cell` x `cell` squares turned black (or white)."""
    small = (image.width // cell + 1, image.height // cell + 1)
    # P(first byte < 4) * P(second byte < limit) = share
    limit = max(1, min(255, round(share * 65536 / 4)))
    first = _random_plane(rng, small).point(lambda v: 255 if v < 4 else 0)
    second = _random_plane(rng, small).point(lambda v: 255 if v < limit else 0)
    mask = ImageChops.multiply(first, second)
    if cell > 1:
        mask = mask.resize((small[0] * cell, small[1] * cell), Image.NEAREST)
    mask = mask.crop((0, 0, image.width, image.height))
    level = 255 if salt else 0
    image.paste(level if image.mode == "L" else (level, level, level), (0, 0, image.width, image.height), mask)
    return image


def _jpeg_artefacts(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer).convert(image.mode)


def _skew(image: Image.Image, angle: float) -> Image.Image:
    if abs(angle) < 0.05:
        return image
    fill = 255 if image.mode == "L" else (255, 255, 255)
    return image.rotate(angle, resample=Image.BILINEAR, fillcolor=fill)


def paper_page(ops: tuple, plan: ScanPlan, rng: random.Random) -> Image.Image:
    """The grey page as it lies on the scanner glass: printed, maybe photocopied, askew.

    A blurred scan is drawn at a lower resolution and enlarged, as a soft lens sees it.
    """
    dpi = plan.dpi
    if plan.profile == "blurred":
        dpi = round(plan.dpi * rng.uniform(0.62, 0.75))
    image = draw_page(ops, dpi, "L")
    if plan.profile == "photocopy":
        image = _photocopy(image, rng, dpi)
    elif plan.profile == "faded":
        image = _faded_copy(image, rng, dpi)
    image = _skew(image, plan.skew)
    if dpi != plan.dpi:
        image = image.resize(page_size(plan.dpi), Image.BICUBIC)
    return image


def scanner_page(image: Image.Image, plan: ScanPlan, rng: random.Random) -> Image.Image:
    """Sensor noise, dust, lossy compression, background clean-up."""
    profile = plan.profile
    if profile == "phone":
        return _phone_photo(image, rng)
    if profile in ("photocopy", "lowres"):
        image = image.filter(_SOFTEN)
    sigma = {"clean": 4, "photocopy": 6, "noisy": rng.uniform(8, 12), "blurred": 5, "jpeg": 5, "lowres": 5,
             "faded": rng.uniform(9, 12)}[profile]
    image = _noise(image, rng, sigma)
    speck = {"clean": 0.0003, "photocopy": 0.0005, "noisy": 0.001, "blurred": 0.0003, "jpeg": 0.0003, "lowres": 0.0004,
             "faded": 0.0008}
    cell = 2 if plan.dpi >= 200 else 1
    image = _specks(image, rng, speck[profile], cell=cell)
    if profile == "noisy":
        image = _specks(image, rng, 0.0005, cell=cell, salt=True)
    if profile == "jpeg" and plan.kind != "jpeg":
        image = _jpeg_artefacts(image, plan.quality)
    if plan.kind in ("tiff", "png") and profile not in ("photocopy", "faded"):
        image = _lut(image, _BACKGROUND_REMOVAL)  # the scanner's own clean-up: paper becomes white
    return image


def fax_page(image: Image.Image, plan: ScanPlan, rng: random.Random) -> Image.Image:
    """Fine-mode fax: 204 x 196 dpi, bilevel, with transmission specks and dropped lines."""
    image = image.resize((image.width, round(image.height * FAX_DPI[1] / FAX_DPI[0])), Image.BILINEAR)
    image = _noise(image.filter(_SOFTEN), rng, 8)
    threshold = between(rng, 150, 175)
    image = image.point(lambda v: 255 if v > threshold else 0)
    image = _specks(image, rng, 0.0004)
    draw = ImageDraw.Draw(image)
    for _ in range(between(rng, 0, 2)):
        y = rng.uniform(0.1, 0.95) * image.height
        draw.line([(0, y), (image.width, y)], fill=255, width=1)
    return image.convert("1", dither=Image.Dither.NONE)


def _faded_copy(image: Image.Image, rng: random.Random, dpi: int) -> Image.Image:
    """A photocopy of a photocopy: every generation softens the strokes and loses contrast,
    the toner leaves holes in the ink, and the paper comes out grey and uneven."""
    for _ in range(2):
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.35, 0.6) * dpi / 150))
        low, high = between(rng, 40, 70), between(rng, 215, 235)
        image = _lut(image, [low + v * (high - low) // 255 for v in range(256)])
    holes = _random_plane(rng, image.size).point(lambda v: 255 if v < 16 else 0)  # ~6 % of the pixels
    paper = between(rng, 200, 215)
    image.paste(paper, (0, 0, image.width, image.height), ImageChops.multiply(holes, image.point(lambda v: 255 if v < 150 else 0)))
    light = Image.new("L", (3, 4))
    light.putdata([between(rng, 200, 240) for _ in range(12)])
    return ImageChops.multiply(image, light.resize(image.size, Image.BICUBIC))


def _perspective_coefficients(source: list[tuple[float, float]], target: list[tuple[float, float]]) -> list[float]:
    """Coefficients for Image.transform(PERSPECTIVE) sending each output point in `target` to `source`."""
    import numpy as np

    rows, values = [], []
    for (x, y), (u, v) in zip(target, source):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        values += [u, v]
    return [float(c) for c in np.linalg.solve(np.array(rows, dtype=float), np.array(values, dtype=float))]


def _phone_photo(image: Image.Image, rng: random.Random) -> Image.Image:
    """The page photographed on a desk: tilted camera, a lamp on one side, a soft focus."""
    page = image.convert("RGB")
    w, h = page.size
    margin = round(w * rng.uniform(0.03, 0.07))
    desk = (between(rng, 90, 140), between(rng, 75, 115), between(rng, 55, 90))
    canvas = Image.new("RGB", (w + 2 * margin, h + 2 * margin), desk)
    canvas.paste(page, (margin, margin))
    cw, ch = canvas.size
    jitter = lambda: rng.uniform(0.0, 0.035)  # noqa: E731  share of the width each corner moves
    corners = [(0, 0), (cw, 0), (cw, ch), (0, ch)]
    moved = [(x + (1 if x == 0 else -1) * jitter() * cw, y + (1 if y == 0 else -1) * jitter() * ch) for x, y in corners]
    canvas = canvas.transform(canvas.size, Image.PERSPECTIVE, _perspective_coefficients(corners, moved), Image.BICUBIC,
                              fillcolor=desk)
    gradient = Image.linear_gradient("L").resize(canvas.size, Image.BILINEAR)
    gradient = gradient.rotate(rng.uniform(0, 360), resample=Image.BILINEAR, expand=False, fillcolor=128)
    dark = between(rng, 150, 190)
    light = gradient.point(lambda v: dark + v * (255 - dark) // 255)
    canvas = ImageChops.multiply(canvas, Image.merge("RGB", [light, light, light.point(lambda v: v * 235 // 255)]))
    canvas = canvas.filter(ImageFilter.GaussianBlur(rng.uniform(0.9, 1.6)))
    return _noise(canvas, rng, 4)


def _corner_stamp(image: Image.Image, text: str, plan: ScanPlan, rng: random.Random) -> None:
    """A secrecy stamp pressed by hand in the top-right corner: a bold word in a box, red or black."""
    mm = plan.dpi / 25.4
    font = _font("DV-sans-b", round(5.5 * mm))
    pad, line = round(2.2 * mm), max(2, round(0.6 * mm))
    width = round(font.getlength(text)) + 2 * pad
    height = round(5.5 * mm) + 2 * pad
    density = Image.new("L", (width + 4 * line, height + 4 * line), 0)
    draw = ImageDraw.Draw(density)
    draw.rectangle([2 * line, 2 * line, 2 * line + width, 2 * line + height], outline=255, width=line)
    draw.text((2 * line + width / 2, 2 * line + height / 2), text, font=font, fill=255, anchor="mm")
    if plan.stamp_tilt:
        density = density.rotate(plan.stamp_tilt, resample=Image.BILINEAR, expand=True)
    patchy = Image.new("L", (3, 2))
    patchy.putdata([between(rng, 170, 255) for _ in range(6)])
    density = ImageChops.multiply(density, patchy.resize(density.size, Image.BICUBIC))
    cx = image.width - rng.uniform(20, 32) * mm - density.width / 2
    cy = rng.uniform(6, 10) * mm + density.height / 2
    color = pick(rng, SEAL_RED) if plan.stamp == "corner-red" else (25, 25, 30)
    _stamp(image, density, cx, cy, color)


# --- pages of one document -------------------------------------------------------------------


def _skewed(x: float, y: float, size: tuple[int, int], angle: float) -> tuple[float, float]:
    """Where point (x, y) lands once the page is rotated by `angle` degrees about its centre."""
    cx, cy = size[0] / 2, size[1] / 2
    a = math.radians(angle)
    dx, dy = x - cx, y - cy
    return cx + dx * math.cos(a) + dy * math.sin(a), cy - dx * math.sin(a) + dy * math.cos(a)


def render_pages(layout: Layout, plan: ScanPlan, ring_text: str, stamp_text: str = "") -> Iterator[Image.Image]:
    """Yield the document's pages one at a time: printed, signed, sealed, scanned.

    `stamp_text` ("MẬT") is pressed in the first page's corner when the plan's stamp style asks for it
    (the layout then carries no stamp of its own).
    """
    rng = random.Random(plan.seed)
    signs = [a for a in layout.anchors if a[0] == "sign"]
    serials = [a for a in layout.anchors if a[0] == "serial"]
    seal_at: tuple[int, float, float] | None = None
    if plan.seal == "serial" and serials:
        _, page, x, y = serials[0]
        seal_at = (page, x + rng.uniform(-10, 10) * 2.835, y + rng.uniform(-5, 5) * 2.835)
    elif plan.seal != "none" and signs:
        _, page, x, y = signs[-1]
        seal_at = (page, x - rng.uniform(8, 16) * 2.835, y + rng.uniform(-3, 3) * 2.835)
    scale = plan.dpi / 72
    for index, ops in enumerate(layout.pages):
        image = paper_page(ops, plan, rng)
        sealed = seal_at is not None and seal_at[0] == index
        stamped = bool(stamp_text) and plan.stamp != "layout" and index == 0
        if plan.color or sealed or (stamped and plan.stamp == "corner-red"):
            image = image.convert("RGB")
        if stamped:
            _corner_stamp(image, stamp_text, plan, rng)
        for _, page, x, y in signs:
            if page == index:
                _signature(image, *_skewed(x * scale, y * scale, image.size, plan.skew), plan.dpi, rng)
        if sealed:
            density = _seal_density(plan.dpi, ring_text, rng)
            cx, cy = _skewed(seal_at[1] * scale, seal_at[2] * scale, image.size, plan.skew)
            _stamp(image, density, cx, cy, pick(rng, SEAL_RED))
        if not plan.color and image.mode == "RGB":
            image = image.convert("L")
        page = fax_page(image, plan, rng) if plan.profile == "fax" else scanner_page(image, plan, rng)
        yield page.rotate(plan.rotation, expand=True) if plan.rotation else page


# --- files -----------------------------------------------------------------------------------


def jpeg_bytes(image: Image.Image, quality: int, dpi: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, dpi=(dpi, dpi))
    return buffer.getvalue()


def junk_text(text: str, rng: random.Random) -> str:
    """What a bad scanner OCR leaves in its text layer: accents gone, letters swapped, case scrambled
    ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA" -> "CONG Hcok xA HQI CHiJ NGHiA")."""
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    out = []
    for ch in plain:
        roll = rng.random()
        if ch.isalpha() and roll < 0.12:
            ch = _JUNK_SWAPS.get(ch, ch.swapcase())
        elif ch.isalpha() and roll < 0.2:
            ch = ch.swapcase()
        out.append("".join(c if ord(c) < 128 else "?" for c in ch))
    return "".join(out)


_JUNK_SWAPS = {"O": "Q", "o": "c", "A": "x", "a": "o", "U": "IJ", "u": "ii", "I": "l", "i": "j", "E": "F", "e": "c",
               "N": "H", "H": "N", "G": "C", "T": "I", "n": "rn", "m": "rn", "h": "b", "y": "v"}


def _hidden_words(ops: tuple, rng: random.Random) -> list[tuple[float, float, str, float]]:
    """The junk layer for one page: each printed line, garbled, at the place it is printed (points)."""
    return [(op[1], op[2], junk_text(op[3], rng), op[5]) for op in ops if op[0] == "text"]


def write_scan(path: Path, pages: Iterator[Image.Image], plan: ScanPlan, layout: Layout | None = None) -> int:
    """Write the pages in the plan's file kind; returns the page count.

    With `plan.junk_layer` (scan PDFs), `layout` gives the lines the garbage text layer imitates.
    """
    dpi = (plan.dpi, plan.dpi)
    if plan.kind == "scan-pdf":
        count = 0
        junk_rng = random.Random(plan.seed ^ 0x5EED)
        with ImagePdfWriter(path) as pdf:
            for index, image in enumerate(pages):
                hidden = None
                if plan.junk_layer and layout is not None and index < len(layout.pages):
                    hidden = _hidden_words(layout.pages[index], junk_rng)
                pdf.add_jpeg_page(jpeg_bytes(image, plan.quality, plan.dpi), image.width, image.height,
                                  gray=image.mode == "L", hidden_text=hidden)
                count += 1
        return count
    images = list(pages)
    first, rest = images[0], images[1:]
    if plan.kind == "fax-tiff":
        first.save(path, "TIFF", save_all=True, append_images=rest, compression="group4", dpi=FAX_DPI)
    elif plan.kind == "tiff":  # LZW for grey pages, JPEG-in-TIFF for colour ones, as scanners do
        options = {"compression": "jpeg", "quality": plan.quality} if first.mode == "RGB" else {"compression": "tiff_lzw"}
        first.save(path, "TIFF", save_all=True, append_images=rest, dpi=dpi, **options)
    elif plan.kind == "jpeg":
        first.save(path, "JPEG", quality=plan.quality, **({"dpi": dpi} if plan.record_dpi else {}))
    elif plan.kind == "png":
        first.save(path, "PNG", dpi=dpi, compress_level=1)
    else:
        raise ValueError(plan.kind)
    return len(images)
