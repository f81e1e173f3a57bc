"""Account password policy, one check per rule (CIS 1.8–1.9, Security Hub IAM.10–IAM.17).

No password policy (AWS answered NoSuchEntity) is a FAIL of every rule: the AWS default applies.
Not having collected it is an ERROR (the engine's `needs`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..evidence import Evidence
from ..model import ResourceResult
from ..settings import Settings
from .registry import check, verdict

FILE = "get-account-password-policy.json"
NO_POLICY = "no password policy configured: the AWS default applies (8 characters, no complexity, no reuse limit)"


def _rule(evidence: Evidence, test: Callable[[dict[str, Any]], tuple[bool, str, str]], field: str) -> Iterator[ResourceResult]:
    policy = evidence.password_policy
    rid = evidence.account_id
    if policy is None:
        yield verdict(True, "account", rid, NO_POLICY, "", FILE)
        return
    failing, fail_reason, pass_reason = test(policy)
    yield verdict(failing, "account", rid, fail_reason, pass_reason, FILE, f"/PasswordPolicy/{field}")


def _number(policy: dict[str, Any], field: str) -> int:
    value = policy.get(field)
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def _flag(policy: dict[str, Any], field: str) -> bool:
    return str(policy.get(field, "")).lower() == "true"


@check("password_policy_not_configured", needs=["password_policy"])
def password_policy_not_configured(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    policy = evidence.password_policy
    yield verdict(policy is None, "account", evidence.account_id, NO_POLICY, "a password policy is configured", FILE)


@check("password_min_length_too_short", needs=["password_policy"])
def password_min_length_too_short(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    need = settings.password_min_length

    def test(policy: dict[str, Any]) -> tuple[bool, str, str]:
        length = _number(policy, "MinimumPasswordLength")
        return length < need, f"minimum length {length}, below {need}", f"minimum length {length} (at least {need})"

    yield from _rule(evidence, test, "MinimumPasswordLength")


@check("password_reuse_prevention_too_low", needs=["password_policy"])
def password_reuse_prevention_too_low(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    need = settings.password_reuse_prevention

    def test(policy: dict[str, Any]) -> tuple[bool, str, str]:
        reuse = _number(policy, "PasswordReusePrevention")
        shown = reuse if "PasswordReusePrevention" in policy else "not set"
        return reuse < need, f"reuse prevention {shown}, below {need}", f"reuse prevention {reuse} (at least {need})"

    yield from _rule(evidence, test, "PasswordReusePrevention")


def _requirement(field: str, words: str, fail: str = "{} not required",
                 ok: str = "{} required") -> Callable[[Evidence, Settings], Iterator[ResourceResult]]:
    def run(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
        def test(policy: dict[str, Any]) -> tuple[bool, str, str]:
            return not _flag(policy, field), fail.format(words), ok.format(words)

        yield from _rule(evidence, test, field)

    return run


check("password_uppercase_not_required", needs=["password_policy"])(
    _requirement("RequireUppercaseCharacters", "an upper-case letter"))
check("password_lowercase_not_required", needs=["password_policy"])(
    _requirement("RequireLowercaseCharacters", "a lower-case letter"))
check("password_symbols_not_required", needs=["password_policy"])(_requirement("RequireSymbols", "a symbol"))
check("password_numbers_not_required", needs=["password_policy"])(_requirement("RequireNumbers", "a number"))
check("password_change_by_users_not_allowed", needs=["password_policy"])(
    _requirement("AllowUsersToChangePassword", "their own password", "users cannot change {}", "users may change {}"))


@check("password_expiry_too_long", needs=["password_policy"])
def password_expiry_too_long(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    limit = settings.password_max_age_days

    def test(policy: dict[str, Any]) -> tuple[bool, str, str]:
        age = _number(policy, "MaxPasswordAge")
        if not age:
            return True, f"passwords never expire (limit {limit} days)", ""
        return age > limit, f"passwords expire after {age} days (limit {limit})", f"passwords expire after {age} days"

    yield from _rule(evidence, test, "MaxPasswordAge")
