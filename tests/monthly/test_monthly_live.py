"""Live sources (`accounts`, `organization`) through the collector's library API, against moto on 127.0.0.1."""

from __future__ import annotations

import json

from compliance_kit.monthly.package import verify_package

from .monthly_support import FAKE_KEY_ID, FAKE_SECRET

MOTO_ACCOUNT = "123456789012"  # moto's default account


def populate(aws) -> None:
    iam = aws.client("iam")
    iam.create_user(UserName="alice")
    iam.create_login_profile(UserName="alice", Password="Corr3ct-Horse-Battery!")
    iam.create_access_key(UserName="alice")


def live_kit(write_kit, aws, source: dict) -> object:
    return write_kit({"organization": "Acme", "source": {**source, "regions": ["us-east-1"], "endpoint_url": aws.url},
                      "frameworks": ["cmmc-l1"], "formats": [], "outputs": [{"dir": "./packages"}]})


def test_accounts_source_collects_into_the_period(aws, write_kit, run_cli, tmp_path):
    populate(aws)
    result = run_cli("run", "--config", str(live_kit(write_kit, aws, {"accounts": [{}]})), now="2026-11-10")
    assert result.code == 0, result.err
    period = tmp_path / "packages" / "2026-11"
    manifest = json.loads((period / "evidence" / MOTO_ACCOUNT / "manifest.json").read_text())
    assert manifest["method"] == "collect" and manifest["account_id"] == MOTO_ACCOUNT
    assert verify_package(period).ok and verify_package(period / "package.zip").ok
    users = {r["id"] for c in json.loads((period / "results.json").read_text())["checks"] for r in c["resources"]
             if r["type"] == "user"}
    assert f"arn:aws:iam::{MOTO_ACCOUNT}:user/alice" in users
    for path in period.rglob("*"):  # no secret reaches the package
        if path.is_file() and path.suffix in (".json", ".csv", ".sha256"):
            text = path.read_text("utf-8", "replace")
            assert FAKE_SECRET not in text and FAKE_KEY_ID not in text


def test_organization_source_and_failed_identity(aws, write_kit, run_cli, tmp_path, monkeypatch):
    populate(aws)
    aws.client("organizations").create_organization(FeatureSet="ALL")
    result = run_cli("run", "--config", str(live_kit(write_kit, aws, {"organization": {"max_workers": 1}})),
                     now="2026-11-10")
    assert result.code == 0, result.err
    evidence = tmp_path / "packages" / "2026-11" / "evidence"
    assert (evidence / MOTO_ACCOUNT / "manifest.json").is_file()
    assert (evidence / "organization" / MOTO_ACCOUNT / "manifest.json").is_file()
    assert verify_package(tmp_path / "packages" / "2026-11").evidence_dirs == 2

    # No usable credentials: collection fails (exit 3) and the period already there is left alone.
    before = (tmp_path / "packages" / "2026-11" / "package.zip").read_bytes()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    failed = run_cli("run", "--config", str(live_kit(write_kit, aws, {"accounts": [{}]})), now="2026-11-11")
    assert failed.code == 3 and failed.summary["status"] == "collection_failed"
    assert "compliance-kit" in failed.err and "Traceback" not in failed.err
    assert (tmp_path / "packages" / "2026-11" / "package.zip").read_bytes() == before
