"""Fixtures of the scheduled-run tests: a kit.yaml writer, a runner that parses the summary line, and a
moto server on 127.0.0.1 (real HTTP) with fake credentials, an S3 bucket and a KMS key.

Helpers that build exports with planted changes live in monthly_support.py (this folder has no
__init__.py; pytest puts it on sys.path).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from compliance_kit.cli import main

from .monthly_support import BUCKET, FAKE_KEY_ID, FAKE_SECRET


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def summary(self) -> dict[str, Any]:
        """The machine-readable last line of stdout."""
        lines = [line for line in self.out.splitlines() if line.strip()]
        assert lines, f"no output; stderr: {self.err}"
        return json.loads(lines[-1])  # type: ignore[no-any-return]


def epoch(day: str) -> str:
    """SOURCE_DATE_EPOCH for midnight UTC of DAY (YYYY-MM-DD)."""
    return str(int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp()))


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run the real entry point in-process: run_cli(*args, now="2026-12-10")."""
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str, now: str = "2026-11-10") -> Result:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch(now))
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0) if not isinstance(exc.code, str) else 1
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def write_kit(tmp_path: Path) -> Callable[..., Path]:
    """write_kit({...}) or write_kit("yaml text") -> tmp_path/kit.yaml."""

    def write(content: dict[str, Any] | str, name: str = "kit.yaml") -> Path:
        path = tmp_path / name
        text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
        path.write_text(text, "utf-8")
        return path

    return write


# --- moto --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def moto_endpoint(moto_server_url: str) -> str:
    """The session's moto server (tests/conftest.py)."""
    return moto_server_url


@dataclass
class Aws:
    url: str
    kms_key_id: str = ""

    def client(self, service: str, region: str = "us-east-1") -> Any:
        import boto3

        return boto3.client(service, endpoint_url=self.url, region_name=region)


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Aws:
    """A clean moto, fake credentials only (no profile, no instance metadata), a bucket and a KMS key."""
    import requests

    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10).raise_for_status()
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN",
                 "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ENDPOINT_URL", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("COMPLIANCE_KIT_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("COMPLIANCE_KIT_REPORT_POLL_DELAY", "0")
    env = Aws(moto_endpoint)
    env.client("s3").create_bucket(Bucket=BUCKET)
    env.kms_key_id = env.client("kms").create_key(Description="audit packages")["KeyMetadata"]["KeyId"]
    return env
