"""Bundled catalogs recorded as schema-valid skip JSON-Schema validation and YAML parsing; nothing else does.

controls/schema/verified.json holds the SHA-256 of every bundled catalog and check-metadata file (and of the
schema) that passed validation, verified-parsed.json what each of those files parses into. If a test here
fails after editing one of them, re-record with `python -m compliance_kit.catalog --record-verified`.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

from compliance_kit import catalog, catalog_record
from compliance_kit.checks.registry import load_all
from compliance_kit.errors import InputError
from compliance_kit.safeyaml import line_of, load_file

CONTROLS = REPO / "controls"
RERECORD = "out of date: run `python -m compliance_kit.catalog --record-verified`"
EXTRA_KEY = ('  - id: "CC1.2"\n    title: Board independence and oversight of internal control\n',
             '  - id: "CC1.2"\n    title: Board independence and oversight of internal control\n    colour: red\n')
SCHEMA_ERROR = "line 47: control CC1.2: controls/1: Additional properties are not allowed ('colour' was unexpected)"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


_CACHED = (catalog._schema_bytes, catalog._schema, catalog._validator, catalog._verified_digests,
           catalog._parsed_record)


def _clear_caches() -> None:
    for cached in _CACHED:
        cached.cache_clear()


@pytest.fixture
def known() -> set[str]:
    return set(load_all())


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The schema names of the full validations that actually run."""
    calls: list[str] = []
    real = catalog._validator

    def counting(name: str):  # type: ignore[no-untyped-def]
        calls.append(name)
        return real(name)

    monkeypatch.setattr(catalog, "_validator", counting)
    return calls


@pytest.fixture
def yaml_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the catalog module actually parses as YAML."""
    calls: list[str] = []
    real = catalog.load_bytes

    def counting(raw: bytes, *, file: str) -> Any:
        calls.append(Path(file).name)
        return real(raw, file=file)

    monkeypatch.setattr(catalog, "load_bytes", counting)
    return calls


@pytest.fixture
def controls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A private copy of controls/ the catalog module reads instead of the real one."""
    copy = tmp_path / "controls"
    shutil.copytree(CONTROLS, copy)
    _clear_caches()
    monkeypatch.setattr(catalog, "controls_dir", lambda: copy)
    yield copy
    _clear_caches()


# -- the record is complete and current (CI catches an edit made without re-recording) -----------------------


@pytest.mark.parametrize(("schema_name", "folder"), sorted(catalog.BUNDLED.items()))
def test_recorded_hashes_match_the_bundled_files(schema_name, folder):
    record = json.loads((CONTROLS / "schema" / catalog.VERIFIED_FILE).read_text("utf-8"))[schema_name]
    assert record["schema_sha256"] == _sha(CONTROLS / "schema" / schema_name), f"{schema_name} changed: {RERECORD}"
    current = {f"{folder}/{p.name}": _sha(p) for p in sorted((CONTROLS / folder).glob("*.yaml"))}
    assert current, folder
    missing = sorted(set(current) - set(record["files"]))
    stale = sorted(k for k in set(current) & set(record["files"]) if current[k] != record["files"][k])
    gone = sorted(set(record["files"]) - set(current))
    assert not (missing or stale or gone), f"missing {missing}, stale {stale}, deleted {gone}: {RERECORD}"


def _bundled() -> list[Path]:
    return [path for folder in sorted(catalog.BUNDLED.values()) for path in sorted((CONTROLS / folder).glob("*.yaml"))]


def test_recorded_parses_match_the_bundled_files():
    record = json.loads((CONTROLS / "schema" / catalog_record.PARSED_FILE).read_text("utf-8"))["files"]
    current = {_sha(path): path for path in _bundled()}
    missing = sorted(f"{p.parent.name}/{p.name}" for digest, p in current.items() if digest not in record)
    stale = sorted(entry["path"] for digest, entry in record.items() if digest not in current)
    assert not (missing or stale), f"missing {missing}, stale {stale}: {RERECORD}"
    parsed = catalog_record.ParsedRecord.read(CONTROLS / "schema")
    for digest, path in current.items():
        fresh, recorded = load_file(path), parsed.get(digest)
        assert recorded == fresh, f"{path.name}: {RERECORD}"
        assert json.dumps(recorded) == json.dumps(fresh), f"{path.name}: key order: {RERECORD}"  # == ignores order
        if path.parent.name == "frameworks":
            assert [line_of(c) for c in recorded["controls"]] == [line_of(c) for c in fresh["controls"]], path.name


def test_the_fast_path_is_taken_for_every_bundled_file(known, validations, yaml_parses):
    catalog.load_frameworks(None, known)
    catalog.load_check_metadata()
    assert validations == []
    assert yaml_parses == []


def test_bundled_files_still_pass_full_validation_with_the_same_result(known, validations):
    for path in catalog.catalog_files():
        assert catalog.parse_catalog(path, known, trust_verified=False) == catalog.parse_catalog(path, known)
    assert catalog.load_check_metadata(trust_verified=False) == catalog.load_check_metadata()
    assert set(validations) == set(catalog.BUNDLED)


def test_the_recorded_parses_give_the_objects_the_yaml_gives_lines_included(known, yaml_parses):
    full = catalog.load_frameworks(None, known), catalog.load_check_metadata()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(catalog, "_parsed_record", lambda: catalog_record.ParsedRecord({}))
        from_yaml = catalog.load_frameworks(None, known), catalog.load_check_metadata()
    assert len(yaml_parses) == len(_bundled())  # only the second load parsed YAML
    assert full == from_yaml
    assert all(c.line for framework in full[0].values() for c in framework.controls)


def test_importing_and_loading_the_bundled_catalogs_does_not_import_jsonschema():
    code = ("import sys\nimport compliance_kit.catalog as c\nassert 'jsonschema' not in sys.modules\n"
            "from compliance_kit.checks.registry import load_all\n"
            "c.load_frameworks(None, set(load_all())); c.load_check_metadata()\n"
            "assert 'jsonschema' not in sys.modules, 'loaded'\n")
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr


# -- anything else is validated in full, with the same errors ----------------------------------------------------


def test_a_users_edited_copy_of_a_bundled_catalog_gets_the_schema_error(tmp_path, known, validations):
    user = tmp_path / "cats"
    user.mkdir()
    (user / "soc2.yaml").write_text((CONTROLS / "frameworks" / "soc2.yaml").read_text("utf-8").replace(*EXTRA_KEY))
    with pytest.raises(InputError) as raised:
        catalog.load_frameworks(user, known)
    assert str(raised.value) == f"{user / 'soc2.yaml'}: {SCHEMA_ERROR}"
    with pytest.raises(InputError) as full:
        catalog.parse_catalog(user / "soc2.yaml", known, trust_verified=False)
    assert str(full.value) == str(raised.value)
    assert validations.count(catalog.CATALOG_SCHEMA) == 2


def test_an_unchanged_copy_in_a_user_folder_loads_the_same(tmp_path, known):
    user = tmp_path / "cats"
    user.mkdir()
    shutil.copy(CONTROLS / "frameworks" / "hipaa.yaml", user / "hipaa.yaml")
    loaded = catalog.load_frameworks(user, known)["hipaa"]
    assert loaded.path == str(user / "hipaa.yaml")
    assert loaded.controls == catalog.load_frameworks(None, known)["hipaa"].controls


def test_a_bundled_catalog_edited_in_place_gets_the_schema_error(controls, known, validations):
    soc2 = controls / "frameworks" / "soc2.yaml"
    soc2.write_text(soc2.read_text("utf-8").replace(*EXTRA_KEY))
    with pytest.raises(InputError) as raised:
        catalog.load_frameworks(None, known)
    assert str(raised.value) == f"{soc2}: {SCHEMA_ERROR}"
    assert validations == [catalog.CATALOG_SCHEMA]  # the earlier, unchanged catalogs were not validated


def test_semantic_checks_run_on_a_bundled_catalog_edited_in_place(controls, known, validations):
    soc2 = controls / "frameworks" / "soc2.yaml"
    soc2.write_text(soc2.read_text("utf-8").replace('- id: "CC1.2"', '- id: "CC1.1"', 1))
    with pytest.raises(InputError, match=r"line 47: control CC1.1: duplicate control id \(first on line 40\)"):
        catalog.load_frameworks(None, known)
    with pytest.raises(InputError, match="unknown check 'root_has_active_access_keys'"):
        catalog.load_frameworks(None, known - {"root_has_active_access_keys"})


def test_bundled_check_metadata_edited_in_place_gets_the_schema_error(controls, validations):
    root = controls / "checks" / "root.yaml"
    root.write_text(root.read_text("utf-8").replace("severity: critical", "severity: catastrophic", 1))
    with pytest.raises(InputError) as raised:
        catalog.load_check_metadata()
    assert str(raised.value).startswith(f"{root}: line 6: root_has_active_access_keys/severity: 'catastrophic'")
    assert catalog.CHECK_METADATA_SCHEMA in validations


def test_a_changed_schema_validates_every_file_again(controls, known, validations):
    schema = controls / "schema" / catalog.CATALOG_SCHEMA
    data = json.loads(schema.read_text("utf-8"))
    data["properties"]["controls"]["items"]["properties"]["title"]["maxLength"] = 5
    schema.write_text(json.dumps(data, indent=2))
    with pytest.raises(InputError, match=r"cmmc-l1\.yaml: line \d+: control \S+: controls/0/title: .* is too long"):
        catalog.load_frameworks(None, known)
    assert validations == [catalog.CATALOG_SCHEMA]


def test_a_reformatted_schema_still_validates_every_file(controls, known, validations):
    schema = controls / "schema" / catalog.CATALOG_SCHEMA
    schema.write_text(schema.read_text("utf-8") + "\n")
    catalog.load_frameworks(None, known)
    assert validations.count(catalog.CATALOG_SCHEMA) == len(catalog.catalog_files())


@pytest.mark.parametrize("content", [None, "", "{not json", "[]", '{"catalog.schema.json": {"files": []}}'])
def test_a_missing_or_broken_record_means_full_validation(controls, known, validations, content):
    record = controls / "schema" / catalog.VERIFIED_FILE
    if content is None:
        record.unlink()
    else:
        record.write_text(content)
    assert len(catalog.load_frameworks(None, known)) == len(catalog.catalog_files())
    assert validations.count(catalog.CATALOG_SCHEMA) == len(catalog.catalog_files())


# -- the recorded parse: errors come from the YAML, copies are private, a broken record is no record ------------


def test_an_error_on_a_recorded_catalog_is_reported_from_its_yaml(known, yaml_parses):
    cmmc, known = CONTROLS / "frameworks" / "cmmc-l1.yaml", known - {"root_has_active_access_keys"}
    with pytest.raises(InputError) as fast:
        catalog.parse_catalog(cmmc, known)
    assert yaml_parses == ["cmmc-l1.yaml"]  # the recorded parse raised; the YAML was parsed to report it
    with pytest.raises(InputError) as full:
        catalog.parse_catalog(cmmc, known, trust_verified=False)
    # line 45 is the mapping's own line, which the recorded parse does not have (the control starts on line 26)
    assert str(fast.value) == str(full.value) == f"{cmmc}: line 45: control AC.L1-b.1.i: unknown check " \
                                                 "'root_has_active_access_keys'"


def test_an_error_on_recorded_check_metadata_is_reported_from_its_yaml(controls, yaml_parses):
    shutil.copy(controls / "checks" / "root.yaml", controls / "checks" / "aaa.yaml")  # same bytes: recorded too
    with pytest.raises(InputError) as fast:
        catalog.load_check_metadata()
    assert yaml_parses == ["root.yaml"]
    with pytest.raises(InputError) as full:
        catalog.load_check_metadata(trust_verified=False)
    assert str(fast.value) == str(full.value)
    assert str(fast.value) == f"{controls / 'checks' / 'root.yaml'}: line 6: check 'root_has_active_access_keys' " \
                              "described twice"


def test_each_load_decodes_its_own_copy_of_a_recorded_parse():
    parsed = catalog._parsed_record()
    for path in (CONTROLS / "checks" / "root.yaml", CONTROLS / "frameworks" / "soc2.yaml"):
        first = parsed.get(_sha(path))
        first[next(iter(first))].clear()
        assert parsed.get(_sha(path)) == load_file(path) != first


def _garble_soc2(record: str) -> str:
    lines = record.splitlines(keepends=True)
    soc2 = next(i for i, line in enumerate(lines) if '"path":"frameworks/soc2.yaml"' in line)
    lines[soc2] = lines[soc2].replace('"control_lines":[', '"control_lines":[1,', 1)  # one line too many
    return "".join(lines)


@pytest.mark.parametrize("breakage", ["missing", "a directory", "empty", "not json", "truncated", "reformatted",
                                      "soc2 garbled"])
def test_a_missing_or_broken_parsed_record_means_yaml(controls, known, yaml_parses, breakage):
    record = controls / "schema" / catalog_record.PARSED_FILE
    text = record.read_text("utf-8")
    record.unlink()
    if breakage == "a directory":
        record.mkdir()
    elif breakage != "missing":
        record.write_text({"empty": "", "not json": "{not json", "truncated": text[:len(text) // 2],
                           "reformatted": json.dumps(json.loads(text), indent=1),
                           "soc2 garbled": _garble_soc2(text)}[breakage], "utf-8")
    loaded = catalog.load_frameworks(None, known), catalog.load_check_metadata()
    if breakage == "soc2 garbled":
        assert yaml_parses == ["soc2.yaml"]
    else:
        assert sorted(yaml_parses) == sorted(path.name for path in _bundled())
    expected = ({f.framework_id: f for f in (catalog.parse_catalog(p, known, trust_verified=False)
                                             for p in catalog.catalog_files())},
                catalog.load_check_metadata(trust_verified=False))
    assert loaded == expected


@pytest.mark.parametrize(("data", "where"), [
    ({"a": [1, date(2024, 1, 1)]}, "a/1"), ({"a": {1: "one"}}, "a/1"), ({"a": float("nan")}, "a"),
    ({"a": 2**64}, "a"), ([b"bytes"], "0"), (date(2024, 1, 1), "top level"),
])
def test_a_value_json_would_not_give_back_is_not_recorded(data, where):
    with pytest.raises(InputError) as raised:
        catalog_record.parsed_entry("checks/x.yaml", data, "/c/checks/x.yaml", catalog=False)
    assert str(raised.value).startswith(f"/c/checks/x.yaml: {where}: not recorded in verified-parsed.json: ")


def test_plain_values_are_recorded():
    data = {"s": "é", "i": -(2**63), "big": 2**64 - 1, "f": 0.1, "b": True, "n": None, "l": [{}, []]}
    assert catalog_record.parsed_entry("checks/x.yaml", data, "x", catalog=False) == {"path": "checks/x.yaml",
                                                                                       "data": data}


# -- re-recording ----------------------------------------------------------------------------------------------


def test_record_verified_covers_an_edit_and_refuses_an_invalid_file(controls, known, validations, yaml_parses):
    soc2 = controls / "frameworks" / "soc2.yaml"
    soc2.write_text(soc2.read_text("utf-8").replace("Commitment to integrity", "Commitment to honesty"))
    catalog.load_frameworks(None, known)
    assert validations == [catalog.CATALOG_SCHEMA]  # the edited file, validated in full
    assert yaml_parses == ["soc2.yaml"]  # and parsed from YAML

    catalog.record_verified()
    validations.clear()
    yaml_parses.clear()
    assert catalog.load_frameworks(None, known)["soc2"].controls[0].title.startswith("Commitment to honesty")
    assert validations == []
    assert yaml_parses == []

    records = [controls / "schema" / name for name in (catalog.VERIFIED_FILE, catalog_record.PARSED_FILE)]
    before = [record.read_bytes() for record in records]
    soc2.write_text(soc2.read_text("utf-8").replace(*EXTRA_KEY))
    with pytest.raises(InputError, match="colour"):
        catalog.record_verified()
    assert [record.read_bytes() for record in records] == before


def test_record_verified_refuses_a_value_json_would_not_give_back(controls):
    soc2 = controls / "frameworks" / "soc2.yaml"
    soc2.write_text(soc2.read_text("utf-8").replace("  publisher: AICPA\n", "  publisher: AICPA\n  thresholds:\n"
                                                    "    password_min_length: {value: .inf}\n", 1))
    catalog.load_frameworks(None, None)  # valid: a number, as far as the schema goes
    records = [controls / "schema" / name for name in (catalog.VERIFIED_FILE, catalog_record.PARSED_FILE)]
    before = [record.read_bytes() for record in records]
    with pytest.raises(InputError) as raised:
        catalog.record_verified()
    assert str(raised.value).startswith(f"{soc2}: framework/thresholds/password_min_length/value: not recorded")
    assert [record.read_bytes() for record in records] == before
