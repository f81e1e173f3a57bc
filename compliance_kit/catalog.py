"""Framework catalogs (YAML, no code) and check metadata: loading, JSON-Schema validation, integrity.

Errors name the file, the line and the control: `soc2.yaml: line 40: control CC6.1: unknown check 'x'`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from .errors import InputError
from .paths import controls_dir
from .safeyaml import line_of, load_file


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
def _schema(name: str) -> dict[str, Any]:
    return json.loads((controls_dir() / "schema" / name).read_text("utf-8"))  # type: ignore[no-any-return]


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


def parse_catalog(path: Path, known_checks: set[str] | None = None) -> Framework:
    data = load_file(path)
    file = str(path)
    if not isinstance(data, dict):
        raise _fail(file, "a catalog is a mapping with `framework` and `controls`")
    validator = jsonschema.Draft202012Validator(_schema("catalog.schema.json"))
    errors = sorted(validator.iter_errors(data), key=lambda e: (len(list(e.absolute_path)), list(map(str, e.absolute_path))))
    if errors:
        error = errors[0]
        line, control = _locate(data, error.absolute_path)
        where = "/".join(str(p) for p in error.absolute_path) or "top level"
        raise _fail(file, f"{where}: {error.message}", line, control)
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


def load_check_metadata() -> dict[str, CheckMeta]:
    schema = _schema("check-metadata.schema.json")
    validator = jsonschema.Draft202012Validator(schema)
    out: dict[str, CheckMeta] = {}
    for path in sorted((controls_dir() / "checks").glob("*.yaml")):
        data = load_file(path)
        errors = list(validator.iter_errors(data))
        if errors:
            error = errors[0]
            line, _ = _locate(data, error.absolute_path)
            where = "/".join(str(p) for p in error.absolute_path) or "top level"
            raise _fail(str(path), f"{where}: {error.message}", line)
        for check_id, entry in data.items():
            if check_id in out:
                raise _fail(str(path), f"check {check_id!r} described twice", line_of(entry))
            out[check_id] = CheckMeta(
                check_id, entry["title"], entry["severity"], entry["category"], entry["resource_type"],
                entry["risk"].strip(), entry["rationale"].strip(), dict(entry["remediation"]),
                {k: list(v) for k, v in (entry.get("references") or {}).items()}, tuple(entry.get("thresholds", [])),
            )
    return out
