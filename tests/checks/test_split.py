"""One account's checks split between this process and a forked one (checks/split.py): the same results as
one process, every failure of the child turned into this process doing the work, never into a PASS."""

from __future__ import annotations

import dataclasses
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from compliance_kit.assess import AccountChecks, parallel_map_accounts
from compliance_kit.checks import split
from compliance_kit.checks.registry import REGISTRY, load_all, run_checks
from compliance_kit.evidence import Evidence, load_evidence
from compliance_kit.model import CheckResult, EvidenceRef, ResourceResult, Status
from compliance_kit.settings import Settings

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not split.can_split(), reason="no fork on this platform: nothing is split")

AWAY = "role_trust_allows_any_principal"  # one check the child runs
HOME = "principal_has_admin_access"  # one this process runs


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated account with every kind of finding: 300 users, 150 roles, 90 customer policies."""
    out = tmp_path_factory.mktemp("account")
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "make_account.py"), "--users", "300", "--roles", "150",
                    "--policies", "90", "--groups", "6", "--seed", "3", "--out", str(out)], check=True)
    return out


def _evidence(account: Path) -> Evidence:
    """A fresh Evidence (its caches empty), as each assessment gets."""
    return load_evidence(account)[0]


def _pairs(results: list[CheckResult]) -> list[tuple[str, tuple[ResourceResult, ...]]]:
    return [(r.check_id, r.resources) for r in results]


def _record_process(monkeypatch: pytest.MonkeyPatch, check_id: str, log: Path,
                    before: Callable[[], Any] = lambda: None) -> None:
    """Wrap CHECK_ID so that it appends the id of the process running it to LOG (and calls BEFORE first)."""
    load_all()
    definition = REGISTRY[check_id]
    original = definition.function

    def recorded(evidence: Evidence, settings: Settings) -> Any:
        with log.open("a") as handle:
            handle.write(f"{check_id} {os.getpid()}\n")
        before()
        return original(evidence, settings)

    monkeypatch.setitem(REGISTRY, check_id, dataclasses.replace(definition, function=recorded))


def _processes(log: Path) -> dict[str, int]:
    if not log.exists():
        return {}
    return {check: int(pid) for check, pid in (line.split() for line in log.read_text().splitlines())}


def test_every_check_it_sends_away_is_registered() -> None:
    assert set(load_all()) >= split.IN_SECOND_PROCESS
    assert set(load_all()) - split.IN_SECOND_PROCESS  # and some stay here


def test_two_processes_give_exactly_what_one_gives(account: Path, monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    one = run_checks(_evidence(account), Settings())
    _record_process(monkeypatch, AWAY, tmp_path / "pids")
    _record_process(monkeypatch, HOME, tmp_path / "pids")
    two = split.run_checks_in_two_processes(_evidence(account), Settings())
    assert _pairs(two) == _pairs(one)
    assert {s for r in two for s in r._counts} >= {Status.PASS, Status.FAIL}
    ran = _processes(tmp_path / "pids")
    assert ran[HOME] == os.getpid()
    assert ran[AWAY] != os.getpid()  # the forked child's


def test_a_child_that_dies_leaves_its_checks_to_this_process(account: Path, monkeypatch: pytest.MonkeyPatch,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    one = run_checks(_evidence(account), Settings())
    monkeypatch.setattr(split, "_child_main", lambda pipe, work: os._exit(3))
    with caplog.at_level(logging.WARNING, logger=split.__name__):
        two = split.run_checks_in_two_processes(_evidence(account), Settings())
    assert _pairs(two) == _pairs(one)
    assert "ended with exit code 3" in caplog.text


def test_results_for_other_checks_are_not_taken(account: Path, monkeypatch: pytest.MonkeyPatch,
                                                caplog: pytest.LogCaptureFixture) -> None:
    one = run_checks(_evidence(account), Settings())
    encode = split.encode
    monkeypatch.setattr(split, "encode", lambda results: encode(results[1:]))  # one check's results missing
    with caplog.at_level(logging.WARNING, logger=split.__name__):
        two = split.run_checks_in_two_processes(_evidence(account), Settings())
    assert _pairs(two) == _pairs(one)
    assert "results for other checks" in caplog.text


def test_leaving_early_stops_and_reaps_the_child(account: Path, monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    import time

    first = min(split.IN_SECOND_PROCESS)  # the child's first check: it sleeps there
    log = tmp_path / "pids"

    def interrupted_once_the_child_is_busy() -> None:
        for _ in range(400):
            if first in _processes(log):
                break
            time.sleep(0.05)
        raise KeyboardInterrupt

    _record_process(monkeypatch, first, log, before=lambda: time.sleep(60))
    _record_process(monkeypatch, HOME, log, before=interrupted_once_the_child_is_busy)
    with pytest.raises(KeyboardInterrupt):
        split.run_checks_in_two_processes(_evidence(account), Settings())
    child = _processes(log)[first]
    assert child != os.getpid()
    with pytest.raises(ChildProcessError):  # killed and reaped: no longer a child of this process
        os.waitpid(child, os.WNOHANG)


def test_results_cross_the_pipe_field_for_field() -> None:
    shared = EvidenceRef("get-account-authorization-details.json", "/UserDetailList/0")
    results = [
        CheckResult("a", (
            ResourceResult("user", "arn:aws:iam::111111111111:user/alice", Status.PASS, "ok", shared, "111111111111"),
            ResourceResult("user", "arn:aws:iam::111111111111:user/bob", Status.FAIL, "bad", shared, "111111111111"),
            ResourceResult("account", "111111111111", Status.ERROR, "not assessed: denied", None, "111111111111"),
            ResourceResult("role", "r", Status.WAIVED, "w", EvidenceRef("roles.json"), "111111111111", "EX-1",
                           "2027-01-01"),
        )),
        CheckResult("b", (ResourceResult("account", "1", Status.NOT_APPLICABLE, "nothing in scope"),)),
        CheckResult("c", ()),
    ]
    back = split.decode(split.encode(results))
    assert _pairs(back) == _pairs(results)
    for got, sent in zip((r for c in back for r in c.resources), (r for c in results for r in c.resources),
                         strict=True):
        assert type(got.status) is Status and got.status is sent.status
        assert type(got.evidence) is type(sent.evidence)
    first = back[0].resources
    assert first[0].evidence is first[1].evidence  # one EvidenceRef, shared as it was


def test_a_single_large_account_is_split_when_cores_are_given(account: Path, monkeypatch: pytest.MonkeyPatch,
                                                              tmp_path: Path) -> None:
    run = AccountChecks(Settings())
    _record_process(monkeypatch, AWAY, tmp_path / "small")
    parallel_map_accounts(2)(run, [_evidence(account)])
    assert _processes(tmp_path / "small")[AWAY] == os.getpid()  # 456 principals: below SPLIT_FROM_PRINCIPALS

    monkeypatch.setattr(split, "SPLIT_FROM_PRINCIPALS", 100)
    _record_process(monkeypatch, AWAY, tmp_path / "large")
    parallel_map_accounts(2)(run, [_evidence(account)])
    assert _processes(tmp_path / "large")[AWAY] != os.getpid()

    _record_process(monkeypatch, AWAY, tmp_path / "one")
    parallel_map_accounts(1)(run, [_evidence(account)])
    assert _processes(tmp_path / "one")[AWAY] == os.getpid()  # one process asked for: nothing is forked
