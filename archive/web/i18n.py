"""The pages' languages: Vietnamese by default, English as a choice. Messages are written in English in the
templates and code and translated through the gettext catalog `locales/vi/LC_MESSAGES/messages.po` (Babel reads
the .po at start, so no compiled .mo has to be kept in step). Dates and numbers as each language writes them."""

from __future__ import annotations

import io
from datetime import date
from functools import lru_cache
from gettext import NullTranslations
from pathlib import Path

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
LANGUAGE_COOKIE = "archive_lang"
LOCALES = Path(__file__).parent / "locales"


def language_of(cookie: str | None) -> str:
    return cookie if cookie in LANGUAGES else DEFAULT_LANGUAGE


@lru_cache(maxsize=None)
def translations(language: str) -> NullTranslations:
    if language == "en":
        return NullTranslations()
    with open(LOCALES / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def long_date(day: date | None, language: str) -> str:
    """`ngày 05 tháng 01 năm 2020` as Vietnamese papers write it; `5 January 2020` in English."""
    if day is None:
        return ""
    if language == "vi":
        return f"ngày {day:%d} tháng {day:%m} năm {day:%Y}"
    return format_date(day, "d MMMM y", locale="en")


def number(value: int, language: str) -> str:
    """1.234 in Vietnamese, 1,234 in English."""
    return format_decimal(value, locale="vi" if language == "vi" else "en")
