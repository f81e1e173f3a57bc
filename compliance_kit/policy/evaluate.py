"""Effective permissions of one principal: identity policies, an optional boundary, explicit denies.

Semantics (a subset of AWS's policy evaluation logic that is decidable offline):

- **Identity policies are combined**: user inline + user managed + the user's groups' inline and
  managed policies (the caller passes them all; for a role, its inline + managed ones). An
  action is allowed when at least one Allow statement matches it.
- **An explicit Deny wins** over any Allow, in identity policies and in the boundary.
- **Conditions are not evaluated.** A conditioned Allow still counts as allowing, but the
  :class:`Decision` is marked ``conditional=True`` when only conditioned Allows grant it. A
  conditioned Deny is *not* a guaranteed deny (its condition may not hold), so it does not
  cancel an Allow; it is reported in ``Decision.conditional_denies``.
- **Permissions boundary**: when present it must also allow (intersection); its own Denies apply.
- **Resources are matched as strings**: ``allows(action, "*")`` asks "on all resources" and
  is satisfied only by statements whose Resource patterns match the literal ``*`` (or whose
  NotResource does not exclude it); a Deny scoped to particular ARNs does not cancel an Allow on
  ``*``. ``resource=None`` asks "on at least one resource": any Allow on any resource counts,
  and only a Deny on every resource (``Resource: "*"``) cancels it.
- Not modelled: SCPs and RCPs, resource-based policies, session policies, condition keys,
  policy variables (kept literal), cross-account trust.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from compliance_kit.frozen import record
from compliance_kit.policy.actions import ActionCatalog, default_catalog, is_all_wildcard
from compliance_kit.policy.document import Grant, PolicyDocument
from compliance_kit.policy.matching import doc_match, grant_matches, resource_applies

__all__ = ["Decision", "PrincipalPermissions", "doc_match", "grant_matches", "resource_applies"]

_ACCOUNT_IN_ARN = re.compile(r"^arn:[\w-]+:iam::(\d{12}):")
_PARTITION_IN_ARN = re.compile(r"^arn:([\w-]+):")


@dataclass(frozen=True)
class Decision:
    """The answer to "may this principal do ``action`` on ``resource``?" with the evidence.

    ``grants`` are the identity Allow statements that match (listed even when a Deny or the
    boundary wins); ``denied_by`` the unconditional Denies that match; ``conditional`` is True
    when the action is allowed only through conditioned Allows (identity or boundary).
    """

    action: str
    resource: str | None
    allowed: bool
    conditional: bool
    grants: tuple[Grant, ...] = ()
    denied_by: tuple[Grant, ...] = ()
    conditional_denies: tuple[Grant, ...] = ()
    boundary_grants: tuple[Grant, ...] = ()
    outside_boundary: bool = False

    def __bool__(self) -> bool:
        return self.allowed

    @property
    def reason(self) -> str:
        """"allowed", "explicit_deny", "outside_boundary" or "implicit_deny"."""
        if self.allowed:
            return "allowed"
        if self.denied_by:
            return "explicit_deny"
        if self.grants and self.outside_boundary:
            return "outside_boundary"
        return "implicit_deny"

    @property
    def grant(self) -> Grant | None:
        """The most convincing Allow: an unconditional one if there is one."""
        return next((g for g in self.grants if not g.conditional), self.grants[0] if self.grants else None)


def _covers_everything(grant: Grant, catalog: ActionCatalog) -> bool:
    if grant.not_action:
        return not catalog.expand_all(grant.not_actions)
    return any(_is_everything(p) for p in grant.actions)


def _is_everything(pattern: str) -> bool:
    """``*`` or ``*:*`` (any number of stars): syntactic, so unknown future actions count too."""
    service, sep, action = pattern.partition(":")
    return is_all_wildcard(pattern) or (bool(sep) and is_all_wildcard(service) and is_all_wildcard(action))


def _denies_something(grant: Grant, catalog: ActionCatalog) -> bool:
    if grant.not_action:
        return len(catalog.expand_all(grant.not_actions)) < len(catalog)
    return any(catalog.expand(p) for p in grant.actions)


@dataclass(frozen=True)
class _AdminSummary:
    allows: tuple[Grant, ...]  # Allows of every action on "*"
    denies: tuple[Grant, ...]  # unconditional Denies of some action on "*"


def _admin_summary(doc: PolicyDocument, catalog: ActionCatalog) -> _AdminSummary:
    """Cached on the document under the catalog itself (no other key there is an ActionCatalog): looked up
    for every document of every permission set, so without building a key."""
    hit = doc._cache.get(catalog)
    if hit is None:  # one pass, without generators: asked of every document of every permission set
        allows: list[Grant] = []
        denies: list[Grant] = []
        for g in doc.statements:
            if g.allow:
                if resource_applies(g, "*") and _covers_everything(g, catalog):
                    allows.append(g)
            elif not g.conditional and resource_applies(g, "*") and _denies_something(g, catalog):
                denies.append(g)
        hit = _AdminSummary(tuple(allows), tuple(denies)) if allows or denies else _NO_ADMIN
        doc._cache[catalog] = hit
    return hit


_NO_ADMIN = _AdminSummary((), ())  # what most documents say: shared rather than built for each


def _service_cover(doc: PolicyDocument, service: str, catalog: ActionCatalog
                   ) -> tuple[tuple[tuple[Grant, frozenset[str]], ...], frozenset[str]]:
    """Per Allow statement, the actions of ``service`` it allows on "*"; and those denied on "*"."""
    key = ("svc", service, catalog)
    hit = doc._cache.get(key)
    if hit is None:
        every = catalog.actions_of(service)
        allows: list[tuple[Grant, frozenset[str]]] = []
        denied: set[str] = set()
        for g in doc.statements:
            if not resource_applies(g, "*"):
                continue
            # pattern by pattern, each expansion intersected with the service's actions: "*" expands to
            # every catalogued action, and their union would copy some 20,000 names per statement
            if g.not_action:
                covered = every.difference(*[catalog.expand(p) for p in g.not_actions])
            elif any(_may_name(p, service) for p in g.actions):
                covered = frozenset().union(*[every & catalog.expand(p) for p in g.actions])
            else:
                continue
            if not covered:
                continue
            if g.allow:
                allows.append((g, covered))
            elif not g.conditional:
                denied |= covered
        hit = (tuple(allows), frozenset(denied))
        doc._cache[key] = hit
    return hit


def _may_name(pattern: str, service: str) -> bool:
    """Can ``catalog.expand(pattern)`` hold an action of SERVICE? False only when it cannot: its
    service part is another literal prefix, or it has none (such a pattern expands to nothing)."""
    key = pattern.strip().lower()
    if is_all_wildcard(key):
        return True
    prefix, sep, _ = key.partition(":")
    return bool(sep) and ("*" in prefix or "?" in prefix or prefix == service)


def _allow_services(doc: PolicyDocument) -> frozenset[str] | None:
    """The service prefixes that DOC's Allow statements on "*" may name (see _may_name); None for
    any service (a NotAction, or a wildcard in the service part). Cached on the doc."""
    hit = doc._cache.get("allow-services", _UNSET)
    if hit is _UNSET:
        hit = _named_services(doc)
        doc._cache["allow-services"] = hit
    return hit  # type: ignore[return-value]


def _named_services(doc: PolicyDocument) -> frozenset[str] | None:
    found: set[str] = set()
    for g in doc.statements:
        if not g.allow or not resource_applies(g, "*"):
            continue
        if g.not_action:
            return None
        for pattern in g.actions:
            prefix, sep, _ = pattern.strip().lower().partition(":")
            if "*" in prefix or "?" in prefix:  # also "*" alone, and any run of stars
                return None
            if sep:
                found.add(prefix)
    return frozenset(found)


_UNSET = object()


@lru_cache(maxsize=64)
def _lowered(services: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(service, its lower-case form) of each: service_wildcards is asked with the same tuple of
    thousands of documents (SENSITIVE_SERVICES)."""
    return tuple([(s, s.lower()) for s in services])


@lru_cache(maxsize=1 << 16)
def _decide(perms: PrincipalPermissions, action: str, resource: str | None) -> Decision:
    allows: list[Grant] = []
    denies: list[Grant] = []
    cdenies: list[Grant] = []
    for doc in perms.identity:
        a, d, c = doc_match(doc, action, resource)
        allows.extend(a)
        denies.extend(d)
        cdenies.extend(c)
    boundary_allows: tuple[Grant, ...] = ()
    outside = False
    if perms.boundary is not None:
        boundary_allows, d, c = doc_match(perms.boundary, action, resource)
        denies.extend(d)
        cdenies.extend(c)
        outside = not boundary_allows
    allowed = bool(allows) and not denies and not outside
    conditional = allowed and (
        all(g.conditional for g in allows)
        or (perms.boundary is not None and all(g.conditional for g in boundary_allows))
    )
    return Decision(action=action, resource=resource, allowed=allowed, conditional=conditional,
                    grants=tuple(allows), denied_by=tuple(denies), conditional_denies=tuple(cdenies),
                    boundary_grants=boundary_allows, outside_boundary=outside)


def _full_admin(perms: PrincipalPermissions, catalog: ActionCatalog) -> Grant | None:
    candidates: list[Grant] = []
    for doc in perms.identity:
        summary = _admin_summary(doc, catalog)
        if summary.denies:
            return None
        candidates.extend(summary.allows)
    if not candidates:
        return None
    if perms.boundary is not None:
        summary = _admin_summary(perms.boundary, catalog)
        if summary.denies or not summary.allows:
            return None
    return next((g for g in candidates if not g.conditional), candidates[0])


@dataclass(frozen=True)
class PrincipalPermissions:
    """Everything that decides what one user, group or role may do.

    ``identity`` is every identity-based document in force for the principal (give the default
    version of each managed policy: see ``PolicyDocument.default_version_document``);
    ``boundary`` the permissions boundary, if any. Instances with the same documents are equal,
    so results are shared between principals that share policies. ``account_id`` is used to
    build probe ARNs for escalation checks; if omitted it is inferred from the policies' ARNs.
    """

    identity: Sequence[PolicyDocument]
    boundary: PolicyDocument | None = None
    account_id: str | None = None
    partition: str | None = None
    catalog: ActionCatalog | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "identity", tuple(self.identity))

    @classmethod
    def of(cls, identity: tuple[PolicyDocument, ...], boundary: PolicyDocument | None = None,
           account_id: str | None = None) -> PrincipalPermissions:
        """The constructor for a tuple of documents, without one ``object.__setattr__`` per field:
        checks build one per distinct permission set and per policy, thousands of them."""
        if cls is not PrincipalPermissions or type(identity) is not tuple:
            return cls(identity, boundary, account_id)
        return record(cls, {"identity": identity, "boundary": boundary, "account_id": account_id,
                            "partition": None, "catalog": None})

    def __hash__(self) -> int:
        """The dataclass hash of the compared fields, worked out once: permission sets are the keys
        of every evaluation cache, looked up for each of thousands of principals."""
        cached: int | None = self.__dict__.get("_hash")
        if cached is None:
            cached = self.__dict__["_hash"] = hash((self.identity, self.boundary, self.account_id, self.partition))
        return cached

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the cached hash (documents hash by identity, which a copy does not keep),
        nor the other values cached in the instance (``_partition``, ``_full_admin``)."""
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    # -- single decisions ---------------------------------------------------------------
    def allows(self, action: str, resource: str | None = "*") -> Decision:
        """Decide one action on one resource (``None``: on at least one resource)."""
        return _decide(self, action, resource)

    def _catalog(self) -> ActionCatalog:
        return self.catalog or default_catalog()

    # -- summaries ----------------------------------------------------------------------
    def full_admin(self) -> Grant | None:
        """The Allow that grants every action on "*", if one is effective; else None.

        Counts ``Action: "*"`` and a NotAction that excludes no catalogued action. Defeated by
        any unconditional Deny that applies to "*" (even of one action) and by a boundary that
        does not itself allow everything. A conditioned admin Allow is returned (its
        ``conditional`` says so) only when no unconditioned one exists.

        Worked out once per instance (not in a cache keyed by equal sets: checks ask it once of each of
        thousands of distinct sets, so such a cache would miss every time; the per-document summaries it
        combines are cached on the documents).
        """
        hit = self.__dict__.get("_full_admin", _UNSET)
        if hit is _UNSET:
            hit = self.__dict__["_full_admin"] = _full_admin(self, self._catalog())
        return hit  # type: ignore[no-any-return]

    def service_wildcards(self, services: Iterable[str]) -> list[Grant]:
        """Allow statements that give *every* action of one of ``services`` on "*".

        E.g. ``iam:*``, ``*``, or a NotAction that leaves the whole service. The service must
        be wholly allowed after Denies on "*" and within the boundary. Statements that cover
        the service alone are returned; if only several together cover it, all of them are.
        """
        catalog = self._catalog()
        out: list[Grant] = []
        wanted = _lowered(services) if type(services) is tuple else tuple([(s, s.lower()) for s in services])
        named: set[str] = set()
        for doc in self.identity:
            reach = _allow_services(doc)
            if reach is None:  # may name any service
                break
            named |= reach
        else:  # no Allow on "*" can name the others: nothing of them is allowed
            wanted = tuple([pair for pair in wanted if pair[1] in named])
        for service, lower in wanted:
            every = catalog.actions_of(service)
            if not every:
                continue
            allowed: set[str] = set()
            denied: set[str] = set()
            per_grant: list[tuple[Grant, frozenset[str]]] = []
            for doc in self.identity:
                allows, d = _service_cover(doc, lower, catalog)
                per_grant.extend(allows)
                for _, covered in allows:
                    allowed |= covered
                denied |= d
            if self.boundary is not None:
                b_allows, b_denied = _service_cover(self.boundary, lower, catalog)
                within: set[str] = set()
                for _, covered in b_allows:
                    within |= covered
                allowed &= within
                denied |= b_denied
            if allowed - denied != every:
                continue
            whole = [g for g, covered in per_grant if covered == every]
            for g in whole or [g for g, _ in per_grant]:
                if g not in out:
                    out.append(g)
        return out

    def allowed_actions_in(self, category_actions: Iterable[str],
                           resource: str | None = "*") -> list[tuple[str, Grant]]:
        """(action, the Allow that grants it) for each allowed action of a category.

        Patterns with wildcards are expanded through the catalog; results keep input order
        and name each action once.
        """
        catalog = self._catalog()
        out: list[tuple[str, Grant]] = []
        seen: set[str] = set()
        for item in category_actions:
            names = sorted(catalog.expand(item)) if ("*" in item or "?" in item) else [item]
            for name in names:
                if name.lower() in seen:
                    continue
                seen.add(name.lower())
                decision = self.allows(name, resource)
                if decision.allowed and decision.grant is not None:
                    out.append((catalog.canonical(name) or name, decision.grant))
        return out

    # -- helpers for probes ---------------------------------------------------------------
    def documents(self) -> tuple[PolicyDocument, ...]:
        """Identity documents then the boundary, if any."""
        return (*self.identity, self.boundary) if self.boundary is not None else tuple(self.identity)

    def probe_account(self) -> str:
        """``account_id``, else the account most named in the policies' IAM ARNs, else zeros."""
        if self.account_id:
            return self.account_id
        counts: Counter[str] = Counter()
        for doc in self.documents():
            arns = [doc.source.arn or ""]
            for g in doc.statements:
                arns.extend(g.resources)
                arns.extend(g.not_resources)
            for arn in arns:
                m = _ACCOUNT_IN_ARN.match(arn)
                if m:
                    counts[m.group(1)] += 1
        return counts.most_common(1)[0][0] if counts else "000000000000"

    def probe_partition(self) -> str:
        """``partition``, else the one of the policies' ARNs, else "aws"; worked out once."""
        if self.partition:
            return self.partition
        cached: str | None = self.__dict__.get("_partition")
        if cached is None:
            cached = self.__dict__["_partition"] = self._partition_of_documents()
        return cached

    def _partition_of_documents(self) -> str:
        for doc in self.documents():
            arn = doc.source.arn
            if not arn:
                continue
            if arn.startswith("arn:aws:"):  # what the pattern finds in the usual partition, without it
                return "aws"
            m = _PARTITION_IN_ARN.match(arn)
            if m:
                return m.group(1)
        return "aws"
