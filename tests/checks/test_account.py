"""Account-wide checks: federation, MFA devices, certificates, Access Analyzer, CloudTrail, Organizations."""

from __future__ import annotations

from compliance_kit.model import Status

from .conftest import (
    ACCESS_DENIED,
    ACCOUNT,
    FULL_AWS_ACCESS,
    NOT_IN_ORG,
    analyzer,
    finding,
    make_evidence,
    management_selectors,
    mfa_device,
    only,
    organization,
    resource,
    result,
    role_arn,
    scp,
    server_certificate,
    trail_entry,
    trail_status,
    user_arn,
)

SAML = {"Arn": f"arn:aws:iam::{ACCOUNT}:saml-provider/Okta", "ValidUntil": "2120-01-15T10:04:33+00:00",
        "CreateDate": "2020-01-15T10:04:33+00:00"}
OIDC = {"Arn": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"}
SSO = {"InstanceArn": "arn:aws:sso:::instance/ssoins-72238d4c1a9e0f35", "IdentityStoreId": "d-90676f2a1b",
       "OwnerAccountId": ACCOUNT, "Name": "main", "CreatedDate": "2024-05-13T15:22:08+00:00", "Status": "ACTIVE"}


# federation_not_configured -------------------------------------------------------------------


def test_saml_provider_counts_as_federation(tmp_path):
    ev = make_evidence(tmp_path, saml=[SAML], oidc=[], sso=[])
    res = only(result(ev, "federation_not_configured"))
    assert res.status is Status.PASS and "1 SAML provider(s)" in res.reason


def test_identity_center_counts_as_federation(tmp_path):
    ev = make_evidence(tmp_path, saml=[], oidc=[OIDC], sso=[SSO])
    res = only(result(ev, "federation_not_configured"))
    assert res.status is Status.PASS and "1 IAM Identity Center instance(s)" in res.reason


def test_no_federation_fails(tmp_path):
    ev = make_evidence(tmp_path, saml=[], oidc=[], sso=[])
    res = only(result(ev, "federation_not_configured"))
    assert res.status is Status.FAIL and "people sign in as IAM users" in res.reason


def test_only_oidc_providers_are_workload_federation_and_fail(tmp_path):
    ev = make_evidence(tmp_path, saml=[], oidc=[OIDC], sso=[])
    res = only(result(ev, "federation_not_configured"))
    assert res.status is Status.FAIL and "only 1 OIDC provider(s)" in res.reason


def test_federation_needs_all_three_lists(tmp_path):
    ev = make_evidence(tmp_path, saml=[SAML], oidc=[])
    res = only(result(ev, "federation_not_configured"))
    assert res.status is Status.ERROR and "list-instances.json: not collected" in res.reason


# virtual_mfa_device_unassigned ---------------------------------------------------------------


def test_unassigned_virtual_mfa_device_fails(tmp_path):
    ev = make_evidence(tmp_path, mfa_devices=[mfa_device("alice", user_arn("alice")), mfa_device("Fred")])
    res = result(ev, "virtual_mfa_device_unassigned")
    assert resource(res, "mfa/alice").status is Status.PASS
    fred = resource(res, "mfa/Fred")
    assert fred.status is Status.FAIL and fred.reason == "virtual MFA device assigned to nobody"
    assert fred.evidence.pointer == "/VirtualMFADevices/1"


def test_no_virtual_mfa_devices_is_not_applicable(tmp_path):
    ev = make_evidence(tmp_path, mfa_devices=[])
    assert result(ev, "virtual_mfa_device_unassigned").status is Status.NOT_APPLICABLE


# server_certificate_expired ------------------------------------------------------------------


def test_expired_certificate_fails_valid_passes(tmp_path):
    ev = make_evidence(tmp_path, server_certs=[server_certificate("portal-2024", "2025-06-30T23:59:59+00:00"),
                                               server_certificate("api-2026", "2027-04-15T12:00:00+00:00")])
    res = result(ev, "server_certificate_expired")
    old = resource(res, "portal-2024")
    assert old.status is Status.FAIL and old.reason == "expired on 2025-06-30T23:59:59Z"
    new = resource(res, "api-2026")
    assert new.status is Status.PASS and "valid until 2027-04-15" in new.reason


def test_expiry_is_judged_at_collection_time(tmp_path):
    ev = make_evidence(tmp_path, server_certs=[server_certificate("edge", "2026-11-15T00:00:00+00:00")],
                       collected_at="2026-12-01T00:00:00Z")
    assert only(result(ev, "server_certificate_expired")).status is Status.FAIL


def test_certificate_without_expiration_is_error(tmp_path):
    ev = make_evidence(tmp_path, server_certs=[server_certificate("odd", None)])
    res = only(result(ev, "server_certificate_expired"))
    assert res.status is Status.ERROR and "no Expiration" in res.reason


# access_analyzer_not_enabled -----------------------------------------------------------------


def test_active_analyzer_in_every_enabled_region_passes(tmp_path):
    ev = make_evidence(tmp_path, regions=["us-east-1", "eu-west-1",
                                          {"Endpoint": "ec2.ap-east-1.amazonaws.com", "RegionName": "ap-east-1",
                                           "OptInStatus": "not-opted-in"}],
                       analyzers={"us-east-1": [analyzer("us-east-1")], "eu-west-1": [analyzer("eu-west-1")]})
    res = result(ev, "access_analyzer_not_enabled")
    assert res.status is Status.PASS
    assert sorted(r.resource_id for r in res.resources) == ["eu-west-1", "us-east-1"]  # ap-east-1 is not enabled
    assert "account-analyzer" in resource(res, "us-east-1").reason


def test_region_without_analyzer_fails(tmp_path):
    ev = make_evidence(tmp_path, regions=["us-east-1", "eu-west-1"],
                       analyzers={"us-east-1": [analyzer("us-east-1")], "eu-west-1": []})
    res = result(ev, "access_analyzer_not_enabled")
    eu = resource(res, "eu-west-1")
    assert eu.status is Status.FAIL and eu.reason.startswith("no active external-access analyzer")
    assert eu.evidence.file == "list-analyzers.eu-west-1.json"


def test_analyzer_that_is_not_active_fails(tmp_path):
    ev = make_evidence(tmp_path, regions=["us-east-1"],
                       analyzers={"us-east-1": [analyzer("us-east-1", status="DISABLED")]})
    assert only(result(ev, "access_analyzer_not_enabled")).status is Status.FAIL


def test_region_without_analyzer_file_is_error_for_that_region(tmp_path):
    ev = make_evidence(tmp_path, regions=["us-east-1", "eu-west-1"], analyzers={"us-east-1": [analyzer("us-east-1")]})
    res = result(ev, "access_analyzer_not_enabled")
    assert res.status is Status.ERROR
    assert resource(res, "us-east-1").status is Status.PASS
    eu = resource(res, "eu-west-1")
    assert eu.status is Status.ERROR and "list-analyzers.eu-west-1.json: not collected" in eu.reason


def test_region_with_denied_analyzer_list_is_error(tmp_path):
    ev = make_evidence(tmp_path, regions=["us-east-1"], analyzers={"us-east-1": ACCESS_DENIED})
    res = only(result(ev, "access_analyzer_not_enabled"))
    assert res.status is Status.ERROR and "access denied" in res.reason


def test_unused_access_analyzer_alone_is_not_an_external_access_analyzer(tmp_path):
    """CIS 1.20 / the check's metadata: an ACTIVE analyzer of type ACCOUNT or ORGANIZATION is needed;
    an unused-access analyzer does not report resources shared outside the account."""
    ev = make_evidence(tmp_path, regions=["us-east-1"], analyzers={"us-east-1": [
        analyzer("us-east-1", name="unused-access", type_="ACCOUNT_UNUSED_ACCESS")]})
    assert only(result(ev, "access_analyzer_not_enabled")).status is Status.FAIL


def test_organization_analyzer_passes(tmp_path):
    ev = make_evidence(tmp_path, regions=["us-east-1"], analyzers={"us-east-1": [
        analyzer("us-east-1", name="org-analyzer", type_="ORGANIZATION")]})
    assert only(result(ev, "access_analyzer_not_enabled")).status is Status.PASS


# access_analyzer_has_active_findings ---------------------------------------------------------


def test_active_finding_fails_naming_resource_and_principal(tmp_path):
    shared = role_arn("PartnerAnalyticsAccess")
    ev = make_evidence(tmp_path, findings={"us-east-1": [
        finding("0c3f6a1e-finding", shared), finding("4e9b2d71-archived", role_arn("old"), status="ARCHIVED")]})
    res = result(ev, "access_analyzer_has_active_findings")
    assert res.status is Status.FAIL
    active = only(res)
    assert active.resource_id == shared
    assert "0c3f6a1e-finding" in active.reason and "AWS 444455556666" in active.reason
    assert active.evidence.file == "list-findings.us-east-1.json" and active.evidence.pointer == "/findings/0"


def test_only_archived_or_resolved_findings_pass(tmp_path):
    ev = make_evidence(tmp_path, findings={"us-east-1": [
        finding("a-1", role_arn("x"), status="ARCHIVED"), finding("r-1", role_arn("y"), status="RESOLVED")]})
    res = only(result(ev, "access_analyzer_has_active_findings"))
    assert res.status is Status.PASS and res.resource_id == "us-east-1" and res.reason == "no active findings"


def test_findings_region_denied_is_error_for_that_region(tmp_path):
    ev = make_evidence(tmp_path, findings={"us-east-1": [], "eu-west-1": ACCESS_DENIED})
    res = result(ev, "access_analyzer_has_active_findings")
    assert res.status is Status.ERROR
    assert resource(res, "us-east-1").status is Status.PASS
    eu = resource(res, "eu-west-1")
    assert eu.status is Status.ERROR and "list-findings.eu-west-1.json: access denied" in eu.reason


# cloudtrail_multi_region_not_logging ---------------------------------------------------------


def test_multi_region_trail_logging_management_events_passes(tmp_path):
    ev = make_evidence(tmp_path, trails=[trail_entry("main")], trail_status={"main": trail_status()},
                       event_selectors={"main": management_selectors()})
    res = only(result(ev, "cloudtrail_multi_region_not_logging"))
    assert res.status is Status.PASS
    assert res.reason == "multi-region trail main is logging all management events"
    assert res.evidence.pointer == "/trailList/0"


def test_multi_region_trail_not_logging_fails(tmp_path):
    ev = make_evidence(tmp_path, trails=[trail_entry("main")], trail_status={"main": trail_status(logging=False)},
                       event_selectors={"main": management_selectors()})
    res = only(result(ev, "cloudtrail_multi_region_not_logging"))
    assert res.status is Status.FAIL and "main: not logging" in res.reason


def test_trail_status_file_missing_is_error(tmp_path):
    ev = make_evidence(tmp_path, trails=[trail_entry("main")], event_selectors={"main": management_selectors()})
    res = only(result(ev, "cloudtrail_multi_region_not_logging"))
    assert res.status is Status.ERROR
    assert "get-trail-status.main.json: not collected" in res.reason


def test_trail_status_denied_is_error(tmp_path):
    ev = make_evidence(tmp_path, trails=[trail_entry("main")], trail_status={"main": ACCESS_DENIED},
                       event_selectors={"main": management_selectors()})
    res = only(result(ev, "cloudtrail_multi_region_not_logging"))
    assert res.status is Status.ERROR and "access denied" in res.reason


def test_event_selectors_missing_is_error(tmp_path):
    ev = make_evidence(tmp_path, trails=[trail_entry("main")], trail_status={"main": trail_status()})
    res = only(result(ev, "cloudtrail_multi_region_not_logging"))
    assert res.status is Status.ERROR and "get-event-selectors.main.json: not collected" in res.reason


def test_single_region_trail_only_fails(tmp_path):
    ev = make_evidence(tmp_path, trails=[trail_entry("regional", multi_region=False)],
                       trail_status={"regional": trail_status()}, event_selectors={"regional": management_selectors()})
    res = only(result(ev, "cloudtrail_multi_region_not_logging"))
    assert res.status is Status.FAIL and res.reason == "no multi-region trail"


def test_no_trails_at_all_fails(tmp_path):
    ev = make_evidence(tmp_path, trails=[])
    assert only(result(ev, "cloudtrail_multi_region_not_logging")).status is Status.FAIL


def test_trail_without_read_events_or_management_events_fails(tmp_path):
    for index, selectors in enumerate((management_selectors(read_write="WriteOnly"),
                                       management_selectors(include=False))):
        ev = make_evidence(tmp_path / str(index), trails=[trail_entry("main")], trail_status={"main": trail_status()},
                           event_selectors={"main": selectors})
        res = only(result(ev, "cloudtrail_multi_region_not_logging"))
        assert res.status is Status.FAIL, selectors
        assert "does not record all read and write management events" in res.reason


def test_advanced_selectors_with_management_events_pass(tmp_path):
    advanced = {"AdvancedEventSelectors": [{"Name": "Management events selector", "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Management"]}]}]}
    ev = make_evidence(tmp_path, trails=[trail_entry("main")], trail_status={"main": trail_status()},
                       event_selectors={"main": advanced})
    assert only(result(ev, "cloudtrail_multi_region_not_logging")).status is Status.PASS


def test_one_good_trail_among_bad_ones_passes(tmp_path):
    ev = make_evidence(tmp_path, trails=[trail_entry("stopped"), trail_entry("audit")],
                       trail_status={"stopped": trail_status(logging=False), "audit": trail_status()},
                       event_selectors={"stopped": management_selectors(), "audit": management_selectors()})
    res = only(result(ev, "cloudtrail_multi_region_not_logging"))
    assert res.status is Status.PASS and "audit" in res.reason


def test_trail_not_logging_and_another_of_unknown_status_is_error_not_fail(tmp_path):
    """`audit` may well be logging: without its status the account cannot be judged."""
    ev = make_evidence(tmp_path, trails=[trail_entry("stopped"), trail_entry("audit")],
                       trail_status={"stopped": trail_status(logging=False)},
                       event_selectors={"stopped": management_selectors(), "audit": management_selectors()})
    res = only(result(ev, "cloudtrail_multi_region_not_logging"))
    assert res.status is Status.ERROR, res.reason


# cloudtrail_log_validation_disabled / cloudtrail_not_encrypted_with_kms ----------------------


def test_log_file_validation_per_trail(tmp_path):
    ev = make_evidence(tmp_path, trails=[trail_entry("good"), trail_entry("plain", validation=False)])
    res = result(ev, "cloudtrail_log_validation_disabled")
    assert resource(res, "trail/good").status is Status.PASS
    plain = resource(res, "trail/plain")
    assert plain.status is Status.FAIL and plain.reason == "log file validation disabled"
    assert plain.resource_id == f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/plain"
    assert plain.evidence.pointer == "/trailList/1"


def test_kms_encryption_per_trail(tmp_path):
    ev = make_evidence(tmp_path, trails=[trail_entry("good"), trail_entry("sse-s3", kms=False)])
    res = result(ev, "cloudtrail_not_encrypted_with_kms")
    assert resource(res, "trail/good").status is Status.PASS
    plain = resource(res, "trail/sse-s3")
    assert plain.status is Status.FAIL and "not encrypted with a KMS key" in plain.reason


def test_trail_settings_checks_have_nothing_to_judge_without_trails(tmp_path):
    ev = make_evidence(tmp_path, trails=[])
    assert result(ev, "cloudtrail_log_validation_disabled").status is Status.NOT_APPLICABLE
    assert result(ev, "cloudtrail_not_encrypted_with_kms").status is Status.NOT_APPLICABLE


# organization_scps_missing -------------------------------------------------------------------


def test_account_outside_an_organization_is_not_applicable(tmp_path):
    ev = make_evidence(tmp_path, org=NOT_IN_ORG)
    res = only(result(ev, "organization_scps_missing"))
    assert res.status is Status.NOT_APPLICABLE and "not in an organization" in res.reason


def test_member_account_with_scp_listing_denied_is_error(tmp_path):
    ev = make_evidence(tmp_path, org=organization(), scps=ACCESS_DENIED)
    res = only(result(ev, "organization_scps_missing"))
    assert res.status is Status.ERROR
    assert "list-policies.SERVICE_CONTROL_POLICY.json: access denied" in res.reason


def test_scp_listing_not_collected_is_error(tmp_path):
    ev = make_evidence(tmp_path, org=organization())
    res = only(result(ev, "organization_scps_missing"))
    assert res.status is Status.ERROR and "not collected" in res.reason


def test_custom_scp_passes(tmp_path):
    ev = make_evidence(tmp_path, org=organization(), scps=[FULL_AWS_ACCESS, scp("DenyLeaveOrg")])
    res = only(result(ev, "organization_scps_missing"))
    assert res.status is Status.PASS and "1 custom SCP(s): DenyLeaveOrg" in res.reason


def test_only_full_aws_access_fails(tmp_path):
    ev = make_evidence(tmp_path, org=organization(), scps=[FULL_AWS_ACCESS])
    res = only(result(ev, "organization_scps_missing"))
    assert res.status is Status.FAIL and "no SCP besides FullAWSAccess" in res.reason


def test_consolidated_billing_organization_fails(tmp_path):
    ev = make_evidence(tmp_path, org=organization(feature_set="CONSOLIDATED_BILLING"))
    res = only(result(ev, "organization_scps_missing"))
    assert res.status is Status.FAIL and "consolidated billing" in res.reason
