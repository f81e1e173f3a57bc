"""The collector's parts: pagination, the CLI's JSON, credential-report polling, the plan, progress."""

from __future__ import annotations

import argparse
import copy
import io
import json
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from compliance_kit.collect.plan import ACCOUNT_STEPS, BY_ARTIFACT, ORGANIZATION_STEPS, policy_document
from compliance_kit.collect.progress import PlainProgress, RichProgress, make_progress
from compliance_kit.collect.run import (
    AccountCollector,
    CollectOptions,
    Recorder,
    cli_json,
    collect_account,
    fetch,
)
from compliance_kit.collect.session import RequestStats, action_name, redact
from compliance_kit.evidence.artifacts import ARTIFACTS
from compliance_kit.evidence.authorization import parse_authorization_details

from .collect_support import MANAGEMENT, manifest_entry

CREATED = datetime(2026, 11, 2, 5, 58, 41, tzinfo=UTC)


def _user(name: str) -> dict[str, Any]:
    return {"UserName": name, "UserId": f"AIDA{name.upper():0<17}"[:21], "Path": "/",
            "Arn": f"arn:aws:iam::{MANAGEMENT}:user/{name}", "CreateDate": CREATED,
            "UserPolicyList": [], "GroupList": [], "AttachedManagedPolicies": []}


def _role(name: str) -> dict[str, Any]:
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},
                                                       "Action": "sts:AssumeRole"}]}
    return {"RoleName": name, "RoleId": f"AROA{name.upper():0<17}"[:21], "Path": "/", "CreateDate": CREATED,
            "Arn": f"arn:aws:iam::{MANAGEMENT}:role/{name}",
            "AssumeRolePolicyDocument": urllib.parse.quote(json.dumps(trust)),  # as on the wire
            "RolePolicyList": [], "AttachedManagedPolicies": [], "InstanceProfileList": []}


def _iam_client() -> Any:
    return boto3.client("iam", region_name="us-east-1", aws_access_key_id="AKIASTUBBEDCLIENT000",
                        aws_secret_access_key="stub-secret")


def test_authorization_details_pages_are_merged_like_the_cli() -> None:
    """moto ignores MaxItems for this call, so the two pages come from a Stubber."""
    client = _iam_client()
    first = {"UserDetailList": [_user("ana")], "GroupDetailList": [], "RoleDetailList": [_role("deploy")],
             "Policies": [], "IsTruncated": True, "Marker": "page-2"}
    second = {"UserDetailList": [_user("ben"), _user("cy")], "GroupDetailList": [], "RoleDetailList": [],
              "Policies": [], "IsTruncated": False}
    with Stubber(client) as stub:
        stub.add_response("get_account_authorization_details", first, {"MaxItems": 1000})
        stub.add_response("get_account_authorization_details", second, {"MaxItems": 1000, "Marker": "page-2"})
        data = fetch(client, BY_ARTIFACT["authorization_details"])
        stub.assert_no_pending_responses()
    assert [u["UserName"] for u in data["UserDetailList"]] == ["ana", "ben", "cy"]
    assert [r["RoleName"] for r in data["RoleDetailList"]] == ["deploy"]
    assert data["RoleDetailList"][0]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"AWS": "*"}
    assert set(data) == {"UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"}  # no Marker/IsTruncated
    written = cli_json(data)
    details = parse_authorization_details(json.loads(written))
    assert not details.truncated and len(details.users) == 3
    assert b'"CreateDate": "2026-11-02T05:58:41+00:00"' in written


def test_pages_are_merged_over_http(moto, tmp_path: Path) -> None:
    """ListVirtualMFADevices honours MaxItems in moto: 5 devices, pages of 2 -> 3 requests, one merged file."""
    iam = moto.client("iam")
    for index in range(5):
        iam.create_virtual_mfa_device(VirtualMFADeviceName=f"device-{index}")
    stats = RequestStats()
    options = CollectOptions(out=tmp_path, endpoint_url=moto.url, regions=("us-east-1",), max_attempts=1,
                             report_poll_delay=0, page_size=2)
    result = collect_account(options, stats=stats)
    assert stats.by_action["iam:ListVirtualMFADevices"] == 3
    text = (tmp_path / MANAGEMENT / "list-virtual-mfa-devices.json").read_text()
    assert len(json.loads(text)["VirtualMFADevices"]) == 5 and "IsTruncated" not in text and "Marker" not in text
    assert result.requests == stats.for_label(MANAGEMENT) and result.requests >= 15
    assert stats.by_action["sts:GetCallerIdentity"] == 1


def test_cli_json_is_byte_identical_to_the_aws_cli_formatter() -> None:
    import awscli.formatter as formatter  # the real AWS CLI (a test dependency)
    response = {
        "Organization": {"Id": "o-abc", "FeatureSet": "ALL", "MasterAccountEmail": "zoë@exämple.com",
                         "Created": CREATED, "Nested": [{"When": CREATED + timedelta(microseconds=5)}],
                         "Count": 3, "Ratio": 0.5, "Flag": True, "Nothing": None},
        "ResponseMetadata": {"RequestId": "x", "HTTPStatusCode": 200},
    }
    stream = io.StringIO()
    formatter.JSONFormatter(argparse.Namespace(query=None))("describe-organization", copy.deepcopy(response), stream)
    response.pop("ResponseMetadata")
    assert cli_json(response) == stream.getvalue().encode("utf-8")


class _FakeIam:
    """generate/get credential report answers from a script; records calls."""

    def __init__(self, states: list[str], gets: list[Any]) -> None:
        self.states, self.gets, self.calls = list(states), list(gets), []

    def generate_credential_report(self) -> dict[str, Any]:
        self.calls.append("generate")
        return {"State": self.states.pop(0) if len(self.states) > 1 else self.states[0]}

    def get_credential_report(self) -> dict[str, Any]:
        self.calls.append("get")
        answer = self.gets.pop(0) if len(self.gets) > 1 else self.gets[0]
        if isinstance(answer, str):
            raise ClientError({"Error": {"Code": answer, "Message": "not ready"}}, "GetCredentialReport")
        return answer


class _FakeConnector:
    label = "fake"
    home_region = "us-east-1"
    stats = None

    def __init__(self, iam: Any) -> None:
        self.iam = iam

    def client(self, service: str, region: str | None = None) -> Any:
        assert service == "iam"
        return self.iam

    def secrets(self) -> tuple[str, ...]:
        return ()


HEADER = ("user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
          "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
          "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
          "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,"
          "access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated")
ROW = ("ana,arn:aws:iam::123456789012:user/ana,2026-01-01T00:00:00+00:00,true,no_information,"
       "2026-01-01T00:00:00+00:00,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A")
REPORT = {"Content": f"{HEADER}\n{ROW}\n".encode(),
          "ReportFormat": "text/csv", "GeneratedTime": datetime(2026, 11, 2, 1, 0, tzinfo=UTC)}


def _report(iam: Any, **options: Any) -> tuple[Recorder, AccountCollector, list[float]]:
    waits: list[float] = []
    opts = CollectOptions(out=Path("."), report_poll_delay=1.0, sleep=waits.append, **options)
    collector = AccountCollector(_FakeConnector(iam), opts)  # type: ignore[arg-type]
    rec = Recorder(collector.progress, "fake", ())
    collector._credential_report(rec, datetime(2026, 11, 2, 5, 0, tzinfo=UTC))
    return rec, collector, waits


def test_credential_report_polls_with_backoff_until_ready() -> None:
    iam = _FakeIam(["STARTED", "INPROGRESS", "COMPLETE"], ["ReportInProgress", REPORT])
    rec, collector, waits = _report(iam)
    entry = rec.entries[("credential_report", None)]
    assert entry["outcome"] == "ok" and rec.files["credential-report.csv"] == REPORT["Content"]
    assert entry["metadata"] == {"generated_time": "2026-11-02T01:00:00+00:00", "rows": 1}
    assert iam.calls == ["generate", "generate", "generate", "get", "generate", "get"]
    assert waits == [1.0, 2.0, 4.0]  # exponential backoff
    assert any("4.0 h before the run started" in w for w in collector.warnings)  # stale report (> 1 hour)


def test_credential_report_gives_up_within_the_cap() -> None:
    iam = _FakeIam(["INPROGRESS"], [REPORT])
    rec, _, waits = _report(iam, report_poll_tries=10, report_poll_budget=60.0)
    entry = rec.entries[("credential_report", None)]
    assert entry["outcome"] == "error" and entry["message"].startswith("ReportInProgress: credential report not ready")
    assert "credential-report.csv" not in rec.files
    assert sum(waits) <= 60.0 and len(iam.calls) <= 10


def test_credential_report_not_present_regenerates() -> None:
    iam = _FakeIam(["COMPLETE"], ["ReportNotPresent", REPORT])
    rec, collector, waits = _report(iam)
    assert rec.entries[("credential_report", None)]["outcome"] == "ok"
    assert iam.calls == ["generate", "get", "generate", "get"] and waits == [1.0]


def test_generate_denied_falls_back_to_the_latest_report() -> None:
    class Denied(_FakeIam):
        def generate_credential_report(self) -> dict[str, Any]:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "GenerateCredentialReport")

    rec, collector, _ = _report(Denied(["COMPLETE"], [REPORT]))
    assert rec.entries[("credential_report", None)]["outcome"] == "ok"
    assert any("cannot generate" in w for w in collector.warnings)


def test_the_plan_covers_every_artifact_and_is_read_only() -> None:
    planned = {s.artifact for s in (*ACCOUNT_STEPS, *ORGANIZATION_STEPS)}
    assert {a.name for a in ARTIFACTS} <= planned, "an artifact the collector does not collect"
    actions = set(policy_document()["Statement"][0]["Action"])
    for step in (*ACCOUNT_STEPS, *ORGANIZATION_STEPS):
        assert set(step.spec.permissions) <= actions
        assert step.spec.api_call.split(":")[1] == step.operation or step.kind == "report"


def test_redact_and_action_names() -> None:
    text = "key AKIAABCDEFGHIJKLMNOP and secret s3cr3t-value-123 leaked"
    assert redact(text, ["s3cr3t-value-123"]) == "key [redacted-key-id] and secret [redacted] leaked"
    assert action_name("before-send.sso-admin.ListInstances") == "sso:ListInstances"
    assert action_name("before-send.accessanalyzer.ListFindings") == "access-analyzer:ListFindings"


def test_plain_progress_lines() -> None:
    stream = io.StringIO()
    progress = make_progress("auto", stream)  # a StringIO is not a terminal: plain lines
    assert isinstance(progress, PlainProgress)
    progress.account_started("111122223333")
    progress.request("111122223333")
    progress.step_done("111122223333", "describe-trails.json", "access_denied", "AccessDenied: no")
    progress.account_done("111122223333", True, "10 ok")
    lines = stream.getvalue().splitlines()
    assert lines[1].endswith("collect 111122223333 describe-trails.json: access_denied (AccessDenied: no)")
    assert lines[2].endswith("collect 111122223333 done: 10 ok (1 requests)")


def test_rich_progress_renders() -> None:
    from rich.console import Console

    buffer = io.StringIO()
    progress = RichProgress(Console(file=buffer, force_terminal=True, width=160))
    progress.account_started("111122223333")
    progress.steps_planned("111122223333", 2)
    progress.step_started("111122223333", "get-account-authorization-details.json")
    progress.request("111122223333")
    progress.request("caller")
    progress.step_done("111122223333", "get-account-authorization-details.json", "ok", None)
    progress.step_done("111122223333", "list-analyzers.[x].json", "error", "500: [boom]")
    progress.warning("111122223333", "stale [report]")
    progress.account_done("111122223333", True, "1 ok, 1 error")
    progress.close()
    output = buffer.getvalue()
    assert "111122223333" in output and "list-analyzers.[x].json: error (500: [boom])" in output
    assert "stale [report]" in output and "requests" in output


def test_collect_help_lists_the_options(cli) -> None:
    run = cli("collect", "--help")
    for option in ("--out", "--profile", "--regions", "--role-arn", "--external-id", "--endpoint-url", "--org",
                   "--role-name", "--max-workers", "--max-attempts", "--progress"):
        assert option in run.out
    assert cli("collect", "--out", "x", "--role-name", "r").code == 2  # --role-name needs --org


def test_no_trail_means_no_per_trail_entries(moto, tmp_path: Path) -> None:
    """A run without a trail records no per-trail entries, like an import of the same files."""
    options = CollectOptions(out=tmp_path, endpoint_url=moto.url, regions=("us-east-1",), max_attempts=1,
                             report_poll_delay=0)
    collect_account(options)
    manifest = json.loads((tmp_path / MANAGEMENT / "manifest.json").read_text())
    assert not [e for e in manifest["artifacts"] if e["artifact"] in ("trail_status", "event_selectors")]
    assert manifest_entry(tmp_path / MANAGEMENT, "trails")["outcome"] == "ok"
