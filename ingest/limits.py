"""Limits that keep one hostile or huge file from taking the batch down."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExtractionLimits:
    max_bytes: int = 512 * 1024 * 1024
    max_pages: int = 2000
    max_pixels: int = 150_000_000  # per page image; an A0 sheet at 300 dpi is ~140 Mpx
    ocr_timeout_s: float = 180.0  # per page
    min_text_chars: int = 40  # a text layer shorter than this (letters/digits) is not usable
    # Enforced around the parsing process (archive.batch), not inside it: a parser that hangs or
    # balloons is killed from outside, and only its file fails.
    file_timeout_s: float = 1800.0  # wall clock for one whole file
    worker_memory_bytes: int = 3 << 30  # data segment of one parsing process (Tesseract included)
