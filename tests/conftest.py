"""Shared test helpers: real fixtures, an in-process CLI runner, evidence builders."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from compliance_kit.cli import main

REAL = Path(__file__).parent / "fixtures" / "real"
REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples" / "exports"
FIXED_EPOCH = "1794268800"  # 2026-11-10T00:00:00Z


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Run]:
    """Run the real entry point in-process; returns exit code, stdout and stderr."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", FIXED_EPOCH)
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str) -> Run:
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0) if not isinstance(exc.code, str) else 1
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def moto_server_url() -> Iterator[str]:
    """One moto server on 127.0.0.1 (a free port) for the whole run, started here and stopped after."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def copy_exports(target: Path, files: dict[str, str]) -> Path:
    """Copy real fixture files (relative to tests/fixtures/real) into TARGET under new names."""
    target.mkdir(parents=True, exist_ok=True)
    for name, source in files.items():
        shutil.copy(REAL / source, target / name)
    return target


def write_json(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=4))
    return path


CLOUDMAPPER = {
    "creds.csv": "credential-report/cloudmapper-demo.csv",
    "iam-authz.json": "authz/cloudmapper-demo.json",
    "summary.json": "account-summary/cloudmapper-demo.json",
    "trails.json": "cloudtrail/cloudmapper-demo-describe-trails.json",
}
CUSTODIAN = {
    "report.csv": "credential-report/custodian-unused-keys.csv",
    "pp.json": "password-policy/custodian-weak.json",
    "summary.json": "account-summary/custodian.json",
    "mfa.json": "virtual-mfa/custodian.json",
}
FIXINVENTORY = {
    "credential-report.csv": "credential-report/fixinventory-test.csv",
    "get-account-authorization-details.json": "authz/fixinventory-test.json",
    "mfa.json": "virtual-mfa/fixinventory-test.json",
}
