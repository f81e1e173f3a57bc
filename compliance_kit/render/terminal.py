"""Terminal output with rich: summaries a person reads after a command."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from ..model import ControlStatus, Status

STATUS_STYLE = {
    "PASS": "green", "SATISFIED": "green", "ATTESTED": "green",
    "FAIL": "bold red", "NOT_SATISFIED": "bold red",
    "ERROR": "yellow", "NOT_ASSESSED": "yellow",
    "WAIVED": "magenta", "MANUAL": "cyan", "NOT_APPLICABLE": "dim",
}
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


def _console() -> Console:
    return Console(highlight=False, soft_wrap=False)


def _styled(value: str) -> str:
    style = STATUS_STYLE.get(value, "")
    return f"[{style}]{value}[/]" if style else value


def print_import_summary(imported: Any, target: Path) -> None:
    console = _console()
    table = Table(title=f"Evidence for account {imported.account_id}", title_justify="left")
    for column in ("artifact", "outcome", "file", "from"):
        table.add_column(column)
    for entry in imported.manifest["artifacts"]:
        name = entry["artifact"] + (f" [{entry['key']}]" if entry.get("key") else "")
        table.add_row(name, entry["outcome"], entry.get("file") or "-", entry.get("source") or "-")
    console.print(table)
    manifest = imported.manifest
    console.print(f"collected at {manifest['collected_at']} ({manifest['collected_at_source']})")
    if imported.ignored:
        console.print(f"[yellow]ignored (not an AWS export we use):[/] {', '.join(imported.ignored)}")
    missing = [e["artifact"] for e in manifest["artifacts"] if e["outcome"] == "not_collected"]
    if missing:
        console.print(f"[yellow]missing (checks that need them will be ERROR):[/] {', '.join(missing)}")
    console.print(f"written to {target}")


def print_summary(assessment: Any, out: Path | None) -> None:
    console = _console()
    accounts = ", ".join(f"{a.account_id} (collected {a.collected_at})" for a in assessment.accounts)
    console.print(f"[bold]compliance-kit {assessment.tool_version}[/] — account(s): {accounts}")
    statuses = [s.value for s in ControlStatus]
    table = Table(title="Controls per framework", title_justify="left")
    table.add_column("framework")
    for status in statuses:
        table.add_column(status.replace("_", " ").lower(), justify="right")
    for framework in assessment.frameworks:
        counts = framework.counts()
        table.add_row(framework.framework_id, *[str(counts[s]) if counts[s] else "·" for s in statuses])
    console.print(table)

    checks = Table(title="Checks that fail or could not be assessed", title_justify="left")
    for column, justify in (("severity", "left"), ("check", "left"), ("status", "left"), ("resources", "right"),
                            ("first reason", "left")):
        checks.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    problems = [c for c in assessment.checks if c.status in (Status.FAIL, Status.ERROR)]
    problems.sort(key=lambda c: (c.status is not Status.FAIL,
                                 SEVERITY_ORDER.get(_severity(assessment, c.check_id), 9), c.check_id))
    for result in problems:
        bad = [r for r in result.resources if r.status is result.status]
        checks.add_row(_severity(assessment, result.check_id), result.check_id, _styled(result.status.value),
                       str(len(bad)), bad[0].reason[:90] if bad else "")
    passed = sum(1 for c in assessment.checks if c.status is Status.PASS)
    if problems:
        console.print(checks)
    console.print(f"{len(assessment.checks)} checks: {passed} pass, "
                  f"{sum(1 for c in assessment.checks if c.status is Status.FAIL)} fail, "
                  f"{sum(1 for c in assessment.checks if c.status is Status.ERROR)} not assessed, "
                  f"{sum(1 for c in assessment.checks if c.status is Status.WAIVED)} waived, "
                  f"{sum(1 for c in assessment.checks if c.status is Status.NOT_APPLICABLE)} not applicable")
    if out is not None:
        console.print(f"results written to {out}")


def _severity(assessment: Any, check_id: str) -> str:
    meta = assessment.check_meta.get(check_id)
    return meta.severity if meta else "medium"


def print_checks(registry: dict[str, Any], meta: dict[str, Any]) -> None:
    console = _console()
    table = Table(title=f"{len(registry)} checks", title_justify="left")
    for column in ("id", "severity", "category", "title", "needs"):
        table.add_column(column, overflow="fold")
    for check_id in sorted(registry, key=lambda c: (meta[c].category if c in meta else "", c)):
        entry = meta.get(check_id)
        table.add_row(check_id, entry.severity if entry else "?", entry.category if entry else "?",
                      entry.title if entry else "(no metadata)", ", ".join(registry[check_id].needs))
    console.print(table)


def print_frameworks(frameworks: list[Any]) -> None:
    console = _console()
    table = Table(title="Frameworks", title_justify="left")
    for column in ("id", "name", "version", "controls", "automated", "manual", "not applicable"):
        table.add_column(column)
    for framework in frameworks:
        cov = framework.coverage()
        table.add_row(framework.framework_id, framework.name, framework.version, str(cov["total"]),
                      str(cov["automated"]), str(cov["manual"]), str(cov["not_applicable"]))
    console.print(table)


def print_framework(framework: Any, meta: dict[str, Any]) -> None:
    console = _console()
    cov = framework.coverage()
    console.print(f"[bold]{framework.name}[/] ({framework.framework_id}, version {framework.version}, "
                  f"{framework.publisher})")
    console.print(f"{cov['total']} controls: {cov['automated']} automated, {cov['manual']} manual, "
                  f"{cov['not_applicable']} not applicable")
    table = Table(title_justify="left")
    for column in ("control", "title", "mode", "checks"):
        table.add_column(column, overflow="fold")
    for control in framework.controls:
        table.add_row(control.control_id, control.title, control.mode, ", ".join(m.check_id for m in control.checks))
    console.print(table)
    used = sorted({m.check_id for c in framework.controls for m in c.checks})
    console.print(f"{len(used)} distinct checks evidence this framework")
