"""Does one statement, or one document, apply to an action on a resource? (Conditions aside.)

The statement-level half of evaluation (see ``evaluate`` for the semantics, including what the
resource ``None`` means); split out so that ``evaluate`` and ``probes`` share it.
"""

from __future__ import annotations

from functools import lru_cache

from compliance_kit.policy.actions import is_all_wildcard, matcher
from compliance_kit.policy.document import Grant, PolicyDocument

__all__ = ["doc_match", "grant_matches", "resource_applies"]

_DOC_CACHE_LIMIT = 50_000


def _action_applies(grant: Grant, action_lower: str) -> bool:
    return grant.action_matcher(action_lower) != grant.not_action


def resource_applies(grant: Grant, resource: str | None) -> bool:
    """Resource/NotResource test (``None``: "at least one resource", see module docstring)."""
    if not grant.resource_given:  # trust policies: the statement is about the role itself
        return True
    patterns = grant.not_resources if grant.not_resource else grant.resources
    if resource is None:  # "on at least one resource"
        if grant.allow:
            if grant.not_resource:
                return not any(is_all_wildcard(p) for p in patterns)
            return bool(patterns)
        if grant.not_resource:  # a Deny with NotResource always leaves something allowed
            return not patterns
        return any(is_all_wildcard(p) for p in patterns)
    if resource == "*":  # the usual question: answered without compiling the patterns
        return _matches_star(patterns) != grant.not_resource
    return grant.resource_matcher(resource) != grant.not_resource


@lru_cache(maxsize=65536)
def _matches_star(patterns: tuple[str, ...]) -> bool:
    """Does a resource pattern match the literal resource "*"? Without a policy variable, only a
    pattern of wildcards does: stars (any run) with at most one "?" (the one character)."""
    for p in patterns:
        if "$" in p:
            if matcher((p,), ignore_case=False)("*"):
                return True
        elif p and set(p) <= {"*", "?"} and p.count("?") <= 1:
            return True
    return False


def grant_matches(grant: Grant, action: str, resource: str | None = "*") -> bool:
    """Does this statement apply to ``action`` on ``resource`` (ignoring its Condition)?"""
    return _action_applies(grant, action.lower()) and resource_applies(grant, resource)


_Match = tuple[tuple[Grant, ...], tuple[Grant, ...], tuple[Grant, ...]]


def doc_match(doc: PolicyDocument, action: str, resource: str | None) -> _Match:
    """(Allows, unconditional Denies, conditional Denies) of ``doc`` matching; cached on the doc."""
    action_lower = action.lower()
    key = ("m", action_lower, resource)
    cache = doc._cache
    hit = cache.get(key)
    if hit is not None:
        return hit
    allows: list[Grant] = []
    denies: list[Grant] = []
    cdenies: list[Grant] = []
    for g in doc.statements:
        if _action_applies(g, action_lower) and resource_applies(g, resource):
            if g.allow:
                allows.append(g)
            elif g.conditional:
                cdenies.append(g)
            else:
                denies.append(g)
    result: _Match = (tuple(allows), tuple(denies), tuple(cdenies))
    if len(cache) > _DOC_CACHE_LIMIT:
        cache.clear()
    cache[key] = result
    return result
