"""Many (action, resource) questions answered at once, as bit masks per policy document.

Checks ask the same few dozen to few hundred questions ("may it pass any role?", "which
credential-exposure actions on "*"?") of thousands of principals whose documents are mostly
shared. Each document is matched against a whole :class:`ProbeSet` once; a principal's answers
are its documents' masks combined, with the semantics of ``PrincipalPermissions.allows`` (see
``evaluate``): an identity Allow must match, no unconditioned Deny (identity or boundary) may, and
the boundary, if any, must itself allow.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from compliance_kit.policy.actions import matcher
from compliance_kit.policy.document import Grant, PolicyDocument
from compliance_kit.policy.evaluate import PrincipalPermissions
from compliance_kit.policy.matching import resource_applies

__all__ = ["Answers", "DocBits", "ProbeSet", "answers", "bits_of", "doc_bits"]


@dataclass(frozen=True, eq=False)
class ProbeSet:
    """Numbered (action, resource) pairs; ``None`` as resource means "at least one resource".

    Compared by identity: documents cache their masks per probe set, so build one per question
    set and keep it.
    """

    pairs: tuple[tuple[str, str | None], ...]
    by_action: dict[str, int] = field(init=False, repr=False)  # lower-case action -> mask of its pairs
    by_service: dict[str, tuple[str, ...]] = field(init=False, repr=False)
    by_resource: tuple[tuple[str | None, int], ...] = field(init=False, repr=False)
    everything: int = field(init=False, repr=False)
    _by_pattern: dict[str, int] = field(default_factory=dict, init=False, repr=False)
    _by_patterns: dict[tuple[str, ...], int] = field(default_factory=dict, init=False, repr=False)
    _answers: dict[tuple[tuple[DocBits, ...], DocBits | None], Answers] = field(
        default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        by_action: dict[str, int] = {}
        by_resource: dict[str | None, int] = {}
        for i, (action, resource) in enumerate(self.pairs):
            key = action.lower()
            by_action[key] = by_action.get(key, 0) | 1 << i
            by_resource[resource] = by_resource.get(resource, 0) | 1 << i
        by_service: dict[str, list[str]] = {}
        for action in by_action:
            by_service.setdefault(action.partition(":")[0], []).append(action)
        object.__setattr__(self, "by_action", by_action)
        object.__setattr__(self, "by_service", {k: tuple(v) for k, v in by_service.items()})
        object.__setattr__(self, "by_resource", tuple(by_resource.items()))
        object.__setattr__(self, "everything", (1 << len(self.pairs)) - 1)

    def mask(self, pattern: str) -> int:
        """Pairs whose action one action pattern matches; cached per pattern, because distinct
        patterns are few even when every principal has its own inline policy."""
        key = pattern.lower()
        hit = self._by_pattern.get(key)
        if hit is None:
            if "*" not in key and "?" not in key:
                hit = self.by_action.get(key, 0)
            else:
                service = key.partition(":")[0]
                test = matcher((key,), ignore_case=True)
                scope = (self.by_action if "*" in service or "?" in service
                         else self.by_service.get(service, ()))
                hit = 0
                for action in scope:
                    if test(action):
                        hit |= self.by_action[action]
            self._by_pattern[key] = hit
        return hit

    def mask_all(self, patterns: tuple[str, ...]) -> int:
        """mask() of a statement's patterns together; cached per tuple, because statements repeat
        their Action lists across policies."""
        hit = self._by_patterns.get(patterns)
        if hit is None:
            hit = 0
            for pattern in patterns:
                hit |= self.mask(pattern)
            if len(self._by_patterns) >= _ANSWERS_LIMIT:
                self._by_patterns.clear()
            self._by_patterns[patterns] = hit
        return hit


class DocBits:
    """One document over one probe set; compared by identity (one per document and probe set).

    A slotted class rather than a frozen dataclass: tens of thousands are built; never change one."""

    __slots__ = ("allow", "allows", "deny", "named", "uncond")

    def __init__(self, allow: int, uncond: int, deny: int, allows: tuple[tuple[Grant, int], ...], named: int) -> None:
        self.allow = allow  # pairs some Allow statement grants
        self.uncond = uncond  # pairs some unconditioned Allow statement grants
        self.deny = deny  # pairs some unconditioned Deny statement denies
        self.allows = allows  # each Allow statement that grants something, with its pairs
        self.named = named  # pairs whose action some Allow statement names, whatever its Resource

    def grants(self, index: int) -> tuple[Grant, ...]:
        """The Allow statements granting pair INDEX, in statement order."""
        return tuple(g for g, mask in self.allows if mask >> index & 1)


def doc_bits(doc: PolicyDocument, probes: ProbeSet) -> DocBits:
    """Bit masks of one document over a probe set; cached on the document.

    Statement by statement rather than pair by pair, through per-pattern masks, so an unshared
    inline policy costs a few dict lookups per pattern and one Resource test per distinct probe
    resource.
    """
    hit = doc._cache.get(probes)  # keyed by the probe set itself: hashed by identity, fast
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    allow = uncond = deny = named = 0
    allows: list[tuple[Grant, int]] = []
    by_patterns = probes._by_patterns
    for g in doc.statements:
        patterns = g.action_patterns
        matched = by_patterns.get(patterns)
        if matched is None:
            matched = probes.mask_all(patterns)
        if g.not_action:
            matched = probes.everything & ~matched
        if not matched:
            continue
        if g.allow:
            named |= matched
        hits = 0
        for resource, on_resource in probes.by_resource:
            if matched & on_resource and resource_applies(g, resource):
                hits |= matched & on_resource
        if not hits:
            continue
        if g.allow:
            allow |= hits
            allows.append((g, hits))
            if not g.conditional:
                uncond |= hits
        elif not g.conditional:
            deny |= hits
    hit = DocBits(allow, uncond, deny, tuple(allows), named) if allow or deny or named else _SILENT
    doc._cache[probes] = hit
    return hit


_SILENT = DocBits(0, 0, 0, (), 0)  # a document that says nothing about the probes
_ANSWERS_LIMIT = 1 << 16


class Answers:
    """One permission set over one probe set: what it allows, and what it allows unconditionally.

    Shared by every permission set whose documents say the same about the probes (see answers()),
    and compared by identity: callers cache what they derive from it on the object itself.
    A slotted class, like DocBits; never change one.
    """

    __slots__ = ("allowed", "firm", "named", "per_doc")

    def __init__(self, allowed: int, firm: int, per_doc: tuple[DocBits, ...], named: int) -> None:
        self.allowed = allowed  # allowed (possibly only through conditioned Allows)
        self.firm = firm  # allowed through an unconditioned Allow (and, with a boundary, an unconditioned boundary Allow)
        self.per_doc = per_doc  # identity documents that say something about the probes, in order
        self.named = named  # actions some identity Allow names, on whatever resource (so maybe on others than the probes')

    def grants(self, index: int) -> tuple[Grant, ...]:
        """The identity Allow statements granting pair INDEX (``Decision.grants``)."""
        return tuple(g for bits in self.per_doc for g, mask in bits.allows if mask >> index & 1)

    def grant(self, index: int) -> Grant | None:
        """The most convincing Allow of pair INDEX: an unconditioned one if any (``Decision.grant``)."""
        grants = self.grants(index)
        return next((g for g in grants if not g.conditional), grants[0] if grants else None)


def answers(perms: PrincipalPermissions, probes: ProbeSet) -> Answers:
    """Every pair of PROBES decided for PERMS, as ``perms.allows(action, resource)`` would.

    Only documents that say something about the probes count, so the answer is looked up by their
    masks: thousands of distinct permission sets come down to a few hundred answers, and what a
    caller derives from one is derived once. Callers ask once per permission set (principals that
    share one share its answer: see checks.effective.Roster).
    """
    relevant = []
    for doc in perms.identity:
        bits = doc._cache.get(probes)  # doc_bits(), without the call when cached
        if bits is None:
            bits = doc_bits(doc, probes)
        if bits is not _SILENT:
            relevant.append(bits)
    boundary = None if perms.boundary is None else doc_bits(perms.boundary, probes)
    key = (tuple(relevant), boundary)
    hit = probes._answers.get(key)
    if hit is None:
        allow = uncond = deny = named = 0
        for bits in relevant:
            allow |= bits.allow
            uncond |= bits.uncond
            deny |= bits.deny
            named |= bits.named
        if boundary is not None:
            allow &= boundary.allow
            uncond &= boundary.uncond
            deny |= boundary.deny
        if len(probes._answers) >= _ANSWERS_LIMIT:
            probes._answers.clear()
        hit = probes._answers[key] = Answers(allow & ~deny, uncond & ~deny, key[0], named)
    return hit


def bits_of(mask: int) -> Iterator[int]:
    """The indices of the set bits of MASK, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low
