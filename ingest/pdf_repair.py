"""Opening damaged PDFs the way a reader would, before refusing them.

Attempts, in order, each on the bytes the previous one could not read:
1. pypdf as is (an empty user password is tried; encryption that covers only attachments is set aside);
   a page tree pypdf cannot walk (a cycle, broken /Kids) is walked here and rebuilt as a plain one;
2. qpdf's repair (pikepdf): a lost or wrong cross-reference table or trailer is reconstructed by scanning the
   objects, and the result is written out and read again by step 1;
3. PDFium alone: page count, text and rendering, no pypdf.
Only when all three fail is the file refused, with each attempt's reason on one line.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass

import pypdf
from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from ingest.errors import CorruptFile, EncryptedFile, LimitExceeded
from ingest.limits import ExtractionLimits

logging.getLogger("pypdf").setLevel(logging.ERROR)

PASSWORD_MESSAGE = "the PDF is password-protected; ingest an unprotected copy"
_PARSE_ERRORS = (PyPdfError, DependencyError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, RecursionError,
                 AssertionError, ZeroDivisionError)
# Page attributes a page inherits from its /Pages ancestors (PDF 32000-1, 7.7.3.4).
_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
# Bounds one walk of a page tree: a tree shaped as a wide DAG can list few pages yet many paths.
_MAX_TREE_NODES_PER_PAGE = 4


@dataclass(frozen=True)
class OpenedPdf:
    data: bytes  # the bytes every later step reads: the original, or its repaired copy
    reader: pypdf.PdfReader | None  # None: only PDFium reads this file
    page_count: int
    repairs: tuple[str, ...] = ()  # what had to be done, for the log


class _Unreadable(Exception):
    """One attempt failed; the message is its reason. `hostile` ends the attempts; `encryption` is what to tell the
    clerk if the file stays unread because of its encryption."""

    def __init__(self, reason: str, *, hostile: bool = False, encryption: str | None = None):
        super().__init__(reason)
        self.hostile = hostile
        self.encryption = encryption


def open_pdf_document(data: bytes, limits: ExtractionLimits) -> OpenedPdf:
    failures: list[_Unreadable] = []
    try:
        return _open_with_pypdf(data, limits)
    except _Unreadable as exc:
        if exc.hostile:
            raise CorruptFile(f"unreadable PDF: {exc}") from exc
        failures.append(_Unreadable(f"pypdf: {exc}", encryption=exc.encryption))
    try:
        repaired = _repair_with_qpdf(data, limits)
        opened = _open_with_pypdf(repaired, limits)
        return OpenedPdf(opened.data, opened.reader, opened.page_count, ("qpdf repair",) + opened.repairs)
    except _Unreadable as exc:
        failures.append(_Unreadable(f"qpdf repair: {exc}", encryption=exc.encryption))
    try:
        return _open_with_pdfium(data, limits)
    except _Unreadable as exc:
        failures.append(_Unreadable(f"PDFium: {exc}", encryption=exc.encryption))
    for failure in failures:
        if failure.encryption:
            raise EncryptedFile(failure.encryption)
    raise CorruptFile("unreadable PDF (" + "; ".join(str(failure) for failure in failures) + ")")


def _open_with_pypdf(data: bytes, limits: ExtractionLimits) -> OpenedPdf:
    repairs: tuple[str, ...] = ()
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            reader, data, unlocked = _unlock(reader, data)
            repairs += (unlocked,)
        try:
            count = len(reader.pages)
        except _PARSE_ERRORS as exc:
            if _caused_by_recursion(exc) or isinstance(exc, LimitReachedError):
                raise
            # pypdf refuses a cyclic or broken page tree outright; a reader shows the pages it can reach.
            data = _rebuild_page_tree(reader, limits, reason=_one_line(exc))
            reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
            count = len(reader.pages)
            repairs += ("page tree rebuilt",)
    except (EncryptedFile, LimitExceeded, _Unreadable):
        raise
    except FileNotDecryptedError as exc:
        raise _Unreadable(_one_line(exc), encryption=PASSWORD_MESSAGE) from exc
    except LimitReachedError as exc:
        # A page tree past pypdf's entry limit lists one page millions of times (a bomb: qpdf would copy each
        # repeat); pypdf's other limits are tighter than other parsers' and the next attempts may read the file.
        if "page tree" in str(exc).lower():
            raise LimitExceeded(f"the page tree goes past a parser limit: {_one_line(exc)}") from exc
        raise _Unreadable(_one_line(exc)) from exc
    except NotImplementedError as exc:  # an encryption algorithm pypdf lacks; PDFium may still know it
        message = f"the PDF uses an unsupported encryption: {_one_line(exc)}"
        raise _Unreadable(message, encryption=message) from exc
    except _PARSE_ERRORS as exc:
        if _caused_by_recursion(exc):
            # Objects nested thousands deep exist only to exhaust a parser's stack; other parsers merely skip them.
            raise _Unreadable("objects nested too deeply (recursion limit)", hostile=True) from exc
        raise _Unreadable(_one_line(exc)) from exc
    _check_page_count(count, limits)
    return OpenedPdf(data, reader, count, repairs)


def _check_page_count(count: int, limits: ExtractionLimits) -> None:
    if count == 0:
        raise _Unreadable("no pages")
    if count > limits.max_pages:
        raise LimitExceeded(f"{count} pages, more than the limit of {limits.max_pages}")


# --- encryption ---------------------------------------------------------------------------------------------------

def _unlock(reader: pypdf.PdfReader, data: bytes) -> tuple[pypdf.PdfReader, bytes, str]:
    if reader.decrypt(""):
        return reader, data, "empty user password"
    if encrypts_only_attachments(reader.trailer.get("/Encrypt")):
        plain = _without_encrypt_entry(data)
        if plain is not None:
            unlocked = pypdf.PdfReader(io.BytesIO(plain), strict=False)
            if not unlocked.is_encrypted:
                return unlocked, plain, "encryption covers only attachments"
        raise _Unreadable("encryption covers only attachments but its dictionary could not be set aside")
    raise EncryptedFile(PASSWORD_MESSAGE)


def encrypts_only_attachments(encrypt: object) -> bool:
    """True when the crypt filters for page streams and strings are Identity: the password guards only embedded
    files (/EFF) and the pages read without it (PDF 32000-1, 7.6.5)."""
    try:
        encrypt = encrypt.get_object() if encrypt is not None else None
        if not isinstance(encrypt, DictionaryObject) or int(encrypt.get("/V", 0)) < 4:
            return False  # before V4 one key encrypts every stream and string
        filters = encrypt.get("/CF", DictionaryObject()).get_object()

        def is_identity(key: str) -> bool:
            name = str(encrypt.get(key, "/Identity"))  # Identity is the default for both
            if name == "/Identity":
                return True
            crypt_filter = filters.get(name)
            return crypt_filter is not None and str(crypt_filter.get_object().get("/CFM", "/None")) == "/None"

        return is_identity("/StmF") and is_identity("/StrF")
    except Exception:  # a malformed dictionary is not evidence that the pages are readable
        return False


_ENCRYPT_REFERENCE = re.compile(rb"/Encrypt\s*\d+\s+\d+\s+R")


def _without_encrypt_entry(data: bytes) -> bytes | None:
    """The same file with each trailer's /Encrypt reference blanked out, byte for byte so that every
    cross-reference offset still holds. Only used when that encryption changes no page byte (Identity)."""
    if not _ENCRYPT_REFERENCE.search(data):
        return None
    return _ENCRYPT_REFERENCE.sub(lambda match: b" " * len(match.group(0)), data)


# --- page tree ----------------------------------------------------------------------------------------------------

def _rebuild_page_tree(reader: pypdf.PdfReader, limits: ExtractionLimits, *, reason: str) -> bytes:
    pages = list(walk_page_tree(reader, limits))
    if not pages:
        raise _Unreadable(f"{reason}; no page reachable in the page tree")
    writer = pypdf.PdfWriter()
    for page in pages:
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return _within_byte_limit(out.getvalue(), limits)


def _within_byte_limit(rewritten: bytes, limits: ExtractionLimits) -> bytes:
    """A rewritten copy is held beside the original; it answers to the same size limit."""
    if len(rewritten) > limits.max_bytes:
        raise LimitExceeded(f"the repaired copy is {len(rewritten):,} bytes, more than the limit of {limits.max_bytes:,}")
    return rewritten


def walk_page_tree(reader: pypdf.PdfReader, limits: ExtractionLimits):
    """The leaf pages in document order, each node entered at most once per path: a /Kids entry that points back
    to an ancestor (a cycle) is skipped instead of followed. Iterative, so a deep tree cannot exhaust the stack."""
    root = reader.trailer["/Root"].get_object().raw_get("/Pages")  # the reference itself, so a cycle back to it shows
    # Each entry: node reference or object, ancestor ids on its path, attributes inherited so far.
    stack: list[tuple[object, frozenset, dict]] = [(root, frozenset(), {})]
    visited_nodes = 0
    yielded = 0
    node_budget = (limits.max_pages + 1) * _MAX_TREE_NODES_PER_PAGE + 1000
    while stack:
        reference, ancestors, inherited = stack.pop()
        key = _node_key(reference)
        if key in ancestors:
            continue
        visited_nodes += 1
        if visited_nodes > node_budget:
            raise _Unreadable("page tree too large to walk")
        try:
            node = reference.get_object()
        except _PARSE_ERRORS:
            continue
        if not isinstance(node, DictionaryObject):
            continue
        raw_kids = node.raw_get("/Kids") if "/Kids" in node else None
        if raw_kids is not None and str(node.get("/Type", "/Pages")) != "/Page":
            try:
                kids = raw_kids.get_object()
            except _PARSE_ERRORS:
                continue
            if isinstance(kids, DictionaryObject):
                kids = [raw_kids]  # one kid written without its array brackets
            elif not isinstance(kids, ArrayObject):
                continue
            passed_down = dict(inherited)
            passed_down.update({name: node[name] for name in _INHERITED if name in node})
            path = ancestors | {key}
            stack.extend((kid, path, passed_down) for kid in reversed(kids))
            continue
        page = pypdf.PageObject(reader, reference if isinstance(reference, IndirectObject) else None)
        page.update(node)
        for name, value in inherited.items():
            if name not in page:
                page[NameObject(name)] = value
        page.pop(NameObject("/Parent"), None)
        page[NameObject("/Type")] = NameObject("/Page")  # a leaf is a page even when its /Type key is damaged
        yielded += 1
        if yielded > limits.max_pages:
            raise LimitExceeded(f"more than {limits.max_pages} pages, the limit")
        yield page


def _node_key(reference: object) -> object:
    if isinstance(reference, IndirectObject):
        return ("ref", reference.idnum, reference.generation)
    return ("direct", id(reference))


# --- qpdf and PDFium ----------------------------------------------------------------------------------------------

def _repair_with_qpdf(data: bytes, limits: ExtractionLimits) -> bytes:
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(data), attempt_recovery=True) as pdf:
            _check_page_count(len(pdf.pages), limits)
            out = io.BytesIO()
            pdf.save(out)
            return _within_byte_limit(out.getvalue(), limits)
    except pikepdf.PasswordError as exc:
        raise _Unreadable("password-protected", encryption=PASSWORD_MESSAGE) from exc
    except (pikepdf.PdfError, pikepdf.DataDecodingError, RuntimeError, ValueError, KeyError, TypeError, IndexError,
            OSError) as exc:
        raise _Unreadable(_qpdf_reason(exc)) from exc


def _open_with_pdfium(data: bytes, limits: ExtractionLimits) -> OpenedPdf:
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        message = _one_line(exc)
        raise _Unreadable(message, encryption=PASSWORD_MESSAGE if "password" in message.lower() else None) from exc
    try:
        listed = len(document)
        if listed > limits.max_pages:
            raise LimitExceeded(f"{listed} pages, more than the limit of {limits.max_pages}")
        # PDFium takes the count from /Count; only the pages it can load are pages a reader shows.
        count = sum(_pdfium_page_loads(document, index) for index in range(listed))
    finally:
        document.close()
    if listed and not count:
        raise _Unreadable(f"none of its {listed} listed pages can be loaded")
    _check_page_count(count, limits)
    return OpenedPdf(data, None, count, ("PDFium only",))


def _pdfium_page_loads(document, index: int) -> bool:
    import pypdfium2

    try:
        document[index].close()
    except pypdfium2.PdfiumError:
        return False
    return True


# --- reasons ------------------------------------------------------------------------------------------------------

def _caused_by_recursion(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, RecursionError):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


def _qpdf_reason(exc: BaseException) -> str:
    # qpdf prefixes its messages with the stream's Python repr; the clerk needs only what went wrong.
    text = _one_line(exc)
    return re.sub(r"^stream <[^>]*>(?: \([^)]*\))?: ", "", text)

