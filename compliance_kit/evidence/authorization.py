"""GetAccountAuthorizationDetails: users, groups, roles and managed policies as typed records.

Tolerates the quirks of real exports: a single object where a list is expected, policies that
principals reference but that are missing from `Policies`, booleans written as strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..frozen import record, records
from .values import Times, as_list, parse_bool, parse_time

FILE = "get-account-authorization-details.json"


class AuthorizationDetailsError(ValueError):
    pass


@dataclass(frozen=True)
class AttachedPolicy:
    arn: str
    name: str
    pointer: str


@dataclass(frozen=True)
class InlinePolicy:
    name: str
    document: Any
    pointer: str  # JSON pointer to the document


@dataclass(frozen=True)
class Principal:
    kind: str  # "user" | "group" | "role"
    name: str
    arn: str
    principal_id: str
    path: str
    pointer: str  # JSON pointer to the entry in the file
    created: datetime | None
    attached: tuple[AttachedPolicy, ...]
    inline: tuple[InlinePolicy, ...]
    tags: tuple[tuple[str, str], ...] = ()
    groups: tuple[str, ...] = ()  # users: group names
    boundary_arn: str | None = None
    trust_policy: Any = None  # roles
    trust_pointer: str | None = None
    last_used: datetime | None = None  # roles: RoleLastUsed.LastUsedDate
    last_used_recorded: bool = False  # roles: the export carries RoleLastUsed at all
    max_session_duration: int | None = None  # roles, seconds
    instance_profiles: tuple[str, ...] = ()

    def tag(self, key: str) -> str | None:
        lowered = key.lower()
        return next((v for k, v in self.tags if k.lower() == lowered), None)


@dataclass(frozen=True)
class ManagedPolicy:
    arn: str
    name: str
    policy_id: str
    pointer: str
    default_document: Any
    default_pointer: str | None
    attachment_count: int | None
    boundary_usage_count: int | None
    is_attachable: bool

    @property
    def is_aws_managed(self) -> bool:
        return ":aws:policy/" in self.arn


@dataclass(frozen=True)
class AuthorizationDetails:
    users: tuple[Principal, ...]
    groups: tuple[Principal, ...]
    roles: tuple[Principal, ...]
    policies: dict[str, ManagedPolicy] = field(hash=False)
    truncated: bool = False

    def group(self, name: str) -> Principal | None:
        return self._groups_by_name.get(name)

    @property
    def _groups_by_name(self) -> dict[str, Principal]:
        cache = self.__dict__.get("_gcache")
        if cache is None:
            cache = {g.name: g for g in self.groups}
            object.__setattr__(self, "_gcache", cache)
        return cache

    def members(self, group_name: str) -> tuple[Principal, ...]:
        cache = self.__dict__.get("_mcache")
        if cache is None:
            cache = {}
            for user in self.users:
                for g in user.groups:
                    cache.setdefault(g, []).append(user)
            object.__setattr__(self, "_mcache", cache)
        return tuple(cache.get(group_name, ()))

    def attachments(self) -> dict[str, list[Principal]]:
        """Policy ARN -> principals it is attached to (or that use it as a permissions boundary)."""
        cache = self.__dict__.get("_acache")
        if cache is None:
            cache = {}
            for principal in (*self.users, *self.groups, *self.roles):
                for policy in principal.attached:
                    cache.setdefault(policy.arn, []).append(principal)
                if principal.boundary_arn:
                    cache.setdefault(principal.boundary_arn, []).append(principal)
            object.__setattr__(self, "_acache", cache)
        return cache

    def principals(self) -> tuple[Principal, ...]:
        return (*self.users, *self.groups, *self.roles)


def _tags(value: Any) -> tuple[tuple[str, str], ...]:
    out = []
    for tag in as_list(value):
        if isinstance(tag, dict) and "Key" in tag:
            out.append((str(tag["Key"]), str(tag.get("Value", ""))))
    return tuple(out)


def _attached(value: Any, base: str) -> tuple[AttachedPolicy, ...]:
    out = []
    for i, item in enumerate(as_list(value)):
        if isinstance(item, dict) and item.get("PolicyArn"):
            arn = str(item["PolicyArn"])
            out.append(record(AttachedPolicy, {
                "arn": arn, "name": str(item.get("PolicyName") or arn.rsplit("/", 1)[-1]),
                "pointer": f"{base}/AttachedManagedPolicies/{i}"}))
    return tuple(out)


def _inline(value: Any, key: str, base: str) -> tuple[InlinePolicy, ...]:
    out = []
    for i, item in enumerate(as_list(value)):
        if isinstance(item, dict):
            out.append(record(InlinePolicy, {
                "name": str(item.get("PolicyName", f"#{i}")), "document": item.get("PolicyDocument"),
                "pointer": f"{base}/{key}/{i}/PolicyDocument"}))
    return tuple(out)


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(map(str, value))
    return () if value is None else (str(value),)


def _boundary(entry: dict[str, Any]) -> str | None:
    boundary = entry.get("PermissionsBoundary")
    if isinstance(boundary, dict) and boundary.get("PermissionsBoundaryArn"):
        return str(boundary["PermissionsBoundaryArn"])
    return None


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise AuthorizationDetailsError(f"{key} is not a list")
    return value


def _require(entry: Any, pointer: str, *keys: str) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise AuthorizationDetailsError(f"{pointer}: expected an object")
    for key in keys:
        if not entry.get(key):
            raise AuthorizationDetailsError(f"{pointer}: missing {key}")
    return entry


_KEYS = {  # kind -> (name key, id key, inline policy list key) in the export
    "user": ("UserName", "UserId", "UserPolicyList"),
    "group": ("GroupName", "GroupId", "GroupPolicyList"),
    "role": ("RoleName", "RoleId", "RolePolicyList"),
}


def _principal(entry: dict[str, Any], base: str, kind: str, times: Times, path: str) -> dict[str, Any]:
    """The fields of the Principal at BASE: those every user, group and role has, the others at their
    defaults (the caller sets those of its kind: one dict per principal, in the dataclass's field order)."""
    name_key, id_key, inline_key = _KEYS[kind]
    created = entry.get("CreateDate")
    attached = entry.get("AttachedManagedPolicies")
    inline = entry.get(inline_key)
    return {
        "kind": kind, "name": str(entry[name_key]), "arn": str(entry["Arn"]),
        "principal_id": str(entry.get(id_key, "")), "path": path, "pointer": base,
        "created": times[created] if type(created) is str else parse_time(created),
        "attached": _attached(attached, base) if attached else (),
        "inline": _inline(inline, inline_key, base) if inline or isinstance(inline, dict) else (),
        "tags": (), "groups": (), "boundary_arn": None, "trust_policy": None, "trust_pointer": None,
        "last_used": None, "last_used_recorded": False, "max_session_duration": None, "instance_profiles": (),
    }


def parse_authorization_details(data: Any) -> AuthorizationDetails:
    """The typed records of one export. Hot: a large account has tens of thousands of principals, so
    each principal's fields are one dict made by _principal, the records are made together by
    frozen.records, empty lists skip their helper, and _require is called only to raise (the checks
    before it are the same)."""
    if not isinstance(data, dict) or not any(
        k in data for k in ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
    ):
        raise AuthorizationDetailsError("not GetAccountAuthorizationDetails output")
    times = Times()
    users = []
    for i, entry in enumerate(_list(data, "UserDetailList")):
        base = f"/UserDetailList/{i}"
        if not isinstance(entry, dict) or not entry.get("UserName") or not entry.get("Arn"):
            _require(entry, base, "UserName", "Arn")
        fields = _principal(entry, base, "user", times, str(entry.get("Path", "/")))
        tags = entry.get("Tags")
        if tags:
            fields["tags"] = _tags(tags)
        fields["groups"] = _strings(entry.get("GroupList"))
        if "PermissionsBoundary" in entry:
            fields["boundary_arn"] = _boundary(entry)
        users.append(fields)
    groups = []
    for i, entry in enumerate(_list(data, "GroupDetailList")):
        base = f"/GroupDetailList/{i}"
        if not isinstance(entry, dict) or not entry.get("GroupName") or not entry.get("Arn"):
            _require(entry, base, "GroupName", "Arn")
        groups.append(_principal(entry, base, "group", times, str(entry.get("Path", "/"))))
    roles = []
    for i, entry in enumerate(_list(data, "RoleDetailList")):
        base = f"/RoleDetailList/{i}"
        if not isinstance(entry, dict) or not entry.get("RoleName") or not entry.get("Arn"):
            _require(entry, base, "RoleName", "Arn")
        fields = _principal(entry, base, "role", times, str(entry.get("Path") or "/"))
        tags = entry.get("Tags")
        if tags:
            fields["tags"] = _tags(tags)
        if "PermissionsBoundary" in entry:
            fields["boundary_arn"] = _boundary(entry)
        fields["trust_policy"] = entry.get("AssumeRolePolicyDocument")
        fields["trust_pointer"] = f"{base}/AssumeRolePolicyDocument"
        last_used = entry.get("RoleLastUsed")
        if isinstance(last_used, dict):
            fields["last_used"] = parse_time(last_used.get("LastUsedDate"))
            fields["last_used_recorded"] = True
        session = entry.get("MaxSessionDuration")
        if isinstance(session, int | str) and str(session).isdigit():
            fields["max_session_duration"] = int(session)
        profiles = entry.get("InstanceProfileList")
        if profiles or isinstance(profiles, dict):
            fields["instance_profiles"] = tuple(
                str(p.get("InstanceProfileName", "")) for p in as_list(profiles) if isinstance(p, dict))
        roles.append(fields)
    policies: dict[str, dict[str, Any]] = {}  # ARN -> the fields of its ManagedPolicy
    for i, entry in enumerate(_list(data, "Policies")):
        base = f"/Policies/{i}"
        if not isinstance(entry, dict) or not entry.get("Arn"):
            _require(entry, base, "Arn")
        document, doc_pointer = None, None
        versions = as_list(entry.get("PolicyVersionList"))
        for j, version in enumerate(versions):
            if isinstance(version, dict) and parse_bool(version.get("IsDefaultVersion")):
                document, doc_pointer = version.get("Document"), f"{base}/PolicyVersionList/{j}/Document"
                break
        if document is None:
            default_id = entry.get("DefaultVersionId")
            for j, version in enumerate(versions):
                if isinstance(version, dict) and default_id and version.get("VersionId") == default_id:
                    document, doc_pointer = version.get("Document"), f"{base}/PolicyVersionList/{j}/Document"
        arn = str(entry["Arn"])
        attachments = entry.get("AttachmentCount")
        boundary_uses = entry.get("PermissionsBoundaryUsageCount")
        policies[arn] = {
            "arn": arn, "name": str(entry.get("PolicyName") or arn.rsplit("/", 1)[-1]),
            "policy_id": str(entry.get("PolicyId", "")), "pointer": base,
            "default_document": document, "default_pointer": doc_pointer,
            "attachment_count": attachments if isinstance(attachments, int) else None,
            "boundary_usage_count": boundary_uses if isinstance(boundary_uses, int) else None,
            "is_attachable": parse_bool(entry.get("IsAttachable")) is not False,
        }
    truncated = bool(parse_bool(data.get("IsTruncated")))
    return AuthorizationDetails(
        records(Principal, users), records(Principal, groups), records(Principal, roles),
        dict(zip(policies, records(ManagedPolicy, list(policies.values())), strict=True)), truncated)
