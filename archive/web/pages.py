"""The web pages: server-rendered, in Vietnamese by default. Each route is a thin adapter like the API's: it
names the signed-in person (the session cookie), calls one use case (which checks the policy and writes the
audit entry) and renders the answer. A page never reaches past the use cases into storage or the index."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import jinja2
from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from markupsafe import Markup, escape

from archive.api.routes_ingest import queue_upload
from archive.api.auth import SESSION_COOKIE, clear_session_cookie, client_address, current_actor, set_session_cookie
from archive.errors import ArchiveError, Forbidden, InvalidRequest, NotFound, SerialNotFound, Unauthenticated
from archive.field_values import parse_day
from archive.identity import OPERATOR_ROLE, Principal
from archive.policy import Action, allowed
from archive.review import CORRECTABLE
from archive.web.details import REASONS, localized
from archive.web.i18n import LANGUAGE_COOKIE, LANGUAGES, language_of, long_date, number, translations
from common.text import fold, fold_map
from common.vocabulary import CLASSIFICATIONS, DOC_TYPES, ROLES, classification_rank
from search.types import SearchQuery

router = APIRouter(include_in_schema=False)
STATIC_DIR = Path(__file__).parent / "static"

# English labels; the Vietnamese ones are in the catalog (the titles printed on the papers, DOMAIN.md).
DOC_TYPE_LABELS = {
    "logbook": "Equipment logbook", "handover": "Handover record", "inspection": "Technical inspection",
    "maintenance": "Maintenance record", "repair": "Repair record", "transfer": "Transfer decision",
    "grade_change": "Quality grade change", "storage": "Long-term storage record", "inventory": "Inventory count",
    "decommission": "Decommissioning decision", "other": "Other document",
}
CLASSIFICATION_LABELS = {"unclassified": "Unclassified", "confidential": "Confidential", "secret": "Secret",
                         "top_secret": "Top secret"}
ROLE_LABELS = {"clerk": "Clerk", "technician": "Technician", "inspector": "Inspector",
               "records_officer": "Records officer", "auditor": "Auditor", OPERATOR_ROLE: "Operator"}
# The fields of a document, in the order a reader looks for them; labels in FIELD_LABELS.
FIELD_ORDER = ("doc_type", "document_number", "document_date", "classification", "serial_number", "designation", "name",
               "unit", "manufacturer", "country_of_origin", "year_of_manufacture", "quality_grade", "repair_level",
               "from_unit", "to_unit")
FIELD_LABELS = {
    "doc_type": "Document type", "document_number": "Number", "document_date": "Date", "classification": "Classification",
    "serial_number": "Serial", "designation": "Designation", "name": "Name", "unit": "Unit", "manufacturer": "Maker",
    "country_of_origin": "Country", "year_of_manufacture": "Year made", "quality_grade": "Quality grade",
    "repair_level": "Repair level", "from_unit": "From unit", "to_unit": "To unit",
}
SOURCE_LABELS = {"extracted": "read from the document", "confirmed": "read and confirmed", "manifest": "from the manifest",
                 "corrected": "corrected by a person", "": ""}
REPAIR_LABELS = {"minor": "minor repair", "medium": "medium repair", "major": "major repair"}
STATUS_LABELS = {"pending": "waiting", "ingested": "ingested", "duplicate": "already in the archive", "failed": "failed"}
SEARCH_FILTERS = ("doc_type", "unit", "designation", "serial", "classification", "date_from", "date_to", "sort")
PAGE_SIZE = 20
_HEX_ID = re.compile(r"[0-9a-f]{64}")
_LABELS = {"field": FIELD_LABELS, "source": SOURCE_LABELS, "repair": REPAIR_LABELS, "status": STATUS_LABELS}


@lru_cache(maxsize=None)
def _environment(language: str) -> jinja2.Environment:
    environment = jinja2.Environment(loader=jinja2.PackageLoader("archive.web", "templates"), autoescape=True,
                                     extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    catalog = translations(language)
    environment.install_gettext_translations(catalog, newstyle=True)  # type: ignore[attr-defined]
    environment.globals.update(
        long_date=lambda day: long_date(day, language), number=lambda value: number(value, language),
        doc_type_label=lambda value: catalog.gettext(DOC_TYPE_LABELS.get(value, value or "")),
        classification_label=lambda value: catalog.gettext(CLASSIFICATION_LABELS.get(value, value)),
        role_label=lambda value: catalog.gettext(ROLE_LABELS.get(value, value)),
        label=lambda table, value: catalog.gettext(_LABELS[table].get(value, value)) if value is not None else "",
        marked=_marked, languages=LANGUAGES, path_part=lambda value: quote(str(value), safe=""),
        reason=lambda text: localized(text, catalog, lambda group, value: (
            catalog.gettext(ROLE_LABELS.get(value, value)) if group == "role" else value)),
    )
    return environment


def _render(request: Request, template: str, status: int = 200, actor: Principal | None = None, **context: Any) -> HTMLResponse:
    language = language_of(request.cookies.get(LANGUAGE_COOKIE))
    body = _environment(language).get_template(template).render(
        language=language, actor=actor, here=_here(request),
        may=lambda action: actor is not None and allowed(actor, Action(action)), **context)
    # "no-referrer" (the API's default) makes a browser send `Origin: null` with the page's own forms, which the
    # cross-origin check must refuse; same-origin still gives other sites nothing.
    return HTMLResponse(body, status_code=status, headers={"Referrer-Policy": "same-origin"})


def _marked(highlight: str) -> Markup:
    """A search snippet with only its <mark> tags kept as HTML: everything else is text, whatever the index sent."""
    text = escape(html.unescape(highlight.replace("<mark>", "\x00").replace("</mark>", "\x01")))
    return Markup(str(text).replace("\x00", "<mark>").replace("\x01", "</mark>"))


def _here(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def _local(target: str | None) -> str:
    """Where to go after signing in: only a path on this server (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _signed_in(request: Request) -> Principal | None:
    try:
        return current_actor(request)
    except Unauthenticated:
        return None


class SignInFirst(Exception):
    """A page asked for by nobody signed in: the browser goes to /login, and comes back here afterwards."""

    def __init__(self, here: str) -> None:
        super().__init__(here)
        self.here = here


def _page_actor(request: Request) -> Principal:
    actor = _signed_in(request)
    if actor is None:
        raise SignInFirst(_here(request))
    return actor


PageActor = Annotated[Principal, Depends(_page_actor)]


async def sign_in_first(_: Request, exc: Exception) -> RedirectResponse:
    assert isinstance(exc, SignInFirst)
    return RedirectResponse("/login?" + urlencode({"next": exc.here}), status_code=303)


def _shown(request: Request, actor: Principal, template: str, name: str, use_case, status: int = 200,
           **context: Any) -> Response:
    """A page showing what one use case answers the person (or why it does not)."""
    try:
        answer = use_case(actor)
    except ArchiveError as exc:
        return _refusal(request, exc, actor)
    return _render(request, template, status, actor=actor, **{name: answer}, **context)


def _refusal(request: Request, exc: ArchiveError, actor: Principal | None) -> HTMLResponse:
    """The page's answer to a domain error: what happened and what to do next, never a trace."""
    status = (403 if isinstance(exc, Forbidden) else 404 if isinstance(exc, NotFound)
              else 422 if isinstance(exc, InvalidRequest) else 503)
    return _render(request, "problem.html", status, actor=actor, refused=status, detail=str(exc))


# ---- signing in and out ---------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> Response:
    if _signed_in(request) is not None:
        return RedirectResponse(_local(next), status_code=303)
    return _render(request, "login.html", next=_local(next), oidc=bool(request.app.state.settings.oidc_issuer))


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, username: Annotated[str, Form(max_length=128)], password: Annotated[str, Form(max_length=1024)],
          next: Annotated[str, Form(max_length=2000)] = "/") -> Response:
    archive = request.app.state.archive
    try:
        session = archive.sign_in(username, password, client_address(request))
    except Unauthenticated:
        return _render(request, "login.html", 401, next=_local(next), username=username, failed=True,
                       oidc=bool(request.app.state.settings.oidc_issuer))
    response = RedirectResponse(_local(next), status_code=303)
    set_session_cookie(response, session, request.app.state.settings)
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    actor = _signed_in(request)
    if actor is not None:
        request.app.state.archive.sign_out(actor, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response, request.app.state.settings)
    return response


@router.get("/language")
def choose_language(to: str, next: str = "/") -> Response:
    response = RedirectResponse(_local(next), status_code=303)
    if to in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, to, max_age=365 * 24 * 3600, httponly=True, samesite="lax", path="/")
    return response


# ---- search ----------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def search_page(request: Request, actor: PageActor, q: str = "", cursor: str | None = None) -> Response:
    chosen = {name: value.strip() for name in SEARCH_FILTERS if (value := request.query_params.get(name, "")).strip()}
    levels = [level for level in CLASSIFICATIONS if classification_rank(level) <= classification_rank(actor.clearance)]
    context = dict(actor=actor, q=q, chosen=chosen, doc_types=DOC_TYPES, levels=levels, found=None,
                   link=lambda **changes: _search_link(q, chosen, changes))
    try:
        query = SearchQuery(
            text=q, doc_type=chosen.get("doc_type"), unit=chosen.get("unit"), designation=chosen.get("designation"),
            serial=chosen.get("serial"), classification=chosen.get("classification"),
            date_from=_day(chosen.get("date_from")), date_to=_day(chosen.get("date_to")), limit=PAGE_SIZE, cursor=cursor,
            sort=chosen.get("sort", "relevance"))
        context["found"] = request.app.state.archive.search(actor, query)
    except InvalidRequest as exc:  # a filter value or a date that is none: said beside the form
        return _render(request, "search.html", 422, error=str(exc), **context)
    except ArchiveError as exc:
        return _refusal(request, exc, actor)
    return _render(request, "search.html", **context)


def _day(written: str | None):
    return parse_day(written, "date") if written else None


def _search_link(q: str, chosen: dict[str, str], changes: dict[str, str | None]) -> str:
    """This search with some filters set or removed (None), from its first page."""
    params = {"q": q, **chosen, **changes}
    return "/?" + urlencode({name: value for name, value in params.items() if value})


# ---- an item and its dossier ---------------------------------------------------------------------


@router.get("/equipment/{serial}", response_class=HTMLResponse)
def equipment_page(request: Request, actor: PageActor, serial: str) -> Response:
    try:
        item = request.app.state.archive.equipment(actor, serial)
    except SerialNotFound as exc:
        return _render(request, "problem.html", 404, actor=actor, refused=404, detail=exc.message,
                       candidates=exc.candidates)
    except ArchiveError as exc:
        return _refusal(request, exc, actor)
    levels = [summary.classification for summary in item.documents]
    return _render(request, "equipment.html", actor=actor, item=item, banner=_highest(levels),
                   may_export=allowed(actor, Action.EXPORT))


@router.get("/documents/{document_id}", response_class=HTMLResponse)
def document_page(request: Request, actor: PageActor, document_id: str, page: int = 1, q: str = "",
                  version: int | None = None) -> Response:
    """The document as it is now, or as an earlier version of its record had it (`version`): the same original."""
    archive = request.app.state.archive
    try:
        document = archive.document(actor, document_id)
        shown = (archive.document_version(actor, document.document_id, version)
                 if version is not None and version != document.version else document)
        text = archive.document_text(actor, document.document_id)
    except ArchiveError as exc:
        return _refusal(request, exc, actor)
    page = min(max(page, 1), max(document.page_count, 1))
    page_text = next((p.text for p in text.pages if p.number == page), "")
    return _render(request, "document.html", actor=actor, document=document, shown=shown, page=page, q=q,
                   page_text=marked_words(page_text, q),
                   banner=_highest([document.classification, shown.classification]),
                   may_download=allowed(actor, Action.DOWNLOAD), fields=_field_rows(shown))


def _highest(levels: list[str | None]) -> str | None:
    """The level a page showing these documents carries: the highest; a document whose stamp was not read
    counts as top secret until a records officer decides (as the policy treats it)."""
    if not levels:
        return None
    return max((level or "top_secret" for level in levels), key=classification_rank)


def _field_rows(document) -> list[tuple[str, Any, float | None, str, int | None]]:
    rows = []
    for name in FIELD_ORDER:
        record = document.fields.get(name)
        value = getattr(document, name, None)
        if record is None and value is None:
            continue
        rows.append((name, value, record.confidence if record else None, record.source if record else "", record.page if record else None))
    return rows


def marked_words(text: str, query: str) -> Markup:
    """The page's text with the query's words marked, matched with or without diacritics (as the search does)."""
    words = {fold(word) for word in query.split() if len(word) >= 2}
    if not words:
        return Markup(escape(text))
    folded, offsets = fold_map(text)
    spans = []
    for match in re.finditer(r"\w+", folded):
        if match.group() in words:
            spans.append((offsets[match.start()], offsets[match.end()]))
    out, last = [], 0
    for start, end in spans:
        out += [str(escape(text[last:start])), "<mark>", str(escape(text[start:end])), "</mark>"]
        last = end
    out.append(str(escape(text[last:])))
    return Markup("".join(out))


# ---- review of uncertain fields (clerks) ---------------------------------------------------------


@router.get("/review", response_class=HTMLResponse)
def review_list_page(request: Request, actor: PageActor) -> Response:
    return _shown(request, actor, "review_list.html", "items", request.app.state.archive.review_list,
                  done=request.query_params.get("done"))


@router.get("/review/{document_id}", response_class=HTMLResponse)
def review_item_page(request: Request, actor: PageActor, document_id: str) -> Response:
    archive = request.app.state.archive
    try:
        items = archive.review_list(actor)
        document = archive.document(actor, document_id)
    except ArchiveError as exc:
        return _refusal(request, exc, actor)
    position = next((n for n, item in enumerate(items) if item.document_id == document.document_id), None)
    if position is None:  # reviewed meanwhile, or never uncertain: back to the queue
        return RedirectResponse("/review", status_code=303)
    uncertain = items[position].uncertain
    editable = [name for name in FIELD_ORDER if name in uncertain and name in CORRECTABLE]
    pages_named = [uncertain[name].page for name in editable if uncertain[name].page]
    page = min(pages_named) if pages_named else 1
    return _render(request, "review_item.html", actor=actor, document=document, uncertain=uncertain, editable=editable,
                   page=page, crops=_crops(document, {name: uncertain[name] for name in editable}),
                   marks=_marks({name: uncertain[name] for name in editable}, page),
                   banner=_highest([document.classification]),
                   following=items[position + 1].document_id if position + 1 < len(items) else None,
                   waiting=len(items), may_correct=allowed(actor, Action.CORRECT))


@dataclass(frozen=True)
class _Crop:
    """The part of a page a value was read from, for an SVG that shows only that part of the page image."""

    page: int
    view_box: str  # in units where the page is 1000 wide
    width: float  # of the whole page image, same units
    height: float


def _crops(document, fields: dict) -> dict[str, _Crop]:
    aspects = {page.number: page.aspect for page in document.pages if page.aspect}
    crops = {}
    for name, record in fields.items():
        aspect = aspects.get(record.page)
        if record.region is None or aspect is None:
            continue
        left, top, width, height = record.region
        pad_x, pad_y = 0.02, height * 0.6  # a little of the paper around the line, as the eye needs
        x0, y0 = max(left - pad_x, 0.0), max(top - pad_y, 0.0)
        x1, y1 = min(left + width + pad_x, 1.0), min(top + height + pad_y, 1.0)
        box = (x0 * 1000, y0 * 1000 * aspect, (x1 - x0) * 1000, (y1 - y0) * 1000 * aspect)
        crops[name] = _Crop(record.page, " ".join(f"{v:.1f}" for v in box), 1000.0, round(1000 * aspect, 1))
    return crops


def _marks(fields: dict, page: int) -> dict[str, list[float]]:
    """The boxes of the values read on the page shown, outlined over its image."""
    return {name: record.region for name, record in fields.items() if record.region and record.page == page}


@router.post("/review/{document_id}")
async def review_submit(request: Request, actor: PageActor, document_id: str) -> Response:
    """The reviewed values, through the same use case as `PATCH /api/v1/documents/{id}` and `archive correct`."""
    form = await request.form()
    changes = {name: str(value).strip() or None for name, value in form.items() if name in CORRECTABLE}
    following = str(form.get("following") or "")
    try:
        await run_in_threadpool(request.app.state.archive.correct, actor, document_id, changes,
                                note=str(form.get("note") or "").strip() or "reviewed on the review page")
    except InvalidRequest as exc:
        return _render(request, "problem.html", 422, actor=actor, refused=422, detail=str(exc),
                       back=f"/review/{document_id}")
    except ArchiveError as exc:
        return _refusal(request, exc, actor)
    target = f"/review/{following}" if _HEX_ID.fullmatch(following) else "/review?done=1"
    return RedirectResponse(target, status_code=303)


# ---- upload (clerks) and a job's progress ---------------------------------------------------------


@router.get("/upload", response_class=HTMLResponse)
def upload_page(request: Request, actor: PageActor) -> Response:
    if not allowed(actor, Action.INGEST):
        return _refusal(request, Forbidden(f"the role {actor.role} may not ingest"), actor)
    settings = request.app.state.settings
    return _render(request, "upload.html", actor=actor, max_files=settings.max_upload_files)


@router.post("/upload", response_class=HTMLResponse)
async def upload_submit(request: Request, actor: PageActor,
                        files: Annotated[list[UploadFile], File()] = [],  # noqa: B006 (FastAPI's form default)
                        manifest: Annotated[UploadFile | None, File()] = None) -> Response:
    """The files and the manifest through the same upload as `POST /api/v1/ingest`; then the job's page."""
    settings = request.app.state.settings
    files = [upload for upload in files if upload.filename]  # a form sent with no file chosen carries one empty part
    manifest = manifest if manifest is not None and manifest.filename else None
    try:
        job_id, problems = await queue_upload(files, manifest, settings, request.app.state.archive, actor)
    except HTTPException as exc:
        return _render(request, "upload.html", exc.status_code, actor=actor, max_files=settings.max_upload_files,
                       error=str(exc.detail))
    except ArchiveError as exc:
        return _refusal(request, exc, actor)
    return RedirectResponse(f"/jobs/{quote(job_id, safe='')}", status_code=303)


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, actor: PageActor, job_id: str) -> Response:
    return _shown(request, actor, "job.html", "job", lambda actor: request.app.state.archive.job(actor, job_id))


@router.get("/jobs/{job_id}/progress", response_class=HTMLResponse)
def job_progress(request: Request, actor: PageActor, job_id: str) -> Response:
    """The progress part of the job's page alone: the page asks for it every second until the job is done."""
    return _shown(request, actor, "job_progress.html", "job", lambda actor: request.app.state.archive.job(actor, job_id))


# ---- likely rescans, the audit trail, people ---------------------------------------------------------


@router.get("/duplicates", response_class=HTMLResponse)
def duplicates_page(request: Request, actor: PageActor) -> Response:
    return _shown(request, actor, "duplicates.html", "listed", request.app.state.archive.likely_duplicates)


AUDIT_SHOWN = 500  # the newest entries; the filters narrow to what is looked for


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, actor: PageActor, user: str = "", document: str = "", since: str = "") -> Response:
    try:
        day = parse_day(since, "since") if since.strip() else None
        entries = request.app.state.archive.audit_entries(
            actor, user=user.strip() or None, document=document.strip() or None,
            since=datetime.combine(day, datetime.min.time()) if day else None)
    except InvalidRequest as exc:
        return _render(request, "audit.html", 422, actor=actor, entries=[], total=0, user=user, document=document,
                       since=since, error=str(exc))
    except ArchiveError as exc:
        return _refusal(request, exc, actor)
    newest = list(reversed(entries))[:AUDIT_SHOWN]
    return _render(request, "audit.html", actor=actor, entries=newest, total=len(entries), user=user,
                   document=document, since=since)


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, actor: PageActor) -> Response:
    return _users(request, actor)


def _users(request: Request, actor: Principal, status: int = 200, **context: Any) -> Response:
    return _shown(request, actor, "users.html", "people", request.app.state.archive.list_users, status=status,
                  roles=ROLES, levels=CLASSIFICATIONS, **context)


@router.post("/users", response_class=HTMLResponse)
def add_user(request: Request, actor: PageActor, name: Annotated[str, Form(max_length=64)], role: Annotated[str, Form()],
             clearance: Annotated[str, Form()], password: Annotated[str, Form(max_length=1024)],
             units: Annotated[str, Form(max_length=4000)] = "") -> Response:
    unit_list = [unit.strip() for unit in units.replace(";", "\n").splitlines() if unit.strip()]
    try:
        request.app.state.archive.add_user(actor, name.strip(), role, clearance, unit_list, password=password)
    except InvalidRequest as exc:
        return _users(request, actor, 422, error=str(exc))
    except ArchiveError as exc:
        return _refusal(request, exc, actor)
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{name}/disable", response_class=HTMLResponse)
def disable_user(request: Request, actor: PageActor, name: str) -> Response:
    try:
        request.app.state.archive.disable_user(actor, name)
    except ArchiveError as exc:
        return _refusal(request, exc, actor)
    return RedirectResponse("/users", status_code=303)
