"""Bad input: one clear line naming the file and the problem, exit code 2, no traceback, nothing lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CUSTODIAN, REAL, copy_exports


def _assert_clean_error(run, *fragments: str) -> None:
    assert run.code == 2, (run.out, run.err)
    lines = [line for line in run.err.strip().splitlines() if line]
    assert len(lines) == 1, run.err
    assert "Traceback" not in run.err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("authz.json", (REAL / "authz/cloudmapper-demo.json").read_text()[:900], "truncated JSON"),
        ("summary.json", "this is not json {", None),
        ("creds.csv", "name,arn,created\nbob,arn:aws:iam::1:user/bob,2020\n", None),
        ("empty.json", "", "empty file"),
        ("blob.json", "\x00\x01\x02garbage\x00", "binary"),
        ("report.csv", "user,arn,user_creation_time\n<root_account>,arn:aws:iam::1:root,x\n", "header lacks"),
        ("report.json", '{"Content": "dXNlcixhcm4=é", "ReportFormat": "text/csv"}', "neither base64 nor CSV"),
    ],
)
def test_broken_export_files(tmp_path, cli, name, content, fragment):
    src = copy_exports(tmp_path / "src", CUSTODIAN)
    (src / name).write_text(content) if "\x00" not in content else (src / name).write_bytes(content.encode())
    run = cli("evidence", "import", str(src), "--out", str(tmp_path / "out"))
    if name == "summary.json" or name == "creds.csv":
        # plain text / a CSV of something else is not an AWS export: ignored, not fatal
        assert run.code == 0, run.err
        assert name in run.out
        return
    _assert_clean_error(run, name, *([fragment] if fragment else []))
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_bad_file_leaves_existing_evidence_untouched(tmp_path, cli):
    src = copy_exports(tmp_path / "src", CUSTODIAN)
    out = tmp_path / "out"
    assert cli("evidence", "import", str(src), "--out", str(out)).code == 0
    before = sorted(p.name for p in (out / "619193117841").iterdir())
    (src / "broken.json").write_text('{"UserDetailList": [')
    _assert_clean_error(cli("evidence", "import", str(src), "--out", str(out)), "broken.json")
    assert sorted(p.name for p in (out / "619193117841").iterdir()) == before


def test_assess_on_loose_folder_with_truncated_file(tmp_path, cli):
    src = copy_exports(tmp_path / "src", CUSTODIAN)
    (src / "authz.json").write_text((REAL / "authz/cloudmapper-demo.json").read_text()[:500])
    _assert_clean_error(cli("assess", str(src)), "authz.json", "line")


def test_unknown_framework(tmp_path, cli):
    src = copy_exports(tmp_path / "src", CUSTODIAN)
    _assert_clean_error(cli("assess", str(src), "--framework", "pci-dss"), "--framework", "pci-dss")


def test_missing_folder(tmp_path, cli):
    _assert_clean_error(cli("assess", str(tmp_path / "nope")), "nope")


def test_bad_threshold_option(tmp_path, cli):
    src = copy_exports(tmp_path / "src", CUSTODIAN)
    _assert_clean_error(cli("assess", str(src), "--threshold", "access_key_max_age_days"), "NAME=NUMBER")
    _assert_clean_error(cli("assess", str(src), "--threshold", "nonsense=3"), "unknown threshold")


CATALOG = """\
framework:
  id: demo
  name: Demo
  version: "1"
  publisher: Us
  id_pattern: '^D-\\d+$'
controls:
  - id: D-1
    title: First
    checks:
      - check: root_without_mfa
        why: Root without MFA is the first thing an auditor looks at.
  - id: D-2
    title: Second
    manual: Provide the signed policy document for the period.
"""


def _catalog(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "demo.yaml"
    path.write_text(text)
    return path


def test_catalog_validate_accepts_good_catalog(tmp_path, cli):
    run = cli("catalog", "validate", str(_catalog(tmp_path, CATALOG)))
    assert run.code == 0 and "2 controls" in run.out


def test_catalog_duplicate_control_id_names_line(tmp_path, cli):
    text = CATALOG.replace("id: D-2", "id: D-1")
    _assert_clean_error(cli("catalog", "validate", str(_catalog(tmp_path, text))),
                        "demo.yaml", "line 13", "control D-1", "duplicate control id (first on line 8)")


def test_catalog_unknown_check_names_line_and_control(tmp_path, cli):
    text = CATALOG.replace("check: root_without_mfa", "check: root_has_no_mfa_at_all")
    _assert_clean_error(cli("catalog", "validate", str(_catalog(tmp_path, text))),
                        "line 11", "control D-1", "unknown check 'root_has_no_mfa_at_all'")


def test_catalog_schema_error_names_line_and_control(tmp_path, cli):
    text = CATALOG.replace("    manual: Provide the signed policy document for the period.\n", "")
    _assert_clean_error(cli("catalog", "validate", str(_catalog(tmp_path, text))),
                        "line 13", "control D-2", "needs `checks`, `manual` or `not_applicable`")


def test_catalog_bad_id_format(tmp_path, cli):
    text = CATALOG.replace("id: D-2", "id: X-2")
    _assert_clean_error(cli("catalog", "validate", str(_catalog(tmp_path, text))), "control X-2", "id format")


def test_catalog_invalid_yaml(tmp_path, cli):
    _assert_clean_error(cli("catalog", "validate", str(_catalog(tmp_path, CATALOG + "  - [unclosed\n"))),
                        "demo.yaml", "invalid YAML")


def test_catalog_alias_bomb_refused(tmp_path, cli):
    bomb = 'a: &a ["x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n' \
           'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n' \
           'g: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n'
    _assert_clean_error(cli("catalog", "validate", str(_catalog(tmp_path, bomb))), "aliases")


def test_user_catalog_dir_with_broken_catalog(tmp_path, cli):
    src = copy_exports(tmp_path / "src", CUSTODIAN)
    cats = tmp_path / "cats"
    cats.mkdir()
    (cats / "demo.yaml").write_text(CATALOG.replace("id: D-2", "id: D-1"))
    _assert_clean_error(cli("assess", str(src), "--catalog-dir", str(cats)), "demo.yaml", "duplicate control id")


DEEP_JSON = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("where", ["export", "manifest", "previous", "exceptions", "catalog"])
def test_input_nested_beyond_the_recursion_limit_is_one_line(tmp_path, cli, where):
    """Nesting deeper than Python's recursion limit, in any file the tool reads: one line, exit 2."""
    src = copy_exports(tmp_path / "src", CUSTODIAN)
    deep_yaml = tmp_path / "deep.yaml"
    deep_yaml.write_text("a: " + DEEP_JSON + "\n")
    if where == "export":
        (src / "deep.json").write_text(DEEP_JSON)
        run, name = cli("assess", str(src)), "deep.json"
    elif where == "manifest":
        (tmp_path / "ev").mkdir()
        (tmp_path / "ev" / "manifest.json").write_text(DEEP_JSON)
        run, name = cli("assess", str(tmp_path / "ev")), "manifest.json"
    elif where == "previous":
        (tmp_path / "previous.json").write_text(DEEP_JSON)
        run = cli("report", str(src), "--format", "json", "--out", str(tmp_path / "out"),
                  "--previous", str(tmp_path / "previous.json"))
        name = "previous.json"
    elif where == "exceptions":
        run, name = cli("assess", str(src), "--exceptions", str(deep_yaml)), "deep.yaml"
    else:  # compact block sequences: libyaml's C composer overflowed the C stack on these (a crash)
        deep_yaml.write_text("- " * 100_000 + "x\n")
        run, name = cli("catalog", "validate", str(deep_yaml)), "deep.yaml"
    _assert_clean_error(run, name, "nested too deeply")
