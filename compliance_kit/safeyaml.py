"""Safe YAML loading with size and alias limits, and line numbers for error messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from .errors import InputError

MAX_BYTES = 5 * 1024 * 1024
MAX_ALIASES = 50


class LineDict(dict[str, Any]):
    """A mapping that remembers the line it started on (1-based)."""

    line: int = 0


class LineList(list[Any]):
    line: int = 0


_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when libyaml is present


class _Loader(_Base):  # type: ignore[misc]
    """Safe loading; each reuse of an anchored node counts as an alias, and too many are refused."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        if node in self.constructed_objects:
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise yaml.YAMLError(f"more than {MAX_ALIASES} aliases (line {node.start_mark.line + 1})")
        return super().construct_object(node, deep=deep)


def _mapping(loader: _Loader, node: MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
    return result


def _sequence(loader: _Loader, node: SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)  # type: ignore[arg-type]
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)  # type: ignore[arg-type]


def load_text(text: str, *, file: str) -> Any:
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        raise InputError(f"larger than {MAX_BYTES // (1024 * 1024)} MB", file=file)
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        place = f"line {mark.line + 1}" if mark else None
        raise InputError(f"invalid YAML: {exc.problem or exc.context}", file=file, place=place) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", file=file) from None
    finally:
        loader.dispose()


def load_file(path: Path) -> Any:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"larger than {MAX_BYTES // (1024 * 1024)} MB", file=str(path))
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", file=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a YAML file", file=str(path)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text (binary file?)", file=str(path)) from None
    return load_text(text, file=str(path))


def line_of(value: Any) -> int | None:
    line = getattr(value, "line", 0)
    return line or None
