"""--org against moto: an organization of four accounts, one of which cannot be entered."""

from __future__ import annotations

import json
from pathlib import Path

from compliance_kit.collect.plan import policy_document, required_actions
from compliance_kit.collect.run import CollectOptions

from .collect_support import MANAGEMENT, aws_error, emulate_access_analyzer, manifest_entry, populate


def _organization(moto, members: int = 3) -> list[str]:
    orgs = moto.client("organizations")
    orgs.create_organization(FeatureSet="ALL")
    ids = [orgs.create_account(Email=f"member{i}@example.com", AccountName=f"member{i}")["CreateAccountStatus"]
           ["AccountId"] for i in range(members)]
    scp = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}]}
    orgs.create_policy(Name="deny-iam-users", Description="no IAM users", Type="SERVICE_CONTROL_POLICY",
                       Content=json.dumps(scp))
    return ids


def _member_creds(moto, account_id: str) -> dict[str, str]:
    return moto.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole", RoleSessionName="setup")["Credentials"]


def test_org_collects_every_active_account_and_lists_the_failure(cli, moto, proxy, tmp_path: Path) -> None:
    members = _organization(moto)
    ok_member, other_member, broken = members
    populate(moto, _member_creds(moto, ok_member), trail=False)
    proxy.deny("AssumeRole", "sts", when=lambda seen: broken in seen.params.get("RoleArn", ""))
    out = tmp_path / "evidence"
    run = cli("collect", "--org", "--out", str(out), "--endpoint-url", proxy.url, "--regions", "us-east-1",
              "--max-workers", "3", "--progress", "plain")
    assert run.code == 0, run.err
    assert f"FAILED {broken}: cannot assume arn:aws:iam::{broken}:role/OrganizationAccountAccessRole: AccessDenied" \
        in run.out
    assert "3 accounts collected, 1 failed, 0 skipped" in run.out
    assert f"{broken} FAILED" in run.err  # the plain progress log

    # one folder per collected account; the management account with the caller's own credentials
    collected = sorted(p.name for p in out.iterdir() if (p / "manifest.json").is_file())
    assert collected == sorted([MANAGEMENT, ok_member, other_member])
    assert not (out / broken).exists()
    assumed = [s.params["RoleArn"] for s in proxy.seen if s.action == "AssumeRole"]
    assert not any(MANAGEMENT in arn for arn in assumed) and len(assumed) == 3

    organization = out / "organization" / MANAGEMENT
    assert sorted(p.name for p in organization.iterdir()) == [
        "describe-organization.json", "list-accounts.json", "list-policies.SERVICE_CONTROL_POLICY.json",
        "manifest.json"]
    org_manifest = json.loads((organization / "manifest.json").read_text())
    assert org_manifest["account_id"] == MANAGEMENT and org_manifest["scope"] == "organization"
    assert {e["artifact"]: e["outcome"] for e in org_manifest["artifacts"]} == {
        "organization": "ok", "organization_accounts": "ok", "organization_scps": "ok"}
    accounts = json.loads((organization / "list-accounts.json").read_text())
    assert list(accounts) == ["Accounts"] and len(accounts["Accounts"]) == 4

    member = out / ok_member
    manifest = json.loads((member / "manifest.json").read_text())
    assert manifest["account_id"] == ok_member
    assert manifest["caller_arn"].startswith(f"arn:aws:sts::{ok_member}:assumed-role/OrganizationAccountAccessRole/")
    users = json.loads((member / "get-account-authorization-details.json").read_text())["UserDetailList"]
    assert {u["UserName"] for u in users} == {"alice", "bob", "ci-deployer"}  # the member's IAM, not the manager's
    scps = manifest_entry(member, "organization_scps")
    assert scps["outcome"] == "ok" and scps["metadata"] == {"collected_in_account": MANAGEMENT}
    assert (member / "list-policies.SERVICE_CONTROL_POLICY.json").read_bytes() == \
        (organization / "list-policies.SERVICE_CONTROL_POLICY.json").read_bytes()

    # `assess` on the whole folder sees the three accounts and not the organization folder
    results_path = tmp_path / "results.json"
    assessed = cli("assess", str(out), "--out", str(results_path), "--quiet", "--framework", "soc2")
    assert assessed.code == 0, assessed.err
    results = json.loads(results_path.read_text())
    assert sorted(a["account_id"] for a in results["accounts"]) == sorted([MANAGEMENT, ok_member, other_member])
    scp_check = next(c for c in results["checks"] if c["id"] == "organization_scps_missing")
    assert scp_check["status"] == "PASS", scp_check
    assert cli("evidence", "verify", str(out / "organization")).code == 0
    assert cli("evidence", "verify", str(out)).code == 0


def test_org_every_account_failing_is_exit_3(cli, moto, proxy, tmp_path: Path) -> None:
    _organization(moto, members=1)
    proxy.deny("AssumeRole", "sts")  # no member account can be entered
    calls = {"n": 0}

    def identity_fails_after_the_first(seen):
        if seen.action == "GetCallerIdentity":
            calls["n"] += 1
            if calls["n"] > 1:  # the management account's own collection cannot identify itself
                return aws_error(seen, "ExpiredToken", "The security token included in the request is expired", 403)
        return None

    proxy.rules.append(identity_fails_after_the_first)
    run = cli("collect", "--org", "--out", str(tmp_path / "e"), "--endpoint-url", proxy.url, "--progress", "none")
    assert run.code == 3, run.out + run.err
    assert "no account of the organization could be collected (2 failed)" in run.err
    assert "FAILED 123456789012: cannot identify the caller (sts:GetCallerIdentity): ExpiredToken" in run.out
    assert (tmp_path / "e" / "organization" / MANAGEMENT / "manifest.json").is_file()


def test_org_not_in_use_is_exit_3(cli, moto, tmp_path: Path) -> None:
    run = cli("collect", "--org", "--out", str(tmp_path / "e"), "--endpoint-url", moto.url, "--progress", "none")
    assert run.code == 3 and "AWSOrganizationsNotInUseException" in run.err


def test_policy_names_every_action_the_collector_calls(cli, moto, proxy, tmp_path: Path) -> None:
    """Record the actions of a full --org run with a botocore hook; the printed policy must cover them."""
    from compliance_kit.collect.org import collect_organization

    members = _organization(moto, members=1)
    populate(moto, trail=True)
    emulate_access_analyzer(proxy, [])
    called: set[str] = set()

    def record(model, **_: object) -> None:
        called.add(f"{model.service_model.signing_name}:{model.name}")

    options = CollectOptions(out=tmp_path / "e", endpoint_url=proxy.url, regions=("us-east-1",), max_attempts=1,
                             report_poll_delay=0, event_handlers=(("before-call", record),))
    result = collect_organization(options)
    assert [a.account_id for a in result.accounts] == sorted([MANAGEMENT, *members]) and not result.failures

    run = cli("policy")
    assert run.code == 0
    printed = json.loads(run.out)
    assert printed == policy_document()
    actions = set(printed["Statement"][0]["Action"])
    assert printed["Statement"][0]["Effect"] == "Allow" and printed["Statement"][0]["Resource"] == "*"
    assert all(a.split(":")[1].startswith(("List", "Get", "Describe", "Generate")) for a in actions)
    # sts:AssumeRole is made by the caller to enter the member accounts, not by the audit identity
    assert called - {"sts:AssumeRole"} <= actions, sorted(called - actions)
    assert actions == called - {"sts:AssumeRole"}  # and nothing more: the policy is minimal
    assert sorted(actions) == required_actions()
