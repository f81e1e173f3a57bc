"""Checks over effective permissions, through the shared policy evaluation core (compliance_kit.policy).

Policy-level checks look at what the customer controls (customer managed and inline policies);
principal-level checks combine every policy that reaches a principal (own, groups', boundary).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..evidence import Evidence
from ..evidence.authorization import FILE as AUTHZ
from ..evidence.authorization import Principal
from ..model import ResourceResult
from ..policy import Grant, PolicyDocument, PolicySource, PrincipalPermissions, find_escalations
from ..policy.categories import SENSITIVE_SERVICES, Category, category_actions
from ..policy.evaluate import resource_applies
from ..settings import Settings
from .registry import check, errored, failed, not_applicable, passed, verdict
from .trust import allow_statements, parse_document, requires_mfa

CLOUDSHELL = "arn:aws:iam::aws:policy/AWSCloudShellFullAccess"
# AWS managed policies whose document is fixed and well known, for exports that omit them from `Policies`.
KNOWN_AWS_POLICIES = {
    "arn:aws:iam::aws:policy/AdministratorAccess": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
}
CLOUDTRAIL_TAMPERING = ("cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail",
                        "cloudtrail:PutEventSelectors")
IAM_DELEGATION = ("iam:CreateUser", "iam:CreateRole", "iam:AttachUserPolicy", "iam:AttachRolePolicy",
                  "iam:PutUserPolicy", "iam:PutRolePolicy")
_IAM_DELEGATION_NAMES = frozenset(a.lower() for a in IAM_DELEGATION)


@dataclass(frozen=True)
class Effective:
    principal: Principal
    permissions: PrincipalPermissions
    missing: tuple[str, ...]  # policies that reach the principal but whose document is not in the export


def _probe(evidence: Evidence, kind: str) -> str:
    return f"arn:aws:iam::{evidence.account_id}:{kind}/ck-probe-any"


def _kind(kind: str) -> Any:
    """Our source labels are the PolicySource kinds (managed, inline, group_managed, group_inline, boundary)."""
    return kind


def _managed_document(evidence: Evidence, arn: str, kind: str, name: str) -> PolicyDocument | None:
    cache_key = ("managed", arn, kind)
    if cache_key in evidence.cache:
        return evidence.cache[cache_key]  # type: ignore[no-any-return]
    policy = evidence.authorization.policies.get(arn)
    document = None
    if policy is not None and policy.default_document is not None:
        raw, pointer = policy.default_document, policy.default_pointer
    elif arn in KNOWN_AWS_POLICIES:
        raw, pointer = KNOWN_AWS_POLICIES[arn], None
    else:
        raw, pointer = None, None
    if raw is not None:
        try:
            document = PolicyDocument.parse(raw, source=PolicySource(kind=_kind(kind), name=name, arn=arn, file=AUTHZ,
                                                                     pointer=pointer))
        except ValueError:
            document = None
    evidence.cache[cache_key] = document
    return document


def _inline_document(raw: object, kind: str, name: str, pointer: str) -> PolicyDocument | None:
    try:
        return PolicyDocument.parse(raw, source=PolicySource(kind=_kind(kind), name=name, arn=None, file=AUTHZ,
                                                             pointer=pointer))
    except ValueError:
        return None


def _shared_inline_document(evidence: Evidence, raw: object, kind: str, name: str, pointer: str) -> PolicyDocument | None:
    """An inline document parsed once per evidence (a group's inline policies reach every member).

    The pointer names the document within the one authorization-details file, so sharing the parsed
    object changes no verdict; it lets members of the same groups share evaluation caches.
    """
    cache_key = ("inline", kind, name, pointer)
    if cache_key in evidence.cache:
        return evidence.cache[cache_key]  # type: ignore[no-any-return]
    document = _inline_document(raw, kind, name, pointer)
    evidence.cache[cache_key] = document
    return document


def effective(evidence: Evidence, principal: Principal) -> Effective:
    """Every identity policy that reaches the principal, plus its boundary, cached per principal."""
    cache_key = ("effective", principal.arn)
    if cache_key in evidence.cache:
        return evidence.cache[cache_key]  # type: ignore[no-any-return]
    details = evidence.authorization
    documents: list[PolicyDocument] = []
    missing: list[str] = []
    sources: list[tuple[Principal, str]] = [(principal, "")]
    if principal.kind == "user":
        for group_name in principal.groups:
            group = details.group(group_name)
            if group is None:
                missing.append(f"group {group_name} (not in the export)")
            else:
                sources.append((group, "group_"))
    for owner, prefix in sources:
        for inline in owner.inline:
            doc = _shared_inline_document(evidence, inline.document, f"{prefix}inline", inline.name, inline.pointer)
            if doc is None:
                missing.append(f"inline policy {inline.name} (unreadable)")
            else:
                documents.append(doc)
        for attached in owner.attached:
            doc = _managed_document(evidence, attached.arn, f"{prefix}managed", attached.name)
            if doc is None:
                missing.append(attached.arn)
            else:
                documents.append(doc)
    boundary = None
    if principal.boundary_arn:
        boundary = _managed_document(evidence, principal.boundary_arn, "boundary", principal.boundary_arn.rsplit("/", 1)[-1])
        if boundary is None:
            missing.append(f"permissions boundary {principal.boundary_arn}")
    result = Effective(principal, PrincipalPermissions(identity=documents, boundary=boundary,
                                                       account_id=evidence.account_id), tuple(missing))
    evidence.cache[cache_key] = result
    return result


def _grant_text(grant: object) -> str:
    source = getattr(grant, "source", None)
    sid = getattr(grant, "sid", None)
    index = getattr(grant, "statement_index", None)
    name = getattr(source, "name", "?")
    kind = str(getattr(source, "kind", "")).replace("_", " ")
    where = f"statement {sid}" if sid else f"statement {index}"
    return f"{kind} policy {name}, {where}"


def _grant_pointer(grant: object) -> str | None:
    source = getattr(grant, "source", None)
    pointer = getattr(source, "pointer", None)
    index = getattr(grant, "statement_index", None)
    if pointer and index is not None:
        return f"{pointer}/Statement/{index}"
    return pointer


def _missing_reason(missing: tuple[str, ...]) -> str:
    shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
    return f"not assessed: policies reaching this principal are not in the export: {shown}"


def _principals(evidence: Evidence, groups: bool = True) -> tuple[Principal, ...]:
    details = evidence.authorization
    return (*details.users, *(details.groups if groups else ()), *details.roles)


@check("principal_has_admin_access", needs=["authorization_details"])
def principal_has_admin_access(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    for principal in _principals(evidence):
        eff = effective(evidence, principal)
        grant = eff.permissions.full_admin()
        if grant is not None:
            yield failed(principal.kind, principal.arn, f"full administrator through {_grant_text(grant)}",
                         AUTHZ, _grant_pointer(grant))
        elif eff.missing:
            yield errored(principal.kind, principal.arn, _missing_reason(eff.missing), AUTHZ, principal.pointer)
        else:
            yield passed(principal.kind, principal.arn, "no full administrator access", AUTHZ, principal.pointer)


def _boundary_only(evidence: Evidence, arn: str) -> bool:
    """A policy used only as a permissions boundary grants nothing by itself."""
    users = evidence.authorization.attachments().get(arn, [])
    return bool(users) and all(p.boundary_arn == arn and all(a.arn != arn for a in p.attached) for p in users)


def _policy_documents(evidence: Evidence) -> Iterator[tuple[str, str, PolicyDocument | None, str]]:
    """(resource type, id, document, pointer) for customer managed and inline policies that grant."""
    details = evidence.authorization
    for policy in sorted(details.policies.values(), key=lambda p: p.arn):
        if policy.is_aws_managed or _boundary_only(evidence, policy.arn):
            continue
        yield "policy", policy.arn, _managed_document(evidence, policy.arn, "managed", policy.name), \
            policy.default_pointer or policy.pointer
    for principal in details.principals():
        for inline in principal.inline:
            doc = _shared_inline_document(evidence, inline.document, "inline", inline.name, inline.pointer)
            yield "inline_policy", f"{principal.arn} (inline {inline.name})", doc, inline.pointer


@check("customer_policy_allows_full_admin", needs=["authorization_details"])
def customer_policy_allows_full_admin(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    attachments = evidence.authorization.attachments()
    for rtype, rid, doc, pointer in _policy_documents(evidence):
        if rtype != "policy":
            continue
        if doc is None:
            yield errored(rtype, rid, "not assessed: default version document missing or unreadable", AUTHZ, pointer)
            continue
        grant = PrincipalPermissions(identity=[doc], boundary=None, account_id=evidence.account_id).full_admin()
        where = "" if attachments.get(rid) else " (not attached)"
        yield verdict(grant is not None, rtype, rid, f"allows \"*\" on \"*\" ({_grant_text(grant)}){where}",
                      "does not allow full administrator access", AUTHZ, _grant_pointer(grant) if grant else pointer)


@check("inline_policy_allows_full_admin", needs=["authorization_details"])
def inline_policy_allows_full_admin(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    for rtype, rid, doc, pointer in _policy_documents(evidence):
        if rtype != "inline_policy":
            continue
        if doc is None:
            yield errored(rtype, rid, "not assessed: inline document unreadable", AUTHZ, pointer)
            continue
        grant = PrincipalPermissions(identity=[doc], boundary=None, account_id=evidence.account_id).full_admin()
        yield verdict(grant is not None, rtype, rid, "inline policy allows \"*\" on \"*\"",
                      "does not allow full administrator access", AUTHZ, _grant_pointer(grant) if grant else pointer)


def _policy_level(evidence: Evidence, test: str) -> Iterator[ResourceResult]:
    for rtype, rid, doc, pointer in _policy_documents(evidence):
        if doc is None:
            yield errored(rtype, rid, "not assessed: document missing or unreadable", AUTHZ, pointer)
            continue
        perms = PrincipalPermissions(identity=[doc], boundary=None, account_id=evidence.account_id)
        hits: list[tuple[str, object]] = []
        if test == "service_wildcard":
            hits = [(", ".join(getattr(g, "actions", ()) or ("NotAction",)), g)
                    for g in perms.service_wildcards(SENSITIVE_SERVICES)
                    if not g.conditional and "*" not in g.actions]  # "*" alone: customer_policy_allows_full_admin
        else:
            probes = {
                "passrole": [("iam:PassRole", _probe(evidence, "role"), "iam:PassRole on any role")],
                "assume": [("sts:AssumeRole", _probe(evidence, "role"), "sts:AssumeRole on any role")],
                "kms": [(a, f"arn:aws:kms:us-east-1:{evidence.account_id}:key/ck-probe-any", f"{a} on any key")
                        for a in ("kms:Decrypt", "kms:ReEncryptFrom")],
                "cloudtrail": [(a, f"arn:aws:cloudtrail:us-east-1:{evidence.account_id}:trail/ck-probe-any", a)
                               for a in CLOUDTRAIL_TAMPERING],
            }[test]
            # Only an action some Allow statement of the document names can be allowed: ask only for those.
            possible = _document_candidates(evidence, doc, frozenset(a.lower() for a, _, _ in probes),
                                            on_all_resources=False)
            for action, resource, label in probes:
                if action.lower() not in possible:
                    continue
                decision = perms.allows(action, resource)
                if decision.allowed and not decision.conditional:  # a Condition narrows it: not "any"
                    hits.append((label, decision.grant))
        if hits:
            what = ", ".join(sorted({h for h, _ in hits}))
            grant = hits[0][1]
            yield failed(rtype, rid, f"allows {what} ({_grant_text(grant)})", AUTHZ, _grant_pointer(grant) or pointer)
        else:
            yield passed(rtype, rid, "not allowed", AUTHZ, pointer)


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
        if not p.is_aws_managed and not _boundary_only(evidence, p.arn)
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


HEADLINE = ("Policy", "Permission", "AccessKey", "Secret", "Credential", "Token", "GetObject", "Decrypt",
            "Parameter", "LoginProfile")


def _headline_first(name: str) -> tuple[int, str]:
    return (0 if any(word.lower() in name.lower() for word in HEADLINE) else 1, name)


def _principal_category(evidence: Evidence, actions: tuple[str, ...] | frozenset[str], label: str) -> Iterator[ResourceResult]:
    for principal in _principals(evidence):
        eff = effective(evidence, principal)
        admin = eff.permissions.full_admin()
        if admin is not None:
            yield failed(principal.kind, principal.arn, f"full administrator: all {label} on any resource "
                         f"({_grant_text(admin)})", AUTHZ, _grant_pointer(admin))
            continue
        found = _allowed_in_category(evidence, eff.permissions, actions, label)
        if found:
            names = sorted({a for a, _ in found}, key=_headline_first)
            shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
            grant = found[0][1]
            yield failed(principal.kind, principal.arn, f"{label} on any resource: {shown} ({_grant_text(grant)})",
                         AUTHZ, _grant_pointer(grant))
        elif eff.missing:
            yield errored(principal.kind, principal.arn, _missing_reason(eff.missing), AUTHZ, principal.pointer)
        else:
            yield passed(principal.kind, principal.arn, f"no {label} on any resource", AUTHZ, principal.pointer)


class _CategoryIndex:
    """One category as asked by one check: its iteration order, each lower-case name's first position,
    the positions of patterns (always kept: allowed_actions_in expands them itself), and the answers
    per permission set."""

    def __init__(self, actions: Iterable[str]) -> None:
        self.actions = actions
        self.ordered = tuple(sorted(actions))  # sorted: the same output whatever the hash seed
        self.first: dict[str, int] = {}
        patterns: list[int] = []
        for position, name in enumerate(self.ordered):
            if "*" in name or "?" in name:
                patterns.append(position)
            else:
                self.first.setdefault(name.lower(), position)
        self.names = frozenset(self.first)
        self.patterns = tuple(patterns)
        self.results: dict[PrincipalPermissions, tuple[tuple[str, Grant], ...]] = {}


def _category_index(evidence: Evidence, actions: Iterable[str], label: str) -> _CategoryIndex:
    cache_key = ("category", label)
    index = evidence.cache.get(cache_key)
    if index is None or index.actions is not actions:
        index = _CategoryIndex(actions)
        evidence.cache[cache_key] = index
    return index  # type: ignore[no-any-return]


def _matcher_hits(evidence: Evidence, grant: Grant, names: frozenset[str]) -> frozenset[str]:
    """The lower-case NAMES that this statement's Action/NotAction applies to."""
    match = grant.action_matcher
    cache_key = ("category-matcher", names, match, grant.not_action)
    hit = evidence.cache.get(cache_key)
    if hit is None:
        if match.only_literals and not grant.not_action:
            hit = names & match.literals
        else:
            hit = frozenset(n for n in names if match(n) != grant.not_action)
        evidence.cache[cache_key] = hit
    return hit  # type: ignore[no-any-return]


def _document_candidates(evidence: Evidence, doc: PolicyDocument, names: frozenset[str],
                         on_all_resources: bool = True) -> frozenset[str]:
    """The NAMES that some Allow statement of DOC applies to (on "*", or on any resource when
    ON_ALL_RESOURCES is false): no other action can be allowed by DOC."""
    cache_key = ("category-doc", names, doc, on_all_resources)
    hit = evidence.cache.get(cache_key)
    if hit is None:
        found: set[str] = set()
        for grant in doc.statements:
            if grant.allow and (not on_all_resources or resource_applies(grant, "*")):
                found |= _matcher_hits(evidence, grant, names)
        hit = frozenset(found)
        evidence.cache[cache_key] = hit
    return hit  # type: ignore[no-any-return]


def _allowed_in_category(evidence: Evidence, perms: PrincipalPermissions, actions: Iterable[str],
                         label: str) -> list[tuple[str, Grant]]:
    """perms.allowed_actions_in(actions), asked only for the actions an identity Allow can grant.

    An action is allowed only when an identity Allow statement applies to it on "*"; the others add
    nothing to the answer, so leaving them out (in the category's order) gives the same list, far
    faster for a category of hundreds of actions and thousands of principals.
    """
    index = _category_index(evidence, actions, label)
    hit = index.results.get(perms)
    if hit is None:
        candidates: set[str] = set()
        for doc in perms.identity:
            candidates |= _document_candidates(evidence, doc, index.names)
        positions = sorted({index.first[name] for name in candidates}.union(index.patterns))
        hit = tuple(perms.allowed_actions_in([index.ordered[p] for p in positions]))
        index.results[perms] = hit
    return list(hit)


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
    for principal in _principals(evidence):
        eff = effective(evidence, principal)
        if eff.permissions.full_admin() is not None:
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
                         _grant_pointer(grant) if grant else principal.pointer)
        elif eff.missing:
            yield errored(principal.kind, principal.arn, _missing_reason(eff.missing), AUTHZ, principal.pointer)
        else:
            yield passed(principal.kind, principal.arn, "no privilege-escalation method allowed", AUTHZ, principal.pointer)


def _is_privileged(evidence: Evidence, principal: Principal) -> bool:
    eff = effective(evidence, principal)
    return eff.permissions.full_admin() is not None or bool(find_escalations(eff.permissions, principal_arn=principal.arn))


@check("privileged_role_trust_without_mfa", needs=["authorization_details"])
def privileged_role_trust_without_mfa(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    for role in evidence.authorization.roles:
        if not _is_privileged(evidence, role):
            continue
        statements = allow_statements(role.trust_policy)
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


def _delegated(evidence: Evidence, perms: PrincipalPermissions) -> list[str]:
    """The IAM_DELEGATION actions PERMS allows on any role or user; cached per permission set."""
    cache_key = ("delegated", perms)
    hit = evidence.cache.get(cache_key)
    if hit is None:
        # Only an action some identity Allow statement names can be allowed: ask only for those.
        possible: set[str] = set()
        for doc in perms.identity:
            possible |= _document_candidates(evidence, doc, _IAM_DELEGATION_NAMES, on_all_resources=False)
        target = _probe(evidence, "role")
        hit = tuple(a for a in IAM_DELEGATION if a.lower() in possible and (
            perms.allows(a, target).allowed or perms.allows(a, _probe(evidence, "user")).allowed))
        evidence.cache[cache_key] = hit
    return list(hit)


@check("iam_delegation_without_permissions_boundary", needs=["authorization_details"])
def iam_delegation_without_permissions_boundary(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    for principal in _principals(evidence, groups=False):
        eff = effective(evidence, principal)
        if eff.permissions.full_admin() is not None:
            continue
        delegated = _delegated(evidence, eff.permissions)
        if not delegated:
            continue
        yield verdict(principal.boundary_arn is None, principal.kind, principal.arn,
                      f"can {', '.join(delegated[:3])} but has no permissions boundary",
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
