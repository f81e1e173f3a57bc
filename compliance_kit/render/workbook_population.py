"""Population sheets for sampling: Users, Roles, Groups and customer managed Policies.

One row per principal across accounts, with its facts from the evidence and one verdict column per
check that judges principals of that kind. Verdicts come from the Assessment (never recomputed here):
a user's access-key checks show the worst status over the user's keys; a check that could not run for
the whole account (an account-level ERROR) shows ERROR for every principal of that account.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..assess import Assessment
from ..checks.trust import allow_statements
from ..evidence import Evidence, EvidenceUnavailable
from ..evidence.authorization import AuthorizationDetails, Principal
from ..evidence.credential_report import CredentialRow
from ..evidence.values import days_between, parse_time
from ..model import Status
from .workbook_xlsx import Block, Column, Sheet, location

# Worst first, as in model.aggregate_status.
RANK = {Status.FAIL: 0, Status.ERROR: 1, Status.WAIVED: 2, Status.PASS: 3, Status.NOT_APPLICABLE: 4}
_ERROR = Status.ERROR.value

# Which checks get a verdict column on which sheet: by the check's declared resource type, plus any
# check that (in this assessment) produced a resource of the sheet's kind.
SHEET_TYPES = {
    "Users": ({"user", "access_key", "principal"}, {"user", "access_key"}),
    "Roles": ({"role", "principal"}, {"role"}),
    "Groups": ({"group", "principal"}, {"group"}),
    "Policies": ({"policy"}, {"policy"}),
}

FindingsLink = Callable[[str, str], Any]  # (account, ARN) -> count of Findings rows, linked to the first


def base_arn(resource_type: str, resource_id: str) -> str:
    """The principal or policy a resource result belongs to: `ARN (access key 1)` -> `ARN`."""
    if resource_type == "access_key":
        return resource_id.split(" (access key ", 1)[0]
    if resource_type == "inline_policy":
        return resource_id.rsplit(" (inline ", 1)[0]
    return resource_id


class VerdictIndex:
    """Resource statuses by check and (account, ARN), built once from the Assessment."""

    def __init__(self, assessment: Assessment) -> None:
        self.by_check: dict[str, dict[tuple[str, str], str]] = {}  # the worst status's value
        self.account_errors: dict[str, set[str]] = {}
        self.inline: dict[tuple[str, str], tuple[Status, set[str]]] = {}
        self.observed: dict[str, set[str]] = {}
        for result in assessment.checks:
            statuses: dict[tuple[str, str], Status] = {}
            types = self.observed.setdefault(result.check_id, set())
            for r in result.resources:
                types.add(r.resource_type)
                if r.resource_type == "account":
                    if r.status is Status.ERROR:
                        self.account_errors.setdefault(result.check_id, set()).add(r.account_id)
                    continue
                key = (r.account_id, base_arn(r.resource_type, r.resource_id))
                if r.resource_type == "inline_policy":
                    worst, failing = self.inline.get(key, (Status.NOT_APPLICABLE, set()))
                    if r.status in (Status.FAIL, Status.ERROR, Status.WAIVED):
                        failing.add(result.check_id)
                    self.inline[key] = (min(worst, r.status, key=RANK.__getitem__), failing)
                    continue
                known = statuses.get(key)
                statuses[key] = r.status if known is None else min(known, r.status, key=RANK.__getitem__)
            self.by_check[result.check_id] = {key: str(status) for key, status in statuses.items()}  # StrEnum: its value

    def columns_for(self, sheet: str, assessment: Assessment) -> list[str]:
        declared, observed = SHEET_TYPES[sheet]
        out = []
        for check_id in sorted(self.by_check):
            meta = assessment.check_meta.get(check_id)
            seen = self.observed.get(check_id, set())
            if seen & observed or (meta is not None and meta.resource_type in declared
                                   and not (seen and seen <= {"inline_policy"})):
                out.append(check_id)
        return out

    def verdicts(self, check_ids: list[str], account: str, arn: str) -> list[str | None]:
        """One status per check: blank where the check did not judge the principal, ERROR where it could
        not run for the principal's account."""
        key, by_check, errors = (account, arn), self.by_check, self.account_errors
        return [by_check[c].get(key, _ERROR if account in errors.get(c, ()) else None) for c in check_ids]

    def inline_verdict(self, account: str, arn: str) -> list[str | None]:
        found = self.inline.get((account, arn))
        if found is None:
            return [None, None]
        worst, failing = found
        return [worst.value, ", ".join(sorted(failing)) or None]


@dataclass
class Population:
    title: str
    entries: list[tuple[Evidence, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows: dict[tuple[str, str], int] = field(default_factory=dict)  # (account, ARN) -> sheet row

    def link(self, account: str, arn: str) -> str | None:
        row = self.rows.get((account, arn))
        return location(self.title, row) if row else None


def _authorization(evidence: Evidence, notes: list[str]) -> AuthorizationDetails | None:
    try:
        return evidence.authorization
    except EvidenceUnavailable as exc:
        notes.append(f"account {evidence.account_id}: authorization details unavailable ({exc.reason})")
        return None


def collect(evidences: list[Evidence], titles: dict[str, str]) -> dict[str, Population]:
    """The principals of every account, in sheet order, with the sheet row each one lands on."""
    pops = {kind: Population(titles[kind]) for kind in SHEET_TYPES}
    for evidence in sorted(evidences, key=lambda e: e.account_id):
        authz_notes: list[str] = []
        authz = _authorization(evidence, authz_notes)
        for kind in ("Roles", "Groups", "Policies"):
            pops[kind].notes.extend(authz_notes)
        try:
            cred_rows: list[CredentialRow] = list(evidence.credential_report.users)
        except EvidenceUnavailable as exc:
            cred_rows = []
            pops["Users"].notes.append(
                f"account {evidence.account_id}: credential report unavailable ({exc.reason})"
                + (": password, MFA and access-key columns are empty" if authz is not None else ""))
        users: dict[str, tuple[str, CredentialRow | None, Principal | None]] = {}
        for cred_row in cred_rows:
            users.setdefault(cred_row.arn, (cred_row.user, cred_row, None))  # a repeated ARN (malformed report): the first row
        if authz is not None:
            for principal in authz.users:
                known = users[principal.arn][1] if principal.arn in users else None
                users[principal.arn] = (principal.name, known, principal)
        else:
            suffix = ": group and policy columns are empty" if cred_rows else ""
            pops["Users"].notes.extend(n + suffix for n in authz_notes)
        for arn, user in sorted(users.items(), key=lambda kv: (kv[1][0].lower(), kv[0])):
            pops["Users"].entries.append((evidence, (arn, *user)))
        if authz is None:
            continue
        for principal in sorted(authz.roles, key=lambda p: (p.name.lower(), p.arn)):
            pops["Roles"].entries.append((evidence, principal))
        for principal in sorted(authz.groups, key=lambda p: (p.name.lower(), p.arn)):
            pops["Groups"].entries.append((evidence, principal))
        customer = [p for p in authz.policies.values() if not p.is_aws_managed]
        for policy in sorted(customer, key=lambda p: (p.name.lower(), p.arn)):
            pops["Policies"].entries.append((evidence, policy))
    for pop in pops.values():
        for i, (evidence, entry) in enumerate(pop.entries, start=2):
            arn = entry[0] if isinstance(entry, tuple) else entry.arn
            pop.rows[(evidence.account_id, arn)] = i
    return pops


def _names(items: Any) -> str | None:
    text = "; ".join(items)
    return text or None


def _policy_names(principal: Principal | None) -> tuple[str | None, str | None]:
    if principal is None:
        return None, None
    return _names(a.name for a in principal.attached), _names(i.name for i in principal.inline)


def _tags(principal: Principal | None) -> str | None:
    if principal is None:
        return None
    return _names(f"{k}={v}" for k, v in principal.tags)


def _boundary(principal: Principal | None) -> str | None:
    return principal.boundary_arn if principal is not None else None


def _key_columns(row: CredentialRow | None, evidence: Evidence) -> list[Any]:
    out: list[Any] = []
    for n in (0, 1):
        key = row.keys[n] if row is not None and len(row.keys) > n else None
        if key is None:
            out.extend([None, None, None, None])
            continue
        age = days_between(key.last_rotated, evidence.collected_at) if key.last_rotated else None
        out.extend([key.active, key.last_rotated, age, key.last_used])
    return out


def _check_columns(check_ids: list[str]) -> list[Column]:
    return [Column(check_id, max(12.0, min(len(check_id) + 2.0, 40.0)), "status") for check_id in check_ids]


INLINE_COLUMNS = [Column("Inline policy verdict", 14, "status"), Column("Inline policy findings", 30)]


def users_sheet(assessment: Assessment, pop: Population, index: VerdictIndex, findings: FindingsLink) -> Sheet:
    checks = index.columns_for("Users", assessment)
    columns = [
        Column("Account", 15), Column("User", 24), Column("ARN", 48), Column("Created", 19),
        Column("Password enabled", 10), Column("Password last used", 19), Column("Password last changed", 19),
        Column("MFA active", 9),
        Column("Key 1 active", 9), Column("Key 1 last rotated", 19), Column("Key 1 age (days)", 9),
        Column("Key 1 last used", 19),
        Column("Key 2 active", 9), Column("Key 2 last rotated", 19), Column("Key 2 age (days)", 9),
        Column("Key 2 last used", 19),
        Column("Groups", 28), Column("Attached policies", 32), Column("Inline policies", 24),
        Column("Permissions boundary", 30), Column("Tags", 28), Column("Findings", 9),
        *_check_columns(checks), *INLINE_COLUMNS,
    ]

    def rows() -> Iterator[list[Any]]:
        for evidence, (arn, name, row, principal) in pop.entries:
            account = evidence.account_id
            created = principal.created if principal is not None and principal.created else (row.created if row else None)
            last_used: Any = None
            if row is not None:
                last_used = row.password_last_used
                if last_used is None and row.password_last_used_raw.lower() not in ("", "n/a"):
                    last_used = row.password_last_used_raw
            attached, inline = _policy_names(principal)
            yield [
                account, name, arn, created,
                row.password_enabled if row else None, last_used, row.password_last_changed if row else None,
                row.mfa_active if row else None,
                *_key_columns(row, evidence),
                _names(principal.groups) if principal else None, attached, inline, _boundary(principal),
                _tags(principal), findings(account, arn),
                *index.verdicts(checks, account, arn), *index.inline_verdict(account, arn),
            ]

    return Sheet(pop.title, [Block(columns, rows(), name=pop.title)], pop.notes, freeze="C2")


def trust_summary(role: Principal) -> str:
    statements = allow_statements(role.trust_policy)
    if statements is None:
        return "unreadable trust policy"
    parts: list[str] = []
    for statement in statements:
        names = "; ".join(f"{kind}: {', '.join(values)}" for kind, values in sorted(statement.principals.items()))
        keys = sorted(statement.condition_keys())
        text = names + (f" (if {', '.join(keys)})" if keys else "")
        if text and text not in parts:
            parts.append(text)
    return " | ".join(parts) or "no Allow statement for sts:AssumeRole*"


def _max_session(evidence: Evidence, role: Any) -> int | None:
    """MaxSessionDuration comes from list-roles (not in the authorization details); blank when not collected."""
    if evidence.unavailable_reason("roles") is not None:
        return role.max_session_duration  # type: ignore[no-any-return]
    seconds, _ = evidence.role_session_durations.get(role.arn, (role.max_session_duration, ""))
    return seconds


def roles_sheet(assessment: Assessment, pop: Population, index: VerdictIndex, findings: FindingsLink) -> Sheet:
    checks = index.columns_for("Roles", assessment)
    columns = [
        Column("Account", 15), Column("Role", 28), Column("ARN", 52), Column("Path", 16), Column("Created", 19),
        Column("Last used", 19), Column("Service-linked", 9), Column("Max session (s)", 10),
        Column("Trust principals", 50), Column("Attached policies", 32), Column("Inline policies", 24),
        Column("Permissions boundary", 30), Column("Instance profiles", 20), Column("Tags", 28),
        Column("Findings", 9), *_check_columns(checks), *INLINE_COLUMNS,
    ]

    def rows() -> Iterator[list[Any]]:
        for evidence, role in pop.entries:
            account = evidence.account_id
            attached, inline = _policy_names(role)
            yield [
                account, role.name, role.arn, role.path, role.created,
                role.last_used if role.last_used_recorded else None, role.path.startswith("/aws-service-role/"),
                _max_session(evidence, role), trust_summary(role), attached, inline, role.boundary_arn,
                _names(role.instance_profiles), _tags(role), findings(account, role.arn),
                *index.verdicts(checks, account, role.arn), *index.inline_verdict(account, role.arn),
            ]

    return Sheet(pop.title, [Block(columns, rows(), name=pop.title)], pop.notes, freeze="C2")


def groups_sheet(assessment: Assessment, pop: Population, index: VerdictIndex, findings: FindingsLink) -> Sheet:
    checks = index.columns_for("Groups", assessment)
    columns = [
        Column("Account", 15), Column("Group", 26), Column("ARN", 50), Column("Path", 14), Column("Created", 19),
        Column("Members", 9), Column("Member names", 40), Column("Attached policies", 32),
        Column("Inline policies", 24), Column("Findings", 9), *_check_columns(checks), *INLINE_COLUMNS,
    ]

    def rows() -> Iterator[list[Any]]:
        members_of: dict[str, dict[str, list[str]]] = {}
        for evidence, group in pop.entries:
            account = evidence.account_id
            if account not in members_of:
                members: dict[str, list[str]] = {}
                authz = evidence.authorization  # available: the group came from it
                for user in authz.users:
                    for name in user.groups:
                        members.setdefault(name, []).append(user.name)
                members_of[account] = members
            names = sorted(members_of[account].get(group.name, []), key=str.lower)
            attached, inline = _policy_names(group)
            yield [
                account, group.name, group.arn, group.path, group.created, len(names), _names(names),
                attached, inline, findings(account, group.arn),
                *index.verdicts(checks, account, group.arn), *index.inline_verdict(account, group.arn),
            ]

    return Sheet(pop.title, [Block(columns, rows(), name=pop.title)], pop.notes, freeze="C2")


def _raw_policy(evidence: Evidence, pointer: str) -> dict[str, Any]:
    try:
        data = evidence.json("authorization_details")
        entry = data["Policies"][int(pointer.rsplit("/", 1)[-1])]
    except (EvidenceUnavailable, KeyError, IndexError, TypeError, ValueError):
        return {}
    return entry if isinstance(entry, dict) else {}


def policies_sheet(assessment: Assessment, pop: Population, index: VerdictIndex, findings: FindingsLink) -> Sheet:
    checks = index.columns_for("Policies", assessment)
    columns = [
        Column("Account", 15), Column("Policy", 30), Column("ARN", 56), Column("Path", 14), Column("Created", 19),
        Column("Updated", 19), Column("Default version", 10), Column("Attachments", 10), Column("Attached to", 40),
        Column("Boundary uses", 10), Column("Attachable", 10), Column("Findings", 9),
        *_check_columns(checks),
    ]

    def rows() -> Iterator[list[Any]]:
        attachments_of: dict[str, dict[str, list[Principal]]] = {}
        for evidence, policy in pop.entries:
            account = evidence.account_id
            if account not in attachments_of:
                attachments_of[account] = evidence.authorization.attachments()
            holders = [p for p in attachments_of[account].get(policy.arn, [])
                       if any(a.arn == policy.arn for a in p.attached)]
            raw = _raw_policy(evidence, policy.pointer)
            count = policy.attachment_count if policy.attachment_count is not None else len(holders)
            yield [
                account, policy.name, policy.arn, raw.get("Path") if isinstance(raw.get("Path"), str) else None,
                parse_time(raw.get("CreateDate")), parse_time(raw.get("UpdateDate")),
                str(raw["DefaultVersionId"]) if raw.get("DefaultVersionId") else None, count,
                _names(f"{p.kind}:{p.name}" for p in holders), policy.boundary_usage_count, policy.is_attachable,
                findings(account, policy.arn), *index.verdicts(checks, account, policy.arn),
            ]

    return Sheet(pop.title, [Block(columns, rows(), name=pop.title)], pop.notes, freeze="C2")


BUILDERS = {"Users": users_sheet, "Roles": roles_sheet, "Groups": groups_sheet, "Policies": policies_sheet}
