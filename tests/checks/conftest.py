"""A small builder of synthetic evidence for the per-check tests.

`make_evidence(tmp_path, ...)` writes the files the AWS CLI would print (JSON, the decoded
credential-report CSV, or the CLI's error text for a failed call) into a folder, imports it with
`build_evidence` and returns the in-memory Evidence. Only the artifacts given as arguments are
written, so a test can also show what a check says when one is missing.

Helpers build one entry at a time with sensible defaults that a test overrides:
`cred_row` (a user with a console password, MFA and one fresh, recently used key), `root_row`,
`user_entry` / `group_entry` / `role_entry` / `policy_entry` (GetAccountAuthorizationDetails),
and the small policy-document helpers `allow`, `deny`, `doc`, `trust`.

This folder is a package (it has an __init__.py) so that this module is imported as
`checks.conftest` and does not replace the top-level `conftest` module other tests import from.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from compliance_kit.checks.registry import REGISTRY, load_all, run_check
from compliance_kit.evidence.importer import build_evidence
from compliance_kit.evidence.loader import Evidence, from_import
from compliance_kit.model import CheckResult, ResourceResult
from compliance_kit.settings import Settings

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
COLLECTED = datetime(2026, 11, 1, tzinfo=UTC)
COLLECTED_AT = "2026-11-01T00:00:00Z"

# The header of a real credential report (copied from tests/fixtures/real/credential-report/*.csv).
CREDENTIAL_HEADER_LINE = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,"
    "cert_2_active,cert_2_last_rotated"
)
CREDENTIAL_HEADER = CREDENTIAL_HEADER_LINE.split(",")

ADMIN_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
SUPPORT_ACCESS = "arn:aws:iam::aws:policy/AWSSupportAccess"
CLOUDSHELL = "arn:aws:iam::aws:policy/AWSCloudShellFullAccess"


# --------------------------------------------------------------------------------------------
# Time helpers


def ago(days: float = 0, *, seconds: float = 0, base: datetime = COLLECTED) -> str:
    """A credential-report / IAM timestamp `days` (and seconds) before the collection time."""
    moment = base - timedelta(days=days, seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def iso_z(text: str) -> str:
    """The `...Z` spelling the checks use in their reasons (compliance_kit.evidence.values.iso)."""
    return text.replace("+00:00", "Z")


# --------------------------------------------------------------------------------------------
# AWS CLI errors (what `aws ... 2>&1` saves when the call fails)


@dataclass(frozen=True)
class CliError:
    code: str
    message: str = "the request was refused"


ACCESS_DENIED = CliError("AccessDeniedException", "User: arn:aws:iam::111122223333:user/auditor is not authorized "
                                                  "to perform this action")
NO_POLICY = CliError("NoSuchEntity", "The Password Policy with domain name 111122223333 cannot be found.")
NOT_IN_ORG = CliError("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")

OPERATIONS = {
    "credential_report": "GetCredentialReport",
    "authorization_details": "GetAccountAuthorizationDetails",
    "roles": "ListRoles",
    "password_policy": "GetAccountPasswordPolicy",
    "account_summary": "GetAccountSummary",
    "virtual_mfa_devices": "ListVirtualMFADevices",
    "server_certificates": "ListServerCertificates",
    "saml_providers": "ListSAMLProviders",
    "oidc_providers": "ListOpenIDConnectProviders",
    "identity_center_instances": "ListInstances",
    "regions": "DescribeRegions",
    "trails": "DescribeTrails",
    "trail_status": "GetTrailStatus",
    "event_selectors": "GetEventSelectors",
    "access_analyzers": "ListAnalyzers",
    "access_analyzer_findings": "ListFindings",
    "organization": "DescribeOrganization",
    "organization_scps": "ListPolicies",
    "organization_accounts": "ListAccounts",
}


def cli_error_text(error: CliError, artifact: str) -> str:
    return f"\nAn error occurred ({error.code}) when calling the {OPERATIONS[artifact]} operation: {error.message}\n"


# --------------------------------------------------------------------------------------------
# Credential report rows


def cred_row(name: str, **overrides: str) -> dict[str, str]:
    """A user with a console password (used 2 days ago), MFA, and one active key 10 days old
    used yesterday. Override any column by its credential-report name."""
    row = {
        "user": name,
        "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
        "user_creation_time": "2026-01-05T10:00:00+00:00",
        "password_enabled": "true",
        "password_last_used": ago(2),
        "password_last_changed": "2026-01-05T10:05:00+00:00",
        "password_next_rotation": "N/A",
        "mfa_active": "true",
        "access_key_1_active": "true",
        "access_key_1_last_rotated": ago(10),
        "access_key_1_last_used_date": ago(1),
        "access_key_1_last_used_region": "us-east-1",
        "access_key_1_last_used_service": "s3",
        "access_key_2_active": "false",
        "access_key_2_last_rotated": "N/A",
        "access_key_2_last_used_date": "N/A",
        "access_key_2_last_used_region": "N/A",
        "access_key_2_last_used_service": "N/A",
        "cert_1_active": "false",
        "cert_1_last_rotated": "N/A",
        "cert_2_active": "false",
        "cert_2_last_rotated": "N/A",
    }
    return _override(row, overrides)


NO_KEY_1 = {"access_key_1_active": "false", "access_key_1_last_rotated": "N/A",
            "access_key_1_last_used_date": "N/A", "access_key_1_last_used_region": "N/A",
            "access_key_1_last_used_service": "N/A"}
NO_PASSWORD = {"password_enabled": "false", "password_last_used": "N/A", "password_last_changed": "N/A"}


def root_row(**overrides: str) -> dict[str, str]:
    """The <root_account> row as AWS writes it before 2025: no keys, MFA on, password used 200 days ago."""
    row = {
        **cred_row("<root_account>"),
        "arn": f"arn:aws:iam::{ACCOUNT}:root",
        "user_creation_time": "2019-03-14T16:00:00+00:00",
        "password_enabled": "not_supported",
        "password_last_used": ago(200),
        "password_last_changed": "not_supported",
        "password_next_rotation": "not_supported",
        **NO_KEY_1,
    }
    return _override(row, overrides)


def _override(row: dict[str, str], overrides: dict[str, str]) -> dict[str, str]:
    unknown = set(overrides) - set(CREDENTIAL_HEADER)
    if unknown:
        raise KeyError(f"not credential-report columns: {sorted(unknown)}")
    return {**row, **overrides}


def credential_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CREDENTIAL_HEADER, restval="N/A", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# Policy documents


def _statement(effect: str, actions: Any, resources: Any = "*", *, not_action: bool = False,
               condition: dict[str, Any] | None = None, sid: str | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": effect}
    if sid:
        statement["Sid"] = sid
    statement["NotAction" if not_action else "Action"] = actions
    statement["Resource"] = resources
    if condition:
        statement["Condition"] = condition
    return statement


def allow(actions: Any, resources: Any = "*", **kw: Any) -> dict[str, Any]:
    return _statement("Allow", actions, resources, **kw)


def deny(actions: Any, resources: Any = "*", **kw: Any) -> dict[str, Any]:
    return _statement("Deny", actions, resources, **kw)


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


ADMIN_DOC = doc(allow("*"))


def trust_statement(principal: Any, action: Any = "sts:AssumeRole",
                    condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return statement


def trust(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


SERVICE_TRUST = trust(trust_statement({"Service": "ec2.amazonaws.com"}))
ACCOUNT_TRUST = trust(trust_statement({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))
GITHUB = "token.actions.githubusercontent.com"
GITHUB_PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{GITHUB}"


# --------------------------------------------------------------------------------------------
# GetAccountAuthorizationDetails entries


def policy_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:policy/{name}"


def _attached(policies: Any) -> list[dict[str, str]]:
    out = []
    for item in policies:
        arn = item["Arn"] if isinstance(item, dict) else str(item)
        out.append({"PolicyName": arn.rsplit("/", 1)[-1], "PolicyArn": arn})
    return out


def _inline(policies: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"PolicyName": name, "PolicyDocument": document} for name, document in policies.items()]


def _boundary(arn: str | None) -> dict[str, Any]:
    if arn is None:
        return {}
    return {"PermissionsBoundary": {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn}}


def _tags(tags: dict[str, str] | None) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in (tags or {}).items()]


def user_entry(name: str, *, groups: tuple[str, ...] | list[str] = (), attached: Any = (),
               inline: dict[str, Any] | None = None, boundary: str | None = None,
               tags: dict[str, str] | None = None) -> dict[str, Any]:
    """A UserDetailList entry; `attached` takes policy ARNs (or policy_entry dicts)."""
    entry: dict[str, Any] = {
        "Path": "/",
        "UserName": name,
        "UserId": "AIDA" + name.upper().replace("-", "").replace(".", "")[:12].ljust(12, "X"),
        "Arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
        "CreateDate": "2026-01-05T10:00:00+00:00",
        "UserPolicyList": _inline(inline or {}),
        "GroupList": list(groups),
        "AttachedManagedPolicies": _attached(attached),
        **_boundary(boundary),
        "Tags": _tags(tags),
    }
    return entry


def group_entry(name: str, *, attached: Any = (), inline: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "Path": "/",
        "GroupName": name,
        "GroupId": "AGPA" + name.upper().replace("-", "")[:12].ljust(12, "X"),
        "Arn": f"arn:aws:iam::{ACCOUNT}:group/{name}",
        "CreateDate": "2024-02-01T09:00:00+00:00",
        "GroupPolicyList": _inline(inline or {}),
        "AttachedManagedPolicies": _attached(attached),
    }


MISSING = object()  # role_entry(last_used=MISSING): the export has no RoleLastUsed at all


def role_entry(name: str, *, trust_policy: Any = SERVICE_TRUST, attached: Any = (),
               inline: dict[str, Any] | None = None, boundary: str | None = None,
               last_used: Any = "default", created: str = "2024-02-01T09:00:00+00:00", path: str = "/",
               tags: dict[str, str] | None = None) -> dict[str, Any]:
    """A RoleDetailList entry. last_used: a timestamp, None (never used: RoleLastUsed {}),
    MISSING (no RoleLastUsed key) or, by default, 3 days before collection."""
    entry: dict[str, Any] = {
        "Path": path,
        "RoleName": name,
        "RoleId": "AROA" + name.upper().replace("-", "")[:12].ljust(12, "X"),
        "Arn": f"arn:aws:iam::{ACCOUNT}:role{path}{name}",
        "CreateDate": created,
        "AssumeRolePolicyDocument": trust_policy,
        "InstanceProfileList": [],
        "RolePolicyList": _inline(inline or {}),
        "AttachedManagedPolicies": _attached(attached),
        **_boundary(boundary),
        "Tags": _tags(tags),
    }
    if last_used == "default":
        last_used = ago(3)
    if last_used is None:
        entry["RoleLastUsed"] = {}
    elif last_used is not MISSING:
        entry["RoleLastUsed"] = {"LastUsedDate": last_used, "Region": "us-east-1"}
    return entry


def list_role_entry(role: dict[str, Any], max_session: int = 3600) -> dict[str, Any]:
    """The list-roles entry of a role_entry (list-roles carries MaxSessionDuration)."""
    keys = ("Path", "RoleName", "RoleId", "Arn", "CreateDate", "AssumeRolePolicyDocument")
    return {**{k: role[k] for k in keys}, "MaxSessionDuration": max_session}


def policy_entry(name: str, document: Any, *, arn: str | None = None, attachment_count: int = 1,
                 boundary_count: int = 0) -> dict[str, Any]:
    """A Policies entry with one (default) version holding `document`."""
    arn = arn or policy_arn(name)
    return {
        "PolicyName": name,
        "PolicyId": "ANPA" + name.upper().replace("-", "")[:12].ljust(12, "X"),
        "Arn": arn,
        "Path": "/",
        "DefaultVersionId": "v1",
        "AttachmentCount": attachment_count,
        "PermissionsBoundaryUsageCount": boundary_count,
        "IsAttachable": True,
        "CreateDate": "2024-02-01T09:00:00+00:00",
        "UpdateDate": "2024-02-01T09:00:00+00:00",
        "PolicyVersionList": [
            {"Document": document, "VersionId": "v1", "IsDefaultVersion": True,
             "CreateDate": "2024-02-01T09:00:00+00:00"},
        ],
    }


ADMIN_POLICY = policy_entry("AdministratorAccess", ADMIN_DOC, arn=ADMIN_ACCESS)
READ_ONLY_POLICY = policy_entry("ReadOnlyAccess", doc(allow(["s3:List*", "ec2:Describe*", "iam:Get*"])),
                                arn=READ_ONLY)
SUPPORT_POLICY = policy_entry("AWSSupportAccess", doc(allow("support:*")), arn=SUPPORT_ACCESS)
CLOUDSHELL_POLICY = policy_entry("AWSCloudShellFullAccess", doc(allow(["cloudshell:*", "s3:PutObject"])),
                                 arn=CLOUDSHELL)


# --------------------------------------------------------------------------------------------
# Other artifacts' entries


def mfa_device(serial_name: str, user_arn: str | None = None) -> dict[str, Any]:
    device: dict[str, Any] = {"SerialNumber": f"arn:aws:iam::{ACCOUNT}:mfa/{serial_name}"}
    if user_arn:
        name = user_arn.rsplit("/", 1)[-1] if "/" in user_arn else ACCOUNT
        device["User"] = {"Path": "/", "UserName": name, "UserId": "AIDAEXAMPLEUSERID", "Arn": user_arn,
                          "CreateDate": "2024-02-01T09:00:00+00:00"}
        device["EnableDate"] = "2024-02-01T09:10:00+00:00"
    return device


def server_certificate(name: str, expiration: str | None) -> dict[str, Any]:
    cert: dict[str, Any] = {
        "Path": "/", "ServerCertificateName": name, "ServerCertificateId": "ASCA" + name.upper()[:12],
        "Arn": f"arn:aws:iam::{ACCOUNT}:server-certificate/{name}", "UploadDate": "2024-06-24T18:02:37+00:00",
    }
    if expiration is not None:
        cert["Expiration"] = expiration
    return cert


def trail_entry(name: str, *, multi_region: bool = True, validation: bool = True, kms: bool = True,
                home: str = "us-east-1") -> dict[str, Any]:
    trail: dict[str, Any] = {
        "Name": name,
        "S3BucketName": f"cloudtrail-logs-{ACCOUNT}",
        "IncludeGlobalServiceEvents": True,
        "IsMultiRegionTrail": multi_region,
        "HomeRegion": home,
        "TrailARN": f"arn:aws:cloudtrail:{home}:{ACCOUNT}:trail/{name}",
        "LogFileValidationEnabled": validation,
        "HasCustomEventSelectors": False,
        "HasInsightSelectors": False,
        "IsOrganizationTrail": False,
    }
    if kms:
        trail["KmsKeyId"] = f"arn:aws:kms:{home}:{ACCOUNT}:key/7c2f4e1a-93b5-4d8e-a6f0-2b1d9c5e8a34"
    return trail


def trail_status(logging: bool = True) -> dict[str, Any]:
    status: dict[str, Any] = {"IsLogging": logging, "LatestDeliveryTime": "2026-10-31T23:57:12+00:00",
                              "StartLoggingTime": "2021-06-01T09:12:44+00:00"}
    if not logging:
        status["StopLoggingTime"] = "2026-10-01T08:00:00+00:00"
    return status


def management_selectors(read_write: str = "All", include: bool = True) -> dict[str, Any]:
    return {"EventSelectors": [{"ReadWriteType": read_write, "IncludeManagementEvents": include,
                                "DataResources": [], "ExcludeManagementEventSources": []}]}


def analyzer(region: str, *, name: str = "account-analyzer", status: str = "ACTIVE",
             type_: str = "ACCOUNT") -> dict[str, Any]:
    return {"arn": f"arn:aws:access-analyzer:{region}:{ACCOUNT}:analyzer/{name}", "createdAt": "2024-03-02T10:41:18+00:00",
            "name": name, "status": status, "type": type_}


def finding(finding_id: str, resource: str, *, status: str = "ACTIVE",
            principal: dict[str, str] | None = None) -> dict[str, Any]:
    return {"id": finding_id, "principal": principal or {"AWS": OTHER_ACCOUNT}, "action": ["sts:AssumeRole"],
            "resource": resource, "isPublic": False, "resourceType": "AWS::IAM::Role", "condition": {},
            "createdAt": "2025-01-22T10:41:07+00:00", "analyzedAt": "2026-10-30T05:22:47+00:00",
            "updatedAt": "2025-01-22T10:41:07+00:00", "status": status, "resourceOwnerAccount": ACCOUNT}


def organization(*, master: str = "999988887777", feature_set: str = "ALL") -> dict[str, Any]:
    return {"Id": "o-7k2m9xq4rb", "Arn": f"arn:aws:organizations::{master}:organization/o-7k2m9xq4rb",
            "FeatureSet": feature_set, "MasterAccountArn": f"arn:aws:organizations::{master}:account/o-7k2m9xq4rb/{master}",
            "MasterAccountId": master, "MasterAccountEmail": "aws-management@example.com",
            "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]}


FULL_AWS_ACCESS = {"Id": "p-FullAWSAccess", "Arn": "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
                   "Name": "FullAWSAccess", "Description": "Allows access to every operation",
                   "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": True}


def scp(name: str) -> dict[str, Any]:
    return {"Id": "p-4x9k2m7q", "Arn": f"arn:aws:organizations::999988887777:policy/o-7k2m9xq4rb/service_control_policy/p-{name.lower()}",
            "Name": name, "Description": name, "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": False}


def org_account(account_id: str, name: str = "member") -> dict[str, Any]:
    return {"Id": account_id, "Arn": f"arn:aws:organizations::999988887777:account/o-7k2m9xq4rb/{account_id}",
            "Email": f"{name}@example.com", "Name": name, "Status": "ACTIVE", "JoinedMethod": "CREATED",
            "JoinedTimestamp": "2021-06-01T09:00:00+00:00"}


DEFAULT_SUMMARY = {
    "AccessKeysPerUserQuota": 2, "AccountAccessKeysPresent": 0, "AccountMFAEnabled": 1, "AccountPasswordPresent": 1,
    "AccountSigningCertificatesPresent": 0, "Groups": 1, "MFADevices": 1, "MFADevicesInUse": 1, "Policies": 1,
    "Roles": 1, "ServerCertificates": 0, "Users": 1,
}


# --------------------------------------------------------------------------------------------
# The builder


def _dump(data: Any) -> str:
    return json.dumps(data, indent=4)


def make_evidence(
    tmp_path: Path,
    *,
    credential_rows: list[dict[str, str]] | CliError | None = None,
    users: list[dict[str, Any]] | None = None,
    groups: list[dict[str, Any]] | None = None,
    roles: list[dict[str, Any]] | None = None,
    policies: list[dict[str, Any]] | None = None,
    authorization: CliError | None = None,
    password_policy: dict[str, Any] | CliError | None = None,
    summary: dict[str, Any] | CliError | None = None,
    mfa_devices: list[dict[str, Any]] | CliError | None = None,
    trails: list[dict[str, Any]] | CliError | None = None,
    trail_status: dict[str, dict[str, Any] | CliError] | None = None,
    event_selectors: dict[str, dict[str, Any] | CliError] | None = None,
    regions: list[str | dict[str, Any]] | CliError | None = None,
    analyzers: dict[str, list[dict[str, Any]] | CliError] | None = None,
    findings: dict[str, list[dict[str, Any]] | CliError] | None = None,
    org: dict[str, Any] | CliError | None = None,
    scps: list[dict[str, Any]] | CliError | None = None,
    accounts: list[dict[str, Any]] | CliError | None = None,
    saml: list[dict[str, Any]] | CliError | None = None,
    oidc: list[dict[str, Any]] | CliError | None = None,
    sso: list[dict[str, Any]] | CliError | None = None,
    list_roles: list[dict[str, Any]] | CliError | None = None,
    server_certs: list[dict[str, Any]] | CliError | None = None,
    account_id: str = ACCOUNT,
    collected_at: str = COLLECTED_AT,
) -> Evidence:
    """Write AWS-CLI-shaped exports for the arguments given and import them as Evidence.

    `password_policy`: the PasswordPolicy object, or NO_POLICY (the CLI's NoSuchEntity error).
    `org`: the Organization object, or NOT_IN_ORG. Any artifact can be a CliError (e.g.
    ACCESS_DENIED), which writes the text the CLI prints for that failed call. The authorization
    details file is written when any of users/groups/roles/policies is given (missing lists
    are written empty), or as an error with `authorization=ACCESS_DENIED`.
    """
    folder = tmp_path / "exports"
    if folder.exists():  # a second evidence in the same test: keep both apart
        index = 2
        while (tmp_path / f"exports{index}").exists():
            index += 1
        folder = tmp_path / f"exports{index}"
    folder.mkdir(parents=True)

    def write(name: str, artifact: str, data: Any) -> None:
        if isinstance(data, CliError):
            text = cli_error_text(data, artifact)
        elif isinstance(data, str):
            text = data
        else:
            text = _dump(data)
        (folder / name).write_text(text, encoding="utf-8")

    if credential_rows is not None:
        content = credential_rows if isinstance(credential_rows, CliError) else credential_csv(credential_rows)
        write("credential-report.csv", "credential_report", content)
    if authorization is not None:
        write("get-account-authorization-details.json", "authorization_details", authorization)
    elif any(v is not None for v in (users, groups, roles, policies)):
        write("get-account-authorization-details.json", "authorization_details", {
            "UserDetailList": users or [], "GroupDetailList": groups or [], "RoleDetailList": roles or [],
            "Policies": policies or [], "IsTruncated": False,
        })
    if list_roles is not None:
        write("list-roles.json", "roles", list_roles if isinstance(list_roles, CliError) else {"Roles": list_roles})
    if password_policy is not None:
        write("get-account-password-policy.json", "password_policy",
              password_policy if isinstance(password_policy, CliError) else {"PasswordPolicy": password_policy})
    if summary is not None:
        write("get-account-summary.json", "account_summary",
              summary if isinstance(summary, CliError) else {"SummaryMap": {**DEFAULT_SUMMARY, **summary}})
    simple_lists = (
        (mfa_devices, "list-virtual-mfa-devices.json", "virtual_mfa_devices", "VirtualMFADevices"),
        (server_certs, "list-server-certificates.json", "server_certificates", "ServerCertificateMetadataList"),
        (saml, "list-saml-providers.json", "saml_providers", "SAMLProviderList"),
        (oidc, "list-open-id-connect-providers.json", "oidc_providers", "OpenIDConnectProviderList"),
        (sso, "list-instances.json", "identity_center_instances", "Instances"),
        (trails, "describe-trails.json", "trails", "trailList"),
        (scps, "list-policies.SERVICE_CONTROL_POLICY.json", "organization_scps", "Policies"),
        (accounts, "list-accounts.json", "organization_accounts", "Accounts"),
    )
    for value, name, artifact, field in simple_lists:
        if value is not None:
            write(name, artifact, value if isinstance(value, CliError) else {field: value})
    if regions is not None:
        if isinstance(regions, CliError):
            write("describe-regions.json", "regions", regions)
        else:
            entries = [r if isinstance(r, dict) else
                       {"Endpoint": f"ec2.{r}.amazonaws.com", "RegionName": r, "OptInStatus": "opt-in-not-required"}
                       for r in regions]
            write("describe-regions.json", "regions", {"Regions": entries})
    for name, status in (trail_status or {}).items():
        write(f"get-trail-status.{name}.json", "trail_status", status)
    trail_arns = {t["Name"]: t["TrailARN"] for t in (trails if isinstance(trails, list) else [])}
    for name, selectors in (event_selectors or {}).items():
        if isinstance(selectors, CliError):
            write(f"get-event-selectors.{name}.json", "event_selectors", selectors)
        else:
            arn = trail_arns.get(name, f"arn:aws:cloudtrail:us-east-1:{account_id}:trail/{name}")
            write(f"get-event-selectors.{name}.json", "event_selectors", {"TrailARN": arn, **selectors})
    for region, items in (analyzers or {}).items():
        write(f"list-analyzers.{region}.json", "access_analyzers", items if isinstance(items, CliError)
              else {"analyzers": items})
    for region, items in (findings or {}).items():
        write(f"list-findings.{region}.json", "access_analyzer_findings", items if isinstance(items, CliError)
              else {"findings": items})
    if org is not None:
        write("describe-organization.json", "organization", org if isinstance(org, CliError) else {"Organization": org})
    moment = datetime.fromisoformat(collected_at.replace("Z", "+00:00"))
    return from_import(build_evidence(folder, account_id=account_id, collected_at=moment), "synthetic")


# --------------------------------------------------------------------------------------------
# Running checks


def result(evidence: Evidence, check_id: str, settings: Settings | None = None) -> CheckResult:
    load_all()
    return run_check(REGISTRY[check_id], evidence, settings or Settings())


def only(check_result: CheckResult) -> ResourceResult:
    """The single resource result of a check (fails the test if there are several)."""
    assert len(check_result.resources) == 1, check_result.resources
    return check_result.resources[0]


def resource(check_result: CheckResult, fragment: str) -> ResourceResult:
    """The resource result whose id contains `fragment` (exactly one must)."""
    found = [r for r in check_result.resources if fragment in r.resource_id]
    assert len(found) == 1, f"{fragment!r} matched {[r.resource_id for r in found] or 'nothing'} in " \
                            f"{[r.resource_id for r in check_result.resources]}"
    return found[0]


def with_threshold(**values: int) -> Settings:
    return Settings().with_overrides(values)


def user_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:user/{name}"


def role_arn(name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{ACCOUNT}:role{path}{name}"


def group_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:group/{name}"
