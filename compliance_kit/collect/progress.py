"""Progress of a collection: a rich display on a terminal, plain log lines otherwise (cron, CI, pipes).

Both are thread-safe: the organization runner reports from several worker threads. Nothing secret is
ever passed here: step names, outcomes, error codes and messages (already redacted) and counts.
"""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime
from typing import IO, Any, Protocol


def escape(text: str) -> str:
    from rich.markup import escape as rich_escape

    return rich_escape(text)


class Progress(Protocol):
    def account_started(self, label: str) -> None: ...
    def steps_planned(self, label: str, count: int) -> None: ...
    def step_started(self, label: str, step: str) -> None: ...
    def step_done(self, label: str, step: str, outcome: str, message: str | None) -> None: ...
    def request(self, label: str) -> None: ...
    def warning(self, label: str, text: str) -> None: ...
    def account_done(self, label: str, ok: bool, summary: str) -> None: ...
    def close(self) -> None: ...


class NullProgress:
    def account_started(self, label: str) -> None:
        pass

    def steps_planned(self, label: str, count: int) -> None:
        pass

    def step_started(self, label: str, step: str) -> None:
        pass

    def step_done(self, label: str, step: str, outcome: str, message: str | None) -> None:
        pass

    def request(self, label: str) -> None:
        pass

    def warning(self, label: str, text: str) -> None:
        pass

    def account_done(self, label: str, ok: bool, summary: str) -> None:
        pass

    def close(self) -> None:
        pass


class PlainProgress(NullProgress):
    """One line per finished step, warning and account: `2026-11-02T05:58:41Z 123456789012 step: ok`."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stderr
        self._lock = threading.Lock()
        self._requests: dict[str, int] = {}

    def _line(self, label: str, text: str) -> None:
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        with self._lock:
            print(f"{stamp} collect {label} {text}", file=self.stream, flush=True)

    def account_started(self, label: str) -> None:
        self._line(label, "started")

    def step_done(self, label: str, step: str, outcome: str, message: str | None) -> None:
        self._line(label, f"{step}: {outcome}{' (' + message + ')' if message else ''}")

    def request(self, label: str) -> None:
        with self._lock:
            self._requests[label] = self._requests.get(label, 0) + 1

    def warning(self, label: str, text: str) -> None:
        self._line(label, f"warning: {text}")

    def account_done(self, label: str, ok: bool, summary: str) -> None:
        with self._lock:
            requests = self._requests.get(label, 0)
        self._line(label, f"{'done' if ok else 'FAILED'}: {summary} ({requests} requests)")


class RichProgress(NullProgress):
    """A live display on stderr: one bar per account (steps), the current step, requests and errors."""

    def __init__(self, console: Any = None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.console = console or Console(stderr=True)
        self._progress = Progress(
            SpinnerColumn(), TextColumn("{task.description:<13}"), BarColumn(bar_width=16), MofNCompleteColumn(),
            TextColumn("requests {task.fields[requests]:>4}"), TextColumn("errors {task.fields[errors]:>2}"),
            TimeElapsedColumn(), TextColumn("{task.fields[step]}"),
            console=self.console, transient=False,
        )
        self._lock = threading.Lock()
        self._tasks: dict[str, Any] = {}
        self._counts: dict[str, dict[str, int]] = {}
        self._other_requests = 0
        self._summary = self._progress.add_task("all accounts", total=None, step="accounts", requests=0, errors=0)
        self._progress.start()

    def _task(self, label: str) -> Any:
        """Caller holds the lock."""
        if label not in self._tasks:
            self._counts[label] = {"requests": 0, "errors": 0, "steps": 0, "done": 0}
            self._tasks[label] = self._progress.add_task(label, total=None, step="starting", requests=0, errors=0)
        return self._tasks[label]

    def _refresh(self, label: str) -> None:
        """Caller holds the lock."""
        counts = self._counts[label]
        self._progress.update(self._task(label), total=counts["steps"] or None, completed=counts["done"],
                              requests=counts["requests"], errors=counts["errors"])
        self._progress.update(
            self._summary, total=len(self._tasks),
            completed=sum(1 for c in self._counts.values() if c.get("finished")),
            requests=self._other_requests + sum(c["requests"] for c in self._counts.values()),
            errors=sum(c["errors"] for c in self._counts.values()),
        )

    def account_started(self, label: str) -> None:
        with self._lock:
            self._task(label)
            self._refresh(label)

    def steps_planned(self, label: str, count: int) -> None:
        with self._lock:
            self._task(label)
            self._counts[label]["steps"] += count
            self._refresh(label)

    def step_started(self, label: str, step: str) -> None:
        with self._lock:
            self._progress.update(self._task(label), step=step)

    def step_done(self, label: str, step: str, outcome: str, message: str | None) -> None:
        failed = outcome not in ("ok", "not_configured")
        with self._lock:
            self._task(label)
            self._counts[label]["done"] += 1
            if failed:
                self._counts[label]["errors"] += 1
            self._refresh(label)
        if failed:
            detail = f" ({message})" if message else ""
            self.console.print(f"[yellow]{escape(label)}[/] {escape(step)}: {outcome}{escape(detail)}", highlight=False)

    def request(self, label: str) -> None:
        with self._lock:
            if label not in self._tasks:  # e.g. sts:GetCallerIdentity before the account is known
                self._other_requests += 1
                return
            self._counts[label]["requests"] += 1
            self._refresh(label)

    def warning(self, label: str, text: str) -> None:
        self.console.print(f"[yellow]{escape(label)} warning:[/] {escape(text)}", highlight=False)

    def account_done(self, label: str, ok: bool, summary: str) -> None:
        with self._lock:
            task = self._task(label)
            counts = self._counts[label]
            counts["finished"] = 1
            counts["steps"] = max(counts["steps"], counts["done"], 1)
            counts["done"] = counts["steps"]
            self._progress.update(task, step="done" if ok else "FAILED: " + summary[:28])
            self._refresh(label)
        if not ok:
            self.console.print(f"[red]{escape(label)} failed:[/] {escape(summary)}", highlight=False)

    def close(self) -> None:
        self._progress.stop()


def make_progress(mode: str, stream: IO[str] | None = None) -> Progress:
    """`auto`: rich when stderr is a terminal, plain lines otherwise; or `rich`, `plain`, `none`."""
    stream = stream or sys.stderr
    if mode == "auto":
        mode = "rich" if stream.isatty() else "plain"
    if mode == "rich":
        return RichProgress()
    if mode == "plain":
        return PlainProgress(stream)
    return NullProgress()
