"""Faults over real HTTP: a proxy in front of moto answers chosen calls with AWS's error bodies."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from compliance_kit.checks.registry import REGISTRY, load_all

from .collect_support import (
    MANAGEMENT,
    TEST_KEY_ID,
    TEST_SECRET,
    Reply,
    aws_error,
    check_result,
    emulate_access_analyzer,
    manifest_entry,
    populate,
    resource,
)


def _run(cli, out: Path, url: str, *extra: str):
    return cli("collect", "--out", str(out), "--endpoint-url", url, "--regions", "us-east-1", "--progress", "plain",
               *extra)


def _assess(cli, out: Path, tmp_path: Path) -> dict:
    target = tmp_path / "results.json"
    run = cli("assess", str(out), "--out", str(target), "--quiet", "--framework", "soc2")
    assert run.code == 0, run.err
    return json.loads(target.read_text())


def _needing(artifact: str) -> list[str]:
    load_all()
    return sorted(c.check_id for c in REGISTRY.values() if artifact in c.needs)


def test_access_denied_is_recorded_and_never_passes(cli, moto, proxy, tmp_path: Path) -> None:
    populate(moto)
    proxy.deny("GetAccountAuthorizationDetails", "iam")
    proxy.deny("DescribeTrails", "cloudtrail")  # a JSON-protocol service too
    out = tmp_path / "evidence"
    run = _run(cli, out, proxy.url)
    assert run.code == 0, run.err  # the run goes on
    account = out / MANAGEMENT
    authz = manifest_entry(account, "authorization_details")
    assert authz["outcome"] == "access_denied" and authz["message"].startswith("AccessDenied: User: ")
    assert "file" not in authz and not (account / "get-account-authorization-details.json").exists()
    trails = manifest_entry(account, "trails")
    assert trails["outcome"] == "access_denied" and trails["message"].startswith("AccessDeniedException: ")
    assert manifest_entry(account, "credential_report")["outcome"] == "ok"  # the others were collected
    assert "get-account-authorization-details.json: access_denied (AccessDenied: " in run.err  # plain log line
    assert "access_denied: get-account-authorization-details.json: AccessDenied" in run.out

    results = _assess(cli, out, tmp_path)
    for check_id in _needing("authorization_details") + _needing("trails"):
        result = check_result(results, check_id)
        assert result["status"] == "ERROR", check_id
        assert all(r["status"] != "PASS" for r in result["resources"]), check_id
    reason = check_result(results, "user_has_attached_policies")["resources"][0]["reason"]
    assert "access denied" in reason and "AccessDenied" in reason
    assert "AccessDeniedException" in check_result(results, "cloudtrail_log_validation_disabled")["resources"][0]["reason"]
    assert resource(results, "user_console_without_mfa", "user/alice")["status"] == "FAIL"  # unaffected checks run


def test_throttling_that_outlasts_the_retries(cli, moto, proxy, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("COMPLIANCE_KIT_MAX_ATTEMPTS", "2")  # keep the backoff short
    populate(moto, trail=False)
    emulate_access_analyzer(proxy)
    proxy.throttle("ListOpenIDConnectProviders")  # the last IAM call: adaptive rate limiting slows no other
    out = tmp_path / "evidence"
    begin = time.monotonic()
    run = _run(cli, out, proxy.url)
    assert run.code == 0, run.err
    assert time.monotonic() - begin < 30
    assert proxy.count("ListOpenIDConnectProviders") == 2  # botocore retried (adaptive mode), then gave up
    entry = manifest_entry(out / MANAGEMENT, "oidc_providers")
    assert entry["outcome"] == "error" and entry["message"] == "Throttling: Rate exceeded"
    assert manifest_entry(out / MANAGEMENT, "saml_providers")["outcome"] == "ok"
    results = _assess(cli, out, tmp_path)
    for check_id in _needing("oidc_providers"):
        result = check_result(results, check_id)
        assert result["status"] == "ERROR" and "Throttling" in result["resources"][0]["reason"], check_id


def test_throttling_within_the_retries_is_absorbed(cli, moto, proxy, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("COMPLIANCE_KIT_MAX_ATTEMPTS", "2")
    emulate_access_analyzer(proxy)
    proxy.throttle("ListInstances", times=1)  # sso-admin: a JSON-protocol service
    out = tmp_path / "evidence"
    assert _run(cli, out, proxy.url).code == 0
    assert proxy.count("ListInstances") == 2
    assert manifest_entry(out / MANAGEMENT, "identity_center_instances")["outcome"] == "ok"


def test_disabled_region_and_emulated_access_analyzer(cli, moto, proxy, tmp_path: Path) -> None:
    """An opt-in region that is not enabled answers UnrecognizedClientException; the run goes on."""
    def disabled(seen):
        if seen.region == "ap-east-1":
            return aws_error(seen, "UnrecognizedClientException", "The security token included in the request is invalid",
                             403)
        return None

    def no_identity_center_at_home(seen):
        if seen.action == "ListInstances" and seen.region == "us-east-1":
            return Reply(200, b'{"Instances": []}', "application/x-amz-json-1.1")
        return None

    proxy.rules += [disabled, no_identity_center_at_home]
    finding = {"id": "f-1", "resource": "arn:aws:s3:::public-bucket", "resourceType": "AWS::S3::Bucket",
               "status": "ACTIVE", "principal": {"AWS": "*"}, "condition": {}, "isPublic": True,
               "resourceOwnerAccount": MANAGEMENT, "createdAt": "2026-10-01T12:00:00Z",
               "updatedAt": "2026-10-01T12:00:00Z", "analyzedAt": "2026-10-01T12:00:00Z"}
    emulate_access_analyzer(proxy, [finding])
    out = tmp_path / "evidence"
    run = cli("collect", "--out", str(out), "--endpoint-url", proxy.url, "--regions", "us-east-1,ap-east-1",
              "--regions", "eu-west-1", "--progress", "none")
    assert run.code == 0, run.err
    account = out / MANAGEMENT
    disabled = manifest_entry(account, "access_analyzers", "ap-east-1")
    assert disabled["outcome"] == "error" and disabled["message"].startswith("UnrecognizedClientException: ")
    enabled = manifest_entry(account, "access_analyzers", "us-east-1")
    assert enabled["outcome"] == "ok"
    assert enabled["metadata"]["findings_analyzer"].endswith(":analyzer/account-analyzer")  # not the unused-access one
    findings = json.loads((account / "list-findings.us-east-1.json").read_text())
    assert list(findings) == ["findings"] and findings["findings"][0]["createdAt"] == "2026-10-01T12:00:00+00:00"
    finding_calls = [s for s in proxy.seen if s.action == "POST /finding"]
    assert sorted(s.region for s in finding_calls) == ["eu-west-1", "us-east-1"]  # regions with an active analyzer
    assert manifest_entry(account, "access_analyzer_findings", "ap-east-1") is None
    # IAM Identity Center: none in the home region, the disabled region skipped, found in eu-west-1
    instances = manifest_entry(account, "identity_center_instances")
    assert instances["outcome"] == "ok" and instances["metadata"] == {"region": "eu-west-1"}
    assert json.loads((account / "list-instances.json").read_text())["Instances"][0]["InstanceArn"]
    results = _assess(cli, out, tmp_path)
    assert resource(results, "access_analyzer_not_enabled", "us-east-1")["status"] == "PASS"
    assert resource(results, "access_analyzer_has_active_findings", "public-bucket")["status"] == "FAIL"


@pytest.mark.parametrize("code", ["InvalidClientTokenId", "ExpiredToken"])
def test_bad_credentials_exit_3_without_secrets(cli, moto, proxy, tmp_path: Path, code: str) -> None:
    proxy.fail("GetCallerIdentity", code, "The security token included in the request is invalid.", 403)
    out = tmp_path / "evidence"
    run = _run(cli, out, proxy.url)
    assert run.code == 3
    assert run.err.startswith("compliance-kit: collection failed: cannot identify the caller") and code in run.err
    assert "Traceback" not in run.err
    assert TEST_KEY_ID not in run.out + run.err and TEST_SECRET not in run.out + run.err
    assert not out.exists() or not any(out.iterdir())


def test_unknown_profile_is_bad_input(cli, moto, tmp_path: Path) -> None:
    run = cli("collect", "--out", str(tmp_path / "e"), "--profile", "no-such-profile")
    assert run.code == 2 and "no-such-profile" in run.err


def test_bad_region_name_is_bad_input(cli, moto, tmp_path: Path) -> None:
    run = cli("collect", "--out", str(tmp_path / "e"), "--regions", "us-east-1,Mars")
    assert run.code == 2 and "--regions" in run.err
