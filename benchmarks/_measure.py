"""Measurement helpers for benchmarks/run.py: child processes, peak memory, medians, the machine.

Stdlib only. Every figure is a whole-process one: a stage runs in a fresh `python` process and its peak
resident set size comes from the kernel (wait4's rusage for that one child on the parent side,
getrusage(RUSAGE_SELF) inside the child).
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MB = 1024 * 1024


def rss_mb(maxrss: float) -> float:
    """ru_maxrss in MB: kilobytes on Linux, bytes on macOS."""
    return maxrss / MB if sys.platform == "darwin" else maxrss / 1024


def peak_rss_self_mb() -> float:
    import resource

    return rss_mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def busy_cpu_seconds() -> float | None:
    """CPU seconds spent by the whole machine (all processes) since boot, from /proc/stat; None elsewhere."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    ticks = [int(x) for x in fields[:8]]
    idle = ticks[3] + ticks[4]  # idle + iowait
    return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK")


@dataclass
class ChildRun:
    """One child process: its exit code, wall seconds, peak RSS, CPU seconds, output and JSON result.

    `others` is the CPU the rest of the machine used meanwhile, in cores (0.0 = nothing else ran): a
    figure taken while other work competed for the CPUs is flagged in the tables."""

    code: int
    wall: float
    peak_mb: float
    cpu: float
    output: str
    result: dict[str, Any] = field(default_factory=dict)
    others: float | None = None

    @property
    def ok(self) -> bool:
        return self.code == 0

    def tail(self, lines: int = 12) -> str:
        return "\n".join(self.output.rstrip().splitlines()[-lines:])


_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024 if hasattr(os, "sysconf") else 4


def tree_rss_mb(pid: int) -> float:
    """Current RSS of PID and all its descendants, summed (Linux /proc; 0 elsewhere)."""
    total_kb = 0
    stack, seen = [pid], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            total_kb += int(Path(f"/proc/{current}/statm").read_text().split()[1]) * _PAGE_KB
            for task in os.listdir(f"/proc/{current}/task"):
                stack += [int(c) for c in Path(f"/proc/{current}/task/{task}/children").read_text().split()]
        except (OSError, ValueError, IndexError):
            continue
    return total_kb / 1024


class TreeSampler(threading.Thread):
    """Samples the summed RSS of a process tree (a pool's workers included) until stopped."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak_mb = pid, interval, 0.0
        self._stop_event = threading.Event()

    def run(self) -> None:
        if not Path("/proc/self/statm").exists():
            return
        while not self._stop_event.is_set():
            self.peak_mb = max(self.peak_mb, tree_rss_mb(self.pid))
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()


def run_child(argv: Sequence[str], *, result_file: Path | None = None, env: dict[str, str] | None = None,
              cwd: Path | None = None, timeout: float | None = None) -> ChildRun:
    """Run ARGV to completion. Peak memory: the kernel's ru_maxrss of the child (os.wait4: the largest
    single process among it and its waited-for children) or the summed RSS of its process tree sampled
    at 10 Hz, whichever is larger (the sum matters when the child runs worker processes)."""
    with tempfile.TemporaryFile() as out:
        busy = busy_cpu_seconds()
        own = time.process_time()
        start = time.perf_counter()
        proc = subprocess.Popen(list(argv), stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        timer = None
        if timeout:
            timer = threading.Timer(timeout, proc.kill)
            timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            sampler.stop()
            if timer is not None:
                timer.cancel()
        wall = time.perf_counter() - start
        busy_after = busy_cpu_seconds()
        own = time.process_time() - own
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", errors="replace")
    result: dict[str, Any] = {}
    if result_file is not None and result_file.is_file():
        try:
            result = json.loads(result_file.read_text())
        except json.JSONDecodeError:
            result = {}
    sampler.join()
    peak = max(rss_mb(usage.ru_maxrss), sampler.peak_mb)
    cpu = usage.ru_utime + usage.ru_stime
    others = None
    if busy is not None and busy_after is not None and wall > 0:
        others = max(0.0, (busy_after - busy - cpu - own) / wall)
    return ChildRun(proc.returncode, wall, peak, cpu, text, result, others)


@contextmanager
def timed(record: dict[str, Any]) -> Iterator[None]:
    """Time the block (wall and CPU) inside a child; keep the peak RSS reached before it started.

    CPU counts the worker processes the block started and ended too (PDF workers, account workers)."""
    record["rss_before_mb"] = peak_rss_self_mb()
    cpu = time.process_time() + _children_cpu()
    start = time.perf_counter()
    yield
    record["seconds"] = time.perf_counter() - start
    record["cpu_seconds"] = time.process_time() + _children_cpu() - cpu
    record["peak_mb"] = peak_rss_self_mb()


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def in_fork(function: Callable[[], Any], repeat: int = 1) -> dict[str, Any]:
    """Run FUNCTION REPEAT times in a forked child, so that its memory is its own: the last result, the best
    wall and CPU seconds (worker processes included) and the peak RSS, absolute and over the start."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    queue = context.Queue()

    def child() -> None:
        before = peak_rss_self_mb()
        walls, cpus, result = [], [], None
        for _ in range(repeat):
            start, cpu = time.perf_counter(), time.process_time() + _children_cpu()
            result = function()
            walls.append(time.perf_counter() - start)
            cpus.append(time.process_time() + _children_cpu() - cpu)
        peak = peak_rss_self_mb()
        queue.put({"result": result, "seconds": min(walls), "cpu": min(cpus), "peak_mb": peak,
                   "increase_mb": peak - before})

    process = context.Process(target=child)
    process.start()
    measured: dict[str, Any] = queue.get()
    process.join()
    return measured


def median(values: Sequence[float]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def pdf_pages(path: Path) -> int | None:
    """Pages of a PDF: pdfinfo when installed, else the page tree's /Count (uncompressed trees only)."""
    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo:
        done = subprocess.run([pdfinfo, str(path)], capture_output=True, text=True, check=False)
        match = re.search(r"^Pages:\s+(\d+)", done.stdout, re.M)
        if match:
            return int(match.group(1))
    counts = [int(c) for c in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", path.read_bytes())]
    return max(counts) if counts else None


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpuinfo = _read("/proc/cpuinfo")
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    meminfo = re.search(r"^MemTotal:\s+(\d+) kB", _read("/proc/meminfo"), re.M)
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    versions = {}
    for package in ("weasyprint", "openpyxl"):
        try:
            from importlib.metadata import version

            versions[package] = version(package)
        except Exception:  # noqa: BLE001 - a missing package is reported as such
            versions[package] = "not installed"
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "nproc": usable,
        "cpu": model.group(1).strip() if model else platform.processor() or "unknown",
        "memory_gb": round(int(meminfo.group(1)) / MB, 1) if meminfo else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg": [round(x, 2) for x in load],
        **versions,
    }


def fmt_seconds(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


def fmt_mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}"


def fmt_ratio(ours: float | None, reference: float | None) -> str:
    if ours is None or not reference:
        return "n/a"
    return f"{ours / reference:.2f}x"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown pipe table, aligned for the terminal too."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    numeric = [all(re.fullmatch(r"[-+0-9.,x%/ n/a]*", r[i] or "") for r in cells[1:]) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.rjust(w) if num else c.ljust(w)
                                 for c, w, num in zip(row, widths, numeric, strict=True)) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ":") if num else ("-" * (w + 2))
                          for w, num in zip(widths, numeric, strict=True)) + "|"
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])
