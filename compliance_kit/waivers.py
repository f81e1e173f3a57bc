"""Exceptions (waivers) and attestations: the human inputs that sit beside the automated evidence.

An exception turns a matching FAIL into WAIVED while it has not expired (judged at evidence collection
time, so re-assessing an old package gives the same answer); expired ones are not applied and are
reported, and one that matches nothing is reported as stale. An attestation makes a manual control
ATTESTED while it is valid; its documents are hashed so the package proves what was attested.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path
from typing import Any

from .errors import InputError
from .evidence.manifest import sha256_file
from .model import CheckResult, ResourceResult, Status
from .paths import controls_dir
from .safeyaml import line_of, load_file

DEFAULT_ATTESTATION_DAYS = 365


@cache
def _schema(name: str) -> dict[str, Any]:
    return json.loads((controls_dir() / "schema" / name).read_text("utf-8"))  # type: ignore[no-any-return]


def _dates_as_text(node: Any) -> Any:
    """YAML reads 2027-03-31 as a date; the schema (and JSON) speak ISO strings."""
    if isinstance(node, dict):
        for key, value in node.items():
            node[key] = _dates_as_text(value)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            node[index] = _dates_as_text(value)
    elif isinstance(node, date):
        return node.isoformat()
    return node


def _validated(path: Path, schema: str, key: str) -> list[Any]:
    import jsonschema  # here, not at import: most runs have no waiver file and it costs about 0.1 s

    data = _dates_as_text(load_file(path))
    errors = list(jsonschema.Draft202012Validator(_schema(schema)).iter_errors(data))
    if errors:
        error = min(errors, key=lambda e: len(list(e.absolute_path)))
        parts = list(error.absolute_path)
        node: Any = data
        line, label = line_of(data), None
        for part in parts:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                break
            line = line_of(node) or line
            if isinstance(node, dict) and label is None:
                label = str(node.get("id") or node.get("control") or "")
        where = "/".join(map(str, parts)) or "top level"
        place = f"line {line}" + (f": entry {label}" if label else "") if line else None
        raise InputError(f"{where}: {error.message}", file=str(path), place=place)
    return list(data[key])


@dataclass(frozen=True)
class Exception_:
    exception_id: str
    check_id: str
    resource: str
    account: str | None
    reason: str
    owner: str
    ticket: str | None
    approved_by: str
    expires: date
    line: int | None


@dataclass(frozen=True)
class ExceptionStatus:
    entry: Exception_
    state: str  # applied | expired | stale
    matched: int

    def as_dict(self) -> dict[str, Any]:
        e = self.entry
        return {"id": e.exception_id, "check": e.check_id, "resource": e.resource, "account": e.account,
                "reason": e.reason, "owner": e.owner, "ticket": e.ticket, "approved_by": e.approved_by,
                "expires": e.expires.isoformat(), "state": self.state, "matched": self.matched}


def load_exceptions(path: Path, known_checks: set[str]) -> list[Exception_]:
    entries = []
    seen: set[str] = set()
    for raw in _validated(path, "exceptions.schema.json", "exceptions"):
        place = f"line {line_of(raw)}: entry {raw['id']}"
        if raw["id"] in seen:
            raise InputError("duplicate exception id", file=str(path), place=place)
        seen.add(raw["id"])
        if raw["check"] not in known_checks:
            raise InputError(f"unknown check {raw['check']!r}", file=str(path), place=place)
        try:
            expires = date.fromisoformat(raw["expires"])
        except ValueError:
            raise InputError(f"expires is not a date: {raw['expires']!r}", file=str(path), place=place) from None
        entries.append(Exception_(raw["id"], raw["check"], raw["resource"], raw.get("account"), raw["reason"],
                                  raw["owner"], raw.get("ticket"), raw["approved_by"], expires, line_of(raw)))
    return entries


def _matches(entry: Exception_, result: ResourceResult) -> bool:
    if entry.account and entry.account != result.account_id:
        return False
    base = result.resource_id.split(" (", 1)[0]
    return fnmatchcase(result.resource_id, entry.resource) or fnmatchcase(base, entry.resource)


def apply_exceptions(checks: list[CheckResult], entries: list[Exception_],
                     collected_at: dict[str, datetime]) -> tuple[list[CheckResult], list[ExceptionStatus]]:
    """Waive matching FAILs of unexpired exceptions; report expired and stale ones."""
    counts = {e.exception_id: 0 for e in entries}
    expired_hits = {e.exception_id: 0 for e in entries}
    by_check: dict[str, list[Exception_]] = {}
    for entry in entries:
        by_check.setdefault(entry.check_id, []).append(entry)
    out = []
    for result in checks:
        candidates = by_check.get(result.check_id)
        if not candidates:
            out.append(result)
            continue
        resources = []
        for resource in result.resources:
            if resource.status is Status.FAIL:
                moment = collected_at.get(resource.account_id)
                today = (moment or datetime.now(UTC)).date()
                match = next((e for e in candidates if _matches(e, resource)), None)
                if match is not None:
                    if match.expires >= today:
                        counts[match.exception_id] += 1
                        resource = resource.waived(match.exception_id, match.expires.isoformat())
                    else:
                        expired_hits[match.exception_id] += 1
            resources.append(resource)
        out.append(CheckResult(result.check_id, tuple(resources)))
    latest = max(collected_at.values(), default=datetime.now(UTC)).date()
    statuses = []
    for entry in entries:
        if entry.expires < latest:
            statuses.append(ExceptionStatus(entry, "expired", expired_hits[entry.exception_id]))
        elif counts[entry.exception_id]:
            statuses.append(ExceptionStatus(entry, "applied", counts[entry.exception_id]))
        else:
            statuses.append(ExceptionStatus(entry, "stale", 0))
    return out, statuses


@dataclass(frozen=True)
class Attestation:
    framework_id: str
    control_id: str
    statement: str
    owner: str
    date: dt.date
    valid_days: int
    documents: tuple[tuple[str, str], ...]  # (path as written, sha256)
    line: int | None

    def expires(self) -> dt.date:
        return self.date + timedelta(days=self.valid_days)

    def as_dict(self, valid: bool) -> dict[str, Any]:
        return {"statement": self.statement, "owner": self.owner, "date": self.date.isoformat(),
                "valid_until": self.expires().isoformat(), "valid": valid,
                "documents": [{"file": f, "sha256": h} for f, h in self.documents]}


def load_attestations(path: Path, frameworks: dict[str, Any]) -> list[Attestation]:
    out = []
    for raw in _validated(path, "attestations.schema.json", "attestations"):
        place = f"line {line_of(raw)}: entry {raw['control']}"
        framework_id, _, control_id = str(raw["control"]).partition(":")
        framework = frameworks.get(framework_id)
        if framework is None:
            continue  # a framework not in this run
        if framework.control(control_id) is None:
            raise InputError(f"{framework_id} has no control {control_id!r}", file=str(path), place=place)
        try:
            when = date.fromisoformat(raw["date"])
        except ValueError:
            raise InputError(f"date is not a date: {raw['date']!r}", file=str(path), place=place) from None
        documents = []
        for document in raw.get("documents", []):
            file = (path.parent / document).resolve()
            if not file.is_file():
                raise InputError(f"referenced document not found: {document}", file=str(path), place=place)
            documents.append((str(document), sha256_file(file)))
        out.append(Attestation(framework_id, control_id, raw["statement"].strip(), raw["owner"], when,
                               int(raw.get("valid_days", DEFAULT_ATTESTATION_DAYS)), tuple(documents), line_of(raw)))
    return out
