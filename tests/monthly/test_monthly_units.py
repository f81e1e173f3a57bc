"""Library pieces on small inputs: delta.json from results dicts, streaks beyond the periods read, --fail-on,
the package zip (determinism, tampering) and the atomic period swap."""

from __future__ import annotations

import json
import os
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from compliance_kit.monthly.history import PastPeriod, build_delta, crossed, score
from compliance_kit.monthly.package import install_period, new_staging, verify_package, write_package

ACCOUNT = "111122223333"


def results(controls: dict[str, str], failing: dict[str, list[str]], generated_at: str) -> dict:
    """A minimal results.json: one framework, checks with failing/passing users."""
    counts: dict[str, int] = {}
    for status in controls.values():
        counts[status] = counts.get(status, 0) + 1
    checks = []
    for check_id, users in failing.items():
        severity = "critical" if check_id.startswith("root") else "medium"
        checks.append({"id": check_id, "title": check_id.replace("_", " "), "severity": severity,
                       "status": "FAIL" if users else "PASS",
                       "resources": [{"account_id": ACCOUNT, "type": "user", "id": f"arn:aws:iam::{ACCOUNT}:user/{u}",
                                      "status": "FAIL"} for u in users]})
    return {"schema": "compliance-kit/results/1", "generated_at": generated_at, "evidence_digest": generated_at,
            "checks": checks,
            "frameworks": [{"id": "fw", "counts": counts,
                            "controls": [{"id": c, "title": f"control {c}", "status": s} for c, s in controls.items()]}]}


def past(period: str, data: dict, delta: dict | None = None) -> PastPeriod:
    return PastPeriod(period, f"{period}/results.json", lambda: json.dumps(data).encode(),
                      lambda: json.dumps(delta).encode() if delta is not None else None)


def test_delta_control_changes_principals_trend_and_streaks():
    older = results({"C1": "NOT_SATISFIED", "C2": "SATISFIED"}, {"mfa": ["ann", "bob"]}, "2026-10-05T00:00:00Z")
    previous = results({"C1": "NOT_SATISFIED", "C2": "SATISFIED"}, {"mfa": ["ann", "bob"]}, "2026-11-05T00:00:00Z")
    current = results({"C1": "SATISFIED", "C2": "NOT_ASSESSED"}, {"mfa": ["ann", "cat"], "root_mfa": ["root"]},
                      "2026-12-05T00:00:00Z")
    # 2026-10's own delta.json says ann had been failing for 12 periods already (since 2025-11).
    october_delta = {"schema": "compliance-kit/delta/1", "new_failures": [],
                     "still_failing": [{"check": "mfa", "account_id": ACCOUNT, "type": "user",
                                        "id": f"arn:aws:iam::{ACCOUNT}:user/ann", "consecutive_periods": 12,
                                        "failing_since": "2025-11"}]}
    history = [past("2026-11", previous), past("2026-10", older, october_delta)]
    delta = build_delta("2026-12", current, history, previous)
    assert [(c["control"], c["before"], c["after"]) for c in delta["control_changes"]] == [
        ("C1", "NOT_SATISFIED", "SATISFIED"), ("C2", "SATISFIED", "NOT_ASSESSED")]
    assert {e["id"].rsplit("/", 1)[1] for e in delta["new_failures"]} == {"cat", "root"}
    assert [e["id"].rsplit("/", 1)[1] for e in delta["resolved_failures"]] == ["bob"]
    (ann,) = delta["still_failing"]
    assert (ann["consecutive_periods"], ann["failing_since"]) == (14, "2025-11")
    assert [p["id"].rsplit("/", 1)[1] for p in delta["new_principals"]] == ["cat", "root"]
    assert [p["id"].rsplit("/", 1)[1] for p in delta["removed_principals"]] == ["bob"]
    assert delta["trend"] == [{"period": "2026-10", "scores": {"fw": 0.5}}, {"period": "2026-11", "scores": {"fw": 0.5}},
                              {"period": "2026-12", "scores": {"fw": 0.5}}]
    assert delta["summary"]["new_failures_by_severity"]["critical"] == 1
    assert crossed(("new-critical",), current, delta) == ["new-critical"]
    assert crossed(("new-high", "never"), current, delta) == ["new-high"]  # at least that severe
    assert crossed(("never",), current, delta) == []
    assert crossed(("new-critical",), previous, build_delta("2026-11", previous, history[1:], older)) == []
    assert crossed(("medium",), current, delta) == ["medium"]
    assert score({"SATISFIED": 3, "NOT_SATISFIED": 1, "NOT_ASSESSED": 0, "MANUAL": 9}) == 0.75
    assert score({"MANUAL": 3}) is None


def test_a_gap_in_the_failures_restarts_the_count():
    failing = results({"C1": "NOT_SATISFIED"}, {"mfa": ["ann"]}, "x")
    passing = results({"C1": "SATISFIED"}, {"mfa": []}, "y")
    history = [past("2026-11", failing), past("2026-10", passing), past("2026-09", failing)]
    delta = build_delta("2026-12", failing, history, failing)
    assert [(e["consecutive_periods"], e["failing_since"]) for e in delta["still_failing"]] == [(2, "2026-11")]
    assert len(delta["trend"]) == 4


def package_folder(root: Path) -> Path:
    folder = new_staging(root, "2026-11")
    evidence = folder / "evidence" / ACCOUNT
    evidence.mkdir(parents=True)
    (evidence / "data.json").write_text('{"a": 1}\n')
    digest = __import__("hashlib").sha256(b'{"a": 1}\n').hexdigest()
    manifest = {"artifacts": [{"file": "data.json", "sha256": digest}]}
    (evidence / "manifest.json").write_text(json.dumps(manifest))
    (folder / "results.json").write_text("{}\n")
    return folder


def test_zip_is_deterministic_and_tampering_is_found(tmp_path):
    when = datetime(2026, 11, 10, tzinfo=UTC)
    first = package_folder(tmp_path / "one")
    second = package_folder(tmp_path / "two")
    (_, digest_one), (_, digest_two) = write_package(first, when), write_package(second, when)
    assert digest_one == digest_two
    with zipfile.ZipFile(first / "package.zip") as archive:
        assert archive.namelist() == ["evidence/111122223333/data.json", "evidence/111122223333/manifest.json",
                                      "results.json", "MANIFEST.sha256"]
        assert {i.date_time for i in archive.infolist()} == {(2026, 11, 10, 0, 0, 0)}
    assert verify_package(first / "package.zip").ok

    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(first / "package.zip") as src, zipfile.ZipFile(forged, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("data.json"):
                data = b'{"a": 2}\n'
            dst.writestr(info, data)
        dst.writestr("extra.txt", "x")
    report = verify_package(forged)
    assert report.changed == ("evidence/111122223333/data.json",) and report.added == ("extra.txt",)
    assert "evidence/111122223333/data.json: does not match evidence/111122223333/manifest.json" in report.problems


def test_install_swaps_and_keeps_only_the_last_run_as_previous(tmp_path):
    root = tmp_path / "out"
    when = datetime(2026, 11, 10, tzinfo=UTC)
    runs = []
    for number in range(3):
        staging = package_folder(root)
        (staging / "results.json").write_text(f'{{"run": {number}}}\n')
        write_package(staging, when)
        runs.append(install_period(staging, root, "2026-11"))
    period = root / "2026-11"
    assert (period / "results.json").read_text() == '{"run": 2}\n'
    assert (period / "previous" / "results.json").read_text() == '{"run": 1}\n'
    assert not (period / "previous" / "previous").exists()
    assert sorted(p.name for p in root.iterdir()) == ["2026-11"]  # no staging or replaced folder left
    assert verify_package(period).ok
    # previous/ is made of hard links where the file system allows them (no copy of big evidence)
    stat = os.stat(period / "previous" / "evidence" / ACCOUNT / "data.json")
    assert stat.st_nlink >= 1
