"""What `collect` calls, declared as data: one Step per artifact (reusing ArtifactSpec).

The runner (run.py, org.py) executes these steps; `compliance-kit policy` prints the IAM policy they need.
Nothing here imports boto3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..evidence.artifacts import BY_NAME, ArtifactSpec

# How a step is executed:
#   call      one API call (auto-paginated when the operation paginates), its output is the file
#   report    GenerateCredentialReport / GetCredentialReport with polling; the file is the decoded CSV
#   per_trail one call per trail listed by DescribeTrails (key = trail name)
#   per_region one call per region (key = region)
#   findings  ListFindings for the first active external-access analyzer of each region
KINDS = ("call", "report", "per_trail", "per_region", "findings")


@dataclass(frozen=True)
class Step:
    artifact: str  # ArtifactSpec name: file name, API call, permissions, CLI command
    service: str  # boto3 client name
    operation: str  # API operation (CamelCase, as in IAM actions and botocore models)
    kind: str = "call"
    params: tuple[tuple[str, Any], ...] = ()
    page_size: int | None = None  # largest page the API allows: fewer requests, same merged output
    scope: str = "home"  # "home": the home region; "region": once per collected region
    extra_actions: tuple[str, ...] = field(default=())  # actions beyond the artifact's permissions

    def __post_init__(self) -> None:
        if self.artifact not in BY_NAME:
            raise ValueError(f"unknown artifact {self.artifact}")
        if self.kind not in KINDS:
            raise ValueError(f"unknown step kind {self.kind}")

    @property
    def spec(self) -> ArtifactSpec:
        return BY_NAME[self.artifact]

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.spec.permissions, *self.extra_actions)))

    @property
    def kwargs(self) -> dict[str, Any]:
        return {name: (list(value) if isinstance(value, tuple) else value) for name, value in self.params}

    @property
    def label(self) -> str:
        return self.spec.filename.replace(".{key}", "").rsplit(".", 1)[0]


IAM_PAGE = 1000  # MaxItems: IAM's largest page
ORG_PAGE = 20  # MaxResults: Organizations' largest page

ACCOUNT_STEPS: tuple[Step, ...] = (
    Step("regions", "ec2", "DescribeRegions"),
    Step("authorization_details", "iam", "GetAccountAuthorizationDetails", page_size=IAM_PAGE),
    Step("credential_report", "iam", "GetCredentialReport", kind="report"),
    Step("roles", "iam", "ListRoles", page_size=IAM_PAGE),
    Step("password_policy", "iam", "GetAccountPasswordPolicy"),
    Step("account_summary", "iam", "GetAccountSummary"),
    Step("virtual_mfa_devices", "iam", "ListVirtualMFADevices", page_size=IAM_PAGE),
    Step("server_certificates", "iam", "ListServerCertificates", page_size=IAM_PAGE),
    Step("saml_providers", "iam", "ListSAMLProviders"),
    Step("oidc_providers", "iam", "ListOpenIDConnectProviders"),
    Step("identity_center_instances", "sso-admin", "ListInstances", page_size=100),
    Step("trails", "cloudtrail", "DescribeTrails", params=(("includeShadowTrails", True),)),
    Step("trail_status", "cloudtrail", "GetTrailStatus", kind="per_trail"),
    Step("event_selectors", "cloudtrail", "GetEventSelectors", kind="per_trail"),
    Step("access_analyzers", "accessanalyzer", "ListAnalyzers", kind="per_region", scope="region"),
    Step("access_analyzer_findings", "accessanalyzer", "ListFindings", kind="findings", scope="region",
         params=(("filter", {"status": {"eq": ["ACTIVE"]}}),)),
    Step("organization", "organizations", "DescribeOrganization"),
    Step("organization_scps", "organizations", "ListPolicies", page_size=ORG_PAGE,
         params=(("Filter", "SERVICE_CONTROL_POLICY"),)),
)

ORGANIZATION_STEPS: tuple[Step, ...] = (
    Step("organization", "organizations", "DescribeOrganization"),
    Step("organization_accounts", "organizations", "ListAccounts", page_size=ORG_PAGE),
    Step("organization_scps", "organizations", "ListPolicies", page_size=ORG_PAGE,
         params=(("Filter", "SERVICE_CONTROL_POLICY"),)),
)

# Called outside the artifact steps: who am I (account id, caller ARN).
IDENTITY_ACTIONS: tuple[str, ...] = ("sts:GetCallerIdentity",)

BY_ARTIFACT: dict[str, Step] = {s.artifact: s for s in ACCOUNT_STEPS}
ORG_BY_ARTIFACT: dict[str, Step] = {s.artifact: s for s in ORGANIZATION_STEPS}

READ_ONLY_PREFIXES = ("List", "Get", "Describe", "Generate")


def required_actions() -> list[str]:
    """Every IAM action the collector calls with the audited credentials (sorted, unique)."""
    actions: set[str] = set(IDENTITY_ACTIONS)
    for step in (*ACCOUNT_STEPS, *ORGANIZATION_STEPS):
        actions.update(step.actions)
    return sorted(actions)


def policy_document() -> dict[str, Any]:
    """The minimal read-only identity policy for the audit role (or user) that `collect` runs as."""
    actions = required_actions()
    bad = [a for a in actions if not a.split(":", 1)[1].startswith(READ_ONLY_PREFIXES)]
    if bad:  # a plan edit must not quietly turn the audit policy into a write policy
        raise ValueError(f"not read-only: {bad}")
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ComplianceKitCollectReadOnly",
                "Effect": "Allow",
                "Action": actions,
                "Resource": "*",
            }
        ],
    }
