"""What principal-level checks share between principals, and what they must not.

checks.effective.Roster works a verdict out once per permission set, and a principal without inline
policies once per (groups, attached policies, boundary); escalations once per permission set and kind
of principal. Each test gives two principals that share as much as possible yet must get different
verdicts: it fails if the sharing reaches too far.
"""

from __future__ import annotations

from compliance_kit.checks.effective import roster
from compliance_kit.model import Status

from .conftest import (
    ACCOUNT,
    ACCOUNT_TRUST,
    allow,
    doc,
    group_entry,
    make_evidence,
    policy_arn,
    policy_entry,
    resource,
    result,
    role_entry,
    user_entry,
)

SECRETS = policy_entry("Secrets", doc(allow(["secretsmanager:GetSecretValue", "iam:CreateAccessKey"])))
EXTRA = policy_entry("Extra", doc(allow("s3:GetObject")))
S3_ONLY = policy_entry("S3Only", doc(allow("s3:*")), attachment_count=0, boundary_count=1)


def _slots(evidence) -> dict[str, int]:
    return {row[1].rsplit("/", 1)[-1]: row[2] for row in roster(evidence).rows}


def test_principals_share_a_permission_set_only_with_the_same_groups_policies_and_boundary(tmp_path):
    ev = make_evidence(tmp_path, users=[
        user_entry("ann", groups=["team"]),
        user_entry("ben", groups=["team"]),
        user_entry("bounded", groups=["team"], boundary=S3_ONLY["Arn"]),
        user_entry("more", groups=["team"], attached=[EXTRA["Arn"]]),
        user_entry("inline", groups=["team"], inline={"own": doc(allow("s3:GetObject"))}),
        user_entry("ghost-member", groups=["ghost"]),
        user_entry("loner"),
    ], groups=[group_entry("team", attached=[SECRETS["Arn"]])],
        roles=[role_entry("r1", attached=[SECRETS["Arn"]]), role_entry("r2", attached=[SECRETS["Arn"]])],
        policies=[SECRETS, EXTRA, S3_ONLY])
    slots = _slots(ev)
    assert slots["ann"] == slots["ben"] and slots["r1"] == slots["r2"]
    assert len({slots[name] for name in ("ann", "bounded", "more", "inline", "r1")}) == 5
    # the same (empty) set of documents, but one principal's group is not in the export
    assert slots["ghost-member"] == slots["loner"]

    exfiltration = result(ev, "principal_can_exfiltrate_data")
    for name in ("ann", "ben", "more", "inline"):
        assert resource(exfiltration, f"user/{name}").status is Status.FAIL, name
    assert resource(exfiltration, "user/bounded").status is Status.PASS  # the boundary allows only s3
    assert resource(exfiltration, "user/loner").status is Status.PASS
    ghost = resource(exfiltration, "user/ghost-member")
    assert ghost.status is Status.ERROR and "group ghost" in ghost.reason
    # each principal points at the group's statement, or at its own entry
    assert resource(exfiltration, "user/ann").evidence.pointer.startswith("/Policies/")
    assert resource(exfiltration, "user/loner").evidence.pointer == "/UserDetailList/6"
    assert resource(exfiltration, "user/ghost-member").evidence.pointer == "/UserDetailList/5"
    credentials = result(ev, "principal_can_expose_credentials")
    assert resource(credentials, "user/more").status is Status.FAIL
    assert resource(credentials, "user/bounded").status is Status.PASS


def test_escalation_on_the_own_arn_is_not_shared_within_a_permission_set(tmp_path):
    """alice and bob share their group's policy, which lets it attach policies to alice only; the
    two roles share a policy that lets it rewrite the role app only."""
    alice_only = policy_entry("AliceOnly", doc(allow("iam:AttachUserPolicy", f"arn:aws:iam::{ACCOUNT}:user/alice")))
    app_only = policy_entry("AppOnly", doc(allow("iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/app")))
    ev = make_evidence(tmp_path, users=[user_entry("alice", groups=["team"]), user_entry("bob", groups=["team"])],
                       groups=[group_entry("team", attached=[alice_only["Arn"]])],
                       roles=[role_entry("app", attached=[app_only["Arn"]], trust_policy=ACCOUNT_TRUST),
                              role_entry("other", attached=[app_only["Arn"]], trust_policy=ACCOUNT_TRUST)],
                       policies=[alice_only, app_only])
    slots = _slots(ev)
    assert slots["alice"] == slots["bob"] and slots["app"] == slots["other"]
    escalation = result(ev, "principal_can_escalate_privileges")
    assert "AttachUserPolicy" in resource(escalation, "user/alice").reason
    assert resource(escalation, "user/bob").status is Status.PASS
    assert "PutRolePolicyToSelf" in resource(escalation, "role/app").reason
    assert resource(escalation, "role/other").status is Status.PASS
    mfa = result(ev, "privileged_role_trust_without_mfa")  # only privileged roles are in scope
    assert [r.resource_id.rsplit("/", 1)[-1] for r in mfa.resources] == ["app"]


def test_escalation_is_not_shared_between_kinds_of_principal(tmp_path):
    """A user and a role holding the same policy: attaching policies to "${aws:username}" is the user's
    own escalation, and nothing for a role."""
    self_service = policy_entry("SelfService", doc(allow("iam:AttachUserPolicy",
                                                         f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}")))
    ev = make_evidence(tmp_path, users=[user_entry("carol", attached=[self_service["Arn"]])],
                       roles=[role_entry("worker", attached=[self_service["Arn"]])], policies=[self_service])
    slots = _slots(ev)
    assert slots["carol"] == slots["worker"]
    escalation = result(ev, "principal_can_escalate_privileges")
    assert "AttachUserPolicy" in resource(escalation, "user/carol").reason
    assert resource(escalation, "role/worker").status is Status.PASS


def test_group_members_and_the_group_itself_are_separate_permission_sets(tmp_path):
    """The group's own policies are reported as its own ("managed policy"), a member's as the group's
    ("group managed policy"): the verdicts agree, the reasons name where the grant comes from."""
    ev = make_evidence(tmp_path, users=[user_entry("a", groups=["team"])],
                       groups=[group_entry("team", attached=[SECRETS["Arn"]])], policies=[SECRETS])
    exfiltration = result(ev, "principal_can_exfiltrate_data")
    member, group = resource(exfiltration, "user/a"), resource(exfiltration, "group/team")
    assert member.status is group.status is Status.FAIL
    assert "group managed policy Secrets" in member.reason and "(managed policy Secrets" in group.reason
    assert policy_arn("Secrets") == SECRETS["Arn"]


def test_category_findings_are_shared_only_by_the_same_actions_through_the_same_statement(tmp_path):
    """A category's finding is worked out once per (actions allowed, Allow named): ann and cat hold the
    same reading statement (cat also a delegation policy, so their answers differ), ben an equal one in
    another policy, dan more actions. Each reason names its own policy and actions."""
    reads = policy_entry("Reads", doc(allow("s3:GetObject")))
    other_reads = policy_entry("OtherReads", doc(allow("s3:GetObject")))
    more_reads = policy_entry("MoreReads", doc(allow(["s3:GetObject", "secretsmanager:GetSecretValue"])))
    delegate = policy_entry("Delegate", doc(allow("iam:CreateUser")))
    ev = make_evidence(tmp_path, users=[
        user_entry("ann", attached=[reads["Arn"]]),
        user_entry("ben", attached=[other_reads["Arn"]]),
        user_entry("cat", attached=[reads["Arn"], delegate["Arn"]]),
        user_entry("dan", attached=[more_reads["Arn"]]),
    ], policies=[reads, other_reads, more_reads, delegate])
    exfiltration = result(ev, "principal_can_exfiltrate_data")
    ann, ben, cat, dan = (resource(exfiltration, f"user/{name}") for name in ("ann", "ben", "cat", "dan"))
    assert ann.status is ben.status is cat.status is dan.status is Status.FAIL
    assert "policy Reads," in ann.reason and "policy Reads," in cat.reason and "policy OtherReads," in ben.reason
    assert ann.reason == cat.reason and ann.evidence == cat.evidence != ben.evidence
    assert "secretsmanager:GetSecretValue" in dan.reason and "secretsmanager" not in ann.reason
