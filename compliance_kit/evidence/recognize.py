"""Recognise a saved AWS export by its content, whatever the file is called."""

from __future__ import annotations

import binascii
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import InputError
from . import jsondecode
from .credential_report import CredentialReportError, parse_credential_report
from .manifest import Outcome

REGION_RE = re.compile(r"(?<![a-z0-9])((?:us|eu|ap|sa|ca|me|af|il|mx|cn)(?:-gov|-iso[a-z]?)?-"
                       r"(?:north|south|east|west|central|northeast|southeast|northwest|southwest)-\d)(?![a-z0-9])")
ANALYZER_ARN_RE = re.compile(r"arn:aws[a-z-]*:access-analyzer:([a-z0-9-]+):")
CLI_ERROR_RE = re.compile(r"An error occurred \(([A-Za-z0-9_.]+)\) when calling the (\w+) operation:?\s*(.*)", re.S)
BOM = b"\xef\xbb\xbf"
IGNORED_SUFFIXES = {".pdf", ".png", ".jpg", ".jpeg", ".gif", ".zip", ".gz", ".docx", ".xlsx", ".doc", ".xls", ".md"}

OPERATION_ARTIFACT = {
    "GetCredentialReport": "credential_report", "GenerateCredentialReport": "credential_report",
    "GetAccountAuthorizationDetails": "authorization_details",
    "GetAccountPasswordPolicy": "password_policy", "ListRoles": "roles", "GetAccountSummary": "account_summary",
    "ListVirtualMFADevices": "virtual_mfa_devices", "ListServerCertificates": "server_certificates",
    "ListSAMLProviders": "saml_providers", "ListOpenIDConnectProviders": "oidc_providers",
    "ListInstances": "identity_center_instances", "DescribeRegions": "regions",
    "DescribeTrails": "trails", "GetTrailStatus": "trail_status", "GetEventSelectors": "event_selectors",
    "ListAnalyzers": "access_analyzers", "ListFindings": "access_analyzer_findings",
    "ListFindingsV2": "access_analyzer_findings",
    "DescribeOrganization": "organization", "ListPolicies": "organization_scps", "ListAccounts": "organization_accounts",
}
NOT_CONFIGURED_CODES = {"NoSuchEntity", "AWSOrganizationsNotInUseException"}


def outcome_for_error(code: str) -> Outcome:
    if code in NOT_CONFIGURED_CODES:
        return Outcome.NOT_CONFIGURED
    if "AccessDenied" in code or code in {"UnauthorizedOperation", "UnauthorizedAccess", "AuthorizationError"}:
        return Outcome.ACCESS_DENIED
    return Outcome.ERROR


@dataclass
class Recognized:
    artifact: str
    content: bytes | None  # what to store (None for error outcomes)
    outcome: Outcome = Outcome.OK
    key: str | None = None
    message: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    key_hint: str | None = None  # for keyed artifacts whose key must be resolved later (trail names)
    # content decoded once: the JSON value, or the credential report's CredentialReport
    parsed: Any = field(default=None, compare=False, repr=False)


def _decode_text(name: str, raw: bytes) -> str:
    if not raw or raw.isspace():  # what strip() would leave empty, without copying the file
        raise InputError("empty file", file=name)
    if b"\x00" in raw[:4096]:
        raise InputError("binary file, not an AWS export", file=name)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text (binary file?)", file=name) from None


def _json(name: str, raw: bytes, text: str, *, orjson_tried: bool = False) -> Any:
    try:
        return json.loads(text) if orjson_tried else jsondecode.loads(raw, text)
    except json.JSONDecodeError as exc:
        at_end = exc.pos >= len(text.rstrip()) - 1 and exc.msg != "Extra data"  # one stray last byte is not a cut
        problem = "truncated JSON" if at_end else f"invalid JSON: {exc.msg}"
        raise InputError(problem, file=name, place=f"line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise InputError("JSON nested too deeply to read", file=name) from None


def _credential_csv(name: str, text: str, metadata: dict[str, Any], encoded: bytes | None = None) -> Recognized:
    """The credential report TEXT; ENCODED, when given, is TEXT's UTF-8 bytes (stored as they are)."""
    try:
        report = parse_credential_report(text)
    except CredentialReportError as exc:
        raise InputError(str(exc), file=name, place="credential report") from None
    if report.duplicate_rows:
        metadata["duplicate_rows"] = report.duplicate_rows
    metadata["rows"] = len(report.rows)
    return Recognized("credential_report", text.encode("utf-8") if encoded is None else encoded, metadata=metadata,
                      parsed=report)


def _credential_json(name: str, data: dict[str, Any]) -> Recognized:
    content = data.get("Content")
    if not isinstance(content, str):
        raise InputError("credential report JSON without Content", file=name)
    stripped = content.lstrip()
    encoded = None
    if stripped.startswith(("user,", "\ufeffuser,")):
        text = content  # some tools store the CSV un-encoded
    else:
        try:
            # base64.b64decode(content, validate=False) without its ASCII copy of CONTENT (megabytes); the
            # decoded bytes are the report's UTF-8, stored as they are instead of encoding the text again
            encoded = binascii.a2b_base64(content)
            text = encoded.decode("utf-8")
        except ValueError:  # binascii.Error, UnicodeDecodeError, or text that is not ASCII
            raise InputError("credential report Content is neither base64 nor CSV", file=name) from None
    metadata: dict[str, Any] = {}
    if data.get("GeneratedTime"):
        metadata["generated_time"] = str(data["GeneratedTime"])
    return _credential_csv(name, text, metadata, encoded)


def _region_from(data: Any, name: str) -> str | None:
    """The file name says it best; else the analyzers' own ARNs (never resource names in findings)."""
    match = REGION_RE.search(name.rsplit("/", 1)[-1])
    if match:
        return match.group(1)
    arn = ANALYZER_ARN_RE.search(json.dumps(data)[:200000])
    return arn.group(1) if arn and REGION_RE.fullmatch(arn.group(1)) else None


def _is_list_of(data: dict[str, Any], key: str, item_key: str) -> bool:
    value = data.get(key)
    return isinstance(value, list) and (not value or (isinstance(value[0], dict) and item_key in value[0]))


def recognize(name: str, raw: bytes) -> Recognized | None:
    """Return what a file is, None if it is no AWS export we use, or raise InputError if it is broken."""
    lowered = name.lower()
    if any(lowered.endswith(s) for s in IGNORED_SUFFIXES):
        return None
    head = raw[:64]
    read = head.removeprefix(BOM).lstrip()[:1] in (b"{", b"[") and b"\x00" not in raw[:4096]
    if read:
        # A JSON export, read from its bytes without decoding them to text first: what orjson reads is
        # valid UTF-8, so the decoding below could not fail, and the text would start with the same
        # bracket. Anything else (malformed, NaN, a long integer, ...) goes the way below, to json.
        data = jsondecode.read(raw)
        if data is not jsondecode.NOT_READ:
            return _recognized_json(name, raw, data)
    text = _decode_text(name, raw)
    stripped = text.lstrip()
    error = CLI_ERROR_RE.search(text[:4000]) if not stripped.startswith(("{", "[")) else None
    if error:
        code, operation, message = error.group(1), error.group(2), error.group(3).strip()
        artifact = OPERATION_ARTIFACT.get(operation)
        if artifact is None:
            return None
        return Recognized(artifact, None, outcome_for_error(code),
                          message=f"{code}: {message}"[:500], key_hint=name)
    if stripped.startswith(("user,", "User,")):
        return _credential_csv(name, text, {})
    if not stripped.startswith(("{", "[")):
        return None
    return _recognized_json(name, raw, _json(name, raw, text, orjson_tried=read))


def _recognized_json(name: str, raw: bytes, data: Any) -> Recognized | None:
    if not isinstance(data, dict):
        return None
    item = _recognize_json(name, raw, data)
    if item is not None and item.content is raw:
        return replace(item, parsed=data)
    return item


def _recognize_json(name: str, raw: bytes, data: dict[str, Any]) -> Recognized | None:
    if isinstance(data.get("Error"), dict) and data["Error"].get("Code"):
        return None
    if "Content" in data and ("ReportFormat" in data or "GeneratedTime" in data):
        return _credential_json(name, data)
    if any(k in data for k in ("UserDetailList", "GroupDetailList", "RoleDetailList")) or (
        _is_list_of(data, "Policies", "PolicyName") and "PolicyVersionList" in json.dumps(data["Policies"][:1])
    ):
        return Recognized("authorization_details", raw)
    if _is_list_of(data, "Roles", "RoleName"):
        return Recognized("roles", raw)
    if "PasswordPolicy" in data:
        return Recognized("password_policy", raw)
    if "SummaryMap" in data:
        return Recognized("account_summary", raw)
    if "VirtualMFADevices" in data:
        return Recognized("virtual_mfa_devices", raw)
    if "ServerCertificateMetadataList" in data:
        return Recognized("server_certificates", raw)
    if "SAMLProviderList" in data:
        return Recognized("saml_providers", raw)
    if "OpenIDConnectProviderList" in data:
        return Recognized("oidc_providers", raw)
    if _is_list_of(data, "Instances", "InstanceArn"):
        return Recognized("identity_center_instances", raw)
    if _is_list_of(data, "Regions", "RegionName"):
        return Recognized("regions", raw)
    if "trailList" in data:
        return Recognized("trails", raw)
    if "IsLogging" in data:
        return Recognized("trail_status", raw, key_hint=name)
    if "TrailARN" in data and ("EventSelectors" in data or "AdvancedEventSelectors" in data):
        return Recognized("event_selectors", raw, key=str(data["TrailARN"]).rsplit("/", 1)[-1])
    if "analyzers" in data and isinstance(data["analyzers"], list):
        return Recognized("access_analyzers", raw, key=_region_from(data, name), key_hint=name)
    if "findings" in data and isinstance(data["findings"], list):
        return Recognized("access_analyzer_findings", raw, key=_region_from(data, name), key_hint=name)
    if isinstance(data.get("Organization"), dict):
        return Recognized("organization", raw)
    if _is_list_of(data, "Policies", "Type") or _is_list_of(data, "Policies", "AwsManaged"):
        return Recognized("organization_scps", raw)
    if _is_list_of(data, "Accounts", "Id"):
        return Recognized("organization_accounts", raw)
    return None
