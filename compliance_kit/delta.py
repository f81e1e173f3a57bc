"""What changed between two assessments, computed from their results.json dicts (pure, no I/O).

`diff(current, previous)` compares control verdicts per framework, failing resources per check and the
principals (users, roles, groups) the results mention. Both inputs are results.json documents
(schema compliance-kit/results/1); entries that are not shaped as expected are skipped, not fatal,
because the previous file may come from an older version of the tool.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

FAIL = "FAIL"
PRINCIPAL_TYPES = frozenset({"user", "role", "group"})


@dataclass(frozen=True, order=True)
class ControlChange:
    """A control whose verdict differs; `before`/`after` is None when the control is new/removed."""

    framework_id: str
    control_id: str
    title: str
    before: str | None
    after: str | None


@dataclass(frozen=True, order=True)
class ResourceChange:
    """A resource of a check that fails in at least one of the two assessments.

    `before`/`after` are the resource's statuses (None: not in that assessment's results).
    """

    check_id: str
    account_id: str
    resource_type: str
    resource_id: str
    before: str | None
    after: str | None


@dataclass(frozen=True, order=True)
class Principal:
    account_id: str
    resource_type: str
    resource_id: str


@dataclass(frozen=True)
class Delta:
    previous_generated_at: str | None
    current_generated_at: str | None
    control_changes: tuple[ControlChange, ...] = ()
    new_failures: tuple[ResourceChange, ...] = ()
    resolved: tuple[ResourceChange, ...] = ()
    still_failing: tuple[ResourceChange, ...] = ()
    new_principals: tuple[Principal, ...] = ()
    removed_principals: tuple[Principal, ...] = ()
    frameworks_added: tuple[str, ...] = ()
    frameworks_removed: tuple[str, ...] = ()
    previous_evidence_digest: str | None = field(default=None)

    def changes_for(self, framework_id: str) -> tuple[ControlChange, ...]:
        return tuple(c for c in self.control_changes if c.framework_id == framework_id)

    def restricted(self, framework_ids: Iterable[str], check_ids: Iterable[str]) -> Delta:
        """The same delta limited to some frameworks and the checks they use."""
        frameworks, checks = set(framework_ids), set(check_ids)

        def keep(items: tuple[ResourceChange, ...]) -> tuple[ResourceChange, ...]:
            return tuple(i for i in items if i.check_id in checks)

        return Delta(
            self.previous_generated_at, self.current_generated_at,
            tuple(c for c in self.control_changes if c.framework_id in frameworks),
            keep(self.new_failures), keep(self.resolved), keep(self.still_failing),
            self.new_principals, self.removed_principals,
            tuple(f for f in self.frameworks_added if f in frameworks),
            tuple(f for f in self.frameworks_removed if f in frameworks),
            self.previous_evidence_digest,
        )

    @property
    def unchanged(self) -> bool:
        return not (self.control_changes or self.new_failures or self.resolved or self.new_principals
                    or self.removed_principals or self.frameworks_added or self.frameworks_removed)


def _dicts(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        yield from (v for v in value if isinstance(v, dict))


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _controls(results: dict[str, Any]) -> dict[str, dict[str, tuple[str, str]]]:
    """framework id -> control id -> (status, title)."""
    out: dict[str, dict[str, tuple[str, str]]] = {}
    for framework in _dicts(results.get("frameworks")):
        controls = out.setdefault(_text(framework.get("id")), {})
        for control in _dicts(framework.get("controls")):
            controls[_text(control.get("id"))] = (_text(control.get("status")), _text(control.get("title")))
    return out


def _resources(results: dict[str, Any]) -> dict[tuple[str, str, str, str], str]:
    """(check id, account id, resource type, resource id) -> status."""
    out: dict[tuple[str, str, str, str], str] = {}
    for check in _dicts(results.get("checks")):
        check_id = _text(check.get("id"))
        for resource in _dicts(check.get("resources")):
            key = (check_id, _text(resource.get("account_id")), _text(resource.get("type")), _text(resource.get("id")))
            out[key] = _text(resource.get("status"))
    return out


def _principals(resources: Iterable[tuple[str, str, str, str]]) -> set[Principal]:
    return {Principal(account, rtype, rid) for _, account, rtype, rid in resources if rtype in PRINCIPAL_TYPES}


def diff(current: dict[str, Any], previous: dict[str, Any]) -> Delta:
    """Changes from PREVIOUS to CURRENT (both results.json dicts)."""
    now_controls, old_controls = _controls(current), _controls(previous)
    changes: list[ControlChange] = []
    for framework_id in sorted(set(now_controls) & set(old_controls)):
        now, old = now_controls[framework_id], old_controls[framework_id]
        for control_id in now.keys() | old.keys():
            after, before = now.get(control_id), old.get(control_id)
            if after is not None and before is not None and after[0] == before[0]:
                continue
            title = (after or before or ("", ""))[1]
            changes.append(ControlChange(framework_id, control_id, title,
                                         before[0] if before else None, after[0] if after else None))
    order = {fid: {cid: i for i, cid in enumerate(controls)} for fid, controls in now_controls.items()}
    changes.sort(key=lambda c: (c.framework_id, order.get(c.framework_id, {}).get(c.control_id, 1 << 30), c.control_id))

    now_res, old_res = _resources(current), _resources(previous)
    new_failures, resolved, still = [], [], []
    for key in sorted(now_res.keys() | old_res.keys()):
        status_now, status_before = now_res.get(key), old_res.get(key)
        change = ResourceChange(*key, before=status_before, after=status_now)
        if status_now == FAIL and status_before == FAIL:
            still.append(change)
        elif status_now == FAIL:
            new_failures.append(change)
        elif status_before == FAIL:
            resolved.append(change)

    now_principals, old_principals = _principals(now_res), _principals(old_res)
    return Delta(
        previous_generated_at=previous.get("generated_at") if isinstance(previous.get("generated_at"), str) else None,
        current_generated_at=current.get("generated_at") if isinstance(current.get("generated_at"), str) else None,
        control_changes=tuple(changes),
        new_failures=tuple(new_failures),
        resolved=tuple(resolved),
        still_failing=tuple(still),
        new_principals=tuple(sorted(now_principals - old_principals)),
        removed_principals=tuple(sorted(old_principals - now_principals)),
        frameworks_added=tuple(sorted(set(now_controls) - set(old_controls))),
        frameworks_removed=tuple(sorted(set(old_controls) - set(now_controls))),
        previous_evidence_digest=_text(previous.get("evidence_digest")) or None,
    )
