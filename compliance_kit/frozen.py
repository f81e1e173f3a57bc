"""Frozen dataclass instances built from a complete field dict, for records made by the hundred thousand."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat
from typing import Any, TypeVar

T = TypeVar("T")

_new = object.__new__
_set = object.__setattr__


def record(cls: type[T], fields: dict[str, Any]) -> T:
    """An instance of the frozen dataclass CLS holding FIELDS (every field, by name), without its __init__.

    A frozen dataclass's generated __init__ sets each field with a call of object.__setattr__: for the
    hundreds of thousands of records of a large account (report rows, principals, policy statements),
    the larger part of building them. Setting the instance dict in one step makes an equal object (same
    class, fields, eq, hash and repr; still frozen). Only for classes without __post_init__ work, or
    whose callers have done it: tests compare each such class with its own __init__.
    """
    obj = _new(cls)
    _set(obj, "__dict__", fields)
    return obj


def records(cls: type[T], field_dicts: Sequence[dict[str, Any]]) -> tuple[T, ...]:
    """record(CLS, fields) of each of FIELD_DICTS, made by two map() loops in C: for tens of thousands of
    records, the Python call of record() for each costs more than the rest of making it."""
    instances: tuple[T, ...] = tuple(map(_new, repeat(cls, len(field_dicts))))
    any(map(_set, instances, repeat("__dict__"), field_dicts))  # each call returns None: any() makes them all
    return instances
