"""The records in controls/schema/ that let the bundled catalogs and check metadata skip the slow steps of loading.

Both are written together by `python -m compliance_kit.catalog --record-verified`, after every bundled file
passed full validation, and both are keyed by what the file's bytes hash to, so an edited file is simply not
found in them:

* verified.json: the SHA-256 of each file (and of its schema) that passed JSON-Schema validation.
* verified-parsed.json: what safeyaml parses each of those files into, so unchanged bytes are decoded from JSON
  (a few ms for all of them) instead of parsed as YAML (about 0.1 s). safeyaml also gives every mapping and
  list its line, for error messages; the one line that outlives loading, each control's (Control.line), is
  recorded too and restored. A file whose recorded parse raises an error is parsed again from YAML, so the
  error names the lines the YAML gives.

A record that is missing or cannot be read is no record: every file goes through YAML and full validation.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import orjson

from .errors import InputError
from .safeyaml import LineDict, line_of

VERIFIED_FILE = "verified.json"
PARSED_FILE = "verified-parsed.json"
RERECORD = "python -m compliance_kit.catalog --record-verified"

_CAUGHT = (OSError, ValueError, LookupError, TypeError, AttributeError)  # a missing, corrupt or odd record
_JSON_INTS = range(-(2**63), 2**64)  # what orjson reads back


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verified_digests(schema_dir: Path, schema_name: str, schema_sha256: str) -> frozenset[str]:
    """Hashes of the files recorded as valid against `schema_name` — none if the schema changed since."""
    try:
        record = json.loads((schema_dir / VERIFIED_FILE).read_bytes())[schema_name]
        if record["schema_sha256"] != schema_sha256:
            return frozenset()
        return frozenset(str(digest) for digest in record["files"].values())
    except _CAUGHT:
        return frozenset()  # no usable record: everything is validated


class ParsedRecord:
    """The recorded parse of each bundled file, by the SHA-256 of its bytes (verified-parsed.json).

    Holds each file's entry as the bytes of its line in the record, decoded only when that file is loaded, and
    afresh each time so no caller sees another's edits: decoding everything up front cost more than the rest of
    a first load.
    """

    def __init__(self, entries: dict[str, bytes]) -> None:
        self._entries = entries

    @classmethod
    def read(cls, schema_dir: Path) -> ParsedRecord:
        """The record in `schema_dir`: empty (everything parsed from YAML) if it is missing or not laid out as
        `write` lays it out, a header line, a line `"sha256":{entry},` per file, and `}}`."""
        try:
            header, *lines, footer = (schema_dir / PARSED_FILE).read_bytes().splitlines()
            if not header.startswith(b'{"about":') or not header.endswith(b',"files":{') or footer != b"}}":
                return cls({})
            entries = {}
            for line in lines:
                key, _, entry = line.partition(b":")
                entries[str(orjson.loads(key))] = entry.removesuffix(b",")
            return cls(entries)
        except _CAUGHT:
            return cls({})

    def get(self, digest: str) -> Any:
        """What safeyaml parses the file with this SHA-256 into, each control with its line; None if not
        recorded, or if its entry cannot be read."""
        entry = self._entries.get(digest)
        if entry is None:
            return None
        try:
            recorded = orjson.loads(entry)
            data, control_lines = recorded["data"], recorded.get("control_lines")
            if control_lines is not None:
                data["controls"] = [_with_line(c, n) for c, n in zip(data["controls"], control_lines, strict=True)]
            return data
        except _CAUGHT:
            return None


def _with_line(control: dict[str, Any], line: int) -> LineDict:
    if not isinstance(control, dict) or type(line) is not int or line < 1:
        raise TypeError("a control recorded with no line")
    restored = LineDict(control)
    restored.line = line
    return restored


def parsed_entry(name: str, data: Any, file: str, *, catalog: bool) -> dict[str, Any]:
    """What verified-parsed.json records for one file, refused (InputError) unless JSON gives it back exactly."""
    where = _not_plain(data, "")
    if where is not None:
        raise InputError(f"{where}: not recorded in {PARSED_FILE}: JSON would not give this value back exactly "
                         "(a date, a key that is not a string, a number beyond 64 bits, ...)", file=file)
    entry: dict[str, Any] = {"path": name}
    if catalog:
        entry["control_lines"] = [line_of(control) for control in data["controls"]]
    entry["data"] = data
    return entry


def _not_plain(value: Any, path: str) -> str | None:
    """Where in `value` the first value is that a trip through JSON would change, if any."""
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}/{key!r}".lstrip("/") if type(key) is not str else _not_plain(item, f"{path}/{key}")
            if where is not None:
                return where
        return None
    if isinstance(value, list):
        return next((w for i, item in enumerate(value) if (w := _not_plain(item, f"{path}/{i}")) is not None), None)
    if value is None or type(value) in (str, bool) or (type(value) is int and value in _JSON_INTS):
        return None
    if type(value) is float and math.isfinite(value):
        return None
    return path.lstrip("/") or "top level"


def write(schema_dir: Path, verified: dict[str, Any], parsed: dict[str, dict[str, Any]]) -> tuple[Path, Path]:
    """Write verified.json ({schema name: {schema_sha256, files: {name: sha256}}}) and verified-parsed.json
    ({sha256: parsed_entry}). One file per line in the latter, compact: it is generated and not diffed."""
    verified_path, parsed_path = schema_dir / VERIFIED_FILE, schema_dir / PARSED_FILE
    verified = {"about": "SHA-256 of the bundled files that passed JSON-Schema validation: unchanged, they skip "
                         f"it. Regenerate with: {RERECORD}", **verified}
    about = json.dumps(f"What each file recorded in {VERIFIED_FILE} parses into, by its SHA-256: unchanged, it "
                       f"is not parsed again. Regenerate with: {RERECORD}")
    lines = [f"{json.dumps(digest)}:{_compact(entry)}" for digest, entry in parsed.items()]
    parsed_text = '{"about":' + about + ',"files":{\n' + ",\n".join(lines) + "\n}}\n"
    verified_path.write_bytes((json.dumps(verified, indent=2) + "\n").encode("utf-8"))
    parsed_path.write_bytes(parsed_text.encode("utf-8"))
    return verified_path, parsed_path


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
