"""kit.yaml: what a scheduled run collects, assesses, renders and delivers.

Validated like a catalog: safe YAML (size and alias limits, duplicate keys refused), then the JSON Schema
controls/schema/kit-config.schema.json, then the checks a schema cannot make (files exist, frameworks and
thresholds are known). Every error is one line naming the file, the line and the key:
`kit.yaml: line 7: outputs/0/s3: 's3:/bucket': use s3://bucket or s3://bucket/prefix`.
Relative paths are relative to the config file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ..errors import InputError
from ..paths import controls_dir
from ..safeyaml import load_file
from .period import SCHEMES

if TYPE_CHECKING:
    import jsonschema

SCHEMA_FILE = "kit-config.schema.json"
DEFAULT_FORMATS = ("pdf", "xlsx")
FAIL_ON_RE = re.compile(r"^(never|critical|high|medium|low|info|new-(critical|high|medium|low|info))$")
SOURCE_KINDS = ("evidence", "accounts", "organization")

# `compliance-kit init` writes this; samples/kit.yaml is the same text (a test keeps them equal).
STARTER = """\
# compliance-kit run configuration: `compliance-kit run --config kit.yaml` collects, assesses, renders
# and delivers one period (monthly by default) into <output>/<period>/. Relative paths are relative to
# this file. Schema: controls/schema/kit-config.schema.json. Scheduling: docs/scheduling.md.

# Shown on the report cover and in the workbook.
organization: Northwind Health Analytics

# Where the evidence comes from: exactly one of `evidence`, `accounts` or `organization`.
source:
  # A folder of saved AWS CLI exports (any file names), an evidence directory (with manifest.json)
  # or a folder of evidence directories (one per account, as `compliance-kit collect` writes them).
  evidence: ./exports
  # Live collection from one or more accounts (the standard AWS credential chain, a profile, or a
  # role to assume; `compliance-kit policy` prints the read-only policy the audit identity needs):
  # accounts:
  #   - profile: prod
  #   - role_arn: "arn:aws:iam::111122223333:role/ComplianceKitAudit"
  #     external_id: "example-external-id"
  # Or every ACTIVE account of an AWS Organization, through a role in each member account:
  # organization:
  #   role_name: OrganizationAccountAccessRole
  #   max_workers: 4
  # regions: [us-east-1, eu-west-1]   # Access Analyzer regions (default: the enabled regions)
  # home_region: us-east-1

# Framework ids (`compliance-kit frameworks list`); default: all of them.
frameworks: [soc2, iso27001-2022, hipaa, nist-csf-2.0, cmmc-l2]

# Risk acceptances and attestations for manual controls (optional).
exceptions: ./exceptions.yaml
attestations: ./attestations.yaml

# Check thresholds (optional; a framework may pin a stricter value).
# thresholds:
#   access_key_max_age_days: 90
#   credential_unused_days: 45

# Reports besides results.json (always written): pdf (one per framework), xlsx (one workbook).
formats: [pdf, xlsx]
# combined_pdf: false          # one PDF for all frameworks
# pdf_variant: pdf/a-3b        # archival PDF

# Period scheme: monthly (YYYY-MM, default), quarterly (YYYY-Qn) or weekly (YYYY-Www).
period: monthly

# Periods kept in each local output folder; older period folders are deleted (default: keep all).
retention: 24

# Exit 1 when one of these holds (the command line's --fail-on replaces this list):
# new-<severity>: a failure of at least that severity that the previous period did not have;
# <severity>: any failure of at least that severity; never: always exit 0 after a good run.
fail_on: [new-high]

# Where each period's package goes: local folders and/or S3 (at least one).
outputs:
  - dir: ./audit-packages
  # - s3: s3://example-audit-bucket/compliance-kit
  #   kms_key_id: alias/audit-packages   # SSE-KMS; without it objects are encrypted with SSE-S3 (AES256)
  #   region: us-east-1
"""


@dataclass(frozen=True)
class AccountSource:
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    regions: tuple[str, ...] = ()
    home_region: str | None = None


@dataclass(frozen=True)
class OrganizationSource:
    role_name: str | None = None
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    max_workers: int = 4


@dataclass(frozen=True)
class Source:
    kind: str  # evidence | accounts | organization
    evidence: Path | None = None
    accounts: tuple[AccountSource, ...] = ()
    organization: OrganizationSource | None = None
    regions: tuple[str, ...] = ()
    home_region: str | None = None
    endpoint_url: str | None = None

    def describe(self) -> str:
        if self.kind == "evidence":
            return f"evidence folder {self.evidence}"
        if self.kind == "accounts":
            return f"{len(self.accounts)} account(s), live"
        return "an AWS Organization, live"


@dataclass(frozen=True)
class DirOutput:
    path: Path

    def describe(self) -> str:
        return str(self.path)


@dataclass(frozen=True)
class S3Output:
    url: str
    bucket: str
    prefix: str  # without leading or trailing slash; "" for the bucket's root
    kms_key_id: str | None = None
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    multipart_threshold_mb: int = 64

    def key(self, *parts: str) -> str:
        return "/".join(p for p in (self.prefix, *parts) if p)

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")


@dataclass(frozen=True)
class KitConfig:
    path: Path
    organization: str
    source: Source
    outputs: tuple[DirOutput | S3Output, ...]
    frameworks: tuple[str, ...] = ()
    exceptions: Path | None = None
    attestations: Path | None = None
    catalog_dir: Path | None = None
    thresholds: dict[str, int] = field(default_factory=dict)
    formats: tuple[str, ...] = DEFAULT_FORMATS
    combined_pdf: bool = False
    pdf_variant: str | None = None
    period: str = "monthly"
    retention: int | None = None
    fail_on: tuple[str, ...] = ()

    @property
    def dir_outputs(self) -> list[DirOutput]:
        return [o for o in self.outputs if isinstance(o, DirOutput)]

    @property
    def s3_outputs(self) -> list[S3Output]:
        return [o for o in self.outputs if isinstance(o, S3Output)]


@cache
def schema() -> dict[str, Any]:
    return json.loads((controls_dir() / "schema" / SCHEMA_FILE).read_text("utf-8"))  # type: ignore[no-any-return]


# --- where each key is ---------------------------------------------------------------------------------

Path_ = tuple[str | int, ...]


def key_lines(text: str) -> dict[Path_, int]:
    """JSON path (keys and list indexes) -> 1-based line of the key (or list item) in the YAML text."""
    lines: dict[Path_, int] = {}
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return lines
    seen: set[int] = set()

    def walk(node: yaml.Node, path: Path_) -> None:
        if id(node) in seen:  # an alias: its nodes were walked where the anchor is (no exponential walk)
            return
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.start_mark)
                lines.setdefault((*path, key), key_node.start_mark.line + 1)
                walk(value_node, (*path, key))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                lines.setdefault((*path, index), item.start_mark.line + 1)
                walk(item, (*path, index))

    if root is not None:
        lines[()] = root.start_mark.line + 1
        walk(root, ())
    return lines


class _Where:
    def __init__(self, file: Path, lines: dict[Path_, int]) -> None:
        self.file = file
        self.lines = lines

    def line(self, path: Path_) -> int | None:
        path = tuple(path)
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path)

    def error(self, path: Path_, message: str) -> InputError:
        where = "/".join(str(p) for p in path) or "top level"
        line = self.line(path)
        return InputError(f"{where}: {message}", file=str(self.file), place=f"line {line}" if line else None)


def _schema_error(where: _Where, error: jsonschema.ValidationError) -> InputError:
    path: Path_ = tuple(error.absolute_path)
    instance = error.instance
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(str(k) for k in instance if k not in allowed)
        if extra:
            return where.error((*path, extra[0]),
                               f"unknown key (allowed here: {', '.join(sorted(allowed))})")
    if error.validator == "required":
        missing = [k for k in error.validator_value if isinstance(instance, dict) and k not in instance]
        return where.error(path, f"missing required key `{missing[0] if missing else error.validator_value[0]}`")
    if error.validator == "oneOf":
        keys = [next(iter(s.get("required", [])), "?") for s in error.validator_value]
        present = [k for k in keys if isinstance(instance, dict) and k in instance]
        choice = ", ".join(f"`{k}`" for k in keys)
        if len(present) > 1:
            return where.error((*path, present[1]), f"give exactly one of {choice}, not {' and '.join(present)}")
        return where.error(path, f"needs exactly one of {choice}")
    if error.validator == "dependentRequired" and isinstance(instance, dict):
        for key, needs in error.validator_value.items():
            missing = [n for n in needs if key in instance and n not in instance]
            if missing:
                return where.error((*path, key), f"only allowed together with `{missing[0]}`")
    hint = error.schema.get("x-hint") if isinstance(error.schema, dict) else None
    if hint and error.validator in ("pattern", "enum"):
        return where.error(path, f"{instance!r}: {hint}")
    return where.error(path, error.message)


_PRIORITY = {"additionalProperties": 0, "required": 1, "type": 2, "dependentRequired": 3, "oneOf": 9}


def _validate(data: Any, where: _Where) -> None:
    import jsonschema  # here, not at import: only `monthly` runs validate a config

    validator = jsonschema.Draft202012Validator(schema())
    errors = list(validator.iter_errors(data))
    if errors:
        best = min(errors, key=lambda e: (len(list(e.absolute_path)), _PRIORITY.get(str(e.validator), 5),
                                          list(map(str, e.absolute_path))))
        raise _schema_error(where, best)


# --- loading ---------------------------------------------------------------------------------------------

def _path(base: Path, value: str | None) -> Path | None:
    if value is None:
        return None
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path


def _parse_s3(data: dict[str, Any]) -> S3Output:
    url = str(data["s3"])
    rest = url[len("s3://"):]
    bucket, _, prefix = rest.partition("/")
    return S3Output(
        url=url, bucket=bucket, prefix=prefix.strip("/"), kms_key_id=data.get("kms_key_id"),
        region=data.get("region"), profile=data.get("profile"), endpoint_url=data.get("endpoint_url"),
        multipart_threshold_mb=int(data.get("multipart_threshold_mb", 64)),
    )


def parse_config(data: Any, path: Path, text: str) -> KitConfig:
    """Validate DATA (the YAML document of PATH) and build the config; InputError names key and line."""
    where = _Where(path, key_lines(text))
    if not isinstance(data, dict):
        raise where.error((), "a kit config is a mapping with `organization`, `source` and `outputs`")
    _validate(data, where)
    base = path.parent
    raw_source = data["source"]
    kind = next(k for k in SOURCE_KINDS if k in raw_source)
    org = raw_source.get("organization")
    source = Source(
        kind=kind,
        evidence=_path(base, raw_source.get("evidence")),
        accounts=tuple(AccountSource(a.get("profile"), a.get("role_arn"), a.get("external_id"),
                                     tuple(a.get("regions", ())), a.get("home_region"))
                       for a in raw_source.get("accounts", ())),
        organization=OrganizationSource(org.get("role_name"), org.get("profile"), org.get("role_arn"),
                                        org.get("external_id"), int(org.get("max_workers", 4)))
        if isinstance(org, dict) else None,
        regions=tuple(raw_source.get("regions", ())),
        home_region=raw_source.get("home_region"),
        endpoint_url=raw_source.get("endpoint_url"),
    )
    if source.kind == "evidence" and source.evidence is not None and not source.evidence.is_dir():
        raise where.error(("source", "evidence"), f"folder not found: {source.evidence}")
    outputs: list[DirOutput | S3Output] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(data["outputs"]):
        output: DirOutput | S3Output
        if "dir" in raw:
            resolved = _path(base, raw["dir"])
            assert resolved is not None
            output = DirOutput(resolved)
            if resolved.exists() and not resolved.is_dir():
                raise where.error(("outputs", index, "dir"), f"not a folder: {resolved}")
            ident = str(resolved.resolve())
        else:
            output = _parse_s3(raw)
            ident = output.describe()
        if ident in seen:
            raise where.error(("outputs", index), f"same destination as outputs/{seen[ident]}")
        seen[ident] = index
        outputs.append(output)
    files: dict[str, Path | None] = {}
    for key in ("exceptions", "attestations"):
        files[key] = _path(base, data.get(key))
        file = files[key]
        if file is not None and not file.is_file():
            raise where.error((key,), f"file not found: {file}")
    catalog_dir = _path(base, data.get("catalog_dir"))
    if catalog_dir is not None and not catalog_dir.is_dir():
        raise where.error(("catalog_dir",), f"folder not found: {catalog_dir}")
    from ..settings import DEFAULTS

    thresholds = dict(data.get("thresholds") or {})
    for name in thresholds:
        if name not in DEFAULTS:
            raise where.error(("thresholds", name), f"unknown threshold (known: {', '.join(sorted(DEFAULTS))})")
    config = KitConfig(
        path=path,
        organization=str(data["organization"]).strip(),
        source=source,
        outputs=tuple(outputs),
        frameworks=tuple(data.get("frameworks", ())),
        exceptions=files["exceptions"],
        attestations=files["attestations"],
        catalog_dir=catalog_dir,
        thresholds={k: int(v) for k, v in sorted(thresholds.items())},
        formats=tuple(data.get("formats", DEFAULT_FORMATS)),
        combined_pdf=bool(data.get("combined_pdf", False)),
        pdf_variant=data.get("pdf_variant"),
        period=str(data.get("period", "monthly")),
        retention=data.get("retention"),
        fail_on=tuple(data.get("fail_on", ())),
    )
    assert config.period in SCHEMES
    _check_frameworks(config, where)
    return config


def _check_frameworks(config: KitConfig, where: _Where) -> None:
    if not config.frameworks:
        return
    from ..catalog import load_frameworks
    from ..checks.registry import load_all

    known = load_frameworks(config.catalog_dir, set(load_all()))
    for index, framework_id in enumerate(config.frameworks):
        if framework_id not in known:
            raise where.error(("frameworks", index),
                              f"unknown framework {framework_id!r} (known: {', '.join(sorted(known))})")


def load_config(path: Path) -> KitConfig:
    """Read and validate kit.yaml (InputError, exit code 2, on any problem)."""
    data = load_file(path)  # size and alias limits, duplicate keys, YAML syntax with the line
    text = path.read_text("utf-8")
    return parse_config(data, path, text)


def parse_fail_on(values: tuple[str, ...] | list[str], source: str = "--fail-on") -> tuple[str, ...]:
    """`--fail-on new-high,critical` (comma-separated or repeated) -> ('new-high', 'critical')."""
    out: list[str] = []
    for value in values:
        for item in str(value).split(","):
            item = item.strip().lower()
            if not item:
                continue
            if not FAIL_ON_RE.match(item):
                raise InputError(f"unknown rule {item!r}: use never, a severity (critical, high, medium, low, "
                                 "info) or new-<severity>", file=source)
            out.append(item)
    return tuple(dict.fromkeys(out))


def write_starter(path: Path) -> Path:
    """`compliance-kit init`: the commented starter config; never overwrites."""
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(STARTER)
    except FileExistsError:
        raise InputError("already exists; not overwritten (choose another path or remove it)",
                         file=str(path)) from None
    return path
