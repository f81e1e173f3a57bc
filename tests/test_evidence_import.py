"""evidence import / verify: recognising real exports by content, the manifest, hashes, bad input."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from conftest import CLOUDMAPPER, CUSTODIAN, REAL, copy_exports, write_json

from compliance_kit.evidence import load_directory
from compliance_kit.evidence.importer import build_evidence


def _manifest(directory: Path) -> dict:
    return json.loads((directory / "manifest.json").read_text())


def _outcomes(manifest: dict) -> dict[str, str]:
    return {e["artifact"] + (f"[{e['key']}]" if e.get("key") else ""): e["outcome"] for e in manifest["artifacts"]}


def test_import_recognises_files_by_content_whatever_their_names(tmp_path, cli):
    src = copy_exports(tmp_path / "client", CLOUDMAPPER)
    write_json(src / "aa.json", json.loads((REAL / "access-analyzer/cloudmapper-demo-list-analyzers.json").read_text()))
    run = cli("evidence", "import", str(src), "--out", str(tmp_path / "ev"))
    assert run.code == 0, run.err
    target = tmp_path / "ev" / "123456789012"
    manifest = _manifest(target)
    outcomes = _outcomes(manifest)
    assert outcomes["credential_report"] == "ok"
    assert outcomes["authorization_details"] == "ok"
    assert outcomes["account_summary"] == "ok"
    assert outcomes["trails"] == "ok"
    assert outcomes["access_analyzers[us-east-1]"] == "ok"
    assert outcomes["password_policy"] == "not_collected"
    assert (target / "credential-report.csv").read_text().startswith("user,arn,")
    assert (target / "get-account-authorization-details.json").exists()
    entry = next(e for e in manifest["artifacts"] if e["artifact"] == "credential_report")
    assert entry["source"] == "creds.csv" and len(entry["sha256"]) == 64 and entry["bytes"] > 0
    assert manifest["account_id"] == "123456789012"
    assert "password_policy" in run.out  # the summary names what is missing


def test_cli_json_credential_report_is_decoded_and_generated_time_kept(tmp_path):
    csv_text = (REAL / "credential-report/custodian-unused-keys.csv").read_text()
    write_json(tmp_path / "src/cr.json", {
        "Content": base64.b64encode(csv_text.encode()).decode(), "ReportFormat": "text/csv",
        "GeneratedTime": "2016-11-25T14:30:42Z",
    })
    imported = build_evidence(tmp_path / "src")
    assert imported.files["credential-report.csv"].decode() == csv_text
    assert imported.manifest["collected_at"] == "2016-11-25T14:30:42Z"
    assert imported.manifest["collected_at_source"] == "credential report GeneratedTime"


def test_unencoded_content_and_upper_case_booleans_are_accepted(tmp_path):
    csv_text = (REAL / "credential-report/fixinventory-test.csv").read_text()
    write_json(tmp_path / "src/cr.json", {"Content": csv_text, "GeneratedTime": "2023-01-25T10:45:20+00:00"})
    imported = build_evidence(tmp_path / "src")
    assert imported.account_id == "test"
    from compliance_kit.evidence.loader import from_import

    report = from_import(imported, "x").credential_report
    matthias = next(r for r in report.users if r.user == "matthias")
    assert matthias.mfa_active is True and matthias.password_enabled is True


def test_password_policy_no_such_entity_text_means_not_configured(tmp_path):
    src = copy_exports(tmp_path / "src", {"report.csv": "credential-report/custodian-unused-keys.csv"})
    (src / "pp.txt").write_text(
        "\nAn error occurred (NoSuchEntity) when calling the GetAccountPasswordPolicy operation: "
        "The Password Policy with domain name 619193117841 cannot be found.\n")
    imported = build_evidence(src)
    assert _outcomes(imported.manifest)["password_policy"] == "not_configured"


def test_access_denied_text_is_recorded_as_denied(tmp_path):
    src = copy_exports(tmp_path / "src", {"report.csv": "credential-report/custodian-unused-keys.csv"})
    (src / "authz.txt").write_text(
        "An error occurred (AccessDenied) when calling the GetAccountAuthorizationDetails operation: "
        "User: arn:aws:iam::619193117841:user/x is not authorized to perform: iam:GetAccountAuthorizationDetails")
    imported = build_evidence(src)
    entry = next(e for e in imported.manifest["artifacts"] if e["artifact"] == "authorization_details")
    assert entry["outcome"] == "access_denied" and "AccessDenied" in entry["message"]


def test_collection_time_inferred_when_report_has_no_generated_time(tmp_path):
    src = copy_exports(tmp_path / "src", {"report.csv": "credential-report/custodian-unused-keys.csv"})
    manifest = build_evidence(src).manifest
    assert manifest["collected_at"] == "2016-11-25T14:22:00Z"  # latest stamp; the real GeneratedTime was 14:30:42
    assert manifest["collected_at_source"].startswith("inferred")


def test_folder_mixing_two_accounts_is_refused(tmp_path, cli):
    src = copy_exports(tmp_path / "src", {**CLOUDMAPPER, "other.csv": "credential-report/custodian-unused-keys.csv"})
    run = cli("evidence", "import", str(src), "--out", str(tmp_path / "ev"))
    assert run.code == 2
    assert "two files hold credential report" in run.err or "several accounts" in run.err


def test_verify_reports_changed_missing_and_added_files(tmp_path, cli):
    src = copy_exports(tmp_path / "src", CUSTODIAN)
    assert cli("evidence", "import", str(src), "--out", str(tmp_path / "ev")).code == 0
    target = tmp_path / "ev" / "619193117841"
    ok = cli("evidence", "verify", str(tmp_path / "ev"))
    assert ok.code == 0 and "OK" in ok.out
    (target / "credential-report.csv").write_text("user,arn\n")
    (target / "get-account-summary.json").unlink()
    (target / "extra.json").write_text("{}")
    bad = cli("evidence", "verify", str(target))
    assert bad.code == 1
    assert "CHANGED" in bad.out and "credential-report.csv" in bad.out
    assert "MISSING" in bad.out and "get-account-summary.json" in bad.out
    assert "ADDED" in bad.out and "extra.json" in bad.out


def test_reimport_replaces_directory_whole(tmp_path, cli):
    src = copy_exports(tmp_path / "src", CUSTODIAN)
    out = tmp_path / "ev"
    assert cli("evidence", "import", str(src), "--out", str(out)).code == 0
    (src / "pp.json").unlink()
    assert cli("evidence", "import", str(src), "--out", str(out)).code == 0
    target = out / "619193117841"
    assert not (target / "get-account-password-policy.json").exists()
    assert sorted(p.name for p in out.iterdir()) == ["619193117841"]  # no staging left behind
    assert load_directory(target).state("password_policy").outcome.value == "not_collected"


def test_attestation_documents_are_hashed_into_the_manifest(tmp_path, cli):
    from conftest import REPO, SAMPLES

    out = tmp_path / "ev"
    run = cli("evidence", "import", str(SAMPLES), "--out", str(out),
              "--attestations", str(REPO / "samples/attestations.yaml"))
    assert run.code == 0, run.err
    target = out / "210987654321"
    documents = json.loads((target / "manifest.json").read_text())["documents"]
    assert documents and all(len(d["sha256"]) == 64 for d in documents)
    assert all((target / d["file"]).is_file() for d in documents)
    assert cli("evidence", "verify", str(target)).code == 0
    (target / documents[0]["file"]).write_text("edited after the fact")
    changed = cli("evidence", "verify", str(target))
    assert changed.code == 1 and "CHANGED" in changed.out and documents[0]["file"] in changed.out


def test_region_comes_from_file_name_or_analyzer_arn_not_resource_names(tmp_path):
    from compliance_kit.evidence.recognize import recognize

    findings = json.dumps({"findings": [{"resource": "arn:aws:s3:::my-bucket-1", "status": "ACTIVE"}]}).encode()
    assert recognize("list-findings.eu-west-2.json", findings).key == "eu-west-2"
    assert recognize("findings.json", findings).key is None  # not "my-bucket-1"
    analyzers = json.dumps({"analyzers": [{"arn": "arn:aws:access-analyzer:ap-southeast-2:111122223333:analyzer/a",
                                           "status": "ACTIVE", "type": "ACCOUNT"}]}).encode()
    assert recognize("aa.json", analyzers).key == "ap-southeast-2"


def test_trail_status_matched_to_the_right_trail(tmp_path):
    src = tmp_path / "src"
    write_json(src / "trails.json", {"trailList": [{"Name": "trail", "IsMultiRegionTrail": True},
                                                   {"Name": "audit", "IsMultiRegionTrail": True}]})
    write_json(src / "get-trail-status.audit.json", {"IsLogging": True})
    write_json(src / "get-trail-status.trail.json", {"IsLogging": False})
    imported = build_evidence(src, account_id="111122223333")
    assert json.loads(imported.files["get-trail-status.audit.json"])["IsLogging"] is True
    assert json.loads(imported.files["get-trail-status.trail.json"])["IsLogging"] is False
