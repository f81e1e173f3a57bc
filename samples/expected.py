"""Reference verdicts for the sample exports, computed from the export files themselves (stdlib only).

This is a deliberately small, literal reading of docs/check-ids.md, so a reader can see *why* each
resource is expected to fail. The rules it applies are listed in RULES and in the README. It is not the
tool: where the tool is allowed to differ (scope of AWS managed policies, conditions), the README says so.

    python samples/expected.py            # print the expected failures per check
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import sys
from datetime import datetime, timedelta
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

KEY_MAX_AGE_DAYS = 90
UNUSED_DAYS = 45
ROLE_UNUSED_DAYS = 90
ROOT_RECENT_DAYS = 90
SESSION_MAX_SECONDS = 3600
KEY_SETUP_WINDOW = timedelta(seconds=300)

SHARED_TOKENS = {"admin", "administrator", "root", "shared", "share", "test", "testing", "ops", "generic",
                 "common", "team", "guest", "temp", "demo", "default"}
SERVICE_WILDCARDS = ("iam", "sts", "kms", "s3", "ec2", "lambda", "organizations")
EXFILTRATION = ("s3:GetObject", "secretsmanager:GetSecretValue", "ssm:GetParameter", "ssm:GetParameters",
                "ssm:GetParametersByPath", "kms:Decrypt")
CREDENTIAL_EXPOSURE = ("iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile",
                       "iam:UpdateAccessKey", "iam:CreateServiceSpecificCredential",
                       "iam:ResetServiceSpecificCredential", "sts:GetFederationToken", "ecr:GetAuthorizationToken",
                       "redshift:GetClusterCredentials", "lightsail:GetInstanceAccessDetails")
RESOURCE_EXPOSURE = ("s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketAcl", "s3:PutObjectAcl",
                     "kms:PutKeyPolicy", "kms:CreateGrant", "lambda:AddPermission", "sqs:AddPermission",
                     "sqs:SetQueueAttributes", "sns:AddPermission", "sns:SetTopicAttributes",
                     "secretsmanager:PutResourcePolicy", "ecr:SetRepositoryPolicy", "iam:UpdateAssumeRolePolicy",
                     "glacier:SetVaultAccessPolicy", "backup:PutBackupVaultAccessPolicy", "logs:PutResourcePolicy",
                     "events:PutPermission")
CLOUDTRAIL_TAMPERING = ("cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail",
                        "cloudtrail:PutEventSelectors")
IAM_DELEGATION = ("iam:CreateUser", "iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy",
                  "iam:PutUserPolicy", "iam:AttachUserPolicy", "iam:PutGroupPolicy", "iam:AttachGroupPolicy",
                  "iam:AddUserToGroup", "iam:CreateAccessKey", "iam:CreateLoginProfile",
                  "iam:UpdateAssumeRolePolicy", "iam:CreatePolicyVersion")
ESCALATION: dict[str, tuple[str, ...]] = {
    "CreateNewPolicyVersion": ("iam:CreatePolicyVersion",),
    "SetExistingDefaultPolicyVersion": ("iam:SetDefaultPolicyVersion",),
    "CreateAccessKey": ("iam:CreateAccessKey",),
    "CreateLoginProfile": ("iam:CreateLoginProfile",),
    "UpdateLoginProfile": ("iam:UpdateLoginProfile",),
    "AttachUserPolicy": ("iam:AttachUserPolicy",),
    "AttachGroupPolicy": ("iam:AttachGroupPolicy",),
    "AttachRolePolicy": ("iam:AttachRolePolicy",),
    "PutUserPolicy": ("iam:PutUserPolicy",),
    "PutGroupPolicy": ("iam:PutGroupPolicy",),
    "PutRolePolicy": ("iam:PutRolePolicy",),
    "AddUserToGroup": ("iam:AddUserToGroup",),
    "UpdateRolePolicyToAssumeIt": ("iam:UpdateAssumeRolePolicy", "sts:AssumeRole"),
    "PassRoleToNewLambdaThenInvoke": ("iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"),
    "PassRoleToNewLambdaWithEventSource": ("iam:PassRole", "lambda:CreateFunction",
                                           "lambda:CreateEventSourceMapping"),
    "EditExistingLambdaFunctionWithRole": ("lambda:UpdateFunctionCode",),
    "PassRoleToNewEC2": ("iam:PassRole", "ec2:RunInstances"),
    "PassRoleToCloudFormation": ("iam:PassRole", "cloudformation:CreateStack"),
    "PassRoleToNewGlueDevEndpoint": ("iam:PassRole", "glue:CreateDevEndpoint"),
    "UpdateExistingGlueDevEndpoint": ("glue:UpdateDevEndpoint",),
    "PassRoleToDataPipeline": ("iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"),
    "PassRoleToCodeStar": ("iam:PassRole", "codestar:CreateProject"),
}

RULES = [
    "Times are measured from the credential report's GeneratedTime (2026-11-02T05:58:41Z).",
    "Policy content is the default version of each managed policy plus inline policies; other versions "
    "are history and grant nothing.",
    "A permission counts only if an Allow statement without a Condition grants it on Resource \"*\" "
    "(wildcards in Action and NotAction honoured), no Deny statement without a Condition denies it on "
    "\"*\", and, when the principal has a permissions boundary, the boundary grants it the same way.",
    "Users get their own policies plus those of their groups. Groups are assessed on their own policies.",
    "Per-policy checks (policy_allows_*, customer_policy_*, inline_policy_*) cover customer managed "
    "policies and inline policies. AWS managed policies are judged through the principals they are "
    "attached to; `also_aws_managed` lists the AWS managed policies that would match if a tool scanned them.",
    "A policy used only as a permissions boundary grants nothing: it is out of scope of the per-policy "
    "permission checks and it is not 'unused'.",
    "principal_can_escalate_privileges and iam_delegation_without_permissions_boundary skip full "
    "administrators (nothing to escalate to; reported by principal_has_admin_access). The delegation check "
    "looks at users and roles only (groups cannot carry a boundary).",
    "Cross-account trust means an AWS principal of another account id; the organization's management "
    "account is not exempt.",
]


# --------------------------------------------------------------------------------------------------
# reading

def load(folder: Path, name: str) -> Any:
    path = folder / name
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def parse_time(value: str | None) -> datetime | None:
    if not value or value in {"N/A", "no_information", "not_supported"}:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def credential_rows(folder: Path) -> tuple[datetime, list[dict[str, str]]]:
    data = load(folder, "credential-report.json")
    text = base64.b64decode(data["Content"]).decode("utf-8")
    generated = parse_time(data["GeneratedTime"])
    assert generated is not None
    return generated, list(csv.DictReader(io.StringIO(text)))


# --------------------------------------------------------------------------------------------------
# a literal policy reading (see RULES)

def _matches(action: str, patterns: Any) -> bool:
    return any(fnmatchcase(action.lower(), str(p).lower()) for p in as_list(patterns))


def _statements(document: Any) -> list[dict[str, Any]]:
    if not isinstance(document, dict):
        return []
    return [s for s in as_list(document.get("Statement")) if isinstance(s, dict)]


def _on_everything(stmt: dict[str, Any]) -> bool:
    return "Resource" in stmt and "*" in as_list(stmt["Resource"])


def _grants(stmt: dict[str, Any], action: str) -> bool:
    if "Action" in stmt:
        return _matches(action, stmt["Action"])
    if "NotAction" in stmt:
        return not _matches(action, stmt["NotAction"])
    return False


def allowed(documents: list[Any], action: str) -> bool:
    statements = [s for d in documents for s in _statements(d)]
    unconditional = [s for s in statements if "Condition" not in s and _on_everything(s)]
    grant = any(s.get("Effect") == "Allow" and _grants(s, action) for s in unconditional)
    denial = any(s.get("Effect") == "Deny" and _grants(s, action) for s in unconditional)
    return grant and not denial


def full_admin(documents: list[Any]) -> bool:
    statements = [s for d in documents for s in _statements(d)]
    unconditional = [s for s in statements if "Condition" not in s and _on_everything(s)]
    grant = any(s.get("Effect") == "Allow" and {"*", "*:*"} & set(map(str, as_list(s.get("Action"))))
                for s in unconditional)
    return grant and not any(s.get("Effect") == "Deny" for s in unconditional)


class Model:
    def __init__(self, authz: dict[str, Any]) -> None:
        self.policies: dict[str, dict[str, Any]] = {p["Arn"]: p for p in authz["Policies"]}
        self.users = authz["UserDetailList"]
        self.groups = {g["GroupName"]: g for g in authz["GroupDetailList"]}
        self.roles = authz["RoleDetailList"]

    def default_document(self, arn: str) -> Any:
        policy = self.policies.get(arn)
        if policy is None:
            return None
        for version in policy["PolicyVersionList"]:
            if version["IsDefaultVersion"]:
                return version["Document"]
        return None

    def own_documents(self, entry: dict[str, Any], inline_key: str) -> list[Any]:
        docs = [self.default_document(a["PolicyArn"]) for a in as_list(entry.get("AttachedManagedPolicies"))]
        docs += [p["PolicyDocument"] for p in as_list(entry.get(inline_key))]
        return [d for d in docs if d is not None]

    def principals(self) -> list[tuple[str, dict[str, Any], list[Any], list[Any] | None]]:
        """(kind, entry, identity documents, boundary documents or None)."""
        out: list[tuple[str, dict[str, Any], list[Any], list[Any] | None]] = []
        for user in self.users:
            docs = self.own_documents(user, "UserPolicyList")
            for name in user.get("GroupList", []):
                docs += self.own_documents(self.groups[name], "GroupPolicyList")
            out.append(("user", user, docs, self.boundary(user)))
        for group in self.groups.values():
            out.append(("group", group, self.own_documents(group, "GroupPolicyList"), None))
        for role in self.roles:
            out.append(("role", role, self.own_documents(role, "RolePolicyList"), self.boundary(role)))
        return out

    def boundary(self, entry: dict[str, Any]) -> list[Any] | None:
        arn = (entry.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        return [self.default_document(arn)] if arn else None

    def in_scope_policies(self) -> list[tuple[str, Any, bool]]:
        """(resource id, document, is AWS managed) for every per-policy check candidate."""
        out = []
        for arn, policy in self.policies.items():
            boundary_only = policy.get("AttachmentCount", 0) == 0 and policy.get("PermissionsBoundaryUsageCount", 0) > 0
            if boundary_only:
                continue
            out.append((arn, self.default_document(arn), ":aws:policy/" in arn))
        for entries, key in ((self.users, "UserPolicyList"),
                             (list(self.groups.values()), "GroupPolicyList"),
                             (self.roles, "RolePolicyList")):
            for entry in entries:
                for item in as_list(entry.get(key)):
                    out.append((f"{entry['Arn']}#inline/{item['PolicyName']}", item["PolicyDocument"], False))
        return out


def effective(identity: list[Any], boundary: list[Any] | None, action: str) -> bool:
    return allowed(identity, action) and (boundary is None or allowed(boundary, action))


# --------------------------------------------------------------------------------------------------
# the checks

def evaluate(folder: Path) -> dict[str, Any]:
    generated, rows = credential_rows(folder)
    authz = load(folder, "authorization-details.json")
    model = Model(authz)
    account = next(r for r in rows if r["user"] == "<root_account>")["arn"].split(":")[4]
    fails: dict[str, list[str]] = {}
    errors: dict[str, list[str]] = {}
    passes: dict[str, int] = {}
    aws_managed: dict[str, list[str]] = {}

    def verdict(check: str, resource: str, failed: bool) -> None:
        fails.setdefault(check, [])
        if failed:
            fails[check].append(resource)
        else:
            passes[check] = passes.get(check, 0) + 1

    def age(value: str | None) -> float | None:
        moment = parse_time(value)
        return None if moment is None else (generated - moment).total_seconds() / 86400

    # root
    root = next(r for r in rows if r["user"] == "<root_account>")
    root_id = root["arn"]
    virtual = load(folder, "mfa-devices.json")["VirtualMFADevices"]
    root_virtual = any((d.get("User") or {}).get("Arn") == root_id for d in virtual)
    verdict("root_has_active_access_keys", root_id,
            "true" in (root["access_key_1_active"].lower(), root["access_key_2_active"].lower()))
    verdict("root_without_mfa", root_id, root["mfa_active"].lower() != "true")
    verdict("root_without_hardware_mfa", root_id, root["mfa_active"].lower() != "true" or root_virtual)
    recent = [a for a in (age(root["password_last_used"]), age(root["access_key_1_last_used_date"]),
                          age(root["access_key_2_last_used_date"])) if a is not None]
    verdict("root_used_recently", root_id, any(a < ROOT_RECENT_DAYS for a in recent))
    verdict("root_has_active_signing_certificates", root_id,
            "true" in (root["cert_1_active"].lower(), root["cert_2_active"].lower()))

    # users (credential report)
    for row in rows:
        if row["user"] == "<root_account>":
            continue
        arn = row["arn"]
        console = row["password_enabled"].lower() == "true"
        mfa = row["mfa_active"].lower() == "true"
        created = parse_time(row["user_creation_time"])
        keys = []
        for n in (1, 2):
            if row[f"access_key_{n}_active"].lower() == "true":
                keys.append((n, row[f"access_key_{n}_last_rotated"], row[f"access_key_{n}_last_used_date"]))
        if console:
            verdict("user_console_without_mfa", arn, not mfa)
            used = row["password_last_used"]
            reference = used if parse_time(used) else row["user_creation_time"]
            verdict("user_password_unused", arn, (age(reference) or 0) >= UNUSED_DAYS)
            verdict("console_user_has_access_keys", arn, bool(keys))
        else:
            verdict("workload_uses_iam_user", arn, bool(keys))
        verdict("user_without_mfa", arn, not mfa)
        verdict("user_has_multiple_active_keys", arn, len(keys) > 1)
        verdict("user_has_active_signing_certificates", arn,
                "true" in (row["cert_1_active"].lower(), row["cert_2_active"].lower()))
        tokens = set(re.split(r"[^a-z]+", row["user"].lower()))
        verdict("user_appears_shared", arn, bool(tokens & SHARED_TOKENS))
        for n, rotated, used in keys:
            key_id = f"{arn}#access_key_{n}"
            verdict("access_key_not_rotated", key_id, (age(rotated) or 0) > KEY_MAX_AGE_DAYS)
            verdict("access_key_unused", key_id, (age(used if parse_time(used) else rotated) or 0) >= UNUSED_DAYS)
            at_setup = created is not None and parse_time(rotated) is not None and \
                abs(parse_time(rotated) - created) <= KEY_SETUP_WINDOW and not parse_time(used)  # type: ignore[operator]
            verdict("access_key_created_at_user_setup", key_id, at_setup)

    # users (authorization details)
    for user in model.users:
        verdict("user_has_attached_policies", user["Arn"], bool(as_list(user.get("AttachedManagedPolicies"))))
        verdict("user_has_inline_policies", user["Arn"], bool(as_list(user.get("UserPolicyList"))))
        verdict("user_not_in_group", user["Arn"], not user.get("GroupList"))

    # password policy
    policy = (load(folder, "password-policy.json") or {}).get("PasswordPolicy")
    verdict("password_policy_not_configured", account, policy is None)
    policy = policy or {}
    verdict("password_min_length_too_short", account, policy.get("MinimumPasswordLength", 0) < 14)
    verdict("password_reuse_prevention_too_low", account, policy.get("PasswordReusePrevention", 0) < 24)
    verdict("password_uppercase_not_required", account, not policy.get("RequireUppercaseCharacters"))
    verdict("password_lowercase_not_required", account, not policy.get("RequireLowercaseCharacters"))
    verdict("password_symbols_not_required", account, not policy.get("RequireSymbols"))
    verdict("password_numbers_not_required", account, not policy.get("RequireNumbers"))
    verdict("password_expiry_too_long", account,
            not policy.get("ExpirePasswords") or policy.get("MaxPasswordAge", 10**6) > 90)
    verdict("password_change_by_users_not_allowed", account, not policy.get("AllowUsersToChangePassword"))

    # per-policy checks
    attached_anywhere: set[str] = set()
    for _kind, entry, _docs, _boundary in model.principals():
        for a in as_list(entry.get("AttachedManagedPolicies")):
            attached_anywhere.add(a["PolicyArn"])
    for resource, document, is_aws in model.in_scope_policies():
        if ":aws:policy/" in resource and resource not in attached_anywhere:
            continue
        statements = _statements(document)
        results = {
            "policy_allows_notaction": any(s.get("Effect") == "Allow" and "NotAction" in s for s in statements),
            "policy_allows_passrole_to_any_role": allowed([document], "iam:PassRole"),
            "policy_allows_assume_any_role": allowed([document], "sts:AssumeRole"),
            "policy_allows_kms_decrypt_on_all_keys": allowed([document], "kms:Decrypt")
            or allowed([document], "kms:ReEncryptFrom"),
            "policy_allows_cloudtrail_tampering": any(allowed([document], a) for a in CLOUDTRAIL_TAMPERING),
            "policy_allows_service_wildcard": any(
                s.get("Effect") == "Allow" and any(str(a).lower() in {f"{svc}:*" for svc in SERVICE_WILDCARDS}
                                                   for a in as_list(s.get("Action")))
                for s in statements),
        }
        if "#inline/" in resource:
            results["inline_policy_allows_full_admin"] = full_admin([document])
        elif not is_aws:
            results["customer_policy_allows_full_admin"] = full_admin([document])
        for check, failed in results.items():
            if is_aws:
                if failed:
                    aws_managed.setdefault(check, []).append(resource)
                continue
            verdict(check, resource, failed)
    for arn, p in model.policies.items():
        if ":aws:policy/" in arn:
            continue
        verdict("customer_policy_unused", arn,
                p.get("AttachmentCount", 0) == 0 and p.get("PermissionsBoundaryUsageCount", 0) == 0)

    # principal checks
    cloudshell = "arn:aws:iam::aws:policy/AWSCloudShellFullAccess"
    support = "arn:aws:iam::aws:policy/AWSSupportAccess"
    admins: set[str] = set()
    support_holders = []
    for kind, entry, docs, boundary in model.principals():
        arn = entry["Arn"]
        is_admin = full_admin(docs) and (boundary is None or full_admin(boundary))
        if is_admin:
            admins.add(arn)
        verdict("principal_has_admin_access", arn, is_admin)
        if not is_admin:  # a full administrator has nothing left to escalate to
            methods = [m for m, a in ESCALATION.items() if all(effective(docs, boundary, x) for x in a)]
            verdict("principal_can_escalate_privileges", arn, bool(methods))
        verdict("principal_can_exfiltrate_data", arn, any(effective(docs, boundary, a) for a in EXFILTRATION))
        verdict("principal_can_expose_credentials", arn,
                any(effective(docs, boundary, a) for a in CREDENTIAL_EXPOSURE))
        verdict("principal_can_modify_resource_policies", arn,
                any(effective(docs, boundary, a) for a in RESOURCE_EXPOSURE))
        direct = {a["PolicyArn"] for a in as_list(entry.get("AttachedManagedPolicies"))}
        verdict("cloudshell_full_access_attached", arn, cloudshell in direct)
        if support in direct:
            support_holders.append(arn)
        if kind in ("user", "role") and not is_admin:
            delegates = any(effective(docs, boundary, a) for a in IAM_DELEGATION)
            verdict("iam_delegation_without_permissions_boundary", arn, delegates and boundary is None)

    # roles
    sessions = {r["Arn"]: r.get("MaxSessionDuration") for r in (load(folder, "roles.json") or {}).get("Roles", [])}
    break_glass = []
    for role in model.roles:
        arn = role["Arn"]
        statements = [s for s in _statements(role["AssumeRolePolicyDocument"]) if s.get("Effect") == "Allow"]
        any_principal = cross = oidc_no_sub = iam_trusted_no_mfa = False
        for s in statements:
            principal = s.get("Principal")
            condition = json.dumps(s.get("Condition", {}))
            aws = as_list(principal.get("AWS")) if isinstance(principal, dict) else [principal]
            if "*" in aws and not s.get("Condition"):
                any_principal = True
            for p in aws:
                match = re.match(r"(?:arn:aws[a-z-]*:iam::)?(\d{12})", str(p))
                if match and match.group(1) != account and "sts:ExternalId" not in condition:
                    cross = True
            if aws and "aws:MultiFactorAuthPresent" not in condition:
                iam_trusted_no_mfa = True
            federated = as_list(principal.get("Federated")) if isinstance(principal, dict) else []
            if any(":oidc-provider/" in str(f) for f in federated) and not re.search(r':sub"', condition):
                oidc_no_sub = True
        verdict("role_trust_allows_any_principal", arn, any_principal)
        verdict("role_trust_cross_account_without_external_id", arn, cross)
        verdict("role_oidc_trust_without_subject_condition", arn, oidc_no_sub)
        last = parse_time((role.get("RoleLastUsed") or {}).get("LastUsedDate")) or parse_time(role["CreateDate"])
        verdict("role_unused", arn, (generated - last).days >= ROLE_UNUSED_DAYS)  # type: ignore[operator]
        if arn in admins:
            verdict("privileged_role_trust_without_mfa", arn, iam_trusted_no_mfa)
            if arn in sessions:
                verdict("privileged_role_session_too_long", arn, (sessions[arn] or 3600) > SESSION_MAX_SECONDS)
            else:
                errors.setdefault("privileged_role_session_too_long", []).append(arn)
        tags = {t["Key"].lower(): t["Value"].lower() for t in as_list(role.get("Tags"))}
        if "break-glass" in tags.get("purpose", "") or "breakglass" in role["RoleName"].lower():
            break_glass.append(arn)
    verdict("break_glass_role_missing", account, not break_glass)
    verdict("support_role_missing", account, not support_holders)

    # groups
    members: dict[str, int] = {}
    for user in model.users:
        for g in user.get("GroupList", []):
            members[g] = members.get(g, 0) + 1
    for name, group in model.groups.items():
        verdict("group_empty", group["Arn"], members.get(name, 0) == 0)
        verdict("group_has_inline_policies", group["Arn"], bool(as_list(group.get("GroupPolicyList"))))

    # account, federation, monitoring
    saml = (load(folder, "saml-providers.json") or {}).get("SAMLProviderList", [])
    oidc = (load(folder, "oidc-providers.json") or {}).get("OpenIDConnectProviderList", [])
    sso = (load(folder, "sso-instances.json") or {}).get("Instances", [])
    verdict("federation_not_configured", account, not (saml or oidc or sso))
    for device in virtual:
        verdict("virtual_mfa_device_unassigned", device["SerialNumber"], "User" not in device)
    for cert in load(folder, "server-certificates.json")["ServerCertificateMetadataList"]:
        verdict("server_certificate_expired", cert["Arn"], parse_time(cert["Expiration"]) < generated)  # type: ignore[operator]
    for region in (r["RegionName"] for r in load(folder, "regions.json")["Regions"]):
        listing = load(folder, f"access-analyzer-{region}.json")
        if listing is None:
            errors.setdefault("access_analyzer_not_enabled", []).append(region)
            errors.setdefault("access_analyzer_has_active_findings", []).append(region)
            continue
        active = [a for a in listing["analyzers"] if a.get("status") == "ACTIVE"]
        verdict("access_analyzer_not_enabled", region, not active)
        if active:
            findings = load(folder, f"access-analyzer-findings-{region}.json")
            if findings is None:
                errors.setdefault("access_analyzer_has_active_findings", []).append(region)
                continue
            for f in findings["findings"]:
                verdict("access_analyzer_has_active_findings", f["resource"], f["status"] == "ACTIVE")
    trails = load(folder, "trails.json")["trailList"]
    logging_multi = []
    for trail in trails:
        status = load(folder, f"trail-status-{trail['Name']}.json") or {}
        if trail.get("IsMultiRegionTrail") and status.get("IsLogging"):
            logging_multi.append(trail["TrailARN"])
        verdict("cloudtrail_log_validation_disabled", trail["TrailARN"], not trail.get("LogFileValidationEnabled"))
        verdict("cloudtrail_not_encrypted_with_kms", trail["TrailARN"], not trail.get("KmsKeyId"))
    verdict("cloudtrail_multi_region_not_logging", account, not logging_multi)
    org = load(folder, "organization.json")
    if org:
        scps = load(folder, "scps.json")["Policies"]
        verdict("organization_scps_missing", account, not [p for p in scps if p["Name"] != "FullAWSAccess"])

    checks = {}
    for check in sorted(set(fails) | set(errors)):
        failed = sorted(set(fails.get(check, [])))
        errored = sorted(set(errors.get(check, [])))
        status = "FAIL" if failed else "ERROR" if errored else "PASS" if passes.get(check) else "NOT_APPLICABLE"
        entry: dict[str, Any] = {"status": status, "fail": failed}
        if errored:
            entry["error"] = errored
        entry["pass_count"] = passes.get(check, 0)
        if aws_managed.get(check):
            entry["also_aws_managed"] = sorted(set(aws_managed[check]))
        checks[check] = entry
    return {"account_id": account, "measured_from": generated.isoformat(), "rules": RULES, "checks": checks}


# --------------------------------------------------------------------------------------------------
# README

START, END = "<!-- expected-findings:start -->", "<!-- expected-findings:end -->"


def short(resource: str) -> str:
    """ARNs of this account shortened for the table: user/x, role/x, policy/x, group/x."""
    resource = re.sub(r"^arn:aws:iam::\d{12}:(?:(user|role|group|policy|mfa|server-certificate)/(?:.*/)?)?",
                      lambda m: f"{m.group(1)}/" if m.group(1) else "", resource)
    resource = re.sub(r"^arn:aws:iam::aws:policy/(?:.*/)?", "aws-policy/", resource)
    return re.sub(r"^arn:aws:(cloudtrail|s3):[^/]*[:/]+", "", resource)


def write_readme(results: dict[str, Any], readme: Path, planted: dict[str, str]) -> None:
    lines = [START, "", "| check id | expected | resources expected to FAIL (or ERROR) | why |", "|---|---|---|---|"]
    for check, entry in results["checks"].items():
        listed = ", ".join(f"`{short(r)}`" for r in entry["fail"]) or "—"
        if entry.get("error"):
            listed += " · ERROR: " + ", ".join(f"`{short(r)}`" for r in entry["error"])
        why = planted.get(check, "")
        if entry.get("also_aws_managed"):
            extra = ", ".join(f"`{short(r)}`" for r in entry["also_aws_managed"])
            why = (why + " " if why else "") + f"(AWS managed, if scanned: {extra})"
        lines.append(f"| `{check}` | {entry['status']} | {listed} | {why} |")
    lines += ["", END]
    text = readme.read_text(encoding="utf-8")
    before, _, rest = text.partition(START)
    _, _, after = rest.partition(END)
    readme.write_text(before + "\n".join(lines) + after, encoding="utf-8")


if __name__ == "__main__":
    out = evaluate(Path(__file__).resolve().parent / "exports")
    for check_id, item in out["checks"].items():
        print(f"{item['status']:<15} {check_id}: {', '.join(short(r) for r in item['fail'])}")
    sys.exit(0)
