"""The archive's vocabularies, spelled once: document types, classifications, repair levels, roles.

Every room imports them from here: extraction, manifests, the index, the policy and the pages.
"""

from __future__ import annotations

from typing import Literal, get_args

DocType = Literal[
    "logbook", "handover", "inspection", "maintenance", "repair", "transfer",
    "grade_change", "storage", "inventory", "decommission", "other",
]
DOC_TYPES: tuple[str, ...] = get_args(DocType)

# Law on Protection of State Secrets (2018): Mật, Tối mật, Tuyệt mật; ordered from least to most secret.
Classification = Literal["unclassified", "confidential", "secret", "top_secret"]
CLASSIFICATIONS: tuple[str, ...] = get_args(Classification)
CLASSIFICATION_RANK: dict[str, int] = {name: rank for rank, name in enumerate(CLASSIFICATIONS)}
CLASSIFICATION_STAMPS: dict[str, str] = {"confidential": "MẬT", "secret": "TỐI MẬT", "top_secret": "TUYỆT MẬT"}

RepairLevel = Literal["minor", "medium", "major"]
REPAIR_LEVELS: tuple[str, ...] = get_args(RepairLevel)

Role = Literal["clerk", "technician", "inspector", "records_officer", "auditor"]
ROLES: tuple[str, ...] = get_args(Role)


def classification_rank(value: str | None) -> int:
    """How secret a document is. An unread classification (None) counts as the highest until a person decides:
    the archive fails closed."""
    if value is None:
        return CLASSIFICATION_RANK["top_secret"]
    return CLASSIFICATION_RANK[value]


# Equipment models common in the Vietnam People's Army, in catalogue spelling: the form designations are
# stored, shown and faceted under. `common.designations.normalize_designation` maps printed, typed and
# OCR-damaged forms ("T55", "PT 76", "Zil-131", "T-5S") onto these entries.
DESIGNATIONS: tuple[str, ...] = (
    # tanks
    "T-34", "T-34-85", "T-54", "T-54A", "T-54B", "T-54M", "T-55", "T-55A", "T-55M", "T-55M3", "T-62", "T-62M",
    "T-72", "T-90S", "T-90SK", "Type 59", "Type 62", "Type 63", "PT-76", "PT-76B",
    # armoured personnel carriers, infantry fighting and reconnaissance vehicles
    "BTR-40", "BTR-50P", "BTR-50PK", "BTR-60P", "BTR-60PB", "BTR-152", "BMP-1", "BMP-2", "BRDM-1", "BRDM-2",
    "M113", "MT-LB", "K-63", "XTC-02",
    # guns, howitzers, rocket launchers, anti-aircraft guns, recoilless rifles
    "D-20", "D-30", "D-44", "D-48", "D-74", "M-30", "M-46", "M-38", "A-19", "ML-20", "ZIS-3", "KS-12", "KS-19",
    "S-60", "ZU-23-2", "ZSU-23-4", "ZSU-57-2", "ZPU-1", "ZPU-2", "ZPU-4", "BM-14", "BM-21", "DKZ-57", "DKZ-75",
    "DKZ-82", "B-10", "B-11", "SPG-9", "2S1", "2S3",
    # radars and missile guidance
    "P-12", "P-14", "P-15", "P-18", "P-19", "P-35", "P-37", "PRV-11", "PRV-13", "PRV-16", "36D6", "SNR-75",
    "SNR-125", "VRS-2M", "S-75", "S-125",
    # trucks, tractors, staff cars
    "ZIL-130", "ZIL-131", "ZIL-157", "ZIL-157K", "URAL-375", "URAL-375D", "URAL-4320", "KrAZ-214", "KrAZ-255B",
    "KrAZ-260", "GAZ-51", "GAZ-63", "GAZ-66", "GAZ-69", "UAZ-469", "MAZ-537", "MAZ-543", "KamAZ-4310",
    "KamAZ-43118", "Tatra-813", "ATS-59",
    # radios
    "R-105M", "R-107", "R-107M", "R-108M", "R-109M", "R-111", "R-123M", "R-130M", "R-140", "R-159", "R-173",
    "PRC-25", "PRC-77", "VRC-811", "VRU-812",
)


# Unit names are *type [branch] number* ("Lữ đoàn xe tăng 203", "Kho K60") or *type name* ("Cục Ra đa",
# "Bộ Tư lệnh Thủ đô"), chained from the smallest ("Trung đoàn 24, Sư đoàn 304"). The spellings below are the
# canonical ones: extraction puts an OCR-damaged mark on one of these words right and maps an upper-case
# header form ("LỮ ĐOÀN XE TĂNG 203") to this sentence case. Longer entries first where one opens another.
UNIT_TYPES: tuple[str, ...] = (
    "Sư đoàn", "Lữ đoàn", "Trung đoàn", "Tiểu đoàn", "Đại đội", "Trung đội", "Quân khu", "Quân đoàn", "Quân chủng",
    "Binh chủng", "Binh đoàn", "Bộ Tư lệnh", "Bộ Chỉ huy quân sự", "Ban Chỉ huy quân sự", "Bộ Chỉ huy", "Hải đoàn",
    "Hải đội", "Vùng", "Kho", "Nhà máy", "Xưởng", "Trạm", "Tổng cục", "Cục", "Học viện", "Trường", "Trung tâm",
    "Viện", "Phòng", "Cụm", "Tiểu khu", "Phân đội",
)
# Types whose name may be words rather than a number: "Cục Ra đa", "Binh chủng Công binh", "Quân khu Thủ đô".
NAMED_UNIT_TYPES: frozenset[str] = frozenset({
    "Quân khu", "Quân đoàn", "Quân chủng", "Binh chủng", "Binh đoàn", "Bộ Tư lệnh", "Bộ Chỉ huy quân sự",
    "Ban Chỉ huy quân sự", "Bộ Chỉ huy", "Tổng cục", "Cục", "Học viện", "Trường", "Trung tâm", "Viện", "Phòng", "Nhà máy",
    "Xưởng", "Trạm", "Kho",
})
# Branches of service and specialities printed between a unit's type and its number; part of the name.
UNIT_BRANCHES: tuple[str, ...] = (
    "bộ binh cơ giới", "bộ binh cơ động", "bộ binh", "cơ giới", "xe tăng", "tăng thiết giáp", "thiết giáp",
    "pháo binh", "pháo phòng không", "pháo cao xạ", "pháo phản lực", "pháo tự hành", "phòng không - không quân",
    "phòng không", "cao xạ", "ra-đa", "ra đa", "rađa", "radar", "tên lửa phòng không", "tên lửa", "thông tin liên lạc",
    "thông tin", "công binh", "hóa học", "phòng hóa", "đặc công", "trinh sát", "vận tải", "kỹ thuật", "không quân",
    "hải quân", "tác chiến điện tử", "huấn luyện", "hậu cần", "quân y", "sửa chữa", "quân khí", "xe máy", "xe - máy",
    "biên phòng", "cảnh sát biển", "thủy quân lục chiến", "hải quân đánh bộ", "tàu ngầm",
)


# What an item is called before its model ("Xe tăng T-55", "Đài ra đa P-18"): the canonical spellings OCR's lost
# marks are put back from (a name's model and any word not listed here stay as printed).
# Countries that supplied the army's equipment, as Vietnamese records write them.
COUNTRIES: tuple[str, ...] = (
    "Liên Xô", "Liên bang Nga", "Nga", "Trung Quốc", "Tiệp Khắc", "Cộng hòa Séc", "Ba Lan", "Cộng hòa Dân chủ Đức",
    "Đông Đức", "Hung-ga-ri", "Hungary", "Bun-ga-ri", "Bulgaria", "Ru-ma-ni", "Triều Tiên", "Việt Nam", "Ucraina",
    "U-crai-na", "Bê-la-rút", "Mỹ", "Hoa Kỳ", "Pháp", "Anh", "Nhật Bản", "Hàn Quốc", "Ấn Độ", "I-xra-en", "Cu Ba",
)
# The Vietnamese words of makers' names; the proper name after them stays as printed.
MAKER_WORDS: tuple[str, ...] = (
    "Nhà máy", "Xí nghiệp", "Tổng công ty", "Công ty", "Viện", "Liên hiệp", "Liên hợp", "cơ khí", "máy kéo",
    "ô tô", "xe tăng", "đóng tàu", "quốc phòng", "điện tử", "vô tuyến điện", "thông tin", "sửa chữa",
)
EQUIPMENT_NOUNS: tuple[str, ...] = (
    "Xe tăng lội nước", "Xe tăng", "Xe thiết giáp chở quân", "Xe thiết giáp trinh sát", "Xe thiết giáp",
    "Xe chiến đấu bộ binh", "Xe ô tô vận tải", "Xe ô tô chỉ huy", "Xe ô tô", "Xe kéo pháo", "Xe pháo phản lực",
    "Xe pháo tự hành", "Pháo lựu", "Pháo nòng dài", "Pháo phòng không", "Pháo cao xạ", "Pháo tự hành",
    "Pháo chống tăng", "Súng máy phòng không", "Súng chống tăng", "Súng không giật", "Đài ra đa", "Đài ra-đa",
    "Đài đo cao", "Máy thông tin vô tuyến điện", "Máy vô tuyến điện", "Máy thông tin", "Tên lửa", "Khí tài",
)
