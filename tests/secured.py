"""A secured archive for the permission and leak tests: documents at every classification, in and out of
one unit, one user per role (clearance `secret`, unit Lữ đoàn 201) with an API token, on any engines.

Documents are text PDFs (no OCR) whose stamps the extraction reads, as a clerk's scans would carry them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archive.bootstrap import build_archive
from archive.config import Settings
from archive.identity import local_operator
from common.vocabulary import CLASSIFICATIONS, ROLES
from tests.conftest import text_pdf

STAMPS = {"unclassified": "Độ mật: Thường", "confidential": "MẬT", "secret": "TỐI MẬT", "top_secret": "TUYỆT MẬT", None: ""}
IN_UNIT, OUT_UNIT = "Lữ đoàn 201", "Lữ đoàn 202"
USER_CLEARANCE = "secret"
ITEM_IN, ITEM_OUT = "KB-77-01", "KB-77-02"  # every in-unit document is about ITEM_IN, every out-of-unit one ITEM_OUT
LEVELS = (*CLASSIFICATIONS, None)  # None: no stamp read, treated as the highest level


def document_lines(level: str | None, unit: str) -> list[str]:
    code = f"{CLASSIFICATIONS.index(level) if level else 9}{unit[-1]}"
    return [line for line in (
        STAMPS[level],
        "BỘ QUỐC PHÒNG",
        f"Số: {code}/BB-KT",
        "Hà Nội, ngày 05 tháng 01 năm 2020",
        "BIÊN BẢN KIỂM TRA KỸ THUẬT",
        "Tên trang bị: Xe tăng T-54B",
        "Ký hiệu: T-54B",
        f"Số hiệu: {ITEM_IN if unit == IN_UNIT else ITEM_OUT}",
        f"Đơn vị quản lý: {unit}",
        f"Mã kiểm tra: matrixword{code} bảo mật",
        "Kết luận: đạt cấp chất lượng 2",
    ) if line]


def visible_to_user(level: str | None, unit: str, clearance: str = USER_CLEARANCE) -> bool:
    rank = CLASSIFICATIONS.index(level) if level else len(CLASSIFICATIONS) - 1
    return rank <= CLASSIFICATIONS.index(clearance) and unit == IN_UNIT


@dataclass
class SecuredArchive:
    settings: Settings
    documents: dict[tuple[str | None, str], str] = field(default_factory=dict)  # (level, unit) -> document id
    tokens: dict[str, str] = field(default_factory=dict)  # user name -> bearer token

    def headers(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def visible_ids(self, clearance: str = USER_CLEARANCE) -> set[str]:
        return {doc for (level, unit), doc in self.documents.items() if visible_to_user(level, unit, clearance)}


def build_secured(settings: Settings) -> SecuredArchive:
    settings = settings.model_copy(update={"auth": "on", "serve_workers": 0, "cookie_secure": False})
    secured = SecuredArchive(settings)
    archive = build_archive(settings, with_queue=False)
    operator = local_operator()
    try:
        for level in LEVELS:
            for unit in (IN_UNIT, OUT_UNIT):
                name = f"{level or 'unread'}-{unit[-3:]}.pdf"
                result = archive.service.ingest_bytes(text_pdf(document_lines(level, unit)), name)
                assert result.status == "ingested", result.error
                assert result.document.classification == level and result.document.unit == unit, result.document
                secured.documents[(level, unit)] = result.document_id
        for role in ROLES:
            archive.add_user(operator, role, role, USER_CLEARANCE, [IN_UNIT], password=f"{role}-password")
            secured.tokens[role] = archive.create_token(operator, role).secret
        # A second records officer, for the two-person rule, and a top-secret reader of every unit.
        archive.add_user(operator, "officer2", "records_officer", USER_CLEARANCE, [IN_UNIT], password="officer2-password")
        secured.tokens["officer2"] = archive.create_token(operator, "officer2").secret
        archive.add_user(operator, "chief", "technician", "top_secret", [], password="chief-password")
        secured.tokens["chief"] = archive.create_token(operator, "chief").secret
    finally:
        archive.close()
    return secured


def unsure_scan() -> bytes:
    """A scanned inspection (Mật, in the unit) whose serial label is illegible: its serial waits for review."""
    from tests.conftest import DOSSIER_KB_15_84, image_bytes, render_text_image

    lines = ["MẬT", *(line if not line.startswith("Số hiệu") else "S. h.ệu ...... KB-I5-84"
                      for line in DOSSIER_KB_15_84["inspection.pdf"])]
    return image_bytes(render_text_image(lines), "PNG")
