"""Pages for the stamp tests and the stamp benchmark: an A4 form drawn with Pillow, then stamped.

Each `StampCase` is one page kind; `draw_case(kind, seed, dpi)` draws it at a random position and size,
so that tuning on some seeds and checking on others is possible.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from archive.demo.layout import font_path
from archive.demo.render_scan import SEAL_RED, _noise, _phone_photo, _seal_density, _smooth, _stamp, page_size

BLACK_INK = (22, 22, 28)
PURPLE_INK = (110, 40, 150)

BODY = [
    "Căn cứ Quyết định số 125/QĐ-TCKT ngày 05 tháng 01 năm 2020 của Tổng cục Kỹ thuật;",
    "Hôm nay, tại kho K60, chúng tôi gồm có đại diện các đơn vị giao và nhận trang bị.",
    "Tên trang bị: Xe tăng T-54B          Số hiệu: 0417-XT",
    "Đơn vị quản lý: Lữ đoàn xe tăng 203, Quân đoàn 1",
    "Cấp chất lượng: Cấp 2. Tình trạng kỹ thuật: đồng bộ, hoạt động bình thường.",
    "Các bên đã kiểm tra số lượng, chất lượng và ký xác nhận vào biên bản này.",
    "Biên bản được lập thành 03 bản có giá trị như nhau, mỗi bên giữ một bản.",
]
PROSE_SECRET = "Cán bộ, nhân viên có trách nhiệm giữ bí mật các thông tin trong tài liệu này."


@dataclass(frozen=True)
class Truth:
    level: str | None  # what the image shows: None when it shows no classification stamp
    box: tuple[int, int, int, int] | None  # where the stamp is, page pixels


def _font(style: str, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(style)), max(6, px))


def form_page(dpi: int, rng: random.Random, *, prose_secret: bool = False) -> Image.Image:
    """A black-on-white A4 form: the two-column header block, a title, body lines."""
    pt = dpi / 72
    image = Image.new("RGB", page_size(dpi), "white")
    draw = ImageDraw.Draw(image)
    regular, bold = _font("DV-serif-r", round(12 * pt)), _font("DV-serif-b", round(12 * pt))
    left, top = 80 * pt, 95 * pt  # a stamp fits in the margin above
    draw.text((left, top), "BỘ QUỐC PHÒNG", font=regular, fill=BLACK_INK)
    draw.text((left, top + 16 * pt), "TỔNG CỤC KỸ THUẬT", font=bold, fill=BLACK_INK)
    draw.text((left, top + 34 * pt), f"Số: {rng.randint(10, 999)}/BB-KT", font=regular, fill=BLACK_INK)
    right = image.width - 300 * pt
    draw.text((right, top), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", font=bold, fill=BLACK_INK)
    draw.text((right + 40 * pt, top + 16 * pt), "Độc lập - Tự do - Hạnh phúc", font=bold, fill=BLACK_INK)
    draw.text((right + 30 * pt, top + 38 * pt), "Hà Nội, ngày 05 tháng 01 năm 2020", font=regular, fill=BLACK_INK)
    title = _font("DV-serif-b", round(15 * pt))
    draw.text((image.width / 2, 215 * pt), "BIÊN BẢN BÀN GIAO TRANG BỊ KỸ THUẬT", font=title, fill=BLACK_INK,
              anchor="mm")
    lines = list(BODY)
    if prose_secret:
        lines.insert(rng.randint(0, len(lines)), PROSE_SECRET)
    y = 250 * pt
    for line in lines * 3:
        draw.text((left, y), line, font=regular, fill=BLACK_INK)
        y += 20 * pt
    return image


def box_stamp_density(text: str, dpi: int, rng: random.Random, *, framed: bool = True) -> Image.Image:
    """Ink density (0..255) of a rectangular stamp: a frame (or none) and bold upper-case words."""
    pt = dpi / 72
    font = _font(rng.choice(("DV-sans-b", "DV-serif-b")), round(rng.uniform(12, 18) * pt))
    left, top, right, bottom = font.getbbox(text, anchor="ls")
    pad_x, pad_y = rng.uniform(6, 14) * pt, rng.uniform(4, 8) * pt
    frame = max(2, round(rng.uniform(1.2, 2.2) * pt))
    w = round(right - left + 2 * pad_x + 2 * frame)
    h = round(bottom - top + 2 * pad_y + 2 * frame)
    density = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(density)
    if framed:
        draw.rectangle([0, 0, w - 1, h - 1], outline=255, width=frame)
    draw.text((frame + pad_x - left, frame + pad_y - top), text, font=font, fill=255, anchor="ls")
    strength = rng.uniform(0.8, 0.97)
    return density.point(lambda v: int(v * strength))


def _rotated(density: Image.Image, angle: float) -> Image.Image:
    return density.rotate(angle, resample=Image.BILINEAR, expand=True) if angle else density


def _place(image: Image.Image, density: Image.Image, where: str, rng: random.Random, dpi: int) -> tuple[float, float]:
    """Centre of the stamp for a named page position, jittered."""
    mm = dpi / 25.4
    half_w, half_h = density.width / 2, density.height / 2
    jitter = lambda: rng.uniform(-6, 6) * mm if where != "left-margin" else rng.uniform(-3, 3) * mm  # noqa: E731
    # the top margin above the header block, or under the issuing unit's name as the demo forms put it
    # (a sideways stamp stands in the left margin)
    x = {"top-right": image.width - 25 * mm - half_w, "top-left": 22 * mm + half_w,
         "header": 28 * mm + 62 * mm, "left-margin": 14 * mm}[where] + jitter()
    y = {"top-right": 5 * mm + half_h, "top-left": 5 * mm + half_h, "header": 53 * mm + half_h,
         "left-margin": 60 * mm + half_h}[where]
    return x, y + rng.uniform(0, 4) * mm
    return x, y


def stamp(image: Image.Image, density: Image.Image, cx: float, cy: float, colour: tuple[int, int, int]) -> tuple:
    _stamp(image, density, cx, cy, colour)
    left, top = round(cx - density.width / 2), round(cy - density.height / 2)
    return left, top, left + density.width, top + density.height


def red_scribble(image: Image.Image, dpi: int, rng: random.Random) -> None:
    mm = dpi / 25.4
    cx, cy = rng.uniform(0.55, 0.8) * image.width, rng.uniform(0.15, 0.8) * image.height
    width = rng.uniform(20, 35) * mm
    count = rng.randint(8, 13)
    points = [(cx - width / 2 + i * width / count + rng.uniform(-2, 2) * mm, cy + rng.uniform(-5, 5) * mm)
              for i in range(count)]
    ImageDraw.Draw(image).line(_smooth(points), fill=rng.choice(SEAL_RED), width=max(2, round(0.4 * mm)),
                               joint="curve")


def faded(image: Image.Image, rng: random.Random) -> Image.Image:
    """A grey photocopy of a copy: low contrast, grey paper, sensor noise."""
    low, high = rng.randint(50, 80), rng.randint(195, 215)
    image = image.point([low + v * (high - low) // 255 for v in range(256)] * 3)
    return _noise(image, rng, rng.uniform(8, 12))


def jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


POSITIVE_KINDS = ("red_corner", "black_top_left", "rotated_90", "tilted_12", "faded_top_secret", "jpeg_stamp",
                  "red_unframed", "grey_scan", "blurred_red", "red_over_header", "on_a_desk")
# look like stamps but are none: urgency stamps and a form-number box are boxed words too
NEGATIVE_KINDS = ("no_stamp", "round_seal", "prose_secret", "red_scribble", "urgency_stamp", "form_box", "desk_no_stamp")
URGENCY = ("KHẨN", "HỎA TỐC", "THƯỢNG KHẨN")
LEVEL_OF = {"MẬT": "confidential", "TỐI MẬT": "secret", "TUYỆT MẬT": "top_secret"}


def draw_case(kind: str, seed: int, dpi: int = 200) -> tuple[Image.Image, int, Truth]:
    """One page of `kind`: the image, its resolution and what a reader should find."""
    rng = random.Random(f"{kind}:{seed}")
    if kind == "faded_top_secret":
        dpi = 150
    image = form_page(dpi, rng, prose_secret=kind == "prose_secret")
    words = {"red_corner": "MẬT", "black_top_left": "TỐI MẬT", "faded_top_secret": "TUYỆT MẬT"}.get(
        kind, rng.choice(("MẬT", "TỐI MẬT", "TUYỆT MẬT")))
    truth = Truth(None, None)
    if kind in POSITIVE_KINDS:
        colour = {"black_top_left": BLACK_INK}.get(kind) or rng.choice((*SEAL_RED, PURPLE_INK, BLACK_INK))
        if kind in ("red_corner", "faded_top_secret"):
            colour = rng.choice(SEAL_RED)
        angle = {"rotated_90": rng.choice((90, -90)), "tilted_12": rng.choice((12, -12))}.get(kind, 0)
        angle = rng.choice((8, -8, 11, -11)) if kind == "red_over_header" else angle
        where = {"black_top_left": "top-left", "rotated_90": "left-margin"}.get(kind) or rng.choice(("top-right", "top-right", "header"))
        density = _rotated(box_stamp_density(words, dpi, rng, framed=kind != "red_unframed"), angle)
        if kind in ("red_unframed", "blurred_red", "red_over_header"):
            colour = rng.choice(SEAL_RED)
        if kind == "on_a_desk":
            colour = BLACK_INK
        if kind == "faded_top_secret":
            image = faded(image, rng)
        centre = _place(image, density, where, rng, dpi)
        if kind == "red_over_header":  # pressed over the first line of the right-hand header, which runs through it
            centre = (image.width - 200 * dpi / 72 + rng.uniform(-20, 20) * dpi / 72, 100 * dpi / 72)
        box = stamp(image, density, *centre, colour)
        truth = Truth(LEVEL_OF[words], box)
        if kind == "blurred_red":  # a phone photo out of focus: the bold letters' pale halo runs them together
            image = jpeg(image.filter(ImageFilter.GaussianBlur(rng.uniform(2.0, 2.6) * dpi / 200)), 85)
        elif kind == "on_a_desk":  # photographed on a desk: the stamp moves with the page (no box to compare)
            image, truth = _phone_photo(image, rng), Truth(truth.level, None)
        if kind == "jpeg_stamp":
            image = jpeg(image, rng.randint(25, 45))
        elif kind == "grey_scan":  # a grey scanner: a red stamp is just a mid-grey box
            image = image.convert("L")
    elif kind in ("urgency_stamp", "form_box"):
        text = rng.choice(URGENCY) if kind == "urgency_stamp" else f"Mẫu số {rng.randint(1, 30):02d}"
        colour = rng.choice(SEAL_RED) if kind == "urgency_stamp" else BLACK_INK
        density = box_stamp_density(text, dpi, rng)
        stamp(image, density, *_place(image, density, rng.choice(("top-right", "top-left")), rng, dpi), colour)
    elif kind == "round_seal":
        mm = dpi / 25.4
        density = _seal_density(dpi, "TRUNG ĐOÀN 24 * SƯ ĐOÀN 304", rng)
        where = rng.choice(("top", "bottom"))
        cy = rng.uniform(30, 60) * mm if where == "top" else rng.uniform(0.6, 0.8) * image.height
        stamp(image, density, rng.uniform(0.3, 0.8) * image.width, cy, rng.choice(SEAL_RED))
    elif kind == "red_scribble":
        red_scribble(image, dpi, rng)
    elif kind == "desk_no_stamp":
        image = _phone_photo(image, rng)
    return image, dpi, truth


def box_overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over the smaller box."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return w * h / smaller


__all__ = ["NEGATIVE_KINDS", "POSITIVE_KINDS", "Truth", "box_overlap", "draw_case"]
