"""The `archive` command's entry point, light on purpose: a command that will read files starts the pool processes'
server (archive.isolation) before the command line's own imports, so the two import side by side; then the CLI runs.
Also the module the pool processes see as the command's main script, so they never import the CLI themselves."""

from __future__ import annotations

import sys

# Commands whose files are read by pool processes in this process tree.
_READING_COMMANDS = frozenset({"ingest", "worker", "demo"})


def main() -> None:
    command = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    if command in _READING_COMMANDS:
        from archive.reader_server import start_reader_server

        start_reader_server()
    from archive.cli import main as run_cli

    code: int | str | None = 0
    try:
        run_cli()
    except SystemExit as exc:
        code = exc.code
    _exit_without_teardown(code)


def _exit_without_teardown(code: int | str | None) -> None:
    """Exits as `sys.exit(code)` would, after the exit handlers (logging, multiprocessing's clean-up) and the output
    flushed, but without tearing down the interpreter: a batch's hundreds of modules and objects took 0.1 s of one
    core to free at the end of every command, for nothing. Left to the usual exit when a thread that is not a
    daemon still runs (it is joined then), and under a profiler or a tracer (they write their results after)."""
    import atexit
    import os
    import threading

    if sys.getprofile() is not None or sys.gettrace() is not None or any(
            thread.is_alive() and not thread.daemon for thread in threading.enumerate()
            if thread is not threading.main_thread()):
        sys.exit(code)
    atexit._run_exitfuncs()
    if isinstance(code, str):  # sys.exit("message"): printed, status 1
        sys.stderr.write(code + "\n")
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        code = code or 120  # what the interpreter exits with when it cannot flush its output
    os._exit(code or 0)
