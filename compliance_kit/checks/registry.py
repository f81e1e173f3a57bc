"""The check registry and engine: pure functions over Evidence, registered by a stable id."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from operator import attrgetter

from ..evidence import Evidence, EvidenceUnavailable
from ..evidence.artifacts import BY_NAME
from ..model import CheckResult, EvidenceRef, ResourceResult, Status
from ..settings import Settings

log = logging.getLogger(__name__)

CheckFunction = Callable[[Evidence, Settings], Iterable[ResourceResult]]


@dataclass(frozen=True)
class CheckDef:
    check_id: str
    needs: tuple[str, ...]
    function: CheckFunction
    module: str
    uses: tuple[str, ...] = ()  # artifacts consulted for some resources only (those resources ERROR without them)


REGISTRY: dict[str, CheckDef] = {}
# The account run_check is assessing: the constructors below stamp it on each result as they build it,
# so no result is built twice. A ContextVar, so that checks run in threads stamp their own account.
_ACCOUNT: ContextVar[str] = ContextVar("compliance_kit_check_account", default="")
_account_of = attrgetter("account_id")


def check(check_id: str, *, needs: Iterable[str], uses: Iterable[str] = ()) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check. `needs` names the artifacts without which it cannot give a verdict."""
    needed, used = tuple(needs), tuple(uses)
    unknown = [n for n in (*needed, *used) if n not in BY_NAME]
    if unknown:
        raise ValueError(f"{check_id}: unknown artifacts {unknown}")

    def register(function: CheckFunction) -> CheckFunction:
        if check_id in REGISTRY:
            raise ValueError(f"duplicate check id {check_id}")
        REGISTRY[check_id] = CheckDef(check_id, needed, function, function.__module__, used)
        return function

    return register


def _account_result(evidence: Evidence, status: Status, reason: str, file: str | None) -> ResourceResult:
    ref = EvidenceRef(file) if file else None
    return ResourceResult("account", evidence.account_id, status, reason, ref, evidence.account_id)


def run_check(definition: CheckDef, evidence: Evidence, settings: Settings) -> CheckResult:
    """ERROR, with the reason, when needed evidence is missing, denied or malformed; never PASS."""
    reasons = [r for r in (evidence.unavailable_reason(a) for a in definition.needs) if r]
    if reasons:
        file = BY_NAME[definition.needs[0]].filename
        return CheckResult(definition.check_id, (
            _account_result(evidence, Status.ERROR, "not assessed: " + "; ".join(reasons), file),))
    token = _ACCOUNT.set(evidence.account_id)
    try:
        results = tuple(definition.function(evidence, settings))
    except EvidenceUnavailable as exc:
        return CheckResult(definition.check_id, (
            _account_result(evidence, Status.ERROR, f"not assessed: {exc.reason}", BY_NAME[exc.artifact].filename),))
    except Exception as exc:  # a defect in one check must not hide the others, nor pass
        log.exception("check %s failed", definition.check_id)
        return CheckResult(definition.check_id, (
            _account_result(evidence, Status.ERROR, f"not assessed: internal error {type(exc).__name__}: {exc}", None),))
    finally:
        _ACCOUNT.reset(token)
    if not results:
        results = (_account_result(evidence, Status.NOT_APPLICABLE, "nothing in scope", None),)
    if not all(map(_account_of, results)):  # some built by hand rather than with the constructors below
        results = tuple(r if r.account_id else r._replace(account_id=evidence.account_id) for r in results)
    return CheckResult(definition.check_id, results)


def run_checks(evidence: Evidence, settings: Settings, check_ids: Iterable[str] | None = None) -> list[CheckResult]:
    load_all()
    ids = sorted(check_ids) if check_ids is not None else sorted(REGISTRY)
    return [run_check(REGISTRY[i], evidence, settings) for i in ids]


def load_all() -> dict[str, CheckDef]:
    from . import account, groups, password_policy, permissions, roles, root, users  # noqa: F401

    return REGISTRY


# The statuses as module constants: on Python 3.11, PASS goes through EnumType.__getattr__
# (a quarter of a microsecond), and checks name a status for each of hundreds of thousands of results.
PASS, FAIL, ERROR, NOT_APPLICABLE = Status.PASS, Status.FAIL, Status.ERROR, Status.NOT_APPLICABLE

# Small constructors so checks read as statements of fact. They build the records with tuple.__new__,
# fields in declaration order (see model.ResourceResult): checks build hundreds of thousands of them,
# and NamedTuple's keyword-aware constructor costs a third more.
_new = tuple.__new__


def _result(rtype: str, rid: str, status: Status, reason: str, evidence: EvidenceRef | None) -> ResourceResult:
    return _new(ResourceResult, (rtype, rid, status, reason, evidence, _ACCOUNT.get(), None, None))


def current_account() -> str:
    """The account the constructors stamp: for loops that build records with ``record`` below."""
    return _ACCOUNT.get()


def record(rtype: str, rid: str, status: Status, reason: str, evidence: EvidenceRef | None,
           account: str) -> ResourceResult:
    """A result whose EvidenceRef is built once and shared (one per permission set, or per principal
    for every check that points at it): for the loops over tens of thousands of principals."""
    return _new(ResourceResult, (rtype, rid, status, reason, evidence, account, None, None))


def ref(file: str, pointer: str | None = None) -> EvidenceRef:
    """An EvidenceRef to share between results (see ``record``)."""
    return _new(EvidenceRef, (file, pointer))


def passed(rtype: str, rid: str, reason: str, file: str, pointer: str | None = None) -> ResourceResult:
    return _result(rtype, rid, PASS, reason, _new(EvidenceRef, (file, pointer)))


def failed(rtype: str, rid: str, reason: str, file: str, pointer: str | None = None) -> ResourceResult:
    return _result(rtype, rid, FAIL, reason, _new(EvidenceRef, (file, pointer)))


def errored(rtype: str, rid: str, reason: str, file: str, pointer: str | None = None) -> ResourceResult:
    return _result(rtype, rid, ERROR, reason, _new(EvidenceRef, (file, pointer)))


def not_applicable(rtype: str, rid: str, reason: str, file: str | None = None,
                   pointer: str | None = None) -> ResourceResult:
    return _result(rtype, rid, NOT_APPLICABLE, reason, _new(EvidenceRef, (file, pointer)) if file else None)


def verdict(condition_failed: bool, rtype: str, rid: str, fail_reason: str, pass_reason: str,
            file: str, pointer: str | None = None) -> ResourceResult:
    if condition_failed:
        return _result(rtype, rid, FAIL, fail_reason, _new(EvidenceRef, (file, pointer)))
    return _result(rtype, rid, PASS, pass_reason, _new(EvidenceRef, (file, pointer)))
