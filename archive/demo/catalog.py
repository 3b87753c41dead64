"""What the sample dossiers are made of: equipment types, units, issuing bodies, people.

Everything here is plain data. Names of units and factories are illustrative; they are
public-sounding designations, not a record of any real holding.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Callable

LETTERS = "ABCDEGHKLMNPRSTVX"
CONFUSABLE_LETTERS = "BSZGD"  # letters OCR likes to turn into digits (I, O, Q are avoided in real serials)


@dataclass(frozen=True)
class EquipmentType:
    designation: str
    name: str
    category: str  # tank | apc | gun | radar | truck | radio
    makers: tuple[tuple[str, str], ...]  # (manufacturer, country)
    years: tuple[int, int]
    serial_formats: tuple[str, ...]  # keys of SERIAL_FORMATS


@dataclass(frozen=True)
class Unit:
    name: str  # as printed in field values: "Trung đoàn 141, Sư đoàn 312"
    categories: frozenset[str]
    superior: str  # first header line
    header: str  # second header line (the unit itself, upper case)
    code: str  # issuer code in document numbers
    place: str


@dataclass(frozen=True)
class Issuer:
    superior: str
    header: str
    code: str
    place: str


def pick(rng: random.Random, seq):
    """rng.choice, three times faster (the text generator calls it a million times)."""
    return seq[int(rng.random() * len(seq))]


def between(rng: random.Random, low: int, high: int) -> int:
    """rng.randint(low, high), faster."""
    return low + int(rng.random() * (high - low + 1))


def _digits(rng: random.Random, n: int) -> str:
    return "".join(pick(rng, "0123456789") for _ in range(n))


def _letters(rng: random.Random, n: int) -> str:
    pool = LETTERS + CONFUSABLE_LETTERS
    return "".join(pick(rng, pool) for _ in range(n))


def clerk_designation(designation: str, rng: random.Random) -> str:
    """The designation as a clerk types it: "T55", "PT 76", "BMP2", "ZIL131" for "T-55", "PT-76", ...

    Only the first hyphen goes ("BTR-60PB" -> "BTR60PB", "ZU-23-2" -> "ZU 23-2"); a space stands
    in for it one time in three.
    """
    if "-" not in designation:
        return designation
    return designation.replace("-", " " if rng.random() < 0.34 else "", 1)


def _compact(designation: str) -> str:
    return designation.replace("-", "").replace(" ", "").upper()


# Each format returns the canonical serial (groups joined by "-") for a designation.
SERIAL_FORMATS: dict[str, Callable[[random.Random, str], str]] = {
    "LL-NN-NN": lambda r, d: f"{_letters(r, 2)}-{_digits(r, 2)}-{_digits(r, 2)}",
    "DES-NNNN": lambda r, d: f"{_compact(d)}-{_digits(r, 4)}",
    "NNNNNN": lambda r, d: pick(r, "123456789") + _digits(r, 5),
    "DES-NNN-NNNNN": lambda r, d: f"{d.split('-')[0].upper()}-{d.split('-')[1] if '-' in d else _digits(r, 3)}-{_digits(r, 5)}",
    "PLATE": lambda r, d: f"{pick(r, ['QA', 'QB', 'QC', 'QD', 'QK', 'TM', 'KA', 'KB', 'BT', 'BH'])}-{_digits(r, 2)}-{_digits(r, 2)}",
    "NLNNNN": lambda r, d: f"{pick(r, '123456789')}{pick(r, CONFUSABLE_LETTERS + 'KMT')}-{_digits(r, 4)}",
    "LNNNNNN": lambda r, d: f"{pick(r, 'ABEKMOS')}{_digits(r, 6)}",
    "NNNN-LL": lambda r, d: f"{_digits(r, 4)}-{_letters(r, 2)}",
}

LS = "Liên Xô"
TQ = "Trung Quốc"
BL = "Ba Lan"
VN = "Việt Nam"
TP = "Tiệp Khắc"
NGA = "Nga"
BY = "Belarus"
US = "Hoa Kỳ"

EQUIPMENT: tuple[EquipmentType, ...] = (
    EquipmentType("T-54B", "Xe tăng T-54B", "tank", (("Nhà máy Uralvagonzavod", LS), ("Nhà máy số 174 Omsk", LS)), (1959, 1972), ("LL-NN-NN", "DES-NNNN")),
    EquipmentType("T-55", "Xe tăng T-55", "tank", (("Nhà máy Uralvagonzavod", LS), ("Nhà máy Bumar Labedy", BL)), (1962, 1979), ("LL-NN-NN", "DES-NNNN", "NLNNNN")),
    EquipmentType("T-62", "Xe tăng T-62", "tank", (("Nhà máy Uralvagonzavod", LS),), (1965, 1975), ("DES-NNNN", "LL-NN-NN")),
    EquipmentType("Type 59", "Xe tăng Kiểu 59", "tank", (("Nhà máy 617 Bao Đầu", TQ),), (1960, 1978), ("NNNNNN", "NNNN-LL")),
    EquipmentType("PT-76", "Xe tăng lội nước PT-76", "tank", (("Nhà máy máy kéo Volgograd", LS),), (1956, 1967), ("DES-NNNN", "LL-NN-NN")),
    EquipmentType("BTR-60PB", "Xe thiết giáp chở quân BTR-60PB", "apc", (("Nhà máy ô tô Gorky (GAZ)", LS), ("Nhà máy ô tô Arzamas", LS)), (1966, 1980), ("DES-NNNN", "PLATE")),
    EquipmentType("BTR-152", "Xe thiết giáp chở quân BTR-152", "apc", (("Nhà máy ZIL", LS),), (1955, 1962), ("DES-NNNN", "NNNNNN")),
    EquipmentType("BMP-1", "Xe chiến đấu bộ binh BMP-1", "apc", (("Nhà máy máy kéo Kurgan", LS), ("Nhà máy Chelyabinsk", LS)), (1970, 1985), ("LL-NN-NN", "DES-NNNN", "LNNNNNN")),
    EquipmentType("BMP-2", "Xe chiến đấu bộ binh BMP-2", "apc", (("Nhà máy máy kéo Kurgan", LS),), (1980, 1990), ("LL-NN-NN", "DES-NNNN")),
    EquipmentType("M113", "Xe thiết giáp chở quân M113", "apc", (("FMC Corporation", US),), (1962, 1972), ("NNNNNN", "LNNNNNN")),
    EquipmentType("D-30", "Pháo lựu 122mm D-30", "gun", (("Nhà máy số 9 Sverdlovsk", LS),), (1965, 1985), ("NLNNNN", "DES-NNNN", "NNNNNN")),
    EquipmentType("M-46", "Pháo nòng dài 130mm M-46", "gun", (("Nhà máy số 172 Perm", LS),), (1955, 1971), ("NNNNNN", "NLNNNN")),
    EquipmentType("M-30", "Pháo lựu 122mm M-30", "gun", (("Nhà máy số 9 Sverdlovsk", LS), ("Nhà máy số 92 Gorky", LS)), (1943, 1955), ("NNNNNN", "NLNNNN")),
    EquipmentType("ZU-23-2", "Pháo phòng không 23mm ZU-23-2", "gun", (("Nhà máy Kalinin Podolsk", LS), ("Nhà máy Z111", VN)), (1968, 1995), ("NLNNNN", "NNNN-LL")),
    EquipmentType("S-60", "Pháo phòng không 57mm S-60", "gun", (("Nhà máy số 8 Sverdlovsk", LS), ("Nhà máy 282", TQ)), (1953, 1970), ("NNNNNN", "NLNNNN")),
    EquipmentType("BM-21", "Xe pháo phản lực BM-21 Grad", "gun", (("Nhà máy Motovilikha Perm", LS),), (1965, 1985), ("DES-NNNN", "LL-NN-NN")),
    EquipmentType("P-18", "Đài ra đa P-18", "radar", (("Nhà máy vô tuyến Nizhny Novgorod", LS),), (1971, 1990), ("DES-NNNN",)),
    EquipmentType("P-37", "Đài ra đa P-37", "radar", (("Nhà máy Lianozovo", LS),), (1968, 1988), ("DES-NNNN", "NNNNNN")),
    EquipmentType("P-19", "Đài ra đa P-19", "radar", (("Nhà máy Lianozovo", LS),), (1974, 1989), ("DES-NNNN", "NLNNNN")),
    EquipmentType("PRV-13", "Đài đo cao PRV-13", "radar", (("Nhà máy Lianozovo", LS),), (1970, 1986), ("DES-NNNN",)),
    EquipmentType("VRS-2M", "Đài ra đa VRS-2M", "radar", (("Viettel (VHT)", VN),), (2012, 2022), ("DES-NNNN", "NNNN-LL")),
    EquipmentType("ZIL-131", "Xe ô tô vận tải ZIL-131", "truck", (("Nhà máy ô tô ZIL", LS),), (1967, 1990), ("DES-NNN-NNNNN", "PLATE")),
    EquipmentType("URAL-4320", "Xe ô tô vận tải Ural-4320", "truck", (("Nhà máy ô tô Ural (Miass)", LS), ("Nhà máy ô tô Ural (Miass)", NGA)), (1978, 2005), ("DES-NNN-NNNNN", "PLATE", "LNNNNNN")),
    EquipmentType("KrAZ-255B", "Xe ô tô vận tải KrAZ-255B", "truck", (("Nhà máy ô tô Kremenchug", LS),), (1967, 1990), ("DES-NNN-NNNNN", "PLATE")),
    EquipmentType("GAZ-66", "Xe ô tô vận tải GAZ-66", "truck", (("Nhà máy ô tô Gorky (GAZ)", LS),), (1966, 1995), ("DES-NNN-NNNNN", "PLATE")),
    EquipmentType("UAZ-469", "Xe ô tô chỉ huy UAZ-469", "truck", (("Nhà máy ô tô Ulyanovsk (UAZ)", LS),), (1973, 2000), ("PLATE", "LNNNNNN")),
    EquipmentType("MAZ-537", "Xe kéo pháo MAZ-537", "truck", (("Nhà máy ô tô Minsk (MAZ)", LS), ("Nhà máy MZKT", BY)), (1965, 1990), ("DES-NNNN", "PLATE")),
    EquipmentType("Tatra-813", "Xe ô tô vận tải Tatra-813", "truck", (("Nhà máy Tatra Koprivnice", TP),), (1968, 1982), ("NNNNNN", "PLATE")),
    EquipmentType("R-123M", "Máy thông tin vô tuyến điện R-123M", "radio", (("Nhà máy vô tuyến Sarapul", LS),), (1975, 1991), ("NNNNNN", "NLNNNN")),
    EquipmentType("R-105M", "Máy vô tuyến điện R-105M", "radio", (("Nhà máy vô tuyến Sarapul", LS),), (1962, 1978), ("NNNNNN",)),
    EquipmentType("VRC-811", "Máy thông tin vô tuyến điện VRC-811", "radio", (("Nhà máy M1/Tổng cục Công nghiệp quốc phòng", VN),), (2005, 2020), ("DES-NNNN", "NNNN-LL")),
    EquipmentType("VRU-812", "Máy thông tin vô tuyến điện VRU-812", "radio", (("Nhà máy M1/Tổng cục Công nghiệp quốc phòng", VN),), (2008, 2021), ("DES-NNNN",)),
    EquipmentType("PRC-25", "Máy vô tuyến điện PRC-25", "radio", (("Magnavox", US),), (1965, 1972), ("NNNNNN", "LNNNNNN")),
)

_ARMOUR = frozenset({"tank", "apc", "truck", "radio"})
_ARTILLERY = frozenset({"gun", "truck", "radio"})
_AIR = frozenset({"radar", "gun", "truck", "radio"})
_ANY = frozenset({"tank", "apc", "gun", "radar", "truck", "radio"})


def _unit(name: str, cats: frozenset[str], superior: str, header: str, code: str, place: str) -> Unit:
    return Unit(name, cats, superior, header, code, place)


UNITS: tuple[Unit, ...] = (
    _unit("Lữ đoàn 201", _ARMOUR, "BINH CHỦNG TĂNG THIẾT GIÁP", "LỮ ĐOÀN 201", "LĐ201", "Hà Nội"),
    _unit("Lữ đoàn 202", _ARMOUR, "BINH CHỦNG TĂNG THIẾT GIÁP", "LỮ ĐOÀN 202", "LĐ202", "Hải Phòng"),
    _unit("Lữ đoàn xe tăng 203", _ARMOUR, "QUÂN ĐOÀN 2", "LỮ ĐOÀN XE TĂNG 203", "LĐ203", "Thái Nguyên"),
    _unit("Trung đoàn 141, Sư đoàn 312", _ARMOUR | _ARTILLERY, "SƯ ĐOÀN 312", "TRUNG ĐOÀN 141", "e141", "Thái Nguyên"),
    _unit("Trung đoàn 165, Sư đoàn 312", _ARMOUR | _ARTILLERY, "SƯ ĐOÀN 312", "TRUNG ĐOÀN 165", "e165", "Thái Nguyên"),
    _unit("Trung đoàn 24, Sư đoàn 304", _ANY, "SƯ ĐOÀN 304", "TRUNG ĐOÀN 24", "e24", "Quảng Nam"),
    _unit("Trung đoàn 48, Sư đoàn 320", _ANY, "SƯ ĐOÀN 320", "TRUNG ĐOÀN 48", "e48", "Gia Lai"),
    _unit("Tiểu đoàn 18, Lữ đoàn 164", _ARTILLERY, "LỮ ĐOÀN 164", "TIỂU ĐOÀN 18", "d18", "Hải Dương"),
    _unit("Lữ đoàn 164", _ARTILLERY, "QUÂN ĐOÀN 1", "LỮ ĐOÀN 164", "LĐ164", "Hải Dương"),
    _unit("Lữ đoàn pháo binh 368", _ARTILLERY, "QUÂN KHU 1", "LỮ ĐOÀN PHÁO BINH 368", "LĐ368", "Bắc Giang"),
    _unit("Lữ đoàn 675", _ARTILLERY, "BINH CHỦNG PHÁO BINH", "LỮ ĐOÀN 675", "LĐ675", "Phú Thọ"),
    _unit("Tiểu đoàn 3, Lữ đoàn 675", _ARTILLERY, "LỮ ĐOÀN 675", "TIỂU ĐOÀN 3", "d3", "Phú Thọ"),
    _unit("Trung đoàn 291, Sư đoàn 361", _AIR, "SƯ ĐOÀN 361", "TRUNG ĐOÀN 291", "e291", "Hà Nội"),
    _unit("Trung đoàn 292, Sư đoàn 363", _AIR, "SƯ ĐOÀN 363", "TRUNG ĐOÀN 292", "e292", "Hải Phòng"),
    _unit("Trung đoàn 293, Sư đoàn 375", _AIR, "SƯ ĐOÀN 375", "TRUNG ĐOÀN 293", "e293", "Đà Nẵng"),
    _unit("Tiểu đoàn 14, Trung đoàn 291", _AIR, "TRUNG ĐOÀN 291", "TIỂU ĐOÀN 14", "d14", "Hà Nội"),
    _unit("Lữ đoàn 596", _ANY, "QUÂN KHU 7", "LỮ ĐOÀN 596", "LĐ596", "TP. Hồ Chí Minh"),
    _unit("Trung đoàn 738, Quân khu 3", _ANY, "QUÂN KHU 3", "TRUNG ĐOÀN 738", "e738", "Hải Dương"),
    _unit("Kho K3/Cục Kỹ thuật", _ANY, "CỤC KỸ THUẬT", "KHO K3", "K3", "Hòa Bình"),
    _unit("Kho K854/Cục Quân khí", frozenset({"gun", "radio"}), "CỤC QUÂN KHÍ", "KHO K854", "K854", "Thanh Hóa"),
    _unit("Kho K752/Cục Xe - Máy", frozenset({"tank", "apc", "truck"}), "CỤC XE - MÁY", "KHO K752", "K752", "Bắc Ninh"),
    _unit("Kho K60", frozenset({"radar", "radio"}), "QUÂN CHỦNG PK-KQ", "KHO K60", "K60", "Hà Nội"),
    # Names with the branch of service between the type and the number, as most real units print
    # them; the branch word is part of the name. Headers print them in upper case.
    _unit("Sư đoàn bộ binh 308", _ANY, "QUÂN ĐOÀN 1", "SƯ ĐOÀN BỘ BINH 308", "f308", "Hà Nội"),
    _unit("Trung đoàn bộ binh 36, Sư đoàn bộ binh 308", _ARMOUR | _ARTILLERY, "SƯ ĐOÀN BỘ BINH 308",
          "TRUNG ĐOÀN BỘ BINH 36", "e36", "Hà Nội"),
    _unit("Trung đoàn phòng không 280", _AIR, "QUÂN KHU 1", "TRUNG ĐOÀN PHÒNG KHÔNG 280", "e280", "Bắc Ninh"),
    _unit("Trung đoàn ra-đa 291", frozenset({"radar", "radio", "truck"}), "SƯ ĐOÀN 361", "TRUNG ĐOÀN RA-ĐA 291", "e291",
          "Hà Nội"),
    _unit("Tiểu đoàn thông tin 12", frozenset({"radio", "truck"}), "BINH CHỦNG THÔNG TIN LIÊN LẠC",
          "TIỂU ĐOÀN THÔNG TIN 12", "d12", "Hà Nội"),
    _unit("Lữ đoàn công binh 229", frozenset({"apc", "truck", "radio"}), "BINH CHỦNG CÔNG BINH", "LỮ ĐOÀN CÔNG BINH 229",
          "LĐ229", "Hà Nội"),
    _unit("Nhà máy Z153", frozenset({"tank", "apc", "gun", "truck"}), "TỔNG CỤC KỸ THUẬT", "NHÀ MÁY Z153", "Z153", "Hà Nội"),
)

_BRANCH = re.compile(r"(?:Sư|Lữ|Trung|Tiểu) đoàn [^\d,]+ \d")


def has_branch(unit_name: str | None) -> bool:
    """True for names with a branch of service between type and number ("Lữ đoàn xe tăng 203")."""
    return bool(unit_name) and bool(_BRANCH.search(unit_name))


DEPOTS: tuple[Unit, ...] = tuple(u for u in UNITS if u.name.startswith("Kho"))

# Bodies above the item's unit that decide, inspect or repair.
HIGHER: tuple[Issuer, ...] = (
    Issuer("BỘ QUỐC PHÒNG", "TỔNG CỤC KỸ THUẬT", "TCKT", "Hà Nội"),
    Issuer("TỔNG CỤC KỸ THUẬT", "CỤC XE - MÁY", "XM", "Hà Nội"),
    Issuer("TỔNG CỤC KỸ THUẬT", "CỤC QUÂN KHÍ", "QK", "Hà Nội"),
    Issuer("BỘ TỔNG THAM MƯU", "CỤC QUÂN LỰC", "QL", "Hà Nội"),
    Issuer("QUÂN KHU 1", "CỤC KỸ THUẬT QUÂN KHU 1", "CKT", "Thái Nguyên"),
    Issuer("QUÂN KHU 3", "CỤC KỸ THUẬT QUÂN KHU 3", "CKT", "Hải Phòng"),
    Issuer("QUÂN KHU 5", "CỤC KỸ THUẬT QUÂN KHU 5", "CKT", "Đà Nẵng"),
    Issuer("QUÂN ĐOÀN 1", "CỤC KỸ THUẬT QUÂN ĐOÀN 1", "CKT", "Ninh Bình"),
    Issuer("QUÂN CHỦNG PK-KQ", "CỤC KỸ THUẬT PK-KQ", "KT", "Hà Nội"),
    Issuer("BỘ TƯ LỆNH QUÂN KHU 1", "PHÒNG KỸ THUẬT", "PKT", "Thái Nguyên"),
)

FACTORIES: tuple[Issuer, ...] = (
    Issuer("TỔNG CỤC KỸ THUẬT", "NHÀ MÁY Z153", "Z153", "Hà Nội"),
    Issuer("TỔNG CỤC KỸ THUẬT", "NHÀ MÁY Z751", "Z751", "TP. Hồ Chí Minh"),
    Issuer("CỤC XE - MÁY", "NHÀ MÁY Z151", "Z151", "Hà Nội"),
    Issuer("CỤC QUÂN KHÍ", "NHÀ MÁY Z183", "Z183", "Hà Nội"),
    Issuer("QUÂN CHỦNG PK-KQ", "NHÀ MÁY A31", "A31", "Hà Nội"),
    Issuer("QUÂN KHU 3", "XƯỞNG X.42", "X42", "Hải Phòng"),
)


_UNIT_ISSUERS = {unit.name: Issuer(unit.superior, unit.header, unit.code, unit.place) for unit in UNITS}


def unit_issuer(unit: Unit) -> Issuer:
    return _UNIT_ISSUERS[unit.name]


SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Phan", "Trịnh")
MIDDLE = ("Văn", "Đức", "Minh", "Quang", "Hữu", "Xuân", "Công", "Thanh", "Mạnh", "Tiến", "Ngọc")
GIVEN = ("Hùng", "Dũng", "Thắng", "Tuấn", "Hải", "Long", "Nam", "Sơn", "Bình", "Cường", "Thành", "Quyết", "Hòa", "Thủy", "Khoa", "Lực", "Chiến", "Toàn", "Việt", "Huy")
RANKS = ("Đại tá", "Thượng tá", "Trung tá", "Thiếu tá", "Đại úy", "Thượng úy")


def person(rng: random.Random) -> str:
    return f"{pick(rng, RANKS)} {pick(rng, SURNAMES)} {pick(rng, MIDDLE)} {pick(rng, GIVEN)}"


CHECK_ROWS: dict[str, tuple[str, ...]] = {
    "tank": ("Động cơ", "Hệ thống truyền lực", "Hệ thống di chuyển", "Vũ khí, khí tài", "Hệ thống điện", "Thiết bị thông tin"),
    "apc": ("Động cơ", "Hệ thống truyền lực", "Hệ thống lái", "Vũ khí trang bị", "Hệ thống điện", "Thân vỏ"),
    "gun": ("Nòng pháo", "Khóa nòng", "Bộ phận hãm lùi", "Máy ngắm", "Giá pháo, bánh xe", "Phụ tùng đồng bộ"),
    "radar": ("Máy phát", "Máy thu", "Hệ thống anten", "Khối chỉ thị", "Trạm nguồn", "Xe, moóc mang đài"),
    "truck": ("Động cơ", "Hộp số, cầu xe", "Hệ thống phanh", "Hệ thống lái", "Hệ thống điện", "Thùng xe, khung xe"),
    "radio": ("Khối thu phát", "Khối nguồn", "Anten", "Tai nghe, micro", "Phụ kiện đồng bộ"),
}

CONDITIONS_BY_GRADE: dict[int, tuple[str, ...]] = {
    1: ("Tốt", "Mới, đồng bộ"),
    2: ("Tốt", "Hoạt động bình thường"),
    3: ("Hoạt động bình thường", "Mòn trong giới hạn", "Tốt"),
    4: ("Mòn quá giới hạn", "Hoạt động không ổn định", "Cần sửa chữa"),
    5: ("Hỏng", "Hỏng, không khắc phục được", "Thiếu đồng bộ"),
}

SPECS: dict[str, tuple[tuple[str, str, float], ...]] = {  # (parameter, unit, typical value)
    "tank": (("Khối lượng chiến đấu", "tấn", 36.0), ("Kíp xe", "người", 4), ("Công suất động cơ", "mã lực", 520),
             ("Tốc độ tối đa", "km/h", 50), ("Cỡ nòng pháo chính", "mm", 100), ("Cơ số đạn", "viên", 43),
             ("Dung tích thùng nhiên liệu", "lít", 812), ("Hành trình dự trữ", "km", 400)),
    "apc": (("Khối lượng chiến đấu", "tấn", 10.3), ("Kíp xe", "người", 3), ("Số người chở", "người", 8),
            ("Công suất động cơ", "mã lực", 180), ("Tốc độ tối đa", "km/h", 80), ("Hành trình dự trữ", "km", 500)),
    "gun": (("Cỡ nòng", "mm", 122), ("Khối lượng chiến đấu", "kg", 3210), ("Tầm bắn xa nhất", "m", 15400),
            ("Tốc độ bắn", "phát/phút", 7), ("Góc tầm", "độ", 70), ("Kíp pháo", "người", 7)),
    "radar": (("Dải sóng", "m", 2), ("Cự ly phát hiện", "km", 250), ("Công suất xung", "kW", 260),
              ("Tốc độ quay anten", "vòng/phút", 6), ("Thời gian triển khai", "phút", 30), ("Kíp trắc thủ", "người", 5)),
    "truck": (("Tải trọng", "tấn", 5.0), ("Khối lượng bản thân", "tấn", 6.7), ("Công suất động cơ", "mã lực", 150),
              ("Công thức bánh xe", "", 6), ("Tốc độ tối đa", "km/h", 80), ("Dung tích thùng nhiên liệu", "lít", 340)),
    "radio": (("Dải tần số", "MHz", 30), ("Công suất phát", "W", 20), ("Cự ly liên lạc", "km", 20),
              ("Số kênh nhớ", "kênh", 10), ("Điện áp nguồn", "V", 26), ("Khối lượng", "kg", 20.5)),
}

ACCESSORIES: tuple[tuple[str, str], ...] = (
    ("Bộ dụng cụ sửa chữa kèm theo", "bộ"), ("Bộ phụ tùng dự trữ (ZIP)", "bộ"), ("Bạt che", "chiếc"),
    ("Kích nâng", "chiếc"), ("Dây kéo", "sợi"), ("Bình chữa cháy", "bình"), ("Ắc quy", "bình"),
    ("Sổ lý lịch trang bị", "quyển"), ("Tài liệu hướng dẫn sử dụng", "quyển"), ("Ống nhòm", "chiếc"),
    ("Tai nghe, micro", "bộ"), ("Hòm đựng dụng cụ", "chiếc"), ("Xẻng, cuốc", "chiếc"), ("Can đựng dầu", "chiếc"),
    ("Bộ đèn chiếu sáng", "bộ"), ("Cáp nguồn", "sợi"),
)

METER: dict[str, tuple[str, str]] = {
    "tank": ("Số giờ động cơ", "giờ"),
    "apc": ("Số km đã chạy", "km"),
    "gun": ("Số phát bắn", "phát"),
    "radar": ("Số giờ hoạt động", "giờ"),
    "truck": ("Số km đã chạy", "km"),
    "radio": ("Số giờ hoạt động", "giờ"),
}

LOGBOOK_TITLES: dict[str, tuple[str, ...]] = {
    "tank": ("LÝ LỊCH TRANG BỊ KỸ THUẬT", "LÝ LỊCH XE"),
    "apc": ("LÝ LỊCH TRANG BỊ KỸ THUẬT", "LÝ LỊCH XE"),
    "truck": ("LÝ LỊCH TRANG BỊ KỸ THUẬT", "LÝ LỊCH XE"),
    "gun": ("LÝ LỊCH TRANG BỊ KỸ THUẬT", "LÝ LỊCH VŨ KHÍ"),
    "radar": ("LÝ LỊCH TRANG BỊ KỸ THUẬT",),
    "radio": ("LÝ LỊCH TRANG BỊ KỸ THUẬT",),
}
