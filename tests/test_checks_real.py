"""Checks against real exports (tests/fixtures/real): the verdicts a reader of those files expects."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CLOUDMAPPER, CUSTODIAN, FIXINVENTORY, REAL, copy_exports

from compliance_kit.checks.registry import REGISTRY, load_all, run_check
from compliance_kit.evidence.importer import build_evidence
from compliance_kit.evidence.loader import Evidence, from_import
from compliance_kit.model import Status
from compliance_kit.settings import Settings


def evidence_from(tmp_path: Path, files: dict[str, str], **options) -> Evidence:
    return from_import(build_evidence(copy_exports(tmp_path / "src", files), **options), "test")


def result(evidence: Evidence, check_id: str, settings: Settings | None = None):
    load_all()
    return run_check(REGISTRY[check_id], evidence, settings or Settings())


def status_of(evidence: Evidence, check_id: str, resource_fragment: str) -> Status:
    found = [r for r in result(evidence, check_id).resources if resource_fragment in r.resource_id]
    assert found, f"{resource_fragment} not among {check_id} resources"
    return found[0].status


@pytest.fixture
def custodian(tmp_path) -> Evidence:
    return evidence_from(tmp_path, CUSTODIAN)


@pytest.fixture
def cloudmapper(tmp_path) -> Evidence:
    return evidence_from(tmp_path, CLOUDMAPPER)


def test_root_with_2011_key_and_no_mfa_fails_both_root_checks(custodian):
    keys = result(custodian, "root_has_active_access_keys")
    assert keys.status is Status.FAIL and "key(s) 1" in keys.resources[0].reason
    assert keys.resources[0].evidence.file == "credential-report.csv"
    assert keys.resources[0].evidence.pointer == "row 2"
    assert result(custodian, "root_without_mfa").status is Status.FAIL
    assert result(custodian, "root_has_active_signing_certificates").status is Status.FAIL


def test_custodian_keys_never_used_are_unused(custodian):
    unused = result(custodian, "access_key_unused")
    failing = {r.resource_id.split("/")[-1].split(" ")[0] for r in unused.resources if r.status is Status.FAIL}
    assert {"charmworld", "Hazmat", "kaleb", "kapilt"} <= failing


def test_custodian_kaleb_password_never_used(custodian):
    assert status_of(custodian, "user_password_unused", "user/kaleb") is Status.FAIL


def test_custodian_password_policy_weak_rules_fail_each(custodian):
    for check_id in ("password_min_length_too_short", "password_reuse_prevention_too_low",
                     "password_symbols_not_required", "password_numbers_not_required",
                     "password_uppercase_not_required", "password_lowercase_not_required",
                     "password_expiry_too_long", "password_change_by_users_not_allowed"):
        assert result(custodian, check_id).status is Status.FAIL, check_id
    assert result(custodian, "password_policy_not_configured").status is Status.PASS


def test_stronger_password_policy_passes_its_rules(tmp_path):
    ev = evidence_from(tmp_path, {**CUSTODIAN, "pp.json": "password-policy/custodian-updated.json"})
    assert result(ev, "password_symbols_not_required").status is Status.PASS
    assert result(ev, "password_numbers_not_required").status is Status.PASS
    assert result(ev, "password_uppercase_not_required").status is Status.FAIL
    assert "12, below 14" in result(ev, "password_min_length_too_short").resources[0].reason
    ten = result(ev, "password_min_length_too_short", Settings().with_overrides({"password_min_length": 12}))
    assert ten.status is Status.PASS


def test_missing_password_policy_fails_but_uncollected_errors(tmp_path):
    files = {k: v for k, v in CUSTODIAN.items() if k != "pp.json"}
    not_collected = evidence_from(tmp_path / "a", files)
    assert result(not_collected, "password_min_length_too_short").status is Status.ERROR
    assert "not collected" in result(not_collected, "password_min_length_too_short").resources[0].reason
    none = evidence_from(tmp_path / "b", files, password_policy_not_configured=True)
    assert result(none, "password_policy_not_configured").status is Status.FAIL
    assert result(none, "password_min_length_too_short").status is Status.FAIL


def test_cloudmapper_bad_role_trusting_everyone_fails(cloudmapper):
    assert status_of(cloudmapper, "role_trust_allows_any_principal", "role/bad_role") is Status.FAIL
    assert status_of(cloudmapper, "role_trust_allows_any_principal", "role/exfiller") is Status.PASS


def test_cloudmapper_user_with_two_keys_and_no_mfa(cloudmapper):
    assert status_of(cloudmapper, "user_has_multiple_active_keys", "user/user") is Status.FAIL
    assert status_of(cloudmapper, "user_console_without_mfa", "user/user") is Status.FAIL
    assert result(cloudmapper, "root_has_active_access_keys").status is Status.FAIL
    assert result(cloudmapper, "root_without_mfa").status is Status.PASS


def test_cloudmapper_trail_is_not_multi_region(cloudmapper):
    res = result(cloudmapper, "cloudtrail_multi_region_not_logging")
    assert res.status is Status.FAIL and "no multi-region trail" in res.resources[0].reason


def test_fixinventory_upper_case_booleans(tmp_path):
    ev = evidence_from(tmp_path, FIXINVENTORY)
    assert result(ev, "root_without_mfa").status is Status.PASS  # TRUE
    assert status_of(ev, "user_has_multiple_active_keys", "user/Fix") is Status.FAIL  # TRUE, TRUE


def test_awscli_example_truncated_page_is_error_not_pass(tmp_path):
    """The AWS CLI docs example carries IsTruncated/Marker: one page of many, so no verdict from it."""
    ev = evidence_from(tmp_path, {"authz.json": "authz/awscli-example.json"}, account_id="123456789012")
    res = result(ev, "user_has_attached_policies")
    assert res.status is Status.ERROR and "IsTruncated" in res.resources[0].reason


def test_awscli_example_single_object_attached_policies_read_as_list(tmp_path):
    import json

    from compliance_kit.evidence.authorization import parse_authorization_details

    data = json.loads((REAL / "authz/awscli-example.json").read_text())
    data.pop("IsTruncated"), data.pop("Marker")
    details = parse_authorization_details(data)
    admins = next(g for g in details.groups if g.name == "Admins")
    assert [p.name for p in admins.attached] == ["AdministratorAccess"]
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "authz.json").write_text(json.dumps(data))
    ev = from_import(build_evidence(tmp_path / "src", account_id="123456789012"), "t")
    # AdministratorAccess is referenced but missing from Policies: known document, so members are admins
    assert status_of(ev, "principal_has_admin_access", "group/Admins") is Status.FAIL


def test_checks_never_pass_without_their_evidence(tmp_path):
    """An empty-ish folder (only a password policy): every check that needs something else is ERROR."""
    ev = evidence_from(tmp_path, {"pp.json": "password-policy/awscli-example.json"}, account_id="111122223333")
    load_all()
    for check_id, definition in REGISTRY.items():
        res = run_check(definition, ev, Settings())
        if "password_policy" not in definition.needs:
            assert res.status is Status.ERROR, check_id


def test_real_files_are_present():
    assert (REAL / "PROVENANCE.md").exists()
