"""The evidence-directory contract: every artifact, its file name, API call, CLI command and permission.

Declared as data so that `evidence import`, `collect`, the README table and `compliance-kit policy`
all read the same list.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ArtifactSpec:
    name: str
    filename: str
    api_call: str
    permissions: tuple[str, ...]
    cli: str
    description: str
    key: str | None = None  # "trail" or "region" for artifacts saved once per trail / region

    def file_for(self, key: str | None) -> str:
        if self.key is None:
            return self.filename
        if not key:
            raise ValueError(f"{self.name} needs a {self.key}")
        return self.filename.replace("{key}", key)


ARTIFACTS: tuple[ArtifactSpec, ...] = (
    ArtifactSpec(
        "credential_report", "credential-report.csv", "iam:GetCredentialReport",
        ("iam:GenerateCredentialReport", "iam:GetCredentialReport"),
        "aws iam generate-credential-report && aws iam get-credential-report > credential-report.json",
        "IAM credential report (the decoded CSV; GeneratedTime kept in the manifest)",
    ),
    ArtifactSpec(
        "authorization_details", "get-account-authorization-details.json",
        "iam:GetAccountAuthorizationDetails", ("iam:GetAccountAuthorizationDetails",),
        "aws iam get-account-authorization-details > get-account-authorization-details.json",
        "users, groups, roles, managed policies with all versions, inline policies, trust policies",
    ),
    ArtifactSpec(
        "roles", "list-roles.json", "iam:ListRoles", ("iam:ListRoles",),
        "aws iam list-roles > list-roles.json",
        "roles with MaxSessionDuration (not part of the authorization details)",
    ),
    ArtifactSpec(
        "password_policy", "get-account-password-policy.json", "iam:GetAccountPasswordPolicy",
        ("iam:GetAccountPasswordPolicy",),
        "aws iam get-account-password-policy > get-account-password-policy.json 2>&1",
        "account password policy (NoSuchEntity = not configured)",
    ),
    ArtifactSpec(
        "account_summary", "get-account-summary.json", "iam:GetAccountSummary",
        ("iam:GetAccountSummary",),
        "aws iam get-account-summary > get-account-summary.json",
        "IAM entity counts, root MFA and root key presence",
    ),
    ArtifactSpec(
        "virtual_mfa_devices", "list-virtual-mfa-devices.json", "iam:ListVirtualMFADevices",
        ("iam:ListVirtualMFADevices",),
        "aws iam list-virtual-mfa-devices > list-virtual-mfa-devices.json",
        "virtual MFA devices and the user each is assigned to",
    ),
    ArtifactSpec(
        "server_certificates", "list-server-certificates.json", "iam:ListServerCertificates",
        ("iam:ListServerCertificates",),
        "aws iam list-server-certificates > list-server-certificates.json",
        "IAM server certificates and their expiry",
    ),
    ArtifactSpec(
        "saml_providers", "list-saml-providers.json", "iam:ListSAMLProviders",
        ("iam:ListSAMLProviders",),
        "aws iam list-saml-providers > list-saml-providers.json",
        "SAML identity providers (federation)",
    ),
    ArtifactSpec(
        "oidc_providers", "list-open-id-connect-providers.json", "iam:ListOpenIDConnectProviders",
        ("iam:ListOpenIDConnectProviders",),
        "aws iam list-open-id-connect-providers > list-open-id-connect-providers.json",
        "OIDC identity providers (federation, CI/CD)",
    ),
    ArtifactSpec(
        "identity_center_instances", "list-instances.json", "sso-admin:ListInstances",
        ("sso:ListInstances",),
        "aws sso-admin list-instances > list-instances.json",
        "IAM Identity Center instances",
    ),
    ArtifactSpec(
        "regions", "describe-regions.json", "ec2:DescribeRegions", ("ec2:DescribeRegions",),
        "aws ec2 describe-regions > describe-regions.json",
        "regions enabled for the account",
    ),
    ArtifactSpec(
        "trails", "describe-trails.json", "cloudtrail:DescribeTrails", ("cloudtrail:DescribeTrails",),
        "aws cloudtrail describe-trails > describe-trails.json",
        "CloudTrail trails (including organization and shadow trails)",
    ),
    ArtifactSpec(
        "trail_status", "get-trail-status.{key}.json", "cloudtrail:GetTrailStatus",
        ("cloudtrail:GetTrailStatus",),
        "aws cloudtrail get-trail-status --name TRAIL > get-trail-status.TRAIL.json",
        "whether each trail is logging", key="trail",
    ),
    ArtifactSpec(
        "event_selectors", "get-event-selectors.{key}.json", "cloudtrail:GetEventSelectors",
        ("cloudtrail:GetEventSelectors",),
        "aws cloudtrail get-event-selectors --trail-name TRAIL > get-event-selectors.TRAIL.json",
        "which events each trail records", key="trail",
    ),
    ArtifactSpec(
        "access_analyzers", "list-analyzers.{key}.json", "access-analyzer:ListAnalyzers",
        ("access-analyzer:ListAnalyzers",),
        "aws accessanalyzer list-analyzers --region REGION > list-analyzers.REGION.json",
        "IAM Access Analyzer analyzers, per region", key="region",
    ),
    ArtifactSpec(
        "access_analyzer_findings", "list-findings.{key}.json", "access-analyzer:ListFindings",
        ("access-analyzer:ListFindings",),
        "aws accessanalyzer list-findings --analyzer-arn ARN --region REGION > list-findings.REGION.json",
        "active Access Analyzer findings, per region", key="region",
    ),
    ArtifactSpec(
        "organization", "describe-organization.json", "organizations:DescribeOrganization",
        ("organizations:DescribeOrganization",),
        "aws organizations describe-organization > describe-organization.json 2>&1",
        "the organization the account belongs to (AWSOrganizationsNotInUseException = not in one)",
    ),
    ArtifactSpec(
        "organization_scps", "list-policies.SERVICE_CONTROL_POLICY.json", "organizations:ListPolicies",
        ("organizations:ListPolicies",),
        "aws organizations list-policies --filter SERVICE_CONTROL_POLICY > list-policies.SERVICE_CONTROL_POLICY.json",
        "service control policies of the organization",
    ),
    ArtifactSpec(
        "organization_accounts", "list-accounts.json", "organizations:ListAccounts",
        ("organizations:ListAccounts",),
        "aws organizations list-accounts > list-accounts.json",
        "member accounts of the organization",
    ),
)

BY_NAME: dict[str, ArtifactSpec] = {a.name: a for a in ARTIFACTS}


def spec(name: str) -> ArtifactSpec:
    return BY_NAME[name]
