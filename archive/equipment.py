"""The derived equipment view: an item is the set of documents carrying its serial number."""

from __future__ import annotations

from datetime import date
from typing import Iterable

from archive.models import Document, DocumentSummary, Equipment, HistoryEvent
from common.identifiers import keyword_key

_GRADE_SOURCES = {"inspection", "logbook", "grade_change"}
_EVENT_VERBS = {
    "logbook": "Lập lý lịch",
    "handover": "Bàn giao",
    "inspection": "Kiểm tra kỹ thuật",
    "maintenance": "Bảo dưỡng",
    "repair": "Sửa chữa",
    "transfer": "Điều chuyển",
    "grade_change": "Chuyển cấp chất lượng",
    "storage": "Niêm cất",
    "inventory": "Kiểm kê",
    "decommission": "Loại khỏi biên chế",
    "other": "Tài liệu",
}
_REPAIR_WORDS = {"minor": "nhỏ", "medium": "vừa", "major": "lớn"}


def _order_key(document: Document) -> tuple[date, str]:
    return (document.document_date or date.min, document.ingested_at.isoformat())


def build_equipment(serial_number: str, documents: Iterable[Document], matched_by: str = "exact") -> Equipment:
    ordered = sorted(documents, key=_order_key)
    return Equipment(
        serial_number=serial_number,
        designation=_latest(ordered, "designation"),
        name=_latest(ordered, "name"),
        manufacturer=_latest(ordered, "manufacturer"),
        country_of_origin=_latest(ordered, "country_of_origin"),
        year_of_manufacture=_latest(ordered, "year_of_manufacture"),
        current_unit=_current_unit(ordered),
        quality_grade=_latest(ordered, "quality_grade", doc_types=_GRADE_SOURCES),
        status=_status(ordered),
        document_count=len(ordered),
        documents=[_summary(d) for d in ordered],
        history=[_event(d) for d in ordered],
        matched_by=matched_by,
    )


def _latest(ordered: list[Document], attribute: str, doc_types: set[str] | None = None):
    for document in reversed(ordered):
        if doc_types is not None and document.doc_type not in doc_types:
            continue
        value = getattr(document, attribute)
        if value is not None:
            return value
    return None


_TRANSFERS = {"transfer", "handover"}
# Repairs are done where the item was sent (a factory, a workshop): their unit is no evidence of the holder.
_NOT_THE_HOLDERS_DOCUMENTS = {"repair"}
# Bodies that inspect, repair, issue or store paperwork for an item without holding it.
_BODY_TYPES = ("nha may", "xuong", "tram", "cuc", "tong cuc", "phong", "bo tu lenh", "hoc vien", "vien", "trung tam")


def _dated(document: Document) -> bool:
    return document.document_date is not None


def _is_a_body(unit: str) -> bool:
    key = keyword_key(unit)
    return any(key == body or key.startswith(body + " ") for body in _BODY_TYPES)


def _current_unit(ordered: list[Document]) -> str | None:
    """Where the item is now. The receiving unit of the latest-dated transfer or handover (an undated one only
    when none is dated); without any transfer, the unit the item's own documents name, latest first, passing
    over a repairing, inspecting or issuing body while a holding unit is named anywhere."""
    transfers = [d for d in ordered if d.doc_type in _TRANSFERS and d.to_unit]
    dated = [d for d in transfers if _dated(d)]
    if dated or transfers:
        return max(dated, key=_order_key).to_unit if dated else transfers[-1].to_unit
    own = [d for d in ordered if d.unit and d.doc_type not in _NOT_THE_HOLDERS_DOCUMENTS]
    holders = [d for d in own if not _is_a_body(d.unit or "")]
    for pool in (holders, own, [d for d in ordered if d.unit]):
        if pool:
            return pool[-1].unit
    return None


def _status(ordered: list[Document]) -> str:
    for document in reversed(ordered):
        if document.doc_type == "decommission":
            return "decommissioned"
        if document.doc_type == "storage":
            title = (document.title or "").lower()
            return "in_service" if "mở" in title else "in_storage"
        if document.doc_type in {"transfer", "handover", "inspection", "repair", "maintenance", "logbook"}:
            return "in_service"
    return "in_service"


def _summary(document: Document) -> DocumentSummary:
    return DocumentSummary(
        document_id=document.document_id,
        doc_type=document.doc_type,
        title=document.title,
        document_number=document.document_number,
        document_date=document.document_date,
        filename=document.filename,
        page_count=document.page_count,
        classification=document.classification,
    )


def _event(document: Document) -> HistoryEvent:
    details = []
    if document.repair_level:
        details.append(f"cấp {_REPAIR_WORDS[document.repair_level]}")
    if document.from_unit or document.to_unit:
        details.append(f"từ {document.from_unit or '?'} về {document.to_unit or '?'}")
    if document.quality_grade is not None:
        details.append(f"cấp chất lượng {document.quality_grade}")
    summary = _EVENT_VERBS.get(document.doc_type, "Tài liệu")
    if details:
        summary += " " + ", ".join(details)
    if document.document_number:
        summary += f" (số {document.document_number})"
    return HistoryEvent(date=document.document_date, event_type=document.doc_type, summary=summary, document_id=document.document_id)
