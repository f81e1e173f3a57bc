"""The IAM credential report: CSV rows to typed, immutable records."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from .values import parse_bool, parse_time

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

    def by_arn(self) -> dict[str, CredentialRow]:
        return {r.arn: r for r in self.rows}


def _text(value: str | None) -> str:
    return (value or "").strip()


_RECENT: dict[str, CredentialReport] = {}
_RECENT_LIMIT = 2


def parse_credential_report(text: str) -> CredentialReport:
    """Parse the decoded CSV; a repeated (user, ARN) row keeps its first occurrence (repeats are counted).

    The report is immutable, so the last few parses are remembered by their text: importing and then
    loading one account parses the same CSV up to three times (recognition, the account id, Evidence).
    """
    report = _RECENT.get(text)
    if report is None:
        report = _parse(text)
        if len(_RECENT) >= _RECENT_LIMIT:
            _RECENT.pop(next(iter(_RECENT)), None)
        _RECENT[text] = report
    return report


def _parse(text: str) -> CredentialReport:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise CredentialReportError(
            f"not a credential report: header lacks {', '.join(missing[:4])}"
            + (" ..." if len(missing) > 4 else "")
        )
    rows: list[CredentialRow] = []
    seen: set[tuple[str, str]] = set()
    duplicates = 0
    for line_no, raw in enumerate(reader, start=2):
        record = {(k or "").strip(): _text(v) for k, v in raw.items() if isinstance(v, str)}
        arn = record.get("arn", "")
        if not arn or not record.get("user"):
            raise CredentialReportError(f"row {line_no}: missing user or arn")
        identity = (record["user"], arn)
        if identity in seen:
            duplicates += 1
            continue
        seen.add(identity)
        keys = tuple(
            AccessKeySlot(
                n,
                bool(parse_bool(record.get(f"access_key_{n}_active"))),
                parse_time(record.get(f"access_key_{n}_last_rotated")),
                parse_time(record.get(f"access_key_{n}_last_used_date")),
                record.get(f"access_key_{n}_last_used_service") or None,
            )
            for n in (1, 2)
        )
        certs = tuple(
            CertificateSlot(
                n,
                bool(parse_bool(record.get(f"cert_{n}_active"))),
                parse_time(record.get(f"cert_{n}_last_rotated")),
            )
            for n in (1, 2)
        )
        rows.append(
            CredentialRow(
                row=line_no,
                user=record["user"],
                arn=arn,
                created=parse_time(record.get("user_creation_time")),
                password_enabled=parse_bool(record.get("password_enabled")),
                password_last_used=parse_time(record.get("password_last_used")),
                password_last_used_raw=record.get("password_last_used", ""),
                password_last_changed=parse_time(record.get("password_last_changed")),
                mfa_active=bool(parse_bool(record.get("mfa_active"))),
                keys=keys,
                certificates=certs,
            )
        )
    return CredentialReport(tuple(rows), duplicates)
