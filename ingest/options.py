"""How a file is read: limits, the reading mode and the OCR language. A module of its own, light to import: the
command that hands files to the pool processes builds options without loading the readers themselves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from ingest.limits import ExtractionLimits

if TYPE_CHECKING:
    from ingest.preprocess import PreprocessOptions


@dataclass(frozen=True)
class ExtractionOptions:
    limits: ExtractionLimits = field(default_factory=ExtractionLimits)
    # "adaptive": read each page as it is, and again prepared for what it shows only when that reading is weak;
    # "plain": exactly one Tesseract pass on the page image as is (the benchmarks' baseline).
    reading: Literal["adaptive", "plain"] = "adaptive"
    # A fixed clean-up applied to every page instead (benchmarks that toggle steps one by one); None = per page.
    preprocess: PreprocessOptions | None = None
    ocr_lang: str = "vie+eng"
    ocr_psm: int = 3
