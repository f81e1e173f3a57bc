"""IAM user checks: credentials from the credential report, permissions layout from authorization details."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..evidence import Evidence
from ..evidence.authorization import FILE as AUTHZ
from ..evidence.credential_report import CredentialRow
from ..evidence.values import days_between, iso
from ..model import ResourceResult
from ..settings import Settings
from .registry import check, errored, failed, passed, verdict

CSV = "credential-report.csv"
_SEPARATORS = re.compile(r"[-_.@+=,\d]+")
SHARED_TOKENS = {
    "admin", "administrator", "root", "shared", "share", "team", "test", "testing", "temp", "tmp",
    "generic", "guest", "common", "group", "default", "ops", "everyone", "dev", "qa", "support",
}


def _users(evidence: Evidence) -> tuple[CredentialRow, ...]:
    """The credential report's rows without root, picked out once per evidence: a dozen checks walk them."""
    hit = evidence.cache.get(("report-users",))
    if hit is None:
        hit = evidence.cache[("report-users",)] = evidence.credential_report.users
    return hit  # type: ignore[no-any-return]


def _key_id(arn: str, number: int) -> str:
    return f"{arn} (access key {number})"


@check("user_console_without_mfa", needs=["credential_report"])
def user_console_without_mfa(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    for row in _users(evidence):
        if row.has_console_password:
            yield verdict(not row.mfa_active, "user", row.arn, "console password without MFA",
                          "console password protected by MFA", CSV, f"row {row.row}")


@check("user_without_mfa", needs=["credential_report"])
def user_without_mfa(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    for row in _users(evidence):
        yield verdict(not row.mfa_active, "user", row.arn, "no MFA device", "MFA device active",
                      CSV, f"row {row.row}")


@check("access_key_not_rotated", needs=["credential_report"])
def access_key_not_rotated(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    limit = settings.access_key_max_age_days
    for row in _users(evidence):
        for key in row.active_keys:
            rid = _key_id(row.arn, key.number)
            if key.last_rotated is None:
                yield errored("access_key", rid, "not assessed: active key without a last_rotated date", CSV, f"row {row.row}")
                continue
            age = days_between(key.last_rotated, evidence.collected_at)
            if age > limit:  # the date is formatted only for a failure
                yield failed("access_key", rid, f"active key is {age} days old (created {iso(key.last_rotated)}; "
                             f"limit {limit})", CSV, f"row {row.row}")
            else:
                yield passed("access_key", rid, f"active key is {age} days old (limit {limit})", CSV, f"row {row.row}")


@check("user_password_unused", needs=["credential_report"])
def user_password_unused(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    limit = settings.credential_unused_days
    for row in _users(evidence):
        if not row.has_console_password:
            continue
        if row.password_last_used is not None:
            idle = days_between(row.password_last_used, evidence.collected_at)
            if idle >= limit:  # the date is formatted only for a failure
                yield failed("user", row.arn, f"password last used {idle} days before collection "
                             f"({iso(row.password_last_used)}; limit {limit})", CSV, f"row {row.row}")
            else:
                yield passed("user", row.arn, f"password used {idle} days before collection", CSV, f"row {row.row}")
            continue
        since = row.password_last_changed or row.created
        if since is None:
            yield errored("user", row.arn, "not assessed: password never used and no creation date", CSV, f"row {row.row}")
            continue
        idle = days_between(since, evidence.collected_at)
        yield verdict(idle >= limit, "user", row.arn,
                      f"password never used, set {idle} days before collection (limit {limit})",
                      f"password never used but set only {idle} days before collection", CSV, f"row {row.row}")


@check("access_key_unused", needs=["credential_report"])
def access_key_unused(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    limit = settings.credential_unused_days
    for row in _users(evidence):
        for key in row.active_keys:
            rid = _key_id(row.arn, key.number)
            reference = key.last_used or key.last_rotated
            if reference is None:
                yield errored("access_key", rid, "not assessed: active key with no dates", CSV, f"row {row.row}")
                continue
            idle = days_between(reference, evidence.collected_at)
            what = f"last used {iso(key.last_used)}" if key.last_used else f"never used, created {iso(key.last_rotated)}"
            yield verdict(idle >= limit, "access_key", rid, f"active key {what}: idle {idle} days (limit {limit})",
                          f"active key {what}: idle {idle} days", CSV, f"row {row.row}")


@check("user_has_multiple_active_keys", needs=["credential_report"])
def user_has_multiple_active_keys(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    for row in _users(evidence):
        count = len(row.active_keys)
        yield verdict(count > 1, "user", row.arn, f"{count} active access keys",
                      f"{count} active access key(s)", CSV, f"row {row.row}")


@check("access_key_created_at_user_setup", needs=["credential_report"])
def access_key_created_at_user_setup(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    window = settings.key_setup_window_seconds
    for row in _users(evidence):
        if not row.has_console_password:
            continue
        for key in row.active_keys:
            rid = _key_id(row.arn, key.number)
            at_setup = (
                row.created is not None and key.last_rotated is not None and key.last_used is None
                and abs((key.last_rotated - row.created).total_seconds()) <= window
            )
            if at_setup:  # the date is formatted only for a failure
                yield failed("access_key", rid, f"key created with the user ({iso(row.created)}) and never used",
                             CSV, f"row {row.row}")
            else:
                yield passed("access_key", rid, "key not created at user set-up, or in use", CSV, f"row {row.row}")


@check("console_user_has_access_keys", needs=["credential_report"])
def console_user_has_access_keys(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    for row in _users(evidence):
        if row.has_console_password:
            active = len(row.active_keys)
            yield verdict(active > 0, "user", row.arn,
                          f"console user also holds {active} active long-lived access key(s)",
                          "console user holds no access keys", CSV, f"row {row.row}")


@check("workload_uses_iam_user", needs=["credential_report"])
def workload_uses_iam_user(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    for row in _users(evidence):
        if not row.has_console_password:
            active = len(row.active_keys)
            yield verdict(active > 0, "user", row.arn,
                          f"programmatic-only user with {active} active access key(s): a workload should use a role",
                          "programmatic-only user without active keys", CSV, f"row {row.row}")


@check("user_has_active_signing_certificates", needs=["credential_report"])
def user_has_active_signing_certificates(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    for row in _users(evidence):
        active = [c.number for c in row.certificates if c.active]
        yield verdict(bool(active), "user", row.arn,
                      f"active X.509 signing certificate(s) {', '.join(map(str, active))}",
                      "no active signing certificate", CSV, f"row {row.row}")


@check("user_appears_shared", needs=["credential_report"])
def user_appears_shared(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    for row in _users(evidence):
        tokens = {t for t in _SEPARATORS.split(row.user.lower()) if t}
        hits = sorted(tokens & SHARED_TOKENS)
        yield verdict(bool(hits), "user", row.arn,
                      f"name suggests a shared or generic account ({', '.join(hits)})",
                      "name identifies an individual or a named workload", CSV, f"row {row.row}")


@check("user_has_attached_policies", needs=["authorization_details"])
def user_has_attached_policies(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    for user in evidence.authorization.users:
        names = [p.name for p in user.attached]
        if names:
            yield verdict(True, "user", user.arn, f"managed policies attached directly: {', '.join(names)}", "",
                          AUTHZ, user.attached[0].pointer)
        else:
            yield passed("user", user.arn, "no managed policy attached directly", AUTHZ, user.pointer)


@check("user_has_inline_policies", needs=["authorization_details"])
def user_has_inline_policies(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    for user in evidence.authorization.users:
        names = [p.name for p in user.inline]
        yield verdict(bool(names), "user", user.arn, f"inline policies: {', '.join(names)}",
                      "no inline policy", AUTHZ, user.inline[0].pointer if names else user.pointer)


@check("user_not_in_group", needs=["authorization_details"])
def user_not_in_group(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    for user in evidence.authorization.users:
        yield verdict(not user.groups, "user", user.arn, "member of no group",
                      f"member of {', '.join(user.groups)}", AUTHZ, f"{user.pointer}/GroupList")
