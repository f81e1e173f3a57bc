"""The Excel workbook, built through the real pipeline and read back with openpyxl (and as raw XML)."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import CLOUDMAPPER, CUSTODIAN, SAMPLES, copy_exports

from compliance_kit.pipeline import ReportOptions, run_report
from compliance_kit.render import workbook as workbook_module
from compliance_kit.render.workbook import write_workbook
from compliance_kit.render.workbook_xlsx import sheet_title

CLOCK = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)
FINDING = {"FAIL", "ERROR", "WAIVED"}
RANK = {"FAIL": 0, "ERROR": 1, "WAIVED": 2, "PASS": 3, "NOT_APPLICABLE": 4}
INJECTIONS = ['=HYPERLINK("http://x","y")', "+SUM(1)", "-2+3", "@cmd", "#DIV/0!", "=1+1"]
ACCOUNT = "111122223333"


def report(evidence: Path, out: Path, **options: Any) -> tuple[openpyxl.Workbook, dict[str, Any], Path]:
    opts = ReportOptions(formats=("xlsx", "json"), out=out, **options)
    run_report(evidence, opts, clock=lambda: CLOCK)
    path = out / "compliance-kit.xlsx"
    return openpyxl.load_workbook(path), json.loads((out / "results.json").read_text()), path


def table(ws: Any) -> tuple[list[str], list[list[Any]]]:
    """Header and data rows of a sheet's first table (it ends at the first empty row)."""
    rows = ws.iter_rows(values_only=True)
    header = [h for h in next(rows) if h is not None]
    data = []
    for row in rows:
        if all(v is None for v in row) or str(row[0]).startswith("Note: "):
            break
        data.append(list(row[: len(header)]))
    return header, data


def records(ws: Any) -> list[dict[str, Any]]:
    header, data = table(ws)
    return [dict(zip(header, row, strict=True)) for row in data]


def notes(ws: Any) -> list[str]:
    return [r[0] for r in ws.iter_rows(values_only=True) if isinstance(r[0], str) and r[0].startswith("Note: ")]


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[openpyxl.Workbook, dict[str, Any], Path]:
    """The sample account (or, before samples/exports exists, the cloudmapper fixture files)."""
    out = tmp_path_factory.mktemp("sample")
    if SAMPLES.is_dir():
        extra = {k: SAMPLES.parent / f"{k}.yaml" for k in ("exceptions", "attestations")}
        return report(SAMPLES, out / "out", org_name="Northwind Health Analytics",
                      **{k: v for k, v in extra.items() if v.is_file()})
    return report(copy_exports(out / "src", CLOUDMAPPER), out / "out", org_name="Example")


@pytest.fixture(scope="module")
def two_accounts(tmp_path_factory) -> tuple[openpyxl.Workbook, dict[str, Any], Path]:
    """cloudmapper (full IAM) and custodian (credential report only) as two evidence directories."""
    from compliance_kit.evidence.importer import build_evidence
    from compliance_kit.evidence.manifest import MANIFEST

    base = tmp_path_factory.mktemp("two")
    evidence = base / "evidence"
    for label, files in (("cloudmapper", CLOUDMAPPER), ("custodian", CUSTODIAN)):
        imported = build_evidence(copy_exports(base / label, files), clock=lambda: CLOCK)
        target = evidence / imported.manifest["account_id"]
        target.mkdir(parents=True)
        for name, content in imported.files.items():
            (target / name).write_bytes(content)
        (target / MANIFEST).write_bytes(imported.manifest_bytes)
    return report(evidence, base / "out", frameworks=("soc2", "hipaa"))


def write_injection_exports(folder: Path) -> Path:
    """A credential report and authorization details whose names start with = + - @ or are error literals."""
    folder.mkdir(parents=True, exist_ok=True)
    columns = ["user", "arn", "user_creation_time", "password_enabled", "password_last_used", "password_last_changed",
               "password_next_rotation", "mfa_active", "access_key_1_active", "access_key_1_last_rotated",
               "access_key_1_last_used_date", "access_key_1_last_used_region", "access_key_1_last_used_service",
               "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date",
               "access_key_2_last_used_region", "access_key_2_last_used_service", "cert_1_active",
               "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerow(["<root_account>", f"arn:aws:iam::{ACCOUNT}:root", "2020-01-01T00:00:00+00:00", "not_supported",
                     "N/A", "not_supported", "not_supported", "true", "false", "N/A", "N/A", "N/A", "N/A", "false",
                     "N/A", "N/A", "N/A", "N/A", "false", "N/A", "false", "N/A"])
    for name in INJECTIONS:
        writer.writerow([name, f"arn:aws:iam::{ACCOUNT}:user/{name}", "2021-03-04T05:06:07+00:00", "true",
                         "2026-10-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00", "N/A", "false", "true",
                         "2021-03-04T05:06:08+00:00", "2026-10-30T00:00:00+00:00", "us-east-1", "s3", "true",
                         "2026-09-01T00:00:00+00:00", "N/A", "N/A", "N/A", "false", "N/A", "false", "N/A"])
    (folder / "credential-report.csv").write_text(buffer.getvalue())
    admin = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    policy_arn = f"arn:aws:iam::{ACCOUNT}:policy/+SUM(1)"
    details = {
        "UserDetailList": [
            {"UserName": name, "Arn": f"arn:aws:iam::{ACCOUNT}:user/{name}", "UserId": f"AIDA{i:016d}", "Path": "/",
             "CreateDate": "2021-03-04T05:06:07Z", "GroupList": ["@admins"],
             "AttachedManagedPolicies": [{"PolicyName": "+SUM(1)", "PolicyArn": policy_arn}],
             "UserPolicyList": [{"PolicyName": "=1+1", "PolicyDocument": admin}],
             "Tags": [{"Key": "=cmd", "Value": "-2+3"}]}
            for i, name in enumerate(INJECTIONS)
        ],
        "GroupDetailList": [{"GroupName": "@admins", "Arn": f"arn:aws:iam::{ACCOUNT}:group/@admins", "GroupId": "AGPA1",
                             "Path": "/", "CreateDate": "2021-03-04T05:06:07Z", "AttachedManagedPolicies": [],
                             "GroupPolicyList": []}],
        "RoleDetailList": [{"RoleName": "=EVIL()", "Arn": f"arn:aws:iam::{ACCOUNT}:role/=EVIL()", "RoleId": "AROA1",
                            "Path": "/", "CreateDate": "2021-03-04T05:06:07Z",
                            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                                {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
                                 "Action": "sts:AssumeRole"}]},
                            "RoleLastUsed": {}, "AttachedManagedPolicies": [], "RolePolicyList": []}],
        "Policies": [{"PolicyName": "+SUM(1)", "Arn": policy_arn, "PolicyId": "ANPA1", "Path": "/",
                      "DefaultVersionId": "v1", "AttachmentCount": len(INJECTIONS), "IsAttachable": True,
                      "CreateDate": "2021-03-04T05:06:07Z", "UpdateDate": "2021-03-04T05:06:07Z",
                      "PolicyVersionList": [{"Document": admin, "VersionId": "v1", "IsDefaultVersion": True}]}],
        "IsTruncated": False,
    }
    (folder / "get-account-authorization-details.json").write_text(json.dumps(details, indent=2))
    return folder


@pytest.fixture(scope="module")
def injection(tmp_path_factory) -> tuple[openpyxl.Workbook, dict[str, Any], Path]:
    base = tmp_path_factory.mktemp("inject")
    return report(write_injection_exports(base / "src"), base / "out", frameworks=("soc2",))


# ---------------------------------------------------------------- structure


def test_sheet_names_in_order(sample):
    wb, results, _ = sample
    frameworks = [f["id"] for f in results["frameworks"]]
    assert wb.sheetnames == ["Summary", *frameworks, "Findings", "Checks", "Users", "Roles", "Groups", "Policies",
                             "Evidence", "Exceptions"]
    for name in wb.sheetnames:
        assert len(name) <= 31 and not set(name) & set("[]:*?/\\")


def test_every_sheet_has_frozen_header_filter_and_defined_name(sample):
    wb, _, _ = sample
    names = {name: dn.attr_text for name, dn in wb.defined_names.items()}
    for ws in wb.worksheets:
        assert ws.freeze_panes in ("A2", "C2"), ws.title
        assert ws.auto_filter.ref, ws.title
        assert any(text.startswith(f"'{ws.title}'!") for text in names.values()), ws.title
        first = next(ws.iter_rows(min_row=1, max_row=1))
        assert first[0].font.bold, ws.title
    users = wb["Users"]
    assert names["ck_Users"] == f"'Users'!$A$1:${openpyxl.utils.get_column_letter(len(table(users)[0]))}$" \
                                f"{len(table(users)[1]) + 1}"
    assert wb["Users"].auto_filter.ref == names["ck_Users"].split("!")[1].replace("$", "")


def test_summary_names_package(sample):
    wb, results, _ = sample
    info = {}
    for item, value, *_ in wb["Summary"].iter_rows(values_only=True):
        if item == "Framework":
            break
        info[item] = value
    assert info["Organization"]
    assert info["Account"] == results["account_id"]
    assert info["Evidence digest (SHA-256)"] == results["evidence_digest"]
    assert info["Tool version"] == results["tool_version"]
    assert isinstance(info["Generated at (UTC)"], datetime)
    assert info["Generated at (UTC)"] == CLOCK.replace(tzinfo=None)
    assert isinstance(info["Evidence collected at (UTC)"], datetime)
    fails = sum(c["counts"]["FAIL"] for c in results["checks"])
    assert info["Failing resources (FAIL)"] == fails
    header = None
    counts = {}
    for row in wb["Summary"].iter_rows(values_only=True):
        if row[0] == "Framework":
            header = list(row)
        elif header and row[0]:
            counts[row[0]] = dict(zip(header, row, strict=True))
    for framework in results["frameworks"]:
        for status, n in framework["counts"].items():
            assert counts[framework["id"]][status] == n


def test_framework_sheets_list_every_control(sample):
    wb, results, _ = sample
    for framework in results["frameworks"]:
        rows = records(wb[framework["id"]])
        assert [r["Control"] for r in rows] == [c["id"] for c in framework["controls"]]
        assert [r["Verdict"] for r in rows] == [c["status"] for c in framework["controls"]]
        for row, control in zip(rows, framework["controls"], strict=True):
            assert row["Reason"] == control["reason"]
            assert row["Mapped checks"] == (", ".join(control["checks"]) or None)
            assert row["Rationale / guidance"], control["id"]
            assert row["Owner"] is None and row["Comment"] is None
            if control["checks"]:
                assert row["Rationale / guidance"].startswith(control["checks"][0] + ": ")


def test_attested_control_shows_its_attestation(sample):
    wb, results, _ = sample
    attested = [(f["id"], c) for f in results["frameworks"] for c in f["controls"] if c.get("attestation")]
    assert attested, "the sample evidence is assessed with samples/attestations.yaml"
    framework_id, control = attested[0]
    row = next(r for r in records(wb[framework_id]) if r["Control"] == control["id"])
    assert row["Attestation"] == control["attestation"]["statement"]
    assert row["Attested by"] == control["attestation"]["owner"]
    assert isinstance(row["Attested on"], datetime)


def test_findings_are_the_failing_erroring_and_waived_resources(sample):
    wb, results, _ = sample
    expected = {(c["id"], r["account_id"], r["type"], r["id"], r["status"])
                for c in results["checks"] for r in c["resources"] if r["status"] in FINDING}
    rows = records(wb["Findings"])
    assert len(rows) == sum(c["counts"][s] for c in results["checks"] for s in FINDING)
    assert {(r["Check"], r["Account"], r["Resource type"], r["Resource"], r["Status"]) for r in rows} == expected
    titles = {c["id"]: c["title"] for c in results["checks"]}
    for row in rows:
        assert row["Check title"] == titles[row["Check"]]
        assert row["Evidence file"] or row["Status"] == "ERROR"
        if row["Status"] == "WAIVED":
            assert row["Exception"] and isinstance(row["Exception expires"], datetime)


def test_checks_sheet_counts(sample):
    wb, results, _ = sample
    rows = {r["Check"]: r for r in records(wb["Checks"])}
    assert set(rows) == {c["id"] for c in results["checks"]}
    for check in results["checks"]:
        assert rows[check["id"]]["Verdict"] == check["status"]
        for status, n in check["counts"].items():
            assert rows[check["id"]][status] == n


def test_evidence_inventory_matches_manifest(sample):
    wb, results, _ = sample
    rows = records(wb["Evidence"])
    artifacts = [a for account in results["accounts"] for a in account["artifacts"]]
    assert len(rows) == len(artifacts)
    assert [(r["Artifact"], r["SHA-256"], r["Outcome"]) for r in rows] == \
           [(a["artifact"], a["sha256"], a["outcome"]) for a in artifacts]
    assert all(isinstance(r["Collected at (UTC)"], datetime) for r in rows)


# ---------------------------------------------------------------- populations


def expected_verdict(results: dict[str, Any], check_id: str, account: str, arn: str) -> str | None:
    check = next(c for c in results["checks"] if c["id"] == check_id)
    found = [r["status"] for r in check["resources"] if r["account_id"] == account and r["type"] != "inline_policy"
             and r["type"] != "account" and r["id"].split(" (access key ")[0] == arn]
    if found:
        return min(found, key=RANK.__getitem__)
    if any(r["type"] == "account" and r["account_id"] == account and r["status"] == "ERROR"
           for r in check["resources"]):
        return "ERROR"
    return None


@pytest.mark.parametrize("sheet", ["Users", "Roles", "Groups", "Policies"])
def test_population_verdict_columns_match_results(sample, sheet):
    wb, results, _ = sample
    check_ids = {c["id"] for c in results["checks"]}
    header, _ = table(wb[sheet])
    columns = [h for h in header if h in check_ids]
    assert columns, sheet
    for row in records(wb[sheet]):
        for check_id in columns:
            assert row[check_id] == expected_verdict(results, check_id, row["Account"], row["ARN"]), \
                (sheet, row["ARN"], check_id)


def test_population_sizes_match_evidence(sample):
    wb, results, _ = sample
    from compliance_kit.evidence import load_evidence

    evidence = load_evidence(SAMPLES)[0]
    authz = evidence.authorization
    users = {r.arn for r in evidence.credential_report.users} | {u.arn for u in authz.users}
    assert len(records(wb["Users"])) == len(users)
    assert len(records(wb["Roles"])) == len(authz.roles)
    assert len(records(wb["Groups"])) == len(authz.groups)
    assert len(records(wb["Policies"])) == sum(1 for p in authz.policies.values() if not p.is_aws_managed)
    user_checks = [c["id"] for c in results["checks"] if c["id"].startswith(("user_", "access_key_"))]
    assert set(user_checks) <= set(table(wb["Users"])[0])


def test_user_columns_hold_credential_facts_as_dates_and_booleans(sample):
    wb, _, _ = sample
    ws = wb["Users"]
    header, _ = table(ws)
    created = header.index("Created") + 1
    cells = [row[created - 1] for row in ws.iter_rows(min_row=2, max_row=len(table(ws)[1]) + 1)]
    assert all(c.is_date and isinstance(c.value, datetime) for c in cells if c.value is not None)
    assert any(c.value is not None for c in cells)
    rows = records(ws)
    assert {type(r["MFA active"]) for r in rows} <= {bool, type(None)}
    with_key = [r for r in rows if r["Key 1 last rotated"] is not None]
    assert with_key and all(isinstance(r["Key 1 age (days)"], int) for r in with_key)


def test_known_user_and_root_verdicts(two_accounts):
    wb, results, _ = two_accounts
    users = records(wb["Users"])
    assert {r["Account"] for r in users} == {"123456789012", "619193117841"}
    user = next(r for r in users if r["ARN"] == "arn:aws:iam::123456789012:user/user")
    assert user["Key 1 active"] is True and user["Key 2 active"] is True
    assert user["user_has_multiple_active_keys"] == "FAIL"
    findings = records(wb["Findings"])
    root = [r for r in findings if r["Check"] == "root_has_active_access_keys"]
    assert ("619193117841", "FAIL", "arn:aws:iam::619193117841:root") in \
           [(r["Account"], r["Status"], r["Resource"]) for r in root]
    assert len(findings) == sum(c["counts"][s] for c in results["checks"] for s in FINDING)


def test_missing_authorization_details_leave_a_note_not_a_crash(two_accounts):
    wb, _, _ = two_accounts
    for sheet in ("Roles", "Groups", "Policies"):
        assert any("619193117841: authorization details unavailable" in n for n in notes(wb[sheet])), sheet
        assert {r["Account"] for r in records(wb[sheet])} <= {"123456789012"}
    assert any("group and policy columns are empty" in n for n in notes(wb["Users"]))
    custodian_users = [r for r in records(wb["Users"]) if r["Account"] == "619193117841"]
    assert custodian_users and all(r["Groups"] is None for r in custodian_users)
    # a check that could not run for the account shows ERROR for each of its users
    assert {r["user_not_in_group"] for r in custodian_users} == {"ERROR"}


def test_no_credential_report_users_come_from_authorization_details(tmp_path):
    src = copy_exports(tmp_path / "src", {"iam-authz.json": "authz/cloudmapper-demo.json"})
    wb, _, _ = report(src, tmp_path / "out", frameworks=("soc2",))
    rows = records(wb["Users"])
    assert rows and all(r["MFA active"] is None and r["Key 1 active"] is None for r in rows)
    assert any(r["Groups"] for r in rows) and all(r["ARN"].startswith("arn:aws:iam::") for r in rows)
    assert any("credential report unavailable" in n for n in notes(wb["Users"]))


def test_nothing_usable_gives_note_rows(tmp_path):
    from compliance_kit.pipeline import build_assessment

    src = copy_exports(tmp_path / "src", {"pp.json": "password-policy/custodian-weak.json"})
    assessment, evidences = build_assessment(src, ReportOptions(frameworks=("soc2",)), lambda: CLOCK)
    path = write_workbook(assessment, evidences, tmp_path / "wb.xlsx", org_name=None, previous=None)
    wb = openpyxl.load_workbook(path)
    for sheet in ("Users", "Roles", "Groups", "Policies"):
        assert table(wb[sheet])[1] == [], sheet
        assert notes(wb[sheet]), sheet
        assert wb[sheet]["A2"].value.startswith("Note: account ")


# ---------------------------------------------------------------- links and formatting


def test_findings_link_to_population_rows_and_back(sample):
    wb, _, _ = sample
    ws = wb["Findings"]
    header, data = table(ws)
    col = header.index("Resource") + 1
    linked = 0
    for row in ws.iter_rows(min_row=2, max_row=len(data) + 1):
        cell = row[col - 1]
        if cell.hyperlink is None:
            continue
        linked += 1
        sheet, ref = cell.hyperlink.location.split("!")
        target = wb[sheet.strip("'")][ref]
        arn = cell.value.split(" (")[0]
        assert wb[sheet.strip("'")].cell(target.row, 3).value == arn
    assert linked
    users = wb["Users"]
    uheader, udata = table(users)
    fcol = uheader.index("Findings") + 1
    for row in users.iter_rows(min_row=2, max_row=len(udata) + 1):
        cell = row[fcol - 1]
        if cell.value:
            assert cell.hyperlink is not None
            target_row = int(cell.hyperlink.location.split("!A")[1])
            assert ws.cell(target_row, col).value.split(" (")[0] == row[2].value
        else:
            assert cell.value == 0


def test_verdict_cells_have_conditional_formatting(sample, tmp_path):
    wb, results, path = sample
    status = {'"FAIL"', '"PASS"', '"ERROR"', '"WAIVED"', '"NOT_APPLICABLE"'}
    control = {'"NOT_SATISFIED"', '"SATISFIED"', '"NOT_ASSESSED"', '"WAIVED"', '"MANUAL"', '"ATTESTED"'}
    for sheet, column, expected, red in (("Findings", "Status", status, '"FAIL"'),
                                         ("Users", "user_without_mfa", status, '"FAIL"'),
                                         (results["frameworks"][0]["id"], "Verdict", control, '"NOT_SATISFIED"')):
        ws = wb[sheet]
        header, data = table(ws)
        letter = openpyxl.utils.get_column_letter(header.index(column) + 1)
        rules = {}
        for cf in ws.conditional_formatting:
            if any(f"{letter}2:{letter}{len(data) + 1}" == str(r) for r in cf.sqref.ranges):
                for rule in cf.rules:
                    rules[rule.formula[0]] = rule
        assert expected <= set(rules), sheet
        assert rules[red].dxf.fill.bgColor.rgb.endswith("FFC7CE")
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode() + "".join(
            z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
    assert "<conditionalFormatting" in xml and 'operator="equal"' in xml


# ---------------------------------------------------------------- security


def test_formula_like_names_are_stored_as_text(injection):
    wb, _, path = injection
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and (cell.value[:1] in "=+-@" or cell.value == "#DIV/0!"):
                    assert cell.data_type == "s", (ws.title, cell.coordinate, cell.value)
                    seen.add(cell.value)
                    if cell.value[:1] in "=+-@":
                        assert cell.quotePrefix, (ws.title, cell.coordinate)
    users = {r["User"]: r for r in records(wb["Users"])}
    assert set(INJECTIONS) <= set(users)
    assert set(INJECTIONS) <= seen
    assert users["-2+3"]["Groups"] == "@admins"
    assert users["-2+3"]["Attached policies"] == "+SUM(1)"
    assert users["-2+3"]["Inline policies"] == "=1+1"
    assert users["-2+3"]["Tags"] == "=cmd=-2+3"
    assert [r["Role"] for r in records(wb["Roles"])] == ["=EVIL()"]
    assert [r["Policy"] for r in records(wb["Policies"])] == ["+SUM(1)"]
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                xml = z.read(name).decode()
                assert not re.search(r"<f[ >]", xml), name
                assert 't="e"' not in xml, name
                assert "HYPERLINK" not in xml or 'HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)' in xml or \
                       'HYPERLINK("http://x","y")' in xml


def test_libreoffice_reads_the_names_as_text(injection, tmp_path):
    wb, _, path = injection
    sheet = wb.sheetnames.index("Users") + 1
    filter_options = f"44,34,76,1,,0,false,true,false,false,false,{sheet}"
    result = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to",
         f"csv:Text - txt - csv (StarCalc):{filter_options}", "--outdir", str(tmp_path), str(path)],
        capture_output=True, text=True, timeout=180)
    produced = list(tmp_path.glob("*.csv"))
    assert produced, result.stderr
    rows = list(csv.reader(io.StringIO(produced[0].read_text())))
    names = {row[1] for row in rows[1:] if len(row) > 1}
    assert set(INJECTIONS) <= names


# ---------------------------------------------------------------- period, atomicity, determinism


def test_changes_sheet_lists_verdict_changes_and_new_failures(sample, tmp_path):
    wb, results, path = sample
    previous = json.loads(json.dumps(results))
    framework = previous["frameworks"][0]
    control = framework["controls"][0]
    control["status"] = "SATISFIED" if control["status"] != "SATISFIED" else "NOT_SATISFIED"
    failing_check = next(c for c in previous["checks"] if c["counts"]["FAIL"])
    removed = next(r for r in failing_check["resources"] if r["status"] == "FAIL")
    failing_check["resources"].remove(removed)
    previous["generated_at"] = "2026-10-01T00:00:00Z"
    prev_path = tmp_path / "previous.json"
    prev_path.write_text(json.dumps(previous))
    evidence = SAMPLES if SAMPLES.is_dir() else copy_exports(tmp_path / "src", CLOUDMAPPER)
    wb2, _, _ = report(evidence, tmp_path / "out", previous=prev_path)
    assert wb2.sheetnames[-1] == "Changes"
    rows = records(wb2["Changes"])
    assert any(r["Change"] == "control verdict changed" and r["Framework"] == framework["id"]
               and r["Control"] == control["id"] for r in rows)
    assert any(r["Change"] == "new failure" and r["Check"] == failing_check["id"] and r["Resource"] == removed["id"]
               and r["Current"] == "FAIL" for r in rows)
    assert any("2026-10-01" in n for n in notes(wb2["Changes"]))


def test_write_is_atomic(tmp_path, monkeypatch):
    from compliance_kit.pipeline import build_assessment

    src = copy_exports(tmp_path / "src", CLOUDMAPPER)
    assessment, evidences = build_assessment(src, ReportOptions(frameworks=("soc2",)), lambda: CLOCK)
    target = tmp_path / "out" / "book.xlsx"
    assert write_workbook(assessment, evidences, target, org_name=None, previous=None) == target
    before = target.read_bytes()

    def broken_save(self, filename):
        Path(filename).write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(workbook_module.Workbook, "save", broken_save)
    with pytest.raises(OSError):
        write_workbook(assessment, evidences, target, org_name=None, previous=None)
    assert target.read_bytes() == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["book.xlsx"]


def test_same_assessment_gives_identical_cell_values(tmp_path):
    from compliance_kit.pipeline import build_assessment

    src = copy_exports(tmp_path / "src", CLOUDMAPPER)
    assessment, evidences = build_assessment(src, ReportOptions(frameworks=("soc2", "hipaa")), lambda: CLOCK)
    values = []
    for name in ("a.xlsx", "b.xlsx"):
        wb = openpyxl.load_workbook(write_workbook(assessment, evidences, tmp_path / name, org_name="X", previous=None))
        values.append({ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets})
    assert values[0] == values[1]


def test_sheet_titles_are_valid_and_unique():
    used: set[str] = set()
    assert sheet_title("Users", used) == "Users"
    assert sheet_title("users", used) == "users (2)"
    assert sheet_title("a/b:c*d?[e]\\f", used) == "a-b-c-d--e--f"
    long = sheet_title("x" * 40, used)
    assert len(long) == 31
    assert len(sheet_title("x" * 40, used)) == 31 and len(used) == 5
    assert sheet_title("'quoted'", used) == "quoted"


def test_a_row_converts_each_value_as_the_converter_does():
    """Converter.row passes plain values through without calling convert(): the shortcut must never let
    through what convert() would have changed (a formula, an error literal, a control character, a blank)."""
    from openpyxl import Workbook

    from compliance_kit.model import Status
    from compliance_kit.render.workbook_xlsx import Link, _Converter

    converter = _Converter(Workbook(write_only=True).create_sheet("x"), {})
    values = [None, "", "plain", "arn:aws:iam::1:user/a", "=1+1", "+1", "-1", "@x", "#N/A", "#tag", "a\tb",
              "a\nb", "\x01x", "x\x07", " lead", True, False, 0, 3, 2.5, float("nan"), Status.PASS,
              datetime(2026, 1, 2, tzinfo=UTC), Link("=EVIL()", "'x'!A1"), "a" * 40000]

    def shown(value):  # a cell object's value and type, or the value itself
        return (value.value, value.data_type, value.quotePrefix) if hasattr(value, "data_type") else value

    assert [shown(v) for v in converter.row(values)] == [shown(converter.convert(v)) for v in values]


def test_writer_handles_risky_links_control_characters_and_long_text(tmp_path):
    from openpyxl import Workbook

    from compliance_kit.render.workbook_xlsx import Block, Column, Link, Sheet, write_sheet

    wb = Workbook(write_only=True)
    rows = [
        [Link("=EVIL()", "'Other'!A1"), "\x01=1+1", "a" * 40000, datetime(2026, 1, 2, 3, 4, tzinfo=UTC)],
        [Link("plain", "'Other'!A2"), "#N/A", "#hashtag", None],
    ]
    write_sheet(wb, Sheet("Data", [Block([Column("A"), Column("B"), Column("C"), Column("D", palette="verdict")],
                                         rows, name="Data")], notes=["=not a formula either"]))
    write_sheet(wb, Sheet("Other", [Block([Column("X")], [["x"], ["y"]])]))
    wb.save(tmp_path / "w.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "w.xlsx")["Data"]
    assert ws["A2"].value == "=EVIL()" and ws["A2"].data_type == "s" and ws["A2"].quotePrefix
    assert ws["A2"].hyperlink.location == "'Other'!A1" and ws["A3"].hyperlink.location == "'Other'!A2"
    assert ws["B2"].value == "=1+1" and ws["B2"].data_type == "s"
    assert ws["B3"].value == "#N/A" and ws["B3"].data_type == "s"
    assert ws["B3"].value == "#N/A" and ws["C3"].value == "#hashtag"
    assert len(ws["C2"].value) == 32767
    assert ws["D2"].value == datetime(2026, 1, 2, 3, 4) and ws["D2"].is_date
    assert ws["A5"].value == "Note: =not a formula either"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:D3"


def test_exceptions_sheet_lists_the_register_and_every_waiver(sample):
    wb, results, _ = sample
    rows = records(wb["Exceptions"])
    waived = {(c["id"], r["id"]) for c in results["checks"] for r in c["resources"] if r["status"] == "WAIVED"}
    assert {(r["Check"], r["Waived resource"]) for r in rows if r["Waived resource"]} == waived
    register = results.get("exceptions") or []
    if not register:
        assert not rows or all(r["Status"] == "applied" for r in rows)
        return
    states = {r["Exception"]: r["Status"] for r in rows}
    assert states == {e["id"]: e["state"] for e in register}
    for row in rows:
        assert isinstance(row["Expires"], datetime)


def test_roles_sheet_shows_max_session_from_list_roles(sample):
    wb, _, _ = sample
    rows = {r["Role"]: r for r in records(wb["Roles"])}
    assert rows["Okta-PlatformAdmin"]["Max session (s)"] == 43200
