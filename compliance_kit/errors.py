"""Errors that reach the user as one clear line (exit code 2 for bad input)."""

from __future__ import annotations


class InputError(Exception):
    """Bad input: a file, a catalog, a flag. Rendered as `file: place: what is wrong`."""

    def __init__(self, message: str, *, file: str | None = None, place: str | None = None) -> None:
        self.file = file
        self.place = place
        self.detail = message
        super().__init__(self.line())

    def line(self) -> str:
        parts = [p for p in (self.file, self.place) if p]
        return ": ".join([*parts, self.detail])


class CollectionError(Exception):
    """Collection could not complete at all (exit code 3)."""
