"""Group checks: empty groups and inline group policies."""

from __future__ import annotations

from compliance_kit.model import Status

from .conftest import (
    ADMIN_ACCESS,
    ADMIN_POLICY,
    allow,
    doc,
    group_arn,
    group_entry,
    make_evidence,
    resource,
    result,
    user_entry,
)


def evidence(tmp_path):
    return make_evidence(
        tmp_path,
        users=[user_entry("alice", groups=["developers", "auditors"]), user_entry("bob", groups=["developers"])],
        groups=[
            group_entry("developers", inline={"dev-s3": doc(allow("s3:GetObject", "arn:aws:s3:::dev-bucket/*"))}),
            group_entry("auditors"),
            group_entry("old-admins", attached=[ADMIN_ACCESS]),
        ],
        policies=[ADMIN_POLICY],
    )


def test_group_with_members_passes_empty_group_fails(tmp_path):
    res = result(evidence(tmp_path), "group_empty")
    dev = resource(res, "group/developers")
    assert dev.status is Status.PASS and dev.reason == "2 member(s)"
    assert resource(res, "group/auditors").status is Status.PASS
    empty = resource(res, "group/old-admins")
    assert empty.status is Status.FAIL and empty.reason == "group has no members"
    assert empty.resource_id == group_arn("old-admins")
    assert empty.evidence.pointer == "/GroupDetailList/2"


def test_no_groups_is_not_applicable(tmp_path):
    ev = make_evidence(tmp_path, users=[user_entry("alice")])
    assert result(ev, "group_empty").status is Status.NOT_APPLICABLE


def test_group_with_inline_policy_fails_naming_it(tmp_path):
    res = result(evidence(tmp_path), "group_has_inline_policies")
    dev = resource(res, "group/developers")
    assert dev.status is Status.FAIL and dev.reason == "inline policies: dev-s3"
    assert dev.evidence.pointer == "/GroupDetailList/0/GroupPolicyList/0/PolicyDocument"
    auditors = resource(res, "group/auditors")
    assert auditors.status is Status.PASS and auditors.reason == "no inline policy"
    assert resource(res, "group/old-admins").status is Status.PASS  # managed policies are not inline
