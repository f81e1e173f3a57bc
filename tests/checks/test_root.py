"""Root user checks, from the credential report's <root_account> row and the account summary."""

from __future__ import annotations

from compliance_kit.model import Status

from .conftest import (
    ACCOUNT,
    NO_KEY_1,
    ago,
    cred_row,
    iso_z,
    make_evidence,
    mfa_device,
    only,
    result,
    root_row,
    user_arn,
    with_threshold,
)

ROOT_ARN = f"arn:aws:iam::{ACCOUNT}:root"


def root_only(tmp_path, **overrides):
    return make_evidence(tmp_path, credential_rows=[root_row(**overrides), cred_row("alice")])


# root_has_active_access_keys -----------------------------------------------------------------


def test_root_without_keys_passes(tmp_path):
    res = only(result(root_only(tmp_path), "root_has_active_access_keys"))
    assert res.status is Status.PASS
    assert res.resource_id == ROOT_ARN
    assert res.evidence.file == "credential-report.csv" and res.evidence.pointer == "row 2"


def test_root_with_an_active_second_key_fails(tmp_path):
    ev = root_only(tmp_path, access_key_2_active="true", access_key_2_last_rotated=ago(400))
    res = only(result(ev, "root_has_active_access_keys"))
    assert res.status is Status.FAIL
    assert "active access key(s) 2" in res.reason


def test_root_inactive_key_is_ignored(tmp_path):
    ev = root_only(tmp_path, access_key_1_active="false", access_key_1_last_rotated=ago(3000),
                   access_key_1_last_used_date=ago(2000))
    assert only(result(ev, "root_has_active_access_keys")).status is Status.PASS


def test_root_upper_case_true_counts_as_active(tmp_path):
    ev = root_only(tmp_path, access_key_1_active="TRUE", access_key_1_last_rotated=ago(30))
    assert only(result(ev, "root_has_active_access_keys")).status is Status.FAIL


def test_report_without_root_row_is_error_for_every_row_based_root_check(tmp_path):
    ev = make_evidence(tmp_path, credential_rows=[cred_row("alice")])
    for check_id in ("root_has_active_access_keys", "root_without_mfa", "root_used_recently",
                     "root_has_active_signing_certificates"):
        res = only(result(ev, check_id))
        assert res.status is Status.ERROR, check_id
        assert "<root_account>" in res.reason


# root_without_mfa ----------------------------------------------------------------------------


def test_root_with_mfa_passes(tmp_path):
    res = only(result(root_only(tmp_path), "root_without_mfa"))
    assert res.status is Status.PASS and "MFA enabled" in res.reason


def test_root_without_mfa_fails(tmp_path):
    res = only(result(root_only(tmp_path, mfa_active="false"), "root_without_mfa"))
    assert res.status is Status.FAIL
    assert res.reason == "root user has no MFA device"


def test_user_without_mfa_does_not_make_root_fail(tmp_path):
    ev = make_evidence(tmp_path, credential_rows=[root_row(), cred_row("bob", mfa_active="false")])
    assert only(result(ev, "root_without_mfa")).status is Status.PASS


# root_without_hardware_mfa -------------------------------------------------------------------


def test_root_mfa_without_virtual_device_is_hardware_and_passes(tmp_path):
    ev = make_evidence(tmp_path, summary={"AccountMFAEnabled": 1},
                       mfa_devices=[mfa_device("alice", user_arn("alice"))])
    res = only(result(ev, "root_without_hardware_mfa"))
    assert res.status is Status.PASS
    assert "hardware" in res.reason


def test_root_with_virtual_mfa_device_fails(tmp_path):
    ev = make_evidence(tmp_path, summary={"AccountMFAEnabled": 1},
                       mfa_devices=[mfa_device("alice", user_arn("alice")), mfa_device("root-account-mfa-device", ROOT_ARN)])
    res = only(result(ev, "root_without_hardware_mfa"))
    assert res.status is Status.FAIL
    assert f"arn:aws:iam::{ACCOUNT}:mfa/root-account-mfa-device" in res.reason
    assert res.evidence.file == "list-virtual-mfa-devices.json" and res.evidence.pointer == "/VirtualMFADevices/1"


def test_root_without_any_mfa_fails_hardware_check(tmp_path):
    ev = make_evidence(tmp_path, summary={"AccountMFAEnabled": 0}, mfa_devices=[])
    res = only(result(ev, "root_without_hardware_mfa"))
    assert res.status is Status.FAIL
    assert "AccountMFAEnabled 0" in res.reason


def test_hardware_mfa_check_errors_without_the_mfa_device_list(tmp_path):
    ev = make_evidence(tmp_path, summary={"AccountMFAEnabled": 1})
    res = only(result(ev, "root_without_hardware_mfa"))
    assert res.status is Status.ERROR
    assert "list-virtual-mfa-devices.json" in res.reason


# root_used_recently --------------------------------------------------------------------------


def test_root_password_used_89_days_ago_fails(tmp_path):
    used = ago(89)
    res = only(result(root_only(tmp_path, password_last_used=used), "root_used_recently"))
    assert res.status is Status.FAIL
    assert f"password on {iso_z(used)}" in res.reason
    assert "within 90 days" in res.reason


def test_root_password_used_exactly_90_days_ago_passes(tmp_path):
    res = only(result(root_only(tmp_path, password_last_used=ago(90)), "root_used_recently"))
    assert res.status is Status.PASS
    assert "not used in the 90 days" in res.reason


def test_root_key_use_counts_as_use(tmp_path):
    ev = root_only(tmp_path, access_key_2_active="false", access_key_2_last_rotated=ago(800),
                   access_key_2_last_used_date=ago(10))
    res = only(result(ev, "root_used_recently"))
    assert res.status is Status.FAIL
    assert "access key 2 on" in res.reason


def test_root_never_used_placeholders_pass(tmp_path):
    for index, placeholder in enumerate(("no_information", "N/A", "not_supported")):
        ev = make_evidence(tmp_path / str(index), credential_rows=[root_row(password_last_used=placeholder)])
        assert only(result(ev, "root_used_recently")).status is Status.PASS, placeholder


def test_root_recent_use_threshold_can_be_lowered(tmp_path):
    ev = root_only(tmp_path, password_last_used=ago(45))
    assert only(result(ev, "root_used_recently")).status is Status.FAIL
    res = only(result(ev, "root_used_recently", with_threshold(root_recent_use_days=30)))
    assert res.status is Status.PASS and "30 days" in res.reason


# root_has_active_signing_certificates --------------------------------------------------------


def test_root_without_certificates_passes(tmp_path):
    res = only(result(root_only(tmp_path), "root_has_active_signing_certificates"))
    assert res.status is Status.PASS


def test_root_with_active_certificate_fails(tmp_path):
    ev = root_only(tmp_path, cert_1_active="true", cert_1_last_rotated="2008-06-25T02:07:10+00:00")
    res = only(result(ev, "root_has_active_signing_certificates"))
    assert res.status is Status.FAIL
    assert "signing certificate(s) 1" in res.reason


def test_root_inactive_certificate_passes(tmp_path):
    ev = root_only(tmp_path, cert_2_active="false", cert_2_last_rotated="2008-06-25T02:07:10+00:00")
    assert only(result(ev, "root_has_active_signing_certificates")).status is Status.PASS


def test_root_row_written_in_2025_style_is_read(tmp_path):
    """Reports from 2025 on: `Z` timestamps and root password_enabled `true`."""
    ev = make_evidence(tmp_path, credential_rows=[root_row(
        password_enabled="true", password_last_used="2026-10-20T08:00:00Z", **NO_KEY_1)])
    assert only(result(ev, "root_used_recently")).status is Status.FAIL
    assert only(result(ev, "root_has_active_access_keys")).status is Status.PASS
