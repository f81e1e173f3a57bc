"""Helpers for the monthly-run tests: sample exports with planted changes, one period at a time.

Every timestamp in the exports is shifted by the same number of days per period, so ages (key age, days
unused) stay the same and only the planted changes move the verdicts.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples" / "exports"
ACCOUNT = "210987654321"
STAMP = re.compile(r"\b(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\+00:00|Z)")
ADMIN_POLICY = "EmergencyFullAccess"
ADMIN_ROLE = "ec2-bastion-ssm-role"
BUCKET = "northwind-audit-packages"
FAKE_KEY_ID = "AKIAMONTHLYTESTKEY01"
FAKE_SECRET = "monthly-test-secret-Xv8qP2wL7"


def _shift(text: str, days: int) -> str:
    if not days:
        return text

    def move(match: re.Match[str]) -> str:
        moment = datetime.fromisoformat(match.group(1)) + timedelta(days=days)
        return moment.strftime("%Y-%m-%dT%H:%M:%S") + match.group(2)

    return STAMP.sub(move, text)


def make_exports(target: Path, *, days: int = 0, mfa_for: tuple[str, ...] = (), admin_policy: bool = False,
                 drop_user: str | None = None) -> Path:
    """A copy of samples/exports, every timestamp moved DAYS later, with planted changes: users in MFA_FOR
    gain MFA, ADMIN_POLICY (allows * on *) is attached to ADMIN_ROLE, DROP_USER is deleted."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(SAMPLES, target)
    for path in sorted(target.glob("*.json")):
        if path.name == "credential-report.json":
            continue
        path.write_text(_shift(path.read_text("utf-8"), days), "utf-8")
    report_path = target / "credential-report.json"
    report = json.loads(report_path.read_text("utf-8"))
    csv = base64.b64decode(report["Content"]).decode("utf-8")
    lines = csv.split("\n")
    header = lines[0].split(",")
    mfa = header.index("mfa_active")
    for index, line in enumerate(lines[1:], start=1):
        fields = line.split(",")
        if fields and fields[0] in mfa_for:
            fields[mfa] = "true"
            lines[index] = ",".join(fields)
    lines = [line for line in lines if not (drop_user and line.split(",")[0] == drop_user)]
    report["Content"] = base64.b64encode(_shift("\n".join(lines), days).encode("utf-8")).decode("ascii")
    report["GeneratedTime"] = _shift(report["GeneratedTime"], days)
    report_path.write_text(json.dumps(report, indent=4) + "\n", "utf-8")
    details_path = target / "authorization-details.json"
    details = json.loads(details_path.read_text("utf-8"))
    if drop_user:
        details["UserDetailList"] = [u for u in details["UserDetailList"] if u["UserName"] != drop_user]
    if admin_policy:
        arn = f"arn:aws:iam::{ACCOUNT}:policy/{ADMIN_POLICY}"
        created = _shift("2026-10-20T09:00:00+00:00", days)
        details["Policies"].append({
            "PolicyName": ADMIN_POLICY, "PolicyId": "ANPAEMERGENCYFULL0001", "Arn": arn, "Path": "/",
            "DefaultVersionId": "v1", "AttachmentCount": 1, "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": True, "CreateDate": created, "UpdateDate": created,
            "PolicyVersionList": [{
                "Document": {"Version": "2012-10-17",
                             "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
                "VersionId": "v1", "IsDefaultVersion": True, "CreateDate": created,
            }],
        })
        role = next(r for r in details["RoleDetailList"] if r["RoleName"] == ADMIN_ROLE)
        role["AttachedManagedPolicies"].append({"PolicyName": ADMIN_POLICY, "PolicyArn": arn})
    details_path.write_text(json.dumps(details, indent=4) + "\n", "utf-8")
    return target


def failing(results: dict) -> set[tuple[str, str]]:
    """(check id, resource id) of every FAIL in a results.json dict."""
    return {(c["id"], r["id"]) for c in results["checks"] for r in c["resources"] if r["status"] == "FAIL"}
