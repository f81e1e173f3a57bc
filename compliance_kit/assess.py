"""Assessment: check results (per account) -> control verdicts per framework.

No renderer computes a verdict: everything a report shows comes from the Assessment built here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .catalog import CheckMeta, Control, Framework
from .checks.registry import load_all, run_checks
from .errors import InputError
from .evidence import Evidence
from .evidence.gcpause import gc_paused
from .evidence.values import iso
from .model import (
    AccountInfo,
    CheckResult,
    ControlResult,
    ControlStatus,
    FrameworkResult,
    ResourceResult,
    Status,
)
from .settings import DEFAULTS, Settings, is_looser

if TYPE_CHECKING:  # waivers is imported by assess() only when exceptions or attestations are given
    from .waivers import Attestation, Exception_, ExceptionStatus


@dataclass(frozen=True)
class Assessment:
    tool_version: str
    generated_at: str
    accounts: tuple[AccountInfo, ...]
    checks: tuple[CheckResult, ...]
    check_meta: dict[str, CheckMeta]
    frameworks: tuple[FrameworkResult, ...]
    catalogs: dict[str, Framework]
    thresholds: dict[str, int]
    notes: tuple[str, ...] = field(default=())
    exceptions: tuple[ExceptionStatus, ...] = field(default=())
    attestations: tuple[Attestation, ...] = field(default=())

    def check(self, check_id: str) -> CheckResult:
        return next(c for c in self.checks if c.check_id == check_id)


def effective_settings(frameworks: Iterable[Framework], overrides: dict[str, int]) -> tuple[Settings, list[str]]:
    """Defaults, tightened by what the frameworks ask for, then the user's overrides — never looser than a pin."""
    values = dict(DEFAULTS)
    notes = []
    for framework in frameworks:
        for name, spec in framework.thresholds.items():
            if name in values and is_looser(name, values[name], spec["value"]):
                values[name] = int(spec["value"])
                notes.append(f"{framework.framework_id} sets {name}={int(spec['value'])}")
    for name, value in overrides.items():
        for framework in frameworks:
            pin = framework.thresholds.get(name)
            if pin and pin.get("pinned") and is_looser(name, value, pin["value"]):
                raise InputError(
                    f"threshold {name}={value} is looser than the {int(pin['value'])} that {framework.framework_id} "
                    "requires (pinned); use a stricter value or leave it out", file="--threshold")
    settings = Settings(values).with_overrides(overrides)
    return settings, notes


def _control_verdict(control: Control, statuses: dict[str, CheckResult]) -> tuple[ControlStatus, str]:
    if control.not_applicable:
        return ControlStatus.NOT_APPLICABLE, control.not_applicable
    if not control.checks:
        return ControlStatus.MANUAL, "no automated check: " + (control.manual or "needs an attestation")
    results = [statuses[m.check_id] for m in control.checks]
    by_status: dict[Status, list[str]] = {}
    for result in results:
        by_status.setdefault(result.status, []).append(result.check_id)
    total = len(results)
    if Status.FAIL in by_status:
        failing = by_status[Status.FAIL]
        return ControlStatus.NOT_SATISFIED, f"{len(failing)} of {total} checks fail: {', '.join(failing)}"
    if Status.ERROR in by_status:
        erroring = by_status[Status.ERROR]
        return ControlStatus.NOT_ASSESSED, f"{len(erroring)} of {total} checks could not be assessed: {', '.join(erroring)}"
    if Status.WAIVED in by_status:
        waived = by_status[Status.WAIVED]
        return ControlStatus.WAIVED, f"failures waived by approved exceptions in: {', '.join(waived)}"
    if Status.PASS in by_status:
        na = by_status.get(Status.NOT_APPLICABLE, [])
        extra = f" ({len(na)} not applicable)" if na else ""
        return ControlStatus.SATISFIED, f"all {total - len(na)} applicable checks pass{extra}"
    return ControlStatus.NOT_APPLICABLE, "no resource in scope for any mapped check"


def merge_accounts(per_account: list[list[CheckResult]]) -> list[CheckResult]:
    if len(per_account) == 1:  # one account: its results as they are (a large one has hundreds of thousands)
        return sorted(per_account[0], key=_check_id)
    merged: dict[str, list[ResourceResult]] = {}
    for results in per_account:
        for result in results:
            merged.setdefault(result.check_id, []).extend(result.resources)
    return [CheckResult(cid, tuple(resources)) for cid, resources in sorted(merged.items())]


_check_id = attrgetter("check_id")


def evaluate_frameworks(frameworks: Iterable[Framework], checks: Iterable[CheckResult],
                        attestations: Iterable[Attestation] = (), as_of: datetime | None = None) -> tuple[FrameworkResult, ...]:
    statuses = {c.check_id: c for c in checks}
    attested = {(a.framework_id, a.control_id): a for a in sorted(attestations, key=lambda a: a.date)}
    today = (as_of or datetime.now(UTC)).date()
    out = []
    for framework in frameworks:
        controls = []
        for control in framework.controls:
            status, reason = _control_verdict(control, statuses)
            attestation = attested.get((framework.framework_id, control.control_id))
            record = None
            if attestation is not None:
                valid = attestation.date <= today <= attestation.expires()
                record = attestation.as_dict(valid)
                if status is ControlStatus.MANUAL and valid:
                    status = ControlStatus.ATTESTED
                    reason = f"attested by {attestation.owner} on {attestation.date.isoformat()}: {attestation.statement}"
                elif status is ControlStatus.MANUAL:
                    reason = (f"attestation by {attestation.owner} dated {attestation.date.isoformat()} is not valid at "
                              f"evidence time (valid until {attestation.expires().isoformat()}); " + reason)
            controls.append(ControlResult(control.control_id, control.title, status,
                                          tuple(m.check_id for m in control.checks), reason, control.group, record))
        out.append(FrameworkResult(framework.framework_id, framework.name, framework.version, tuple(controls)))
    return tuple(out)


def account_info(evidence: Evidence) -> AccountInfo:
    artifacts = tuple(
        {k: entry.get(k) for k in ("artifact", "key", "file", "api_call", "outcome", "sha256", "bytes", "message")}
        for entry in evidence.manifest.get("artifacts", [])
    )
    return AccountInfo(evidence.account_id, iso(evidence.collected_at) or "", evidence.collected_at_source,
                       evidence.digest, evidence.directory, artifacts)


class AccountChecks:
    """Every check on one account's Evidence with the assessment's settings: what `map_accounts` maps.

    A plain callable that can be pickled (Settings is sent as its thresholds), so a mapper may run
    it in another process: see parallel_map_accounts.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def __call__(self, evidence: Evidence) -> list[CheckResult]:
        return run_checks(evidence, self.settings)

    def on_two_cores(self, evidence: Evidence) -> list[CheckResult]:
        """The same, with a large account's checks split between this process and a forked one
        (checks/split.py); for a mapper that evaluates accounts one at a time with a core to spare."""
        from .checks.split import can_split, run_checks_in_two_processes, worth_splitting

        if can_split() and worth_splitting(evidence):
            return run_checks_in_two_processes(evidence, self.settings)
        return run_checks(evidence, self.settings)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_account_checks, (dict(self.settings.thresholds),))


def _account_checks(thresholds: dict[str, int]) -> AccountChecks:
    return AccountChecks(Settings(thresholds))


def _checks_in_worker(run: Callable[[Evidence], list[CheckResult]], directory: str,
                      digest: str) -> list[CheckResult] | None:
    """In a worker process: load the evidence directory by its path (an Evidence holds a file reader
    and cannot be pickled) and run the checks; None when the manifest is no longer the one assessed."""
    from .evidence.loader import load_directory

    evidence = load_directory(Path(directory))
    if evidence.digest != digest:
        return None
    return run(evidence)


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity where the platform tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# Below this many accounts, worker processes save too little to be worth starting when the number of workers
# is not given: an account of a few hundred users takes about 0.06 s, and a worker spends about a quarter of
# that re-loading it and sending its results back (benchmarks/README.md: two processes gave about 1.1x at 10
# accounts, 1.2x at 25 and 1.3x at 50).
MIN_ACCOUNTS_FOR_WORKERS = 16


def parallel_map_accounts(
    workers: int | None = None,
) -> Callable[[Callable[[Evidence], list[CheckResult]], list[Evidence]], list[list[CheckResult]]]:
    """A `map_accounts` for assess() that evaluates accounts in up to WORKERS processes, this one included
    (default: every CPU, and only from MIN_ACCOUNTS_FOR_WORKERS accounts on).

    Accounts are queued for WORKERS - 1 worker processes; each re-loads an account's evidence directory
    from its path and returns its CheckResults. Meanwhile this process takes accounts from the end of the
    queue, those no worker has started yet, so that no core waits while another has work left. Evidence
    imported in memory (no manifest.json on disk) is evaluated in this process, as is everything when
    WORKERS < 2 or there is a single account. When accounts are evaluated here one at a time and WORKERS is
    at least 2, a large account's checks are split between this process and a forked one
    (AccountChecks.on_two_cores). Workers are forked where the platform allows, so they hash strings
    exactly as this process does. The results are in the order of the accounts.
    """
    from .evidence.manifest import MANIFEST

    count = workers if workers is not None else available_cpus()
    least = 2 if workers is not None else MIN_ACCOUNTS_FOR_WORKERS

    def mapper(run: Callable[[Evidence], list[CheckResult]], evidences: list[Evidence]) -> list[list[CheckResult]]:
        on_disk = [(Path(e.directory) / MANIFEST).is_file() for e in evidences]
        if count < 2 or sum(on_disk) < least:
            if count >= 2 and isinstance(run, AccountChecks):  # one account at a time: split large ones
                return [run.on_two_cores(e) for e in evidences]
            return [run(e) for e in evidences]
        import multiprocessing  # here: its import (sockets and all) costs a single account ~5 ms for nothing
        from concurrent.futures import ProcessPoolExecutor

        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        with ProcessPoolExecutor(max_workers=min(count - 1, sum(on_disk)), mp_context=context) as pool:
            futures = [pool.submit(_checks_in_worker, run, e.directory, e.digest) if disk else None
                       for e, disk in zip(evidences, on_disk, strict=True)]
            here: dict[int, list[CheckResult]] = {}
            for i in reversed(range(len(evidences))):
                future = futures[i]
                if future is not None and not future.cancel():
                    break  # a worker has started it, and (the queue is first in, first out) every one before it
                here[i] = run(evidences[i])
            out: list[list[CheckResult]] = []
            for i, (evidence, future) in enumerate(zip(evidences, futures, strict=True)):
                result = here.get(i)
                if result is None and future is not None:
                    result = future.result()
                out.append(result if result is not None else run(evidence))
            return out

    return mapper


def assess(
    evidences: list[Evidence],
    frameworks: list[Framework],
    check_meta: dict[str, CheckMeta],
    *,
    thresholds: dict[str, int] | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    map_accounts: Callable[[Callable[[Evidence], list[CheckResult]], list[Evidence]], Any] | None = None,
    exceptions: Path | list[Exception_] | None = None,
    attestations: Path | list[Attestation] | None = None,
) -> Assessment:
    registry = load_all()
    settings, notes = effective_settings(frameworks, thresholds or {})
    if isinstance(exceptions, Path):
        from .waivers import load_exceptions

        exceptions = load_exceptions(exceptions, set(registry))
    if isinstance(attestations, Path):
        from .waivers import load_attestations

        attestations = load_attestations(attestations, {f.framework_id: f for f in frameworks})

    run = AccountChecks(settings)
    mapper = map_accounts or (lambda fn, items: [fn(e) for e in items])
    with gc_paused():  # millions of long-lived objects and no cycles: see evidence/gcpause.py
        per_account = list(mapper(run, evidences))
        checks = merge_accounts(per_account)
    collected = {e.account_id: e.collected_at for e in evidences}
    statuses: list[ExceptionStatus] = []
    if exceptions:
        from .waivers import apply_exceptions

        checks, statuses = apply_exceptions(checks, list(exceptions), collected)
    as_of = max(collected.values()) if collected else clock()
    results = evaluate_frameworks(frameworks, checks, attestations or (), as_of)
    return Assessment(
        tool_version=__version__,
        generated_at=iso(clock()) or "",
        accounts=tuple(account_info(e) for e in sorted(evidences, key=lambda e: e.account_id)),
        checks=tuple(checks),
        check_meta=check_meta,
        frameworks=results,
        catalogs={f.framework_id: f for f in frameworks},
        thresholds=dict(settings.thresholds),
        notes=tuple(notes),
        exceptions=tuple(statuses),
        attestations=tuple(attestations or ()),
    )
