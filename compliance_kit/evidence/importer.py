"""`evidence import`: loose exports (any names) -> an evidence directory with manifest.json."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import InputError
from .artifacts import ARTIFACTS, BY_NAME
from .credential_report import CredentialReport, parse_credential_report
from .manifest import MANIFEST, SCHEMA_ID, Outcome, dumps, sha256_bytes, write_directory_atomically
from .recognize import REGION_RE, Recognized, recognize
from .values import iso, parse_time

SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")
MAX_FILE_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class ImportedEvidence:
    """Everything needed to write (or evaluate in memory) an evidence directory."""

    account_id: str
    manifest: dict[str, Any]
    files: dict[str, bytes]  # evidence file name -> bytes (without manifest.json)
    ignored: tuple[str, ...]
    # file name -> its content decoded during recognition: the JSON value, or the CredentialReport
    parsed: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # file name -> the bytes object whose SHA-256 the manifest holds (Evidence.raw need not hash it again)
    hashed: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)

    @property
    def manifest_bytes(self) -> bytes:
        return dumps(self.manifest)


def _arn_account(arn: object) -> str | None:
    parts = str(arn).split(":")
    if len(parts) > 5 and parts[0] == "arn" and parts[2] == "iam" and parts[4] and parts[4] != "aws":
        return parts[4]
    return None


def _arn_accounts(arns: Iterable[object]) -> set[str]:
    """The accounts _arn_account finds in ARNS. It reads only what comes before an ARN's fifth colon, so
    the part before its last colon tells the same: each distinct part is read once (tens of thousands
    of ARNs in a large account, one or two distinct parts)."""
    heads = {str(arn).rpartition(":")[0] for arn in arns}
    return {account for head in heads if (account := _arn_account(head + ":"))}


def _report(item: Recognized) -> CredentialReport:
    """The CredentialReport of a recognised credential report: parsed by recognition."""
    if isinstance(item.parsed, CredentialReport):
        return item.parsed
    return parse_credential_report((item.content or b"").decode("utf-8"))


def _account_ids(found: list[tuple[str, Recognized]]) -> set[str]:
    """Accounts named by the principals' own ARNs (not by ARNs they trust or reference)."""
    ids: set[str] = set()
    for _, item in found:
        if item.content is None:
            continue
        if item.artifact == "credential_report":
            ids |= _arn_accounts(row.arn for row in _report(item).rows)
        elif item.artifact == "authorization_details":
            data = item.parsed if item.parsed is not None else json.loads(item.content)
            for key in ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"):
                entries = data.get(key) if isinstance(data.get(key), list) else []
                ids |= _arn_accounts(e.get("Arn") for e in entries if isinstance(e, dict))
    return ids


def _latest_timestamp(found: list[tuple[str, Recognized]]) -> datetime | None:
    latest: datetime | None = None
    for _, item in found:
        if item.artifact == "credential_report" and item.content is not None:
            for row in _report(item).rows:
                stamps = [row.created, row.password_last_used, row.password_last_changed,
                          *(k.last_used for k in row.keys), *(k.last_rotated for k in row.keys)]
                for stamp in stamps:
                    if stamp and (latest is None or stamp > latest):
                        latest = stamp
    return latest


CALL_WORDS = re.compile(r"get-trail-status|trail-status|get-event-selectors|event-selectors|\.json$", re.I)


def _resolve_trail_key(source: str, item: Recognized, trail_names: list[str]) -> str:
    hint = CALL_WORDS.sub(" ", Path(item.key_hint or source).name)
    matches = [t for t in trail_names if re.search(rf"(?<![A-Za-z0-9_-]){re.escape(t)}(?![A-Za-z0-9_-])", hint)]
    if matches:
        return max(matches, key=len)
    if len(trail_names) == 1:
        return trail_names[0]
    raise InputError(
        "cannot tell which trail this status belongs to: put the trail name in the file name "
        f"(known trails: {', '.join(trail_names) or 'none; add describe-trails output'})",
        file=source,
    )


def _trail_names(found: list[tuple[str, Recognized]]) -> list[str]:
    names: list[str] = []
    for _, item in found:
        if item.artifact == "trails" and item.content is not None:
            data = item.parsed if item.parsed is not None else json.loads(item.content)
            for trail in data.get("trailList", []):
                if isinstance(trail, dict) and trail.get("Name"):
                    names.append(str(trail["Name"]).rsplit("/", 1)[-1])
    return names


def scan_folder(source: Path) -> tuple[list[tuple[str, Recognized]], list[str]]:
    if not source.is_dir():
        raise InputError("not a folder of AWS exports", file=str(source))
    if (source / MANIFEST).exists():
        raise InputError("already an evidence directory (has manifest.json); use it directly", file=str(source))
    found: list[tuple[str, Recognized]] = []
    ignored: list[str] = []
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        rel = path.relative_to(source).as_posix()
        if any(part.startswith(".") for part in Path(rel).parts):
            continue
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError("file larger than 512 MB", file=str(path))
        item = recognize(str(path), path.read_bytes())
        if item is None:
            ignored.append(rel)
        else:
            found.append((str(path), item))
    return found, ignored


def build_evidence(
    source: Path,
    *,
    account_id: str | None = None,
    collected_at: datetime | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    password_policy_not_configured: bool = False,
) -> ImportedEvidence:
    found, ignored = scan_folder(source)
    trail_names = _trail_names(found)
    entries: dict[tuple[str, str | None], dict[str, Any]] = {}
    files: dict[str, bytes] = {}
    parsed: dict[str, Any] = {}
    hashed: dict[str, bytes] = {}
    for path, item in found:
        spec = BY_NAME[item.artifact]
        key = item.key
        if spec.key == "trail" and key is None:
            key = _resolve_trail_key(path, item, trail_names)
        if spec.key == "region" and key is None:
            match = REGION_RE.search(Path(path).name)
            if not match:
                raise InputError(
                    f"cannot tell the region of this {spec.name.replace('_', ' ')} list: "
                    f"name the file after its region, e.g. {spec.file_for('us-east-1')}",
                    file=path,
                )
            key = match.group(1)
        if spec.key is None:
            key = None
        key = SAFE_NAME.sub("_", key) if key else None
        slot = (spec.name, key)
        if slot in entries:
            previous = entries[slot]
            same = item.content is not None and previous.get("sha256") == sha256_bytes(item.content)
            if not same:
                raise InputError(
                    f"two files hold {spec.name.replace('_', ' ')}{' for ' + key if key else ''}: "
                    f"{previous['source']} and this one; keep one",
                    file=path,
                )
            continue
        entry: dict[str, Any] = {
            "artifact": spec.name, "key": key, "api_call": spec.api_call, "outcome": item.outcome.value,
            "source": Path(path).relative_to(source).as_posix(), "message": item.message,
            "metadata": dict(sorted(item.metadata.items())),
        }
        if item.content is not None:
            filename = spec.file_for(key)
            files[filename] = item.content
            if item.parsed is not None:
                parsed[filename] = item.parsed
            entry.update(file=filename, sha256=sha256_bytes(item.content), bytes=len(item.content))
            hashed[filename] = item.content
        entries[slot] = entry
    if password_policy_not_configured:
        if ("password_policy", None) in entries and entries[("password_policy", None)]["outcome"] == "ok":
            raise InputError("--no-password-policy given but a password policy file was found", file=str(source))
        entries[("password_policy", None)] = {
            "artifact": "password_policy", "key": None, "api_call": BY_NAME["password_policy"].api_call,
            "outcome": Outcome.NOT_CONFIGURED.value, "source": "--no-password-policy",
            "message": "stated by the user: the account has no password policy", "metadata": {},
        }
    for spec in ARTIFACTS:
        if spec.key is None and (spec.name, None) not in entries:
            entries[(spec.name, None)] = {
                "artifact": spec.name, "key": None, "api_call": spec.api_call,
                "outcome": Outcome.NOT_COLLECTED.value, "source": None,
                "message": "no file with this content was supplied", "metadata": {},
            }
    if not files and not any(e["outcome"] != Outcome.NOT_COLLECTED.value for e in entries.values()):
        raise InputError("no AWS export recognised in this folder", file=str(source))

    ids = _account_ids(found)
    if account_id is None:
        if len(ids) > 1:
            raise InputError(f"exports from several accounts ({', '.join(sorted(ids))}); import them separately "
                             "or pass --account-id", file=str(source))
        account_id = next(iter(ids), "unknown")
    now = clock()
    source_of_time = "given with --collected-at"
    if collected_at is None:
        generated = entries.get(("credential_report", None), {}).get("metadata", {}).get("generated_time")
        collected_at = parse_time(generated)
        source_of_time = "credential report GeneratedTime"
        if collected_at is None:
            collected_at = _latest_timestamp(found)
            source_of_time = "inferred: latest timestamp in the credential report"
        if collected_at is None:
            collected_at = now
            source_of_time = "import time (no timestamp in the exports)"
    manifest = {
        "schema": SCHEMA_ID,
        "tool_version": __version__,
        "account_id": account_id,
        "caller_arn": None,
        "method": "import",
        "source": str(source.name),
        "collection_started_at": iso(now),
        "collection_ended_at": iso(now),
        "collected_at": iso(collected_at),
        "collected_at_source": source_of_time,
        "artifacts": [entries[k] for k in sorted(entries, key=lambda s: (s[0], s[1] or ""))],
        "ignored_files": sorted(ignored),
    }
    return ImportedEvidence(account_id, manifest, files, tuple(sorted(ignored)), parsed, hashed)


def with_documents(imported: ImportedEvidence, attestations: Path) -> ImportedEvidence:
    """Copy the documents an attestations file references into `documents/`, hashed in the manifest."""
    from ..safeyaml import load_file

    data = load_file(attestations)
    entries = data.get("attestations") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise InputError("expected a mapping with an `attestations` list", file=str(attestations))
    files = dict(imported.files)
    documents = []
    for entry in entries:
        for name in (entry.get("documents") or []) if isinstance(entry, dict) else []:
            source = (attestations.parent / str(name)).resolve()
            if not source.is_file():
                raise InputError(f"referenced document not found: {name}", file=str(attestations),
                                 place=f"entry {entry.get('control')}")
            target = "documents/" + SAFE_NAME.sub("_", Path(str(name)).name)
            content = source.read_bytes()
            if target in files and files[target] != content:
                raise InputError(f"two documents named {Path(str(name)).name}", file=str(attestations))
            files[target] = content
            documents.append({"file": target, "source": str(name), "control": entry.get("control"),
                              "sha256": sha256_bytes(content), "bytes": len(content)})
    unique = {d["file"] + "|" + str(d["control"]): d for d in documents}
    manifest = {**imported.manifest, "documents": sorted(unique.values(), key=lambda d: (d["file"], str(d["control"])))}
    return ImportedEvidence(imported.account_id, manifest, files, imported.ignored, imported.parsed, imported.hashed)


def write_evidence(imported: ImportedEvidence, out: Path) -> Path:
    """Write `<out>/<account-id>/` atomically and return it."""
    target = out / SAFE_NAME.sub("_", imported.account_id)
    write_directory_atomically(target, {**imported.files, MANIFEST: imported.manifest_bytes})
    return target
