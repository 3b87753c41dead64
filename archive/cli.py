"""The `archive` command. Click/typer only at the edge: domain errors become messages and exit codes here."""

from __future__ import annotations

import html
import json
import re
import sys
from collections import Counter
from functools import lru_cache
from datetime import date
from pathlib import Path
from typing import Annotated, Callable, Optional, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from pydantic import ValidationError

from archive.config import Settings
from archive.field_values import parse_day
from archive.errors import ArchiveError, BackendUnavailable, Forbidden, InvalidRequest, NotConfigured, NotFound, Unauthenticated
from archive.identity import Principal, local_operator
from archive.logs import configure_logging
from archive.models import IngestResult
from archive.usecases import Archive
from search.types import SearchQuery

T = TypeVar("T")
# Every exit status of every command (README "Exit statuses"); scripts tell the outcomes apart by them.
EXIT_PROBLEMS_FOUND = 1  # a check found problems: verify, audit verify, ingest --dry-run, backup, restore; Ctrl-C
EXIT_USAGE = 2  # a wrong option or value, a bad ARCHIVE_* setting, no archive at ARCHIVE_DATA_DIR
EXIT_UNAVAILABLE = 3  # storage, index or queue did not answer
EXIT_NOT_FOUND = 4  # no such serial, document or job (or not one this person may see)
EXIT_DENIED = 5  # no valid token, or the role may not do this
EXIT_FILES_FAILED = 6  # ingest ran to the end, but some files failed (each listed with its reason)
EXIT_STATUSES = (
    (0, "done; for ingest: every file ingested or a duplicate"),
    (EXIT_PROBLEMS_FOUND, "a check found problems (verify, audit verify, ingest --dry-run, backup [--verify], "
                          "restore), or interrupted"),
    (EXIT_USAGE, "a wrong option or value, a bad ARCHIVE_* setting, or no archive at ARCHIVE_DATA_DIR"),
    (EXIT_UNAVAILABLE, "storage, index or queue did not answer"),
    (EXIT_NOT_FOUND, "no such serial, document or job"),
    (EXIT_DENIED, "no valid token, or the role may not do this"),
    (EXIT_FILES_FAILED, "ingest finished, but some files failed (each listed with its reason)"),
)

# Plain help (no rich panels): the rich renderer labels every flag `<bool>`, `--help` included.
app = typer.Typer(
    add_completion=False, no_args_is_help=True, rich_markup_mode=None,
    help="Records archive of technical-equipment dossiers.",
    epilog="Exit statuses: " + "; ".join(f"{code} {meaning}" for code, meaning in EXIT_STATUSES) + ".",
)
# Messages are never hard-wrapped: one error is one line, whatever the terminal's width.
err = Console(stderr=True, soft_wrap=True)
out = Console()


def _version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        out.print(f"archive {version('equipment-archive')}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_version,
                                          help="print the version and exit")] = False,
) -> None:
    """Records archive of technical-equipment dossiers."""


@lru_cache(maxsize=1)
def _settings() -> Settings:
    """The settings of this process, read once; a bad one is a one-line usage error naming the variable."""
    try:
        return Settings()
    except ValidationError as exc:
        for problem in exc.errors(include_url=False):
            name = "ARCHIVE_" + "_".join(map(str, problem["loc"])).upper()
            err.print(f"[red]error:[/red] {name}={problem.get('input')!r}: {escape(problem['msg'])}")
        raise typer.Exit(EXIT_USAGE) from None


def _open_archive(*, with_queue: bool = False, create: bool = False) -> Archive:
    """The archive of ARCHIVE_DATA_DIR; only commands that put something in it (`create`) may start a new one,
    so a mistyped path is an error, not an empty archive."""
    from archive.bootstrap import build_archive

    settings = _settings()
    if not create and settings.storage == "local" and not settings.storage_dir.is_dir():
        raise NotConfigured(f"no archive at {settings.data_dir.resolve()} (ARCHIVE_DATA_DIR): check the path;"
                            " `archive ingest` starts a new archive there")
    return build_archive(settings, with_queue=with_queue)


def _actor(archive: Archive) -> Principal:
    """The user of ARCHIVE_TOKEN; without one, the local operator (whoever can open the data directory)."""
    token = _settings().token
    if token:
        return archive.identify_token(token, "cli")
    return local_operator("cli")


def _with_archive(action: Callable[[Archive, Principal], T], *, with_queue: bool = False, create: bool = False) -> T:
    """Open the archive, act as the CLI's person, close it; domain errors become messages and exit codes."""
    try:
        archive = _open_archive(with_queue=with_queue, create=create)
        try:
            return action(archive, _actor(archive))
        finally:
            archive.close()
    except ArchiveError as exc:
        raise _fail(exc) from exc


def _fail(exc: ArchiveError) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(str(exc))}")
    if isinstance(exc, NotFound):
        return typer.Exit(EXIT_NOT_FOUND)
    if isinstance(exc, (InvalidRequest, NotConfigured)):
        return typer.Exit(EXIT_USAGE)
    if isinstance(exc, (Unauthenticated, Forbidden)):
        return typer.Exit(EXIT_DENIED)
    return typer.Exit(EXIT_UNAVAILABLE)


def _print_json(payload) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


@app.command()
def ingest(
    # Taken as text, made paths below: typer builds a pydantic validator for every Path value it converts, a
    # tenth of a second per 300 files on the command line before the first file is read.
    names: Annotated[list[str], typer.Argument(metavar="paths", help="files, folders (recursive) and zip files")],
    workers: Annotated[int, typer.Option(help="extraction processes; 0 = one per core")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per file on stdout")] = False,
    summary: Annotated[Optional[Path], typer.Option(help="also write the summary as JSON to this file")] = None,
    manifest: Annotated[Optional[Path], typer.Option(
        help="CSV manifest: a `file` column and Document fields (serial_number, doc_type, document_date, unit, ...)"
        " whose values win over extraction")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="with --manifest: check the manifest against the files, write the report, store nothing;"
        " exit 1 when there are problems")] = False,
    report: Annotated[Optional[Path], typer.Option(
        help="write the manifest report (problems, disagreements) as JSON here; --dry-run default: ./manifest-report.json")] = None,
    queue: Annotated[bool, typer.Option(
        "--queue", help="stage the files and queue them for `archive worker` processes (ARCHIVE_QUEUE) instead of"
        " ingesting here")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="with --queue: follow the job until every file is done")] = False,
) -> None:
    """Ingest scans: each file ends ingested, duplicate, or failed with a reason."""
    from archive.batch import BatchIngest

    paths = [Path(name) for name in names]
    loaded = _load_manifest(manifest) if manifest is not None else None
    if dry_run:
        if loaded is None:
            err.print("[red]error:[/red] --dry-run checks a manifest: give --manifest CSV")
            raise typer.Exit(EXIT_USAGE)
        raise typer.Exit(_manifest_dry_run(loaded, paths, report or Path("manifest-report.json"), as_json))
    settings = _settings()
    if queue:
        _enqueue(settings, paths, loaded, as_json=as_json, wait=wait)
        return
    try:
        archive = _open_archive(create=True)
        actor = _actor(archive)
        archive.authorize_ingest(actor, ", ".join(map(str, paths[:20])), len(paths))
    except ArchiveError as exc:
        raise _fail(exc) from exc
    counts: Counter[str] = Counter()
    failures: list[IngestResult] = []
    batch = BatchIngest(archive.service, workers=workers, manifest=loaded, journal_path=settings.batches_db,
                        archive=archive, actor=actor)
    with _progress() as progress:
        task = progress.add_task("ingest", total=None, pages=0, rate="")

        def on_result(result: IngestResult, pages: int) -> None:
            counts[result.status] += 1
            if result.status == "failed":
                failures.append(result)
            if result.index_pending:
                counts["index_pending"] += 1
            done_pages = progress.tasks[task].fields["pages"] + pages
            elapsed = progress.tasks[task].elapsed or 0
            rate = f"{done_pages / elapsed:.2f} pages/s" if elapsed and done_pages else ""
            progress.update(task, advance=1, pages=done_pages, rate=rate)

        def on_final(result: IngestResult) -> None:
            # Scans print after the end-of-batch serial confirmation, so every line is the stored truth.
            if as_json:
                payload = result.model_dump(mode="json")
                if loaded is not None:
                    payload["manifest_disagreements"] = [d.as_dict() for d in batch.disagreements.get(result.path, [])]
                _print_json(payload)

        try:
            batch.run(paths, on_result, on_total=lambda n: progress.update(task, total=n), on_final=on_final)
        except ArchiveError as exc:
            raise _fail(exc) from exc
        finally:
            archive.close()
    if batch.resumed:
        err.print(f"resumed an interrupted run of this batch: {batch.resumed} files were already done")
    if batch.still_pending:
        err.print(f"[yellow]{batch.still_pending} documents are stored but not indexed yet (the index did not answer):"
                  " run `archive reindex --pending` once it is back[/yellow]")
    manifest_report = None
    if loaded is not None:
        from archive.manifest import validation_report

        manifest_report = validation_report(loaded, batch.manifest_match, inputs=sum(counts[s] for s in ("ingested", "duplicate", "failed")))
        manifest_report["disagreements"] = [d.as_dict() for found in batch.disagreements.values() for d in found]
        if manifest_report["problems"]:
            err.print(f"manifest {escape(manifest_report['manifest'])}: {len(manifest_report['problems'])} problems"
                      " (unusable values and rows were skipped):")
        _print_manifest_problems(manifest_report)
        _print_disagreements(manifest_report["disagreements"])
        if report:
            report.write_text(json.dumps(manifest_report, ensure_ascii=False, indent=2, default=str))
    _print_ingest_summary(counts, failures, summary, manifest_report)
    if counts["failed"]:
        raise typer.Exit(EXIT_FILES_FAILED)


def _progress(pages: bool = True) -> Progress:
    """Files, pages and pages/s (a batch knows its pages; a queued job only its files), elapsed, ETA."""
    per_page = [TextColumn("{task.fields[pages]} pages"), TextColumn("{task.fields[rate]}")] if pages else []
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), *per_page,
        TimeElapsedColumn(), TimeRemainingColumn(), console=err, transient=False,
    )


def _enqueue(settings: Settings, paths: list[Path], loaded, *, as_json: bool, wait: bool) -> None:
    """Stage and queue every input; workers anywhere do the rest."""
    from archive.inputs import expand_inputs, read_input
    from archive.manifest import match_inputs, validation_report
    from archive.queue import QueuedInput

    items = list(expand_inputs(list(paths), max_bytes=settings.max_upload_bytes))
    rows = {}
    if loaded is not None:
        match = match_inputs(loaded, items, paths)
        rows = match.by_input
        # Disagreements with what is read come later, per file, in the job (`manifest_disagreements`).
        _print_manifest_problems(validation_report(loaded, match, inputs=len(items)))
    inputs = [QueuedInput(name=item.name, read=lambda item=item: read_input(item, settings.max_upload_bytes),
                          row=rows.get(item.name), problem=item.problem) for item in items]
    def queue_and_follow(archive: Archive, actor: Principal) -> int:
        """The number of files that failed (known only with --wait)."""
        job_id = archive.enqueue(actor, inputs)
        err.print(f"queued job {job_id}: {len(inputs)} files on the {archive.queue.backend} queue;"
                  " `archive worker` processes (or `archive serve` on the sqlite queue) ingest them"
                  f"{'' if wait else f'; follow with `archive job {job_id}`'}")
        if wait:
            return _follow_job(archive, actor, job_id, as_json=as_json).failed
        if as_json:
            _print_json({"job_id": job_id, "total": len(inputs)})
        return 0

    failed = _with_archive(queue_and_follow, with_queue=True, create=True)
    if failed:
        raise typer.Exit(EXIT_FILES_FAILED)


def _follow_job(archive: Archive, actor: Principal, job_id: str, *, as_json: bool, poll_s: float = 0.5):
    """Wait for a queued job with a progress bar; each file's line prints as it finishes."""
    printed: set[int] = set()
    with _progress(pages=False) as progress:
        bar = progress.add_task("job", total=None)
        for found in archive.watch_job(actor, job_id, poll_s):
            progress.update(bar, total=found.total, completed=found.done)
            for position, item in enumerate(found.items):
                if item.status != "pending" and position not in printed:
                    printed.add(position)
                    if as_json:  # the shape of `archive ingest --json`, with the worker that took the file
                        stored = item.document_id if item.status != "failed" else None
                        _print_json({"path": item.filename, "sha256": stored, "document": None, **item.model_dump(mode="json")})
    counts = Counter(item.status for item in found.items)
    failures = [IngestResult(path=i.filename, status="failed", sha256="", error=i.error) for i in found.items if i.status == "failed"]
    _print_ingest_summary(counts, failures, None)
    return found


def _print_ingest_summary(
    counts: Counter[str], failures: list[IngestResult], summary_path: Path | None, manifest_report: dict | None = None,
) -> None:
    err.print(
        f"ingested {counts['ingested']}, duplicate {counts['duplicate']}, failed {counts['failed']}"
    )
    for failure in failures:
        err.print(f"  [red]failed[/red] {failure.path}: {failure.error}")
    if summary_path:
        payload: dict = {"counts": dict(counts), "failures": [{"path": f.path, "error": f.error} for f in failures]}
        if manifest_report is not None:
            payload["manifest_disagreements"] = manifest_report["disagreements"]
            payload["manifest_problems"] = manifest_report["problems"]
        summary_path.write_text(json.dumps(payload, ensure_ascii=False, indent=2, default=str))


def _load_manifest(path: Path):
    from archive.manifest import ManifestError, load_manifest

    try:
        return load_manifest(path)
    except ManifestError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_USAGE) from exc


def _manifest_dry_run(loaded, paths: list[Path], report_path: Path, as_json: bool) -> int:
    """Check the manifest against the inputs without reading a byte of them into the archive."""
    from archive.inputs import expand_inputs
    from archive.manifest import match_inputs, validation_report

    items = list(expand_inputs(list(paths), max_bytes=_settings().max_upload_bytes))
    found = validation_report(loaded, match_inputs(loaded, items, paths), inputs=len(items))
    report_path.write_text(json.dumps(found, ensure_ascii=False, indent=2, default=str))
    err.print(f"manifest {escape(found['manifest'])}: {found['rows']} rows, {found['inputs']} input files, "
              f"{found['matched']} matched")
    _print_manifest_problems(found)
    if found["ok"]:
        err.print("[green]no problems[/green]: nothing was ingested (dry run)")
    else:
        err.print(f"[red]{len(found['problems'])} problems[/red]: nothing was ingested (dry run)")
    err.print(f"report written to {escape(str(report_path))}")
    if as_json:
        _print_json(found)
    return 0 if found["ok"] else EXIT_PROBLEMS_FOUND


def _print_manifest_problems(found: dict) -> None:
    for problem in found["problems"]:
        where = f"row {problem['row']}" if problem["row"] is not None else "-"
        target = " ".join(part for part in (problem["file"], problem["field"]) if part)
        err.print(f"  [yellow]{problem['kind']:<16}[/yellow] {where:<8} {escape(target)}: {escape(problem['message'])}")


def _print_disagreements(disagreements: list[dict]) -> None:
    if disagreements:
        err.print(f"manifest and extraction disagree on {len(disagreements)} values (the manifest value is kept):")
    for found in disagreements:
        err.print(f"  {escape(found['file'])} {found['field']}: manifest {escape(repr(found['manifest_value']))},"
                  f" extracted {escape(repr(found['extracted_value']))}")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="words, with or without diacritics")] = "",
    doc_type: Annotated[Optional[str], typer.Option("--doc-type")] = None,
    unit: Optional[str] = None,
    serial: Optional[str] = None,
    designation: Optional[str] = None,
    classification: Annotated[Optional[str], typer.Option(
        help="unclassified, confidential (Mật), secret (Tối mật), top_secret (Tuyệt mật)")] = None,
    repair_level: Annotated[Optional[str], typer.Option("--repair-level", help="minor, medium, major")] = None,
    date_from: Annotated[Optional[str], typer.Option("--date-from", help="2020-01-05 or 05/01/2020")] = None,
    date_to: Annotated[Optional[str], typer.Option("--date-to", help="2020-01-05 or 05/01/2020")] = None,
    limit: int = 20,
    cursor: Optional[str] = None,
    sort: Annotated[str, typer.Option(help="relevance (without words: newest first) or date (newest first)")] = "relevance",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Full-text search over every dossier."""
    try:
        q = SearchQuery(
            text=query, doc_type=doc_type, unit=unit, serial=serial, designation=designation,
            classification=classification, repair_level=repair_level,
            date_from=_date(date_from, "--date-from"), date_to=_date(date_to, "--date-to"), limit=limit, cursor=cursor,
            sort=sort,
        )
    except ArchiveError as exc:
        raise _fail(exc) from exc
    result = _with_archive(lambda archive, actor: archive.search(actor, q))
    if as_json:
        _print_json(result.model_dump(mode="json"))
        return
    table = Table(title=f"{result.total} documents", show_lines=False)
    for column in ("date", "type", "serial", "designation", "unit", "title / snippet"):
        table.add_column(column)
    for hit in result.hits:
        snippet = _terminal_snippet(hit.highlights[0]) if hit.highlights else ""
        table.add_row(
            str(hit.document_date or ""), hit.doc_type or "", hit.serial_number or "", hit.designation or "",
            hit.unit or "", f"{hit.title or ''}\n[dim]{snippet}[/dim]",
        )
    out.print(table)
    for name, values in result.facets.items():
        out.print(f"[bold]{name}[/bold]: " + ", ".join(f"{v.value} ({v.count})" for v in values[:8]))
    if result.next_cursor:
        out.print(f"[dim]more: --cursor {result.next_cursor}[/dim]")


def _terminal_snippet(highlight: str) -> str:
    """An HTML snippet with <mark> tags as one line of rich markup."""
    parts = re.split(r"(</?mark>)", " ".join(highlight.split()))
    rendered = []
    for part in parts:
        if part == "<mark>":
            rendered.append("[bold yellow]")
        elif part == "</mark>":
            rendered.append("[/bold yellow]")
        else:
            rendered.append(escape(html.unescape(part)))
    return "".join(rendered)


def _date(value: str | None, option: str) -> date | None:
    if not value:
        return None
    try:
        return parse_day(value, option)
    except InvalidRequest as exc:
        raise InvalidRequest(f"{option}: {exc}") from exc


@app.command()
def show(serial: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """One equipment item: its fields, every document of its dossier and its history."""
    item = _with_archive(lambda archive, actor: archive.equipment(actor, serial))
    if as_json:
        _print_json(item.model_dump(mode="json"))
        return
    out.print(f"[bold]{item.serial_number}[/bold]  {item.name or ''} ({item.designation or '?'})")
    for label, value in (
        ("manufacturer", item.manufacturer), ("country", item.country_of_origin), ("year", item.year_of_manufacture),
        ("current unit", item.current_unit), ("quality grade", item.quality_grade), ("status", item.status),
    ):
        out.print(f"  {label:14} {value if value is not None else '-'}")
    table = Table(title=f"history ({item.document_count} documents)")
    for column in ("date", "event", "summary", "document"):
        table.add_column(column)
    for event in item.history:
        table.add_row(str(event.date or "?"), event.event_type, event.summary, event.document_id[:12])
    out.print(table)


@app.command()
def export(serial: str, output: Annotated[Path, typer.Option("-o", "--output", help="the zip file to write")]) -> None:
    """The dossier as a zip bundle with a SHA-256 manifest."""
    _, data = _with_archive(lambda archive, actor: archive.export(actor, serial))
    output.write_bytes(data)
    err.print(f"wrote {output} ({len(data):,} bytes)")


@app.command()
def reindex(
    pending: Annotated[bool, typer.Option("--pending", help="only the documents stored while the index was down")] = False,
) -> None:
    """Rebuild the search index from storage alone (searches keep answering meanwhile)."""
    def progress(n: int) -> None:
        err.print(f"\rindexed {n}", end="")

    if pending:
        count = _with_archive(lambda archive, actor: archive.reindex(actor, progress, pending_only=True))
        err.print(f"\nindexed {count} pending documents")
        return
    count = _with_archive(lambda archive, actor: archive.reindex(actor, progress))
    err.print(f"\nreindexed {count} documents")


@app.command()
def verify(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Re-hash every stored original and check every record against its seal; exit 1 when an original is
    missing or altered, or a record (or one of its versions) is not as it was sealed."""
    report = _with_archive(lambda archive, actor: archive.verify(actor))
    if as_json:
        _print_json(report.model_dump())
    else:
        err.print(f"checked {report.checked}: ok {report.ok}, mismatched {len(report.mismatched)}, missing {len(report.missing)}, "
                  f"tampered {len(report.tampered)}, unsealed {report.unsealed}")
        for document_id in report.mismatched:
            err.print(f"  [red]mismatch[/red] {document_id}")
        for document_id in report.missing:
            err.print(f"  [red]missing[/red] {document_id}")
        for document_id in report.tampered:
            err.print(f"  [red]tampered[/red] {document_id}: {escape('; '.join(report.tamper_details.get(document_id, [])))}")
    if report.mismatched or report.missing or report.tampered:
        raise typer.Exit(EXIT_PROBLEMS_FOUND)


@app.command()
def backup(
    destination: Annotated[str, typer.Argument(help="a directory, or s3://bucket[/prefix] (ARCHIVE_BACKUP_S3_*)")],
    verify_only: Annotated[bool, typer.Option("--verify", help="only re-hash the copies the backup holds")] = False,
    full: Annotated[bool, typer.Option("--full", help="compare every copy with the archive (slower): copies that "
                                       "--verify found damaged or missing are copied again")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Copy what is new in the archive (originals, every record version, the audit trail, the users) to a second
    store and check each copy as written; `--verify` re-reads the whole backup. Exit 1 when something is wrong."""
    def act(archive: Archive, actor: Principal):
        target = _backup_store(destination)
        try:
            if verify_only:
                return archive.verify_backup(actor, target, destination)
            return archive.backup(actor, target, destination, full=full)
        finally:
            target.close()

    report = _with_archive(act)
    if as_json:
        _print_json(report.model_dump())
    elif verify_only:
        err.print(f"checked {report.checked} copies in {destination}: ok {report.ok}, missing {len(report.missing)}, "
                  f"mismatched {len(report.mismatched)}")
        for key in report.missing:
            err.print(f"  [red]missing[/red] {escape(key)}")
        for key in report.mismatched:
            err.print(f"  [red]mismatch[/red] {escape(key)}")
    else:
        err.print(f"backup {destination}: {report.objects} objects, {report.copied} copied "
                  f"({report.bytes_copied / 1e6:.1f} MB) in {report.seconds:.1f} s, {report.removed} removed; "
                  f"users {'saved' if report.users else 'none'}")
        for problem in report.problems:
            err.print(f"  [red]problem[/red] {escape(problem)}")
    if (report.missing or report.mismatched) if verify_only else report.problems:
        raise typer.Exit(EXIT_PROBLEMS_FOUND)


@app.command()
def restore(
    source: Annotated[str, typer.Argument(help="a backup: a directory, or s3://bucket[/prefix]")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Fill an empty deployment (ARCHIVE_DATA_DIR, and its bucket on S3) from a backup, checking every object;
    then run `archive reindex`. Run again after an interruption, it goes on where it stopped."""
    def act(archive: Archive, actor: Principal):
        origin = _backup_store(source)
        try:
            return archive.restore(actor, origin, source)
        finally:
            origin.close()

    report = _with_archive(act, create=True)
    if as_json:
        _print_json(report.model_dump())
    else:
        err.print(f"restored {report.restored} objects ({report.bytes_restored / 1e6:.1f} MB) from {source} in "
                  f"{report.seconds:.1f} s, {report.skipped} already in place; users {'restored' if report.users else 'none'}")
        for problem in report.problems:
            err.print(f"  [red]problem[/red] {escape(problem)}")
        if not report.problems:
            err.print("next: `archive reindex` rebuilds the search index from the restored records")
    if report.problems:
        raise typer.Exit(EXIT_PROBLEMS_FOUND)


def _backup_store(where: str):
    """The backup's store (a directory or s3://bucket/prefix); a path that cannot be one is a usage error."""
    from archive.bootstrap import backup_store

    try:
        return backup_store(where, _settings())
    except (OSError, ValueError) as exc:
        raise InvalidRequest(f"{where}: {exc}") from exc


@app.command()
def review(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Documents with fields too uncertain to trust unseen (ARCHIVE_REVIEW_BELOW), or no serial."""
    items = _with_archive(lambda archive, actor: archive.review_list(actor))
    if as_json:
        _print_json([item.model_dump(mode="json") for item in items])
        return
    table = Table("document", "file", "type", "serial", "uncertain fields")
    for item in items:
        uncertain = ", ".join(f"{name} {record.value!r} ({record.confidence:.2f})" for name, record in item.uncertain.items())
        table.add_row(item.document_id[:12], escape(item.filename), item.doc_type, item.serial_number or "-", escape(uncertain))
    out.print(table)
    err.print(f"{len(items)} documents to review; correct with `archive correct DOCUMENT_ID field=value --by NAME`")


@app.command()
def correct(
    document_id: str,
    changes: Annotated[list[str], typer.Argument(help="field=value pairs, e.g. serial_number=KB-15-84")],
    by: Annotated[Optional[str], typer.Option("--by", help="who checked it on paper, noted beside the correction; the"
                                              " acting user (ARCHIVE_TOKEN, else the local operator) is recorded as corrector")] = None,
    note: Annotated[Optional[str], typer.Option(help="why, or against what it was checked")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Correct fields of a document: a new version of its record, the old one kept."""
    fields = {}
    for change in changes:
        name, sep, value = change.partition("=")
        if not sep or not name.strip():
            err.print(f"[red]error:[/red] expected field=value, got {change!r}")
            raise typer.Exit(EXIT_USAGE)
        fields[name.strip()] = value.strip() or None
    document = _with_archive(lambda archive, actor: archive.correct(actor, document_id, fields, note=_signed(note, by, actor)))
    if as_json:
        _print_json(document.model_dump(mode="json"))
    else:
        err.print(f"{document.document_id[:12]} is now version {document.version}")


def _signed(note: str | None, by: str | None, actor: Principal) -> str | None:
    if not by or by == actor.name:
        return note
    return f"{note} (checked by {by})" if note else f"checked by {by}"


@app.command()
def duplicates(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Documents stored as likely rescans of others (same serial, type, date and number)."""
    listed = _with_archive(lambda archive, actor: archive.likely_duplicates(actor))
    if as_json:
        _print_json([entry.model_dump(mode="json") for entry in listed])
        return
    table = Table("document", "file", "serial", "type", "date", "number", "likely rescan of")
    for entry in listed:
        table.add_row(entry.document_id[:12], escape(entry.filename), entry.serial_number or "-", entry.doc_type,
                      str(entry.document_date or "-"), entry.document_number or "-",
                      ", ".join(other[:12] for other in entry.likely_duplicate_of))
    out.print(table)


@app.command()
def job(
    job_id: str,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="follow the job until every file is done")] = False,
    requeue: Annotated[bool, typer.Option(
        "--requeue", help="queue again every file still pending (after a worker died with files in hand) or failed"
        " while a backend was down. Safe to repeat: a file already stored is never stored twice")] = False,
) -> None:
    """A queued ingest job: each file's status, the worker that took it, and why a file failed."""
    def look(archive: Archive, actor: Principal):
        if requeue:
            again = archive.requeue(actor, job_id)
            err.print(f"queued {again} unfinished files of job {job_id} again")
        if wait:
            return _follow_job(archive, actor, job_id, as_json=False)
        return archive.job(actor, job_id)

    found = _with_archive(look, with_queue=True)
    if as_json:
        _print_json(found.model_dump(mode="json"))
        return
    err.print(f"job {job_id}: {found.state}, {found.done} of {found.total} done, {found.failed} failed")
    for item in found.items:
        detail = item.error or (item.document_id or "")[:12]
        by = f"  ({item.worker})" if item.worker else ""
        out.print(f"{item.status:9} {escape(item.filename)}  {escape(detail)}{escape(by)}", soft_wrap=True)


@app.command()
def worker(
    workers: Annotated[int, typer.Option(help="files worked on at once (extraction processes); 0 = one per core")] = 0,
    metrics_port: Annotated[Optional[int], typer.Option(help="serve this worker's /metrics (files, pages, OCR "
                                                        "seconds) on 127.0.0.1 at this port")] = None,
) -> None:
    """Take queued files (from `archive ingest --queue` and the HTTP upload) until stopped (Ctrl-C: finish the
    files in hand; SIGTERM: stop now, the files in hand go back with `archive job ID --requeue`)."""
    from archive.queue import QueueWorker, consumer

    settings = _settings()
    if metrics_port is not None:  # loopback only: a scraper on another host goes through a proxy it trusts
        from prometheus_client import start_http_server

        from archive.metrics import REGISTRY

        start_http_server(metrics_port, addr="127.0.0.1", registry=REGISTRY)
    try:
        archive = _open_archive(with_queue=True, create=True)
    except ArchiveError as exc:
        raise _fail(exc) from exc
    service = archive.service
    try:
        if service.pending_index_ids():
            service.retry_pending()  # what an earlier worker stored but did not get indexed
        # Each file is ingested, and audited, as the person who queued it.
        with QueueWorker(service, archive.queue, workers, archive, lease_s=settings.worker_lease_s) as running:
            err.print(f"worker {running.ident}: {running.workers} at once, on the {archive.queue.backend} queue,"
                      f" storage {settings.storage}, index {settings.index}")
            consumer(running).run()
    finally:
        archive.close()


@app.command()
def watch(
    folder: Annotated[Path, typer.Argument(help="the folder scanners drop files into")],
    settle: Annotated[float, typer.Option(help="seconds a file's size and time must stay the same")] = 2.0,
    interval: Annotated[float, typer.Option(help="seconds between full scans of the folder")] = 2.0,
    manifest_pattern: Annotated[Optional[str], typer.Option(help="files matching this (e.g. '*.csv') are manifests "
                                                            "for the files dropped after them")] = None,
    poll: Annotated[bool, typer.Option(help="poll instead of file system events (network shares)")] = False,
) -> None:
    """Queue the files dropped into FOLDER once complete; the workers ingest them; each then moves to
    FOLDER/done/ or FOLDER/failed/ (with NAME.reason.txt). Survives restarts (FOLDER/.taken/). Ctrl-C stops."""
    import signal
    import threading

    from archive.watch import FolderWatch

    if not folder.is_dir():
        err.print(f"[red]error:[/red] {escape(str(folder))} is not a folder")
        raise typer.Exit(EXIT_USAGE)
    settings = _settings()
    try:
        archive = _open_archive(with_queue=True, create=True)
    except ArchiveError as exc:
        raise _fail(exc) from exc
    stop = threading.Event()
    earlier: dict = {}
    try:
        actor = _actor(archive)
        archive.authorize_ingest(actor, f"watch {folder}", 0)  # a person who may not ingest is told at once
        for number in (signal.SIGINT, signal.SIGTERM):  # finish the pass in hand, then stop
            earlier[number] = signal.signal(number, lambda *_: stop.set())
        watcher = FolderWatch(archive, actor, folder, settle_s=settle, interval_s=interval,
                              manifest_pattern=manifest_pattern, poll=poll, read_limit=settings.max_upload_bytes)
        err.print(f"watching {folder} (settle {settle} s, scan every {interval} s{', polling' if poll else ''}); "
                  f"results in {folder / 'done'} and {folder / 'failed'}")
        last: list[tuple[int, int, int]] = []

        def report(now) -> None:
            counts = (now.taken, now.done, now.failed)
            if counts != (last[-1] if last else (0, 0, 0)):
                err.print(f"taken {now.taken}, done {now.done}, failed {now.failed}")
                last.append(counts)

        watcher.run(stop, report)
    except ArchiveError as exc:
        raise _fail(exc) from exc
    finally:
        for number, handler in earlier.items():
            signal.signal(number, handler)
        archive.close()


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the HTTP API (OpenAPI at /docs)."""
    import uvicorn

    from archive.api import create_app

    try:
        application = create_app(_settings())
    except ArchiveError as exc:
        raise _fail(exc) from exc
    # JSON logs: uvicorn's lines through the archive's handler, and its access lines left out (they carry the query
    # string, searched words included): the archive's own `request` line names the route template instead.
    json_logs = application.state.settings.log_format == "json"
    uvicorn.run(application, host=host, port=port, log_level="info", access_log=not json_logs,
                log_config=None if json_logs else uvicorn.config.LOGGING_CONFIG)


@app.command()
def demo(
    no_serve: Annotated[bool, typer.Option("--no-serve", help="generate and ingest, then stop")] = False,
    items: Annotated[int, typer.Option(help="equipment items to generate")] = 30,
    out_dir: Annotated[Path, typer.Option("--out", help="where the sample scans go")] = Path("demo-data/scans"),
    host: str = "127.0.0.1",
    port: int = 8000,
) -> None:
    """Generate sample dossiers, ingest them, serve the API."""
    from archive.demo import generate_dossiers

    err.print(f"generating sample dossiers for {items} items into {out_dir} ...")
    files = generate_dossiers(out_dir, items=items, featured=True)
    err.print(f"{len(files)} files generated")
    try:
        ingest(paths=[sample.path for sample in files], workers=0, as_json=False, summary=None, manifest=None,
               dry_run=False, report=None, queue=False, wait=False)
    except typer.Exit as stopped:
        if stopped.exit_code != EXIT_FILES_FAILED:  # a sample that failed is listed; the demo goes on
            raise
    _with_archive(_add_demo_users)
    if not no_serve:
        err.print(f"serving on http://{host}:{port}  (open it in a browser and sign in as one of the demo users;"
                  " the API's documentation is at /docs)")
        serve(host=host, port=port)


# One user per role (README "People"); the password is the name followed by "-demo".
DEMO_USERS = (
    ("clerk", "clerk", "secret", ()),
    ("technician", "technician", "confidential", ()),
    ("technician201", "technician", "top_secret", ("Lữ đoàn 201",)),
    ("inspector", "inspector", "top_secret", ()),
    ("officer", "records_officer", "top_secret", ()),
    ("officer2", "records_officer", "top_secret", ()),
    ("auditor", "auditor", "unclassified", ()),
)


def _add_demo_users(archive: Archive, actor: Principal) -> None:
    known = {user.name for user in archive.list_users(actor)}
    for name, role, clearance, units in DEMO_USERS:
        if name not in known:
            archive.add_user(actor, name, role, clearance, list(units), password=f"{name}-demo")
    err.print("demo users (password = name + \"-demo\"): " + ", ".join(
        f"{name} ({role}, {clearance}{', ' + ', '.join(units) if units else ''})" for name, role, clearance, units in DEMO_USERS))


def _register_groups() -> None:
    from archive.cli_people import audit_app, classify_app, tokens_app, users_app

    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
    app.add_typer(audit_app, name="audit")
    app.add_typer(classify_app, name="classify")


_register_groups()


def main() -> None:
    try:
        configure_logging(fmt=Settings().log_format)
    except ValidationError:
        configure_logging()  # the bad setting is reported by the command itself
    try:
        app()
    except BackendUnavailable as exc:
        err.print(f"[red]error:[/red] {exc}")
        sys.exit(EXIT_UNAVAILABLE)


if __name__ == "__main__":
    main()
