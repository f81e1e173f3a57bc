"""Result records and the check engine: what changed when they became cheap to build must not show."""

from __future__ import annotations

import pickle

import pytest

from compliance_kit.checks.registry import CheckDef, failed, not_applicable, passed, run_check, verdict
from compliance_kit.model import CheckResult, EvidenceRef, ResourceResult, Status
from compliance_kit.settings import Settings

from .conftest import ACCOUNT, make_evidence, user_entry


def test_resource_results_compare_hash_and_pickle_as_records():
    a = ResourceResult("user", "arn:x", Status.PASS, "ok", EvidenceRef("f.json", "/0"), ACCOUNT)
    b = ResourceResult("user", "arn:x", Status.PASS, "ok", EvidenceRef("f.json", "/0"), ACCOUNT)
    assert a == b and hash(a) == hash(b)
    assert (a != b) is False
    assert a != ResourceResult("user", "arn:x", Status.FAIL, "ok", EvidenceRef("f.json", "/0"), ACCOUNT)
    assert a != tuple(a) and EvidenceRef("f.json", "/0") != ("f.json", "/0")  # records, not tuples
    copy = pickle.loads(pickle.dumps(a))
    assert copy == a and type(copy) is ResourceResult and type(copy.evidence) is EvidenceRef
    with pytest.raises(AttributeError):
        a.reason = "changed"  # type: ignore[misc]
    assert repr(a).startswith("ResourceResult(resource_type='user', resource_id='arn:x', status=")
    waived = a.waived("EX-1", "2027-01-01")
    assert (waived.status, waived.exception_id, waived.exception_expires, waived.reason) == \
        (Status.WAIVED, "EX-1", "2027-01-01", "ok")


def test_check_results_pickle_as_records_with_their_evidence_shared():
    """Worker processes send CheckResults back pickled: every field, type and shared EvidenceRef survives."""
    shared = EvidenceRef("authorization-details.json", "/UserDetailList/0")
    resources = (
        ResourceResult("user", "arn:a", Status.FAIL, "bad", shared, ACCOUNT),
        ResourceResult("user", "arn:b", Status.PASS, "ok", shared, ACCOUNT),
        ResourceResult("account", ACCOUNT, Status.NOT_APPLICABLE, "nothing in scope", None, ACCOUNT),
        ResourceResult("user", "arn:c", Status.WAIVED, "bad", EvidenceRef("credential-report.csv"), ACCOUNT,
                       "EX-1", "2027-01-01"),
    )
    result = CheckResult("user_without_mfa", resources)
    assert result.status is Status.FAIL  # counted before pickling: the count is not carried, but worked out again
    copy = pickle.loads(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    assert type(copy) is CheckResult and copy == result
    assert [type(r) for r in copy.resources] == [ResourceResult] * 4
    assert [type(r.evidence) for r in copy.resources] == [EvidenceRef, EvidenceRef, type(None), EvidenceRef]
    assert copy.resources[0].evidence is copy.resources[1].evidence
    assert copy.resources[3][6:] == ("EX-1", "2027-01-01")
    assert copy.status is Status.FAIL and copy.count(Status.WAIVED) == 1


def test_constructors_build_the_same_records_as_the_class():
    assert passed("user", "u", "fine", "f.json", "/1") == \
        ResourceResult("user", "u", Status.PASS, "fine", EvidenceRef("f.json", "/1"))
    assert verdict(True, "user", "u", "bad", "fine", "f.json") == \
        ResourceResult("user", "u", Status.FAIL, "bad", EvidenceRef("f.json", None))
    assert not_applicable("user", "u", "n/a") == ResourceResult("user", "u", Status.NOT_APPLICABLE, "n/a", None)


def test_run_check_stamps_the_account_on_every_result(tmp_path):
    evidence = make_evidence(tmp_path, users=[user_entry("alice")])

    def check(evidence, settings):
        yield failed("user", "by-constructor", "bad", "f.json")
        yield ResourceResult("user", "by-hand", Status.PASS, "fine", None)  # no account given

    res = run_check(CheckDef("stamping", (), check, __name__), evidence, Settings())
    assert [(r.resource_id, r.account_id) for r in res.resources] == [("by-constructor", ACCOUNT), ("by-hand", ACCOUNT)]
    assert failed("user", "outside", "bad", "f.json").account_id == ""  # outside run_check: no account


def test_check_status_is_worked_out_from_its_resources():
    fail = ResourceResult("user", "a", Status.FAIL, "bad")
    ok = ResourceResult("user", "b", Status.PASS, "fine")
    assert CheckResult("c", (ok, fail)).status is Status.FAIL
    assert CheckResult("c", (ok,)).status is Status.PASS
    assert CheckResult("c", ()).status is Status.NOT_APPLICABLE
