"""Every JSON file we write (results.json, manifest.json, delta.json) has one canonical form."""

from __future__ import annotations

import json

from compliance_kit.evidence.manifest import dumps
from compliance_kit.model import Status


def _stdlib(data: object) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def test_fast_encoder_writes_the_same_bytes_as_the_standard_library() -> None:
    payload = {
        "z": [1, -2, 0, None, True, False, "", [], {}, [[]], [{}]],
        "a": {"ü": "Ωmega ñandú 中文 \u2028 \u2029 \x00 \x1f \x7f \" \\ / \t\n\r", "B": {"b": 1, "A": [2**63 - 1]}},
        "status": Status.FAIL,
        "arn": "arn:aws:iam::123456789012:user/=formula,+1@x",
    }
    assert dumps(payload) == _stdlib(payload)
    assert dumps([]) == b"[]\n" and dumps({}) == b"{}\n"


def test_what_the_fast_encoder_refuses_still_encodes() -> None:
    payload = {"big": 2**70, "list": [2**64]}
    assert dumps(payload) == _stdlib(payload)
