"""Publicly documented IAM privilege-escalation methods, checked against effective permissions.

Sources: Rhino Security Labs' original 21 methods and part 2 (CodeStar, Lambda layers,
SageMaker), NCC Group's PMapper edge checks (CloudFormation, CodeBuild, EC2 Auto Scaling, SSM,
STS), the set cloudsplaining and pacu flag, and the paths catalogued at pathfinding.cloud
(Datadog) that cloudsplaining has since adopted. Each :class:`EscalationMethod` (listed in
``escalation_methods``) names the actions it needs; a method is flagged only when *all* of them
are allowed, not explicitly denied, and inside the permissions boundary.

Principals are many and their permission sets repeat: everything is computed from per-document
bit masks over the probes (``probes``) and shared between permission sets whose documents say the
same about them; only the few actions asked about the principal's own ARN are looked up per principal.

Resources are probed, not ignored: an action on IAM users, groups, roles or customer policies is
asked about a probe ARN in the principal's account, e.g.
``arn:aws:iam::<account>:user/ck-escalation-probe`` -- "some other user". A statement whose
Resource names specific users/roles/policies therefore does not flag the method (such a grant
may still be dangerous if that specific role is privileged; that is a question about the role,
answered elsewhere). ``AttachUserPolicy``/``PutUserPolicy`` also count on the principal itself
(a ``user/${aws:username}`` statement is the textbook self-escalation), and the ``*ToSelf``
role methods need ``principal_arn``. Actions on other services (Lambda functions, EC2 instances,
stacks, projects...) are asked about "at least one resource": whether a given function or
instance carries a privileged role is not visible in policies, so only a Deny on every resource
defeats them.

``UpdateAssumeRolePolicy`` needs no ``sts:AssumeRole`` (unlike Rhino's original listing): a
trust policy that names the caller's own ARN lets it assume the role within the account, as
pathfinding.cloud iam-012 and cloudsplaining have it.

Deliberately not methods: ``iam:UpdateAccessKey`` (reactivating a key needs its secret, which
the caller does not have: it is listed under credential exposure instead),
``iam:CreateServiceSpecificCredential`` (CodeCommit/Keyspaces credentials only),
``cloudformation:SetStackPolicy`` (guards stack updates, grants nothing), ``iam:PassRole`` alone,
and documented chains whose actions include another method's (e.g. CreateAccessKey +
DeleteAccessKey, UpdateFunctionCode + InvokeFunction): the shorter method already flags them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from compliance_kit.frozen import record
from compliance_kit.policy.document import Grant
from compliance_kit.policy.escalation_methods import ESCALATION_METHODS, EscalationMethod, Requirement, Target
from compliance_kit.policy.evaluate import PrincipalPermissions
from compliance_kit.policy.probes import Answers, ProbeSet, answers

__all__ = [
    "ESCALATION_METHODS",
    "PROBE_NAME",
    "Escalation",
    "EscalationMethod",
    "Requirement",
    "SharedEscalations",
    "escalations_of",
    "find_escalations",
    "principal_kind",
    "probe_arn",
    "shared_escalations",
]

PROBE_NAME = "ck-escalation-probe"
_SELF_USER = "${aws:username}"


@dataclass(frozen=True)
class Escalation:
    """A method the principal can use, with the Allow statements that make it possible."""

    method: str
    description: str
    actions: tuple[str, ...]
    grants: tuple[Grant, ...]
    conditional: bool = False
    references: tuple[str, ...] = ()


def probe_arn(target: Target, account_id: str, partition: str = "aws") -> str | None:
    """The probe resource for a target kind; None means "at least one resource"."""
    kind = {"user": "user", "user_or_self": "user", "group": "group", "role": "role", "policy": "policy"}.get(target)
    if kind is None:
        return None
    return f"arn:{partition}:iam::{account_id}:{kind}/{PROBE_NAME}"


def principal_kind(principal_arn: str | None) -> str | None:
    """"user", "role", "other" (e.g. an assumed-role session) or None when unknown."""
    if not principal_arn:
        return None
    kind, slash, _ = principal_arn.split(":", 5)[-1].partition("/")
    return kind if slash and kind in ("user", "role") else "other"


_SELF = object()  # marks an alternative evaluated on the principal's own ARN


def _alternatives(req: Requirement, account: str, partition: str,
                  kind: str | None) -> list[tuple[str, object]]:
    """(action, resource) pairs, any one of which satisfies the requirement."""
    if req.target == "self_role":
        return [(req.action, _SELF)] if kind == "role" else []
    pairs: list[tuple[str, object]] = [(req.action, probe_arn(req.target, account, partition))]
    if req.target == "user_or_self":
        if kind in (None, "user"):
            pairs.append((req.action, f"arn:{partition}:iam::{account}:user/{_SELF_USER}"))
        if kind == "user":
            pairs.append((req.action, _SELF))
    return pairs


class _Methods(tuple[EscalationMethod, ...]):
    """A method set as a cache key, hashed once rather than at every look-up: the default set has
    some 65 methods, and the caches below are asked for every permission set and kind of principal."""

    def __hash__(self) -> int:
        cached: int | None = self.__dict__.get("hash")
        if cached is None:
            cached = self.__dict__["hash"] = tuple.__hash__(self)
        return cached


_DEFAULT_METHODS = _Methods(ESCALATION_METHODS)


def _methods(methods: Sequence[EscalationMethod]) -> tuple[EscalationMethod, ...]:
    if methods is ESCALATION_METHODS:
        return _DEFAULT_METHODS
    return methods if type(methods) is _Methods else _Methods(methods)


_Alt = int | str  # a pair index, or an action to ask about the principal's own ARN
_Plan = tuple[tuple[tuple[_Alt, ...], ...], ...]  # per method, per requirement, alternatives
_Choice = tuple[int, tuple[_Alt, ...], bool]  # method position, alternative chosen per requirement, conditional
_Own = tuple[tuple[bool, tuple[Grant, ...]] | None, ...]  # per own-ARN action: None, or (conditional, grants)
_SETUPS_LIMIT = 1 << 16


@dataclass(frozen=True, eq=False)
class _Universe:
    """Every principal-independent (action, probe) pair of a method set, and per principal kind
    the alternatives of each requirement and the actions asked about the principal's own ARN."""

    probes: ProbeSet
    plans: dict[str | None, _Plan]
    masks: dict[str | None, tuple[tuple[int, ...] | None, ...]]  # per method: one mask per requirement
    selves: dict[str | None, tuple[str, ...]]
    planned: int  # the pairs the plans refer to (the others are there for _Setup.named)
    chosen: dict[tuple[object, ...], tuple[_Choice, ...]] = field(default_factory=dict, repr=False)
    setups: dict[tuple[Answers, str | None], _Setup] = field(default_factory=dict, repr=False)


@lru_cache(maxsize=64)
def _universe(methods: tuple[EscalationMethod, ...], account: str, partition: str) -> _Universe:
    pairs: list[tuple[str, str | None]] = []
    index: dict[tuple[str, str | None], int] = {}
    plans: dict[str | None, _Plan] = {}
    selves: dict[str | None, tuple[str, ...]] = {}
    for kind in (None, "user", "role", "other"):
        plan = []
        own: dict[str, None] = {}
        for method in methods:
            reqs = []
            for req in method.requires:
                alts: list[_Alt] = []
                for action, resource in _alternatives(req, account, partition, kind):
                    if resource is _SELF:
                        alts.append(action)
                        own[action] = None
                        continue
                    pair = (action, resource if isinstance(resource, str) else None)
                    if pair not in index:
                        index[pair] = len(pairs)
                        pairs.append(pair)
                    alts.append(index[pair])
                reqs.append(tuple(alts))
            plan.append(tuple(reqs))
        plans[kind] = tuple(plan)
        selves[kind] = tuple(own)
    planned = (1 << len(pairs)) - 1
    for action in {a: None for own_actions in selves.values() for a in own_actions}:
        if (action, None) not in index:  # so that every own-ARN action has a pair (see _Setup.named)
            index[(action, None)] = len(pairs)
            pairs.append((action, None))
    masks = {kind: tuple(_masks(reqs) for reqs in plan) for kind, plan in plans.items()}
    return _Universe(ProbeSet(tuple(pairs)), plans, masks, selves, planned)


def _masks(requirements: tuple[tuple[_Alt, ...], ...]) -> tuple[int, ...] | None:
    """A bit mask per requirement (any bit satisfies it), or None if one needs the principal's ARN."""
    out = []
    for alternatives in requirements:
        if any(not isinstance(a, int) for a in alternatives):
            return None
        mask = 0
        for a in alternatives:
            mask |= 1 << int(a)
        out.append(mask)
    return tuple(out)


def _all_met(allowed: int, masks: tuple[int, ...]) -> bool:
    """Does every mask share a bit with ALLOWED? all() without a generator: dozens of methods are
    tried per distinct answer, and building the generator costs several times the test."""
    for mask in masks:  # noqa: SIM110
        if not allowed & mask:
            return False
    return True


def _choose(universe: _Universe, kind: str | None, allowed: int, firm: int,
            own: tuple[tuple[bool, bool], ...]) -> tuple[_Choice, ...]:
    """The methods allowed, and through which alternatives, given the probes ALLOWED and FIRM
    (unconditionally allowed) and the (ok, sure) answers on the principal's own ARN. Cached on the
    universe: principals are many, distinct answers few."""
    key = (kind, allowed, firm, own)
    hit = universe.chosen.get(key)
    if hit is not None:
        return hit
    answers_on_self = dict(zip(universe.selves[kind], own, strict=True))
    found: list[_Choice] = []
    for position, (requirements, masks) in enumerate(zip(universe.plans[kind], universe.masks[kind], strict=True)):
        if masks is not None and not _all_met(allowed, masks):
            continue  # quick rejection: some requirement has no allowed alternative
        chosen: list[_Alt] = []
        conditional = False
        for alternatives in requirements:
            choice: _Alt | None = None
            choice_conditional = True
            for alt in alternatives:
                if isinstance(alt, int):
                    ok, sure = bool(allowed >> alt & 1), bool(firm >> alt & 1)
                else:
                    ok, sure = answers_on_self[alt]
                if ok and (choice is None or (choice_conditional and sure)):
                    choice, choice_conditional = alt, not sure
            if choice is None:
                break
            chosen.append(choice)
            conditional = conditional or choice_conditional
        else:
            found.append((position, tuple(chosen), conditional))
    hit = tuple(found)
    if len(universe.chosen) >= _SETUPS_LIMIT:
        universe.chosen.clear()
    universe.chosen[key] = hit
    return hit


class _Setup:
    """One permission set against one method set, for one kind of principal: its probe answers,
    whether some identity Allow names each action asked about the principal's own ARN (when none
    does, no Resource needs a look), and the escalations found per answer on the own ARN.
    A plain class: one is built per distinct answer, thousands in a large account."""

    __slots__ = ("found", "named", "results", "universe")

    def __init__(self, universe: _Universe, found: Answers, named: tuple[bool, ...]) -> None:
        self.universe = universe
        self.found = found
        self.named = named
        self.results: dict[tuple[bool, _Own], tuple[Escalation, ...]] = {}


def _setup_of(universe: _Universe, found: Answers, kind: str | None) -> _Setup:
    """The setup of the permission sets whose documents answer the universe's probes FOUND."""
    setup = universe.setups.get((found, kind))
    if setup is None:
        by_action = universe.probes.by_action
        if len(universe.setups) >= _SETUPS_LIMIT:
            universe.setups.clear()
        setup = universe.setups[(found, kind)] = _Setup(
            universe, found, tuple([bool(found.named & by_action[a.lower()]) for a in universe.selves[kind]]))
    return setup


@lru_cache(maxsize=1 << 14)
def _setup(perms: PrincipalPermissions, kind: str | None, methods: tuple[EscalationMethod, ...]) -> _Setup:
    """Shared by the permission sets whose documents say the same about the universe's probes."""
    universe = _universe(methods, perms.probe_account(), perms.probe_partition())
    return _setup_of(universe, answers(perms, universe.probes), kind)


def _find(perms: PrincipalPermissions, principal_arn: str | None,
          methods: tuple[EscalationMethod, ...]) -> tuple[Escalation, ...]:
    kind = principal_kind(principal_arn)
    setup = _setup(perms, kind, methods)
    own: _Own = (None,) * len(setup.named)  # the one part that depends on the ARN itself
    if True in setup.named:
        decisions = [perms.allows(action, principal_arn) if maybe else None
                     for action, maybe in zip(setup.universe.selves[kind], setup.named, strict=True)]
        own = tuple((d.conditional, d.grants) if d is not None and d.allowed else None for d in decisions)
    key = (principal_arn is None, own)
    hit = setup.results.get(key)
    if hit is None:
        hit = setup.results[key] = _escalations(setup, kind, *key, methods)
    return hit


def _escalations(setup: _Setup, kind: str | None, anonymous: bool, own: _Own,
                 methods: tuple[EscalationMethod, ...]) -> tuple[Escalation, ...]:
    """_find once the answers on the principal's own ARN are known: everything it depends on is in
    the arguments, so principals that share their policies share the answer."""
    universe, found = setup.universe, setup.found
    if not found.allowed & universe.planned and anonymous:
        return ()
    own_grants = {action: o[1] for action, o in zip(universe.selves[kind], own, strict=True) if o is not None}
    choices = _choose(universe, kind, found.allowed, found.firm,
                      tuple((False, False) if o is None else (True, not o[0]) for o in own))
    out: list[Escalation] = []
    for position, chosen, conditional in choices:
        method = methods[position]
        grants: list[Grant] = []
        for alt in chosen:
            for g in found.grants(alt) if isinstance(alt, int) else own_grants[alt]:
                if g not in grants:
                    grants.append(g)
        out.append(record(Escalation, {
            "method": method.name, "description": method.description, "actions": method.actions,
            "grants": tuple(grants), "conditional": conditional, "references": method.references}))
    return tuple(out)


class SharedEscalations:
    """``shared_escalations`` for one kind of principal, asked of many permission sets: what the
    checks ask once per permission set of thousands. The probe universe is found once per account and
    partition, and the answer worked out once per distinct probe answer, however many sets give it."""

    def __init__(self, kind: str | None, methods: Sequence[EscalationMethod] = ESCALATION_METHODS) -> None:
        self.kind = kind
        self.methods = _methods(methods)
        self._universes: dict[tuple[str, str], _Universe] = {}
        self._shared: dict[Answers, tuple[Escalation, ...] | None] = {}  # Answers: one object per probe set and answer

    def __call__(self, perms: PrincipalPermissions) -> tuple[Escalation, ...] | None:
        where = (perms.probe_account(), perms.probe_partition())
        universe = self._universes.get(where)
        if universe is None:
            universe = self._universes[where] = _universe(self.methods, *where)
        found = answers(perms, universe.probes)
        hit = self._shared.get(found, _UNASKED)
        if hit is _UNASKED:
            hit = self._shared[found] = self._of(_setup_of(universe, found, self.kind))
        return hit  # type: ignore[return-value]

    def _of(self, setup: _Setup) -> tuple[Escalation, ...] | None:
        if True in setup.named:
            return None
        key = (False, (None,) * len(setup.named))  # _find's key for a principal with an ARN
        hit = setup.results.get(key)
        if hit is None:
            hit = setup.results[key] = _escalations(setup, self.kind, *key, self.methods)
        return hit


_UNASKED = object()


def shared_escalations(perms: PrincipalPermissions, kind: str | None,
                       methods: Sequence[EscalationMethod] = ESCALATION_METHODS) -> tuple[Escalation, ...] | None:
    """What ``escalations_of`` gives every principal of KIND (``principal_kind`` of its ARN) that
    holds PERMS, when that does not depend on the principal's own ARN: no identity Allow names an
    action asked about it. None when it may: then ask ``escalations_of`` per principal.
    (For many permission sets, ask one ``SharedEscalations``.)"""
    return SharedEscalations(kind, methods)(perms)


def escalations_of(perms: PrincipalPermissions, principal_arn: str | None,
                   methods: Sequence[EscalationMethod] = ESCALATION_METHODS) -> tuple[Escalation, ...]:
    """``find_escalations`` without the copy: the tuple is shared between the principals with the
    same answers (callers may cache what they derive from it on its identity; never change it)."""
    return _find(perms, principal_arn, _methods(methods))


def find_escalations(perms: PrincipalPermissions, *, principal_arn: str | None = None,
                     methods: Sequence[EscalationMethod] = ESCALATION_METHODS) -> list[Escalation]:
    """Every method in ``methods`` whose actions ``perms`` all allow (see module docstring).

    ``principal_arn`` (the user's or role's own ARN) enables the self-targeted role methods and
    lets the user methods recognise statements naming the principal itself. A full
    administrator matches every method; callers usually report ``full_admin()`` instead.
    """
    return list(_find(perms, principal_arn, _methods(methods)))
