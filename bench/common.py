"""Shared helpers for the benchmark scripts: machine facts, timing, result files."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
WORK = ROOT / "bench" / "work"


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    tesseract = subprocess.run(["tesseract", "--version"], capture_output=True, text=True).stdout.splitlines()[:1]
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "tesseract": tesseract[0] if tesseract else None,
        "date": time.strftime("%Y-%m-%d"),
    }


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def summary_ms(samples: list[float]) -> dict:
    return {
        "p50_ms": round(percentile(samples, 50) * 1000, 3),
        "p99_ms": round(percentile(samples, 99) * 1000, 3),
        "mean_ms": round(statistics.fmean(samples) * 1000, 3),
        "n": len(samples),
    }


def write_result(name: str, payload: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **payload}, ensure_ascii=False, indent=2) + "\n")
    return path


class TreeMemory:
    """Peak resident memory of a command's process tree, sampled from /proc (Linux).

    A direct child of the command is counted with its own children: the readers' server with the pool processes it
    forked and their tesseract (`worker_peak_mib`). `largest_peak_mib` is the largest single process of the tree, from
    each one's own high-water mark (VmHWM), so a peak between two samples is not missed."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.main_peak_mib = 0.0
        self.worker_peak_mib = 0.0
        self.total_peak_mib = 0.0
        self.largest_peak_mib = 0.0

    def sample(self) -> None:
        parents: dict[int, int] = {}
        rss: dict[int, float] = {}
        high_water: dict[int, float] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                status = (entry / "status").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    rss[int(entry.name)] = int(line.split()[1]) / 1024
                elif line.startswith("VmHWM:"):
                    high_water[int(entry.name)] = int(line.split()[1]) / 1024
        children: dict[int, list[int]] = {}
        for pid, parent in parents.items():
            children.setdefault(parent, []).append(pid)

        def tree(pid: int) -> float:
            return rss.get(pid, 0.0) + sum(tree(child) for child in children.get(pid, []))

        if self.pid not in rss:
            return
        workers = [tree(child) for child in children.get(self.pid, [])]
        self.main_peak_mib = max(self.main_peak_mib, round(rss[self.pid], 1))
        self.worker_peak_mib = max([self.worker_peak_mib, *(round(w, 1) for w in workers)])
        self.total_peak_mib = max(self.total_peak_mib, round(tree(self.pid), 1))

        def members(pid: int) -> list[int]:
            return [pid, *(member for child in children.get(pid, []) for member in members(child))]

        self.largest_peak_mib = max([self.largest_peak_mib, *(round(high_water.get(member, 0.0), 1)
                                                               for member in members(self.pid))])


def code_version() -> str:
    """The commit measured, "-dirty" when the checkout has uncommitted changes outside bench results
    (other people's edits count too)."""
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=10", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    if not commit:
        return "unknown"
    changes = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no", "--", ".",
                              ":(exclude)bench/results"], capture_output=True, text=True).stdout.strip()
    return commit + ("-dirty" if changes else "")
