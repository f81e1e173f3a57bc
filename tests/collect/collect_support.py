"""Support for the live-collection tests (fixtures are exported by conftest.py): a moto server on 127.0.0.1 (real HTTP), a fault-injecting proxy in front of
it, fake credentials, and helpers that populate an account.

moto 5 gaps these tests work around (see the tests for each): MaxItems is ignored by
GetAccountAuthorizationDetails (pagination is proven with a Stubber and with ListVirtualMFADevices,
which honours it); the credential report has no root row and a fixed GeneratedTime (2015-02-02);
Access Analyzer is not implemented (HTTP 500; the proxy can emulate it); AWS managed policies exist
only with MOTO_IAM_LOAD_MANAGED_POLICIES=true (not needed here: customer managed policies are used).
"""

from __future__ import annotations

import http.client
import json
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

TEST_KEY_ID = "AKIACOLLECTTESTKEY77"
TEST_SECRET = "collector-test-secret-Zq8wP3xV9"
MANAGEMENT = "123456789012"  # moto's default account


@pytest.fixture(scope="session")
def moto_url(moto_server_url: str) -> str:
    """The session's moto server (tests/conftest.py)."""
    return moto_server_url


@dataclass
class Moto:
    url: str

    def client(self, service: str, region: str = "us-east-1", creds: dict[str, str] | None = None) -> Any:
        import boto3

        extra = {}
        if creds:
            extra = {"aws_access_key_id": creds["AccessKeyId"], "aws_secret_access_key": creds["SecretAccessKey"],
                     "aws_session_token": creds["SessionToken"]}
        return boto3.client(service, endpoint_url=self.url, region_name=region, **extra)


@pytest.fixture
def moto(moto_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Moto:
    """A clean moto (state reset) and an environment with fake credentials only."""
    import requests

    requests.post(f"{moto_url}/moto-api/reset", timeout=10).raise_for_status()
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
                 "AWS_ENDPOINT_URL", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", TEST_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", TEST_SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("COMPLIANCE_KIT_MAX_ATTEMPTS", "1")  # moto's HTTP 500s are not retried (fast tests)
    monkeypatch.setenv("COMPLIANCE_KIT_REPORT_POLL_DELAY", "0")
    return Moto(moto_url)


# --- populating an account -----------------------------------------------------------------------------

TRUST_ANYONE = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
TRUST_EC2 = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
READ_S3 = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}]}


def populate(moto: Moto, creds: dict[str, str] | None = None, *, password_policy: bool = True,
             trail: bool = True) -> dict[str, str]:
    """Users (console, keys, MFA, groups, inline and attached policies), roles with trust policies,
    a password policy and a logging multi-region trail. Returns a few ARNs."""
    iam = moto.client("iam", creds=creds)
    policy_arn = iam.create_policy(PolicyName="AdminEverything", PolicyDocument=json.dumps(ADMIN))["Policy"]["Arn"]
    iam.create_group(GroupName="developers")
    iam.put_group_policy(GroupName="developers", PolicyName="read-s3", PolicyDocument=json.dumps(READ_S3))

    iam.create_user(UserName="alice")  # console password, no MFA, admin policy attached directly
    iam.create_login_profile(UserName="alice", Password="Corr3ct-Horse-Battery!")
    iam.attach_user_policy(UserName="alice", PolicyArn=policy_arn)
    iam.create_access_key(UserName="alice")

    iam.create_user(UserName="bob")  # console password with MFA, in a group
    iam.create_login_profile(UserName="bob", Password="Corr3ct-Horse-Battery!")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="bob")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName="bob", SerialNumber=serial, AuthenticationCode1="123456",
                          AuthenticationCode2="654321")
    iam.add_user_to_group(GroupName="developers", UserName="bob")

    iam.create_user(UserName="ci-deployer")  # workload user: keys only, inline policy
    iam.create_access_key(UserName="ci-deployer")
    iam.put_user_policy(UserName="ci-deployer", PolicyName="deploy", PolicyDocument=json.dumps(READ_S3))

    open_role = iam.create_role(RoleName="open-to-anyone", AssumeRolePolicyDocument=json.dumps(TRUST_ANYONE))
    iam.create_role(RoleName="ec2-app", AssumeRolePolicyDocument=json.dumps(TRUST_EC2))
    iam.attach_role_policy(RoleName="ec2-app", PolicyArn=policy_arn)
    if password_policy:
        iam.update_account_password_policy(MinimumPasswordLength=14, RequireSymbols=True, RequireNumbers=True,
                                           RequireUppercaseCharacters=True, RequireLowercaseCharacters=True,
                                           MaxPasswordAge=90, PasswordReusePrevention=24)
    if trail:
        moto.client("s3", creds=creds).create_bucket(Bucket=f"trail-logs-{id(iam)}")
        cloudtrail = moto.client("cloudtrail", creds=creds)
        cloudtrail.create_trail(Name="org-audit", S3BucketName=f"trail-logs-{id(iam)}", IsMultiRegionTrail=True,
                                EnableLogFileValidation=True)
        cloudtrail.put_event_selectors(TrailName="org-audit", EventSelectors=[
            {"ReadWriteType": "All", "IncludeManagementEvents": True}])
        cloudtrail.start_logging(Name="org-audit")
    return {"policy": policy_arn, "open_role": open_role["Role"]["Arn"]}


# --- the fault-injecting proxy ---------------------------------------------------------------------------

@dataclass
class Seen:
    method: str
    path: str
    service: str  # from the SigV4 credential scope: iam, sts, ec2, cloudtrail, organizations, sso, access-analyzer
    region: str
    action: str  # Action= (query, ec2), X-Amz-Target's operation (json), or "METHOD /path" (rest-json)
    params: dict[str, str]
    headers: dict[str, str]


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "text/xml"
    headers: dict[str, str] = field(default_factory=dict)


def aws_error(seen: Seen, code: str, message: str, status: int) -> Reply:
    """AWS's error body for the request's protocol."""
    if "x-amz-target" in seen.headers:
        body = json.dumps({"__type": code, "message": message}).encode()
        return Reply(status, body, "application/x-amz-json-1.1", {"x-amzn-ErrorType": code})
    if seen.service == "ec2":
        xml = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>{code}</Code>"
               f"<Message>{message}</Message></Error></Errors><RequestID>req-1</RequestID></Response>")
        return Reply(status, xml.encode())
    if seen.params.get("Action"):
        xml = (f"<ErrorResponse xmlns=\"https://{seen.service}.amazonaws.com/doc/\"><Error><Type>Sender</Type>"
               f"<Code>{code}</Code><Message>{message}</Message></Error><RequestId>req-1</RequestId></ErrorResponse>")
        return Reply(status, xml.encode())
    body = json.dumps({"message": message}).encode()  # rest-json
    return Reply(status, body, "application/json", {"x-amzn-ErrorType": code})


Rule = Callable[[Seen], Reply | None]


class FaultProxy:
    """HTTP proxy on 127.0.0.1 in front of moto: rules answer chosen requests, the rest is forwarded."""

    def __init__(self, target: str) -> None:
        self.target = urllib.parse.urlsplit(target)
        self.rules: list[Rule] = []
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = proxy.describe(self.command, self.path, dict(self.headers.items()), body)
                with proxy._lock:
                    proxy.seen.append(seen)
                reply = next((r for r in (rule(seen) for rule in list(proxy.rules)) if r is not None), None)
                if reply is None:
                    reply = proxy.forward(self.command, self.path, dict(self.headers.items()), body)
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    @staticmethod
    def describe(method: str, path: str, headers: dict[str, str], body: bytes) -> Seen:
        lower = {k.lower(): v for k, v in headers.items()}
        scope = lower.get("authorization", "").split("Credential=", 1)[-1].split(",", 1)[0].split("/")
        service = scope[3] if len(scope) > 3 else ""
        region = scope[2] if len(scope) > 2 else ""
        params: dict[str, str] = {}
        if "x-www-form-urlencoded" in lower.get("content-type", ""):
            params = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()}
        if lower.get("x-amz-target"):
            action = lower["x-amz-target"].rsplit(".", 1)[-1]
        elif params.get("Action"):
            action = params["Action"]
        else:
            action = f"{method} {urllib.parse.urlsplit(path).path}"
        return Seen(method, path, service, region, action, params, lower)

    def forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        connection = http.client.HTTPConnection(self.target.hostname, self.target.port, timeout=60)
        try:
            skip = {"connection", "keep-alive", "transfer-encoding"}
            connection.request(method, path, body=body, headers={k: v for k, v in headers.items()
                                                                 if k.lower() not in skip})
            response = connection.getresponse()
            data = response.read()
            passthrough = {k: v for k, v in response.getheaders()
                           if k.lower() not in skip | {"content-length", "content-type", "server", "date"}}
            return Reply(response.status, data, response.getheader("Content-Type") or "text/xml", passthrough)
        finally:
            connection.close()

    # rules ----------------------------------------------------------------------------------------------
    def fail(self, action: str, code: str, message: str, status: int, when: Callable[[Seen], bool] | None = None) -> None:
        def rule(seen: Seen) -> Reply | None:
            if seen.action == action and (when is None or when(seen)):
                return aws_error(seen, code, message, status)
            return None

        self.rules.append(rule)

    def deny(self, action: str, service: str, when: Callable[[Seen], bool] | None = None) -> None:
        code = "AccessDeniedException" if service in {"organizations", "cloudtrail", "sso"} else "AccessDenied"
        self.fail(action, code, f"User: arn:aws:sts::{MANAGEMENT}:assumed-role/audit/ci is not authorized to "
                                f"perform: {service}:{action} because no identity-based policy allows it", 403, when)

    def throttle(self, action: str, times: int | None = None) -> None:
        """Answer ACTION with AWS's throttling error (every time, or the first TIMES times)."""
        left = {"n": times}

        def rule(seen: Seen) -> Reply | None:
            if seen.action != action or left["n"] == 0:
                return None
            if left["n"] is not None:
                left["n"] -= 1
            code = "ThrottlingException" if "x-amz-target" in seen.headers else "Throttling"
            return aws_error(seen, code, "Rate exceeded", 400)

        self.rules.append(rule)

    def count(self, action: str) -> int:
        with self._lock:
            return sum(1 for s in self.seen if s.action == action)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy(moto: Moto) -> Iterator[FaultProxy]:
    fault = FaultProxy(moto.url)
    try:
        yield fault
    finally:
        fault.close()


ANALYZER_ARN = f"arn:aws:access-analyzer:us-east-1:{MANAGEMENT}:analyzer/account-analyzer"


def emulate_access_analyzer(proxy: FaultProxy, findings: list[dict[str, Any]] | None = None) -> None:
    """Answer Access Analyzer (which moto lacks) with one active analyzer per region and FINDINGS."""
    stamp = "2026-10-01T12:00:00Z"

    def rule(seen: Seen) -> Reply | None:
        if seen.service != "access-analyzer":
            return None
        path = urllib.parse.urlsplit(seen.path).path
        if seen.method == "GET" and path == "/analyzer":
            arn = ANALYZER_ARN.replace("us-east-1", seen.region)
            body = {"analyzers": [
                {"arn": arn.replace("account-analyzer", "unused"), "name": "unused", "type": "ACCOUNT_UNUSED_ACCESS",
                 "createdAt": stamp, "status": "ACTIVE"},
                {"arn": arn, "name": "account-analyzer", "type": "ACCOUNT", "createdAt": stamp, "status": "ACTIVE"},
            ]}
            return Reply(200, json.dumps(body).encode(), "application/json")
        if seen.method == "POST" and path == "/finding":
            return Reply(200, json.dumps({"findings": findings or []}).encode(), "application/json")
        return None

    proxy.rules.append(rule)


# --- reading results --------------------------------------------------------------------------------------

def manifest_entry(directory: Path, artifact: str, key: str | None = None) -> dict[str, Any] | None:
    manifest = json.loads((directory / "manifest.json").read_text())
    return next((e for e in manifest["artifacts"] if e["artifact"] == artifact and e["key"] == key), None)


def check_result(results: dict[str, Any], check_id: str) -> dict[str, Any]:
    return next(c for c in results["checks"] if c["id"] == check_id)


def resource(results: dict[str, Any], check_id: str, resource_id_part: str) -> dict[str, Any]:
    found = [r for r in check_result(results, check_id)["resources"] if resource_id_part in r["id"]]
    assert found, f"{check_id}: no resource matching {resource_id_part}"
    return found[0]
