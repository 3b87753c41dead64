"""The `archive` command ends without tearing the interpreter down (archive.launch): its exit status, its output and
its exit handlers must come out exactly as a normal exit gives them, and a thread still at work is waited for."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(body: str) -> subprocess.CompletedProcess[str]:
    script = "import atexit, sys, threading, time\nfrom archive.launch import _exit_without_teardown\n" + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_status_output_and_exit_handlers_are_those_of_a_normal_exit() -> None:
    done = _run("""
        atexit.register(lambda: print("handler ran", file=sys.stderr))
        sys.stdout.write("unflushed output")  # no newline: still in the buffer at exit
        _exit_without_teardown(3)
        print("never printed")
    """)
    assert done.returncode == 3
    assert done.stdout == "unflushed output"
    assert done.stderr == "handler ran\n"


def test_a_message_exits_with_status_1_and_none_with_0() -> None:
    message = _run("_exit_without_teardown('error: the archive is locked')")
    assert (message.returncode, message.stderr) == (1, "error: the archive is locked\n")
    assert _run("_exit_without_teardown(None)").returncode == 0


def test_a_thread_still_at_work_is_waited_for() -> None:
    done = _run("""
        def finish():
            time.sleep(0.5)
            print("thread finished", flush=True)
        threading.Thread(target=finish).start()
        _exit_without_teardown(4)
    """)
    assert done.returncode == 4
    assert done.stdout == "thread finished\n"


def test_the_installed_command_reports_a_usage_error_with_its_status(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "archive", "--no-such-option"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "ARCHIVE_DATA_DIR": str(tmp_path)})
    assert done.returncode == 2
    assert "No such option" in done.stderr


def test_under_a_profiler_the_interpreter_ends_as_usual_so_the_profile_is_written(tmp_path: Path) -> None:
    profile = tmp_path / "ingest.prof"
    done = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "archive", "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "ARCHIVE_DATA_DIR": str(tmp_path / "data")})
    assert done.returncode == 0 and "ingest" in done.stdout
    assert profile.stat().st_size > 0
