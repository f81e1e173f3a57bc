"""Checks over effective permissions, through the shared policy evaluation core (compliance_kit.policy).

Policy-level checks look at what the customer controls (customer managed and inline policies);
principal-level checks combine every policy that reaches a principal (own, groups', boundary), as
worked out in effective.py.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..evidence import Evidence
from ..evidence.authorization import FILE as AUTHZ
from ..evidence.authorization import Principal
from ..model import ResourceResult
from ..policy import find_escalations
from ..policy.categories import SENSITIVE_SERVICES, Category, category_actions
from ..policy.probes import ProbeSet, answers, bits_of
from ..settings import Settings
from .effective import (
    boundary_only,
    category_index,
    delegated,
    effective,
    effectives,
    grant_pointer,
    grant_text,
    missing_reason,
    policy_documents,
    probe,
)
from .registry import check, errored, failed, not_applicable, passed, verdict
from .trust import parse_document, requires_mfa, role_trust

CLOUDSHELL = "arn:aws:iam::aws:policy/AWSCloudShellFullAccess"
CLOUDTRAIL_TAMPERING = ("cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail",
                        "cloudtrail:PutEventSelectors")


@check("principal_has_admin_access", needs=["authorization_details"])
def principal_has_admin_access(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    for eff in effectives(evidence):
        principal, grant = eff.principal, eff.admin
        if grant is not None:
            yield failed(principal.kind, principal.arn, f"full administrator through {grant_text(grant)}",
                         AUTHZ, grant_pointer(grant))
        elif eff.missing:
            yield errored(principal.kind, principal.arn, missing_reason(eff.missing), AUTHZ, principal.pointer)
        else:
            yield passed(principal.kind, principal.arn, "no full administrator access", AUTHZ, principal.pointer)


@check("customer_policy_allows_full_admin", needs=["authorization_details"])
def customer_policy_allows_full_admin(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    attachments = evidence.authorization.attachments()
    for rtype, rid, _, pointer, alone in policy_documents(evidence):
        if rtype != "policy":
            continue
        if alone is None:
            yield errored(rtype, rid, "not assessed: default version document missing or unreadable", AUTHZ, pointer)
            continue
        grant = alone.full_admin()
        where = "" if attachments.get(rid) else " (not attached)"
        yield verdict(grant is not None, rtype, rid, f"allows \"*\" on \"*\" ({grant_text(grant)}){where}",
                      "does not allow full administrator access", AUTHZ, grant_pointer(grant) if grant else pointer)


@check("inline_policy_allows_full_admin", needs=["authorization_details"])
def inline_policy_allows_full_admin(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    for rtype, rid, _, pointer, alone in policy_documents(evidence):
        if rtype != "inline_policy":
            continue
        if alone is None:
            yield errored(rtype, rid, "not assessed: inline document unreadable", AUTHZ, pointer)
            continue
        grant = alone.full_admin()
        yield verdict(grant is not None, rtype, rid, "inline policy allows \"*\" on \"*\"",
                      "does not allow full administrator access", AUTHZ, grant_pointer(grant) if grant else pointer)


def _policy_level(evidence: Evidence, test: str) -> Iterator[ResourceResult]:
    for rtype, rid, _, pointer, perms in policy_documents(evidence):
        if perms is None:
            yield errored(rtype, rid, "not assessed: document missing or unreadable", AUTHZ, pointer)
            continue
        hits: list[tuple[str, object]] = []
        if test == "service_wildcard":
            hits = [(", ".join(getattr(g, "actions", ()) or ("NotAction",)), g)
                    for g in perms.service_wildcards(SENSITIVE_SERVICES)
                    if not g.conditional and "*" not in g.actions]  # "*" alone: customer_policy_allows_full_admin
        else:
            probes, labels = _level_probes(evidence, test)
            found = answers(perms, probes)
            # allowed unconditionally: a Condition narrows it, so it is not "any"
            hits = [(labels[i], found.grant(i)) for i in bits_of(found.firm)]
        if hits:
            what = ", ".join(sorted({h for h, _ in hits}))
            grant = hits[0][1]
            yield failed(rtype, rid, f"allows {what} ({grant_text(grant)})", AUTHZ, grant_pointer(grant) or pointer)
        else:
            yield passed(rtype, rid, "not allowed", AUTHZ, pointer)


def _level_probes(evidence: Evidence, test: str) -> tuple[ProbeSet, tuple[str, ...]]:
    """The (action, "any" resource) probes of one policy-level test and their labels, per evidence."""
    cache_key = ("policy-level", test)
    hit = evidence.cache.get(cache_key)
    if hit is None:
        account = evidence.account_id
        probes = {
            "passrole": [("iam:PassRole", probe(evidence, "role"), "iam:PassRole on any role")],
            "assume": [("sts:AssumeRole", probe(evidence, "role"), "sts:AssumeRole on any role")],
            "kms": [(a, f"arn:aws:kms:us-east-1:{account}:key/ck-probe-any", f"{a} on any key")
                    for a in ("kms:Decrypt", "kms:ReEncryptFrom")],
            "cloudtrail": [(a, f"arn:aws:cloudtrail:us-east-1:{account}:trail/ck-probe-any", a)
                           for a in CLOUDTRAIL_TAMPERING],
        }[test]
        hit = (ProbeSet(tuple((a, r) for a, r, _ in probes)), tuple(label for _, _, label in probes))
        evidence.cache[cache_key] = hit
    return hit  # type: ignore[no-any-return]


@check("policy_allows_service_wildcard", needs=["authorization_details"])
def policy_allows_service_wildcard(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    yield from _policy_level(evidence, "service_wildcard")


@check("policy_allows_passrole_to_any_role", needs=["authorization_details"])
def policy_allows_passrole_to_any_role(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    yield from _policy_level(evidence, "passrole")


@check("policy_allows_assume_any_role", needs=["authorization_details"])
def policy_allows_assume_any_role(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    yield from _policy_level(evidence, "assume")


@check("policy_allows_kms_decrypt_on_all_keys", needs=["authorization_details"])
def policy_allows_kms_decrypt_on_all_keys(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    yield from _policy_level(evidence, "kms")


@check("policy_allows_cloudtrail_tampering", needs=["authorization_details"])
def policy_allows_cloudtrail_tampering(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    yield from _policy_level(evidence, "cloudtrail")


@check("policy_allows_notaction", needs=["authorization_details"])
def policy_allows_notaction(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    details = evidence.authorization
    items: list[tuple[str, str, object, str]] = [
        ("policy", p.arn, p.default_document, p.default_pointer or p.pointer)
        for p in sorted(details.policies.values(), key=lambda p: p.arn)
        if not p.is_aws_managed and not boundary_only(evidence, p.arn)
    ]
    items += [("inline_policy", f"{pr.arn} (inline {i.name})", i.document, i.pointer)
              for pr in details.principals() for i in pr.inline]
    for rtype, rid, raw, pointer in items:
        document = parse_document(raw)
        if document is None:
            yield errored(rtype, rid, "not assessed: document missing or unreadable", AUTHZ, pointer)
            continue
        statements = document.get("Statement")
        statements = statements if isinstance(statements, list) else [statements]
        hits = [i for i, s in enumerate(statements) if isinstance(s, dict) and s.get("Effect") == "Allow" and "NotAction" in s]
        yield verdict(bool(hits), rtype, rid, f"Allow with NotAction (statement {hits[0] if hits else ''}): grants "
                      "everything not listed, including future actions", "no Allow with NotAction", AUTHZ,
                      f"{pointer}/Statement/{hits[0]}" if hits else pointer)


def _principal_category(evidence: Evidence, actions: tuple[str, ...] | frozenset[str], label: str) -> Iterator[ResourceResult]:
    index = category_index(evidence, actions, label)
    nothing = f"no {label} on any resource"
    for eff in effectives(evidence):
        principal, admin = eff.principal, eff.admin
        if admin is not None:
            yield failed(principal.kind, principal.arn, f"full administrator: all {label} on any resource "
                         f"({grant_text(admin)})", AUTHZ, grant_pointer(admin))
            continue
        finding = index.finding(eff.permissions)
        if finding is not None:
            yield failed(principal.kind, principal.arn, finding[0], AUTHZ, finding[1])
        elif eff.missing:
            yield errored(principal.kind, principal.arn, missing_reason(eff.missing), AUTHZ, principal.pointer)
        else:
            yield passed(principal.kind, principal.arn, nothing, AUTHZ, principal.pointer)


@check("principal_can_exfiltrate_data", needs=["authorization_details"])
def principal_can_exfiltrate_data(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    yield from _principal_category(evidence, category_actions(Category.DATA_EXFILTRATION), "data-read actions")


@check("principal_can_expose_credentials", needs=["authorization_details"])
def principal_can_expose_credentials(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    yield from _principal_category(evidence, category_actions(Category.CREDENTIAL_EXPOSURE), "credential-exposure actions")


@check("principal_can_modify_resource_policies", needs=["authorization_details"])
def principal_can_modify_resource_policies(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    yield from _principal_category(evidence, _resource_exposure(), "resource-policy changes")


READ_VERBS = ("Get", "List", "Describe", "Search", "View", "BatchGet", "Check", "Preview", "Validate")


def _resource_exposure() -> frozenset[str]:
    """Permissions-management actions that change who can reach a resource (reads and
    service-linked role creation excluded: they expose nothing)."""
    return frozenset(
        a for a in category_actions(Category.RESOURCE_EXPOSURE)
        if not a.split(":", 1)[1].startswith(READ_VERBS)
        and a.lower() not in {"iam:createservicelinkedrole", "iam:passrole"}
    )


@check("principal_can_escalate_privileges", needs=["authorization_details"])
def principal_can_escalate_privileges(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    for eff in effectives(evidence):
        principal = eff.principal
        if eff.admin is not None:
            yield not_applicable(principal.kind, principal.arn, "already a full administrator (see principal_has_admin_access)",
                                 AUTHZ, principal.pointer)
            continue
        escalations = find_escalations(eff.permissions, principal_arn=principal.arn)
        if escalations:
            first = escalations[0]
            methods = "; ".join(f"{e.method} ({', '.join(e.actions)})" for e in escalations[:4])
            more = f" and {len(escalations) - 4} more" if len(escalations) > 4 else ""
            grant = first.grants[0] if first.grants else None
            yield failed(principal.kind, principal.arn, f"can escalate privileges: {methods}{more}", AUTHZ,
                         grant_pointer(grant) if grant else principal.pointer)
        elif eff.missing:
            yield errored(principal.kind, principal.arn, missing_reason(eff.missing), AUTHZ, principal.pointer)
        else:
            yield passed(principal.kind, principal.arn, "no privilege-escalation method allowed", AUTHZ, principal.pointer)


def _is_privileged(evidence: Evidence, role: Principal) -> bool:
    """Full administrator or able to escalate; worked out once per role (two checks ask)."""
    cache_key = ("privileged", role.pointer)  # the pointer names the role's own entry in the file
    hit = evidence.cache.get(cache_key)
    if hit is None:
        eff = effective(evidence, role)
        hit = evidence.cache[cache_key] = eff.admin is not None or bool(
            find_escalations(eff.permissions, principal_arn=role.arn))
    return hit  # type: ignore[no-any-return]


@check("privileged_role_trust_without_mfa", needs=["authorization_details"])
def privileged_role_trust_without_mfa(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    for role in evidence.authorization.roles:
        if not _is_privileged(evidence, role):
            continue
        statements = role_trust(evidence, role)
        if statements is None:
            yield errored("role", role.arn, "not assessed: trust policy unreadable", AUTHZ, role.trust_pointer)
            continue
        human = [s for s in statements if s.principals.get("AWS") or "*" in s.principals]
        unprotected = [s for s in human if not requires_mfa(s)]
        if not human:
            yield passed("role", role.arn, "privileged role assumed only by services or federation", AUTHZ, role.trust_pointer)
        else:
            yield verdict(bool(unprotected), "role", role.arn,
                          "privileged role assumable by IAM principals without an aws:MultiFactorAuthPresent condition",
                          "privileged role requires MFA to assume", AUTHZ,
                          f"{role.trust_pointer}/Statement/{unprotected[0].index}" if unprotected else role.trust_pointer)


@check("privileged_role_session_too_long", needs=["authorization_details", "roles"])
def privileged_role_session_too_long(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    limit = settings.privileged_session_max_seconds
    sessions = evidence.role_session_durations
    for role in evidence.authorization.roles:
        if not _is_privileged(evidence, role):
            continue
        duration, pointer = sessions.get(role.arn, (None, "/Roles"))
        if duration is None:
            yield errored("role", role.arn, "not assessed: role missing from list-roles or without MaxSessionDuration",
                          "list-roles.json", pointer)
            continue
        yield verdict(duration > limit, "role", role.arn,
                      f"privileged role sessions may last {duration // 3600}h{(duration % 3600) // 60:02d} (limit {limit}s)",
                      f"privileged role sessions last at most {duration}s", "list-roles.json", pointer)


@check("iam_delegation_without_permissions_boundary", needs=["authorization_details"])
def iam_delegation_without_permissions_boundary(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    for eff in effectives(evidence, groups=False):
        principal = eff.principal
        if eff.admin is not None:
            continue
        actions = delegated(evidence, eff.permissions)
        if not actions:
            continue
        yield verdict(principal.boundary_arn is None, principal.kind, principal.arn,
                      f"can {', '.join(actions[:3])} but has no permissions boundary",
                      f"IAM delegation constrained by boundary {principal.boundary_arn}", AUTHZ, principal.pointer)


@check("customer_policy_unused", needs=["authorization_details"])
def customer_policy_unused(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    attachments = evidence.authorization.attachments()
    for policy in sorted(evidence.authorization.policies.values(), key=lambda p: p.arn):
        if policy.is_aws_managed:
            continue
        users = attachments.get(policy.arn, [])
        yield verdict(not users, "policy", policy.arn, "attached to nothing (and no permissions boundary use)",
                      f"used by {len(users)} principal(s)", AUTHZ, policy.pointer)


@check("cloudshell_full_access_attached", needs=["authorization_details"])
def cloudshell_full_access_attached(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    holders = [p for p in evidence.authorization.principals() if any(a.arn == CLOUDSHELL for a in p.attached)]
    for principal in holders:
        attached = next(a for a in principal.attached if a.arn == CLOUDSHELL)
        yield failed(principal.kind, principal.arn, "AWSCloudShellFullAccess attached", AUTHZ, attached.pointer)
    if not holders:
        yield passed("account", evidence.account_id, "AWSCloudShellFullAccess is attached to nothing", AUTHZ, "/")
