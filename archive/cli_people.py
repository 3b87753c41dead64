"""`archive users`, `archive tokens`, `archive audit` and `archive classify`: people, their tokens, the trail, secrecy.

Every command acts as the CLI's person (ARCHIVE_TOKEN, else the local operator) through the use cases.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, time, timezone
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from archive.cli import EXIT_PROBLEMS_FOUND, _fail, _print_json, _with_archive, err, out
from archive.errors import InvalidRequest

users_app = typer.Typer(no_args_is_help=True, help="People who may use the archive: role, clearance, units.")
tokens_app = typer.Typer(no_args_is_help=True, help="API tokens for scripts and the CLI (ARCHIVE_TOKEN).")
audit_app = typer.Typer(no_args_is_help=True, help="The hash-chained audit trail: who did what, when, from where.")
classify_app = typer.Typer(no_args_is_help=True, help="Secrecy levels: upgrades at once, downgrades by two records officers.")


def _read_password(from_stdin: bool) -> str | None:
    if not from_stdin:
        return None
    password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < 8:
        raise _fail(InvalidRequest("a password has at least 8 characters"))
    return password


@users_app.command("add")
def users_add(
    name: str,
    role: Annotated[str, typer.Option(help="clerk | technician | inspector | records_officer | auditor")],
    clearance: Annotated[str, typer.Option(help="unclassified | confidential | secret | top_secret")],
    unit: Annotated[Optional[list[str]], typer.Option("--unit", help="a unit whose equipment they may see (repeat); none = all")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="read the password from the first line of stdin")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create a user."""
    password = _read_password(password_stdin)
    user = _with_archive(lambda archive, actor: archive.add_user(actor, name, role, clearance, unit or [], password=password),
                         create=True)  # the first user of a new deployment
    if as_json:
        _print_json(user.as_dict())
    else:
        err.print(f"user {escape(user.name)}: {user.role}, clearance {user.clearance}, units {', '.join(user.units) or 'all'}")


@users_app.command("list")
def users_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every user with role, clearance, units and whether disabled."""
    users = _with_archive(lambda archive, actor: archive.list_users(actor))
    if as_json:
        _print_json([user.as_dict() for user in users])
        return
    table = Table("name", "role", "clearance", "units", "state")
    for user in users:
        table.add_row(escape(user.name), user.role, user.clearance, escape(", ".join(user.units) or "all"),
                      "disabled" if user.disabled else "active")
    out.print(table)


@users_app.command("disable")
def users_disable(name: str) -> None:
    """Disable a user: their sessions end and their tokens stop working at once."""
    _with_archive(lambda archive, actor: archive.disable_user(actor, name))
    err.print(f"user {escape(name)} disabled")


@users_app.command("password")
def users_password(name: str) -> None:
    """Set a user's password from the first line of stdin."""
    password = _read_password(True)
    _with_archive(lambda archive, actor: archive.set_password(actor, name, password))
    err.print(f"password of {escape(name)} set")


@tokens_app.command("create")
def tokens_create(
    name: Annotated[str, typer.Argument(help="the user the token acts as")],
    expires: Annotated[Optional[str], typer.Option(help="last day it works, YYYY-MM-DD; default: until revoked")] = None,
    as_json: Annotated[bool, typer.Option("--json", help='print {"token": "..."} only')] = False,
) -> None:
    """Make an API token; it is printed once, and only its hash is kept."""
    try:
        expires_at = datetime.combine(date.fromisoformat(expires), time.max, tzinfo=timezone.utc) if expires else None
    except ValueError as exc:
        raise _fail(InvalidRequest(f"--expires must be YYYY-MM-DD, got {expires!r}")) from exc
    issued = _with_archive(lambda archive, actor: archive.create_token(actor, name, expires_at))
    if as_json:
        _print_json({"token": issued.secret, "token_id": issued.token_id, "user": issued.user,
                     "expires_at": issued.expires_at.isoformat() if issued.expires_at else None})
        return
    err.print(f"token {issued.token_id} for {escape(issued.user)}"
              f"{f', works until {expires}' if expires else ''}; shown once, keep it safe:")
    out.print(issued.secret, soft_wrap=True)


@tokens_app.command("revoke")
def tokens_revoke(token_id: str) -> None:
    """Revoke a token by its id (the part after `arch_`, before the next `_`)."""
    _with_archive(lambda archive, actor: archive.revoke_token(actor, token_id))
    err.print(f"token {escape(token_id)} revoked")


@audit_app.command("verify")
def audit_verify(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Check the hash chain: exit 0 when intact, 1 naming the first bad entry."""
    report = _with_archive(lambda archive, actor: archive.audit_verify(actor))
    if as_json:
        _print_json(report.model_dump(mode="json"))
    elif report.ok:
        err.print(f"audit trail intact: {report.checked} entries")
    else:
        err.print(f"[red]audit trail damaged[/red]: {len(report.problems)} problems in {report.checked} entries")
        for problem in report.problems:
            err.print(f"  {escape(problem)}")
    if not report.ok:
        raise typer.Exit(EXIT_PROBLEMS_FOUND)


@audit_app.command("show")
def audit_show(
    user: Annotated[Optional[str], typer.Option(help="only what this person did")] = None,
    document: Annotated[Optional[str], typer.Option(help="only entries about this document id")] = None,
    since: Annotated[Optional[str], typer.Option(help="YYYY-MM-DD or an ISO date and time (UTC)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
) -> None:
    """Audit entries, oldest first (auditors: all; inspectors: those about documents they may see)."""
    try:
        when = datetime.fromisoformat(since) if since else None
    except ValueError as exc:
        raise _fail(InvalidRequest(f"--since must be an ISO date, got {since!r}")) from exc
    if when is not None and when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    entries = _with_archive(lambda archive, actor: archive.audit_entries(actor, user=user, document=document, since=when))
    if as_json:
        for entry in entries:
            _print_json(entry.model_dump(mode="json"))
        return
    table = Table("when (UTC)", "who", "action", "outcome", "document", "what")
    for entry in entries:
        table.add_row(entry.at.strftime("%Y-%m-%d %H:%M:%S"), escape(entry.actor), entry.action,
                      entry.outcome, (entry.document_id or "")[:12], escape((entry.target or "")[:60]))
    out.print(table)


@classify_app.command("set")
def classify_set(
    document_id: str,
    level: Annotated[str, typer.Argument(help="unclassified | confidential | secret | top_secret")],
    reason: Annotated[str, typer.Option(help="why (the decision, the paper it rests on)")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Records officers: an upgrade applies at once; a downgrade waits for a second records officer."""
    change = _with_archive(lambda archive, actor: archive.change_classification(actor, document_id, level, reason))
    if as_json:
        _print_json(change.model_dump(mode="json"))
    elif change.status == "applied":
        err.print(f"{document_id[:12]} is now {change.classification}")
    else:
        err.print(f"downgrade asked: request {change.request.request_id}; a second records officer approves it with"
                  f" `archive classify approve {change.request.request_id}`")


@classify_app.command("requests")
def classify_requests(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Downgrades waiting for a second records officer."""
    requests = _with_archive(lambda archive, actor: archive.classification_requests(actor))
    if as_json:
        _print_json([request.model_dump(mode="json") for request in requests])
        return
    table = Table("request", "document", "from", "to", "asked by", "reason")
    for request in requests:
        table.add_row(request.request_id, request.document_id[:12], str(request.from_level), request.to_level,
                      escape(request.requested_by), escape(request.reason))
    out.print(table)


@classify_app.command("approve")
def classify_approve(request_id: str) -> None:
    """Apply a downgrade another records officer asked for."""
    change = _with_archive(lambda archive, actor: archive.approve_classification(actor, request_id))
    err.print(f"{change.document_id[:12]} is now {change.classification}")
