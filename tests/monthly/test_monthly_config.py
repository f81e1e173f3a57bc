"""kit.yaml validation (exit 2, the key and the line named), `init`, period names and --fail-on rules."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from compliance_kit.errors import InputError
from compliance_kit.monthly.config import STARTER, S3Output, load_config, parse_fail_on
from compliance_kit.monthly.period import earlier, resolve_period

from .monthly_support import REPO

GOOD = """\
organization: Acme Corp
source:
  evidence: ./exports
frameworks: [cmmc-l1]
outputs:
  - dir: ./audit-packages
"""


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    (tmp_path / "exports").mkdir()
    return tmp_path / "exports"


@pytest.mark.parametrize(("text", "expected"), [
    (GOOD.replace("frameworks:", "fraemworks:"), "line 4: fraemworks: unknown key (allowed here:"),
    (GOOD.replace("  - dir: ./audit-packages", "  - s3: s3:/bucket/prefix"),
     "line 6: outputs/0/s3: 's3:/bucket/prefix': use s3://bucket or s3://bucket/prefix"),
    (GOOD.replace("  evidence: ./exports", "  evidence: ./exports\n  organization: {role_name: Audit}"),
     "line 4: source/organization: give exactly one of `evidence`, `accounts`, `organization`, not evidence and "
     "organization"),
    (GOOD.replace("  evidence: ./exports", "  evidnce: ./exports"), "line 3: source/evidnce: unknown key"),
    (GOOD.replace("organization: Acme Corp\n", ""), "line 1: top level: missing required key `organization`"),
    (GOOD.replace("[cmmc-l1]", "[cmmc-l1, soc3]"), "line 4: frameworks/1: unknown framework 'soc3'"),
    (GOOD.replace("./exports", "./missing"), "line 3: source/evidence: folder not found"),
    (GOOD + "retention: 0\n", "line 7: retention: 0 is less than the minimum of 1"),
    (GOOD + "thresholds:\n  access_key_age: 30\n", "line 8: thresholds/access_key_age: unknown threshold"),
    (GOOD + "fail_on: [new-hihg]\n", "line 7: fail_on/0: 'new-hihg': use never, a severity"),
    (GOOD + "exceptions: ./nope.yaml\n", "line 7: exceptions: file not found"),
    (GOOD.replace("  - dir: ./audit-packages", "  - dir: ./audit-packages\n    kms_key_id: alias/x"),
     "line 7: outputs/0/kms_key_id: only allowed together with `s3`"),
    (GOOD + "outputs2: []\n", "line 7: outputs2: unknown key"),
    (GOOD.replace("frameworks: [cmmc-l1]", "frameworks: [cmmc-l1]\nframeworks: [soc2]"),
     "line 5: invalid YAML: duplicate key 'frameworks'"),
])
def test_bad_config_names_key_and_line(tmp_path, exports, write_kit, run_cli, text, expected):
    config = write_kit(text)
    result = run_cli("run", "--config", str(config))
    assert result.code == 2
    error = result.err.strip().splitlines()[-1]
    assert error.startswith(f"compliance-kit: error: {config}: "), error
    assert expected in error, error
    assert result.summary["status"] == "bad_input" and result.summary["exit_code"] == 2
    assert "Traceback" not in result.err
    assert not (tmp_path / "audit-packages").exists()


def test_missing_config_and_bad_period_and_fail_on(tmp_path, exports, write_kit, run_cli):
    missing = run_cli("run", "--config", str(tmp_path / "nope.yaml"))
    assert missing.code == 2 and "nope.yaml: file not found" in missing.err
    config = write_kit(GOOD)
    bad_period = run_cli("run", "--config", str(config), "--period", "2026-13")
    assert bad_period.code == 2 and "--period: '2026-13' is not a monthly period (expected YYYY-MM" in bad_period.err
    bad_rule = run_cli("run", "--config", str(config), "--fail-on", "new-high,sometimes")
    assert bad_rule.code == 2 and "--fail-on: unknown rule 'sometimes'" in bad_rule.err


def test_config_values_and_relative_paths(tmp_path, exports, write_kit):
    config = load_config(write_kit(GOOD + """\
  - s3: s3://audit-bucket/team/packages/
    kms_key_id: alias/audit
    endpoint_url: http://127.0.0.1:5000
period: quarterly
retention: 6
fail_on: [new-critical, high]
thresholds: {access_key_max_age_days: 60}
"""))
    assert config.source.kind == "evidence" and config.source.evidence == tmp_path / "exports"
    assert config.dir_outputs[0].path == tmp_path / "audit-packages"
    s3 = config.s3_outputs[0]
    assert isinstance(s3, S3Output)
    assert (s3.bucket, s3.prefix, s3.kms_key_id, s3.key("2026-Q4", "package.zip")) == (
        "audit-bucket", "team/packages", "alias/audit", "team/packages/2026-Q4/package.zip")
    assert config.formats == ("pdf", "xlsx") and config.frameworks == ("cmmc-l1",)
    assert (config.period, config.retention, config.fail_on) == ("quarterly", 6, ("new-critical", "high"))
    assert config.thresholds == {"access_key_max_age_days": 60}


def test_live_sources_parse(tmp_path, write_kit):
    config = load_config(write_kit("""\
organization: Acme
source:
  accounts:
    - profile: prod
    - role_arn: "arn:aws:iam::111122223333:role/Audit"
      external_id: "x-123"
      regions: [eu-west-1]
  endpoint_url: http://127.0.0.1:1234
outputs: [{dir: out}]
"""))
    assert config.source.kind == "accounts"
    assert [a.role_arn for a in config.source.accounts] == [None, "arn:aws:iam::111122223333:role/Audit"]
    assert config.source.accounts[1].regions == ("eu-west-1",)
    org = load_config(write_kit("organization: Acme\nsource:\n  organization: {role_name: OrgAudit, max_workers: 2}\n"
                                "outputs: [{s3: 's3://b-1/p'}]\n"))
    assert org.source.kind == "organization" and org.source.organization.role_name == "OrgAudit"
    with pytest.raises(InputError, match=r"line 4: source/accounts/0/external_id: only allowed together with `role_arn`"):
        load_config(write_kit("organization: Acme\nsource:\n  accounts:\n    - external_id: abc\n"
                              "outputs: [{dir: out}]\n"))


def test_init_writes_the_starter_and_refuses_to_overwrite(tmp_path, run_cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = run_cli("init")
    assert first.code == 0 and (tmp_path / "kit.yaml").read_text() == STARTER
    second = run_cli("init")
    assert second.code == 2 and "kit.yaml: already exists; not overwritten" in second.err
    assert (tmp_path / "kit.yaml").read_text() == STARTER
    other = run_cli("init", str(tmp_path / "other.yaml"))
    assert other.code == 0 and (tmp_path / "other.yaml").is_file()


def test_sample_config_is_the_starter_and_is_valid():
    sample = REPO / "samples" / "kit.yaml"
    assert sample.read_text("utf-8") == STARTER
    config = load_config(sample)  # samples/exports, exceptions.yaml and attestations.yaml exist
    assert config.source.evidence == REPO / "samples" / "exports"
    assert config.frameworks == ("soc2", "iso27001-2022", "hipaa", "nist-csf-2.0", "cmmc-l2")
    assert config.fail_on == ("new-high",)


def test_alias_bombs_are_refused(tmp_path):
    text = "a: &a [x]\n" + "".join(f"b{i}: &b{i} [*{'a' if i == 0 else f'b{i - 1}'}, *{'a' if i == 0 else f'b{i - 1}'}]\n"
                                   for i in range(60))
    path = tmp_path / "kit.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match="aliases"):
        load_config(path)


def test_periods():
    now = datetime(2027, 1, 1, 0, 30, tzinfo=UTC)
    assert resolve_period("monthly", None, now) == "2027-01"
    assert resolve_period("quarterly", None, now) == "2027-Q1"
    assert resolve_period("weekly", None, now) == "2026-W53"  # ISO week of 1 January 2027
    assert resolve_period("monthly", "2026-11", now) == "2026-11"
    with pytest.raises(InputError, match="not a quarterly period"):
        resolve_period("quarterly", "2026-11", now)
    assert earlier({"2026-10", "2026-12", "2027-01", "2026-9", "previous"}, "2027-01", "monthly") == ["2026-12",
                                                                                                       "2026-10"]


def test_fail_on_rules():
    assert parse_fail_on(("new-high,critical", "new-high")) == ("new-high", "critical")
    with pytest.raises(InputError, match="unknown rule 'new-severe'"):
        parse_fail_on(("new-severe",))
