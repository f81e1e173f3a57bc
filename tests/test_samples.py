"""The bundled sample account: the planted findings of samples/README.md come out as planted."""

from __future__ import annotations

import json

import pytest
from conftest import REPO, SAMPLES

ACCOUNT = "arn:aws:iam::210987654321:"
PLANTED_FAILS = {
    "user_console_without_mfa": {"user/kevin.marsh", "user/shared-ops"},
    "access_key_not_rotated": {"user/ethan.brooks (access key 1)", "user/ci-deployer (access key 1)"},
    "access_key_unused": {"user/svc-backup-reporter (access key 1)"},
    "user_password_unused": {"user/hannah.schmidt"},
    "user_has_multiple_active_keys": {"user/li.wei"},
    "user_has_attached_policies": {"user/laura.chen", "user/rachel.thompson.ext"},
    "user_has_inline_policies": {"user/svc-etl-loader", "user/rachel.thompson.ext"},
    "user_not_in_group": {"user/rachel.thompson.ext"},
    "user_appears_shared": {"user/shared-ops"},
    "customer_policy_allows_full_admin": {"policy/OpsFullAccess"},
    "customer_policy_unused": {"policy/TempVendorUploadAccess"},
    "role_oidc_trust_without_subject_condition": {"role/ci/github-actions-legacy"},
    "role_trust_cross_account_without_external_id": {"role/PartnerAnalyticsAccess"},
    "role_unused": {"role/legacy-reporting-role", "role/service-role/sagemaker-poc-role"},
    "iam_delegation_without_permissions_boundary": {"role/ci/terraform-apply"},
    "privileged_role_trust_without_mfa": {"role/OrganizationAccountAccessRole"},
}
PLANTED_PASS_CHECKS = {
    "root_has_active_access_keys", "root_without_mfa", "root_without_hardware_mfa", "root_used_recently",
    "break_glass_role_missing", "support_role_missing", "federation_not_configured",
    "cloudtrail_multi_region_not_logging", "cloudtrail_log_validation_disabled", "cloudtrail_not_encrypted_with_kms",
    "organization_scps_missing", "group_empty", "group_has_inline_policies", "password_policy_not_configured",
}


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict:
    import os

    from compliance_kit.cli import main

    out = tmp_path_factory.mktemp("samples") / "results.json"
    os.environ["SOURCE_DATE_EPOCH"] = "1794268800"
    try:
        main(["assess", str(SAMPLES), "--out", str(out), "--quiet",
              "--exceptions", str(REPO / "samples/exceptions.yaml")])
    except SystemExit as exc:
        assert not exc.code
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
    return json.loads(out.read_text())


def _failing(results: dict, check_id: str) -> set[str]:
    check = next(c for c in results["checks"] if c["id"] == check_id)
    return {r["id"].removeprefix(ACCOUNT) for r in check["resources"] if r["status"] in ("FAIL", "WAIVED")}


@pytest.mark.parametrize("check_id", sorted(PLANTED_FAILS))
def test_planted_failures(results, check_id):
    assert PLANTED_FAILS[check_id] <= _failing(results, check_id)


@pytest.mark.parametrize("check_id", sorted(PLANTED_PASS_CHECKS))
def test_clean_areas_pass(results, check_id):
    check = next(c for c in results["checks"] if c["id"] == check_id)
    assert check["status"] == "PASS", [r for r in check["resources"] if r["status"] != "PASS"]


def test_traps_that_must_not_fail(results):
    assert "user/rachel.thompson.ext" not in _failing(results, "principal_can_exfiltrate_data")  # inline Deny
    assert "user/marcus.johnson (access key 2)" not in _failing(results, "access_key_not_rotated")
    assert "user/marcus.johnson (access key 1)" not in _failing(results, "access_key_not_rotated")  # inactive
    assert "policy/NorthwindWorkloadBoundary" not in _failing(results, "customer_policy_unused")  # used as boundary
    assert "policy/CIDeployPolicy" not in _failing(results, "customer_policy_allows_full_admin")  # old version
    assert "policy/EnforceMFA" not in _failing(results, "policy_allows_notaction")  # Deny + NotAction


def test_access_analyzer_regions(results):
    check = next(c for c in results["checks"] if c["id"] == "access_analyzer_not_enabled")
    by_region = {r["id"]: r["status"] for r in check["resources"]}
    assert by_region == {"us-east-1": "PASS", "eu-west-1": "FAIL", "us-east-2": "ERROR", "us-west-2": "ERROR"}
    findings = _failing(results, "access_analyzer_has_active_findings")
    assert len(findings) == 3  # archived findings do not count


def test_waiver_and_session_length(results):
    check = next(c for c in results["checks"] if c["id"] == "access_key_not_rotated")
    waived = [r["id"] for r in check["resources"] if r["status"] == "WAIVED"]
    assert waived == [ACCOUNT + "user/svc-legacy-billing (access key 1)"]
    assert "role/Okta-PlatformAdmin" in _failing(results, "privileged_role_session_too_long")
