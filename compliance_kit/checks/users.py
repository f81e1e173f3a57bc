"""IAM user checks: credentials from the credential report, permissions layout from authorization details."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from ..evidence import Evidence
from ..evidence.authorization import FILE as AUTHZ
from ..evidence.credential_report import AccessKeySlot, CredentialRow
from ..evidence.values import days_between, iso
from ..model import EvidenceRef, ResourceResult
from ..settings import Settings
from .registry import ERROR, FAIL, PASS, check, current_account, record, ref

CSV = "credential-report.csv"
_SEPARATORS = re.compile(r"[-_.@+=,\d]+")
_new = tuple.__new__
SHARED_TOKENS = {
    "admin", "administrator", "root", "shared", "share", "team", "test", "testing", "temp", "tmp",
    "generic", "guest", "common", "group", "default", "ops", "everyone", "dev", "qa", "support",
}
# A name holds a shared token only if it holds it as a substring: the names without any (most of them)
# are told apart by one search, without splitting them into words.
_ANY_TOKEN = re.compile("|".join(map(re.escape, sorted(SHARED_TOKENS))))


class _User(NamedTuple):
    """One user of the credential report, with what a dozen checks each ask of it worked out once."""

    row: CredentialRow
    ref: EvidenceRef  # its row in the report: one record shared by every result on the user
    keys: tuple[tuple[AccessKeySlot, str], ...]  # active keys, with their resource ids
    console: bool


def _users(evidence: Evidence) -> tuple[_User, ...]:
    """The credential report's rows without root, picked out once per evidence: a dozen checks walk them."""
    hit = evidence.cache.get(("report-users",))
    if hit is None:
        users = []
        for row in evidence.credential_report.users:
            keys = row.active_keys
            users.append(_new(_User, (row, _new(EvidenceRef, (CSV, f"row {row.row}")),
                                      tuple([(key, _key_id(row.arn, key.number)) for key in keys]) if keys else (),
                                      row.has_console_password)))
        hit = evidence.cache[("report-users",)] = tuple(users)
    return hit  # type: ignore[no-any-return]


def _key_id(arn: str, number: int) -> str:
    return f"{arn} (access key {number})"


def _on(fails: bool, rtype: str, rid: str, fail_reason: str, pass_reason: str, at: EvidenceRef,
        account: str) -> ResourceResult:
    """registry.verdict, with the user's shared EvidenceRef."""
    return record(rtype, rid, FAIL, fail_reason, at, account) if fails else \
        record(rtype, rid, PASS, pass_reason, at, account)


@check("user_console_without_mfa", needs=["credential_report"])
def user_console_without_mfa(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    account = current_account()
    for row, at, _, console in _users(evidence):
        if console:
            yield _on(not row.mfa_active, "user", row.arn, "console password without MFA",
                      "console password protected by MFA", at, account)


@check("user_without_mfa", needs=["credential_report"])
def user_without_mfa(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    account = current_account()
    for row, at, _, _ in _users(evidence):
        yield _on(not row.mfa_active, "user", row.arn, "no MFA device", "MFA device active", at, account)


@check("access_key_not_rotated", needs=["credential_report"])
def access_key_not_rotated(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    limit = settings.access_key_max_age_days
    account = current_account()
    for _, at, keys, _ in _users(evidence):
        for key, rid in keys:
            if key.last_rotated is None:
                yield record("access_key", rid, ERROR, "not assessed: active key without a last_rotated date",
                             at, account)
                continue
            age = days_between(key.last_rotated, evidence.collected_at)
            if age > limit:  # the date is formatted only for a failure
                yield record("access_key", rid, FAIL, f"active key is {age} days old (created "
                             f"{iso(key.last_rotated)}; limit {limit})", at, account)
            else:
                yield record("access_key", rid, PASS, f"active key is {age} days old (limit {limit})", at, account)


@check("user_password_unused", needs=["credential_report"])
def user_password_unused(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    limit = settings.credential_unused_days
    account = current_account()
    for row, at, _, console in _users(evidence):
        if not console:
            continue
        if row.password_last_used is not None:
            idle = days_between(row.password_last_used, evidence.collected_at)
            if idle >= limit:  # the date is formatted only for a failure
                yield record("user", row.arn, FAIL, f"password last used {idle} days before collection "
                             f"({iso(row.password_last_used)}; limit {limit})", at, account)
            else:
                yield record("user", row.arn, PASS, f"password used {idle} days before collection", at, account)
            continue
        since = row.password_last_changed or row.created
        if since is None:
            yield record("user", row.arn, ERROR, "not assessed: password never used and no creation date",
                         at, account)
            continue
        idle = days_between(since, evidence.collected_at)
        if idle >= limit:
            yield record("user", row.arn, FAIL, f"password never used, set {idle} days before collection (limit {limit})",
                         at, account)
        else:
            yield record("user", row.arn, PASS, f"password never used but set only {idle} days before collection", at,
                         account)


@check("access_key_unused", needs=["credential_report"])
def access_key_unused(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    limit = settings.credential_unused_days
    account = current_account()
    for _, at, keys, _ in _users(evidence):
        for key, rid in keys:
            reference = key.last_used or key.last_rotated
            if reference is None:
                yield record("access_key", rid, ERROR, "not assessed: active key with no dates", at, account)
                continue
            idle = days_between(reference, evidence.collected_at)
            what = f"last used {iso(key.last_used)}" if key.last_used else f"never used, created {iso(key.last_rotated)}"
            if idle >= limit:
                yield record("access_key", rid, FAIL, f"active key {what}: idle {idle} days (limit {limit})", at, account)
            else:
                yield record("access_key", rid, PASS, f"active key {what}: idle {idle} days", at, account)


@check("user_has_multiple_active_keys", needs=["credential_report"])
def user_has_multiple_active_keys(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    account = current_account()
    for row, at, keys, _ in _users(evidence):
        count = len(keys)
        if count > 1:
            yield record("user", row.arn, FAIL, f"{count} active access keys", at, account)
        else:
            yield record("user", row.arn, PASS, f"{count} active access key(s)", at, account)


@check("access_key_created_at_user_setup", needs=["credential_report"])
def access_key_created_at_user_setup(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    window = settings.key_setup_window_seconds
    account = current_account()
    for row, at, keys, console in _users(evidence):
        if not console:
            continue
        for key, rid in keys:
            at_setup = (
                row.created is not None and key.last_rotated is not None and key.last_used is None
                and abs((key.last_rotated - row.created).total_seconds()) <= window
            )
            if at_setup:  # the date is formatted only for a failure
                yield record("access_key", rid, FAIL, f"key created with the user ({iso(row.created)}) and never used",
                             at, account)
            else:
                yield record("access_key", rid, PASS, "key not created at user set-up, or in use", at, account)


@check("console_user_has_access_keys", needs=["credential_report"])
def console_user_has_access_keys(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    account = current_account()
    for row, at, keys, console in _users(evidence):
        if console:
            if keys:
                yield record("user", row.arn, FAIL, f"console user also holds {len(keys)} active long-lived access key(s)",
                             at, account)
            else:
                yield record("user", row.arn, PASS, "console user holds no access keys", at, account)


@check("workload_uses_iam_user", needs=["credential_report"])
def workload_uses_iam_user(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    account = current_account()
    for row, at, keys, console in _users(evidence):
        if not console:
            if keys:
                yield record("user", row.arn, FAIL, f"programmatic-only user with {len(keys)} active access key(s): "
                             "a workload should use a role", at, account)
            else:
                yield record("user", row.arn, PASS, "programmatic-only user without active keys", at, account)


@check("user_has_active_signing_certificates", needs=["credential_report"])
def user_has_active_signing_certificates(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    account = current_account()
    for row, at, _, _ in _users(evidence):
        active = [c.number for c in row.certificates if c.active] if row.certificates else ()
        if active:  # the numbers are joined only for a failure
            yield record("user", row.arn, FAIL, f"active X.509 signing certificate(s) {', '.join(map(str, active))}",
                         at, account)
        else:
            yield record("user", row.arn, PASS, "no active signing certificate", at, account)


@check("user_appears_shared", needs=["credential_report"])
def user_appears_shared(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    account = current_account()
    for row, at, _, _ in _users(evidence):
        name = row.user.lower()  # split's "" is no token
        hits = sorted(SHARED_TOKENS.intersection(_SEPARATORS.split(name))) if _ANY_TOKEN.search(name) else []
        if hits:
            yield record("user", row.arn, FAIL, f"name suggests a shared or generic account ({', '.join(hits)})",
                         at, account)
        else:
            yield record("user", row.arn, PASS, "name identifies an individual or a named workload", at, account)


@check("user_has_attached_policies", needs=["authorization_details"])
def user_has_attached_policies(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    account = current_account()
    for user in evidence.authorization.users:
        if user.attached:
            yield record("user", user.arn, FAIL, "managed policies attached directly: "
                         f"{', '.join([p.name for p in user.attached])}", ref(AUTHZ, user.attached[0].pointer), account)
        else:
            yield record("user", user.arn, PASS, "no managed policy attached directly", ref(AUTHZ, user.pointer),
                         account)


@check("user_has_inline_policies", needs=["authorization_details"])
def user_has_inline_policies(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    account = current_account()
    for user in evidence.authorization.users:
        if user.inline:  # the names are joined only for a failure
            yield record("user", user.arn, FAIL, f"inline policies: {', '.join([p.name for p in user.inline])}",
                         ref(AUTHZ, user.inline[0].pointer), account)
        else:
            yield record("user", user.arn, PASS, "no inline policy", ref(AUTHZ, user.pointer), account)


@check("user_not_in_group", needs=["authorization_details"])
def user_not_in_group(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    account = current_account()
    for user in evidence.authorization.users:
        groups = user.groups
        if groups:
            yield record("user", user.arn, PASS, f"member of {', '.join(groups)}",
                         ref(AUTHZ, f"{user.pointer}/GroupList"), account)
        else:
            yield record("user", user.arn, FAIL, "member of no group", ref(AUTHZ, f"{user.pointer}/GroupList"),
                         account)
