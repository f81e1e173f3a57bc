"""The domain vocabulary: verdicts, severities and result records (see DESIGN.md, "Verdicts")."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from operator import itemgetter
from typing import Any, NamedTuple


class Status(StrEnum):
    """Verdict for one resource, and (aggregated) for one check."""

    PASS = "PASS"
    FAIL = "FAIL"
    ERROR = "ERROR"
    WAIVED = "WAIVED"
    NOT_APPLICABLE = "NOT_APPLICABLE"


class ControlStatus(StrEnum):
    SATISFIED = "SATISFIED"
    NOT_SATISFIED = "NOT_SATISFIED"
    NOT_ASSESSED = "NOT_ASSESSED"
    WAIVED = "WAIVED"
    ATTESTED = "ATTESTED"
    MANUAL = "MANUAL"
    NOT_APPLICABLE = "NOT_APPLICABLE"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class _ExactRecord:
    """For NamedTuple records: equal only to a record of the very same type, never to a plain tuple."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and tuple.__eq__(self, other)  # type: ignore[arg-type, operator]

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = tuple.__hash__


class _EvidenceRefFields(NamedTuple):
    file: str
    pointer: str | None = None


class EvidenceRef(_ExactRecord, _EvidenceRefFields):
    """Where in the evidence a verdict comes from: artifact file and row or JSON pointer.

    Immutable and cheap to build: a tuple underneath (one is built per resource per check, hundreds
    of thousands for a large account), yet equal only to another EvidenceRef, never to a plain tuple.
    """

    __slots__ = ()

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "pointer": self.pointer}


class _ResourceResultFields(NamedTuple):
    resource_type: str
    resource_id: str
    status: Status
    reason: str
    evidence: EvidenceRef | None = None
    account_id: str = ""
    exception_id: str | None = None
    exception_expires: str | None = None


class ResourceResult(_ExactRecord, _ResourceResultFields):
    """The verdict on one resource. Immutable and cheap to build, like EvidenceRef: a tuple underneath,
    yet equal only to another ResourceResult."""

    __slots__ = ()

    def waived(self, exception_id: str, expires: str) -> ResourceResult:
        return ResourceResult(
            self.resource_type, self.resource_id, Status.WAIVED, self.reason, self.evidence,
            self.account_id, exception_id, expires,
        )


_new = tuple.__new__  # a record from its fields in declaration order, without NamedTuple's keyword handling
_status_of = itemgetter(2)  # ResourceResult.status, at C speed: a large account has hundreds of thousands


def aggregate_status(statuses: list[Status]) -> Status:
    """Per check: FAIL if any fails, else ERROR, else WAIVED, else PASS, else NOT_APPLICABLE."""
    present = set(statuses)
    for status in (Status.FAIL, Status.ERROR, Status.WAIVED, Status.PASS):
        if status in present:
            return status
    return Status.NOT_APPLICABLE


@dataclass(frozen=True)
class CheckResult:
    check_id: str
    resources: tuple[ResourceResult, ...]

    @cached_property
    def _counts(self) -> Counter[Status]:
        """Resources per status, counted once: resources are immutable, and every control and report asks."""
        return Counter(map(_status_of, self.resources))

    @property
    def status(self) -> Status:
        return aggregate_status(list(self._counts))

    def count(self, status: Status) -> int:
        """Resources with STATUS, counted once per result (reports ask for each status of each check)."""
        return self._counts[status]

    def rows(self) -> tuple[list[tuple[str, str | None] | None], list[tuple[Any, ...]]]:
        """Its resources as plain data, fast for pickle and marshal to write and read: its distinct EvidenceRefs
        as tuples, and one tuple per resource with the status as its text and the EvidenceRef as an index.
        `from_rows` makes the CheckResult again."""
        refs: dict[EvidenceRef | None, int] = {}
        index = refs.setdefault
        rows = [(r[0], r[1], r[2]._value_, r[3], index(r[4], len(refs)), r[5], r[6], r[7]) for r in self.resources]
        return [None if e is None else (e.file, e.pointer) for e in refs], rows

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its rows(): a worker process sends an account's results back, and pickle's generic path
        for a NamedTuple record costs about four times a plain tuple's."""
        return from_rows, (self.check_id, *self.rows())


_STATUS_OF = {status.value: status for status in Status}


def from_rows(check_id: str, refs: list[tuple[str, str | None] | None], rows: list[tuple[Any, ...]]) -> CheckResult:
    """The CheckResult whose rows() these are: every field of the same value and type, the EvidenceRefs shared."""
    shared = [None if e is None else _new(EvidenceRef, e) for e in refs]
    status_of = _STATUS_OF
    return CheckResult(check_id, tuple([
        _new(ResourceResult, (rtype, rid, status_of[status], reason, shared[ref], account, waiver, expires))
        for rtype, rid, status, reason, ref, account, waiver, expires in rows]))


@dataclass(frozen=True)
class ControlResult:
    control_id: str
    title: str
    status: ControlStatus
    checks: tuple[str, ...]
    reason: str
    group: str | None = None
    attestation: dict[str, Any] | None = None


@dataclass(frozen=True)
class FrameworkResult:
    framework_id: str
    name: str
    version: str
    controls: tuple[ControlResult, ...]

    def counts(self) -> dict[str, int]:
        counts = {s.value: 0 for s in ControlStatus}
        for control in self.controls:
            counts[control.status.value] += 1
        return counts


@dataclass(frozen=True)
class AccountInfo:
    account_id: str
    collected_at: str
    collected_at_source: str
    evidence_digest: str
    directory: str
    artifacts: tuple[dict[str, Any], ...] = field(default=())
