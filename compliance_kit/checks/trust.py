"""Reading role trust policies: who may assume a role, and under which conditions."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from ..evidence import Evidence
from ..evidence.authorization import Principal
from ..evidence.values import as_list
from ..frozen import record

ASSUME_ACTIONS = ("sts:assumerole", "sts:assumerolewithwebidentity", "sts:assumerolewithsaml")
ORG_KEYS = {"aws:principalorgid", "aws:principalorgpaths", "aws:sourceorgid"}
ACCOUNT_KEYS = {"aws:principalaccount", "aws:sourceaccount", "aws:sourceowner"}
ARN_KEYS = {"aws:principalarn", "aws:sourcearn"}
NEGATIVE_OPERATORS = ("StringNotEquals", "StringNotLike", "ArnNotEquals", "ArnNotLike", "Null")


@dataclass(frozen=True)
class TrustStatement:
    index: int
    principals: dict[str, tuple[str, ...]]  # "AWS" | "Service" | "Federated" | "*" -> values
    actions: tuple[str, ...]
    conditions: dict[str, dict[str, tuple[str, ...]]]  # operator -> key (lower-case) -> values

    def condition_keys(self) -> set[str]:
        return {key for keys in self.conditions.values() for key in keys}

    def condition_values(self, key: str) -> list[tuple[str, str]]:
        """(operator, value) pairs for a condition key (case-insensitive)."""
        out = []
        for operator, keys in self.conditions.items():
            for value in keys.get(key.lower(), ()):
                out.append((operator, value))
        return out


def parse_document(document: Any) -> dict[str, Any] | None:
    if isinstance(document, str):
        text = unquote(document) if document.lstrip().startswith("%") else document
        try:
            document = json.loads(text)
        except json.JSONDecodeError:
            return None
    return document if isinstance(document, dict) else None


def allow_statements(document: Any) -> list[TrustStatement] | None:
    """Allow statements that grant an assume-role action; None if the document is unreadable."""
    parsed = parse_document(document)
    if parsed is None:
        return None
    out = []
    for index, statement in enumerate(as_list(parsed.get("Statement"))):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        actions = _strings(statement.get("Action"))
        if not _assumes(actions):
            continue
        raw_principal = statement.get("Principal")
        principals: dict[str, tuple[str, ...]] = {}
        if isinstance(raw_principal, dict):
            principals = {str(kind): _strings(values) for kind, values in raw_principal.items()}
        elif raw_principal == "*":
            principals["*"] = ("*",)
        conditions: dict[str, dict[str, tuple[str, ...]]] = {}
        condition = statement.get("Condition")
        if condition:
            for operator, block in condition.items():
                if isinstance(block, dict):
                    conditions[str(operator)] = {str(k).lower(): _strings(val) for k, val in block.items()}
        out.append(record(TrustStatement, {"index": index, "principals": principals, "actions": actions,
                                           "conditions": conditions}))
    return out


def _strings(value: Any) -> tuple[str, ...]:
    """A value written as one string or a list of them, as strings (a string alone without the list)."""
    return (value,) if type(value) is str else tuple(map(str, as_list(value)))


def role_trust(evidence: Evidence, role: Principal) -> list[TrustStatement] | None:
    """allow_statements of a role's trust policy, read once per evidence: several checks ask.
    Shared, so callers must not change the list."""
    trusts: dict[str, list[TrustStatement] | None] | None = evidence.cache.get(("trust",))
    if trusts is None:
        trusts = evidence.cache[("trust",)] = {}
    statements = trusts.get(role.pointer, _UNREAD)  # the pointer names the role's own entry in the file
    if statements is _UNREAD:
        statements = trusts[role.pointer] = allow_statements(role.trust_policy)
    return statements  # type: ignore[return-value]


_UNREAD: Any = object()


@lru_cache(maxsize=4096)
def allows_action(patterns: tuple[str, ...], action: str) -> bool:
    """Does any of the statement's Action patterns (wildcards allowed) cover ACTION? Cached: trust
    policies repeat the same few Action lists across thousands of roles."""
    return any(fnmatchcase(action, p.lower()) for p in patterns)


@lru_cache(maxsize=4096)
def _assumes(patterns: tuple[str, ...]) -> bool:
    """Do the patterns cover one of the assume-role actions?"""
    return any(allows_action(patterns, a) for a in ASSUME_ACTIONS)


def account_of(principal: str) -> str | None:
    """The account id an AWS principal names: a bare id or an ARN; None for '*'."""
    if principal.isdigit() and len(principal) == 12:
        return principal
    if principal.startswith("arn:"):
        parts = principal.split(":")
        if len(parts) > 4 and parts[4]:
            return parts[4]
    return None


def is_any_principal(statement: TrustStatement) -> bool:
    return "*" in statement.principals or "*" in statement.principals.get("AWS", ())


def _positive(statement: TrustStatement, key: str) -> list[str]:
    return [v for op, v in statement.condition_values(key) if not op.replace("ForAnyValue:", "").replace(
        "ForAllValues:", "").startswith(NEGATIVE_OPERATORS)]


def _wild(value: str) -> bool:
    return value.strip() in {"", "*"} or set(value.strip()) <= {"*", "?"}


def restricts_identity(statement: TrustStatement) -> bool:
    """Does a condition really narrow who may assume the role (an org, an account, ARNs in a named account)?"""
    for key in ORG_KEYS:
        if any(not _wild(v) for v in _positive(statement, key)):
            return True
    for key in ACCOUNT_KEYS:
        if any(re.fullmatch(r"\d{12}", v.strip()) for v in _positive(statement, key)):
            return True
    for key in ARN_KEYS:
        values = _positive(statement, key)
        if values and all(len(v.split(":")) > 4 and re.fullmatch(r"\d{12}", v.split(":")[4]) for v in values):
            return True
    return False


def has_external_id(statement: TrustStatement) -> bool:
    return any(op.startswith(("StringEquals", "StringLike")) and not _wild(v)
               for op, v in statement.condition_values("sts:ExternalId"))


def requires_mfa(statement: TrustStatement) -> bool:
    """Bool aws:MultiFactorAuthPresent true (not BoolIfExists: true for long-term keys), or a bounded MFA age."""
    if any(op == "Bool" and v.lower() == "true" for op, v in statement.condition_values("aws:MultiFactorAuthPresent")):
        return True
    return any(op.startswith("NumericLessThan") for op, _ in statement.condition_values("aws:MultiFactorAuthAge"))
