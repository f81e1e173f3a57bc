"""Where the bundled data lives: the repo checkout or the installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name


def controls_dir() -> Path:
    return _data_dir("controls")


def reports_dir() -> Path:
    return _data_dir("reports")
