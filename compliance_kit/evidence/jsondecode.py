"""Decoding evidence JSON: orjson where it reads a document exactly as the standard library does, else json.

orjson decodes a large export faster than json (the 34 MB of a 10,000-user account: about 60 ms less,
the scan below included). It refuses some input json accepts (NaN,
Infinity, numbers beyond the float range, lone surrogate escapes, nesting deeper than 1024): those
documents are decoded again by json, so they load as before, and malformed input gets json's error
(the messages naming line and column are json's). Only one case orjson accepts but reads differently:
an integer beyond 64 bits (below -2**63 or above 2**64 - 1) becomes a float, where json keeps it exact.
Such an integer has at least 19 digits, so a document with a run of 19 digits anywhere (in a string
too: that only costs speed) goes to json. Everything else reads the same: dicts keep json's key order,
a repeated key keeps its last value at its first position, floats are correctly rounded by both.
tests/test_evidence_loading.py holds the cases.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

# Each digit becomes "0", every other byte a space: a long integer is then a run of "0"s.
# UTF-8 encodes characters beyond ASCII with bytes >= 0x80, so the scan is the same on bytes as on text.
_DIGITS = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_INTEGER = b"0" * 19
_BOM = b"\xef\xbb\xbf"
# Scanned a slice at a time: memory that small is reused from one slice to the next, where a translated
# copy of a whole large file is fresh memory, slower to fill (page faults) than the scan itself.
_SLICE = 1 << 16


def _long_integer_in(source: bytes) -> bool:
    """A run of 19 digits anywhere in SOURCE (slices overlap by 18 bytes: a run across two is seen)."""
    return any(_LONG_INTEGER in source[start:start + _SLICE + 18].translate(_DIGITS)
               for start in range(0, len(source), _SLICE))


NOT_READ: Any = object()


def read(source: bytes) -> Any:
    """orjson's reading of the JSON document SOURCE (bytes) where it is json's reading too, else NOT_READ.

    What orjson reads is valid UTF-8 (it refuses anything Python's strict UTF-8 decoder refuses).
    A leading UTF-8 byte order mark is skipped, as json.loads skips it.
    """
    if _long_integer_in(source):
        return NOT_READ
    try:
        return orjson.loads(memoryview(source)[3:] if source.startswith(_BOM) else source)
    except orjson.JSONDecodeError:
        return NOT_READ


def loads(source: bytes, text: str | None = None) -> Any:
    """json.loads(TEXT if given, else SOURCE), with the same result and the same exceptions.

    SOURCE is the document's bytes; TEXT, when given, is them decoded (with a leading byte order mark
    dropped), for json to read if orjson does not.
    """
    data = read(source)
    if data is NOT_READ:
        return json.loads(text if text is not None else source)
    return data
