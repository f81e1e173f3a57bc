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


COLUMNS = (
    "user", "arn", "user_creation_time", "password_enabled", "password_last_used", "password_last_changed",
    "mfa_active",
    "access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date", "access_key_1_last_used_service",
    "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date", "access_key_2_last_used_service",
    "cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated",
)


def _parse(text: str) -> CredentialReport:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise CredentialReportError(
            f"not a credential report: header lacks {', '.join(missing[:4])}"
            + (" ..." if len(missing) > 4 else "")
        )
    index = {name: i for i, name in enumerate(header)}  # a repeated column: the last one, as csv.DictReader
    positions = [index.get(name, -1) for name in COLUMNS]
    rows: list[CredentialRow] = []
    seen: set[tuple[str, str]] = set()
    duplicates = 0
    for line_no, raw in enumerate((r for r in reader if r), start=2):  # blank lines skipped, as DictReader
        width = len(raw)
        (user, arn, created, password_enabled, password_last_used, password_last_changed, mfa_active,
         k1_active, k1_rotated, k1_used, k1_service, k2_active, k2_rotated, k2_used, k2_service,
         c1_active, c1_rotated, c2_active, c2_rotated) = (
            raw[i].strip() if 0 <= i < width else "" for i in positions)
        if not arn or not user:
            raise CredentialReportError(f"row {line_no}: missing user or arn")
        identity = (user, arn)
        if identity in seen:
            duplicates += 1
            continue
        seen.add(identity)
        rows.append(
            CredentialRow(
                row=line_no,
                user=user,
                arn=arn,
                created=parse_time(created),
                password_enabled=parse_bool(password_enabled),
                password_last_used=parse_time(password_last_used),
                password_last_used_raw=password_last_used,
                password_last_changed=parse_time(password_last_changed),
                mfa_active=bool(parse_bool(mfa_active)),
                keys=(
                    AccessKeySlot(1, bool(parse_bool(k1_active)), parse_time(k1_rotated), parse_time(k1_used),
                                  k1_service or None),
                    AccessKeySlot(2, bool(parse_bool(k2_active)), parse_time(k2_rotated), parse_time(k2_used),
                                  k2_service or None),
                ),
                certificates=(
                    CertificateSlot(1, bool(parse_bool(c1_active)), parse_time(c1_rotated)),
                    CertificateSlot(2, bool(parse_bool(c2_active)), parse_time(c2_rotated)),
                ),
            )
        )
    return CredentialReport(tuple(rows), duplicates)
