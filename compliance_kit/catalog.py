"""Framework catalogs (YAML, no code) and check metadata: loading, JSON-Schema validation, integrity.

Errors name the file, the line and the control: `soc2.yaml: line 40: control CC6.1: unknown check 'x'`.

Parsing the YAML and validating it against the JSON Schema are the slow steps of loading, so a file whose
bytes (and the schema's bytes) hash to what `controls/schema/verified.json` records as having passed
validation skips both: it is not validated, and its parse is decoded from `verified-parsed.json` (see
catalog_record); that gives the same result by construction. Any other file — a user's catalog, an edited
bundled one, or any file once the schema changed — is parsed from YAML and validated in full. Every file gets
the checks a schema cannot express (ids, check references, duplicates); when one fails on a recorded parse,
the file is parsed from YAML again so the error names the same lines. After editing a bundled catalog, check
metadata or schema, re-record (validating everything in full first) with
`python -m compliance_kit.catalog --record-verified`; tests/test_catalog_fast_path.py fails until then.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from . import catalog_record
from .errors import InputError
from .paths import controls_dir
from .safeyaml import line_of, load_bytes, read_file

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

CATALOG_SCHEMA = "catalog.schema.json"
CHECK_METADATA_SCHEMA = "check-metadata.schema.json"
VERIFIED_FILE = catalog_record.VERIFIED_FILE
#: The bundled folders under controls/ and the schema each one's files follow.
BUNDLED = {CATALOG_SCHEMA: "frameworks", CHECK_METADATA_SCHEMA: "checks"}


@dataclass(frozen=True)
class Mapping:
    check_id: str
    why: str


@dataclass(frozen=True)
class Control:
    control_id: str
    title: str
    group: str | None
    checks: tuple[Mapping, ...]
    manual: str | None
    not_applicable: str | None
    description: str | None
    required: bool | None
    refs: dict[str, tuple[str, ...]]
    line: int | None

    @property
    def mode(self) -> str:
        if self.not_applicable:
            return "not_applicable"
        return "automated" if self.checks else "manual"


@dataclass(frozen=True)
class Framework:
    framework_id: str
    name: str
    version: str
    publisher: str
    id_pattern: str
    groups: tuple[dict[str, Any], ...]
    controls: tuple[Control, ...]
    thresholds: dict[str, dict[str, Any]]
    path: str
    copyright_note: str | None = None

    def control(self, control_id: str) -> Control | None:
        return next((c for c in self.controls if c.control_id == control_id), None)

    def coverage(self) -> dict[str, int]:
        counts = {"total": len(self.controls), "automated": 0, "manual": 0, "not_applicable": 0}
        for control in self.controls:
            counts[control.mode] += 1
        return counts

    def group_title(self, group_id: str | None) -> str | None:
        return next((g["title"] for g in self.groups if g["id"] == group_id), None)


@cache
def _schema_bytes(name: str) -> bytes:
    return (controls_dir() / "schema" / name).read_bytes()


@cache
def _schema(name: str) -> dict[str, Any]:
    return json.loads(_schema_bytes(name).decode("utf-8"))  # type: ignore[no-any-return]


@cache
def _validator(name: str) -> Validator:
    import jsonschema  # only when a file is actually validated: the import costs about 0.1 s

    return jsonschema.Draft202012Validator(_schema(name))


_sha256 = catalog_record.sha256


@cache
def _verified_digests(schema_name: str) -> frozenset[str]:
    return catalog_record.verified_digests(controls_dir() / "schema", schema_name, _sha256(_schema_bytes(schema_name)))


@cache
def _parsed_record() -> catalog_record.ParsedRecord:
    return catalog_record.ParsedRecord.read(controls_dir() / "schema")


_Loaded = TypeVar("_Loaded")


def _load(raw: bytes, file: str, schema_name: str, digest: str | None, build: Callable[[Any], _Loaded]) -> _Loaded:
    """`build` on the recorded parse of a file recorded as valid, else on the file's YAML.

    The recorded parse has no lines but the controls', so if `build` raises on it, it runs again on the YAML
    to raise the error with the lines the YAML path names.
    """
    if digest is not None and digest in _verified_digests(schema_name):
        recorded = _parsed_record().get(digest)
        if recorded is not None:
            try:
                return build(recorded)
            except InputError:
                pass  # reported from the YAML below
    return build(load_bytes(raw, file=file))


def _check_schema(schema_name: str, data: Any, file: str, digest: str | None) -> None:
    """Raise the first JSON-Schema error as an InputError, unless `digest` is recorded as valid for the schema.

    A catalog reports its shallowest error and names the control; check metadata its first error, no control.
    """
    if digest is not None and digest in _verified_digests(schema_name):
        return
    errors = list(_validator(schema_name).iter_errors(data))
    if not errors:
        return
    catalog = schema_name == CATALOG_SCHEMA
    if catalog:
        errors.sort(key=lambda e: (len(list(e.absolute_path)), list(map(str, e.absolute_path))))
    error = errors[0]
    line, control = _locate(data, error.absolute_path)
    where = "/".join(str(p) for p in error.absolute_path) or "top level"
    raise _fail(file, f"{where}: {error.message}", line, control if catalog else None)


def _locate(data: Any, path: Iterable[Any]) -> tuple[int | None, str | None]:
    """Line and control id for a JSON-Schema error path."""
    node, line, control = data, line_of(data), None
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        line = line_of(node) or line
        if isinstance(node, dict) and "id" in node and control is None and part != "framework":
            control = str(node["id"])
    return line, control


def _fail(file: str, message: str, line: int | None = None, control: str | None = None) -> InputError:
    place = ": ".join(p for p in (f"line {line}" if line else None, f"control {control}" if control else None) if p)
    return InputError(message, file=file, place=place or None)


def parse_catalog(path: Path, known_checks: set[str] | None = None, *, trust_verified: bool = True) -> Framework:
    """One catalog; `trust_verified=False` validates against the schema even a file recorded as valid."""
    raw, file = read_file(path), str(path)
    digest = _sha256(raw) if trust_verified else None
    return _load(raw, file, CATALOG_SCHEMA, digest, partial(_build_catalog, file=file, known_checks=known_checks,
                                                            digest=digest))


def _build_catalog(data: Any, file: str, known_checks: set[str] | None, digest: str | None) -> Framework:
    if not isinstance(data, dict):
        raise _fail(file, "a catalog is a mapping with `framework` and `controls`")
    _check_schema(CATALOG_SCHEMA, data, file, digest)
    meta = data["framework"]
    try:
        pattern = re.compile(meta["id_pattern"])
    except re.error as exc:
        raise _fail(file, f"framework/id_pattern is not a valid regular expression ({exc})", line_of(meta)) from None
    seen: dict[str, int | None] = {}
    controls = []
    for raw in data["controls"]:
        cid, line = str(raw["id"]), line_of(raw)
        if cid in seen:
            raise _fail(file, f"duplicate control id (first on line {seen[cid]})", line, cid)
        seen[cid] = line
        has = [k for k in ("checks", "manual", "not_applicable") if raw.get(k)]
        if not has or ("not_applicable" in has and len(has) > 1):
            raise _fail(file, "needs `checks`, `manual` or `not_applicable` (and not_applicable excludes the others)",
                        line, cid)
        if not pattern.fullmatch(cid):
            raise _fail(file, f"id does not match the framework's id format {meta['id_pattern']}", line, cid)
        mappings = tuple(Mapping(str(m["check"]), str(m["why"]).strip()) for m in raw.get("checks", []))
        if known_checks is not None:
            for raw_mapping in raw.get("checks", []):
                if str(raw_mapping["check"]) not in known_checks:
                    raise _fail(file, f"unknown check {str(raw_mapping['check'])!r}", line_of(raw_mapping) or line, cid)
        duplicates = {m.check_id for m in mappings if [x.check_id for x in mappings].count(m.check_id) > 1}
        if duplicates:
            raise _fail(file, f"check {sorted(duplicates)[0]!r} mapped twice", line, cid)
        controls.append(Control(
            cid, str(raw["title"]).strip(), raw.get("group"), mappings,
            (raw.get("manual") or "").strip() or None, (raw.get("not_applicable") or "").strip() or None,
            (raw.get("description") or "").strip() or None, raw.get("required"),
            {k: tuple(v) for k, v in (raw.get("refs") or {}).items()}, line,
        ))
    groups = tuple(dict(g) for g in data.get("groups", []))
    group_ids = {g["id"] for g in groups}
    for entry in controls:
        if groups and entry.group is not None and entry.group not in group_ids:
            raise _fail(file, f"unknown group {entry.group!r}", entry.line, entry.control_id)
    return Framework(
        str(meta["id"]), str(meta["name"]), str(meta["version"]), str(meta["publisher"]), str(meta["id_pattern"]),
        groups, tuple(controls), {k: dict(v) for k, v in (meta.get("thresholds") or {}).items()}, file,
        meta.get("copyright_note"),
    )


def catalog_files(extra_dir: Path | None = None) -> list[Path]:
    files = sorted((controls_dir() / "frameworks").glob("*.yaml"))
    if extra_dir is not None:
        if not extra_dir.is_dir():
            raise InputError("catalog directory not found", file=str(extra_dir))
        files += sorted(extra_dir.glob("*.yaml"))
    return files


def load_frameworks(extra_dir: Path | None = None, known_checks: set[str] | None = None) -> dict[str, Framework]:
    """Shipped catalogs, then the user's: a user catalog with the same framework id replaces the shipped one."""
    frameworks: dict[str, Framework] = {}
    for path in catalog_files(extra_dir):
        framework = parse_catalog(path, known_checks)
        frameworks[framework.framework_id] = framework
    return frameworks


@dataclass(frozen=True)
class CheckMeta:
    check_id: str
    title: str
    severity: str
    category: str
    resource_type: str
    risk: str
    rationale: str
    remediation: dict[str, str]
    references: dict[str, list[str]]
    thresholds: tuple[str, ...]


def load_check_metadata(*, trust_verified: bool = True) -> dict[str, CheckMeta]:
    out: dict[str, CheckMeta] = {}
    for path in sorted((controls_dir() / "checks").glob("*.yaml")):
        raw, file = read_file(path), str(path)
        digest = _sha256(raw) if trust_verified else None
        out |= _load(raw, file, CHECK_METADATA_SCHEMA, digest, partial(_build_check_metas, file=file,
                                                                       digest=digest, earlier=out))
    return out


def _build_check_metas(data: Any, file: str, digest: str | None, earlier: dict[str, CheckMeta]) -> dict[str, CheckMeta]:
    """One check-metadata file's checks, none of them described in an `earlier` file too."""
    _check_schema(CHECK_METADATA_SCHEMA, data, file, digest)
    metas: dict[str, CheckMeta] = {}
    for check_id, entry in data.items():
        if check_id in earlier:
            raise _fail(file, f"check {check_id!r} described twice", line_of(entry))
        metas[check_id] = CheckMeta(
            check_id, entry["title"], entry["severity"], entry["category"], entry["resource_type"],
            entry["risk"].strip(), entry["rationale"].strip(), dict(entry["remediation"]),
            {k: list(v) for k, v in (entry.get("references") or {}).items()}, tuple(entry.get("thresholds", [])),
        )
    return metas


def record_verified() -> tuple[Path, Path]:
    """Validate every bundled catalog and check-metadata file in full, then record their hashes as verified and
    what they parse into (controls/schema/verified.json and verified-parsed.json).

    Refuses (InputError, nothing written) if any file fails, or parses into something JSON cannot give back
    exactly; the check ids a catalog maps are not checked here (the check registry is not imported): the
    integrity tests cover those.
    """
    verified: dict[str, Any] = {}
    parsed: dict[str, dict[str, Any]] = {}
    for schema_name, folder in BUNDLED.items():
        files = {}
        for path in sorted((controls_dir() / folder).glob("*.yaml")):
            raw, name = read_file(path), f"{folder}/{path.name}"
            data = load_bytes(raw, file=str(path))
            _check_schema(schema_name, data, str(path), None)
            files[name] = _sha256(raw)
            parsed[files[name]] = catalog_record.parsed_entry(name, data, str(path),
                                                              catalog=schema_name == CATALOG_SCHEMA)
        verified[schema_name] = {"schema_sha256": _sha256(_schema_bytes(schema_name)), "files": files}
    for path in sorted((controls_dir() / BUNDLED[CATALOG_SCHEMA]).glob("*.yaml")):
        parse_catalog(path, None, trust_verified=False)  # ids, duplicates, groups
    load_check_metadata(trust_verified=False)  # a check described twice
    written = catalog_record.write(controls_dir() / "schema", verified, parsed)
    _verified_digests.cache_clear()
    _parsed_record.cache_clear()
    return written


if __name__ == "__main__":
    if sys.argv[1:] != ["--record-verified"]:
        sys.exit("usage: python -m compliance_kit.catalog --record-verified")
    try:
        print("recorded " + " and ".join(map(str, record_verified())))
    except InputError as exc:
        sys.exit(f"not recorded: {exc}")
