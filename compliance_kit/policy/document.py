"""Parsing IAM policy documents into immutable statements that remember where they came from.

Real exports are untidy, so parsing is tolerant where AWS itself is: a single ``Statement``
object instead of a list, ``Action``/``Resource`` as a string or a list, ``NotAction`` /
``NotResource``, every ``Principal`` form, and documents that arrive as dicts, JSON text, or
URL-encoded JSON text (older ``get-account-authorization-details`` exports URL-encode them).
It is strict where a guess would change a verdict: a document that is not an object, a missing
or mistyped ``Statement``, or an ``Effect`` other than ``Allow``/``Deny`` raises
:class:`PolicyParseError`, so the check that needed it reports ERROR rather than PASS.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Literal, get_args
from urllib.parse import unquote

from compliance_kit.errors import InputError
from compliance_kit.frozen import record
from compliance_kit.policy.actions import Matcher, matcher

__all__ = ["Grant", "PolicyDocument", "PolicyKind", "PolicyParseError", "PolicySource"]

PolicyKind = Literal["managed", "inline", "group_managed", "group_inline", "boundary", "trust"]
_KINDS: frozenset[str] = frozenset(get_args(PolicyKind))


class PolicyParseError(InputError, ValueError):
    """A policy document that cannot be read; carries the evidence file and JSON pointer."""


@dataclass(frozen=True)
class PolicySource:
    """Where a document came from, so every finding can point back into the evidence."""

    kind: PolicyKind
    name: str
    arn: str | None = None
    file: str | None = None
    pointer: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"unknown policy kind {self.kind!r}; expected one of {sorted(_KINDS)}")

    @classmethod
    def of(cls, kind: PolicyKind, name: str, arn: str | None = None, file: str | None = None,
           pointer: str | None = None) -> PolicySource:
        """The constructor, without one ``object.__setattr__`` per field: one source per document."""
        if kind not in _KINDS or cls is not PolicySource:
            return cls(kind, name, arn, file, pointer)
        return record(cls, {"kind": kind, "name": name, "arn": arn, "file": file, "pointer": pointer})


@dataclass(frozen=True)
class Grant:
    """One statement of one policy: its effect, patterns as written, and its source.

    Exactly one of ``actions``/``not_actions`` is used (``not_action`` says which); likewise
    for resources, where neither being present (trust policies) means "any resource".
    ``conditional`` is True when the statement has a non-empty ``Condition``: such an Allow may
    grant, such a Deny may not apply.
    """

    source: PolicySource
    statement_index: int
    sid: str | None
    effect: Literal["Allow", "Deny"]
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    conditional: bool = False
    not_action: bool = False
    not_resource: bool = False
    resource_given: bool = True
    principals: tuple[tuple[str, str], ...] = ()
    not_principals: tuple[tuple[str, str], ...] = ()
    condition: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    statement_pointer: str = field(default="", compare=False, repr=False)

    # allow and action_patterns are asked of every statement for every probe set: parsing stores
    # them with the fields (see _statement), so that they are plain attributes; computed otherwise.
    @cached_property
    def allow(self) -> bool:
        return self.effect == "Allow"

    @property
    def pointer(self) -> str | None:
        """JSON pointer to this statement (the source's pointer + /Statement[/i])."""
        base = self.source.pointer
        return None if base is None else base + self.statement_pointer

    @cached_property
    def action_patterns(self) -> tuple[str, ...]:
        """The patterns as written, whichever of Action/NotAction the statement used."""
        return self.not_actions if self.not_action else self.actions

    @property
    def resource_patterns(self) -> tuple[str, ...]:
        return self.not_resources if self.not_resource else self.resources

    @cached_property
    def action_matcher(self) -> Matcher:
        """Matches lower-case action names against the Action/NotAction patterns."""
        return matcher(self.action_patterns, ignore_case=True)

    @cached_property
    def resource_matcher(self) -> Matcher:
        """Matches resource strings against the Resource/NotResource patterns."""
        return matcher(self.resource_patterns, ignore_case=False)


def _decode(raw: Any) -> Any:
    """dict as is; JSON text; or URL-encoded JSON text."""
    if type(raw) is dict:  # parsed JSON, the usual case: without the tests below (bytes | bytearray builds a union)
        return raw
    if isinstance(raw, bytes | bytearray):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"policy document is not UTF-8 text: {exc}") from None
    if not isinstance(raw, str):
        return raw
    text = raw.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    if "%" in text:
        try:
            return json.loads(unquote(text))
        except json.JSONDecodeError:
            pass
    raise ValueError("policy document is neither JSON nor URL-encoded JSON")


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        try:
            "".join(value)  # accepts strings only: the per-item isinstance test, without a Python loop
        except TypeError:
            pass
        else:
            return tuple(value)
    raise ValueError(f"{what} must be a string or a list of strings, not {type(value).__name__}")


def _principals(value: Any, what: str) -> tuple[tuple[str, str], ...]:
    """Normalise ``"*"`` / ``{"AWS": "..."|[...], "Service": ...}`` to (type, value) pairs."""
    if value == "*":
        return (("*", "*"),)
    if isinstance(value, Mapping):
        pairs: list[tuple[str, str]] = []
        for kind, ids in value.items():
            pairs.extend((str(kind), v) for v in _strings(ids, f"{what}.{kind}"))
        return tuple(pairs)
    raise ValueError(f"{what} must be \"*\" or an object, not {type(value).__name__}")


def _pair(stmt: Mapping[str, Any], positive: str, negative: str, *, required: bool) -> tuple[tuple[str, ...], bool, bool]:
    """(patterns, negated, given) for Action/NotAction or Resource/NotResource."""
    has_pos, has_neg = positive in stmt, negative in stmt
    if has_pos and has_neg:
        raise ValueError(f"statement has both {positive} and {negative}")
    if has_pos:
        return _strings(stmt[positive], positive), False, True
    if has_neg:
        return _strings(stmt[negative], negative), True, True
    if required:
        raise ValueError(f"statement has neither {positive} nor {negative}")
    return (), False, False


_SHARED: dict[tuple[str, ...], tuple[str, ...]] = {}
_SHARED_LIMIT = 1 << 16


def _shared(patterns: tuple[str, ...]) -> tuple[str, ...]:
    """One tuple object per distinct list of patterns. Statements repeat the same Action and
    Resource lists across policies, and evaluation caches are keyed by them: a key that is the very
    same object is found without comparing its strings."""
    hit = _SHARED.get(patterns)
    if hit is None:
        if len(_SHARED) >= _SHARED_LIMIT:
            _SHARED.clear()
        hit = _SHARED[patterns] = patterns
    return hit


def _statement(stmt: Any, index: int, pointer: str, source: PolicySource) -> Grant:
    if type(stmt) is not dict and not isinstance(stmt, Mapping):  # parsed JSON: dict, without the ABC check
        raise ValueError(f"statement {index} is not an object")
    effect = stmt.get("Effect")
    if effect == "Allow":
        fields = _ALLOW_FIELDS.copy()
    elif effect == "Deny":
        fields = _DENY_FIELDS.copy()
    else:
        raise ValueError(f"statement {index}: Effect must be \"Allow\" or \"Deny\", not {effect!r}")
    if "Action" in stmt and "NotAction" not in stmt:  # the usual shape, without _pair's generality
        actions, not_action = _strings(stmt["Action"], "Action"), False
    else:
        actions, not_action, _ = _pair(stmt, "Action", "NotAction", required=True)
    if "Resource" in stmt and "NotResource" not in stmt:
        resources, not_resource, resource_given = _strings(stmt["Resource"], "Resource"), False, True
    else:
        resources, not_resource, resource_given = _pair(stmt, "Resource", "NotResource", required=False)
    actions, resources = _shared(actions), _shared(resources)
    condition = stmt.get("Condition")
    if condition and type(condition) is not dict and not isinstance(condition, Mapping):
        raise ValueError(f"statement {index}: Condition must be an object")
    fields["source"] = source
    fields["statement_index"] = index
    fields["statement_pointer"] = pointer
    fields["action_patterns"] = actions  # as written, whichever of Action/NotAction
    if not_action:
        fields["not_actions"] = actions
        fields["not_action"] = True
    else:
        fields["actions"] = actions
    if not_resource:
        fields["not_resources"] = resources
        fields["not_resource"] = True
    else:
        fields["resources"] = resources
        if not resource_given:
            fields["resource_given"] = False
    if condition:
        fields["condition"] = dict(condition)
        fields["conditional"] = True
    else:
        fields["condition"] = {}
    if "Principal" in stmt:
        fields["principals"] = _principals(stmt["Principal"], "Principal")
    if "NotPrincipal" in stmt:
        fields["not_principals"] = _principals(stmt["NotPrincipal"], "NotPrincipal")
    sid = stmt.get("Sid")
    if sid is not None:
        fields["sid"] = str(sid)
    return record(Grant, fields)


# A Grant's fields (see frozen.record), in declaration order, with the values of a statement that says
# nothing but its Effect, then allow and action_patterns (see Grant). _statement copies one and sets
# what the statement says: a third of the cost of writing the 18-key dict out, for thousands of statements.
_ALLOW_FIELDS: dict[str, Any] = {
    "source": None, "statement_index": 0, "sid": None, "effect": "Allow", "actions": (), "not_actions": (),
    "resources": (), "not_resources": (), "conditional": False, "not_action": False, "not_resource": False,
    "resource_given": True, "principals": (), "not_principals": (), "condition": None, "statement_pointer": "",
    "allow": True, "action_patterns": ()}
_DENY_FIELDS: dict[str, Any] = {**_ALLOW_FIELDS, "effect": "Deny", "allow": False}


def _truthy(value: Any) -> bool:
    """IsDefaultVersion as written by any exporter: true, "true", "True", 1."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return value is True or value == 1


_PLACEHOLDER = PolicySource(kind="inline", name="(unnamed)")
_POINTERS = tuple(f"/Statement/{i}" for i in range(256))  # formatted once, shared by every document


@dataclass(frozen=True, eq=False)
class PolicyDocument:
    """A parsed policy. Compared and hashed by identity, which keeps per-document caches cheap.

    Parse each distinct document once and share the object between principals: evaluation
    results are cached on it.
    """

    source: PolicySource
    statements: tuple[Grant, ...]
    version: str | None = None
    id: str | None = None
    _cache: dict[Any, Any] = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def parse(cls, raw: Any, source: PolicySource | None = None) -> PolicyDocument:
        """Parse a dict, JSON text or URL-encoded JSON text; raise PolicyParseError if malformed."""
        src = source or _PLACEHOLDER
        try:
            doc = _decode(raw)
            if type(doc) is not dict and not isinstance(doc, Mapping):  # parsed JSON: dict, without the ABC check
                raise ValueError(f"policy document must be a JSON object, not {type(doc).__name__}")
            if "Statement" not in doc:
                raise ValueError("policy document has no Statement")
            body = doc["Statement"]
            if isinstance(body, list):
                statements = tuple([_statement(s, i, _POINTERS[i] if i < 256 else f"/Statement/{i}", src)
                                    for i, s in enumerate(body)])
            elif isinstance(body, Mapping):
                statements = (_statement(body, 0, "/Statement", src),)
            else:
                raise ValueError(f"Statement must be an object or a list, not {type(body).__name__}")
            version = doc.get("Version")
            pid = doc.get("Id")
        except ValueError as exc:
            name = src.arn or src.name
            raise PolicyParseError(f"{name}: {exc}", file=src.file, place=src.pointer) from None
        version, pid = None if version is None else str(version), None if pid is None else str(pid)
        if cls is not PolicyDocument:
            return cls(source=src, statements=statements, version=version, id=pid)
        return record(cls, {"source": src, "statements": statements, "version": version, "id": pid, "_cache": {}})

    @classmethod
    def default_version_document(cls, policy_detail: Mapping[str, Any],
                                 source: PolicySource | None = None) -> PolicyDocument:
        """Parse the default version of a GetAccountAuthorizationDetails ``Policies[]`` entry.

        Only the default version is in force. It is the version with ``IsDefaultVersion``
        true (booleans written as strings are accepted); if none is flagged, the one named by
        ``DefaultVersionId``. ``source.pointer``, if given, should point at the ``Policies[]``
        entry: ``/PolicyVersionList/<i>/Document`` is appended. Without a source, one is built
        from ``PolicyName`` and ``Arn``.
        """
        base = source or PolicySource(kind="managed", name=str(policy_detail.get("PolicyName", "")),
                                      arn=policy_detail.get("Arn"))
        versions = policy_detail.get("PolicyVersionList")
        if isinstance(versions, Mapping):
            versions = [versions]
        if not isinstance(versions, list) or not versions:
            raise PolicyParseError(f"{base.arn or base.name}: no PolicyVersionList", file=base.file,
                                   place=base.pointer)
        chosen = next((i for i, v in enumerate(versions) if isinstance(v, Mapping)
                       and _truthy(v.get("IsDefaultVersion"))), None)
        if chosen is None and policy_detail.get("DefaultVersionId"):
            wanted = policy_detail["DefaultVersionId"]
            chosen = next((i for i, v in enumerate(versions) if isinstance(v, Mapping)
                           and v.get("VersionId") == wanted), None)
        if chosen is None:
            raise PolicyParseError(f"{base.arn or base.name}: no default policy version", file=base.file,
                                   place=base.pointer)
        pointer = None if base.pointer is None else f"{base.pointer}/PolicyVersionList/{chosen}/Document"
        document = versions[chosen].get("Document")
        if document is None:
            raise PolicyParseError(f"{base.arn or base.name}: default version has no Document",
                                   file=base.file, place=pointer)
        return cls.parse(document, source=replace(base, pointer=pointer))
