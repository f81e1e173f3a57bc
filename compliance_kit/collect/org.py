"""Collect a whole AWS Organization: list its accounts, then collect each ACTIVE one through a role.

Layout written under --out:

    <out>/<account-id>/                    one evidence directory per collected account (as `collect`)
    <out>/organization/<management-id>/    describe-organization.json, list-accounts.json,
                                           list-policies.SERVICE_CONTROL_POLICY.json, manifest.json

The organization folder sits one level deeper on purpose: `assess <out>` (find_evidence_dirs) only takes
direct children that hold a manifest.json, so it assesses the accounts and never mistakes the
organization data for an extra account; `evidence verify <out>/organization` still re-hashes it with the
same manifest format (account_id = the management account).

Accounts are collected concurrently (ThreadPoolExecutor); each worker builds its own boto3 Session.
One failing account (role missing, AccessDenied on AssumeRole, ...) is listed and does not stop the others.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import CollectionError
from ..evidence.manifest import MANIFEST, SCHEMA_ID, Outcome, dumps, write_directory_atomically
from ..evidence.values import iso
from .plan import ORG_BY_ARTIFACT
from .progress import NullProgress, Progress
from .run import (
    COLLECTED_AT_SOURCE,
    SAFE_NAME,
    AccountCollector,
    AccountResult,
    CollectOptions,
    Recorder,
    cli_json,
    connect,
    fetch,
    identify,
    write_account,
)
from .session import RequestStats, error_code, redact

ORGANIZATION_DIR = "organization"
ORG_LABEL = "organization"
DEFAULT_ROLE_NAME = "OrganizationAccountAccessRole"


@dataclass
class OrgResult:
    management_account_id: str
    organization_dir: Path
    accounts: list[AccountResult] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (account id, what went wrong)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (account id, state) of accounts not ACTIVE
    requests: int = 0
    seconds: float = 0.0


def _account_state(account: dict[str, Any]) -> str:
    return str(account.get("State") or account.get("Status") or "UNKNOWN").upper()


def _collect_member(options: CollectOptions, account_id: str, caller_account: str, partition: str, role_name: str,
                    stats: RequestStats, progress: Progress,
                    organization_scps: tuple[bytes, dict[str, Any]] | None) -> AccountResult:
    """One account, in a worker thread, with its own boto3 Session."""
    from botocore.exceptions import BotoCoreError, ClientError

    progress.account_started(account_id)
    connector = connect(options, stats, label=account_id)
    if account_id != caller_account:
        role_arn = f"arn:{partition}:iam::{account_id}:role/{role_name}"
        try:
            connector = connector.assume(role_arn, options.external_id, account_id)
        except (ClientError, BotoCoreError) as exc:
            code, message = error_code(exc)
            raise CollectionError(redact(f"cannot assume {role_arn}: {code}: {message}", connector.secrets())) from None
    found, caller_arn, _ = identify(connector)
    if found != account_id:
        raise CollectionError(f"credentials for {account_id} belong to account {found}")
    result = AccountCollector(connector, options, progress, organization_scps=organization_scps).run(found, caller_arn)
    write_account(result, options.out)
    return result


def collect_organization(options: CollectOptions, *, role_name: str = DEFAULT_ROLE_NAME, max_workers: int = 4,
                         progress: Progress | None = None, stats: RequestStats | None = None) -> OrgResult:
    progress = progress or NullProgress()
    stats = stats or RequestStats(progress.request)
    begin = time.monotonic()
    base = connect(options, stats)
    caller_account, caller_arn, partition = identify(base)
    base.label = ORG_LABEL
    progress.account_started(ORG_LABEL)
    progress.steps_planned(ORG_LABEL, 3)
    started = options.clock()
    rec = Recorder(progress, ORG_LABEL, base.secrets())
    data: dict[str, Any] = {}

    def step(name: str) -> bool:
        spec_step = ORG_BY_ARTIFACT[name]

        def produce() -> tuple[bytes, dict[str, Any]]:
            data[name] = fetch(base.client(spec_step.service), spec_step, options.page_size)
            return cli_json(data[name]), {}

        return rec.attempt(spec_step.spec, None, produce)

    for name in ("organization", "organization_accounts"):
        if not step(name):
            entry = rec.entries[(name, None)]
            progress.account_done(ORG_LABEL, False, entry["message"] or entry["outcome"])
            raise CollectionError(f"--org: cannot read the organization ({ORG_BY_ARTIFACT[name].operation}): "
                                  f"{entry['message']}")
    step("organization_scps")
    organization = data["organization"].get("Organization") or {}
    management = str(organization.get("MasterAccountId") or caller_account)
    manifest = {
        "schema": SCHEMA_ID,
        "tool_version": __version__,
        "account_id": management,
        "caller_arn": caller_arn,
        "method": "collect",
        "scope": "organization",
        "organization_id": organization.get("Id"),
        "source": "aws" if not options.endpoint_url else f"aws API at {options.endpoint_url}",
        "collection_started_at": iso(started),
        "collection_ended_at": iso(options.clock()),
        "collected_at": iso(started),
        "collected_at_source": COLLECTED_AT_SOURCE,
        "artifacts": rec.artifacts(names=set(ORG_BY_ARTIFACT)),
        "ignored_files": [],
        "warnings": [],
    }
    target = options.out / ORGANIZATION_DIR / SAFE_NAME.sub("_", management)
    write_directory_atomically(target, {**rec.files, MANIFEST: dumps(manifest)})
    progress.account_done(ORG_LABEL, True, f"{len(data['organization_accounts'].get('Accounts') or [])} accounts")

    shared_scps = None
    if rec.state("organization_scps") == Outcome.OK.value:
        shared_scps = (rec.files[ORG_BY_ARTIFACT["organization_scps"].spec.filename],
                       {"collected_in_account": caller_account})
    result = OrgResult(management, target)
    members: list[str] = []
    for account in data["organization_accounts"].get("Accounts") or []:
        if not isinstance(account, dict) or not account.get("Id"):
            continue
        state = _account_state(account)
        if state == "ACTIVE":
            members.append(str(account["Id"]))
        else:
            result.skipped.append((str(account["Id"]), state))

    with ThreadPoolExecutor(max_workers=max(1, max_workers), thread_name_prefix="collect") as pool:
        futures = {
            pool.submit(_collect_member, options, account_id, caller_account, partition, role_name, stats, progress,
                        shared_scps): account_id
            for account_id in sorted(set(members))
        }
        for future in as_completed(futures):
            account_id = futures[future]
            try:
                account = future.result()
            except CollectionError as exc:
                result.failures.append((account_id, str(exc)))
                progress.account_done(account_id, False, str(exc))
            except Exception as exc:  # one broken account must not stop the others
                message = redact(f"{type(exc).__name__}: {exc}")[:500]
                result.failures.append((account_id, message))
                progress.account_done(account_id, False, message)
            else:
                result.accounts.append(account)
                counts = account.counts()
                progress.account_done(account_id, True, ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    result.accounts.sort(key=lambda a: a.account_id)
    result.failures.sort()
    result.requests = stats.total
    result.seconds = time.monotonic() - begin
    return result
