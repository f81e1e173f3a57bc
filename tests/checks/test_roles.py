"""Role checks: trust policies, usage, and the roles an account should have."""

from __future__ import annotations

import json

from compliance_kit.model import Status

from .conftest import (
    ACCOUNT,
    ACCOUNT_TRUST,
    GITHUB,
    GITHUB_PROVIDER,
    MISSING,
    NOT_IN_ORG,
    OTHER_ACCOUNT,
    SERVICE_TRUST,
    SUPPORT_ACCESS,
    SUPPORT_POLICY,
    ago,
    group_entry,
    iso_z,
    make_evidence,
    only,
    org_account,
    organization,
    resource,
    result,
    role_arn,
    role_entry,
    trust,
    trust_statement,
    user_entry,
    with_threshold,
)


def roles(tmp_path, *entries, **artifacts):
    return make_evidence(tmp_path, roles=list(entries), **artifacts)


def github_trust(condition):
    return trust(trust_statement({"Federated": GITHUB_PROVIDER}, "sts:AssumeRoleWithWebIdentity", condition))


# role_trust_allows_any_principal -------------------------------------------------------------


def test_trust_in_any_aws_principal_fails(tmp_path):
    ev = roles(tmp_path, role_entry("open", trust_policy=trust(
        trust_statement({"Service": "lambda.amazonaws.com"}), trust_statement({"AWS": "*"}))))
    res = only(result(ev, "role_trust_allows_any_principal"))
    assert res.status is Status.FAIL
    assert "any AWS principal ('*')" in res.reason
    assert res.evidence.pointer == "/RoleDetailList/0/AssumeRolePolicyDocument/Statement/1"


def test_trust_in_principal_star_fails(tmp_path):
    ev = roles(tmp_path, role_entry("open", trust_policy=trust(trust_statement("*"))))
    assert only(result(ev, "role_trust_allows_any_principal")).status is Status.FAIL


def test_any_principal_narrowed_by_principal_org_id_passes(tmp_path):
    ev = roles(tmp_path, role_entry("org-wide", trust_policy=trust(trust_statement(
        {"AWS": "*"}, condition={"StringEquals": {"aws:PrincipalOrgID": "o-7k2m9xq4rb"}}))))
    res = only(result(ev, "role_trust_allows_any_principal"))
    assert res.status is Status.PASS and "names its principals" in res.reason


def test_any_principal_with_only_an_external_id_still_fails(tmp_path):
    """An external id is a shared secret, not an identity restriction."""
    ev = roles(tmp_path, role_entry("open", trust_policy=trust(trust_statement(
        {"AWS": "*"}, condition={"StringEquals": {"sts:ExternalId": "abc123"}}))))
    assert only(result(ev, "role_trust_allows_any_principal")).status is Status.FAIL


def test_any_principal_with_an_identity_condition_that_matches_everyone_fails(tmp_path):
    """`aws:PrincipalArn` like `arn:aws:iam::*:role/*` names a condition key but admits every role of every account."""
    ev = roles(tmp_path, role_entry("open", trust_policy=trust(trust_statement(
        {"AWS": "*"}, condition={"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}))))
    assert only(result(ev, "role_trust_allows_any_principal")).status is Status.FAIL


def test_service_and_account_trusts_pass(tmp_path):
    ev = roles(tmp_path, role_entry("ec2", trust_policy=SERVICE_TRUST), role_entry("acct", trust_policy=ACCOUNT_TRUST))
    res = result(ev, "role_trust_allows_any_principal")
    assert res.status is Status.PASS and len(res.resources) == 2


def test_unreadable_trust_policy_is_error(tmp_path):
    ev = roles(tmp_path, role_entry("broken", trust_policy="{not json"))
    res = only(result(ev, "role_trust_allows_any_principal"))
    assert res.status is Status.ERROR and "trust policy unreadable" in res.reason


def test_url_encoded_trust_policy_is_read(tmp_path):
    encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C" \
              "%22Principal%22%3A%7B%22AWS%22%3A%22%2A%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D"
    ev = roles(tmp_path, role_entry("legacy", trust_policy=encoded))
    assert only(result(ev, "role_trust_allows_any_principal")).status is Status.FAIL


# role_trust_cross_account_without_external_id ------------------------------------------------


def test_cross_account_trust_with_external_id_passes(tmp_path):
    ev = roles(tmp_path, role_entry("vendor", trust_policy=trust(trust_statement(
        {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"}, condition={"StringEquals": {"sts:ExternalId": "c-7781"}}))))
    res = only(result(ev, "role_trust_cross_account_without_external_id"))
    assert res.status is Status.PASS and "sts:ExternalId" in res.reason


def test_cross_account_trust_without_external_id_fails_naming_the_account(tmp_path):
    ev = roles(tmp_path, role_entry("vendor", trust_policy=trust(trust_statement({"AWS": OTHER_ACCOUNT}))))
    res = only(result(ev, "role_trust_cross_account_without_external_id"))
    assert res.status is Status.FAIL
    assert f"trusts account(s) {OTHER_ACCOUNT} without an sts:ExternalId" in res.reason
    assert res.evidence.pointer.endswith("/AssumeRolePolicyDocument/Statement/0")


def test_cross_account_role_arn_without_external_id_fails(tmp_path):
    ev = roles(tmp_path, role_entry("vendor", trust_policy=trust(trust_statement(
        {"AWS": [f"arn:aws:iam::{ACCOUNT}:role/deployer", f"arn:aws:iam::{OTHER_ACCOUNT}:role/partner"]}))))
    res = only(result(ev, "role_trust_cross_account_without_external_id"))
    assert res.status is Status.FAIL and OTHER_ACCOUNT in res.reason and ACCOUNT not in res.reason


def test_same_account_and_service_trusts_are_not_in_scope(tmp_path):
    ev = roles(tmp_path, role_entry("acct", trust_policy=ACCOUNT_TRUST), role_entry("ec2", trust_policy=SERVICE_TRUST))
    assert result(ev, "role_trust_cross_account_without_external_id").status is Status.NOT_APPLICABLE


def test_cross_account_trust_restricted_to_the_organization_passes(tmp_path):
    ev = roles(tmp_path, role_entry("partner", trust_policy=trust(trust_statement(
        {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
        condition={"StringEquals": {"aws:PrincipalOrgID": "o-7k2m9xq4rb"}}))))
    assert only(result(ev, "role_trust_cross_account_without_external_id")).status is Status.PASS


def test_trust_of_accounts_in_the_same_organization_is_not_third_party(tmp_path):
    sibling = "555566667777"
    statement = trust(trust_statement({"AWS": [f"arn:aws:iam::{sibling}:root", "999988887777"]}))
    ev = roles(tmp_path, role_entry("audit", trust_policy=statement),
               org=organization(master="999988887777"), accounts=[org_account(sibling), org_account(ACCOUNT)])
    assert only(result(ev, "role_trust_cross_account_without_external_id")).status is Status.PASS
    # without the list of member accounts, the sibling is a foreign account
    ev2 = roles(tmp_path, role_entry("audit", trust_policy=statement), org=organization(master="999988887777"))
    res = only(result(ev2, "role_trust_cross_account_without_external_id"))
    assert res.status is Status.FAIL and sibling in res.reason and "999988887777" not in res.reason


def test_cross_account_check_outside_an_organization(tmp_path):
    ev = roles(tmp_path, role_entry("vendor", trust_policy=trust(trust_statement({"AWS": OTHER_ACCOUNT}))),
               org=NOT_IN_ORG)
    assert only(result(ev, "role_trust_cross_account_without_external_id")).status is Status.FAIL


# role_oidc_trust_without_subject_condition ---------------------------------------------------


def test_github_trust_pinned_to_repo_and_branch_passes(tmp_path):
    ev = roles(tmp_path, role_entry("gha-deploy", trust_policy=github_trust({"StringEquals": {
        f"{GITHUB}:aud": "sts.amazonaws.com", f"{GITHUB}:sub": "repo:org/repo:ref:refs/heads/main"}})))
    res = only(result(ev, "role_oidc_trust_without_subject_condition"))
    assert res.status is Status.PASS and "pinned to specific subjects" in res.reason


def test_github_trust_with_wildcard_subject_fails(tmp_path):
    ev = roles(tmp_path, role_entry("gha-deploy", trust_policy=github_trust({
        "StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"}, "StringLike": {f"{GITHUB}:sub": "repo:*"}})))
    res = only(result(ev, "role_oidc_trust_without_subject_condition"))
    assert res.status is Status.FAIL
    assert f"{GITHUB}:sub" in res.reason


def test_github_trust_without_subject_condition_fails(tmp_path):
    ev = roles(tmp_path, role_entry("gha-deploy", trust_policy=github_trust({
        "StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"}})))
    res = only(result(ev, "role_oidc_trust_without_subject_condition"))
    assert res.status is Status.FAIL and "without a specific" in res.reason


def test_github_trust_with_no_condition_at_all_fails(tmp_path):
    ev = roles(tmp_path, role_entry("gha-deploy", trust_policy=github_trust(None)))
    assert only(result(ev, "role_oidc_trust_without_subject_condition")).status is Status.FAIL


def test_github_trust_with_wildcard_owner_fails(tmp_path):
    """`repo:*/*:ref:refs/heads/main` admits the main branch of every repository on GitHub."""
    ev = roles(tmp_path, role_entry("gha-deploy", trust_policy=github_trust({
        "StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"},
        "StringLike": {f"{GITHUB}:sub": "repo:*/*:ref:refs/heads/main"}})))
    assert only(result(ev, "role_oidc_trust_without_subject_condition")).status is Status.FAIL


def test_web_identity_trust_through_sts_wildcard_action_is_checked(tmp_path):
    """`sts:*` includes sts:AssumeRoleWithWebIdentity: the statement needs a subject condition too."""
    ev = roles(tmp_path, role_entry("gha-deploy", trust_policy=trust(
        trust_statement({"Federated": GITHUB_PROVIDER}, "sts:*"))))
    assert only(result(ev, "role_oidc_trust_without_subject_condition")).status is Status.FAIL


def test_cognito_trust_is_pinned_by_audience(tmp_path):
    pinned = trust(trust_statement({"Federated": "cognito-identity.amazonaws.com"}, "sts:AssumeRoleWithWebIdentity",
                                   {"StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:0000-1111"}}))
    ev = roles(tmp_path, role_entry("cognito-auth", trust_policy=pinned))
    assert only(result(ev, "role_oidc_trust_without_subject_condition")).status is Status.PASS


def test_roles_without_web_identity_trust_are_not_in_scope(tmp_path):
    ev = roles(tmp_path, role_entry("ec2", trust_policy=SERVICE_TRUST), role_entry("acct", trust_policy=ACCOUNT_TRUST))
    assert result(ev, "role_oidc_trust_without_subject_condition").status is Status.NOT_APPLICABLE


# role_unused ---------------------------------------------------------------------------------


def test_role_used_89_days_ago_passes_90_fails(tmp_path):
    used = ago(90)
    ev = roles(tmp_path, role_entry("recent", last_used=ago(89)), role_entry("stale", last_used=used))
    res = result(ev, "role_unused")
    assert resource(res, "role/recent").status is Status.PASS
    stale = resource(res, "role/stale")
    assert stale.status is Status.FAIL
    assert f"last used {iso_z(used)}, 90 days before collection (limit 90)" in stale.reason
    assert stale.evidence.pointer == "/RoleDetailList/1/RoleLastUsed"


def test_role_never_used_is_measured_from_creation(tmp_path):
    ev = roles(tmp_path, role_entry("old", last_used=None, created=ago(100)),
               role_entry("new", last_used=None, created=ago(10)))
    res = result(ev, "role_unused")
    old = resource(res, "role/old")
    assert old.status is Status.FAIL and "never used since creation 100 days" in old.reason
    new = resource(res, "role/new")
    assert new.status is Status.PASS and "created only 10 days" in new.reason


def test_role_without_role_last_used_in_the_export_is_error_never_pass(tmp_path):
    ev = roles(tmp_path, role_entry("unknown", last_used=MISSING, created=ago(5)))
    res = only(result(ev, "role_unused"))
    assert res.status is Status.ERROR
    assert "no RoleLastUsed" in res.reason


def test_service_linked_role_is_not_applicable(tmp_path):
    ev = roles(tmp_path, role_entry("AWSServiceRoleForSupport", path="/aws-service-role/support.amazonaws.com/",
                                    last_used=None, created=ago(2000)))
    res = only(result(ev, "role_unused"))
    assert res.status is Status.NOT_APPLICABLE and "service-linked" in res.reason


def test_role_unused_threshold_override(tmp_path):
    ev = roles(tmp_path, role_entry("monthly", last_used=ago(40)))
    assert only(result(ev, "role_unused")).status is Status.PASS
    res = only(result(ev, "role_unused", with_threshold(role_unused_days=30)))
    assert res.status is Status.FAIL and "limit 30" in res.reason


# support_role_missing ------------------------------------------------------------------------


def test_support_access_attached_to_a_group_passes(tmp_path):
    ev = make_evidence(tmp_path, groups=[group_entry("support", attached=[SUPPORT_ACCESS])], policies=[SUPPORT_POLICY])
    res = only(result(ev, "support_role_missing"))
    assert res.status is Status.PASS
    assert "AWSSupportAccess is attached to group support" in res.reason


def test_support_access_attached_to_a_role_passes(tmp_path):
    ev = roles(tmp_path, role_entry("support-role", trust_policy=ACCOUNT_TRUST, attached=[SUPPORT_ACCESS]))
    res = only(result(ev, "support_role_missing"))
    assert res.status is Status.PASS and "role support-role" in res.reason


def test_no_support_access_fails(tmp_path):
    ev = make_evidence(tmp_path, users=[user_entry("alice")], roles=[role_entry("app")])
    res = only(result(ev, "support_role_missing"))
    assert res.status is Status.FAIL
    assert res.reason == "no user, group or role has AWSSupportAccess"


def test_support_access_used_only_as_permissions_boundary_does_not_count(tmp_path):
    ev = roles(tmp_path, role_entry("capped", boundary=SUPPORT_ACCESS))
    assert only(result(ev, "support_role_missing")).status is Status.FAIL


# break_glass_role_missing --------------------------------------------------------------------


def test_role_named_break_glass_passes(tmp_path):
    ev = roles(tmp_path, role_entry("app"), role_entry("BreakGlassAdmin", trust_policy=ACCOUNT_TRUST))
    res = only(result(ev, "break_glass_role_missing"))
    assert res.status is Status.PASS and "BreakGlassAdmin" in res.reason


def test_role_tagged_as_emergency_access_passes(tmp_path):
    ev = roles(tmp_path, role_entry("ops-access", tags={"purpose": "emergency-access"}))
    res = only(result(ev, "break_glass_role_missing"))
    assert res.status is Status.PASS and "ops-access" in res.reason


def test_no_break_glass_role_fails(tmp_path):
    ev = roles(tmp_path, role_entry("app"), role_entry("deployer"))
    res = only(result(ev, "break_glass_role_missing"))
    assert res.status is Status.FAIL and "break-glass" in res.reason


def test_role_arns_are_stamped_with_the_account(tmp_path):
    ev = roles(tmp_path, role_entry("app"))
    res = only(result(ev, "role_unused"))
    assert res.resource_id == role_arn("app") and res.account_id == ACCOUNT


def _allow_statements_reference(document):
    """checks.trust.allow_statements as first written (as_list and str() on every value)."""
    from compliance_kit.checks.trust import _assumes, parse_document
    from compliance_kit.evidence.values import as_list

    parsed = parse_document(document)
    if parsed is None:
        return None
    out = []
    for index, statement in enumerate(as_list(parsed.get("Statement"))):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        actions = tuple(map(str, as_list(statement.get("Action"))))
        if not _assumes(actions):
            continue
        raw_principal = statement.get("Principal")
        principals = {}
        if raw_principal == "*":
            principals["*"] = ("*",)
        elif isinstance(raw_principal, dict):
            for kind, values in raw_principal.items():
                principals[str(kind)] = tuple(map(str, as_list(values)))
        conditions = {}
        for operator, block in (statement.get("Condition") or {}).items():
            if isinstance(block, dict):
                conditions[str(operator)] = {str(k).lower(): tuple(map(str, as_list(val))) for k, val in block.items()}
        out.append((index, principals, actions, conditions))
    return out


def test_trust_statements_read_every_shape_as_written():
    from compliance_kit.checks.trust import allow_statements

    documents = [
        trust(trust_statement({"Service": "ec2.amazonaws.com"})),
        {"Statement": {"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"], "Principal": "*",
                       "Condition": {"StringEquals": {"sts:ExternalId": ["x", 7]}, "Bool": "not a block"}}},
        {"Statement": [{"Effect": "Deny", "Action": "sts:AssumeRole", "Principal": "*"}, "not a statement",
                       {"Effect": "Allow", "Action": "sts:Assume*", "Principal": {"AWS": [ACCOUNT, 12], "Federated": None}},
                       {"Effect": "Allow", "Action": "s3:GetObject", "Principal": "*"},
                       {"Effect": "Allow", "Action": None, "Principal": "*"},
                       {"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity", "Principal": ["x"],
                        "Condition": {}}]},
        {"Statement": []}, json.dumps({"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}), "not json", 7,
    ]
    for document in documents:
        found = allow_statements(document)
        expected = _allow_statements_reference(document)
        assert (None if found is None else [(s.index, s.principals, s.actions, s.conditions) for s in found]) == expected
    assert allow_statements(documents[2])[0].principals == {"AWS": (ACCOUNT, "12"), "Federated": ()}
