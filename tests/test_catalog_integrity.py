"""Integrity: catalogs and check code in step — official ids and counts, every check mapped and documented."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from conftest import REPO

from compliance_kit.catalog import load_check_metadata, load_frameworks
from compliance_kit.checks.registry import REGISTRY, load_all

EXPECTED_COUNTS = {
    "soc2": 61,
    "iso27001-2022": 93,
    "iso27001-2013": 114,
    "hipaa": 65,
    "nist-csf-2.0": 106,
    "nist-csf-1.1": 108,
    "cmmc-l2": 110,
    "cmmc-l1": 15,
}
OFFICIAL_FORMAT = {
    "soc2": r"(CC[1-9]|A1|C1|PI1|P[1-8])\.\d",
    "iso27001-2022": r"[5-8]\.\d{1,2}",
    "iso27001-2013": r"A\.(5|6|7|8|9|1[0-8])\.\d\.\d",
    "hipaa": r"164\.3(08|10|12|14|16)\([a-z]\)(\(\d+\))?(\((i|ii|iii|iv|v|vi)\))?(\([A-F]\))?",
    "nist-csf-2.0": r"(GV|ID|PR|DE|RS|RC)\.[A-Z]{2}-\d{2}",
    "nist-csf-1.1": r"(ID|PR|DE|RS|RC)\.[A-Z]{2}-\d{1,2}",
    "cmmc-l2": r"(AC|AT|AU|CM|IA|IR|MA|MP|PS|PE|RA|CA|SC|SI)\.L2-3\.\d{1,2}\.\d{1,2}",
    "cmmc-l1": r"(AC|IA|MP|PE|SC|SI)\.L1-b\.1\.[ivx]+",
}


@pytest.fixture(scope="module")
def frameworks():
    return load_frameworks(None, set(load_all()))


def test_every_framework_is_shipped_with_its_official_count(frameworks):
    assert {k: len(f.controls) for k, f in frameworks.items()} == EXPECTED_COUNTS


@pytest.mark.parametrize("framework_id", sorted(EXPECTED_COUNTS))
def test_ids_follow_the_official_format(frameworks, framework_id):
    pattern = re.compile(OFFICIAL_FORMAT[framework_id])
    ids = [c.control_id for c in frameworks[framework_id].controls]
    assert [i for i in ids if not pattern.fullmatch(i)] == []
    assert not [i for i, n in Counter(ids).items() if n > 1]


def test_csf_2_structure(frameworks):
    csf = frameworks["nist-csf-2.0"]
    functions = {g["id"] for g in csf.groups if "parent" not in g}
    categories = {g["id"] for g in csf.groups if "parent" in g}
    assert functions == {"GV", "ID", "PR", "DE", "RS", "RC"}
    assert len(categories) == 22
    assert "PR.AA-01" in {c.control_id for c in csf.controls}


def test_hipaa_marks_required_or_addressable(frameworks):
    hipaa = frameworks["hipaa"]
    assert all(c.required is not None for c in hipaa.controls)
    specs = [c for c in hipaa.controls if c.control_id.count("(") >= 3 or c.control_id.endswith(")") and False]
    assert hipaa.control("164.312(a)(2)(iv)").required is False  # encryption: addressable
    assert hipaa.control("164.308(a)(1)(ii)(A)").required is True  # risk analysis: required
    assert specs is not None


def test_iso_cross_reference_both_ways(frameworks):
    new, old = frameworks["iso27001-2022"], frameworks["iso27001-2013"]
    old_ids = {c.control_id for c in old.controls}
    for control in new.controls:
        for ref in control.refs.get("iso27001-2013", ()):
            assert ref in old_ids, (control.control_id, ref)
            assert control.control_id in old.control(ref).refs.get("iso27001-2022", ()), (control.control_id, ref)
    assert new.control("5.15").refs["iso27001-2013"]  # access control has predecessors
    assert new.control("5.7").refs["iso27001-2013"] == ()  # threat intelligence is new in 2022


def test_every_referenced_check_exists_and_has_a_reason(frameworks):
    for framework in frameworks.values():
        for control in framework.controls:
            for mapping in control.checks:
                assert mapping.check_id in REGISTRY, (framework.framework_id, control.control_id, mapping.check_id)
                assert len(mapping.why.split()) >= 6, (framework.framework_id, control.control_id, mapping.check_id)
            assert control.checks or control.manual or control.not_applicable


def test_every_check_is_mapped_documented_and_tested(frameworks):
    load_all()
    meta = load_check_metadata()
    mapped = {m.check_id for f in frameworks.values() for c in f.controls for m in c.checks}
    tests_text = "\n".join(p.read_text() for p in (REPO / "tests").rglob("test_*.py"))
    assert set(REGISTRY) == set(meta), "check code and check metadata differ"
    assert set(REGISTRY) <= mapped, f"unmapped checks: {sorted(set(REGISTRY) - mapped)}"
    untested = sorted(c for c in REGISTRY if f'"{c}"' not in tests_text)
    assert not untested, f"checks without a test naming them: {untested}"
    assert len(REGISTRY) >= 60


def test_check_metadata_thresholds_are_known_settings():
    from compliance_kit.settings import DEFAULTS

    for check_id, meta in load_check_metadata().items():
        assert set(meta.thresholds) <= set(DEFAULTS), check_id
        assert meta.remediation.get("cli") and meta.remediation.get("console"), check_id
        assert meta.references.get("docs"), check_id


def test_shipped_catalogs_validate_with_the_cli(cli):
    run = cli("catalog", "validate", str(REPO / "controls" / "frameworks"))
    assert run.code == 0, run.err
    assert run.out.count("OK ") == len(EXPECTED_COUNTS)


def test_frameworks_show_prints_coverage(cli):
    run = cli("frameworks", "show", "soc2")
    assert run.code == 0
    assert "61 controls" in run.out and "CC6.1" in run.out


def test_checks_list_shows_all_checks(cli):
    run = cli("checks", "list")
    assert run.code == 0
    assert f"{len(load_all())} checks" in run.out
