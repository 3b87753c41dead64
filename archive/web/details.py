"""Why something failed, in the page's language. The use cases, the ingest pipeline and the job records speak
English (the API, the CLI and the logs keep it); a page shows each known kind of reason through the catalog,
with the technical tail (a parser's own words, a byte count) kept as it was. An unknown reason is shown as is."""

from __future__ import annotations

import re
from dataclasses import dataclass
from gettext import NullTranslations
from typing import Callable


def N_(message: str) -> str:
    """Marks a message for the catalog; translated when shown."""
    return message


@dataclass(frozen=True)
class Reason:
    pattern: re.Pattern[str]
    message: str  # English, with the pattern's named groups as %(name)s


def _reason(pattern: str, message: str) -> Reason:
    return Reason(re.compile(pattern, re.S), message)


# Most specific first; each pattern matches the whole reason.
REASONS: tuple[Reason, ...] = (
    # files that could not be ingested (ingest/, archive/queue.py)
    _reason(r"empty file", N_("the file is empty")),
    _reason(r"unsupported file type \(starts with (?P<head>[0-9a-f ]+)\); expected PDF, TIFF, JPEG or PNG",
            N_("not a PDF, TIFF, JPEG or PNG file (it starts with the bytes %(head)s): scan it again as one of those")),
    _reason(r"(?P<name>.+): unsupported file type.*",
            N_("%(name)s is not a PDF, TIFF, JPEG or PNG file: scan it again as one of those")),
    _reason(r"the PDF is password-protected.*", N_("the PDF is protected by a password: ingest an unprotected copy")),
    _reason(r"unreadable PDF(?:: | \()(?P<why>.*?)\)?", N_("the PDF is damaged and cannot be read (%(why)s): scan the paper again")),
    _reason(r"the PDF is readable by PDFium only", N_("the PDF is damaged and cannot be read: scan the paper again")),
    _reason(r"the PDF has no page (?P<page>\d+)", N_("the PDF has no page %(page)s")),
    _reason(r"the page tree goes past a parser limit: (?P<why>.*)",
            N_("the PDF's list of pages is too large to read safely (%(why)s)")),
    _reason(r"image too large to decode safely: (?P<why>.*)",
            N_("the image is too large to open safely (%(why)s): scan it at a lower resolution")),
    _reason(r"not a readable image.*", N_("the image is damaged, cut short or of a kind that cannot be read")),
    _reason(r"unreadable image: (?P<why>.*)", N_("the image cannot be read (%(why)s)")),
    _reason(r"page (?P<page>\d+) cannot be (?:decoded|rendered): (?P<why>.*)", N_("page %(page)s cannot be read (%(why)s)")),
    _reason(r"(?P<pages>[\d,]+) pages, more than the limit of (?P<limit>[\d,]+)",
            N_("%(pages)s pages, more than the limit of %(limit)s: split the file")),
    _reason(r"(?P<name>.+): larger than the limit of (?P<limit>[\d,]+) bytes",
            N_("%(name)s is larger than the limit of %(limit)s bytes: split it or scan at a lower resolution")),
    _reason(r"(?P<size>[\d,]+) bytes, more than the limit of (?P<limit>[\d,]+)",
            N_("%(size)s bytes, more than the limit of %(limit)s: split it or scan at a lower resolution")),
    _reason(r"(?P<count>\d+) files: more than the limit of (?P<limit>\d+) in one upload",
            N_("%(count)s files, more than the limit of %(limit)s in one upload: send them in several")),
    _reason(r"no file to ingest", N_("no file was chosen")),
    _reason(r"manifest: (?P<why>.*)", N_("the manifest cannot be used: %(why)s")),
    _reason(r"OCR timed out after (?P<seconds>\d+) s or failed",
            N_("reading the page image took more than %(seconds)s seconds or failed: try again, or tell the operator")),
    _reason(r"cannot read the file: (?P<why>.*)", N_("the file cannot be read (%(why)s)")),
    _reason(r"the staged copy of the file is gone.*",
            N_("the uploaded copy of the file was removed before it was read: upload it again")),
    _reason(r"unexpected error while ingesting: (?P<why>.*)",
            N_("an unexpected error stopped this file (%(why)s): tell the operator")),
    # refusals of the use cases (archive/)
    _reason(r"the role (?P<role>\w+) may not .*", N_("the role %(role)s does not allow this")),
    _reason(r"no document (?P<id>\S+)", N_("there is no document %(id)s that you may see")),
    _reason(r"document (?P<id>\S+) has no version (?P<version>\d+).*", N_("this document has no version %(version)s that you may see")),
    _reason(r"document (?P<id>\S+) has pages 1\.\.(?P<count>\d+)", N_("this document has pages 1 to %(count)s")),
    _reason(r"no job (?P<id>\S+)", N_("there is no upload %(id)s of yours")),
    _reason(r"no user (?P<name>.+)", N_("there is no user %(name)s")),
    _reason(r"no equipment with serial number (?P<serial>.+)", N_("the archive holds no item with serial number %(serial)s")),
    _reason(r"a user named '(?P<name>.+)' already exists", N_("a user named %(name)s already exists: choose another name")),
    _reason(r"a password has at least 8 characters", N_("a password has at least 8 characters")),
    _reason(r"a user name is 1-64 letters.*",
            N_("a user name is 1 to 64 letters, digits, '.', '_', '@' or '-', and starts with a letter or digit")),
    _reason(r"unknown role '(?P<value>.*)'; roles: (?P<known>.*)", N_("'%(value)s' is not a role (roles: %(known)s)")),
    _reason(r"unknown clearance '(?P<value>.*)'; clearances: (?P<known>.*)",
            N_("'%(value)s' is not a clearance (clearances: %(known)s)")),
    _reason(r"date_from is after date_to", N_("the first date is after the last one")),
    _reason(r"invalid correction: (?P<reasons>.*)", N_("the correction was not saved: %(reasons)s")),
    _reason(r"cannot correct (?P<names>.*); correctable fields: .*", N_("%(names)s cannot be corrected here")),
    # typed field values (archive/field_values.py)
    _reason(r"'(?P<value>.*)' is not a date .*", N_("'%(value)s' is not a date: write it as 05/01/2020 (day first)")),
    _reason(r"unknown document type '(?P<value>.*)' \(known: (?P<known>.*)\)",
            N_("'%(value)s' is not a document type (known: %(known)s)")),
    _reason(r"(?P<field>\w+) '(?P<value>.*)' is not one of (?P<known>.*)", N_("'%(value)s' is not allowed here (allowed: %(known)s)")),
    _reason(r"quality_grade '(?P<value>.*)' is not a whole number from 1 to 5",
            N_("'%(value)s' is not a quality grade: write a number from 1 to 5")),
    _reason(r"year_of_manufacture '(?P<value>.*)' is not a four-digit year", N_("'%(value)s' is not a year: write four digits")),
    _reason(r"serial_number '(?P<value>.*)' holds no letters or digits", N_("a serial number needs letters or digits")),
    _reason(r"document_date (?P<value>\S+) is outside (?P<first>[\d-]+)\.\.(?P<last>[\d-]+)",
            N_("the date %(value)s is outside %(first)s to %(last)s")),
    _reason(r"year_of_manufacture (?P<value>\S+) is outside (?P<first>\d+)\.\.(?P<last>\d+)",
            N_("the year %(value)s is outside %(first)s to %(last)s")),
    _reason(r"quality_grade (?P<value>\S+) is not a grade from (?P<first>\d) to (?P<last>\d)",
            N_("the grade %(value)s is not from %(first)s to %(last)s")),
    # the stores and services behind the archive
    _reason(r"the audit trail cannot be written, so nothing is done: (?P<why>.*)",
            N_("the audit trail cannot be written, so nothing was done (%(why)s)")),
    _reason(r"(?:storage|index|queue|stored|reading the original|the stored original|the index) .*",
            N_("a store behind the archive did not answer or failed a check (%(reason)s)")),
)
_NESTED = {"reasons": "; "}  # groups that hold several reasons of their own


def localized(reason: str | None, catalog: NullTranslations, shown: Callable[[str, str], str] = lambda _, v: v) -> str:
    """A reason in the catalog's language: the first known kind it matches, its parts kept; else as it came.
    `shown(group, value)` names a part as the page does (a role by its label)."""
    if not reason:
        return ""
    for known in REASONS:
        found = known.pattern.fullmatch(reason.strip())
        if found is None:
            continue
        parts: dict[str, str] = {"reason": reason}
        for name, value in found.groupdict().items():
            separator = _NESTED.get(name)
            if separator:
                parts[name] = separator.join(localized(part, catalog, shown) for part in value.split(separator))
            else:
                parts[name] = shown(name, value or "")
        return catalog.gettext(known.message) % parts
    return reason
