"""Effective permissions of principals and customer policies, for the checks in permissions.py.

Everything here is cached on the Evidence: a large account has tens of thousands of principals
but only a few thousand distinct permission sets (principals holding the same managed policies
and groups share one), so answers are computed per permission set and reused per principal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any

from ..evidence import Evidence
from ..evidence.authorization import FILE as AUTHZ
from ..evidence.authorization import Principal
from ..model import EvidenceRef, ResourceResult, Status
from ..policy import Grant, PolicyDocument, PolicySource, PrincipalPermissions
from ..policy.actions import default_catalog
from ..policy.document import PolicyKind
from ..policy.probes import Answers, ProbeSet, answers, bits_of
from .registry import ERROR, FAIL, PASS, current_account, ref

# AWS managed policies whose document is fixed and well known, for exports that omit them from `Policies`.
KNOWN_AWS_POLICIES = {
    "arn:aws:iam::aws:policy/AdministratorAccess": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
}
IAM_DELEGATION = ("iam:CreateUser", "iam:CreateRole", "iam:AttachUserPolicy", "iam:AttachRolePolicy",
                  "iam:PutUserPolicy", "iam:PutRolePolicy")
HEADLINE = ("Policy", "Permission", "AccessKey", "Secret", "Credential", "Token", "GetObject", "Decrypt",
            "Parameter", "LoginProfile")


def probe(evidence: Evidence, kind: str) -> str:
    return f"arn:aws:iam::{evidence.account_id}:{kind}/ck-probe-any"


_UNSEEN = object()


def managed_document(evidence: Evidence, arn: str, kind: PolicyKind, name: str) -> PolicyDocument | None:
    cache_key = ("managed", arn, kind)
    document = evidence.cache.get(cache_key, _UNSEEN)
    if document is not _UNSEEN:
        return document  # type: ignore[no-any-return]
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
            document = PolicyDocument.parse(raw, source=PolicySource.of(kind, name, arn, AUTHZ, pointer))
        except ValueError:
            document = None
    evidence.cache[cache_key] = document
    return document


def _inline_document(raw: object, kind: PolicyKind, name: str, pointer: str) -> PolicyDocument | None:
    try:
        return PolicyDocument.parse(raw, source=PolicySource.of(kind, name, None, AUTHZ, pointer))
    except ValueError:
        return None


def shared_inline_document(evidence: Evidence, raw: object, kind: PolicyKind, name: str, pointer: str) -> PolicyDocument | None:
    """An inline document parsed once per evidence (a group's inline policies reach every member).

    The pointer names the document within the one authorization-details file, so sharing the parsed
    object changes no verdict; it lets members of the same groups share evaluation caches.
    """
    cache_key = ("inline", kind, name, pointer)
    document = evidence.cache.get(cache_key, _UNSEEN)
    if document is not _UNSEEN:
        return document  # type: ignore[no-any-return]
    document = _inline_document(raw, kind, name, pointer)
    evidence.cache[cache_key] = document
    return document


def _owned(evidence: Evidence, owner: Principal, inline_kind: PolicyKind,
           managed_kind: PolicyKind) -> tuple[list[PolicyDocument], list[str]]:
    """The inline then attached documents of one user, group or role, and those not readable."""
    documents: list[PolicyDocument] = []
    missing: list[str] = []
    for inline in owner.inline:
        doc = shared_inline_document(evidence, inline.document, inline_kind, inline.name, inline.pointer)
        if doc is None:
            missing.append(f"inline policy {inline.name} (unreadable)")
        else:
            documents.append(doc)
    for attached in owner.attached:
        doc = managed_document(evidence, attached.arn, managed_kind, attached.name)
        if doc is None:
            missing.append(attached.arn)
        else:
            documents.append(doc)
    return documents, missing


def _group_owned(evidence: Evidence, group: Principal) -> tuple[list[PolicyDocument], list[str]]:
    """_owned for a group, worked out once however many members it has."""
    cache_key = ("group-owned", group.pointer)  # the pointer names the group's own entry in the file
    hit = evidence.cache.get(cache_key)
    if hit is None:
        hit = evidence.cache[cache_key] = _owned(evidence, group, "group_inline", "group_managed")
    return hit  # type: ignore[no-any-return]


def _inputs(evidence: Evidence, principal: Principal, groups_by_name: dict[str, Principal]
            ) -> tuple[tuple[PolicyDocument, ...], PolicyDocument | None, tuple[str, ...]]:
    """Every identity document that reaches the principal (own, then its groups'), its boundary,
    and what reaches it but is not in the export. GROUPS_BY_NAME: the export's groups by name
    (AuthorizationDetails.group, without two calls per look-up)."""
    groups: list[Principal] = []
    missing: list[str] = []
    if principal.kind == "user":
        for group_name in principal.groups:
            group = groups_by_name.get(group_name)
            if group is None:
                missing.append(f"group {group_name} (not in the export)")
            else:
                groups.append(group)
    documents, own_missing = _owned(evidence, principal, "inline", "managed")
    missing += own_missing
    for group in groups:
        group_documents, group_missing = _group_owned(evidence, group)
        documents += group_documents
        missing += group_missing
    boundary = None
    if principal.boundary_arn:
        boundary = managed_document(evidence, principal.boundary_arn, "boundary", principal.boundary_arn.rsplit("/", 1)[-1])
        if boundary is None:
            missing.append(f"permissions boundary {principal.boundary_arn}")
    return tuple(documents), boundary, tuple(missing)


_arn_of = attrgetter("arn")


# One principal: (kind, ARN, slot of its permission set, why it cannot be assessed or None,
# EvidenceRef to its own entry, the principal).
Row = tuple[str, str, int, str | None, EvidenceRef, Principal]


class Roster:
    """Every user, group and role (in that order) with its permission set numbered.

    Principal-level checks work a verdict out once per distinct set (``sets[slot]``) and look it up
    per principal: a large account has tens of thousands of principals but a few thousand sets.
    """

    def __init__(self, rows: tuple[Row, ...], sets: tuple[PrincipalPermissions, ...]) -> None:
        self.rows = rows
        self.sets = sets
        self.slots = tuple([row[2] for row in rows])
        self.without_groups = tuple([row for row in rows if row[0] != "group"])
        self._admins: tuple[Grant | None, ...] | None = None

    @property
    def admins(self) -> tuple[Grant | None, ...]:
        """full_admin() per set, worked out once: most principal-level checks ask it first."""
        if self._admins is None:
            self._admins = tuple(map(PrincipalPermissions.full_admin, self.sets))
        return self._admins


def roster(evidence: Evidence) -> Roster:
    """The Roster of the evidence, built once.

    Principals with the same documents and boundary share one PrincipalPermissions (and slot).
    Principals without inline policies whose groups, attached policies and boundary are the same
    have the same inputs (documents are cached per policy ARN and per group), so those are worked
    out once; an inline policy is the principal's own document, so its holder is worked out alone.
    """
    hit = evidence.cache.get(("roster",))
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    details = evidence.authorization
    sets: list[PrincipalPermissions] = []
    slots: dict[tuple[tuple[PolicyDocument, ...], PolicyDocument | None], int] = {}
    by_inputs: dict[tuple[tuple[str, ...], tuple[str, ...], str | None], tuple[int, str | None]] = {}
    rows: list[Row] = []
    groups_by_name = {group.name: group for group in details.groups}  # as details.group() finds them
    new = tuple.__new__  # registry.ref() without a call per principal
    for principal in (*details.users, *details.groups, *details.roles):
        attached = principal.attached
        key = None if principal.inline else (
            principal.groups if principal.kind == "user" else (),
            tuple(map(_arn_of, attached)) if attached else (), principal.boundary_arn)
        found = None if key is None else by_inputs.get(key)
        if found is None:
            identity, boundary, missing = _inputs(evidence, principal, groups_by_name)
            slot = slots.get((identity, boundary))
            if slot is None:
                slot = slots[(identity, boundary)] = len(sets)
                sets.append(PrincipalPermissions.of(identity, boundary, evidence.account_id))
            found = (slot, missing_reason(missing) if missing else None)
            if key is not None:
                by_inputs[key] = found
        rows.append((principal.kind, principal.arn, found[0], found[1], new(EvidenceRef, (AUTHZ, principal.pointer)),
                     principal))
    hit = evidence.cache[("roster",)] = Roster(tuple(rows), tuple(sets))
    return hit


# What a check concludes for one permission set: (status, reason, evidence), the evidence None for
# "the principal's own entry"; or None for "nothing found" (then ERROR if policies are missing, else PASS).
Found = tuple[Status, str, EvidenceRef | None] | None


def principal_results(evidence: Evidence, found: Iterable[Found], nothing: str) -> list[ResourceResult]:
    """One result per principal, in roster order, from what the check found for it (usually
    ``map(per_set.__getitem__, roster.slots)``: what it found for the principal's permission set)."""
    account = current_account()
    new, result = tuple.__new__, ResourceResult  # record() without a call per principal
    out: list[ResourceResult] = []
    append = out.append
    for (kind, arn, _, missing, own, _), hit in zip(roster(evidence).rows, found, strict=True):
        if hit is not None:
            append(new(result, (kind, arn, hit[0], hit[1], hit[2] or own, account, None, None)))
        elif missing is not None:
            append(new(result, (kind, arn, ERROR, missing, own, account, None, None)))
        else:
            append(new(result, (kind, arn, PASS, nothing, own, account, None, None)))
    return out


def grant_text(grant: object) -> str:
    source = getattr(grant, "source", None)
    sid = getattr(grant, "sid", None)
    index = getattr(grant, "statement_index", None)
    name = getattr(source, "name", "?")
    kind = str(getattr(source, "kind", "")).replace("_", " ")
    where = f"statement {sid}" if sid else f"statement {index}"
    return f"{kind} policy {name}, {where}"


def grant_pointer(grant: object) -> str | None:
    source = getattr(grant, "source", None)
    pointer = getattr(source, "pointer", None)
    index = getattr(grant, "statement_index", None)
    if pointer and index is not None:
        return f"{pointer}/Statement/{index}"
    return pointer


def missing_reason(missing: tuple[str, ...]) -> str:
    shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
    return f"not assessed: policies reaching this principal are not in the export: {shown}"


def _boundary_only(evidence: Evidence) -> frozenset[str]:
    """The policies used only as a permissions boundary (they grant nothing by themselves), worked out
    for every policy at once."""
    only = evidence.cache.get(("boundary-only",))
    if only is None:
        only = evidence.cache[("boundary-only",)] = frozenset(
            policy for policy, users in evidence.authorization.attachments().items()
            if users and users[0].boundary_arn == policy  # most policies fail here, without the generators
            and all(p.boundary_arn == policy and all(a.arn != policy for a in p.attached) for p in users))
    return only  # type: ignore[no-any-return]


# (resource type, id, parsed document, pointer, the document alone as a permission set, EvidenceRef to the
# pointer, the document as exported)
PolicyItem = tuple[str, str, PolicyDocument | None, str, PrincipalPermissions | None, EvidenceRef, Any]


def policy_documents(evidence: Evidence) -> tuple[PolicyItem, ...]:
    """Customer managed and inline policies that grant; one list per evidence, walked by several checks."""
    cache_key = ("policy-documents",)
    hit = evidence.cache.get(cache_key)
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    details = evidence.authorization
    items: list[tuple[str, str, PolicyDocument | None, str, Any]] = []
    only = _boundary_only(evidence)
    for policy in sorted(details.policies.values(), key=_arn_of):
        if policy.is_aws_managed or policy.arn in only:
            continue
        items.append(("policy", policy.arn, managed_document(evidence, policy.arn, "managed", policy.name),
                      policy.default_pointer or policy.pointer, policy.default_document))
    for principal in details.principals():
        for inline in principal.inline:
            doc = shared_inline_document(evidence, inline.document, "inline", inline.name, inline.pointer)
            items.append(("inline_policy", f"{principal.arn} (inline {inline.name})", doc, inline.pointer,
                          inline.document))
    account = evidence.account_id
    hit = tuple((rtype, rid, doc, pointer, None if doc is None else PrincipalPermissions.of((doc,), None, account),
                 ref(AUTHZ, pointer), raw) for rtype, rid, doc, pointer, raw in items)
    evidence.cache[cache_key] = hit
    return hit


def _headline_first(name: str) -> tuple[int, str]:
    return (0 if any(word.lower() in name.lower() for word in HEADLINE) else 1, name)


class CategoryIndex:
    """One category as asked by one check: its actions in the order allowed_actions_in would report
    them (sorted, patterns expanded through the catalog, each name once) as probes on "*", numbered
    from OFFSET within the PrincipalProbes they belong to, and the finding per answer."""

    def __init__(self, actions: Iterable[str], label: str, offset: int) -> None:
        self.label = label
        catalog = default_catalog()  # effective() builds permission sets with the default catalog
        names: dict[str, str] = {}
        for item in sorted(actions):  # sorted: the same output whatever the hash seed
            for name in sorted(catalog.expand(item)) if ("*" in item or "?" in item) else [item]:
                names.setdefault(name.lower(), catalog.canonical(name) or name)
        self.shown = tuple(names.values())  # distinct, as their lower-case forms are
        self.headline_order = tuple(_headline_first(name) for name in self.shown)
        self.pairs = tuple((name, "*") for name in names)
        self.offset = offset
        self.mask = ((1 << len(self.pairs)) - 1) << offset
        self.results: dict[Answers, Found] = {}
        self.by_grant: dict[tuple[int, int], tuple[Grant | None, Found]] = {}  # (allowed, id of the Allow named)

    def finding(self, found: Answers) -> Found:
        """A FAIL naming the actions when the answers allow some of them on "*" (what
        perms.allowed_actions_in(actions) reports), else None.

        Cached per answer (shared by permission sets whose documents say the same about the probes),
        and worked out once per (actions allowed, Allow named): the reason names those and nothing else
        (never the principal), and thousands of distinct answers come down to a few hundred of those.
        """
        hit = self.results.get(found, _UNSEEN)
        if hit is not _UNSEEN:
            return hit  # type: ignore[return-value]
        finding = None
        allowed = found.allowed & self.mask
        if allowed:
            offset = self.offset
            grant = found.grant((allowed & -allowed).bit_length() - 1)  # of the first action allowed
            shared = self.by_grant.get((allowed, id(grant)))
            if shared is None:
                indices = [i - offset for i in bits_of(allowed)]
                names = [self.shown[i] for i in sorted(indices, key=self.headline_order.__getitem__)]
                shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
                shared = self.by_grant[(allowed, id(grant))] = (grant, (  # the grant kept, so that its id stays its own
                    FAIL, f"{self.label} on any resource: {shown} ({grant_text(grant)})",
                    ref(AUTHZ, grant_pointer(grant))))
            finding = shared[1]
        self.results[found] = finding
        return finding


class PrincipalProbes:
    """What principal-level checks ask of every permission set that is not a full administrator, as
    one probe set, answered once per set (``answers[slot]``, None for an administrator): the
    IAM_DELEGATION actions on any role or user, then each category's actions on "*"."""

    def __init__(self, evidence: Evidence, categories: dict[str, Iterable[str]]) -> None:
        role, user = probe(evidence, "role"), probe(evidence, "user")
        pairs = [pair for a in IAM_DELEGATION for pair in ((a, role), (a, user))]
        self.categories: dict[str, CategoryIndex] = {}
        for label, actions in categories.items():
            index = self.categories[label] = CategoryIndex(actions, label, len(pairs))
            pairs += index.pairs
        probes = ProbeSet(tuple(pairs))
        members = roster(evidence)
        self.answers = tuple([None if admin is not None else answers(perms, probes)
                              for perms, admin in zip(members.sets, members.admins, strict=True)])

    def delegated(self, slot: int) -> list[str]:
        """The IAM_DELEGATION actions the set in SLOT allows on any role or user."""
        found = self.answers[slot]
        allowed = 0 if found is None else found.allowed
        if not allowed & _DELEGATION_MASK:  # most permission sets
            return []
        return [a for i, a in enumerate(IAM_DELEGATION) if allowed >> (2 * i) & 3]  # on a role or a user


_DELEGATION_MASK = (1 << (2 * len(IAM_DELEGATION))) - 1


def principal_probes(evidence: Evidence, categories: Callable[[], dict[str, Iterable[str]]]) -> PrincipalProbes:
    """The evidence's PrincipalProbes, built on first use (CATEGORIES gives label -> actions, the same each
    call: called then only, as the lists take some work)."""
    hit = evidence.cache.get(("principal-probes",))
    if hit is None:
        hit = evidence.cache[("principal-probes",)] = PrincipalProbes(evidence, categories())
    return hit  # type: ignore[no-any-return]
