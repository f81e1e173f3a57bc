"""What the PDF report prints, as plain records and words: the view the Jinja2 templates read.

pdf_model builds these records from the Assessment; this module only says what they hold and how
statuses, severities and resource types are written (a symbol and a word beside every colour).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..delta import Delta
from ..model import ControlStatus, Severity

# Order of the executive summary (as the issue lists them) and of the chart.
SUMMARY_ORDER = (
    ControlStatus.SATISFIED, ControlStatus.NOT_SATISFIED, ControlStatus.NOT_ASSESSED, ControlStatus.MANUAL,
    ControlStatus.WAIVED, ControlStatus.ATTESTED, ControlStatus.NOT_APPLICABLE,
)


@dataclass(frozen=True)
class Label:
    """A status as printed: symbol and word always beside the colour, so it reads in greyscale."""

    symbol: str
    word: str
    css: str

    @property
    def text(self) -> str:
        return f"{self.symbol} {self.word}"


LABELS: dict[str, Label] = {
    # control verdicts
    "SATISFIED": Label("✔", "SATISFIED", "ok"),
    "NOT_SATISFIED": Label("✖", "NOT SATISFIED", "bad"),
    "NOT_ASSESSED": Label("?", "NOT ASSESSED", "warn"),
    "WAIVED": Label("⚑", "WAIVED", "waived"),
    "ATTESTED": Label("✓", "ATTESTED", "attested"),
    "MANUAL": Label("✎", "MANUAL", "manual"),
    "NOT_APPLICABLE": Label("∅", "NOT APPLICABLE", "na"),
    # resource / check verdicts
    "PASS": Label("✔", "PASS", "ok"),
    "FAIL": Label("✖", "FAIL", "bad"),
    "ERROR": Label("?", "ERROR", "warn"),
    # exception register states
    "applied": Label("⚑", "APPLIED", "waived"),
    "expired": Label("✖", "EXPIRED", "bad"),
    "stale": Label("∅", "STALE", "na"),
    # evidence artifact outcomes (manifest)
    "outcome:ok": Label("✔", "OK", "ok"),
    "outcome:not_configured": Label("∅", "NOT CONFIGURED", "na"),
    "outcome:access_denied": Label("✖", "ACCESS DENIED", "bad"),
    "outcome:error": Label("✖", "ERROR", "bad"),
    "outcome:not_collected": Label("?", "NOT COLLECTED", "warn"),
}
PRINCIPALS = {"user", "role", "group"}
SEVERITY_WORDS = {s.value: s.value.upper() for s in Severity}
RESOURCE_NOUNS = {
    "user": ("user", "users"), "role": ("role", "roles"), "group": ("group", "groups"),
    "policy": ("policy", "policies"), "inline_policy": ("inline policy", "inline policies"),
    "access_key": ("access key", "access keys"), "account": ("account", "accounts"),
    "trail": ("trail", "trails"), "mfa_device": ("MFA device", "MFA devices"),
    "server_certificate": ("certificate", "certificates"), "analyzer": ("analyzer", "analyzers"),
    "finding": ("finding", "findings"), "principal": ("principal", "principals"),
}


def label(status: Any) -> Label:
    key = getattr(status, "value", status)
    text = str(key)
    return LABELS.get(text, Label("•", text.removeprefix("outcome:").replace("_", " ").upper(), "na"))


def severity_rank(value: str) -> int:
    try:
        return Severity(value).rank
    except ValueError:
        return len(Severity)


def id_column_mm(ids: Iterable[str]) -> int:
    """Width of a column of control ids in 7.2pt mono (about 1.55 mm a character, plus padding)."""
    longest = max((len(i) for i in ids), default=6)
    return max(16, min(36, round(longest * 1.55 + 5)))


def noun(resource_type: str, count: int) -> str:
    singular, plural = RESOURCE_NOUNS.get(resource_type, (resource_type.replace("_", " "),
                                                           resource_type.replace("_", " ") + "s"))
    return f"{count} {singular if count == 1 else plural}"


@dataclass(frozen=True)
class Count:
    status: str
    label: Label
    count: int


@dataclass(frozen=True)
class ControlRow:
    control_id: str
    title: str
    status: str
    checks: tuple[tuple[str, str], ...]  # (check id, check status)
    reason: str


@dataclass(frozen=True)
class Group:
    group_id: str | None
    title: str | None
    rows: tuple[ControlRow, ...]


@dataclass(frozen=True)
class FrameworkView:
    framework_id: str
    name: str
    version: str
    publisher: str
    copyright_note: str | None
    counts: tuple[Count, ...]
    total: int
    groups: tuple[Group, ...]
    coverage: dict[str, int]
    check_ids: tuple[str, ...]
    id_width: int  # mm for the control-id column: the longest id on one line

    def count(self, status: str) -> int:
        return next((c.count for c in self.counts if c.status == status), 0)


@dataclass(frozen=True)
class Risk:
    check_id: str
    title: str
    severity: str
    risk: str
    affected: str


@dataclass(frozen=True)
class ResourceRow:
    check_id: str
    status: str
    account_id: str
    resource_type: str
    resource_id: str
    reason: str
    evidence: str
    exception: str | None


@dataclass(frozen=True)
class Finding:
    check_id: str
    title: str
    severity: str
    status: str
    risk: str
    rationale: str
    failing: int
    waived: int
    errors: int
    resources: tuple[ResourceRow, ...]
    more: int
    console: str
    cli: str
    references: tuple[tuple[str, tuple[str, ...]], ...]
    controls: tuple[str, ...]


@dataclass(frozen=True)
class NotAssessed:
    reason: str
    checks: tuple[tuple[str, int], ...]  # (check id, resources with this reason)


@dataclass(frozen=True)
class Report:
    title: str
    subject: str
    org_name: str
    generated_at: str
    tool_version: str
    evidence_digest: str
    accounts: tuple[Any, ...]
    frameworks: tuple[FrameworkView, ...]
    top_risks: tuple[Risk, ...]
    findings: tuple[Finding, ...]
    waived: tuple[ResourceRow, ...]
    exception_register: tuple[dict[str, Any], ...] | None
    attestations: tuple[dict[str, Any], ...]
    not_assessed: tuple[NotAssessed, ...]
    not_assessed_controls: tuple[tuple[str, str, str], ...]  # (framework id, control id, reason)
    catalogue: tuple[dict[str, Any], ...]
    thresholds: tuple[tuple[str, int], ...]
    notes: tuple[str, ...]
    delta: Delta | None
    attachments: tuple[tuple[str, str, int], ...]  # (name, sha256, bytes)
    manual_total: int
    labels: dict[str, Label] = field(default_factory=lambda: LABELS)

    @property
    def combined(self) -> bool:
        return len(self.frameworks) > 1
