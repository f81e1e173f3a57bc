"""Tolerant readers for the value quirks of real AWS exports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

ABSENT = {"", "n/a", "no_information", "not_supported", "none", "null"}


_ABSENT_AS_WRITTEN = frozenset({"", "N/A", "no_information", "not_supported"})


def parse_time(value: Any) -> datetime | None:
    """ISO-8601 with `Z`, `+00:00` or no zone (taken as UTC); AWS placeholders give None."""
    if value is None or value in _ABSENT_AS_WRITTEN:
        return None
    if type(value) is str and value.endswith("+00:00"):  # the credential report's own form, parsed as is
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value).strip()
    if text.lower() in ABSENT:
        return None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_bool(value: Any) -> bool | None:
    """`true`/`TRUE`/`True`/True; `not_supported`, `N/A` and friends give None."""
    if value == "true" or value is True:
        return True
    if value == "false" or value is False:
        return False
    if value is None:
        return None
    text = str(value).strip().lower()
    if text == "true":
        return True
    if text == "false":
        return False
    return None


def iso(moment: datetime | None) -> str | None:
    """`2024-05-01T12:00:00Z`: UTC, whole seconds. Formatted field by field, as strftime would for any
    year from 1000 on, at a third of its cost (checks format thousands of dates)."""
    if moment is None:
        return None
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    if moment.year < 1000:  # strftime's %Y does not pad
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{moment.year}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}Z"


_fromisoformat = datetime.fromisoformat


class Memo(dict[Any, Any]):
    """FUNCTION's results by argument, computed on first use: `memo[value]` is one dict look-up when seen."""

    def __init__(self, function: Callable[[Any], Any]) -> None:
        super().__init__()
        self.function = function

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.function(key)
        return value


class Times(dict[str, datetime | None]):
    """parse_time of each text, each distinct text parsed once (`times[text]`)."""

    def __missing__(self, text: str) -> datetime | None:
        value: datetime | None
        if type(text) is str and text.endswith("+00:00"):  # parse_time's own first case, without its call
            try:
                value = _fromisoformat(text)
            except ValueError:
                value = parse_time(text)
        else:
            value = parse_time(text)
        self[text] = value
        return value


def as_list(value: Any) -> list[Any]:
    """AWS docs sometimes show a single object where the API returns a list."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def days_between(earlier: datetime, later: datetime) -> int:
    return int((later - earlier).total_seconds() // 86400)
