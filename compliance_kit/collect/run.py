"""Collect one account: run the plan's steps, write `<out>/<account-id>/` with the importer's manifest format.

Every file holds what the AWS CLI (v2, or v1 with `cli_timestamp_format = iso8601`) prints for the same
command: the response without ResponseMetadata, auto-paginated pages merged by botocore's own
`build_full_result` (no Marker / IsTruncated / NextToken), 4-space indented, non-ASCII kept, timestamps
as ISO-8601 in UTC (`2026-11-02T05:58:41+00:00`). The credential report is the decoded CSV.

A failing call never stops the run: its outcome (`access_denied`, `error`, or `not_configured` for
NoSuchEntity / AWSOrganizationsNotInUseException) and `<Code>: <message>` go into the manifest, and the
checks that need it are ERROR. Only a failing sts:GetCallerIdentity (no usable credentials) raises
CollectionError: nothing could be collected.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import CollectionError, InputError
from ..evidence.artifacts import ARTIFACTS, ArtifactSpec
from ..evidence.credential_report import CredentialReportError, parse_credential_report
from ..evidence.manifest import MANIFEST, SCHEMA_ID, Outcome, dumps, sha256_bytes, write_directory_atomically
from ..evidence.recognize import outcome_for_error
from ..evidence.values import iso
from .plan import ACCOUNT_STEPS, BY_ARTIFACT, Step
from .progress import NullProgress, Progress
from .session import DEFAULT_HOME_REGION, Connector, RequestStats, base_session, error_code, redact

SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")  # the importer's rule for keys in file names
REGION_NAME = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$")
REPORT_RETRY_CODES = {"ReportInProgress", "ReportNotPresent", "ReportExpired"}
EXTERNAL_ACCESS_TYPES = {"ACCOUNT", "ORGANIZATION"}  # ListFindings (v1) serves external-access analyzers
STALE_REPORT_SECONDS = 3600
COLLECTED_AT_SOURCE = "collection start (live run; the credential report's GeneratedTime is in its metadata)"
MAX_MESSAGE = 500
NOT_ATTEMPTED = {"organization_accounts": "not attempted per account: `collect --org` writes it to organization/"}


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class CollectOptions:
    out: Path
    profile: str | None = None
    regions: tuple[str, ...] = ()  # empty: the account's enabled regions (ec2 DescribeRegions)
    home_region: str | None = None  # default: the profile's / environment's region, else us-east-1
    role_arn: str | None = None
    external_id: str | None = None
    endpoint_url: str | None = None
    max_attempts: int = 8
    report_poll_delay: float = 1.0  # first wait for the credential report; doubles each try
    report_poll_tries: int = 10
    report_poll_budget: float = 60.0  # seconds, all waits together
    page_size: int | None = None  # cap every page size (tests of pagination); None: each API's largest
    event_handlers: tuple[tuple[str, Callable[..., Any]], ...] = ()  # extra botocore hooks on every client
    clock: Callable[[], datetime] = _now
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        for region in self.regions:
            if not REGION_NAME.match(region):
                raise InputError(f"not an AWS region name: {region!r}", file="--regions")
        if self.max_attempts < 1:
            raise InputError("must be at least 1", file="--max-attempts")


@dataclass
class AccountResult:
    account_id: str
    caller_arn: str
    directory: Path | None
    manifest: dict[str, Any]
    files: dict[str, bytes]
    warnings: list[str]
    requests: int
    seconds: float

    def problems(self) -> list[dict[str, Any]]:
        """Artifacts AWS did not give us (denied, failed): what an operator should look at."""
        bad = {Outcome.ACCESS_DENIED.value, Outcome.ERROR.value}
        return [e for e in self.manifest["artifacts"] if e["outcome"] in bad]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for entry in self.manifest["artifacts"]:
            out[entry["outcome"]] = out.get(entry["outcome"], 0) + 1
        return out


class StepFailed(Exception):
    """A step that could not complete for a reason other than an AWS error response."""

    def __init__(self, code: str, message: str) -> None:
        self.response = {"Error": {"Code": code, "Message": message}}
        super().__init__(f"{code}: {message}")


def _timestamp(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def _cli_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return _timestamp(value)
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def cli_json(data: Any) -> bytes:
    """Bytes the AWS CLI prints for DATA with `--output json` (awscli.formatter.JSONFormatter)."""
    return (json.dumps(data, indent=4, default=_cli_default, ensure_ascii=False) + "\n").encode("utf-8")


def fetch(client: Any, step: Step, page_size: int | None = None, **extra: Any) -> dict[str, Any]:
    """One step's API response, shaped as the AWS CLI shapes it (all pages merged, no ResponseMetadata)."""
    from botocore import xform_name

    method = xform_name(step.operation)
    params = {**step.kwargs, **extra}
    if client.can_paginate(method):
        size = step.page_size
        if page_size is not None:
            size = min(size, page_size) if size else page_size
        config = {"PageSize": size} if size else {}
        result = client.get_paginator(method).paginate(**params, PaginationConfig=config).build_full_result()
    else:
        result = getattr(client, method)(**params)
    result.pop("ResponseMetadata", None)
    return result


class Recorder:
    """Manifest entries and file contents, in the importer's exact entry format."""

    def __init__(self, progress: Progress, label: str, secrets: tuple[str | None, ...]) -> None:
        self.entries: dict[tuple[str, str | None], dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self.progress = progress
        self.label = label
        self.secrets = secrets

    def record(self, spec: ArtifactSpec, key: str | None, outcome: Outcome, *, content: bytes | None = None,
               message: str | None = None, metadata: dict[str, Any] | None = None, source: str | None = "aws") -> None:
        if message is not None:
            message = redact(message, self.secrets)[:MAX_MESSAGE]
        entry: dict[str, Any] = {
            "artifact": spec.name, "key": key, "api_call": spec.api_call, "outcome": outcome.value,
            "source": source, "message": message, "metadata": dict(sorted((metadata or {}).items())),
        }
        if content is not None:
            filename = spec.file_for(key)
            self.files[filename] = content
            entry.update(file=filename, sha256=sha256_bytes(content), bytes=len(content))
        self.entries[(spec.name, key)] = entry
        if outcome is not Outcome.NOT_COLLECTED:
            self.progress.step_done(self.label, self.step_name(spec, key), outcome.value, message)

    @staticmethod
    def step_name(spec: ArtifactSpec, key: str | None) -> str:
        return spec.file_for(key) if spec.key else spec.filename

    def attempt(self, spec: ArtifactSpec, key: str | None,
                produce: Callable[[], tuple[bytes | None, dict[str, Any]]]) -> bool:
        """Run PRODUCE (content, metadata); record ok, or the AWS error's outcome and `<Code>: <message>`."""
        from botocore.exceptions import BotoCoreError, ClientError

        self.progress.step_started(self.label, self.step_name(spec, key))
        try:
            content, metadata = produce()
        except (ClientError, BotoCoreError, StepFailed) as exc:
            code, message = error_code(exc)
            self.record(spec, key, outcome_for_error(code), message=f"{code}: {message}")
            return False
        except Exception as exc:  # an answer we cannot handle: recorded (ERROR), the run goes on
            self.record(spec, key, Outcome.ERROR, message=f"InternalError: {type(exc).__name__}: {exc}")
            return False
        self.record(spec, key, Outcome.OK, content=content, metadata=metadata)
        return True

    def state(self, artifact: str, key: str | None = None) -> str | None:
        entry = self.entries.get((artifact, key))
        return entry["outcome"] if entry else None

    def artifacts(self, names: set[str] | None = None, why: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """Entries sorted like the importer's; non-keyed artifacts never attempted are `not_collected`."""
        entries = dict(self.entries)
        for spec in ARTIFACTS:
            if spec.key is None and (spec.name, None) not in entries and (names is None or spec.name in names):
                entries[(spec.name, None)] = {
                    "artifact": spec.name, "key": None, "api_call": spec.api_call,
                    "outcome": Outcome.NOT_COLLECTED.value, "source": None,
                    "message": (why or {}).get(spec.name, "not attempted by the collector"), "metadata": {},
                }
        return [entries[k] for k in sorted(entries, key=lambda s: (s[0], s[1] or ""))]


def identify(connector: Connector) -> tuple[str, str, str]:
    """(account id, caller ARN, partition) from sts:GetCallerIdentity; CollectionError when that fails."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        identity = connector.client("sts").get_caller_identity()
    except (ClientError, BotoCoreError) as exc:
        code, message = error_code(exc)
        raise CollectionError(redact(f"cannot identify the caller (sts:GetCallerIdentity): {code}: {message}",
                                     connector.secrets())) from None
    arn = str(identity.get("Arn", ""))
    partition = arn.split(":")[1] if arn.count(":") >= 5 else "aws"
    return str(identity["Account"]), arn, partition


class AccountCollector:
    """Runs ACCOUNT_STEPS against one identity and builds the evidence directory in memory."""

    def __init__(self, connector: Connector, options: CollectOptions, progress: Progress | None = None, *,
                 organization_scps: tuple[bytes, dict[str, Any]] | None = None) -> None:
        self.connector = connector
        self.options = options
        self.progress = progress or NullProgress()
        self.organization_scps = organization_scps
        self.warnings: list[str] = []
        self.analyzers: dict[str, str] = {}  # region -> ARN of the analyzer whose findings are listed

    # --- steps -------------------------------------------------------------------------------------------

    def _call(self, step: Step, region: str | None = None, **extra: Any) -> tuple[bytes, dict[str, Any], Any]:
        data = fetch(self.connector.client(step.service, region), step, self.options.page_size, **extra)
        return cli_json(data), {}, data

    def _content(self, step: Step, region: str | None, extra: dict[str, str]) -> tuple[bytes, dict[str, Any]]:
        """What Recorder.attempt records for one call: the content and its metadata."""
        content, metadata, _ = self._call(step, region, **extra)
        return content, metadata

    def _simple(self, rec: Recorder, step: Step) -> Any:
        holder: dict[str, Any] = {}

        def produce() -> tuple[bytes | None, dict[str, Any]]:
            content, metadata, holder["data"] = self._call(step)
            return content, metadata

        rec.attempt(step.spec, None, produce)
        return holder.get("data")

    def _credential_report(self, rec: Recorder, started: datetime) -> None:
        from botocore.exceptions import ClientError

        step = BY_ARTIFACT["credential_report"]
        iam = self.connector.client("iam")
        opts = self.options

        def produce() -> tuple[bytes | None, dict[str, Any]]:
            begin = time.monotonic()
            delay = max(0.0, opts.report_poll_delay)
            response = None
            tries = 0
            slept = 0.0
            last = "ReportInProgress"
            while response is None:
                tries += 1
                try:
                    state = iam.generate_credential_report().get("State")
                except ClientError as exc:
                    code, message = error_code(exc)
                    if tries > 1 or outcome_for_error(code) is not Outcome.ACCESS_DENIED:
                        raise
                    # Not allowed to generate: a report generated earlier may still be there.
                    self.warnings.append(f"cannot generate a credential report ({code}); using the latest one")
                    response = iam.get_credential_report()
                    break
                if state == "COMPLETE":
                    try:
                        response = iam.get_credential_report()
                        break
                    except ClientError as exc:
                        last, _ = error_code(exc)
                        if last not in REPORT_RETRY_CODES:
                            raise
                waited = max(time.monotonic() - begin, slept)
                if tries >= opts.report_poll_tries or waited + delay > opts.report_poll_budget:
                    raise StepFailed(last, f"credential report not ready after {tries} tries ({waited:.0f} s)")
                opts.sleep(delay)
                slept += delay
                delay = min(max(delay * 2, 0.1), 15.0)
            content = response.get("Content", b"")
            raw = content.encode("utf-8") if isinstance(content, str) else bytes(content)
            try:
                text = raw.decode("utf-8")
                report = parse_credential_report(text.lstrip("\ufeff"))
            except (UnicodeDecodeError, CredentialReportError) as exc:
                raise StepFailed("MalformedCredentialReport", str(exc)[:200]) from None
            metadata: dict[str, Any] = {"rows": len(report.rows)}
            if report.duplicate_rows:
                metadata["duplicate_rows"] = report.duplicate_rows
            generated = response.get("GeneratedTime")
            if isinstance(generated, datetime):
                metadata["generated_time"] = _timestamp(generated)
                age = (started - generated.astimezone(UTC)).total_seconds()
                if age > STALE_REPORT_SECONDS:
                    self.warnings.append(
                        f"credential report generated at {_timestamp(generated)}, {age / 3600:.1f} h before the run "
                        "started (AWS hands back a report up to 4 hours old)")
            return raw, metadata

        rec.attempt(step.spec, None, produce)

    def _per_trail(self, rec: Recorder, step: Step, data: dict[str, Any] | None) -> None:
        """STEP once per trail of DescribeTrails, in the trail's home region, key = trail name."""
        if not data:
            return
        seen: dict[str, str] = {}
        for trail in data.get("trailList") or []:
            if not isinstance(trail, dict) or not trail.get("Name"):
                continue
            arn = str(trail.get("TrailARN") or trail["Name"])
            key = SAFE_NAME.sub("_", str(trail["Name"]).rsplit("/", 1)[-1])
            if key in seen:
                if seen[key] != arn and step.operation == "GetTrailStatus":
                    self.warnings.append(f"two trails named {key} ({seen[key]}, {arn}); the first is kept")
                continue
            seen[key] = arn
            params = {"Name" if step.operation == "GetTrailStatus" else "TrailName": arn}
            region = trail.get("HomeRegion") or None
            self.progress.steps_planned(rec.label, 1)
            rec.attempt(step.spec, key, partial(self._content, step, region, params))

    def _per_region(self, rec: Recorder, step: Step, regions: list[str]) -> None:
        """ListAnalyzers in each region; remembers the first active external-access analyzer for ListFindings."""
        for region in regions:
            key = SAFE_NAME.sub("_", region)

            def produce(region: str = region) -> tuple[bytes, dict[str, Any]]:
                content, _, data = self._call(step, region)
                active = [a for a in data.get("analyzers") or []
                          if isinstance(a, dict) and str(a.get("status", "")).upper() == "ACTIVE"
                          and str(a.get("type", "")).upper() in EXTERNAL_ACCESS_TYPES]
                arn = active[0].get("arn") if active else None
                if arn:
                    self.analyzers[region] = str(arn)
                return content, {"findings_analyzer": arn}

            rec.attempt(step.spec, key, produce)

    def _findings(self, rec: Recorder, step: Step, regions: list[str]) -> None:
        """ACTIVE findings of each region's analyzer. A region without one gets no entry (as in an import)."""
        for region in regions:
            arn = self.analyzers.get(region)
            if arn:
                self.progress.steps_planned(rec.label, 1)
                rec.attempt(step.spec, SAFE_NAME.sub("_", region),
                            partial(self._content, step, region, {"analyzerArn": arn}))

    def _identity_center(self, rec: Recorder, step: Step, regions: list[str]) -> None:
        """ListInstances in the home region; when it has none, the other collected regions in turn (IAM Identity
        Center lives in one region). The file is one region's answer, that region is in the metadata."""
        from botocore.exceptions import BotoCoreError, ClientError

        home = self.connector.home_region
        order = [home, *(r for r in regions if r != home)]

        def produce() -> tuple[bytes, dict[str, Any]]:
            first: tuple[bytes, dict[str, Any]] | None = None
            for region in order:
                try:
                    content, _, data = self._call(step, region)
                except (ClientError, BotoCoreError):
                    if region == home:
                        raise
                    continue  # e.g. a region that is not enabled
                first = first or (content, {"region": region})
                if data.get("Instances"):
                    return content, {"region": region}
            assert first is not None
            return first

        rec.attempt(step.spec, None, produce)

    def _scps(self, rec: Recorder, step: Step) -> None:
        if rec.state("organization") == Outcome.NOT_CONFIGURED.value:
            rec.record(step.spec, None, Outcome.NOT_CONFIGURED,
                       message="AWSOrganizationsNotInUseException: the account is not in an organization")
        elif self.organization_scps is not None:  # --org: the organization-wide list, read once
            content, metadata = self.organization_scps
            rec.progress.step_started(rec.label, step.spec.filename)
            rec.record(step.spec, None, Outcome.OK, content=content, metadata=metadata,
                       source=f"aws (organization-wide call made in account {metadata.get('collected_in_account')})")
        else:
            self._simple(rec, step)

    def _regions(self, data: dict[str, Any] | None) -> list[str]:
        enabled = sorted(
            str(r["RegionName"]) for r in (data or {}).get("Regions") or []
            if isinstance(r, dict) and r.get("RegionName") and r.get("OptInStatus") != "not-opted-in"
        )
        regions = list(self.options.regions) or enabled or [self.connector.home_region]
        if not self.options.regions and not enabled:
            self.warnings.append(f"enabled regions unknown; Access Analyzer read in {regions[0]} only")
        return regions

    # --- run ---------------------------------------------------------------------------------------------

    def run(self, account_id: str, caller_arn: str) -> AccountResult:
        opts = self.options
        begin = time.monotonic()
        started = opts.clock()
        label = self.connector.label
        rec = Recorder(self.progress, label, self.connector.secrets())
        plain_steps = [s for s in ACCOUNT_STEPS if s.kind in ("call", "report")]  # the rest: planned as found
        self.progress.steps_planned(label, len(plain_steps))

        data: dict[str, Any] = {}
        regions: list[str] = []
        for step in ACCOUNT_STEPS:
            if step.kind == "report":
                self._credential_report(rec, started)
            elif step.kind == "per_trail":
                self._per_trail(rec, step, data.get("trails"))
            elif step.kind == "per_region":
                self._per_region(rec, step, regions)
            elif step.kind == "findings":
                self._findings(rec, step, regions)
            elif step.artifact == "organization_scps":
                self._scps(rec, step)
            elif step.artifact == "identity_center_instances":
                self._identity_center(rec, step, regions)
            else:
                data[step.artifact] = self._simple(rec, step)
            if step.artifact == "regions":
                regions = self._regions(data.get("regions"))
                self.progress.steps_planned(label, len(regions))

        for text in self.warnings:
            self.progress.warning(label, redact(text, rec.secrets))
        warnings = [redact(w, rec.secrets) for w in self.warnings]
        manifest = {
            "schema": SCHEMA_ID,
            "tool_version": __version__,
            "account_id": account_id,
            "caller_arn": caller_arn,
            "method": "collect",
            "source": "aws" if not opts.endpoint_url else f"aws API at {opts.endpoint_url}",
            "collection_started_at": iso(started),
            "collection_ended_at": iso(opts.clock()),
            "collected_at": iso(started),
            "collected_at_source": COLLECTED_AT_SOURCE,
            "artifacts": rec.artifacts(why=NOT_ATTEMPTED),
            "ignored_files": [],
            "regions": regions,
            "warnings": warnings,
        }
        stats = self.connector.stats
        return AccountResult(account_id, caller_arn, None, manifest, rec.files, list(warnings),
                             stats.for_label(label) if stats else 0, time.monotonic() - begin)


def write_account(result: AccountResult, out: Path) -> Path:
    """`<out>/<account-id>/` written atomically (a temporary sibling swapped into place)."""
    target = out / SAFE_NAME.sub("_", result.account_id)
    write_directory_atomically(target, {**result.files, MANIFEST: dumps(result.manifest)})
    result.directory = target
    return target


def connect(options: CollectOptions, stats: RequestStats | None, label: str = "caller") -> Connector:
    """The caller's identity (credential chain), then the audit role when --role-arn is given."""
    from botocore.exceptions import BotoCoreError, ClientError

    session = base_session(options.profile, options.home_region)
    home = options.home_region or session.region_name or DEFAULT_HOME_REGION
    connector = Connector(session, label, home, options.max_attempts, options.endpoint_url, stats,
                          options.event_handlers)
    if options.role_arn:
        try:
            connector = connector.assume(options.role_arn, options.external_id, label)
        except (ClientError, BotoCoreError) as exc:
            code, message = error_code(exc)
            raise CollectionError(redact(f"cannot assume {options.role_arn}: {code}: {message}",
                                         connector.secrets())) from None
    return connector


def collect_account(options: CollectOptions, progress: Progress | None = None,
                    stats: RequestStats | None = None) -> AccountResult:
    """Collect the account the credentials (or --role-arn) belong to; write `<out>/<account-id>/`."""
    progress = progress or NullProgress()
    stats = stats or RequestStats(progress.request)
    connector = connect(options, stats)
    account_id, caller_arn, _ = identify(connector)
    connector.label = account_id
    progress.account_started(account_id)
    result = AccountCollector(connector, options, progress).run(account_id, caller_arn)
    write_account(result, options.out)
    counts = result.counts()
    progress.account_done(account_id, True, ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    return result
