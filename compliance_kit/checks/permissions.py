"""Checks over effective permissions, through the shared policy evaluation core (compliance_kit.policy).

Policy-level checks look at what the customer controls (customer managed and inline policies);
principal-level checks combine every policy that reaches a principal (own, groups', boundary), as
worked out in effective.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from operator import attrgetter
from typing import NamedTuple

from ..evidence import Evidence
from ..evidence.authorization import FILE as AUTHZ
from ..model import ResourceResult
from ..policy.categories import SENSITIVE_SERVICES, Category, category_actions
from ..policy.escalation import Escalation, SharedEscalations, escalations_of, principal_kind
from ..policy.probes import Answers, ProbeSet, answers, bits_of
from ..settings import Settings
from .effective import (
    Found,
    Roster,
    grant_pointer,
    grant_text,
    policy_documents,
    principal_probes,
    principal_results,
    probe,
    roster,
)
from .registry import (
    ERROR,
    FAIL,
    NOT_APPLICABLE,
    PASS,
    check,
    current_account,
    errored,
    failed,
    passed,
    record,
    ref,
    verdict,
)
from .trust import parse_document, requires_mfa, role_trust

_UNSEEN = object()
_arn_of = attrgetter("arn")
CLOUDSHELL = "arn:aws:iam::aws:policy/AWSCloudShellFullAccess"
CLOUDTRAIL_TAMPERING = ("cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail",
                        "cloudtrail:PutEventSelectors")


@check("principal_has_admin_access", needs=["authorization_details"])
def principal_has_admin_access(evidence: Evidence, settings: Settings) -> list[ResourceResult]:
    members = roster(evidence)
    found: list[Found] = [None if grant is None else (FAIL, f"full administrator through {grant_text(grant)}",
                                                      ref(AUTHZ, grant_pointer(grant)))
                          for grant in members.admins]
    return principal_results(evidence, map(found.__getitem__, members.slots), "no full administrator access")


@check("customer_policy_allows_full_admin", needs=["authorization_details"])
def customer_policy_allows_full_admin(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    attachments = evidence.authorization.attachments()
    account = current_account()
    for rtype, rid, _, _, alone, at, _ in policy_documents(evidence):
        if rtype != "policy":
            continue
        if alone is None:
            yield record(rtype, rid, ERROR, "not assessed: default version document missing or unreadable",
                         at, account)
            continue
        grant = alone.full_admin()
        if grant is None:
            yield record(rtype, rid, PASS, "does not allow full administrator access", at, account)
        else:
            where = "" if attachments.get(rid) else " (not attached)"
            yield failed(rtype, rid, f"allows \"*\" on \"*\" ({grant_text(grant)}){where}", AUTHZ, grant_pointer(grant))


@check("inline_policy_allows_full_admin", needs=["authorization_details"])
def inline_policy_allows_full_admin(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    account = current_account()
    for rtype, rid, _, _, alone, at, _ in policy_documents(evidence):
        if rtype != "inline_policy":
            continue
        if alone is None:
            yield record(rtype, rid, ERROR, "not assessed: inline document unreadable", at, account)
            continue
        grant = alone.full_admin()
        if grant is None:
            yield record(rtype, rid, PASS, "does not allow full administrator access", at, account)
        else:
            yield failed(rtype, rid, "inline policy allows \"*\" on \"*\"", AUTHZ, grant_pointer(grant))


def _policy_level(evidence: Evidence, test: str) -> Iterator[ResourceResult]:
    account = current_account()
    level = None if test == "service_wildcard" else _level_probes(evidence)
    for index, (rtype, rid, _, pointer, perms, at, _) in enumerate(policy_documents(evidence)):
        if perms is None:
            yield record(rtype, rid, ERROR, "not assessed: document missing or unreadable", at, account)
            continue
        hits: list[tuple[str, object]] = []
        if level is None:
            hits = [(", ".join(getattr(g, "actions", ()) or ("NotAction",)), g)
                    for g in perms.service_wildcards(SENSITIVE_SERVICES)
                    if not g.conditional and "*" not in g.actions]  # "*" alone: customer_policy_allows_full_admin
        else:
            found = level.answers[index]
            firm = found.firm & level.masks[test] if found is not None else 0
            if firm:  # allowed unconditionally: a Condition narrows it, so it is not "any"
                hits = [(level.labels[i], found.grant(i)) for i in bits_of(firm)]  # type: ignore[union-attr]
        if hits:
            what = ", ".join(sorted({h for h, _ in hits}))
            grant = hits[0][1]
            yield failed(rtype, rid, f"allows {what} ({grant_text(grant)})", AUTHZ, grant_pointer(grant) or pointer)
        else:
            yield record(rtype, rid, PASS, "not allowed", at, account)


class _LevelProbes(NamedTuple):
    """The (action, "any" resource) probes of the four policy-level tests as one probe set: each policy
    document is matched once for all four checks (``answers``, in policy_documents order)."""

    masks: dict[str, int]  # test -> its pairs
    labels: tuple[str, ...]  # per pair
    answers: tuple[Answers | None, ...]


def _level_probes(evidence: Evidence) -> _LevelProbes:
    hit = evidence.cache.get(("policy-level",))
    if hit is None:
        account = evidence.account_id
        tests = {
            "passrole": [("iam:PassRole", probe(evidence, "role"), "iam:PassRole on any role")],
            "assume": [("sts:AssumeRole", probe(evidence, "role"), "sts:AssumeRole on any role")],
            "kms": [(a, f"arn:aws:kms:us-east-1:{account}:key/ck-probe-any", f"{a} on any key")
                    for a in ("kms:Decrypt", "kms:ReEncryptFrom")],
            "cloudtrail": [(a, f"arn:aws:cloudtrail:us-east-1:{account}:trail/ck-probe-any", a)
                           for a in CLOUDTRAIL_TAMPERING],
        }
        pairs = [pair for listed in tests.values() for pair in listed]
        masks, first = {}, 0
        for test, listed in tests.items():
            masks[test] = ((1 << len(listed)) - 1) << first
            first += len(listed)
        probes = ProbeSet(tuple((a, r) for a, r, _ in pairs))
        hit = evidence.cache[("policy-level",)] = _LevelProbes(
            masks, tuple(label for _, _, label in pairs),
            tuple(None if perms is None else answers(perms, probes) for _, _, _, _, perms, _, _ in policy_documents(evidence)))
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
    account = current_account()
    for rtype, rid, _, pointer, _, at, raw in policy_documents(evidence):
        document = parse_document(raw)
        if document is None:
            yield record(rtype, rid, ERROR, "not assessed: document missing or unreadable", at, account)
            continue
        statements = document.get("Statement")
        statements = statements if isinstance(statements, list) else [statements]
        hit = next((i for i, s in enumerate(statements)
                    if isinstance(s, dict) and s.get("Effect") == "Allow" and "NotAction" in s), None)
        if hit is None:
            yield record(rtype, rid, PASS, "no Allow with NotAction", at, account)
        else:
            yield failed(rtype, rid, f"Allow with NotAction (statement {hit}): grants everything not listed, including "
                         "future actions", AUTHZ, f"{pointer}/Statement/{hit}")


def _principal_categories() -> dict[str, Iterable[str]]:
    """The categories principal-level checks ask about, by the label their reasons use."""
    return {"data-read actions": category_actions(Category.DATA_EXFILTRATION),
            "credential-exposure actions": category_actions(Category.CREDENTIAL_EXPOSURE),
            "resource-policy changes": _resource_exposure()}


def _principal_category(evidence: Evidence, label: str) -> list[ResourceResult]:
    questions = principal_probes(evidence, _principal_categories)
    index = questions.categories[label]
    members = roster(evidence)
    found = [index.finding(answered) if answered is not None else
             (FAIL, f"full administrator: all {label} on any resource ({grant_text(admin)})",
              ref(AUTHZ, grant_pointer(admin)))
             for answered, admin in zip(questions.answers, members.admins, strict=True)]
    return principal_results(evidence, map(found.__getitem__, members.slots), f"no {label} on any resource")


@check("principal_can_exfiltrate_data", needs=["authorization_details"])
def principal_can_exfiltrate_data(evidence: Evidence, settings: Settings) -> list[ResourceResult]:
    return _principal_category(evidence, "data-read actions")


@check("principal_can_expose_credentials", needs=["authorization_details"])
def principal_can_expose_credentials(evidence: Evidence, settings: Settings) -> list[ResourceResult]:
    return _principal_category(evidence, "credential-exposure actions")


@check("principal_can_modify_resource_policies", needs=["authorization_details"])
def principal_can_modify_resource_policies(evidence: Evidence, settings: Settings) -> list[ResourceResult]:
    return _principal_category(evidence, "resource-policy changes")


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
def principal_can_escalate_privileges(evidence: Evidence, settings: Settings) -> list[ResourceResult]:
    members, escalations = roster(evidence), _escalations(evidence)
    admins = members.admins
    admin: Found = (NOT_APPLICABLE, "already a full administrator (see principal_has_admin_access)", None)
    return principal_results(evidence, [admin if admins[slot] is not None else found
                                        for slot, found in zip(members.slots, escalations.found, strict=True)],
                             "no privilege-escalation method allowed")


_ON_OWN_ARN = object()  # escalations that depend on the principal's own ARN


class _Escalations:
    """The escalations open to each principal (``found``, by its position in the roster), as FAIL
    conclusions: None when there is none, and for full administrators (reported as such); one per evidence.

    Worked out once per permission set and kind of principal, unless some statement names an
    action asked about the principal's own ARN (see policy.escalation): then for the principal alone.
    """

    def __init__(self, members: Roster) -> None:
        self.reasons: dict[int, tuple[tuple[Escalation, ...], Found]] = {}
        admins, sets = members.admins, members.sets
        by_kind: dict[str | None, tuple[SharedEscalations, list[object]]] = {}  # per set: Found, _ON_OWN_ARN or _UNSEEN
        found: list[Found] = []
        append = found.append
        for _, arn, slot, _, _, _ in members.rows:
            if admins[slot] is not None:
                append(None)
                continue
            kind = principal_kind(arn)
            of_kind = by_kind.get(kind)
            if of_kind is None:
                of_kind = by_kind[kind] = (SharedEscalations(kind), [_UNSEEN] * len(sets))
            per_set = of_kind[1]
            hit = per_set[slot]
            if hit is _UNSEEN:
                shared = of_kind[0](sets[slot])
                hit = per_set[slot] = _ON_OWN_ARN if shared is None else self._found(shared)
            append(self._found(escalations_of(sets[slot], arn)) if hit is _ON_OWN_ARN else hit)  # type: ignore[arg-type]
        self.found = found

    def _found(self, escalations: tuple[Escalation, ...]) -> Found:
        if not escalations:
            return None
        hit = self.reasons.get(id(escalations))  # the tuples are shared: one reason per distinct answer
        if hit is None:
            first = escalations[0]
            methods = "; ".join(f"{e.method} ({', '.join(e.actions)})" for e in escalations[:4])
            more = f" and {len(escalations) - 4} more" if len(escalations) > 4 else ""
            grant = first.grants[0] if first.grants else None
            hit = self.reasons[id(escalations)] = (escalations, (  # the tuple kept, so that its id stays its own
                FAIL, f"can escalate privileges: {methods}{more}",
                ref(AUTHZ, grant_pointer(grant)) if grant else None))
        return hit[1]


def _escalations(evidence: Evidence) -> _Escalations:
    hit = evidence.cache.get(("escalations",))
    if hit is None:
        hit = evidence.cache[("escalations",)] = _Escalations(roster(evidence))
    return hit  # type: ignore[no-any-return]


def _privileged(evidence: Evidence) -> tuple[bool, ...]:
    """Per role (in order): full administrator or able to escalate; worked out once (two checks ask)."""
    hit = evidence.cache.get(("privileged",))
    if hit is None:
        members, escalations = roster(evidence), _escalations(evidence)
        first = len(members.rows) - len(evidence.authorization.roles)  # the roles come last
        hit = evidence.cache[("privileged",)] = tuple(
            members.admins[members.slots[index]] is not None or escalations.found[index] is not None
            for index in range(first, len(members.rows)))
    return hit  # type: ignore[no-any-return]


@check("privileged_role_trust_without_mfa", needs=["authorization_details"])
def privileged_role_trust_without_mfa(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    for role, privileged in zip(evidence.authorization.roles, _privileged(evidence), strict=True):
        if not privileged:
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
    for role, privileged in zip(evidence.authorization.roles, _privileged(evidence), strict=True):
        if not privileged:
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
    members = roster(evidence)
    questions = principal_probes(evidence, _principal_categories)
    delegating = [None if admin is not None else questions.delegated(slot) for slot, admin in enumerate(members.admins)]
    failing = [f"can {', '.join(actions[:3])} but has no permissions boundary" if actions else None
               for actions in delegating]
    account = current_account()
    for kind, arn, slot, _, own, principal in members.without_groups:
        reason = failing[slot]
        if reason is None:
            continue
        boundary = principal.boundary_arn
        if boundary is None:
            yield record(kind, arn, FAIL, reason, own, account)
        else:
            yield record(kind, arn, PASS, f"IAM delegation constrained by boundary {boundary}", own, account)


@check("customer_policy_unused", needs=["authorization_details"])
def customer_policy_unused(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    attachments = evidence.authorization.attachments()
    for policy in sorted(evidence.authorization.policies.values(), key=_arn_of):
        if policy.is_aws_managed:
            continue
        users = attachments.get(policy.arn, [])
        yield verdict(not users, "policy", policy.arn, "attached to nothing (and no permissions boundary use)",
                      f"used by {len(users)} principal(s)", AUTHZ, policy.pointer)


@check("cloudshell_full_access_attached", needs=["authorization_details"])
def cloudshell_full_access_attached(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    holders = [p for p in evidence.authorization.principals()
               if p.attached and any(a.arn == CLOUDSHELL for a in p.attached)]  # most principals attach nothing
    for principal in holders:
        attached = next(a for a in principal.attached if a.arn == CLOUDSHELL)
        yield failed(principal.kind, principal.arn, "AWSCloudShellFullAccess attached", AUTHZ, attached.pointer)
    if not holders:
        yield passed("account", evidence.account_id, "AWSCloudShellFullAccess is attached to nothing", AUTHZ, "/")
