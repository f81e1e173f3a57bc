"""The IAM credential report: CSV rows to typed, immutable records."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any

from ..frozen import record, records
from .values import Memo, Times, parse_bool

REQUIRED_COLUMNS = (
    "user", "arn", "user_creation_time", "password_enabled", "password_last_used",
    "password_last_changed", "mfa_active",
    "access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
    "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date",
)
ROOT_NAME = "<root_account>"


class CredentialReportError(ValueError):
    pass


@dataclass(frozen=True)
class AccessKeySlot:
    number: int
    active: bool
    last_rotated: datetime | None
    last_used: datetime | None
    last_used_service: str | None


@dataclass(frozen=True)
class CertificateSlot:
    number: int
    active: bool
    last_rotated: datetime | None


@dataclass(frozen=True)
class CredentialRow:
    row: int  # line number in the CSV (header is line 1)
    user: str
    arn: str
    created: datetime | None
    password_enabled: bool | None  # None: not_supported (root before 2025)
    password_last_used: datetime | None
    password_last_used_raw: str
    password_last_changed: datetime | None
    mfa_active: bool
    keys: tuple[AccessKeySlot, ...]
    certificates: tuple[CertificateSlot, ...]

    @property
    def is_root(self) -> bool:
        return self.user == ROOT_NAME or self.arn.endswith(":root")

    @property
    def active_keys(self) -> tuple[AccessKeySlot, ...]:
        return tuple(k for k in self.keys if k.active)

    @property
    def has_console_password(self) -> bool:
        return bool(self.password_enabled)


@dataclass(frozen=True)
class CredentialReport:
    rows: tuple[CredentialRow, ...]
    duplicate_rows: int

    @property
    def root(self) -> CredentialRow | None:
        return next((r for r in self.rows if r.is_root), None)

    @property
    def users(self) -> tuple[CredentialRow, ...]:
        return tuple(r for r in self.rows if not r.is_root)


_RECENT: dict[str, CredentialReport] = {}
_RECENT_LIMIT = 2


def parse_credential_report(text: str) -> CredentialReport:
    """Parse the decoded CSV; a repeated (user, ARN) row keeps its first occurrence (repeats are counted).

    The report is immutable, so the last few parses are remembered by their text: importing and then
    loading one account parses the same CSV up to three times (recognition, the account id, Evidence).
    """
    report = _RECENT.get(text)
    if report is None:
        try:
            report = _parse(text)
        except csv.Error as exc:  # e.g. a NUL byte: one line naming the problem, not a traceback
            raise CredentialReportError(f"unreadable CSV: {exc}") from None
        if len(_RECENT) >= _RECENT_LIMIT:
            _RECENT.pop(next(iter(_RECENT)), None)
        _RECENT[text] = report
    return report


COLUMNS = (
    "user", "arn", "user_creation_time", "password_enabled", "password_last_used", "password_last_changed",
    "mfa_active",
    "access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date", "access_key_1_last_used_service",
    "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date", "access_key_2_last_used_service",
    "cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated",
)


def _csv_rows(text: str) -> Iterator[list[str]]:
    """The CSV's rows, blank lines skipped. Without quotes, carriage returns or NUL characters (what AWS
    writes) each line is its row split at the commas, which is what csv.reader reads, five times faster."""
    if '"' in text or "\r" in text or "\x00" in text:  # universal newlines: a bare CR ends a line too
        return (row for row in csv.reader(io.StringIO(text, newline=None)) if row)
    return (line.split(",") for line in text.split("\n") if line)


# What str.strip() removes in ASCII text, besides the line ends no unquoted cell holds.
_ASCII_SPACES = " \t\x0b\x0c\x1c\x1d\x1e\x1f"


def _may_need_strip(text: str) -> bool:
    """Whether a cell of the CSV TEXT may have spaces to strip: not if it is ASCII without quotes or spaces."""
    return not text.isascii() or '"' in text or any(space in text for space in _ASCII_SPACES)


def _parse(text: str) -> CredentialReport:
    text = text.lstrip("\ufeff")
    reader = _csv_rows(text)
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise CredentialReportError(
            f"not a credential report: header lacks {', '.join(missing[:4])}"
            + (" ..." if len(missing) > 4 else "")
        )
    index = {name: i for i, name in enumerate(header)}  # a repeated column: the last one, as csv.DictReader
    width = len(header)
    complete = all(name in index for name in COLUMNS)
    pick = itemgetter(*(index.get(name, width) for name in COLUMNS))  # an absent column: the "" after the row
    padding = [""] * width
    strip = str.strip if _may_need_strip(text) else None  # AWS's own reports have no cell to strip
    # Values repeat (N/A, true, false, the same key and certificate states): each distinct one is parsed
    # once, and equal key and certificate slots are one (immutable) object.
    times, bools = Times(), Memo(parse_bool)
    key_slots = Memo(lambda k: record(AccessKeySlot, {
        "number": k[0], "active": bool(bools[k[1]]), "last_rotated": times[k[2]], "last_used": times[k[3]],
        "last_used_service": k[4] or None}))
    certificate_slots = Memo(lambda c: record(CertificateSlot, {
        "number": c[0], "active": bool(bools[c[1]]), "last_rotated": times[c[2]]}))
    rows: list[dict[str, Any]] = []  # the fields of each record, made by frozen.records at the end
    seen: set[tuple[str, str]] = set()
    duplicates = 0
    for line_no, raw in enumerate(reader, start=2):
        if not complete or len(raw) < width:  # missing cells read as "", as csv.DictReader
            raw = (raw + padding)[:width]
            raw.append("")
        (user, arn, created, password_enabled, password_last_used, password_last_changed, mfa_active,
         k1_active, k1_rotated, k1_used, k1_service, k2_active, k2_rotated, k2_used, k2_service,
         c1_active, c1_rotated, c2_active, c2_rotated) = map(strip, pick(raw)) if strip else pick(raw)
        if not arn or not user:
            raise CredentialReportError(f"row {line_no}: missing user or arn")
        identity = (user, arn)
        if identity in seen:
            duplicates += 1
            continue
        seen.add(identity)
        rows.append({
            "row": line_no,
            "user": user,
            "arn": arn,
            "created": times[created],
            "password_enabled": bools[password_enabled],
            "password_last_used": times[password_last_used],
            "password_last_used_raw": password_last_used,
            "password_last_changed": times[password_last_changed],
            "mfa_active": bool(bools[mfa_active]),
            "keys": (key_slots[(1, k1_active, k1_rotated, k1_used, k1_service)],
                     key_slots[(2, k2_active, k2_rotated, k2_used, k2_service)]),
            "certificates": (certificate_slots[(1, c1_active, c1_rotated)],
                             certificate_slots[(2, c2_active, c2_rotated)]),
        })
    return CredentialReport(records(CredentialRow, rows), duplicates)
