"""What changed since the previous period, and the score trend over the last 12 periods (delta.json).

The comparison itself is compliance_kit.delta.diff (the same one the PDF and the workbook use); this module
adds what needs more than two periods: how many consecutive periods a failure has been failing, the
severity of each new failure (for `--fail-on new-high`), and the score trend, where a framework's score
is SATISFIED / (SATISFIED + NOT_SATISFIED + NOT_ASSESSED) of its controls.

Past periods are read lazily (a local results.json or an S3 object) and reduced at once to their scores
and failing resources, so twelve large results.json files are never held in memory together.
A failure that has been failing through every period read continues the count of the oldest period's
own delta.json, so the count is not capped at 12.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..delta import Delta, ResourceChange, diff

DELTA_SCHEMA = "compliance-kit/delta/1"
RESULTS_SCHEMA = "compliance-kit/results/1"
HISTORY_PERIODS = 12  # the trend covers this many periods, the current one included
SEVERITIES = ("critical", "high", "medium", "low", "info")
Key = tuple[str, str, str, str]  # check id, account id, resource type, resource id


@dataclass
class PastPeriod:
    """A period before the current one, in one output location."""

    period: str
    source: str  # where its results.json is, for people: "2026-10/results.json" or an s3:// URL
    read_results: Callable[[], bytes | None]
    read_delta: Callable[[], bytes | None] = lambda: None
    _summary: PeriodSummary | None = field(default=None, repr=False)

    def summary(self) -> PeriodSummary | None:
        if self._summary is None:
            results = parse_results(self.read_results())
            if results is None:
                return None
            self._summary = summarize(self.period, results)
        return self._summary

    def streaks(self) -> dict[Key, tuple[int, str]]:
        """From this period's own delta.json: failing key -> (consecutive periods, failing since)."""
        try:
            data = json.loads(self.read_delta() or b"null")
        except (ValueError, UnicodeDecodeError):
            return {}
        if not isinstance(data, dict) or data.get("schema") != DELTA_SCHEMA:
            return {}
        out: dict[Key, tuple[int, str]] = {}
        for entry in data.get("new_failures") or []:
            if isinstance(entry, dict):
                out[_entry_key(entry)] = (1, self.period)
        for entry in data.get("still_failing") or []:
            if isinstance(entry, dict) and isinstance(entry.get("consecutive_periods"), int):
                out[_entry_key(entry)] = (entry["consecutive_periods"], str(entry.get("failing_since") or self.period))
        return out


@dataclass(frozen=True)
class PeriodSummary:
    period: str
    scores: dict[str, float | None]
    failing: frozenset[Key]


def parse_results(data: bytes | None) -> dict[str, Any] | None:
    """A results.json document, or None when absent or not one (an older or foreign file is skipped)."""
    if data is None:
        return None
    try:
        results = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(results, dict) or results.get("schema") != RESULTS_SCHEMA:
        return None
    return results


def _entry_key(entry: dict[str, Any]) -> Key:
    return (str(entry.get("check", "")), str(entry.get("account_id", "")), str(entry.get("type", "")),
            str(entry.get("id", "")))


def score(counts: dict[str, Any]) -> float | None:
    satisfied = int(counts.get("SATISFIED", 0) or 0)
    assessed = satisfied + int(counts.get("NOT_SATISFIED", 0) or 0) + int(counts.get("NOT_ASSESSED", 0) or 0)
    return round(satisfied / assessed, 4) if assessed else None


def scores(results: dict[str, Any]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for framework in results.get("frameworks") or []:
        if isinstance(framework, dict) and isinstance(framework.get("counts"), dict):
            out[str(framework.get("id"))] = score(framework["counts"])
    return dict(sorted(out.items()))


def failing(results: dict[str, Any]) -> frozenset[Key]:
    keys = set()
    for check in results.get("checks") or []:
        if not isinstance(check, dict):
            continue
        for resource in check.get("resources") or []:
            if isinstance(resource, dict) and resource.get("status") == "FAIL":
                keys.add((str(check.get("id", "")), str(resource.get("account_id", "")),
                          str(resource.get("type", "")), str(resource.get("id", ""))))
    return frozenset(keys)


def summarize(period: str, results: dict[str, Any]) -> PeriodSummary:
    return PeriodSummary(period, scores(results), failing(results))


def control_totals(results: dict[str, Any]) -> dict[str, int]:
    """Control verdicts summed over the frameworks of a results.json."""
    totals: dict[str, int] = {}
    for framework in results.get("frameworks") or []:
        for status, count in (framework.get("counts") or {}).items():
            totals[status] = totals.get(status, 0) + int(count)
    return dict(sorted(totals.items()))


def _check_info(results: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {str(c.get("id")): (str(c.get("title") or c.get("id")), str(c.get("severity") or "medium"))
            for c in results.get("checks") or [] if isinstance(c, dict)}


def _resource(change: ResourceChange, info: dict[str, tuple[str, str]]) -> dict[str, Any]:
    title, severity = info.get(change.check_id, (change.check_id, "medium"))
    return {"check": change.check_id, "title": title, "severity": severity, "account_id": change.account_id,
            "type": change.resource_type, "id": change.resource_id, "before": change.before, "after": change.after}


def _streak(key: Key, period: str, past: list[PastPeriod]) -> tuple[int, str]:
    """Consecutive periods KEY has failed, this one included, and the first of them."""
    count, since = 1, period
    last: PastPeriod | None = None
    for entry in past:
        summary = entry.summary()
        if summary is None or key not in summary.failing:
            return count, since
        count, since, last = count + 1, entry.period, entry
    if last is not None:  # failing in every period read: continue the oldest one's own count
        earlier = last.streaks().get(key)
        if earlier is not None and earlier[0] > 1:
            count, since = count + earlier[0] - 1, earlier[1]
    return count, since


def build_delta(period: str, current: dict[str, Any], past: list[PastPeriod],
                previous: dict[str, Any] | None) -> dict[str, Any]:
    """delta.json for PERIOD. PAST: earlier periods, newest first (PAST[0] is the one PREVIOUS came from)."""
    info = _check_info(current)
    trend_past = [p for p in past[: HISTORY_PERIODS - 1] if p.summary() is not None]
    trend = [{"period": p.period, "scores": p.summary().scores} for p in reversed(trend_past)]  # type: ignore[union-attr]
    trend.append({"period": period, "scores": scores(current)})
    document: dict[str, Any] = {
        "schema": DELTA_SCHEMA,
        "period": period,
        "generated_at": current.get("generated_at"),
        "evidence_digest": current.get("evidence_digest"),
        "baseline": previous is None,
        "previous": None,
        "trend": trend,
    }
    if previous is None:
        document.update(summary=_summary(None, info), new_failures=[], resolved_failures=[], still_failing=[],
                        new_principals=[], removed_principals=[], control_changes=[], frameworks_added=[],
                        frameworks_removed=[])
        return document
    delta = diff(current, previous)
    still = []
    for change in delta.still_failing:
        key = (change.check_id, change.account_id, change.resource_type, change.resource_id)
        count, since = _streak(key, period, past)
        still.append({**_resource(change, info), "consecutive_periods": count, "failing_since": since})
    document.update(
        previous={"period": past[0].period if past else None, "source": past[0].source if past else None,
                  "generated_at": delta.previous_generated_at, "evidence_digest": delta.previous_evidence_digest},
        summary=_summary(delta, info),
        new_failures=[_resource(c, info) for c in delta.new_failures],
        resolved_failures=[_resource(c, info) for c in delta.resolved],
        still_failing=still,
        new_principals=[{"account_id": p.account_id, "type": p.resource_type, "id": p.resource_id}
                        for p in delta.new_principals],
        removed_principals=[{"account_id": p.account_id, "type": p.resource_type, "id": p.resource_id}
                            for p in delta.removed_principals],
        control_changes=[{"framework": c.framework_id, "control": c.control_id, "title": c.title,
                          "before": c.before, "after": c.after} for c in delta.control_changes],
        frameworks_added=list(delta.frameworks_added),
        frameworks_removed=list(delta.frameworks_removed),
    )
    return document


def _summary(delta: Delta | None, info: dict[str, tuple[str, str]]) -> dict[str, Any]:
    by_severity = dict.fromkeys(SEVERITIES, 0)
    if delta is not None:
        for change in delta.new_failures:
            severity = info.get(change.check_id, ("", "medium"))[1]
            by_severity[severity] = by_severity.get(severity, 0) + 1
    return {
        "new_failures": len(delta.new_failures) if delta else 0,
        "new_failures_by_severity": by_severity,
        "resolved_failures": len(delta.resolved) if delta else 0,
        "still_failing": len(delta.still_failing) if delta else 0,
        "new_principals": len(delta.new_principals) if delta else 0,
        "removed_principals": len(delta.removed_principals) if delta else 0,
        "control_changes": len(delta.control_changes) if delta else 0,
    }


def crossed(rules: tuple[str, ...], current: dict[str, Any], delta: dict[str, Any]) -> list[str]:
    """The --fail-on rules that hold: `new-<severity>` (new failures at least that severe) or `<severity>`."""
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    hits = []
    for rule in rules:
        if rule == "never":
            continue
        if rule.startswith("new-"):
            limit = rank[rule[4:]]
            if any(rank.get(str(e.get("severity")), 2) <= limit for e in delta.get("new_failures") or []):
                hits.append(rule)
        else:
            limit = rank[rule]
            if any(c.get("status") == "FAIL" and rank.get(str(c.get("severity")), 2) <= limit
                   for c in current.get("checks") or [] if isinstance(c, dict)):
                hits.append(rule)
    return hits
