"""The Excel workbook: the Assessment as sheets an auditor can filter, pivot and sample from.

Sheets: Summary; one per framework (every control, its verdict, mapped checks, reason, rationale,
and empty Owner / Comment columns for the auditor); Findings (every FAIL, ERROR and WAIVED resource
with its evidence pointer); Checks; the populations for sampling (Users, Roles, Groups, Policies: one
row per principal with every verdict); Evidence (the manifest of each account); Exceptions; and
Changes when a previous results.json is given.

Nothing here decides a verdict: every status shown comes from the Assessment.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from ..assess import Assessment
from ..evidence import Evidence
from ..evidence.values import parse_time
from ..model import ControlStatus, Severity, Status
from ..results import evidence_digest
from .workbook_changes import changes_sheet, exceptions_sheet
from .workbook_population import BUILDERS, Population, VerdictIndex, base_arn, collect
from .workbook_xlsx import (
    Block,
    Column,
    Link,
    Sheet,
    as_date,
    excel_time,
    location,
    sheet_title,
    write_sheet,
)

FIXED_SHEETS = ("Summary", "Findings", "Checks", "Users", "Roles", "Groups", "Policies", "Evidence", "Exceptions",
                "Changes")
FINDING_STATUSES = (Status.FAIL, Status.ERROR, Status.WAIVED)
_STATUS_ORDER = {Status.FAIL: 0, Status.ERROR: 1, Status.WAIVED: 2}


def _severity_rank(severity: str | None) -> int:
    if severity is None:
        return len(Severity)
    try:
        return Severity(severity).rank
    except ValueError:
        return len(Severity)


def sheet_titles(assessment: Assessment) -> tuple[dict[str, str], dict[str, str]]:
    used: set[str] = set()
    fixed = {name: sheet_title(name, used) for name in FIXED_SHEETS}
    frameworks = {f.framework_id: sheet_title(f.framework_id, used) for f in assessment.frameworks}
    return fixed, frameworks


def summary_sheet(assessment: Assessment, titles: dict[str, str], fw_titles: dict[str, str], *,
                  org_name: str | None, previous: dict | None) -> Sheet:
    counts = {s: 0 for s in FINDING_STATUSES}
    for result in assessment.checks:
        for r in result.resources:
            if r.status in counts:
                counts[r.status] += 1
    accounts = [a.account_id for a in assessment.accounts]
    info: list[list[Any]] = [
        ["Organization", org_name],
        ["Accounts" if len(accounts) > 1 else "Account", ", ".join(accounts)],
        ["Frameworks", "; ".join(f"{f.name} ({f.version})" for f in assessment.frameworks)],
        ["Generated at (UTC)", parse_time(assessment.generated_at)],
    ]
    for account in assessment.accounts:
        suffix = f", account {account.account_id}" if len(accounts) > 1 else ""
        info.append([f"Evidence collected at (UTC){suffix}", parse_time(account.collected_at)])
        info.append([f"Evidence time source{suffix}", account.collected_at_source])
        if len(accounts) > 1:
            info.append([f"Evidence digest{suffix}", account.evidence_digest])
    info += [
        ["Evidence digest (SHA-256)", evidence_digest(assessment)],
        ["Tool version", assessment.tool_version],
        ["Failing resources (FAIL)", counts[Status.FAIL]],
        ["Resources not assessed (ERROR)", counts[Status.ERROR]],
        ["Waived resources (WAIVED)", counts[Status.WAIVED]],
    ]
    states: dict[str, int] = {}
    for status in getattr(assessment, "exceptions", None) or ():
        state = str(getattr(status, "state", "unknown"))
        states[state] = states.get(state, 0) + 1
    if states:
        info.append(["Exceptions", ", ".join(f"{n} {state}" for state, n in sorted(states.items()))])
    if previous is not None:
        info.append(["Previous results generated at (UTC)", parse_time(previous.get("generated_at"))])
    info += [[f"Threshold: {name}", value] for name, value in sorted(assessment.thresholds.items())]
    info += [["Note", note] for note in assessment.notes]

    statuses = [s.value for s in ControlStatus]
    columns = [Column("Framework", 34), Column("Name", 44), Column("Version", 18), Column("Controls", 10),
               *(Column(s, 11) for s in statuses), Column("Sheet", 16)]
    rows = []
    for framework in assessment.frameworks:
        counted = framework.counts()
        title = fw_titles[framework.framework_id]
        rows.append([framework.framework_id, framework.name, framework.version, len(framework.controls),
                     *(counted.get(s, 0) for s in statuses), Link(title, location(title, 1))])
    return Sheet(titles["Summary"], [
        Block([Column("Item", 34), Column("Value", 44)], info, name="Summary_info", autofilter=False),
        Block(columns, rows, name="Summary_frameworks"),
    ])


def _attestation(record: dict[str, Any] | None) -> list[Any]:
    """Statement, owner, date, valid until and documents of a control's attestation (None each if none)."""
    if not record:
        return [None] * 5
    documents = record.get("documents") or []
    names = "; ".join(
        f"{d.get('file')} (SHA-256 {d.get('sha256')})" if isinstance(d, dict) else str(d) for d in documents)
    return [record.get("statement"), record.get("owner"), as_date(record.get("date")),
            as_date(record.get("valid_until")), names or None]


def framework_sheets(assessment: Assessment, fw_titles: dict[str, str]) -> list[Sheet]:
    check_status = {c.check_id: c.status.value for c in assessment.checks}
    sheets = []
    columns = [
        Column("Group", 28), Column("Control", 12), Column("Title", 44), Column("Verdict", 15, "control"),
        Column("Mode", 13), Column("Mapped checks", 34), Column("Check verdicts", 44), Column("Reason", 50, wrap=True),
        Column("Rationale / guidance", 70, wrap=True), Column("Attestation", 40, wrap=True), Column("Attested by", 24),
        Column("Attested on", 12), Column("Attestation valid until", 12), Column("Attestation documents", 40),
        Column("Owner", 18), Column("Comment", 30),
    ]
    for framework in assessment.frameworks:
        catalog = assessment.catalogs.get(framework.framework_id)
        rows = []
        for result in framework.controls:
            control = catalog.control(result.control_id) if catalog else None
            group = result.group
            group_title = catalog.group_title(group) if catalog and group else None
            if control is None:
                mode, rationale = None, None
            elif control.checks:
                mode, rationale = control.mode, "\n".join(f"{m.check_id}: {m.why}" for m in control.checks)
            else:
                mode, rationale = control.mode, control.not_applicable or control.manual
            attestation = _attestation(result.attestation)
            rows.append([
                f"{group} {group_title}" if group and group_title else group, result.control_id, result.title,
                result.status.value, mode, ", ".join(result.checks) or None,
                "; ".join(f"{c}: {check_status.get(c, '?')}" for c in result.checks) or None,
                result.reason, rationale, *attestation, None, None,
            ])
        title = fw_titles[framework.framework_id]
        sheets.append(Sheet(title, [Block(columns, rows, name=f"fw_{framework.framework_id}")]))
    return sheets


def _findings(assessment: Assessment) -> list[tuple[Any, Any]]:
    out = []
    for result in assessment.checks:
        meta = assessment.check_meta.get(result.check_id)
        rank = _severity_rank(meta.severity if meta else None)
        for r in result.resources:
            if r.status in _STATUS_ORDER:
                out.append(((r.account_id, rank, result.check_id, _STATUS_ORDER[r.status], r.resource_type,
                             r.resource_id), r))
    out.sort(key=lambda item: item[0])
    return out


def findings_sheet(assessment: Assessment, title: str, findings: list[tuple[Any, Any]],
                   pops: dict[str, Population]) -> Sheet:
    columns = [
        Column("Account", 15), Column("Check", 34), Column("Check title", 44), Column("Severity", 10, "severity"),
        Column("Status", 10, "status"), Column("Resource type", 14), Column("Resource", 60), Column("Reason", 60),
        Column("Evidence file", 32), Column("Evidence pointer", 34), Column("Exception", 14),
        Column("Exception expires", 12),
    ]

    def rows() -> Iterator[list[Any]]:
        for (account, _, check_id, _, rtype, rid), r in findings:
            meta = assessment.check_meta.get(check_id)
            arn = base_arn(rtype, rid)
            target = next((p.link(account, arn) for p in pops.values() if (account, arn) in p.rows), None)
            yield [
                account, check_id, meta.title if meta else None, meta.severity if meta else None, r.status.value,
                rtype, Link(rid, target) if target else rid, r.reason,
                r.evidence.file if r.evidence else None, r.evidence.pointer if r.evidence else None,
                r.exception_id, as_date(r.exception_expires),
            ]

    return Sheet(title, [Block(columns, rows(), name="Findings")])


def checks_sheet(assessment: Assessment, title: str) -> Sheet:
    mapped: dict[str, dict[str, list[str]]] = {}
    for framework in assessment.frameworks:
        for control in framework.controls:
            for check_id in control.checks:
                mapped.setdefault(check_id, {}).setdefault(framework.framework_id, []).append(control.control_id)
    statuses = [s.value for s in Status]
    columns = [
        Column("Check", 34), Column("Title", 44), Column("Severity", 10, "severity"), Column("Category", 14),
        Column("Resource type", 14), Column("Verdict", 12, "status"), *(Column(s, 9) for s in statuses),
        Column("Controls", 50), Column("Risk", 60), Column("Rationale", 70), Column("Remediation", 70),
    ]
    rows = []
    for result in assessment.checks:
        meta = assessment.check_meta.get(result.check_id)
        controls = "; ".join(f"{fid}: {', '.join(ids)}" for fid, ids in mapped.get(result.check_id, {}).items())
        remediation = "\n\n".join(f"{k}:\n{v}" for k, v in meta.remediation.items()) if meta else None
        rows.append([
            result.check_id, meta.title if meta else None, meta.severity if meta else None,
            meta.category if meta else None, meta.resource_type if meta else None, result.status.value,
            *(result.count(Status(s)) for s in statuses), controls or None,
            meta.risk if meta else None, meta.rationale if meta else None, remediation,
        ])
    return Sheet(title, [Block(columns, rows, name="Checks")])


def evidence_sheet(assessment: Assessment, title: str) -> Sheet:
    columns = [
        Column("Account", 15), Column("Collected at (UTC)", 19), Column("Artifact", 26), Column("Key", 18),
        Column("File", 40), Column("API call", 36), Column("Outcome", 14, "outcome"), Column("SHA-256", 66),
        Column("Bytes", 10), Column("Message", 50),
    ]
    rows = []
    for account in assessment.accounts:
        collected = parse_time(account.collected_at)
        for artifact in account.artifacts:
            rows.append([
                account.account_id, collected, artifact.get("artifact"), artifact.get("key"), artifact.get("file"),
                artifact.get("api_call"), artifact.get("outcome"), artifact.get("sha256"), artifact.get("bytes"),
                artifact.get("message"),
            ])
    return Sheet(title, [Block(columns, rows, name="Evidence")])


def build_sheets(assessment: Assessment, evidences: list[Evidence], *, org_name: str | None,
                 previous: dict | None) -> list[Sheet]:
    """Every sheet, in order; population rows are generated lazily while the sheet is written."""
    titles, fw_titles = sheet_titles(assessment)
    pops = collect(evidences, titles)
    findings = _findings(assessment)
    first: dict[tuple[str, str], list[int]] = {}
    for row, ((account, _, _, _, rtype, rid), _) in enumerate(findings, start=2):
        entry = first.setdefault((account, base_arn(rtype, rid)), [row, 0])
        entry[1] += 1
    findings_title = titles["Findings"]

    def findings_link(account: str, arn: str) -> Any:
        found = first.get((account, arn))
        if not found:
            return 0
        return Link(found[1], location(findings_title, found[0]))

    index = VerdictIndex(assessment)
    sheets = [summary_sheet(assessment, titles, fw_titles, org_name=org_name, previous=previous)]
    sheets += framework_sheets(assessment, fw_titles)
    sheets.append(findings_sheet(assessment, findings_title, findings, pops))
    sheets.append(checks_sheet(assessment, titles["Checks"]))
    for kind, builder in BUILDERS.items():
        sheets.append(builder(assessment, pops[kind], index, findings_link))
    sheets.append(evidence_sheet(assessment, titles["Evidence"]))
    sheets.append(exceptions_sheet(assessment, titles["Exceptions"]))
    if previous is not None:
        sheets.append(changes_sheet(assessment, previous, titles["Changes"]))
    return sheets


def write_workbook(assessment: Assessment, evidences: list[Evidence], path: Path, *, org_name: str | None,
                   previous: dict | None) -> Path:
    """Write the workbook atomically (a temp file in the same folder, then a rename); returns PATH."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheets = build_sheets(assessment, evidences, org_name=org_name, previous=previous)
    wb = Workbook(write_only=True)
    generated = excel_time(parse_time(assessment.generated_at))
    wb.properties.creator = f"compliance-kit {assessment.tool_version}"
    wb.properties.title = f"IAM compliance assessment{f' — {org_name}' if org_name else ''}"
    if generated is not None:
        wb.properties.created = generated
        wb.properties.modified = generated
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    # Streaming creates many short-lived objects; with a large Assessment in memory every full collection
    # walks it again (a third of the time on a 10,000-user account). Nothing written here needs the cycle
    # collector, so it pauses for the write and resumes as it was.
    collecting = gc.isenabled()
    gc.disable()
    try:
        styles: dict[str, Any] = {}
        for sheet in sheets:
            write_sheet(wb, sheet, styles)
        wb.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        _discard(wb)
        raise
    finally:
        if collecting:
            gc.enable()
    return path


def _discard(wb: Workbook) -> None:
    """After a failure: close the streaming sheets and remove their temporary files (best effort)."""
    for ws in wb.worksheets:
        rows, writer = getattr(ws, "_rows", None), getattr(ws, "_writer", None)
        with contextlib.suppress(Exception):
            if rows is not None:
                rows.close()
        with contextlib.suppress(Exception):
            if writer is not None:
                writer.close()
                writer.cleanup()
