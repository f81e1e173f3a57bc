"""Builds what the PDF shows (the records of report_view) from the Assessment: no WeasyPrint, no verdicts computed.

Every figure comes from the Assessment: counts from FrameworkResult.counts(), verdicts from
ControlResult/CheckResult, words from the catalogs and check metadata. This module only selects, orders,
groups and caps (5 resources per finding; the workbook holds them all) what the report prints.
"""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Iterable, Sequence
from typing import Any

from ..assess import Assessment
from ..catalog import CheckMeta
from ..delta import Delta
from ..model import CheckResult, ControlStatus, FrameworkResult, ResourceResult, Severity, Status
from ..results import evidence_digest
from .report_view import (
    PRINCIPALS,
    SUMMARY_ORDER,
    ControlRow,
    Count,
    Finding,
    FrameworkView,
    Group,
    NotAssessed,
    Report,
    ResourceRow,
    Risk,
    id_column_mm,
    label,
    noun,
    severity_rank,
)

MAX_RESOURCES_PER_FINDING = 5  # a sample to act on; every resource is in the workbook and results.json
MAX_TOP_RISKS = 5
MAX_DELTA_ROWS = 15


def _framework_view(result: FrameworkResult, assessment: Assessment, statuses: dict[str, Status]) -> FrameworkView:
    catalog = assessment.catalogs.get(result.framework_id)
    counts = result.counts()
    rows: dict[str | None, list[ControlRow]] = {}
    for control in result.controls:
        rows.setdefault(control.group, []).append(ControlRow(
            control.control_id, control.title, control.status.value,
            tuple((cid, statuses[cid].value if cid in statuses else "ERROR") for cid in control.checks),
            control.reason))
    groups: list[Group] = []
    known = [g["id"] for g in catalog.groups] if catalog else []
    for group_id in known + [g for g in rows if g not in known]:
        if group_id in rows:
            title = catalog.group_title(group_id) if catalog and group_id else None
            groups.append(Group(group_id, title, tuple(rows[group_id])))
    check_ids = sorted({cid for c in result.controls for cid in c.checks})
    return FrameworkView(
        result.framework_id, result.name, result.version, catalog.publisher if catalog else "",
        catalog.copyright_note if catalog else None,
        tuple(Count(s.value, label(s), counts.get(s.value, 0)) for s in SUMMARY_ORDER),
        len(result.controls), tuple(groups), catalog.coverage() if catalog else {}, tuple(check_ids),
        id_column_mm(c.control_id for c in result.controls))


def _resource_row(r: ResourceResult, check_id: str) -> ResourceRow:
    evidence = ""
    if r.evidence is not None:
        evidence = r.evidence.file + (f" {r.evidence.pointer}" if r.evidence.pointer else "")
    exception = f"{r.exception_id} (expires {r.exception_expires})" if r.exception_id else None
    return ResourceRow(check_id, r.status.value, r.account_id, r.resource_type, r.resource_id, r.reason, evidence, exception)


def _resource_order(r: ResourceResult) -> tuple[int, str, str, str]:
    return (0 if r.status is Status.FAIL else 1, r.account_id, r.resource_type, r.resource_id)


def _meta(assessment: Assessment, check_id: str) -> CheckMeta | None:
    return assessment.check_meta.get(check_id)


def _sample(result: CheckResult) -> tuple[ResourceRow, ...]:
    """The failing and waived resources a finding shows: failing first, then by account, type and id."""
    shown = heapq.nsmallest(MAX_RESOURCES_PER_FINDING, (r for r in result.resources
                                                        if r.status is Status.FAIL or r.status is Status.WAIVED),
                            key=_resource_order)
    return tuple(_resource_row(r, result.check_id) for r in shown)


def _finding(result: CheckResult, meta: CheckMeta | None, controls: tuple[str, ...],
             samples: dict[str, tuple[ResourceRow, ...]]) -> Finding:
    flagged = result.count(Status.FAIL) + result.count(Status.WAIVED)
    shown = samples.get(result.check_id)
    if shown is None:
        shown = samples[result.check_id] = _sample(result)
    refs = tuple((key.replace("_", " "), tuple(str(v) for v in values))
                 for key, values in sorted((meta.references if meta else {}).items()))
    return Finding(
        check_id=result.check_id,
        title=meta.title if meta else result.check_id,
        severity=meta.severity if meta else Severity.MEDIUM.value,
        status=result.status.value,
        risk=meta.risk if meta else "",
        rationale=meta.rationale if meta else "",
        failing=result.count(Status.FAIL),
        waived=result.count(Status.WAIVED),
        errors=result.count(Status.ERROR),
        resources=shown,
        more=max(0, flagged - MAX_RESOURCES_PER_FINDING),
        console=(meta.remediation.get("console", "") if meta else "").strip(),
        cli=(meta.remediation.get("cli", "") if meta else "").strip(),
        references=refs,
        controls=controls,
    )


def _as_mapping(entry: Any) -> dict[str, Any]:
    """An exceptions-register entry as a dict, whatever shape the Assessment gives it."""
    if isinstance(entry, dict):
        return dict(entry)
    as_dict = getattr(entry, "as_dict", None)
    if callable(as_dict):
        value = as_dict()
        if isinstance(value, dict):
            return value
    if dataclasses.is_dataclass(entry) and not isinstance(entry, type):
        return dataclasses.asdict(entry)
    return {"entry": str(entry)}


def _not_assessed(checks: Sequence[CheckResult]) -> tuple[NotAssessed, ...]:
    by_reason: dict[str, dict[str, int]] = {}
    for result in checks:
        if not result.count(Status.ERROR):
            continue
        for r in result.resources:
            if r.status is Status.ERROR:
                per_check = by_reason.setdefault(r.reason, {})
                per_check[result.check_id] = per_check.get(result.check_id, 0) + 1
    items = [NotAssessed(reason, tuple(sorted(per_check.items()))) for reason, per_check in by_reason.items()]
    items.sort(key=lambda n: (-len(n.checks), -sum(c for _, c in n.checks), n.reason))
    return tuple(items)


def build_report(assessment: Assessment, framework_ids: Iterable[str], *, org_name: str | None,
                 delta: Delta | None, attachments: Sequence[tuple[str, str, int]],
                 samples: dict[str, tuple[ResourceRow, ...]] | None = None) -> Report:
    """The report of the given frameworks. SAMPLES (check id -> the resources its finding shows), shared
    by the reports of one assessment, saves walking every resource of a check once per framework."""
    samples = {} if samples is None else samples
    wanted = list(framework_ids)
    results = [f for f in assessment.frameworks if f.framework_id in wanted]
    statuses = {c.check_id: c.status for c in assessment.checks}
    views = tuple(_framework_view(f, assessment, statuses) for f in results)
    in_scope = sorted({cid for v in views for cid in v.check_ids})
    scope = set(in_scope)
    checks = [c for c in assessment.checks if c.check_id in scope]
    combined = len(views) > 1

    controls_of: dict[str, list[str]] = {}
    for f in results:
        for control in f.controls:
            for cid in control.checks:
                controls_of.setdefault(cid, []).append(
                    f"{f.framework_id} {control.control_id}" if combined else control.control_id)

    def order(c: CheckResult) -> tuple[int, int, str]:
        meta = _meta(assessment, c.check_id)
        return (severity_rank(meta.severity if meta else "medium"), -c.count(Status.FAIL), c.check_id)

    failing = sorted((c for c in checks if c.status is Status.FAIL), key=order)
    risks = []
    for c in failing[:MAX_TOP_RISKS]:
        meta = _meta(assessment, c.check_id)
        types = sorted({r.resource_type for r in c.resources if r.status is Status.FAIL})
        kind = types[0] if len(types) == 1 else "principal" if set(types) <= PRINCIPALS else "resource"
        risks.append(Risk(c.check_id, meta.title if meta else c.check_id, meta.severity if meta else "medium",
                          meta.risk if meta else "", noun(kind, c.count(Status.FAIL))))
    with_findings = sorted((c for c in checks if c.status is Status.FAIL or c.count(Status.WAIVED)), key=order)
    findings = tuple(_finding(c, _meta(assessment, c.check_id), tuple(controls_of.get(c.check_id, ())), samples)
                     for c in with_findings)

    waived_rows = [_resource_row(r, c.check_id) for c in checks if c.count(Status.WAIVED)
                   for r in sorted((r for r in c.resources if r.status is Status.WAIVED), key=_resource_order)]
    register = getattr(assessment, "exceptions", None)
    register_rows = None
    if register is not None:  # entries about checks outside this report's frameworks belong to other reports
        entries = (_as_mapping(e) for e in register)
        register_rows = tuple(e for e in entries if (e.get("check") or e.get("check_id") or "") in scope
                              or not (e.get("check") or e.get("check_id")))

    attestations = []
    for f in results:
        for control in f.controls:
            if control.attestation or control.status is ControlStatus.ATTESTED:
                attestations.append({"framework_id": f.framework_id, "control_id": control.control_id,
                                     "title": control.title, "status": control.status.value,
                                     **(control.attestation or {})})

    not_assessed_controls = tuple((f.framework_id, c.control_id, c.reason) for f in results for c in f.controls
                                  if c.status is ControlStatus.NOT_ASSESSED)
    catalogue = []
    for cid in in_scope:
        meta = _meta(assessment, cid)
        catalogue.append({"check_id": cid, "title": meta.title if meta else cid,
                          "severity": meta.severity if meta else "", "status": statuses[cid].value
                          if cid in statuses else "ERROR", "controls": controls_of.get(cid, [])})
    names = [f"{v.name}" for v in views]
    title = (f"{names[0]} — IAM compliance report" if len(names) == 1
             else "IAM compliance report — " + ", ".join(v.framework_id for v in views))
    org = org_name or "the organization"
    accounts = ", ".join(a.account_id for a in assessment.accounts)
    return Report(
        title=title,
        subject=f"Assessment of AWS IAM evidence for {org} (account {accounts}) against "
                + "; ".join(f"{v.name} {v.version}" for v in views),
        org_name=org,
        generated_at=assessment.generated_at,
        tool_version=assessment.tool_version,
        evidence_digest=evidence_digest(assessment),
        accounts=tuple(assessment.accounts),
        frameworks=views,
        top_risks=tuple(risks),
        findings=findings,
        waived=tuple(waived_rows),
        exception_register=register_rows,
        attestations=tuple(attestations),
        not_assessed=_not_assessed(checks),
        not_assessed_controls=not_assessed_controls,
        catalogue=tuple(catalogue),
        thresholds=tuple(sorted(assessment.thresholds.items())),
        notes=tuple(assessment.notes),
        delta=delta.restricted(wanted, in_scope) if delta is not None else None,
        attachments=tuple(attachments),
        manual_total=sum(v.count("MANUAL") + v.count("ATTESTED") for v in views),
    )
