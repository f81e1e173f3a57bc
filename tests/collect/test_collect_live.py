"""`compliance-kit collect` against a moto server over real HTTP, then `assess` on what it wrote."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

from compliance_kit.evidence.artifacts import ARTIFACTS
from compliance_kit.evidence.manifest import SCHEMA_ID, sha256_file, verify_directory

from .collect_support import (
    MANAGEMENT,
    TEST_KEY_ID,
    TEST_SECRET,
    check_result,
    manifest_entry,
    populate,
    resource,
)


def _collect(cli, out: Path, url: str, *extra: str):
    return cli("collect", "--out", str(out), "--endpoint-url", url, "--regions", "us-east-1", *extra)


def _assess(cli, path: Path, tmp_path: Path) -> dict:
    results = tmp_path / "results.json"
    run = cli("assess", str(path), "--out", str(results), "--quiet", "--framework", "soc2")
    assert run.code == 0, run.err
    return json.loads(results.read_text())


def test_collect_then_assess_end_to_end(cli, moto, tmp_path: Path) -> None:
    arns = populate(moto)
    keys = [k["AccessKeyId"] for u in ("alice", "ci-deployer")
            for k in moto.client("iam").list_access_keys(UserName=u)["AccessKeyMetadata"]]
    out = tmp_path / "evidence"
    run = _collect(cli, out, moto.url)
    assert run.code == 0, run.err
    account = out / MANAGEMENT
    assert f"wrote {account}" in run.out

    manifest = json.loads((account / "manifest.json").read_text())
    assert manifest["schema"] == SCHEMA_ID and manifest["method"] == "collect"
    assert manifest["account_id"] == MANAGEMENT
    assert manifest["caller_arn"].startswith(f"arn:aws:sts::{MANAGEMENT}:")
    assert manifest["collected_at"] == manifest["collection_started_at"]
    assert manifest["regions"] == ["us-east-1"]
    # the importer's entry format, for every entry
    for entry in manifest["artifacts"]:
        assert {"artifact", "key", "api_call", "outcome", "source", "message", "metadata"} <= set(entry)
        if entry.get("file"):
            assert sha256_file(account / entry["file"]) == entry["sha256"]
            assert (account / entry["file"]).stat().st_size == entry["bytes"]
    assert verify_directory(account).ok
    # every non-keyed artifact is accounted for
    listed = {(e["artifact"], e["key"]) for e in manifest["artifacts"]}
    assert all((a.name, None) in listed for a in ARTIFACTS if a.key is None)
    assert manifest_entry(account, "organization_accounts")["outcome"] == "not_collected"
    assert manifest_entry(account, "password_policy")["outcome"] == "ok"
    assert manifest_entry(account, "organization")["outcome"] == "not_configured"
    assert "AWSOrganizationsNotInUseException" in manifest_entry(account, "organization")["message"]

    # files as the AWS CLI prints them
    authz_text = (account / "get-account-authorization-details.json").read_text()
    authz = json.loads(authz_text)
    assert list(authz) == ["UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"]
    assert "ResponseMetadata" not in authz_text and "IsTruncated" not in authz_text and "Marker" not in authz_text
    assert authz_text.startswith('{\n    "UserDetailList"')
    assert {u["UserName"] for u in authz["UserDetailList"]} == {"alice", "bob", "ci-deployer"}
    assert authz["UserDetailList"][0]["CreateDate"].endswith("+00:00")
    report = (account / "credential-report.csv").read_text()
    assert report.startswith("user,arn,user_creation_time,")
    report_entry = manifest_entry(account, "credential_report")
    assert report_entry["metadata"]["generated_time"] == "2015-02-02T20:02:02+00:00"  # moto's fixed value
    assert report_entry["metadata"]["rows"] == 3
    assert any("credential report generated at 2015-02-02" in w for w in manifest["warnings"])
    assert "warning: credential report generated" in run.out
    trails = json.loads((account / "describe-trails.json").read_text())["trailList"]
    assert [t["Name"] for t in trails] == ["org-audit"]
    assert json.loads((account / "get-trail-status.org-audit.json").read_text())["IsLogging"] is True
    assert manifest_entry(account, "event_selectors", "org-audit")["outcome"] == "ok"
    analyzers = manifest_entry(account, "access_analyzers", "us-east-1")
    assert analyzers["outcome"] == "error" and analyzers["message"].startswith("500: ")  # moto lacks Access Analyzer

    # no secret anywhere: not the caller's key or secret, not the users' access key ids
    secrets = [TEST_KEY_ID, TEST_SECRET, *keys]
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(s.encode() in data for s in secrets), path
    assert not any(s in run.out + run.err for s in secrets)

    results = _assess(cli, out, tmp_path)
    assert [a["account_id"] for a in results["accounts"]] == [MANAGEMENT]
    assert resource(results, "user_console_without_mfa", "user/alice")["status"] == "FAIL"
    assert resource(results, "user_console_without_mfa", "user/bob")["status"] == "PASS"
    assert check_result(results, "user_console_without_mfa")["status"] == "FAIL"
    assert resource(results, "role_trust_allows_any_principal", arns["open_role"])["status"] == "FAIL"
    assert resource(results, "user_has_attached_policies", "user/alice")["status"] == "FAIL"
    assert check_result(results, "password_min_length_too_short")["status"] == "PASS"
    assert check_result(results, "cloudtrail_multi_region_not_logging")["status"] == "PASS"
    analyzer = resource(results, "access_analyzer_not_enabled", "us-east-1")
    assert analyzer["status"] == "ERROR" and "500" in analyzer["reason"]


def test_missing_password_policy_is_not_configured(cli, moto, tmp_path: Path) -> None:
    populate(moto, password_policy=False, trail=False)
    out = tmp_path / "evidence"
    assert _collect(cli, out, moto.url, "--progress", "none").code == 0
    account = out / MANAGEMENT
    entry = manifest_entry(account, "password_policy")
    assert entry["outcome"] == "not_configured" and entry["message"].startswith("NoSuchEntity: ")
    assert "file" not in entry and not (account / "get-account-password-policy.json").exists()
    assert json.loads((account / "describe-trails.json").read_text()) == {"trailList": []}
    results = _assess(cli, out, tmp_path)
    assert check_result(results, "password_policy_not_configured")["status"] == "FAIL"


def test_same_bytes_as_the_aws_cli_through_evidence_import(cli, moto, tmp_path: Path, monkeypatch) -> None:
    """One evaluation path: the real AWS CLI's output, imported, gives byte-identical evidence files."""
    import awscli.clidriver as clidriver  # the real AWS CLI (a test dependency)
    populate(moto)
    out = tmp_path / "evidence"
    assert _collect(cli, out, moto.url).code == 0  # also leaves a generated credential report in moto

    config = tmp_path / "aws-config"
    config.write_text("[default]\ncli_timestamp_format = iso8601\n")  # what AWS CLI v2 does by default
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_PAGER", "")
    loose = tmp_path / "client-exports"
    loose.mkdir()
    commands = {
        "authz.json": ["iam", "get-account-authorization-details"],
        "creds.json": ["iam", "get-credential-report"],
        "summary.json": ["iam", "get-account-summary"],
        "mfa.json": ["iam", "list-virtual-mfa-devices"],
        "trails.json": ["cloudtrail", "describe-trails"],
        "roles.json": ["iam", "list-roles"],
    }
    for name, args in commands.items():  # the AWS CLI itself, in-process (a subprocess each costs seconds)
        stdout = io.StringIO()
        with contextlib.redirect_stdout(stdout):
            code = clidriver.create_clidriver().main(
                [*args, "--endpoint-url", moto.url, "--region", "us-east-1", "--output", "json"])
        assert code == 0, name
        (loose / name).write_text(stdout.getvalue(), encoding="utf-8")

    run = cli("evidence", "import", str(loose), "--out", str(tmp_path / "imported"))
    assert run.code == 0, run.err
    imported = tmp_path / "imported" / MANAGEMENT
    for name in ("get-account-authorization-details.json", "credential-report.csv", "get-account-summary.json",
                 "list-virtual-mfa-devices.json", "describe-trails.json", "list-roles.json"):
        assert (imported / name).read_bytes() == (out / MANAGEMENT / name).read_bytes(), name
    ours = manifest_entry(out / MANAGEMENT, "credential_report")
    theirs = manifest_entry(imported, "credential_report")
    assert ours["sha256"] == theirs["sha256"] and ours["metadata"] == theirs["metadata"]


def test_assume_role_with_external_id(cli, moto, proxy, tmp_path: Path) -> None:
    role = f"arn:aws:iam::{MANAGEMENT}:role/compliance-audit"
    out = tmp_path / "evidence"
    run = _collect(cli, out, proxy.url, "--role-arn", role, "--external-id", "ext-4711", "--progress", "none")
    assert run.code == 0, run.err
    assume = [s for s in proxy.seen if s.action == "AssumeRole"]
    assert len(assume) == 1 and assume[0].params["ExternalId"] == "ext-4711" and assume[0].params["RoleArn"] == role
    manifest = json.loads((out / MANAGEMENT / "manifest.json").read_text())
    assert manifest["caller_arn"].startswith(f"arn:aws:sts::{MANAGEMENT}:assumed-role/compliance-audit/")
    # the calls after AssumeRole are signed with the temporary credentials, not the caller's
    later = [s for s in proxy.seen if s.action not in ("AssumeRole",)]
    assert later and all(TEST_KEY_ID not in s.headers.get("authorization", "") for s in later)


def test_profile_from_the_shared_credentials_file(cli, moto, proxy, tmp_path: Path, monkeypatch) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text("[audit]\naws_access_key_id = AKIAPROFILEKEY000001\n"
                           "aws_secret_access_key = profile-secret-value-42\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    out = tmp_path / "evidence"
    run = _collect(cli, out, proxy.url, "--profile", "audit", "--progress", "none")
    assert run.code == 0, run.err
    signed = {s.headers.get("authorization", "").split("Credential=")[-1].split("/")[0] for s in proxy.seen}
    assert signed == {"AKIAPROFILEKEY000001"}  # the profile, not the environment's key
    for path in out.rglob("*"):
        if path.is_file():
            assert b"profile-secret-value-42" not in path.read_bytes() and b"AKIAPROFILEKEY" not in path.read_bytes()
