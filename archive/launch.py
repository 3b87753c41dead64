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
        from archive.isolation import start_reader_server

        start_reader_server()
    from archive.cli import main as run_cli

    run_cli()
