"""The assessment contract on the sample account: honest ERRORs, determinism, results.json, waivers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from conftest import REPO, SAMPLES

from compliance_kit.assess import assess
from compliance_kit.catalog import load_check_metadata, load_frameworks
from compliance_kit.checks.registry import REGISTRY, load_all
from compliance_kit.evidence import load_directory
from compliance_kit.evidence.artifacts import BY_NAME
from compliance_kit.evidence.importer import build_evidence, write_evidence
from compliance_kit.model import Status


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("evidence")
    return write_evidence(build_evidence(SAMPLES), out)


def _statuses(directory: Path) -> dict[str, Status]:
    load_all()
    frameworks = load_frameworks(None, set(REGISTRY))
    result = assess([load_directory(directory)], [frameworks["soc2"]], load_check_metadata())
    return {c.check_id: c.status for c in result.checks}


def test_sample_has_every_artifact_usable(sample_dir):
    evidence = load_directory(sample_dir)
    for name in BY_NAME:
        if name == "organization_accounts":
            continue  # a member account cannot list the organization's accounts
        assert evidence.unavailable_reason(name) is None, name


def test_removing_any_artifact_errors_exactly_the_checks_that_need_it(sample_dir, tmp_path):
    baseline = _statuses(sample_dir)
    assert Status.ERROR not in baseline.values()
    manifest = json.loads((sample_dir / "manifest.json").read_text())
    artifacts = sorted({e["artifact"] for e in manifest["artifacts"] if e["outcome"] == "ok"})
    assert len(artifacts) >= 15
    for artifact in artifacts:
        copy = tmp_path / artifact
        shutil.copytree(sample_dir, copy)
        trimmed = dict(manifest)
        trimmed["artifacts"] = [
            {**e, "outcome": "not_collected", "file": None, "sha256": None} if e["artifact"] == artifact else e
            for e in manifest["artifacts"]
        ]
        for entry in manifest["artifacts"]:
            if entry["artifact"] == artifact and entry.get("file"):
                (copy / entry["file"]).unlink()
        (copy / "manifest.json").write_text(json.dumps(trimmed))
        after = _statuses(copy)
        needs = {cid for cid, d in REGISTRY.items() if artifact in d.needs}
        uses = {cid for cid, d in REGISTRY.items() if artifact in d.uses}
        for check_id, status in after.items():
            if check_id in needs:
                assert status is Status.ERROR, (artifact, check_id, status)
            elif check_id in uses:
                assert status is Status.ERROR or status is baseline[check_id], (artifact, check_id)
            else:
                assert status is baseline[check_id], (artifact, check_id, baseline[check_id], status)
            if baseline[check_id] is not Status.PASS:
                assert status is not Status.PASS, (artifact, check_id)


def test_tampered_file_is_error_not_pass(sample_dir, tmp_path):
    copy = tmp_path / "ev"
    shutil.copytree(sample_dir, copy)
    path = copy / "get-account-password-policy.json"
    path.write_text(path.read_text().replace('"MinimumPasswordLength": 12', '"MinimumPasswordLength": 20'))
    statuses = _statuses(copy)
    assert statuses["password_min_length_too_short"] is Status.ERROR


def test_results_json_is_deterministic_and_valid(sample_dir, tmp_path, cli):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert cli("assess", str(sample_dir), "--out", str(first), "--quiet").code == 0
    assert cli("assess", str(sample_dir), "--out", str(second), "--quiet").code == 0
    assert first.read_bytes() == second.read_bytes()
    data = json.loads(first.read_text())
    schema = json.loads((REPO / "controls/schema/results.schema.json").read_text())
    jsonschema.validate(data, schema)
    assert data["account_id"] == "210987654321"
    assert data["generated_at"] == "2026-11-10T00:00:00Z"  # SOURCE_DATE_EPOCH
    assert data["accounts"][0]["collected_at"] == "2026-11-02T05:58:41Z"  # GeneratedTime, not today
    assert {f["id"] for f in data["frameworks"]} >= {"soc2", "iso27001-2022", "hipaa", "nist-csf-2.0", "cmmc-l2"}
    for check in data["checks"]:
        for resource in check["resources"]:
            if resource["status"] == "FAIL":
                assert resource["evidence"]["file"], (check["id"], resource)


def test_loose_exports_and_evidence_dir_give_same_verdicts(sample_dir, tmp_path, cli):
    loose, built = tmp_path / "loose.json", tmp_path / "built.json"
    assert cli("assess", str(SAMPLES), "--out", str(loose), "--quiet").code == 0
    assert cli("assess", str(sample_dir), "--out", str(built), "--quiet").code == 0
    a, b = json.loads(loose.read_text()), json.loads(built.read_text())
    assert [(c["id"], c["status"]) for c in a["checks"]] == [(c["id"], c["status"]) for c in b["checks"]]


def test_exceptions_waive_expire_and_go_stale(sample_dir, tmp_path, cli):
    out = tmp_path / "r.json"
    run = cli("assess", str(sample_dir), "--out", str(out), "--quiet",
              "--exceptions", str(REPO / "samples/exceptions.yaml"))
    assert run.code == 0, run.err
    data = json.loads(out.read_text())
    states = {e["id"]: e["state"] for e in data["exceptions"]}
    assert states == {"EX-2026-014": "applied", "EX-2026-009": "expired", "EX-2026-021": "stale"}
    rotated = next(c for c in data["checks"] if c["id"] == "access_key_not_rotated")
    waived = [r for r in rotated["resources"] if r["status"] == "WAIVED"]
    assert [r["id"] for r in waived] == ["arn:aws:iam::210987654321:user/svc-legacy-billing (access key 1)"]
    assert waived[0]["exception"] == {"id": "EX-2026-014", "expires": "2027-03-31"}
    mfa = next(c for c in data["checks"] if c["id"] == "user_console_without_mfa")
    shared = next(r for r in mfa["resources"] if r["id"].endswith("user/shared-ops"))
    assert shared["status"] == "FAIL"  # expired exception is not applied


def test_all_failures_of_a_control_waived_gives_waived(tmp_path, sample_dir, cli):
    waivers = tmp_path / "w.yaml"
    waivers.write_text(
        "exceptions:\n"
        "  - {id: W1, check: password_min_length_too_short, resource: '*', reason: accepted until SSO,"
        " owner: sec, approved_by: ciso, expires: '2030-01-01'}\n"
        "  - {id: W2, check: password_reuse_prevention_too_low, resource: '*', reason: accepted until SSO,"
        " owner: sec, approved_by: ciso, expires: '2030-01-01'}\n")
    out = tmp_path / "r.json"
    assert cli("assess", str(sample_dir), "--framework", "cmmc-l2", "--out", str(out), "--quiet",
               "--exceptions", str(waivers)).code == 0
    data = json.loads(out.read_text())
    pw = {c["id"]: c["status"] for c in data["checks"]}
    assert pw["password_min_length_too_short"] == "WAIVED"
    controls = {c["id"]: c for c in data["frameworks"][0]["controls"]}
    assert controls["IA.L2-3.5.7"]["status"] in ("WAIVED", "NOT_SATISFIED")
    if all(pw[c] in ("WAIVED", "PASS", "NOT_APPLICABLE") for c in controls["IA.L2-3.5.7"]["checks"]):
        assert controls["IA.L2-3.5.7"]["status"] == "WAIVED"


def test_bad_exception_entry_is_named(tmp_path, sample_dir, cli):
    waivers = tmp_path / "w.yaml"
    waivers.write_text("exceptions:\n  - id: W9\n    check: not_a_check\n    resource: x\n    reason: because\n"
                       "    owner: a\n    approved_by: b\n    expires: 2030-01-01\n")
    run = cli("assess", str(sample_dir), "--exceptions", str(waivers), "--quiet")
    assert run.code == 2 and "w.yaml: line 2: entry W9: unknown check 'not_a_check'" in run.err


def test_attestations_make_manual_controls_attested_and_flag_old_ones(tmp_path, sample_dir, cli):
    out = tmp_path / "r.json"
    run = cli("assess", str(sample_dir), "--out", str(out), "--quiet",
              "--attestations", str(REPO / "samples/attestations.yaml"))
    assert run.code == 0, run.err
    data = json.loads(out.read_text())
    attested = [(f["id"], c["id"], c["attestation"]) for f in data["frameworks"] for c in f["controls"]
                if c["status"] == "ATTESTED"]
    assert attested
    for _, _, record in attested:
        assert record["valid"] and all(len(d["sha256"]) == 64 for d in record["documents"])
    invalid = [c for f in data["frameworks"] for c in f["controls"]
               if c.get("attestation") and not c["attestation"]["valid"]]
    for control in invalid:
        assert control["status"] != "ATTESTED" and "not valid" in control["reason"]


def test_fail_on_severity_exit_code(sample_dir, cli):
    assert cli("assess", str(sample_dir), "--quiet", "--fail-on", "critical").code == 1
    assert cli("assess", str(sample_dir), "--quiet").code == 0


def test_pinned_threshold_cannot_be_loosened(tmp_path, sample_dir, cli):
    catalogs = tmp_path / "cats"
    catalogs.mkdir()
    (catalogs / "strict.yaml").write_text(
        "framework:\n  id: strict\n  name: Strict\n  version: '1'\n  publisher: Us\n  id_pattern: '^S\\d$'\n"
        "  thresholds:\n    access_key_max_age_days: {value: 60, pinned: true}\n"
        "controls:\n  - id: S1\n    title: Keys\n    checks:\n      - check: access_key_not_rotated\n"
        "        why: Key age is the control's whole subject matter here.\n")
    loose = cli("assess", str(sample_dir), "--catalog-dir", str(catalogs), "--framework", "strict",
                "--threshold", "access_key_max_age_days=120", "--quiet")
    assert loose.code == 2 and "pinned" in loose.err
    out = tmp_path / "r.json"
    ok = cli("assess", str(sample_dir), "--catalog-dir", str(catalogs), "--framework", "strict", "--out", str(out),
             "--quiet")
    assert ok.code == 0
    assert json.loads(out.read_text())["thresholds"]["access_key_max_age_days"] == 60


def test_results_identical_across_hash_seeds(tmp_path):
    """Set iteration order must never leak into the output: two interpreters, two hash seeds."""
    import os
    import subprocess
    import sys

    digests = set()
    for seed in ("1", "4"):
        out = tmp_path / f"r{seed}.json"
        env = {**os.environ, "PYTHONHASHSEED": seed, "SOURCE_DATE_EPOCH": "1794268800"}
        subprocess.run([sys.executable, "-m", "compliance_kit.cli", "assess", str(SAMPLES), "--quiet", "--out", str(out)],
                       check=True, env=env, cwd=REPO)
        digests.add(out.read_bytes())
    assert len(digests) == 1


def test_several_accounts_in_worker_processes_give_the_same_results(tmp_path, cli):
    """A folder of account folders is evaluated in parallel; the verdicts equal a one-process run."""
    from compliance_kit.assess import parallel_map_accounts
    from compliance_kit.evidence.loader import load_evidence

    for account in ("111111111111", "222222222222"):
        write_evidence(build_evidence(SAMPLES, account_id=account), tmp_path / "org")
    evidences = load_evidence(tmp_path / "org")
    load_all()
    frameworks = [load_frameworks(None, set(REGISTRY))["cmmc-l1"]]
    meta = load_check_metadata()
    serial = assess(evidences, frameworks, meta)
    parallel = assess(evidences, frameworks, meta, map_accounts=parallel_map_accounts(2))
    assert [(c.check_id, c.resources) for c in serial.checks] == [(c.check_id, c.resources) for c in parallel.checks]
    assert {r.account_id for c in parallel.checks for r in c.resources} == {"111111111111", "222222222222"}
    out = tmp_path / "r.json"
    assert cli("assess", str(tmp_path / "org"), "--framework", "cmmc-l1", "--out", str(out), "--quiet").code == 0
    data = json.loads(out.read_text())
    assert data["account_id"] is None and len(data["accounts"]) == 2


def test_few_accounts_stay_in_this_process_unless_workers_are_asked_for(tmp_path, monkeypatch):
    """Below MIN_ACCOUNTS_FOR_WORKERS accounts a pool costs more than it saves; an explicit count still gets one."""
    import concurrent.futures
    from types import SimpleNamespace

    from compliance_kit.assess import MIN_ACCOUNTS_FOR_WORKERS, parallel_map_accounts

    accounts = []
    for i in range(3):
        (tmp_path / str(i)).mkdir()
        (tmp_path / str(i) / "manifest.json").write_text("{}")
        accounts.append(SimpleNamespace(directory=str(tmp_path / str(i)), digest=str(i)))
    pools: list[int] = []

    class Pool:
        def __init__(self, max_workers: int, mp_context: object) -> None:
            pools.append(max_workers)
            raise RuntimeError("no pool here")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Pool)
    assert len(accounts) < MIN_ACCOUNTS_FOR_WORKERS
    assert parallel_map_accounts()(lambda e: [e.directory], accounts) == [[a.directory] for a in accounts]
    assert pools == []
    with pytest.raises(RuntimeError, match="no pool here"):
        parallel_map_accounts(2)(lambda e: [e.directory], accounts)
    assert pools == [1]  # two processes: this one and one worker


def _account_and_process(evidence):
    """A stand-in for the checks that takes a while, so that the worker has started before this process is done."""
    import os
    import time

    time.sleep(0.2)
    return [(evidence.account_id, os.getpid())]


def test_this_process_evaluates_accounts_no_worker_has_started(tmp_path):
    """With two processes, the worker takes accounts from the front of the queue and this process from the back:
    both cores work, and every account is evaluated once, its results in the order of the accounts."""
    import os

    from compliance_kit.assess import parallel_map_accounts
    from compliance_kit.evidence.loader import load_evidence

    ids = [f"{i}{i}{i}{i}00000000" for i in range(1, 7)]
    for account in ids:
        write_evidence(build_evidence(SAMPLES, account_id=account), tmp_path / "org")
    evidences = load_evidence(tmp_path / "org")
    results = parallel_map_accounts(2)(_account_and_process, evidences)
    assert [r[0][0] for r in results] == [e.account_id for e in evidences] == ids
    processes = [r[0][1] for r in results]
    assert processes[-1] == os.getpid()  # the last account: no worker had reached it
    assert processes[0] != os.getpid()  # the first: the worker's
    assert processes == sorted(processes, key=lambda pid: pid == os.getpid())  # worker's first, then this one's
