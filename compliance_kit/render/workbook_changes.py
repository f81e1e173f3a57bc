"""Workbook sheets about the period: Exceptions (waivers and the exception register) and Changes."""

from __future__ import annotations

from typing import Any

from ..assess import Assessment
from ..delta import diff
from ..model import Status
from .workbook_xlsx import Block, Column, Sheet, as_date


def _register(assessment: Assessment) -> list[dict[str, Any]]:
    """The exception register with each entry's state (applied / expired / stale), as plain dicts."""
    out = []
    for status in getattr(assessment, "exceptions", None) or ():
        entry = status.as_dict() if hasattr(status, "as_dict") else status
        if isinstance(entry, dict):
            out.append(entry)
    return sorted(out, key=lambda e: str(e.get("id") or ""))


def exceptions_sheet(assessment: Assessment, title: str) -> Sheet:
    """Every waived resource; with an exception register on the Assessment, every entry and its status."""
    columns = [
        Column("Exception", 14), Column("Status", 11, "exception"), Column("Check", 34),
        Column("Resource pattern", 44), Column("Account", 15), Column("Resource type", 14),
        Column("Waived resource", 56), Column("Expires", 12), Column("Owner", 28), Column("Ticket", 12),
        Column("Approved by", 22), Column("Reason", 60),
    ]
    waived: dict[str, list[tuple[str, Any]]] = {}
    for result in assessment.checks:
        for r in result.resources:
            if r.status is Status.WAIVED:
                waived.setdefault(r.exception_id or "", []).append((result.check_id, r))
    for items in waived.values():
        items.sort(key=lambda item: (item[0], item[1].account_id, item[1].resource_id))

    rows: list[list[Any]] = []
    for entry in _register(assessment):
        exception_id = str(entry.get("id") or "")
        state = str(entry.get("state") or entry.get("status") or "unknown").lower()
        head = [entry.get("check"), entry.get("resource")]
        expires = as_date(entry.get("expires"))
        tail = [entry.get("owner"), entry.get("ticket"), entry.get("approved_by"), entry.get("reason")]
        matches = waived.pop(exception_id, [])
        for _check_id, r in matches:
            rows.append([exception_id, state, *head, r.account_id, r.resource_type, r.resource_id, expires, *tail])
        if not matches:
            rows.append([exception_id, state, *head, entry.get("account"), None, None, expires, *tail])
    for exception_id, items in sorted(waived.items()):
        for check_id, r in items:
            rows.append([exception_id or None, "applied", check_id, None, r.account_id, r.resource_type,
                         r.resource_id, as_date(r.exception_expires), None, None, None, r.reason])
    notes = [] if rows else ["no resource is waived by an exception"]
    return Sheet(title, [Block(columns, rows, name="Exceptions")], notes)


def change_rows(current: dict[str, Any], previous: dict[str, Any]) -> list[list[Any]]:
    """The rows of the Changes sheet, from compliance_kit.delta.diff (results.json dicts)."""
    delta = diff(current, previous)
    rows: list[list[Any]] = []
    for label, framework_ids in (("framework added", delta.frameworks_added),
                                 ("framework removed", delta.frameworks_removed)):
        rows += [[label, fid, None, None, None, None, None, None, None, None, None] for fid in framework_ids]
    for c in delta.control_changes:
        change = ("control added" if c.before is None else "control removed" if c.after is None
                  else "control verdict changed")
        rows.append([change, c.framework_id, c.control_id, c.title or None, None, None, None, None, c.before, c.after,
                     None])
    for label, items in (("new failure", delta.new_failures), ("resolved", delta.resolved)):
        for r in items:
            detail = "no longer in the results" if r.after is None else "new in the results" if r.before is None else None
            rows.append([label, None, None, None, r.check_id, r.account_id or None, r.resource_type, r.resource_id,
                         r.before, r.after, detail])
    for label, principals in (("new principal", delta.new_principals), ("removed principal", delta.removed_principals)):
        for p in principals:
            rows.append([label, None, None, None, None, p.account_id or None, p.resource_type, p.resource_id, None,
                         None, None])
    return rows


def changes_sheet(assessment: Assessment, previous: dict[str, Any], title: str) -> Sheet:
    from ..results import to_dict

    columns = [
        Column("Change", 22), Column("Framework", 16), Column("Control", 12), Column("Control title", 40),
        Column("Check", 34), Column("Account", 15), Column("Resource type", 14), Column("Resource", 56),
        Column("Previous", 15, "verdict"), Column("Current", 15, "verdict"), Column("Detail", 26),
    ]
    rows = change_rows(to_dict(assessment), previous)
    notes = [f"compared with the results generated at {previous.get('generated_at') or 'an unknown time'}"]
    if not rows:
        notes.append("no control verdict, failing resource or principal changed")
    return Sheet(title, [Block(columns, rows, name="Changes")], notes)
