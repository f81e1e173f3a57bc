"""Group checks: empty groups and inline group policies."""

from __future__ import annotations

from collections.abc import Iterator

from ..evidence import Evidence
from ..evidence.authorization import FILE as AUTHZ
from ..model import ResourceResult
from ..settings import Settings
from .registry import check, verdict


@check("group_empty", needs=["authorization_details"])
def group_empty(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    details = evidence.authorization
    for group in details.groups:
        members = len(details.members(group.name))
        yield verdict(members == 0, "group", group.arn, "group has no members",
                      f"{members} member(s)", AUTHZ, group.pointer)


@check("group_has_inline_policies", needs=["authorization_details"])
def group_has_inline_policies(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    for group in evidence.authorization.groups:
        names = [p.name for p in group.inline]
        yield verdict(bool(names), "group", group.arn, f"inline policies: {', '.join(names)}", "no inline policy",
                      AUTHZ, group.inline[0].pointer if names else group.pointer)
