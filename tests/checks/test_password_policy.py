"""Password policy rules: one check per rule; NoSuchEntity fails every rule, not collecting it is ERROR."""

from __future__ import annotations

import pytest

from compliance_kit.model import Status

from .conftest import ACCESS_DENIED, ACCOUNT, NO_POLICY, make_evidence, only, result, with_threshold

STRONG = {
    "MinimumPasswordLength": 14,
    "RequireSymbols": True,
    "RequireNumbers": True,
    "RequireUppercaseCharacters": True,
    "RequireLowercaseCharacters": True,
    "AllowUsersToChangePassword": True,
    "ExpirePasswords": True,
    "MaxPasswordAge": 90,
    "PasswordReusePrevention": 24,
    "HardExpiry": False,
}
# What `aws iam get-account-password-policy` prints for a policy made with only --minimum-password-length 8
WEAK = {
    "MinimumPasswordLength": 8,
    "RequireSymbols": False,
    "RequireNumbers": False,
    "RequireUppercaseCharacters": False,
    "RequireLowercaseCharacters": False,
    "AllowUsersToChangePassword": False,
    "ExpirePasswords": False,
}

RULES = [
    # check id, field the failing result points to, words of the failing reason for WEAK
    ("password_min_length_too_short", "MinimumPasswordLength", "minimum length 8, below 14"),
    ("password_reuse_prevention_too_low", "PasswordReusePrevention", "reuse prevention not set, below 24"),
    ("password_uppercase_not_required", "RequireUppercaseCharacters", "an upper-case letter not required"),
    ("password_lowercase_not_required", "RequireLowercaseCharacters", "a lower-case letter not required"),
    ("password_symbols_not_required", "RequireSymbols", "a symbol not required"),
    ("password_numbers_not_required", "RequireNumbers", "a number not required"),
    ("password_change_by_users_not_allowed", "AllowUsersToChangePassword", "users cannot change their own password"),
    ("password_expiry_too_long", "MaxPasswordAge", "passwords never expire (limit 90 days)"),
]
ALL_IDS = ["password_policy_not_configured", *(r[0] for r in RULES)]


def policy(tmp_path, **fields):
    return make_evidence(tmp_path, password_policy={**STRONG, **fields})


@pytest.fixture(scope="module")
def strong(tmp_path_factory):
    return make_evidence(tmp_path_factory.mktemp("strong"), password_policy=STRONG)


@pytest.fixture(scope="module")
def weak(tmp_path_factory):
    return make_evidence(tmp_path_factory.mktemp("weak"), password_policy=WEAK)


@pytest.fixture(scope="module")
def absent(tmp_path_factory):
    return make_evidence(tmp_path_factory.mktemp("absent"), password_policy=NO_POLICY)


@pytest.mark.parametrize("check_id", ALL_IDS)
def test_strong_policy_passes_every_rule(strong, check_id):
    res = only(result(strong, check_id))
    assert res.status is Status.PASS
    assert res.resource_id == ACCOUNT


@pytest.mark.parametrize(("check_id", "field", "reason"), RULES)
def test_weak_policy_fails_each_rule_with_its_reason(weak, check_id, field, reason):
    res = only(result(weak, check_id))
    assert res.status is Status.FAIL
    assert res.reason == reason
    assert res.evidence.file == "get-account-password-policy.json"
    assert res.evidence.pointer == f"/PasswordPolicy/{field}"


def test_weak_policy_is_still_a_configured_policy(weak):
    res = only(result(weak, "password_policy_not_configured"))
    assert res.status is Status.PASS and res.reason == "a password policy is configured"


@pytest.mark.parametrize("check_id", ALL_IDS)
def test_no_such_entity_fails_every_rule(absent, check_id):
    res = only(result(absent, check_id))
    assert res.status is Status.FAIL
    assert "no password policy configured" in res.reason and "AWS default" in res.reason


@pytest.mark.parametrize("check_id", ALL_IDS)
def test_policy_not_collected_is_error_never_fail_or_pass(tmp_path, check_id):
    ev = make_evidence(tmp_path, credential_rows=[])
    res = only(result(ev, check_id))
    assert res.status is Status.ERROR
    assert "get-account-password-policy.json: not collected" in res.reason


@pytest.mark.parametrize("check_id", ["password_policy_not_configured", "password_min_length_too_short"])
def test_policy_access_denied_is_error(tmp_path, check_id):
    ev = make_evidence(tmp_path, password_policy=ACCESS_DENIED)
    res = only(result(ev, check_id))
    assert res.status is Status.ERROR
    assert "access denied" in res.reason and "AccessDeniedException" in res.reason


def test_minimum_length_at_the_threshold_passes_one_below_fails(tmp_path):
    assert only(result(policy(tmp_path / "a", MinimumPasswordLength=14), "password_min_length_too_short")).status \
        is Status.PASS
    res = only(result(policy(tmp_path / "b", MinimumPasswordLength=13), "password_min_length_too_short"))
    assert res.status is Status.FAIL and res.reason == "minimum length 13, below 14"


def test_minimum_length_threshold_override(tmp_path):
    ev = policy(tmp_path, MinimumPasswordLength=12)
    assert only(result(ev, "password_min_length_too_short")).status is Status.FAIL
    res = only(result(ev, "password_min_length_too_short", with_threshold(password_min_length=12)))
    assert res.status is Status.PASS and "at least 12" in res.reason


def test_reuse_prevention_below_24_fails(tmp_path):
    res = only(result(policy(tmp_path, PasswordReusePrevention=23), "password_reuse_prevention_too_low"))
    assert res.status is Status.FAIL and res.reason == "reuse prevention 23, below 24"
    lowered = with_threshold(password_reuse_prevention=5)
    assert only(result(policy(tmp_path / "b", PasswordReusePrevention=5), "password_reuse_prevention_too_low",
                       lowered)).status is Status.PASS


def test_expiry_at_90_days_passes_91_fails(tmp_path):
    assert only(result(policy(tmp_path / "a", MaxPasswordAge=90), "password_expiry_too_long")).status is Status.PASS
    res = only(result(policy(tmp_path / "b", MaxPasswordAge=91), "password_expiry_too_long"))
    assert res.status is Status.FAIL and res.reason == "passwords expire after 91 days (limit 90)"
    assert only(result(policy(tmp_path / "b2", MaxPasswordAge=91), "password_expiry_too_long",
                       with_threshold(password_max_age_days=180))).status is Status.PASS


def test_expiry_absent_means_never_expires(tmp_path):
    fields = {k: v for k, v in STRONG.items() if k not in ("MaxPasswordAge", "ExpirePasswords")}
    ev = make_evidence(tmp_path, password_policy={**fields, "ExpirePasswords": False})
    res = only(result(ev, "password_expiry_too_long"))
    assert res.status is Status.FAIL and "never expire" in res.reason


@pytest.mark.parametrize("check_id, field", [(r[0], r[1]) for r in RULES if r[1].startswith(("Require", "Allow"))])
def test_requirement_absent_from_the_policy_fails(tmp_path, check_id, field):
    ev = make_evidence(tmp_path, password_policy={k: v for k, v in STRONG.items() if k != field})
    assert only(result(ev, check_id)).status is Status.FAIL
