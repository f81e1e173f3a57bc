"""Consecutive periods from folders of exports with planted changes: the delta lists exactly those.

Timeline (every timestamp in the exports moves with the period, so ages stay the same):
  2026-11  collected 2026-11-02 (the sample as it is)
  2026-12  collected 2026-12-02: kevin.marsh gains MFA; EmergencyFullAccess (* on *) attached to a role
  2027-01  collected 2027-01-01: the exception for shared-ops (expires 2026-12-15) has expired;
           svc-backup-reporter is deleted
"""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from compliance_kit.monthly.package import verify_package

from .monthly_support import ACCOUNT, ADMIN_POLICY, ADMIN_ROLE, make_exports

ARN = f"arn:aws:iam::{ACCOUNT}"
POLICY = f"{ARN}:policy/{ADMIN_POLICY}"
ROLE = f"{ARN}:role/{ADMIN_ROLE}"
EXCEPTIONS = """\
exceptions:
  - id: EX-TEST-001
    check: user_console_without_mfa
    resource: "arn:aws:iam::210987654321:user/shared-ops"
    reason: Shared on-call login until the Okta on-call flow is live.
    owner: ops-oncall@northwind.example
    approved_by: CISO
    expires: 2026-12-15
"""
NEW_IN_DECEMBER = {
    ("customer_policy_allows_full_admin", POLICY),
    ("policy_allows_assume_any_role", POLICY),
    ("policy_allows_cloudtrail_tampering", POLICY),
    ("policy_allows_kms_decrypt_on_all_keys", POLICY),
    ("policy_allows_passrole_to_any_role", POLICY),
    ("principal_can_expose_credentials", ROLE),
    ("principal_can_modify_resource_policies", ROLE),
    ("principal_has_admin_access", ROLE),
}
RESOLVED_IN_DECEMBER = {
    ("user_console_without_mfa", f"{ARN}:user/kevin.marsh"),
    ("user_without_mfa", f"{ARN}:user/kevin.marsh"),
}
BACKUP = f"{ARN}:user/svc-backup-reporter"
RESOLVED_IN_JANUARY = {
    ("access_key_unused", f"{BACKUP} (access key 1)"),
    ("principal_can_expose_credentials", BACKUP),
    ("user_without_mfa", BACKUP),
    ("workload_uses_iam_user", BACKUP),
}
PERIODS = {  # period -> (days the exports move, run date, planted changes)
    "2026-11": (0, "2026-11-10", {}),
    "2026-12": (30, "2026-12-10", {"mfa_for": ("kevin.marsh",), "admin_policy": True}),
    "2027-01": (60, "2027-01-10", {"mfa_for": ("kevin.marsh",), "admin_policy": True,
                                   "drop_user": "svc-backup-reporter"}),
}


def keys(entries: list[dict]) -> set[tuple[str, str]]:
    return {(e["check"], e["id"]) for e in entries}


@pytest.fixture
def workspace(tmp_path: Path, write_kit):
    (tmp_path / "exceptions.yaml").write_text(EXCEPTIONS, "utf-8")

    def kit(**extra):
        config = {"organization": "Northwind Health Analytics", "source": {"evidence": "./exports"},
                  "frameworks": ["cmmc-l1"], "exceptions": "./exceptions.yaml", "formats": [],
                  "outputs": [{"dir": "./packages"}], **extra}
        return write_kit(config)

    return tmp_path, kit


def run_period(run_cli, root: Path, config: Path, period: str, *args: str):
    days, now, changes = PERIODS[period]
    make_exports(root / "exports", days=days, **changes)
    return run_cli("run", "--config", str(config), *args, now=now)


def load(root: Path, period: str, name: str) -> dict:
    return json.loads((root / "packages" / period / name).read_text("utf-8"))


def test_two_periods_delta_lists_exactly_the_planted_changes(workspace, run_cli):
    root, kit = workspace
    config = kit()
    first = run_period(run_cli, root, config, "2026-11")
    assert first.code == 0, first.err
    assert first.summary["period"] == "2026-11" and first.summary["previous_period"] is None
    baseline = load(root, "2026-11", "delta.json")
    assert baseline["baseline"] is True and baseline["new_failures"] == []

    config = kit(formats=["xlsx", "pdf"])  # one framework's PDF, once
    second = run_period(run_cli, root, config, "2026-12", "--fail-on", "new-critical")
    assert second.code == 0, second.err  # no new failure is critical
    delta = load(root, "2026-12", "delta.json")
    assert delta["previous"]["period"] == "2026-11"
    assert keys(delta["new_failures"]) == NEW_IN_DECEMBER
    assert keys(delta["resolved_failures"]) == RESOLVED_IN_DECEMBER
    assert delta["new_principals"] == [] and delta["removed_principals"] == []
    assert delta["control_changes"] == []
    assert {e["consecutive_periods"] for e in delta["still_failing"]} == {2}
    assert delta["summary"]["new_failures_by_severity"]["high"] == 3
    assert [t["period"] for t in delta["trend"]] == ["2026-11", "2026-12"]

    summary = second.summary
    assert summary["status"] == "ok" and summary["new_failures"] == 8 and summary["resolved_failures"] == 2
    assert summary["previous_period"] == "2026-11"
    assert summary["controls"]["NOT_SATISFIED"] == 7
    assert Path(summary["package"]) == config.parent / "packages" / "2026-12" / "package.zip"

    # The previous period's results reached the workbook (run_report's `previous`): a Changes sheet.
    workbook = load_workbook(root / "packages" / "2026-12" / "compliance-kit.xlsx", read_only=True)
    changes = next(ws for ws in workbook.worksheets if "Change" in ws.title)
    cells = {str(c) for row in changes.iter_rows(values_only=True) for c in row if c}
    assert "new failure" in cells and POLICY in cells and "resolved" in cells
    workbook.close()

    # ... and the PDF's executive summary ("what changed"), when pdftotext is there to read it.
    pdf = root / "packages" / "2026-12" / "cmmc-l1-report.pdf"
    with zipfile.ZipFile(root / "packages" / "2026-12" / "package.zip") as archive:
        assert {"cmmc-l1-report.pdf", "compliance-kit.xlsx"} <= set(archive.namelist())
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        flat = " ".join(text.split())
        assert "What changed since the previous assessment" in flat
        assert "Compared with the assessment of 10 November 2026" in flat  # the 2026-11 results.json
        assert "EmergencyFullAccess" in flat  # among the new failing resources

    # The same period again with --fail-on new-high: three new high-severity failures -> exit 1.
    config = kit()  # no reports this time: only results.json
    again = run_cli("run", "--config", str(config), "--fail-on", "new-high", now="2026-12-11")
    assert again.code == 1
    assert again.summary["status"] == "threshold_crossed" and again.summary["failed_on"] == ["new-high"]
    assert "threshold crossed: new-high" in again.err


def test_three_periods_streaks_expired_exception_trend_and_retention(workspace, run_cli):
    root, kit = workspace
    config = kit(retention=2)
    for period in PERIODS:
        result = run_period(run_cli, root, config, period)
        assert result.code == 0, result.err
    # retention: 2 -> the oldest period was removed after the third run (its delta was computed first)
    packages = root / "packages"
    assert sorted(p.name for p in packages.iterdir() if not p.name.startswith(".")) == ["2026-12", "2027-01"]
    december = load(root, "2026-12", "results.json")
    waived = [r for c in december["checks"] for r in c["resources"] if r["status"] == "WAIVED"]
    assert [(r["id"], r["exception"]["id"]) for r in waived] == [(f"{ARN}:user/shared-ops", "EX-TEST-001")]

    delta = load(root, "2027-01", "delta.json")
    assert delta["previous"]["period"] == "2026-12"
    assert keys(delta["new_failures"]) == {("user_console_without_mfa", f"{ARN}:user/shared-ops")}
    assert delta["new_failures"][0]["before"] == "WAIVED" and delta["new_failures"][0]["severity"] == "high"
    assert keys(delta["resolved_failures"]) == RESOLVED_IN_JANUARY
    assert {e["after"] for e in delta["resolved_failures"]} == {None}
    assert delta["removed_principals"] == [{"account_id": ACCOUNT, "type": "user", "id": BACKUP}]
    assert delta["new_principals"] == []
    streaks = {(e["check"], e["id"]): (e["consecutive_periods"], e["failing_since"]) for e in delta["still_failing"]}
    for key in NEW_IN_DECEMBER:
        assert streaks[key] == (2, "2026-12")
    assert streaks[("access_key_not_rotated", f"{ARN}:user/ethan.brooks (access key 1)")] == (3, "2026-11")
    assert set(streaks.values()) == {(2, "2026-12"), (3, "2026-11")}
    assert [t["period"] for t in delta["trend"]] == ["2026-11", "2026-12", "2027-01"]
    assert all(set(t["scores"]) == {"cmmc-l1"} for t in delta["trend"])

    # The expired exception is reported as such in results.json.
    january = load(root, "2027-01", "results.json")
    assert [(e["id"], e["state"]) for e in january["exceptions"]] == [("EX-TEST-001", "expired")]

    # A backfill of an old period is never deleted by its own run (and has no earlier period).
    backfill = run_cli("run", "--config", str(config), "--period", "2026-09", now="2027-01-11")
    assert backfill.code == 0 and backfill.summary["previous_period"] is None
    assert (packages / "2026-09" / "package.zip").is_file()


def test_rerun_keeps_previous_and_a_failed_run_leaves_the_period_whole(workspace, run_cli):
    root, kit = workspace
    config = kit()
    period = root / "packages" / "2026-11"
    assert run_period(run_cli, root, config, "2026-11").code == 0
    first_digest = run_cli("run", "--config", str(config), now="2026-11-11").summary["digest"]
    assert (period / "previous" / "package.zip").is_file()
    third = run_cli("run", "--config", str(config), now="2026-11-12")
    assert third.code == 0
    # previous/ is the run just replaced (only the last one): no previous/previous/
    assert (period / "previous" / "MANIFEST.sha256").read_bytes() != (period / "MANIFEST.sha256").read_bytes()
    assert not (period / "previous" / "previous").exists()
    import hashlib

    assert hashlib.sha256((period / "previous" / "package.zip").read_bytes()).hexdigest() == first_digest
    assert verify_package(period).ok

    # A run that fails (the exports folder lost its files) changes nothing and leaves no staging folder.
    before = (period / "package.zip").read_bytes()
    shutil.rmtree(root / "exports")
    (root / "exports").mkdir()
    failed = run_cli("run", "--config", str(config), now="2026-11-13")
    assert failed.code == 2 and failed.summary["status"] == "bad_input"
    assert "no AWS export recognised" in failed.err
    assert (period / "package.zip").read_bytes() == before
    assert sorted(p.name for p in (root / "packages").iterdir()) == [".compliance-kit.lock", "2026-11"]


def test_package_verifies_with_sha256sum_and_verify_package(workspace, run_cli, tmp_path):
    root, kit = workspace
    config = kit(attestations=str(Path(__file__).resolve().parents[2] / "samples" / "attestations.yaml"))
    result = run_period(run_cli, root, config, "2026-11")
    assert result.code == 0, result.err
    period = root / "packages" / "2026-11"
    with zipfile.ZipFile(period / "package.zip") as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "unzipped")
    assert {"MANIFEST.sha256", "results.json", "delta.json", "inputs/exceptions.yaml", "inputs/attestations.yaml",
            f"evidence/{ACCOUNT}/manifest.json", f"evidence/{ACCOUNT}/credential-report.csv"} <= names
    for folder in (tmp_path / "unzipped", period):
        check = subprocess.run(["sha256sum", "-c", "--strict", "MANIFEST.sha256"], cwd=folder,
                               capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stdout + check.stderr
    listed = (period / "MANIFEST.sha256").read_text().splitlines()
    assert len(listed) == len(names) - 1 and all(line[64:66] == "  " for line in listed)

    assert verify_package(period).ok and verify_package(period / "package.zip").ok
    for target in (period, period / "package.zip"):
        through_cli = run_cli("evidence", "verify", str(target))
        assert through_cli.code == 0 and through_cli.out.startswith("OK "), through_cli.out + through_cli.err
    report = verify_package(period / "package.zip")
    assert report.evidence_dirs == 1 and report.lines()[0].startswith("OK ")

    # Tampering is found: a changed evidence file, and a file slipped into the folder.
    csv = period / "evidence" / ACCOUNT / "credential-report.csv"
    csv.write_bytes(csv.read_bytes().replace(b"kevin.marsh", b"kevin.march"))
    (period / "notes.txt").write_text("added later")
    tampered = verify_package(period)
    assert not tampered.ok
    assert tampered.changed == (f"evidence/{ACCOUNT}/credential-report.csv",)
    assert tampered.added == ("notes.txt",)
    assert any("does not match" in p for p in tampered.problems)
    assert run_cli("evidence", "verify", str(period)).code == 1
    lines = tampered.lines()
    assert any(line.startswith("CHANGED ") for line in lines) and any(line.startswith("ADDED ") for line in lines)


def test_evidence_directories_are_verified_and_copied(workspace, run_cli, tmp_path):
    root, kit = workspace
    make_exports(root / "exports")
    imported = run_cli("evidence", "import", str(root / "exports"), "--out", str(root / "evidence-dirs"))
    assert imported.code == 0, imported.err
    config = kit(source={"evidence": "./evidence-dirs"})
    ok = run_cli("run", "--config", str(config), now="2026-11-10")
    assert ok.code == 0, ok.err
    copied = root / "packages" / "2026-11" / "evidence" / ACCOUNT / "manifest.json"
    assert copied.read_bytes() == (root / "evidence-dirs" / ACCOUNT / "manifest.json").read_bytes()

    (root / "evidence-dirs" / ACCOUNT / "get-account-summary.json").write_text("{}")
    bad = run_cli("run", "--config", str(config), now="2026-11-11")
    assert bad.code == 3 and bad.summary["status"] == "collection_failed"
    assert "does not match its manifest.json (changed get-account-summary.json)" in bad.summary["message"]
    assert not (root / "packages" / "2026-11" / "previous").exists()  # the good period was not replaced
