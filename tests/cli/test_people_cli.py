"""The CLI as a person: users, tokens, the audit trail and classification from the command line, and the
permission matrix of every command × role (× classification × unit for the commands about one document).

The matrix runs the real command in-process (typer's runner, the settings read afresh for each call);
the people commands run it as a subprocess, as an operator would."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from archive import cli
from archive.config import Settings
from archive.policy import PERMISSIONS, Action
from common.vocabulary import ROLES
from tests.conftest import SAMPLE_LINES, run_archive, text_pdf
from tests.secured import IN_UNIT, ITEM_IN, LEVELS, OUT_UNIT, build_secured, visible_to_user

EXIT_OK, EXIT_NOT_FOUND, EXIT_DENIED = 0, 4, 5


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    return build_secured(Settings(data_dir=tmp_path_factory.mktemp("cli-secured") / "data"))


def invoke(secured, user: str | None, *args: str, stdin: str | None = None):
    env = {"ARCHIVE_DATA_DIR": str(secured.settings.data_dir), "ARCHIVE_TOKEN": secured.tokens[user] if user else ""}
    cli._settings.cache_clear()
    try:
        return CliRunner().invoke(cli.app, list(args), env=env, input=stdin)
    finally:
        cli._settings.cache_clear()


# (arguments, the actions any of which allows the command)
COMMANDS = [
    (("search", "bao mat", "--json"), {Action.SEARCH}),
    (("show", ITEM_IN, "--json"), {Action.READ}),
    (("export", ITEM_IN, "-o", "{tmp}/dossier.zip"), {Action.EXPORT}),
    (("review", "--json"), {Action.REVIEW}),
    (("duplicates", "--json"), {Action.REVIEW}),
    (("verify", "--json"), {Action.MAINTAIN}),
    (("reindex", "--pending"), {Action.MAINTAIN}),
    (("users", "list", "--json"), {Action.MANAGE_USERS}),
    (("users", "add", "made-by-{role}", "--role", "technician", "--clearance", "unclassified"), {Action.MANAGE_USERS}),
    (("tokens", "create", "{role}", "--json"), {Action.TOKEN_OWN}),
    (("audit", "show", "--json"), {Action.AUDIT_ALL, Action.AUDIT_DOCUMENTS}),
    (("audit", "verify"), {Action.AUDIT_ALL}),
    (("classify", "requests", "--json"), {Action.CLASSIFY}),
    (("ingest", "{tmp}/scan.pdf"), {Action.INGEST}),
    (("backup", "{tmp}/backup"), {Action.MAINTAIN}),
    (("backup", "--verify", "{tmp}/backup"), {Action.MAINTAIN}),
    (("restore", "{tmp}/backup"), {Action.MAINTAIN}),
    # Allowed, these find nothing to act on (exit 4); refused first otherwise (exit 5).
    (("users", "disable", "ghost"), {Action.MANAGE_USERS}),
    (("tokens", "revoke", "000000000000"), {Action.MANAGE_USERS}),
    (("classify", "approve", "0123abcd"), {Action.CLASSIFY}),
    (("job", "0123abcd"), {Action.JOBS}),
]
FINDS_NOTHING = {"disable", "revoke", "approve", "job"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("args,actions", COMMANDS, ids=[" ".join(a[:2]) for a, _ in COMMANDS])
def test_each_command_by_role(secured, tmp_path, role, args, actions):
    (tmp_path / "scan.pdf").write_bytes(text_pdf(SAMPLE_LINES + [f"bản của {role}"]))
    filled = [arg.format(tmp=tmp_path, role=role) for arg in args]
    result = invoke(secured, role, *filled)
    allowed = bool(actions & PERMISSIONS[role])
    found = EXIT_NOT_FOUND if set(args) & FINDS_NOTHING else EXIT_OK
    assert result.exit_code == (found if allowed else EXIT_DENIED), (role, filled, result.output)


@pytest.mark.parametrize("role", [role for role in ROLES if Action.INGEST not in PERMISSIONS[role]])
def test_a_watcher_for_a_person_who_may_not_ingest_is_refused_at_once(secured, tmp_path, role):
    # (One who may ingest watches until stopped: tests/queue/test_watch.py runs it as a process.)
    result = invoke(secured, role, "watch", str(tmp_path))
    assert result.exit_code == EXIT_DENIED, (role, result.output)


DOCUMENT_COMMANDS = [
    (("correct", "{id}", "document_number=12/BB-KT", "--json"), Action.CORRECT),
    (("classify", "set", "{id}", "{level}", "--reason", "đúng như dấu"), Action.CLASSIFY),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("args,action", DOCUMENT_COMMANDS, ids=["correct", "classify set"])
def test_document_commands_by_role_classification_and_unit(secured, role, args, action):
    answers, expected = {}, {}
    for level in LEVELS:
        for unit in (IN_UNIT, OUT_UNIT):
            document_id = secured.documents[(level, unit)]
            filled = [arg.format(id=document_id, level=level or "top_secret") for arg in args]
            answers[(level, unit)] = invoke(secured, role, *filled).exit_code
            if action not in PERMISSIONS[role]:
                expected[(level, unit)] = EXIT_DENIED
            else:
                expected[(level, unit)] = EXIT_OK if visible_to_user(level, unit) else EXIT_NOT_FOUND
    assert answers == expected


def test_a_bad_token_is_refused_and_no_token_means_the_local_operator(secured):
    env_bad = {"ARCHIVE_DATA_DIR": str(secured.settings.data_dir), "ARCHIVE_TOKEN": "arch_nope_nope"}
    refused = run_archive(env_bad, "search", "bao mat", "--json", check=False)
    assert refused.returncode == EXIT_DENIED and "token" in refused.stderr
    operator = run_archive({"ARCHIVE_DATA_DIR": str(secured.settings.data_dir), "ARCHIVE_TOKEN": ""}, "search", "bao mat", "--json")
    assert json.loads(operator.stdout)["total"] == len(secured.documents)


def test_users_tokens_and_audit_from_the_command_line(tmp_path):
    env = {"ARCHIVE_DATA_DIR": str(tmp_path / "data"), "ARCHIVE_TOKEN": ""}
    made = subprocess.run([sys.executable, "-m", "archive", "users", "add", "le.binh", "--role", "inspector",
                           "--clearance", "secret", "--unit", "Lữ đoàn 201", "--password-stdin", "--json"],
                          input="mật-khẩu-dài\n", capture_output=True, text=True, env={**os.environ, **env}, timeout=120)
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout) == {"name": "le.binh", "role": "inspector", "clearance": "secret",
                                       "units": ["Lữ đoàn 201"], "disabled": False, "created_at": json.loads(made.stdout)["created_at"]}
    listed = json.loads(run_archive(env, "users", "list", "--json").stdout)
    assert [user["name"] for user in listed] == ["le.binh"]
    token = json.loads(run_archive(env, "tokens", "create", "le.binh", "--expires", "2099-01-31", "--json").stdout)["token"]
    as_inspector = {**env, "ARCHIVE_TOKEN": token}
    assert run_archive(as_inspector, "users", "list", check=False).returncode == EXIT_DENIED
    run_archive(env, "users", "disable", "le.binh")
    assert run_archive(as_inspector, "search", "x", check=False).returncode == EXIT_DENIED
    entries = [json.loads(line) for line in run_archive(env, "audit", "show", "--json").stdout.splitlines()]
    actions = [(entry["action"], entry["outcome"]) for entry in entries]
    assert ("user_add", "ok") in actions and ("token_create", "ok") in actions and ("user_disable", "ok") in actions
    assert ("user_list", "denied") in actions and ("token", "denied") in actions
    assert all(entry["actor"].startswith("local:") for entry in entries if entry["action"] == "user_add")
    assert run_archive(env, "audit", "verify").returncode == 0
    by_user = [json.loads(line) for line in run_archive(env, "audit", "show", "--user", "le.binh", "--json").stdout.splitlines()]
    assert by_user and all(entry["actor"] == "le.binh" for entry in by_user)
