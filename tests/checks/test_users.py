"""IAM user checks: credentials (credential report) and permission layout (authorization details)."""

from __future__ import annotations

from pathlib import Path

from compliance_kit.checks.users import SHARED_TOKENS
from compliance_kit.model import Status

from .conftest import (
    CREDENTIAL_HEADER_LINE,
    NO_KEY_1,
    NO_PASSWORD,
    READ_ONLY,
    READ_ONLY_POLICY,
    ago,
    allow,
    cred_row,
    doc,
    group_entry,
    iso_z,
    make_evidence,
    only,
    resource,
    result,
    root_row,
    user_arn,
    user_entry,
    with_threshold,
)


def rows(tmp_path, *credential_rows):
    """A credential report with the root row first (checks on users must ignore it)."""
    return make_evidence(tmp_path, credential_rows=[root_row(mfa_active="false"), *credential_rows])


# user_console_without_mfa --------------------------------------------------------------------


def test_console_user_with_mfa_passes_and_without_fails(tmp_path):
    ev = rows(tmp_path, cred_row("alice"), cred_row("bob", mfa_active="false"))
    res = result(ev, "user_console_without_mfa")
    assert resource(res, "user/alice").status is Status.PASS
    bob = resource(res, "user/bob")
    assert bob.status is Status.FAIL and bob.reason == "console password without MFA"
    assert bob.evidence.pointer == "row 4"
    assert len(res.resources) == 2  # root is not an IAM user


def test_console_mfa_check_ignores_users_without_password(tmp_path):
    ev = rows(tmp_path, cred_row("svc-build", mfa_active="false", **NO_PASSWORD))
    res = result(ev, "user_console_without_mfa")
    assert res.status is Status.NOT_APPLICABLE
    assert only(res).reason == "nothing in scope"


def test_console_mfa_check_reads_upper_case_booleans(tmp_path):
    ev = rows(tmp_path, cred_row("carol", password_enabled="TRUE", mfa_active="FALSE"))
    assert only(result(ev, "user_console_without_mfa")).status is Status.FAIL


# user_without_mfa ----------------------------------------------------------------------------


def test_every_user_needs_mfa_including_programmatic_ones(tmp_path):
    ev = rows(tmp_path, cred_row("alice"), cred_row("svc-build", mfa_active="false", **NO_PASSWORD))
    res = result(ev, "user_without_mfa")
    assert resource(res, "user/alice").status is Status.PASS
    svc = resource(res, "user/svc-build")
    assert svc.status is Status.FAIL and svc.reason == "no MFA device"
    assert all("root" not in r.resource_id for r in res.resources)


# access_key_not_rotated ----------------------------------------------------------------------


def test_key_of_exactly_90_days_passes_and_91_fails(tmp_path):
    ev = rows(tmp_path, cred_row("ninety", access_key_1_last_rotated=ago(90)),
              cred_row("ninetyone", access_key_1_last_rotated=ago(91)))
    res = result(ev, "access_key_not_rotated")
    ok = resource(res, "user/ninety ")
    assert ok.status is Status.PASS and "90 days old" in ok.reason
    old = resource(res, "user/ninetyone ")
    assert old.status is Status.FAIL
    assert "91 days old" in old.reason and "limit 90" in old.reason
    assert old.resource_id == f"{user_arn('ninetyone')} (access key 1)"


def test_key_age_is_measured_from_collection_not_today(tmp_path):
    """The same 91-day-old key collected 2 days earlier is 89 days old."""
    ev = make_evidence(tmp_path, credential_rows=[cred_row("alice", access_key_1_last_rotated=ago(91))],
                       collected_at="2026-10-30T00:00:00Z")
    res = only(result(ev, "access_key_not_rotated"))
    assert res.status is Status.PASS and "89 days old" in res.reason


def test_inactive_old_key_is_ignored(tmp_path):
    ev = rows(tmp_path, cred_row("alice", access_key_1_active="false", access_key_1_last_rotated=ago(900)))
    assert result(ev, "access_key_not_rotated").status is Status.NOT_APPLICABLE


def test_second_key_slot_is_assessed(tmp_path):
    ev = rows(tmp_path, cred_row("alice", access_key_2_active="true", access_key_2_last_rotated=ago(200),
                                 access_key_2_last_used_date=ago(1)))
    res = result(ev, "access_key_not_rotated")
    assert resource(res, "(access key 1)").status is Status.PASS
    second = resource(res, "(access key 2)")
    assert second.status is Status.FAIL and "200 days old" in second.reason


def test_key_age_threshold_override(tmp_path):
    ev = rows(tmp_path, cred_row("alice", access_key_1_last_rotated=ago(31)))
    assert only(result(ev, "access_key_not_rotated")).status is Status.PASS
    res = only(result(ev, "access_key_not_rotated", with_threshold(access_key_max_age_days=30)))
    assert res.status is Status.FAIL and "limit 30" in res.reason


def test_active_key_without_rotation_date_is_error(tmp_path):
    ev = rows(tmp_path, cred_row("alice", access_key_1_last_rotated="N/A"))
    res = only(result(ev, "access_key_not_rotated"))
    assert res.status is Status.ERROR and "last_rotated" in res.reason


# user_password_unused ------------------------------------------------------------------------


def test_password_used_44_days_ago_passes_and_45_fails(tmp_path):
    ev = rows(tmp_path, cred_row("recent", password_last_used=ago(44)),
              cred_row("stale", password_last_used=ago(45)))
    res = result(ev, "user_password_unused")
    assert resource(res, "user/recent").status is Status.PASS
    stale = resource(res, "user/stale")
    assert stale.status is Status.FAIL
    assert "45 days before collection" in stale.reason and "limit 45" in stale.reason


def test_password_never_used_and_set_long_ago_fails(tmp_path):
    ev = rows(tmp_path, cred_row("kaleb", password_last_used="no_information", password_last_changed=ago(100)))
    res = only(result(ev, "user_password_unused"))
    assert res.status is Status.FAIL
    assert "never used" in res.reason and "100 days" in res.reason


def test_password_never_used_but_set_recently_passes(tmp_path):
    ev = rows(tmp_path, cred_row("newbie", password_last_used="N/A", password_last_changed=ago(10)))
    res = only(result(ev, "user_password_unused"))
    assert res.status is Status.PASS and "10 days" in res.reason


def test_password_never_used_falls_back_to_user_creation(tmp_path):
    ev = rows(tmp_path, cred_row("old", password_last_used="no_information", password_last_changed="N/A",
                                 user_creation_time=ago(60)))
    res = only(result(ev, "user_password_unused"))
    assert res.status is Status.FAIL and "60 days" in res.reason


def test_password_check_skips_users_without_password(tmp_path):
    ev = rows(tmp_path, cred_row("svc", **NO_PASSWORD))
    assert result(ev, "user_password_unused").status is Status.NOT_APPLICABLE


def test_unused_threshold_override_for_passwords(tmp_path):
    ev = rows(tmp_path, cred_row("alice", password_last_used=ago(60)))
    assert only(result(ev, "user_password_unused")).status is Status.FAIL
    assert only(result(ev, "user_password_unused", with_threshold(credential_unused_days=90))).status is Status.PASS


# access_key_unused ---------------------------------------------------------------------------


def test_key_used_44_days_ago_passes_and_45_fails(tmp_path):
    used = ago(45)
    ev = rows(tmp_path, cred_row("recent", access_key_1_last_used_date=ago(44), access_key_1_last_rotated=ago(80)),
              cred_row("idle", access_key_1_last_used_date=used, access_key_1_last_rotated=ago(80)))
    res = result(ev, "access_key_unused")
    assert resource(res, "user/recent ").status is Status.PASS
    idle = resource(res, "user/idle ")
    assert idle.status is Status.FAIL
    assert f"last used {iso_z(used)}" in idle.reason and "idle 45 days" in idle.reason


def test_key_never_used_is_measured_from_creation(tmp_path):
    ev = rows(tmp_path, cred_row("old", access_key_1_last_used_date="N/A", access_key_1_last_rotated=ago(50)),
              cred_row("new", access_key_1_last_used_date="N/A", access_key_1_last_rotated=ago(5)))
    res = result(ev, "access_key_unused")
    old = resource(res, "user/old ")
    assert old.status is Status.FAIL and "never used" in old.reason and "idle 50 days" in old.reason
    assert resource(res, "user/new ").status is Status.PASS


def test_unused_inactive_key_is_ignored(tmp_path):
    ev = rows(tmp_path, cred_row("alice", access_key_1_active="false", access_key_1_last_used_date=ago(400),
                                 access_key_1_last_rotated=ago(500)))
    assert result(ev, "access_key_unused").status is Status.NOT_APPLICABLE


def test_active_key_without_any_date_is_error(tmp_path):
    ev = rows(tmp_path, cred_row("alice", access_key_1_last_used_date="N/A", access_key_1_last_rotated="N/A"))
    assert only(result(ev, "access_key_unused")).status is Status.ERROR


def test_unused_threshold_override_for_keys(tmp_path):
    ev = rows(tmp_path, cred_row("alice", access_key_1_last_used_date=ago(20), access_key_1_last_rotated=ago(50)))
    assert only(result(ev, "access_key_unused")).status is Status.PASS
    res = only(result(ev, "access_key_unused", with_threshold(credential_unused_days=20)))
    assert res.status is Status.FAIL and "limit 20" in res.reason


# user_has_multiple_active_keys ---------------------------------------------------------------


def test_two_active_keys_fail_one_active_one_inactive_passes(tmp_path):
    ev = rows(tmp_path,
              cred_row("two", access_key_2_active="true", access_key_2_last_rotated=ago(3)),
              cred_row("one", access_key_2_active="false", access_key_2_last_rotated=ago(300)))
    res = result(ev, "user_has_multiple_active_keys")
    two = resource(res, "user/two")
    assert two.status is Status.FAIL and two.reason == "2 active access keys"
    one = resource(res, "user/one")
    assert one.status is Status.PASS and "1 active" in one.reason


# access_key_created_at_user_setup ------------------------------------------------------------


def test_unused_key_created_with_console_user_fails(tmp_path):
    created = ago(30)
    ev = rows(tmp_path, cred_row("alice", user_creation_time=created, access_key_1_last_rotated=ago(30, seconds=-2),
                                 access_key_1_last_used_date="N/A"))
    res = only(result(ev, "access_key_created_at_user_setup"))
    assert res.status is Status.FAIL
    assert iso_z(created) in res.reason and "never used" in res.reason


def test_key_created_at_setup_but_used_passes(tmp_path):
    ev = rows(tmp_path, cred_row("alice", user_creation_time=ago(30), access_key_1_last_rotated=ago(30, seconds=-2),
                                 access_key_1_last_used_date=ago(1)))
    assert only(result(ev, "access_key_created_at_user_setup")).status is Status.PASS


def test_key_setup_window_is_inclusive_at_300_seconds(tmp_path):
    ev = rows(tmp_path,
              cred_row("edge", user_creation_time=ago(30), access_key_1_last_rotated=ago(30, seconds=-300),
                       access_key_1_last_used_date="N/A"),
              cred_row("later", user_creation_time=ago(30), access_key_1_last_rotated=ago(30, seconds=-301),
                       access_key_1_last_used_date="N/A"))
    res = result(ev, "access_key_created_at_user_setup")
    assert resource(res, "user/edge ").status is Status.FAIL
    assert resource(res, "user/later ").status is Status.PASS
    wider = result(ev, "access_key_created_at_user_setup", with_threshold(key_setup_window_seconds=3600))
    assert resource(wider, "user/later ").status is Status.FAIL


# console_user_has_access_keys ----------------------------------------------------------------


def test_console_user_with_active_key_fails_without_passes(tmp_path):
    ev = rows(tmp_path, cred_row("alice"), cred_row("bob", **NO_KEY_1),
              cred_row("carol", access_key_1_active="false"), cred_row("svc", **NO_PASSWORD))
    res = result(ev, "console_user_has_access_keys")
    alice = resource(res, "user/alice")
    assert alice.status is Status.FAIL and "1 active long-lived access key" in alice.reason
    assert resource(res, "user/bob").status is Status.PASS
    assert resource(res, "user/carol").status is Status.PASS  # inactive key ignored
    assert not [r for r in res.resources if "user/svc" in r.resource_id]  # no console password: out of scope


# workload_uses_iam_user ----------------------------------------------------------------------


def test_programmatic_user_with_key_fails(tmp_path):
    ev = rows(tmp_path, cred_row("svc-billing", mfa_active="false", **NO_PASSWORD),
              cred_row("svc-retired", **NO_PASSWORD, **NO_KEY_1), cred_row("alice"))
    res = result(ev, "workload_uses_iam_user")
    svc = resource(res, "user/svc-billing")
    assert svc.status is Status.FAIL and "programmatic-only user with 1 active access key" in svc.reason
    assert resource(res, "user/svc-retired").status is Status.PASS
    assert len(res.resources) == 2  # alice has a console password: a person, not a workload


# user_has_active_signing_certificates --------------------------------------------------------


def test_user_with_active_certificate_fails(tmp_path):
    ev = rows(tmp_path, cred_row("alice"), cred_row("legacy", cert_2_active="true", cert_2_last_rotated=ago(900)))
    res = result(ev, "user_has_active_signing_certificates")
    assert resource(res, "user/alice").status is Status.PASS
    legacy = resource(res, "user/legacy")
    assert legacy.status is Status.FAIL and "certificate(s) 2" in legacy.reason


# user_appears_shared -------------------------------------------------------------------------


def test_generic_names_fail_and_personal_names_pass(tmp_path):
    ev = rows(tmp_path, cred_row("shared-admin"), cred_row("test1"), cred_row("alice.smith"),
              cred_row("devon"), cred_row("svc-billing-exporter"))
    res = result(ev, "user_appears_shared")
    shared = resource(res, "user/shared-admin")
    assert shared.status is Status.FAIL and "(admin, shared)" in shared.reason
    assert resource(res, "user/test1").status is Status.FAIL
    assert resource(res, "user/alice.smith").status is Status.PASS
    assert resource(res, "user/devon").status is Status.PASS  # "dev" only as a whole word
    assert resource(res, "user/svc-billing-exporter").status is Status.PASS


def test_every_shared_token_fails_as_a_word_in_any_case(tmp_path):
    """Each token fails the user wherever it stands as a word: the names that hold no token as a
    substring are passed without being split into words (users._ANY_TOKEN), so it must know them all."""
    tokens = sorted(SHARED_TOKENS)
    names = [f"{i}x-{token.upper() if i % 2 else token}.y" for i, token in enumerate(tokens)]
    res = result(rows(tmp_path, *[cred_row(name) for name in names]), "user_appears_shared")
    for token, name in zip(tokens, names, strict=True):
        found = resource(res, f"user/{name}")
        assert found.status is Status.FAIL and found.reason.endswith(f"({token})"), (name, found.reason)


# user_has_attached_policies / user_has_inline_policies / user_not_in_group ---------------------


def authz(tmp_path):
    return make_evidence(
        tmp_path,
        users=[
            user_entry("alice", groups=["developers"]),
            user_entry("bob", attached=[READ_ONLY], inline={"bob-extra": doc(allow("s3:GetObject", "arn:aws:s3:::b/*"))}),
        ],
        groups=[group_entry("developers")],
        policies=[READ_ONLY_POLICY],
    )


def test_user_with_directly_attached_policy_fails(tmp_path):
    res = result(authz(tmp_path), "user_has_attached_policies")
    assert resource(res, "user/alice").status is Status.PASS
    bob = resource(res, "user/bob")
    assert bob.status is Status.FAIL and "ReadOnlyAccess" in bob.reason
    assert bob.evidence.pointer == "/UserDetailList/1/AttachedManagedPolicies/0"


def test_user_with_inline_policy_fails(tmp_path):
    res = result(authz(tmp_path), "user_has_inline_policies")
    assert resource(res, "user/alice").status is Status.PASS
    bob = resource(res, "user/bob")
    assert bob.status is Status.FAIL and bob.reason == "inline policies: bob-extra"


def test_user_outside_every_group_fails(tmp_path):
    res = result(authz(tmp_path), "user_not_in_group")
    alice = resource(res, "user/alice")
    assert alice.status is Status.PASS and "member of developers" in alice.reason
    bob = resource(res, "user/bob")
    assert bob.status is Status.FAIL and bob.reason == "member of no group"


def test_builder_writes_the_real_credential_report_header():
    real = Path(__file__).parent.parent / "fixtures" / "real" / "credential-report"
    for report in sorted(real.glob("*.csv")):
        assert report.read_text().splitlines()[0] == CREDENTIAL_HEADER_LINE, report.name
    assert len(CREDENTIAL_HEADER_LINE.split(",")) == 22
