"""Period names: monthly `YYYY-MM` (default), quarterly `YYYY-Qn`, weekly `YYYY-Www` (ISO week).

Every scheme's names sort in time order as plain strings, so "the newest period before this one" is a
string comparison, locally and in an S3 listing alike. The current period comes from the injected
clock (SOURCE_DATE_EPOCH or now, UTC).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from ..errors import InputError


@dataclass(frozen=True)
class Scheme:
    name: str
    pattern: re.Pattern[str]
    example: str

    def current(self, now: datetime) -> str:
        now = now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)
        if self.name == "monthly":
            return f"{now.year:04d}-{now.month:02d}"
        if self.name == "quarterly":
            return f"{now.year:04d}-Q{(now.month - 1) // 3 + 1}"
        year, week, _ = now.isocalendar()
        return f"{year:04d}-W{week:02d}"

    def matches(self, name: str) -> bool:
        return bool(self.pattern.fullmatch(name))

    def parse(self, text: str, source: str = "--period") -> str:
        value = text.strip()
        if not self.matches(value):
            raise InputError(f"{text!r} is not a {self.name} period (expected {self.example})", file=source)
        return value


SCHEMES: dict[str, Scheme] = {
    "monthly": Scheme("monthly", re.compile(r"\d{4}-(0[1-9]|1[0-2])"), "YYYY-MM, e.g. 2026-11"),
    "quarterly": Scheme("quarterly", re.compile(r"\d{4}-Q[1-4]"), "YYYY-Qn, e.g. 2026-Q4"),
    "weekly": Scheme("weekly", re.compile(r"\d{4}-W(0[1-9]|[1-4]\d|5[0-3])"), "YYYY-Www, e.g. 2026-W45"),
}


def scheme(name: str) -> Scheme:
    try:
        return SCHEMES[name]
    except KeyError:
        raise InputError(f"unknown period scheme {name!r} (known: {', '.join(SCHEMES)})", file="period") from None


def resolve_period(scheme_name: str, override: str | None, now: datetime) -> str:
    """The period this run fills: --period when given, else the clock's."""
    chosen = scheme(scheme_name)
    return chosen.parse(override) if override else chosen.current(now)


def earlier(periods: list[str] | set[str], period: str, scheme_name: str) -> list[str]:
    """Periods of the scheme strictly before PERIOD, newest first."""
    chosen = scheme(scheme_name)
    return sorted((p for p in set(periods) if chosen.matches(p) and p < period), reverse=True)
