"""Thresholds the checks use, with defaults, user overrides and framework pins."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import InputError

DEFAULTS: dict[str, int] = {
    "access_key_max_age_days": 90,
    "credential_unused_days": 45,
    "password_min_length": 14,
    "password_reuse_prevention": 24,
    "password_max_age_days": 90,
    "root_recent_use_days": 90,
    "role_unused_days": 90,
    "privileged_session_max_seconds": 3600,
    "key_setup_window_seconds": 300,
}
# For these a larger number is stricter; for the rest a smaller one is.
HIGHER_IS_STRICTER = {"password_min_length", "password_reuse_prevention"}


def is_looser(name: str, value: float, than: float) -> bool:
    return value < than if name in HIGHER_IS_STRICTER else value > than


@dataclass(frozen=True)
class Settings:
    thresholds: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULTS))

    def __getattr__(self, name: str) -> int:
        try:
            return self.thresholds[name]
        except KeyError:
            raise AttributeError(name) from None

    def with_overrides(self, overrides: Mapping[str, Any], *, source: str = "--threshold") -> Settings:
        merged = dict(self.thresholds)
        for name, value in overrides.items():
            if name not in DEFAULTS:
                raise InputError(f"unknown threshold {name!r} (known: {', '.join(sorted(DEFAULTS))})", file=source)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise InputError(f"threshold {name} must be a non-negative number, got {value!r}", file=source)
            merged[name] = int(value)
        return replace(self, thresholds=merged)


def parse_threshold_options(values: tuple[str, ...]) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in values:
        name, sep, raw = item.partition("=")
        if not sep or not raw.strip().isdigit():
            raise InputError(f"expected NAME=NUMBER, got {item!r}", file="--threshold")
        out[name.strip()] = int(raw.strip())
    return out
