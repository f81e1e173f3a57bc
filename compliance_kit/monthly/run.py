"""One scheduled run: collect, assess, render, package, compare with the previous period, deliver.

    run_period(config, clock=...) -> RunOutcome

1. The period: --period, else the clock's (SOURCE_DATE_EPOCH or now, UTC) in the config's scheme.
2. Earlier periods are found in the outputs themselves (local `<dir>/<period>/results.json`, S3 listing).
3. Evidence is collected into a staging folder beside the period folder (`.staging-<period>-*`): saved
   exports are imported, evidence directories verified and copied, live accounts collected.
4. The pipeline assesses once and writes results.json and the reports (the previous period's results
   drive the reports' "what changed"); delta.json, MANIFEST.sha256 and package.zip follow.
5. The staging folder replaces `<dir>/<period>/` (the replaced run becomes `previous/`); retention.
6. S3 outputs get the period's files. A failed upload leaves the local package as it is (exit 3).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import CollectionError, InputError
from ..evidence.manifest import MANIFEST as EVIDENCE_MANIFEST
from ..evidence.manifest import dumps, read_manifest
from .config import KitConfig, S3Output
from .history import (
    HISTORY_PERIODS,
    PastPeriod,
    build_delta,
    control_totals,
    crossed,
    parse_results,
    scores,
    summarize,
)
from .package import (
    MANIFEST_NAME,
    PACKAGE_NAME,
    apply_retention,
    clean_leftovers,
    copy_period,
    install_period,
    local_periods,
    locked,
    new_staging,
    write_package,
)
from .period import SCHEMES, resolve_period

SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")
EVIDENCE_DIR = "evidence"
INPUTS_DIR = "inputs"
DELTA_NAME = "delta.json"
RESULTS_NAME = "results.json"

Log = Callable[[str], None]


@dataclass
class RunOutcome:
    period: str | None
    status: str  # ok | threshold_crossed | collection_incomplete | delivery_failed | collection_failed | ...
    exit_code: int
    controls: dict[str, int] = field(default_factory=dict)
    scores: dict[str, float | None] = field(default_factory=dict)
    new_failures: int = 0
    resolved_failures: int = 0
    previous_period: str | None = None
    package: str | None = None
    digest: str | None = None
    delivered: list[str] = field(default_factory=list)
    failed_on: list[str] = field(default_factory=list)
    message: str | None = None

    def summary(self) -> dict[str, Any]:
        """The machine-readable last line of the log."""
        out: dict[str, Any] = {
            "period": self.period, "status": self.status, "exit_code": self.exit_code,
            "controls": self.controls, "scores": self.scores, "new_failures": self.new_failures,
            "resolved_failures": self.resolved_failures, "previous_period": self.previous_period,
            "package": self.package, "digest": self.digest, "delivered": self.delivered,
        }
        if self.failed_on:
            out["failed_on"] = self.failed_on
        if self.message:
            out["message"] = self.message
        return out

    def summary_line(self) -> str:
        return json.dumps(self.summary(), ensure_ascii=True, separators=(", ", ": "))


# --- collection ------------------------------------------------------------------------------------------

def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name)
    try:
        return float(raw) if raw else default
    except ValueError:
        raise InputError(f"{name} must be a number, got {raw!r}", file="environment") from None


def _copy_evidence_dir(source: Path, target_root: Path, log: Log) -> Path:
    from ..evidence.manifest import verify_directory

    report = verify_directory(source)
    if not report.ok:
        details = [*(f"changed {n}" for n in report.changed), *(f"missing {n}" for n in report.missing),
                   *(f"added {n}" for n in report.added)]
        raise CollectionError(f"evidence directory {source} does not match its manifest.json "
                              f"({', '.join(details[:5])}{', ...' if len(details) > 5 else ''})")
    account = str(read_manifest(source).get("account_id") or source.name)
    target = target_root / SAFE_NAME.sub("_", account)
    if target.exists():
        raise InputError(f"two evidence directories for account {account}", file=str(source))
    shutil.copytree(source, target)
    log(f"evidence: {source} (account {account}, {report.checked} files verified)")
    return target


def _import_exports(folder: Path, target_root: Path, clock: Callable[[], datetime], log: Log) -> None:
    from ..evidence.importer import build_evidence, write_evidence

    imported = build_evidence(folder, clock=clock)
    target = write_evidence(imported, target_root)
    log(f"evidence: imported {len(imported.files)} files from {folder} into {target.name}/ "
        f"(collected at {imported.manifest['collected_at']})")


def _from_folder(config: KitConfig, target_root: Path, clock: Callable[[], datetime], log: Log) -> None:
    from ..evidence.loader import find_evidence_dirs

    source = config.source.evidence
    assert source is not None
    if not source.is_dir():
        raise InputError("folder not found", file=str(source))
    dirs = find_evidence_dirs(source)
    if dirs:
        for directory in dirs:
            _copy_evidence_dir(directory, target_root, log)
        organization = source / "organization"
        if dirs != [source] and organization.is_dir():
            for sub in sorted(p for p in organization.iterdir() if (p / EVIDENCE_MANIFEST).is_file()):
                _copy_evidence_dir(sub, target_root / "organization", log)
        return
    visible = [p for p in source.iterdir() if not p.name.startswith(".")]
    subfolders = [p for p in visible if p.is_dir()]
    if subfolders and not any(p.is_file() for p in visible):  # one folder of exports per account
        for sub in sorted(subfolders):
            _import_exports(sub, target_root, clock, log)
        return
    _import_exports(source, target_root, clock, log)


def _collect_options(config: KitConfig, out: Path, clock: Callable[[], datetime], **kwargs: Any) -> Any:
    from ..collect.run import CollectOptions

    source = config.source
    regions = kwargs.pop("regions", ()) or source.regions
    home_region = kwargs.pop("home_region", None) or source.home_region
    return CollectOptions(
        out=out, regions=tuple(regions), home_region=home_region, endpoint_url=source.endpoint_url,
        max_attempts=int(_env_number("COMPLIANCE_KIT_MAX_ATTEMPTS", 8)),
        report_poll_delay=_env_number("COMPLIANCE_KIT_REPORT_POLL_DELAY", 1.0), clock=clock, **kwargs,
    )


def _live(config: KitConfig, target_root: Path, clock: Callable[[], datetime], log: Log) -> list[str]:
    """Collect accounts or an organization; returns what could not be collected (the run goes on)."""
    try:
        from ..collect.progress import make_progress
    except ImportError:  # pragma: no cover - the collector ships with the package
        raise InputError(f"source `{config.source.kind}`: live collection is not available in this "
                         "installation; use `evidence`", file=str(config.path)) from None
    progress = make_progress("auto")
    incomplete: list[str] = []
    try:
        if config.source.kind == "accounts":
            from ..collect.run import collect_account

            seen: set[str] = set()
            for account in config.source.accounts:
                options = _collect_options(config, target_root, clock, profile=account.profile,
                                           role_arn=account.role_arn, external_id=account.external_id,
                                           regions=account.regions, home_region=account.home_region)
                result = collect_account(options, progress)
                if result.account_id in seen:
                    raise InputError(f"two entries of source/accounts reach account {result.account_id}",
                                     file=str(config.path))
                seen.add(result.account_id)
                log(f"evidence: collected account {result.account_id} ({result.requests} requests)")
                for entry in result.problems():  # denied calls: the checks that need them are ERROR
                    log(f"warning: {result.account_id}: {entry['artifact']}: {entry['outcome']}: {entry['message']}")
        else:
            from ..collect.org import DEFAULT_ROLE_NAME, collect_organization

            org = config.source.organization
            assert org is not None
            options = _collect_options(config, target_root, clock, profile=org.profile, role_arn=org.role_arn,
                                       external_id=org.external_id)
            org_result = collect_organization(options, role_name=org.role_name or DEFAULT_ROLE_NAME,
                                              max_workers=org.max_workers, progress=progress)
            log(f"evidence: organization {org_result.management_account_id}: {len(org_result.accounts)} accounts "
                f"collected, {len(org_result.failures)} failed, {len(org_result.skipped)} skipped")
            if not org_result.accounts:
                raise CollectionError(f"no account of the organization could be collected "
                                      f"({len(org_result.failures)} failed)")
            incomplete += [f"account {account_id}: {message}" for account_id, message in org_result.failures]
    finally:
        progress.close()
    return incomplete


def collect(config: KitConfig, target_root: Path, clock: Callable[[], datetime], log: Log) -> list[str]:
    """Fill TARGET_ROOT with one evidence directory per account; returns accounts that failed (org runs)."""
    target_root.mkdir(parents=True, exist_ok=True)
    if config.source.kind == "evidence":
        _from_folder(config, target_root, clock, log)
        return []
    # Denied or failed API calls are in each manifest and make the checks that need them ERROR; only
    # accounts of an organization that could not be collected at all make the run incomplete.
    return _live(config, target_root, clock, log)


# --- history ---------------------------------------------------------------------------------------------

def _file_reader(path: Path) -> Callable[[], bytes | None]:
    def read() -> bytes | None:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    return read


def _tolerant(read: Callable[[], bytes | None], log: Log) -> Callable[[], bytes | None]:
    """An S3 read that logs a warning and gives None instead of failing the run (history is best effort)."""
    from .deliver import DeliveryError

    def wrapped() -> bytes | None:
        try:
            return read()
        except DeliveryError as exc:
            log(f"warning: {exc}")
            return None

    return wrapped


def discover(config: KitConfig, period: str, log: Log) -> list[PastPeriod]:
    """Earlier periods in the outputs (local folders first, then S3), newest first, at most 11."""
    scheme = SCHEMES[config.period]
    found: dict[str, PastPeriod] = {}
    for output in config.dir_outputs:
        for name in local_periods(output.path, scheme):
            results = output.path / name / RESULTS_NAME
            if name < period and name not in found and results.is_file():
                found[name] = PastPeriod(name, f"{output.path / name / RESULTS_NAME}", _file_reader(results),
                                         _file_reader(output.path / name / DELTA_NAME))
    for target in config.s3_outputs:
        from .deliver import DeliveryError, client, list_periods, reader

        try:
            s3 = client(target)
            periods = list_periods(target, scheme, s3)
        except DeliveryError as exc:
            log(f"warning: previous periods in {target.describe()} not read: {exc}")
            continue
        for name in periods:
            if name < period and name not in found:
                found[name] = PastPeriod(name, f"{target.describe()}/{name}/{RESULTS_NAME}",
                                         _tolerant(reader(target, name, RESULTS_NAME, s3), log),
                                         _tolerant(reader(target, name, DELTA_NAME, s3), log))
    return [found[p] for p in sorted(found, reverse=True)][: HISTORY_PERIODS - 1]


def previous_results(past: list[PastPeriod], log: Log) -> tuple[list[PastPeriod], dict[str, Any] | None, bytes | None]:
    """The newest readable earlier period's results.json (unreadable newer ones are skipped, with a warning)."""
    for index, entry in enumerate(past):
        raw = entry.read_results()
        results = parse_results(raw)
        if results is None:
            log(f"warning: {entry.source} is not a compliance-kit results.json; skipped")
            continue
        entry._summary = summarize(entry.period, results)
        return past[index:], results, raw
    return [], None, None


# --- the run ---------------------------------------------------------------------------------------------

def _copy_inputs(config: KitConfig, staging: Path) -> None:
    for name, path in (("exceptions.yaml", config.exceptions), ("attestations.yaml", config.attestations)):
        if path is not None:
            (staging / INPUTS_DIR).mkdir(exist_ok=True)
            shutil.copyfile(path, staging / INPUTS_DIR / name)


def _report_options(config: KitConfig, staging: Path, previous_file: Path | None) -> Any:
    from ..pipeline import ReportOptions

    return ReportOptions(
        formats=("json", *config.formats), frameworks=config.frameworks, out=staging,
        org_name=config.organization, exceptions=config.exceptions, attestations=config.attestations,
        previous=previous_file, combined=config.combined_pdf, pdf_variant=config.pdf_variant,
        thresholds=tuple(f"{k}={v}" for k, v in config.thresholds.items()), catalog_dir=config.catalog_dir,
    )


def _build(config: KitConfig, root: Path, period: str, past: list[PastPeriod], previous: dict[str, Any] | None,
           previous_raw: bytes | None, clock: Callable[[], datetime], log: Log) -> tuple[Path, str, dict[str, Any],
                                                                                 dict[str, Any], list[str]]:
    """Build the period in a staging folder and swap it in; returns folder, digest, results, delta, gaps."""
    from ..pipeline import run_report

    staging = new_staging(root, period)
    previous_file: Path | None = None
    try:
        incomplete = collect(config, staging / EVIDENCE_DIR, clock, log)
        _copy_inputs(config, staging)
        if previous_raw is not None:
            handle, name = tempfile.mkstemp(prefix="compliance-kit-previous-", suffix=".json")
            with os.fdopen(handle, "wb") as out:
                out.write(previous_raw)
            previous_file = Path(name)
        written = run_report(staging / EVIDENCE_DIR, _report_options(config, staging, previous_file), clock=clock)
        log(f"assessed: wrote {', '.join(p.name for p in written)}")
        current = json.loads((staging / RESULTS_NAME).read_bytes())
        delta = build_delta(period, current, past, previous)
        (staging / DELTA_NAME).write_bytes(dumps(delta))
        _, digest = write_package(staging, clock())
        target = install_period(staging, root, period)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        if previous_file is not None:
            previous_file.unlink(missing_ok=True)
    return target, digest, current, delta, incomplete


def _deliverables(folder: Path) -> list[str]:
    names = [PACKAGE_NAME, MANIFEST_NAME, RESULTS_NAME, DELTA_NAME]
    names += sorted(p.name for p in folder.iterdir() if p.is_file() and p.suffix in (".pdf", ".xlsx"))
    return [n for n in names if (folder / n).is_file()]


def run_period(config: KitConfig, *, clock: Callable[[], datetime], period_override: str | None = None,
               fail_on: tuple[str, ...] | None = None, log: Log = lambda _: None) -> RunOutcome:
    """Run one period end to end. InputError (exit 2) and CollectionError (exit 3) propagate; a delivery
    failure or an incomplete collection is an outcome with exit code 3, a crossed --fail-on one with 1."""
    period = resolve_period(config.period, period_override, clock())
    rules = config.fail_on if fail_on is None else fail_on
    ephemeral = not config.dir_outputs  # S3 only: build in a temporary folder, kept if delivery fails
    root = config.dir_outputs[0].path if not ephemeral else Path(tempfile.mkdtemp(prefix="compliance-kit-run-"))
    log(f"compliance-kit run: period {period} ({config.period}), {config.source.describe()}, "
        f"outputs: {', '.join(o.describe() for o in config.outputs)}")
    try:
        with locked(root):
            outcome, current, delta, incomplete = _run_locked(config, root, period, clock, log)
    except BaseException:
        if ephemeral:
            shutil.rmtree(root, ignore_errors=True)
        raise
    if outcome.status == "delivery_failed":
        return outcome
    if ephemeral:
        shutil.rmtree(root, ignore_errors=True)
        outcome.package = f"{outcome.delivered[0]}{PACKAGE_NAME}" if outcome.delivered else None
    if incomplete:
        outcome.status, outcome.exit_code = "collection_incomplete", 3
        outcome.message = (f"{len(incomplete)} account(s) not collected: " + "; ".join(incomplete))[:500]
        return outcome
    outcome.failed_on = crossed(rules, current, delta)
    if outcome.failed_on:
        outcome.status, outcome.exit_code = "threshold_crossed", 1
    return outcome


def _run_locked(config: KitConfig, root: Path, period: str, clock: Callable[[], datetime],
                log: Log) -> tuple[RunOutcome, dict[str, Any], dict[str, Any], list[str]]:
    scheme = SCHEMES[config.period]
    clean_leftovers(root)
    past, previous, previous_raw = previous_results(discover(config, period, log), log)
    if past:
        log(f"previous period: {past[0].period} ({past[0].source})")
    else:
        log("previous period: none (this period is the baseline)")
    folder, digest, current, delta, incomplete = _build(config, root, period, past, previous, previous_raw,
                                                        clock, log)
    package = folder / PACKAGE_NAME
    log(f"package: {package} (sha256 {digest})")
    for extra in config.dir_outputs[1:]:
        with locked(extra.path):
            clean_leftovers(extra.path)
            copy_period(folder, extra.path, period)
            log(f"copied to {extra.path / period}")
            for gone in apply_retention(extra.path, scheme, config.retention, period):
                log(f"retention: removed {extra.path / gone}")
    if config.dir_outputs:
        for gone in apply_retention(root, scheme, config.retention, period):
            log(f"retention: removed {root / gone}")
    outcome = RunOutcome(
        period=period, status="ok", exit_code=0, controls=control_totals(current), scores=scores(current),
        new_failures=int(delta["summary"]["new_failures"]),
        resolved_failures=int(delta["summary"]["resolved_failures"]),
        previous_period=past[0].period if past else None, package=str(package), digest=digest,
    )
    delivery_error = _deliver(config.s3_outputs, folder, period, digest, outcome, log)
    if delivery_error is not None:
        outcome.status, outcome.exit_code = "delivery_failed", 3
        outcome.message = f"{delivery_error} (local package kept: {package})"
    return outcome, current, delta, incomplete


def _deliver(targets: list[S3Output], folder: Path, period: str, digest: str, outcome: RunOutcome,
             log: Log) -> str | None:
    if not targets:
        return None
    from .deliver import DeliveryError, upload_period

    names = _deliverables(folder)
    for target in targets:
        try:
            urls = upload_period(target, folder, period, names, digest, log)
        except DeliveryError as exc:
            return str(exc)
        outcome.delivered.append(f"{target.describe()}/{period}/")
        log(f"delivered {len(urls)} files to {target.describe()}/{period}/")
    return None
