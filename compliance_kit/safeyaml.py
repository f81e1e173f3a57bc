"""Safe YAML loading with size and alias limits, and line numbers for error messages."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from .errors import InputError

MAX_BYTES = 5 * 1024 * 1024
MAX_ALIASES = 50


class LineDict(dict[str, Any]):
    """A mapping that remembers the line it started on (1-based)."""

    line: int = 0


class LineList(list[Any]):
    line: int = 0


@cache
def _loader() -> Any:
    """The loader class, built on first use: importing PyYAML costs about 25 ms, and a run whose catalogs are
    all recorded (see catalog_record) reads no YAML at all."""
    import yaml
    from yaml.composer import Composer
    from yaml.nodes import ScalarNode

    base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when libyaml is present
    str_tag = "tag:yaml.org,2002:str"

    class _Loader(Composer, base):  # type: ignore[misc, valid-type]
        """Safe loading; each reuse of an anchored node counts as an alias, and too many are refused.

        libyaml parses, but the nodes are composed by PyYAML's Python Composer (first in the bases): libyaml's
        own composer recurses in C, so a deeply nested document (`- - - ...` or `[[[...`, a few hundred KB)
        overflowed the C stack and killed the process. The Python one stops at the recursion limit with a
        RecursionError, reported as an InputError by load_text. It costs about as much as the C one here.
        """

        def __init__(self, stream: str) -> None:
            base.__init__(self, stream)
            Composer.__init__(self)  # the C base's __init__ does not run it
            self._aliases = 0

        def construct_object(self, node: Any, deep: bool = False) -> Any:
            if node in self.constructed_objects:
                self._aliases += 1
                if self._aliases > MAX_ALIASES:
                    raise yaml.YAMLError(f"more than {MAX_ALIASES} aliases (line {node.start_mark.line + 1})")
            elif plain_str and node.tag == str_tag and node.__class__ is ScalarNode:
                # Most nodes: what SafeConstructor.construct_yaml_str would return, minus four calls per string.
                self.constructed_objects[node] = node.value
                return node.value
            return super().construct_object(node, deep=deep)

    # The shortcut in construct_object holds only while strings use PyYAML's own safe constructor.
    plain_str = _Loader.yaml_constructors.get(str_tag) is yaml.constructor.SafeConstructor.construct_yaml_str
    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)
    return _Loader


def _mapping(loader: Any, node: Any) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            from yaml.constructor import ConstructorError  # loaded already: _loader() imported yaml

            raise ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
    return result


def _sequence(loader: Any, node: Any) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    return result


def load_text(text: str, *, file: str) -> Any:
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        raise InputError(f"larger than {MAX_BYTES // (1024 * 1024)} MB", file=file)
    import yaml

    loader = _loader()(text)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        place = f"line {mark.line + 1}" if mark else None
        raise InputError(f"invalid YAML: {exc.problem or exc.context}", file=file, place=place) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", file=file) from None
    except RecursionError:  # every YAML input (catalogs, exceptions, attestations, configs) reads through here
        raise InputError("invalid YAML: nested too deeply to read", file=file) from None
    finally:
        loader.dispose()


def read_file(path: Path) -> bytes:
    """The bytes of a YAML file, refused (InputError) when missing, a directory or too large."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"larger than {MAX_BYTES // (1024 * 1024)} MB", file=str(path))
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", file=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a YAML file", file=str(path)) from None


def load_bytes(raw: bytes, *, file: str) -> Any:
    """Parse bytes read by read_file (for callers that also need the bytes, e.g. to hash them)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text (binary file?)", file=file) from None
    return load_text(text, file=file)


def load_file(path: Path) -> Any:
    return load_bytes(read_file(path), file=str(path))


def line_of(value: Any) -> int | None:
    line = getattr(value, "line", 0)
    return line or None
