"""Form families: the label sets, date forms and wordings that differ between issuing bodies.

An issuing body keeps to one family most of the time, as real offices keep their forms.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    key: str
    font: str  # font family key, see layout.FONT_FILES (DejaVu; Sans Mono lacks Vietnamese glyphs)
    fields: str  # colon | dots | table | pairs
    labels: dict[str, tuple[str, ...]]  # field -> label choices
    date_style: str  # decree | slash | dash | plain
    motto_hoa: str  # "HÒA" or "HOÀ"
    grade_style: str  # "cap" (Cấp 2) | "dat" (đạt cấp chất lượng 2) | "num" (Cấp chất lượng: 2)
    repair_style: str  # "words" | "abbr" | "both"
    body_pt: float
    number_prefix: str  # "Số: " or "Số "


LABELS_A = {
    "name": ("Tên trang bị",),
    "designation": ("Ký hiệu",),
    "serial_number": ("Số hiệu", "Số hiệu trang bị"),
    "manufacturer": ("Nhà máy sản xuất",),
    "country_of_origin": ("Nước sản xuất",),
    "year_of_manufacture": ("Năm sản xuất",),
    "unit": ("Đơn vị quản lý",),
}
LABELS_B = {
    "name": ("Tên TBKT",),
    "designation": ("Kiểu loại",),
    "serial_number": ("Số đăng ký",),
    "manufacturer": ("Nhà sản xuất",),
    "country_of_origin": ("Quốc gia sản xuất",),
    "year_of_manufacture": ("Năm xuất xưởng",),
    "unit": ("Đơn vị sử dụng",),
}
LABELS_C = {
    "name": ("Tên VKTBKT", "Trang bị"),
    "designation": ("Mã hiệu", "Kiểu"),
    "serial_number": ("Số xuất xưởng",),
    "manufacturer": ("Hãng sản xuất",),
    "country_of_origin": ("Nước sản xuất",),
    "year_of_manufacture": ("Năm sản xuất",),
    "unit": ("Đơn vị có trang bị",),
}
LABELS_D = {
    "name": ("Tên trang bị", "Trang bị"),
    "designation": ("Kiểu loại", "Ký hiệu"),
    "serial_number": ("Số hiệu", "Số đăng ký"),
    "manufacturer": ("Nhà sản xuất",),
    "country_of_origin": ("Nước sản xuất",),
    "year_of_manufacture": ("Năm sản xuất",),
    "unit": ("Đơn vị sử dụng", "Đơn vị quản lý"),
}

FAMILIES: tuple[Family, ...] = (
    Family("decree", "serif", "colon", LABELS_A, "decree", "HÒA", "cap", "words", 12.5, "Số: "),
    Family("dotted", "sans", "dots", LABELS_B, "slash", "HOÀ", "dat", "abbr", 11.5, "Số: "),
    Family("table", "serif", "table", LABELS_C, "dash", "HÒA", "num", "both", 11.5, "Số "),
    Family("pairs", "condensed", "pairs", LABELS_D, "plain", "HOÀ", "cap", "both", 12.0, "Số: "),
)

PLATE_LABELS = ("Biển số", "Biển số (BKS)", "BKS")


def family_for(issuer_header: str, roll: float, other: int) -> Family:
    """The issuer's own family, or (one time in five) another one."""
    own = zlib.crc32(issuer_header.encode()) % len(FAMILIES)
    if roll < 0.2:
        return FAMILIES[(own + 1 + other % (len(FAMILIES) - 1)) % len(FAMILIES)]
    return FAMILIES[own]


def format_date(day: dt.date, style: str) -> str:
    """A date as printed after the place name."""
    if style == "decree":  # Decree 30: leading zero for days < 10 and for months 1-2
        dd = f"{day.day:02d}" if day.day < 10 else str(day.day)
        mm = f"{day.month:02d}" if day.month <= 2 else str(day.month)
        return f"ngày {dd} tháng {mm} năm {day.year}"
    if style == "plain":
        return f"ngày {day.day} tháng {day.month} năm {day.year}"
    if style == "slash":
        return f"ngày {day.day:02d}/{day.month:02d}/{day.year}"
    if style == "dash":
        return f"{day.day:02d}-{day.month:02d}-{day.year}"
    raise ValueError(style)


def body_date(day: dt.date, style: str) -> str:
    """A date inside running text ("Hôm nay, ngày ...")."""
    if style in ("decree", "plain"):
        return format_date(day, style)
    return f"ngày {day.day:02d}/{day.month:02d}/{day.year}" if style == "slash" else f"ngày {day.day:02d}-{day.month:02d}-{day.year}"


def grade_text(grade: int, style: str) -> str:
    if style == "cap":
        return f"Cấp {grade}"
    if style == "dat":
        return f"đạt cấp chất lượng {grade}"
    return str(grade)


_NEW_TO_OLD = {  # tone on the first vowel (hòa, thủy) -> on the second (hoà, thuỷ)
    "ò": ("o", "\u0300"), "ó": ("o", "\u0301"), "ỏ": ("o", "\u0309"), "õ": ("o", "\u0303"), "ọ": ("o", "\u0323"),
    "ù": ("u", "\u0300"), "ú": ("u", "\u0301"), "ủ": ("u", "\u0309"), "ũ": ("u", "\u0303"), "ụ": ("u", "\u0323"),
}
_OLD_STYLE = re.compile(r"([òóỏõọ])([ae])(?!\w)|([ùúủũụ])(y)(?!\w)", re.IGNORECASE)


def _move_tone(match: re.Match[str]) -> str:
    first, second = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    base, mark = _NEW_TO_OLD[first.lower()]
    base = base.upper() if first.isupper() else base
    return base + unicodedata.normalize("NFC", second + mark)


def old_tone_marks(text: str) -> str:
    """Write open syllables the older way: "Hòa" -> "Hoà", "Đại úy" -> "Đại uý", "HÒA" -> "HOÀ"."""
    return _OLD_STYLE.sub(_move_tone, text)


REPAIR_WORDS = {"minor": "Sửa chữa nhỏ", "medium": "Sửa chữa vừa", "major": "Sửa chữa lớn"}
REPAIR_ABBR = {"minor": "SCN", "medium": "SCV", "major": "SCL"}


def repair_text(level: str, style: str) -> str:
    if style == "words":
        return REPAIR_WORDS[level]
    if style == "abbr":
        return REPAIR_ABBR[level]
    return f"{REPAIR_WORDS[level]} ({REPAIR_ABBR[level]})"
