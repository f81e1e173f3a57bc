"""Permission checks: policy-level (customer managed and inline policies) and principal-level
(every policy that reaches a user, group or role, with its groups' policies and its boundary)."""

from __future__ import annotations

import pytest

from compliance_kit.model import Status

from .conftest import (
    ACCOUNT,
    ACCOUNT_TRUST,
    ADMIN_ACCESS,
    ADMIN_DOC,
    ADMIN_POLICY,
    CLOUDSHELL,
    CLOUDSHELL_POLICY,
    READ_ONLY,
    READ_ONLY_POLICY,
    SERVICE_TRUST,
    allow,
    deny,
    doc,
    group_entry,
    list_role_entry,
    make_evidence,
    only,
    policy_arn,
    policy_entry,
    resource,
    result,
    role_entry,
    trust,
    trust_statement,
    user_entry,
    with_threshold,
)

BUCKET_READ = doc(allow(["s3:GetObject", "s3:ListBucket"], ["arn:aws:s3:::dev-bucket", "arn:aws:s3:::dev-bucket/*"]))
S3_ONLY_BOUNDARY = policy_entry("S3OnlyBoundary", doc(allow("s3:*")), attachment_count=0, boundary_count=1)


def policies_evidence(tmp_path, *entries, users=None, roles=None):
    """Customer managed policies (each attached to one user unless stated) plus optional principals."""
    return make_evidence(tmp_path, policies=list(entries), users=users or [], roles=roles or [])


# principal_has_admin_access ------------------------------------------------------------------


def test_user_with_administrator_access_fails(tmp_path):
    ev = make_evidence(tmp_path, users=[user_entry("alice", attached=[ADMIN_ACCESS]), user_entry("bob", attached=[READ_ONLY])],
                       policies=[ADMIN_POLICY, READ_ONLY_POLICY])
    res = result(ev, "principal_has_admin_access")
    alice = resource(res, "user/alice")
    assert alice.status is Status.FAIL
    assert alice.reason == "full administrator through managed policy AdministratorAccess, statement 0"
    assert alice.evidence.pointer == "/Policies/0/PolicyVersionList/0/Document/Statement/0"
    bob = resource(res, "user/bob")
    assert bob.status is Status.PASS and bob.reason == "no full administrator access"


def test_admin_through_group_membership_fails_user_and_group(tmp_path):
    ev = make_evidence(tmp_path, users=[user_entry("alice", groups=["admins"])],
                       groups=[group_entry("admins", attached=[ADMIN_ACCESS])], policies=[ADMIN_POLICY])
    res = result(ev, "principal_has_admin_access")
    alice = resource(res, "user/alice")
    assert alice.status is Status.FAIL and "group managed policy AdministratorAccess" in alice.reason
    assert resource(res, "group/admins").status is Status.FAIL


def test_administrator_access_missing_from_policies_is_known_and_fails(tmp_path):
    ev = make_evidence(tmp_path, users=[user_entry("alice", attached=[ADMIN_ACCESS])], policies=[])
    res = only(result(ev, "principal_has_admin_access"))
    assert res.status is Status.FAIL and "AdministratorAccess" in res.reason


def test_customer_policy_missing_from_policies_is_error(tmp_path):
    missing = policy_arn("GhostPolicy")
    ev = make_evidence(tmp_path, users=[user_entry("alice", attached=[missing])], policies=[])
    res = only(result(ev, "principal_has_admin_access"))
    assert res.status is Status.ERROR
    assert "not in the export" in res.reason and missing in res.reason


def test_aws_policy_other_than_administrator_access_missing_is_error(tmp_path):
    ev = make_evidence(tmp_path, users=[user_entry("alice", attached=[READ_ONLY])], policies=[])
    assert only(result(ev, "principal_has_admin_access")).status is Status.ERROR


def test_group_missing_from_the_export_is_error(tmp_path):
    ev = make_evidence(tmp_path, users=[user_entry("alice", groups=["vanished"])], policies=[])
    res = only(result(ev, "principal_has_admin_access"))
    assert res.status is Status.ERROR and "group vanished" in res.reason


def test_deny_cancels_an_admin_allow(tmp_path):
    ev = make_evidence(tmp_path, roles=[role_entry("ops", attached=[ADMIN_ACCESS],
                                                   inline={"no-iam": doc(deny("iam:*"))})],
                       policies=[ADMIN_POLICY])
    assert only(result(ev, "principal_has_admin_access")).status is Status.PASS


def test_conditional_deny_does_not_cancel_an_admin_allow(tmp_path):
    conditional = doc(deny("iam:*", condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}}))
    ev = make_evidence(tmp_path, roles=[role_entry("ops", attached=[ADMIN_ACCESS], inline={"mfa": conditional})],
                       policies=[ADMIN_POLICY])
    assert only(result(ev, "principal_has_admin_access")).status is Status.FAIL


def test_permissions_boundary_caps_an_admin_policy(tmp_path):
    ev = make_evidence(tmp_path, roles=[role_entry("capped", attached=[ADMIN_ACCESS], boundary=S3_ONLY_BOUNDARY["Arn"])],
                       policies=[ADMIN_POLICY, S3_ONLY_BOUNDARY])
    assert only(result(ev, "principal_has_admin_access")).status is Status.PASS


def test_admin_policy_used_only_as_a_boundary_grants_nothing(tmp_path):
    ev = make_evidence(tmp_path, users=[user_entry("alice", boundary=ADMIN_ACCESS)], policies=[ADMIN_POLICY])
    assert only(result(ev, "principal_has_admin_access")).status is Status.PASS


def test_admin_inline_policy_on_a_role_fails(tmp_path):
    ev = make_evidence(tmp_path, roles=[role_entry("ci", inline={"everything": ADMIN_DOC})])
    res = only(result(ev, "principal_has_admin_access"))
    assert res.status is Status.FAIL and "inline policy everything" in res.reason


# customer_policy_allows_full_admin / inline_policy_allows_full_admin -------------------------


def test_customer_policy_allowing_star_on_star_fails(tmp_path):
    full = policy_entry("FullAdmin", ADMIN_DOC)
    orphan = policy_entry("OrphanAdmin", ADMIN_DOC, attachment_count=0)
    scoped = policy_entry("DevRead", BUCKET_READ)
    ev = policies_evidence(tmp_path, full, orphan, scoped, ADMIN_POLICY,
                           users=[user_entry("alice", attached=[full["Arn"], scoped["Arn"], ADMIN_ACCESS])])
    res = result(ev, "customer_policy_allows_full_admin")
    attached = resource(res, "policy/FullAdmin")
    assert attached.status is Status.FAIL
    assert 'allows "*" on "*"' in attached.reason and "FullAdmin" in attached.reason
    assert "(not attached)" not in attached.reason
    unattached = resource(res, "policy/OrphanAdmin")
    assert unattached.status is Status.FAIL and "(not attached)" in unattached.reason
    assert resource(res, "policy/DevRead").status is Status.PASS
    assert not [r for r in res.resources if r.resource_id == ADMIN_ACCESS]  # AWS managed: not the customer's


def test_customer_policy_used_only_as_boundary_is_not_counted_as_granting(tmp_path):
    boundary = policy_entry("AllowAllBoundary", ADMIN_DOC, attachment_count=0, boundary_count=1)
    ev = policies_evidence(tmp_path, boundary, users=[user_entry("alice", boundary=boundary["Arn"])])
    assert result(ev, "customer_policy_allows_full_admin").status is Status.NOT_APPLICABLE


def test_customer_policy_with_not_action_on_nothing_is_full_admin(tmp_path):
    sneaky = policy_entry("Sneaky", doc(allow("iam:NoSuchAction", not_action=True)))
    ev = policies_evidence(tmp_path, sneaky, users=[user_entry("alice", attached=[sneaky["Arn"]])])
    assert only(result(ev, "customer_policy_allows_full_admin")).status is Status.FAIL


def test_inline_policy_allowing_star_on_star_fails(tmp_path):
    ev = make_evidence(tmp_path, roles=[role_entry("ci", inline={"everything": ADMIN_DOC, "logs": doc(allow("logs:*"))})])
    res = result(ev, "inline_policy_allows_full_admin")
    bad = resource(res, "(inline everything)")
    assert bad.status is Status.FAIL and bad.reason == 'inline policy allows "*" on "*"'
    assert bad.resource_id.startswith(f"arn:aws:iam::{ACCOUNT}:role/ci")
    assert resource(res, "(inline logs)").status is Status.PASS


def test_inline_admin_cancelled_within_the_same_policy_passes(tmp_path):
    ev = make_evidence(tmp_path, users=[user_entry("alice", inline={"almost": doc(allow("*"), deny("iam:*"))})])
    assert only(result(ev, "inline_policy_allows_full_admin")).status is Status.PASS


# policy_allows_service_wildcard --------------------------------------------------------------


def test_service_wildcard_on_sensitive_service_fails(tmp_path):
    iam_all = policy_entry("IamAll", doc(allow("iam:*")))
    s3_read = policy_entry("S3Read", doc(allow(["s3:Get*", "s3:List*"])))
    logs_all = policy_entry("LogsAll", doc(allow("logs:*")))
    ev = policies_evidence(tmp_path, iam_all, s3_read, logs_all)
    res = result(ev, "policy_allows_service_wildcard")
    bad = resource(res, "policy/IamAll")
    assert bad.status is Status.FAIL and "allows iam:*" in bad.reason
    assert resource(res, "policy/S3Read").status is Status.PASS  # prefixed wildcard is not the whole service
    assert resource(res, "policy/LogsAll").status is Status.PASS  # not a sensitive service


def test_service_wildcard_in_inline_group_policy_fails(tmp_path):
    ev = make_evidence(tmp_path, groups=[group_entry("ops", inline={"ec2-all": doc(allow("ec2:*"))})])
    res = only(result(ev, "policy_allows_service_wildcard"))
    assert res.status is Status.FAIL and "ec2:*" in res.reason and "(inline ec2-all)" in res.resource_id


def test_conditional_service_wildcard_and_bare_star_are_not_reported_here(tmp_path):
    conditional = policy_entry("IamWithMfa", doc(allow("iam:*", condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})))
    star = policy_entry("Star", ADMIN_DOC)
    ev = policies_evidence(tmp_path, conditional, star)
    res = result(ev, "policy_allows_service_wildcard")
    assert resource(res, "policy/IamWithMfa").status is Status.PASS
    assert resource(res, "policy/Star").status is Status.PASS  # reported by customer_policy_allows_full_admin


# policy_allows_passrole_to_any_role / policy_allows_assume_any_role --------------------------


def test_passrole_on_any_role_fails_scoped_or_conditioned_passes(tmp_path):
    any_role = policy_entry("PassAny", doc(allow("iam:PassRole")))
    iam_all = policy_entry("IamAll", doc(allow("iam:*")))
    one_role = policy_entry("PassOne", doc(allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/app-task")))
    to_ecs = policy_entry("PassToEcs", doc(allow("iam:PassRole", condition={
        "StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}})))
    ev = policies_evidence(tmp_path, any_role, iam_all, one_role, to_ecs)
    res = result(ev, "policy_allows_passrole_to_any_role")
    bad = resource(res, "policy/PassAny")
    assert bad.status is Status.FAIL and "iam:PassRole on any role" in bad.reason and "PassAny" in bad.reason
    assert resource(res, "policy/IamAll").status is Status.FAIL
    assert resource(res, "policy/PassOne").status is Status.PASS
    assert resource(res, "policy/PassToEcs").status is Status.PASS  # a Condition narrows it: not "any"


def test_assume_any_role_fails_specific_role_passes(tmp_path):
    any_role = policy_entry("AssumeStar", doc(allow("sts:AssumeRole")))
    any_account = policy_entry("AssumeAnywhere", doc(allow("sts:AssumeRole", "arn:aws:iam::*:role/*")))
    one_role = policy_entry("AssumeDeployer", doc(allow("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/deployer")))
    ev = policies_evidence(tmp_path, any_role, any_account, one_role)
    res = result(ev, "policy_allows_assume_any_role")
    bad = resource(res, "policy/AssumeStar")
    assert bad.status is Status.FAIL and "sts:AssumeRole on any role" in bad.reason
    assert resource(res, "policy/AssumeAnywhere").status is Status.FAIL
    assert resource(res, "policy/AssumeDeployer").status is Status.PASS


# policy_allows_kms_decrypt_on_all_keys / policy_allows_cloudtrail_tampering ------------------


def test_kms_decrypt_on_all_keys_fails_one_key_passes(tmp_path):
    decrypt = policy_entry("DecryptAll", doc(allow("kms:Decrypt")))
    kms_all = policy_entry("KmsAll", doc(allow("kms:*")))
    one_key = policy_entry("DecryptOne", doc(allow("kms:Decrypt", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd")))
    encrypt = policy_entry("EncryptAll", doc(allow(["kms:Encrypt", "kms:GenerateDataKey"])))
    ev = policies_evidence(tmp_path, decrypt, kms_all, one_key, encrypt)
    res = result(ev, "policy_allows_kms_decrypt_on_all_keys")
    bad = resource(res, "policy/DecryptAll")
    assert bad.status is Status.FAIL and "kms:Decrypt on any key" in bad.reason
    both = resource(res, "policy/KmsAll")
    assert both.status is Status.FAIL and "kms:ReEncryptFrom on any key" in both.reason
    assert resource(res, "policy/DecryptOne").status is Status.PASS
    assert resource(res, "policy/EncryptAll").status is Status.PASS


def test_cloudtrail_tampering_fails_read_only_passes(tmp_path):
    stop = policy_entry("StopTrail", doc(allow("cloudtrail:StopLogging")))
    everything = policy_entry("TrailAdmin", doc(allow("cloudtrail:*")))
    reader = policy_entry("TrailReader", doc(allow(["cloudtrail:Describe*", "cloudtrail:LookupEvents",
                                                    "cloudtrail:GetTrailStatus"])))
    ev = policies_evidence(tmp_path, stop, everything, reader)
    res = result(ev, "policy_allows_cloudtrail_tampering")
    bad = resource(res, "policy/StopTrail")
    assert bad.status is Status.FAIL and "cloudtrail:StopLogging" in bad.reason
    admin = resource(res, "policy/TrailAdmin")
    assert admin.status is Status.FAIL
    assert all(a in admin.reason for a in ("cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail",
                                           "cloudtrail:PutEventSelectors"))
    assert resource(res, "policy/TrailReader").status is Status.PASS


# policy_allows_notaction ---------------------------------------------------------------------


def test_allow_with_not_action_fails_deny_with_not_action_passes(tmp_path):
    broad = policy_entry("AllButIam", doc(allow("s3:GetObject", "arn:aws:s3:::b/*"), allow(["iam:*", "organizations:*"],
                                                                                             not_action=True)))
    guard = policy_entry("RegionGuard", doc(allow("s3:*"), deny(["iam:*", "sts:*"], not_action=True, condition={
        "StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}})))
    ev = policies_evidence(tmp_path, broad, guard, ADMIN_POLICY)
    res = result(ev, "policy_allows_notaction")
    bad = resource(res, "policy/AllButIam")
    assert bad.status is Status.FAIL and "statement 1" in bad.reason
    assert bad.evidence.pointer.endswith("/Statement/1")
    assert resource(res, "policy/RegionGuard").status is Status.PASS
    assert len(res.resources) == 2  # AWS managed policies are not the customer's


def test_allow_with_not_action_in_inline_policy_fails(tmp_path):
    ev = make_evidence(tmp_path, roles=[role_entry("ops", inline={"nearly-all": doc(allow("iam:*", not_action=True))})])
    res = only(result(ev, "policy_allows_notaction"))
    assert res.status is Status.FAIL and "(inline nearly-all)" in res.resource_id


def test_not_action_in_a_policy_used_only_as_permissions_boundary_is_not_flagged(tmp_path):
    """A boundary only caps permissions: `Allow NotAction iam:*` is the textbook boundary and grants
    nothing (the other policy-level checks skip boundary-only policies for the same reason)."""
    boundary = policy_entry("DeveloperBoundary", doc(allow(["iam:*", "organizations:*"], not_action=True)),
                            attachment_count=0, boundary_count=1)
    ev = policies_evidence(tmp_path, boundary, roles=[role_entry("dev", boundary=boundary["Arn"])])
    assert result(ev, "policy_allows_notaction").status is Status.NOT_APPLICABLE


# principal_can_escalate_privileges -----------------------------------------------------------


def test_create_policy_version_on_any_policy_is_escalation(tmp_path):
    ev = make_evidence(tmp_path, users=[user_entry("alice", inline={"policy-admin": doc(allow("iam:CreatePolicyVersion"))})])
    res = only(result(ev, "principal_can_escalate_privileges"))
    assert res.status is Status.FAIL
    assert "can escalate privileges: CreatePolicyVersion (iam:CreatePolicyVersion)" in res.reason


def test_permissions_boundary_removes_the_escalation(tmp_path):
    ev = make_evidence(tmp_path, users=[user_entry("alice", inline={"policy-admin": doc(allow("iam:CreatePolicyVersion"))},
                                                   boundary=S3_ONLY_BOUNDARY["Arn"])],
                       policies=[S3_ONLY_BOUNDARY])
    res = only(result(ev, "principal_can_escalate_privileges"))
    assert res.status is Status.PASS and res.reason == "no privilege-escalation method allowed"


def test_explicit_deny_removes_the_escalation(tmp_path):
    ev = make_evidence(tmp_path, users=[user_entry("alice", inline={
        "policy-admin": doc(allow("iam:CreatePolicyVersion"), deny("iam:CreatePolicyVersion"))})])
    assert only(result(ev, "principal_can_escalate_privileges")).status is Status.PASS


def test_passrole_with_lambda_is_escalation(tmp_path):
    ev = make_evidence(tmp_path, roles=[role_entry("builder", inline={"lambda-deploy": doc(
        allow("iam:PassRole"), allow(["lambda:CreateFunction", "lambda:InvokeFunction"]))})])
    res = only(result(ev, "principal_can_escalate_privileges"))
    assert res.status is Status.FAIL and "PassRoleToNewLambdaThenInvoke" in res.reason


def test_passrole_to_one_role_with_lambda_is_not_escalation(tmp_path):
    ev = make_evidence(tmp_path, roles=[role_entry("builder", inline={"lambda-deploy": doc(
        allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/lambda-basic"),
        allow(["lambda:CreateFunction", "lambda:InvokeFunction"]))})])
    assert only(result(ev, "principal_can_escalate_privileges")).status is Status.PASS


def test_full_administrators_are_not_applicable_for_escalation(tmp_path):
    ev = make_evidence(tmp_path, users=[user_entry("root-like", attached=[ADMIN_ACCESS])], policies=[ADMIN_POLICY])
    res = only(result(ev, "principal_can_escalate_privileges"))
    assert res.status is Status.NOT_APPLICABLE and "principal_has_admin_access" in res.reason


def test_escalation_unknown_when_a_policy_is_missing(tmp_path):
    ev = make_evidence(tmp_path, users=[user_entry("alice", attached=[policy_arn("GhostPolicy")])])
    res = only(result(ev, "principal_can_escalate_privileges"))
    assert res.status is Status.ERROR and "GhostPolicy" in res.reason


# principal_can_exfiltrate_data / principal_can_expose_credentials / principal_can_modify_resource_policies


def test_data_read_on_any_resource_fails_scoped_passes(tmp_path):
    ev = make_evidence(tmp_path, users=[
        user_entry("reader", inline={"all-objects": doc(allow(["s3:GetObject", "secretsmanager:GetSecretValue"]))}),
        user_entry("scoped", inline={"dev-bucket": BUCKET_READ}),
        user_entry("admin", attached=[ADMIN_ACCESS]),
    ], policies=[ADMIN_POLICY])
    res = result(ev, "principal_can_exfiltrate_data")
    reader = resource(res, "user/reader")
    assert reader.status is Status.FAIL
    assert "data-read actions on any resource" in reader.reason
    assert "s3:GetObject" in reader.reason and "secretsmanager:GetSecretValue" in reader.reason
    assert resource(res, "user/scoped").status is Status.PASS
    admin = resource(res, "user/admin")
    assert admin.status is Status.FAIL and "full administrator" in admin.reason


def test_credential_exposure_on_any_user_fails_self_service_passes(tmp_path):
    ev = make_evidence(tmp_path, users=[
        user_entry("keymaster", inline={"keys": doc(allow("iam:CreateAccessKey"))}),
        user_entry("self", inline={"own-keys": doc(allow(["iam:CreateAccessKey", "iam:DeleteAccessKey"],
                                                         f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}"))}),
    ])
    res = result(ev, "principal_can_expose_credentials")
    keymaster = resource(res, "user/keymaster")
    assert keymaster.status is Status.FAIL and "iam:CreateAccessKey" in keymaster.reason
    assert resource(res, "user/self").status is Status.PASS


def test_resource_policy_changes_on_any_resource_fail_reads_pass(tmp_path):
    ev = make_evidence(tmp_path, roles=[
        role_entry("opener", inline={"policies": doc(allow(["s3:PutBucketPolicy", "kms:PutKeyPolicy"]))}),
        role_entry("viewer", inline={"read": doc(allow(["s3:GetBucketPolicy", "kms:GetKeyPolicy", "iam:PassRole"]))}),
    ])
    res = result(ev, "principal_can_modify_resource_policies")
    opener = resource(res, "role/opener")
    assert opener.status is Status.FAIL
    assert "s3:PutBucketPolicy" in opener.reason and "kms:PutKeyPolicy" in opener.reason
    assert resource(res, "role/viewer").status is Status.PASS


def test_verdicts_shared_between_principals_keep_each_ones_boundary_and_own_policies(tmp_path):
    """Principals with the same policies share one evaluation: a boundary, an inline document of the
    same text, or a statement naming one of them must still give each its own verdict and pointer."""
    readers = policy_entry("Readers", doc(allow(["s3:GetObject", "iam:CreateAccessKey"])))
    self_attach = doc(allow("iam:AttachUserPolicy", f"arn:aws:iam::{ACCOUNT}:user/alice"))
    same_text = doc(allow("secretsmanager:GetSecretValue"))
    ev = make_evidence(tmp_path, users=[
        user_entry("free", groups=["team"]),
        user_entry("bounded", groups=["team"], boundary=S3_ONLY_BOUNDARY["Arn"]),
        user_entry("alice", inline={"self": self_attach}),
        user_entry("bob", inline={"self": self_attach}),
        user_entry("carol", inline={"secrets": same_text}),
        user_entry("dave", inline={"secrets": same_text}),
    ], groups=[group_entry("team", attached=[readers["Arn"]])], policies=[readers, S3_ONLY_BOUNDARY])
    escalation = result(ev, "principal_can_escalate_privileges")
    assert resource(escalation, "user/free").status is Status.FAIL  # CreateAccessKey on any user
    assert resource(escalation, "user/bounded").status is Status.PASS  # the boundary allows only s3
    assert "AttachUserPolicy" in resource(escalation, "user/alice").reason  # on herself
    assert resource(escalation, "user/bob").status is Status.PASS  # on alice only, not himself
    exfiltration = result(ev, "principal_can_exfiltrate_data")
    assert "s3:GetObject" in resource(exfiltration, "user/bounded").reason
    credentials = result(ev, "principal_can_expose_credentials")
    assert resource(credentials, "user/free").status is Status.FAIL
    assert resource(credentials, "user/bounded").status is Status.PASS
    carol, dave = resource(exfiltration, "user/carol"), resource(exfiltration, "user/dave")
    assert carol.status is dave.status is Status.FAIL
    assert carol.evidence.pointer == "/UserDetailList/4/UserPolicyList/0/PolicyDocument/Statement/0"
    assert dave.evidence.pointer == "/UserDetailList/5/UserPolicyList/0/PolicyDocument/Statement/0"


def test_principal_category_checks_error_when_a_policy_is_missing(tmp_path):
    ev = make_evidence(tmp_path, users=[user_entry("alice", attached=[policy_arn("GhostPolicy")])])
    for check_id in ("principal_can_exfiltrate_data", "principal_can_expose_credentials",
                     "principal_can_modify_resource_policies"):
        res = only(result(ev, check_id))
        assert res.status is Status.ERROR and "GhostPolicy" in res.reason, check_id


# privileged_role_trust_without_mfa -----------------------------------------------------------


def admin_role(name, trust_policy, **kw):
    return role_entry(name, trust_policy=trust_policy, attached=[ADMIN_ACCESS], **kw)


MFA_TRUST = trust(trust_statement({"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                                  condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}))


def test_admin_role_assumable_without_mfa_fails(tmp_path):
    ev = make_evidence(tmp_path, roles=[admin_role("Admin", ACCOUNT_TRUST)], policies=[ADMIN_POLICY])
    res = only(result(ev, "privileged_role_trust_without_mfa"))
    assert res.status is Status.FAIL and "aws:MultiFactorAuthPresent" in res.reason
    assert res.evidence.pointer == "/RoleDetailList/0/AssumeRolePolicyDocument/Statement/0"


def test_admin_role_requiring_mfa_passes(tmp_path):
    ev = make_evidence(tmp_path, roles=[admin_role("Admin", MFA_TRUST)], policies=[ADMIN_POLICY])
    res = only(result(ev, "privileged_role_trust_without_mfa"))
    assert res.status is Status.PASS and res.reason == "privileged role requires MFA to assume"


def test_admin_role_assumed_by_a_service_passes(tmp_path):
    ev = make_evidence(tmp_path, roles=[admin_role("Provisioner", SERVICE_TRUST)], policies=[ADMIN_POLICY])
    res = only(result(ev, "privileged_role_trust_without_mfa"))
    assert res.status is Status.PASS and "only by services or federation" in res.reason


def test_role_able_to_escalate_counts_as_privileged(tmp_path):
    ev = make_evidence(tmp_path, roles=[role_entry("IamManager", trust_policy=ACCOUNT_TRUST,
                                                   inline={"iam": doc(allow(["iam:AttachRolePolicy", "iam:PutRolePolicy"]))})])
    assert only(result(ev, "privileged_role_trust_without_mfa")).status is Status.FAIL


def test_non_privileged_role_is_not_in_scope_of_the_mfa_check(tmp_path):
    ev = make_evidence(tmp_path, roles=[role_entry("reader", trust_policy=ACCOUNT_TRUST, attached=[READ_ONLY])],
                       policies=[READ_ONLY_POLICY])
    assert result(ev, "privileged_role_trust_without_mfa").status is Status.NOT_APPLICABLE


@pytest.mark.parametrize("condition", [
    {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
    {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}},  # true for long-term keys, which carry no MFA key
], ids=["mfa-false", "bool-if-exists"])
def test_mfa_condition_that_does_not_require_mfa_fails(tmp_path, condition):
    weak = trust(trust_statement({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, condition=condition))
    ev = make_evidence(tmp_path, roles=[admin_role("Admin", weak)], policies=[ADMIN_POLICY])
    assert only(result(ev, "privileged_role_trust_without_mfa")).status is Status.FAIL


# privileged_role_session_too_long ------------------------------------------------------------


def session_evidence(tmp_path, seconds, role=None):
    role = role or admin_role("Admin", MFA_TRUST)
    return make_evidence(tmp_path, roles=[role], policies=[ADMIN_POLICY], list_roles=[list_role_entry(role, seconds)])


def test_admin_role_with_12_hour_sessions_fails(tmp_path):
    res = only(result(session_evidence(tmp_path, 43200), "privileged_role_session_too_long"))
    assert res.status is Status.FAIL
    assert "12h00 (limit 3600s)" in res.reason
    assert res.evidence.file == "list-roles.json" and res.evidence.pointer == "/Roles/0/MaxSessionDuration"


def test_admin_role_with_one_hour_sessions_passes(tmp_path):
    res = only(result(session_evidence(tmp_path, 3600), "privileged_role_session_too_long"))
    assert res.status is Status.PASS and "3600s" in res.reason


def test_session_limit_override(tmp_path):
    ev = session_evidence(tmp_path, 7200)
    assert only(result(ev, "privileged_role_session_too_long")).status is Status.FAIL
    res = only(result(ev, "privileged_role_session_too_long", with_threshold(privileged_session_max_seconds=7200)))
    assert res.status is Status.PASS


def test_admin_role_missing_from_list_roles_is_error(tmp_path):
    role = admin_role("Admin", MFA_TRUST)
    ev = make_evidence(tmp_path, roles=[role], policies=[ADMIN_POLICY],
                       list_roles=[list_role_entry(role_entry("other"), 3600)])
    res = only(result(ev, "privileged_role_session_too_long"))
    assert res.status is Status.ERROR and "missing from list-roles" in res.reason


def test_long_sessions_of_ordinary_roles_are_not_in_scope(tmp_path):
    ev = session_evidence(tmp_path, 43200, role=role_entry("reader", attached=[READ_ONLY]))
    assert result(ev, "privileged_role_session_too_long").status is Status.NOT_APPLICABLE


# iam_delegation_without_permissions_boundary -------------------------------------------------

DELEGATE = doc(allow(["iam:CreateRole", "iam:AttachRolePolicy", "iam:GetRole"]))
IAM_BOUNDARY = policy_entry("DelegationBoundary", doc(allow(["iam:*", "s3:*"])), attachment_count=0, boundary_count=1)


def test_iam_delegation_without_boundary_fails(tmp_path):
    ev = make_evidence(tmp_path, roles=[role_entry("pipeline", inline={"delegate": DELEGATE})])
    res = only(result(ev, "iam_delegation_without_permissions_boundary"))
    assert res.status is Status.FAIL
    assert "can iam:CreateRole, iam:AttachRolePolicy but has no permissions boundary" in res.reason


def test_iam_delegation_with_boundary_passes(tmp_path):
    ev = make_evidence(tmp_path, roles=[role_entry("pipeline", inline={"delegate": DELEGATE},
                                                   boundary=IAM_BOUNDARY["Arn"])], policies=[IAM_BOUNDARY])
    res = only(result(ev, "iam_delegation_without_permissions_boundary"))
    assert res.status is Status.PASS and "DelegationBoundary" in res.reason


def test_principals_without_iam_delegation_are_not_in_scope(tmp_path):
    ev = make_evidence(tmp_path, users=[user_entry("reader", inline={"read": BUCKET_READ})],
                       groups=[group_entry("iam-admins", inline={"delegate": DELEGATE})])
    assert result(ev, "iam_delegation_without_permissions_boundary").status is Status.NOT_APPLICABLE


# customer_policy_unused ----------------------------------------------------------------------


def test_customer_policy_attached_nowhere_fails(tmp_path):
    used = policy_entry("DevRead", BUCKET_READ)
    orphan = policy_entry("Orphan", BUCKET_READ, attachment_count=0)
    boundary = policy_entry("DevBoundary", doc(allow("s3:*")), attachment_count=0, boundary_count=1)
    ev = policies_evidence(tmp_path, used, orphan, boundary, READ_ONLY_POLICY,
                           users=[user_entry("alice", attached=[used["Arn"]], boundary=boundary["Arn"])])
    res = result(ev, "customer_policy_unused")
    assert resource(res, "policy/DevRead").status is Status.PASS
    bad = resource(res, "policy/Orphan")
    assert bad.status is Status.FAIL and "attached to nothing" in bad.reason
    boundary_use = resource(res, "policy/DevBoundary")
    assert boundary_use.status is Status.PASS and "used by 1 principal(s)" in boundary_use.reason
    assert len(res.resources) == 3  # AWS managed ReadOnlyAccess is not the customer's


# cloudshell_full_access_attached -------------------------------------------------------------


def test_cloudshell_full_access_attached_fails(tmp_path):
    ev = make_evidence(tmp_path, users=[user_entry("alice", attached=[CLOUDSHELL]), user_entry("bob")],
                       policies=[CLOUDSHELL_POLICY])
    res = only(result(ev, "cloudshell_full_access_attached"))
    assert res.status is Status.FAIL and res.reason == "AWSCloudShellFullAccess attached"
    assert res.resource_id.endswith(":user/alice")
    assert res.evidence.pointer == "/UserDetailList/0/AttachedManagedPolicies/0"


def test_no_cloudshell_full_access_passes(tmp_path):
    ev = make_evidence(tmp_path, users=[user_entry("bob")], roles=[role_entry("app", boundary=CLOUDSHELL)],
                       policies=[CLOUDSHELL_POLICY])
    res = only(result(ev, "cloudshell_full_access_attached"))
    assert res.status is Status.PASS and res.resource_id == ACCOUNT
