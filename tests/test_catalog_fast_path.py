"""Bundled catalogs recorded as schema-valid skip JSON-Schema validation; nothing else does.

controls/schema/verified.json holds the SHA-256 of every bundled catalog and check-metadata file (and of the
schema) that passed validation. If a test here fails after editing one of them, re-record with
`python -m compliance_kit.catalog --record-verified`.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from compliance_kit import catalog
from compliance_kit.checks.registry import load_all
from compliance_kit.errors import InputError

CONTROLS = REPO / "controls"
RERECORD = "out of date: run `python -m compliance_kit.catalog --record-verified`"
EXTRA_KEY = ('  - id: "CC1.2"\n    title: Board independence and oversight of internal control\n',
             '  - id: "CC1.2"\n    title: Board independence and oversight of internal control\n    colour: red\n')
SCHEMA_ERROR = "line 47: control CC1.2: controls/1: Additional properties are not allowed ('colour' was unexpected)"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


_CACHED = (catalog._schema_bytes, catalog._schema, catalog._validator, catalog._verified_digests)


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


def test_the_fast_path_is_taken_for_every_bundled_file(known, validations):
    catalog.load_frameworks(None, known)
    catalog.load_check_metadata()
    assert validations == []


def test_bundled_files_still_pass_full_validation_with_the_same_result(known, validations):
    for path in catalog.catalog_files():
        assert catalog.parse_catalog(path, known, trust_verified=False) == catalog.parse_catalog(path, known)
    assert catalog.load_check_metadata(trust_verified=False) == catalog.load_check_metadata()
    assert set(validations) == set(catalog.BUNDLED)


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


# -- re-recording ----------------------------------------------------------------------------------------------


def test_record_verified_covers_an_edit_and_refuses_an_invalid_file(controls, known, validations):
    soc2 = controls / "frameworks" / "soc2.yaml"
    soc2.write_text(soc2.read_text("utf-8").replace("Commitment to integrity", "Commitment to honesty"))
    catalog.load_frameworks(None, known)
    assert validations == [catalog.CATALOG_SCHEMA]  # the edited file, validated in full

    catalog.record_verified()
    validations.clear()
    assert catalog.load_frameworks(None, known)["soc2"].controls[0].title.startswith("Commitment to honesty")
    assert validations == []

    before = (controls / "schema" / catalog.VERIFIED_FILE).read_bytes()
    soc2.write_text(soc2.read_text("utf-8").replace(*EXTRA_KEY))
    with pytest.raises(InputError, match="colour"):
        catalog.record_verified()
    assert (controls / "schema" / catalog.VERIFIED_FILE).read_bytes() == before
