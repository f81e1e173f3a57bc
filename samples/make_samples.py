"""Write the Northwind Health Analytics sample exports (deterministic; stdlib only).

    python samples/make_samples.py            # rewrites samples/exports/, expected-findings.json, README.md

The account is fictional (210987654321). Every file under exports/ is exactly what the named AWS CLI
command prints (JSON, 4-space indent). The expected verdicts are computed by `expected.py` from the
same model, so the README table and expected-findings.json never drift from the data.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
EXPORTS = HERE / "exports"

ACCOUNT = "210987654321"
MGMT_ACCOUNT = "111111111111"
PARTNER_ACCOUNT = "444455556666"
VENDOR_ACCOUNT = "777788889999"
ORG_ID = "o-7k2m9xq4rb"
HOME_REGION = "us-east-1"
REGIONS = ("eu-west-1", "us-east-1", "us-east-2", "us-west-2")  # describe-regions order
COLLECTED = datetime(2026, 11, 2, 6, 0, 0, tzinfo=UTC)
REPORT_GENERATED = datetime(2026, 11, 2, 5, 58, 41, tzinfo=UTC)
PASSWORD_MAX_AGE_DAYS = 90

ARN = f"arn:aws:iam::{ACCOUNT}"
SAML_ARN = f"{ARN}:saml-provider/Okta"
OIDC_ARN = f"{ARN}:oidc-provider/token.actions.githubusercontent.com"
TRAIL_NAME = "org-audit-trail"
TRAIL_ARN = f"arn:aws:cloudtrail:{HOME_REGION}:{ACCOUNT}:trail/{TRAIL_NAME}"
TRAIL_KMS_KEY = f"arn:aws:kms:{HOME_REGION}:{ACCOUNT}:key/7c2f4e1a-93b5-4d8e-a6f0-2b1d9c5e8a34"
DATA_KMS_KEY = f"arn:aws:kms:{HOME_REGION}:{ACCOUNT}:key/0b5d8e2f-41c7-4a96-9e3d-6f2a8c1b7d40"
ANALYZER_ARN = f"arn:aws:access-analyzer:{HOME_REGION}:{ACCOUNT}:analyzer/nwha-account-analyzer"
EXTERNAL_ID = "nwha-7f3c9a2e-obsrv"

CSV_HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,"
    "cert_2_active,cert_2_last_rotated"
)


# --------------------------------------------------------------------------------------------------
# small helpers

def t(text: str) -> datetime:
    """'2026-10-31 14:22:05' -> aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def iso(moment: datetime | None) -> str:
    """AWS CLI v2 style: 2026-10-31T14:22:05+00:00."""
    assert moment is not None
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def iso_ms(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


_SEEN_IDS: set[str] = set()


def aws_id(prefix: str, name: str) -> str:
    """A stable, unique, AWS-looking unique id: 4-letter prefix + 17 base32 characters."""
    digest = hashlib.sha256(f"northwind:{prefix}:{name}".encode()).digest()
    value = prefix + base64.b32encode(digest).decode("ascii")[:17]
    assert value not in _SEEN_IDS, value
    _SEEN_IDS.add(value)
    return value


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(actions: str | list[str], resources: str | list[str] = "*", sid: str | None = None,
          condition: dict[str, Any] | None = None) -> dict[str, Any]:
    stmt: dict[str, Any] = {}
    if sid:
        stmt["Sid"] = sid
    stmt["Effect"] = "Allow"
    stmt["Action"] = actions
    stmt["Resource"] = resources
    if condition:
        stmt["Condition"] = condition
    return stmt


def deny(actions: str | list[str], resources: str | list[str] = "*", sid: str | None = None,
         condition: dict[str, Any] | None = None) -> dict[str, Any]:
    stmt = allow(actions, resources, sid, condition)
    stmt["Effect"] = "Deny"
    return stmt


def write_json(name: str, data: Any) -> None:
    # The AWS CLI prints json.dumps(indent=4, ensure_ascii=False) followed by a newline.
    (EXPORTS / name).write_text(json.dumps(data, indent=4, ensure_ascii=False) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------------------------------
# AWS managed policies that are attached somewhere in the account (abbreviated where AWS's are huge)

@dataclass
class ManagedPolicy:
    name: str
    arn: str
    policy_id: str
    path: str
    created: datetime
    versions: list[tuple[str, datetime, dict[str, Any]]]  # (version id, created, document); last = default
    description: str | None = None
    attachable: bool = True
    aws: bool = True
    default: str | None = None  # version id of the default (defaults to the last one)

    @property
    def default_version(self) -> str:
        return self.default or self.versions[-1][0]

    @property
    def default_document(self) -> dict[str, Any]:
        return next(d for v, _, d in self.versions if v == self.default_version)

    @property
    def updated(self) -> datetime:
        return max(c for _, c, _ in self.versions)


def aws_policy(name: str, policy_id: str, path: str, created: str, version: str, updated: str,
               document: dict[str, Any], attachable: bool = True) -> ManagedPolicy:
    return ManagedPolicy(name, f"arn:aws:iam::aws:policy{path}{name}", policy_id, path, t(created),
                         [(version, t(updated), document)], attachable=attachable)


# Policy ids marked "real" were checked against published listings; the others are synthetic
# (AWS publishes no list of them), generated with the same shape.
AWS_POLICIES: dict[str, ManagedPolicy] = {p.name: p for p in (
    aws_policy("AdministratorAccess", "ANPAIWMBCKSKIEE64ZLYK", "/",  # real
               "2015-02-06 18:39:46", "v1", "2015-02-06 18:39:46", doc(allow("*", "*"))),
    aws_policy("ReadOnlyAccess", "ANPAILL3HVNFSB6DCOWYQ", "/",  # real id; document abbreviated
               "2015-02-06 18:39:48", "v124", "2026-08-27 17:42:10", doc({
                   "Sid": "ReadOnlyActions", "Effect": "Allow", "Action": [
                       "access-analyzer:Get*", "access-analyzer:List*", "acm:Describe*", "acm:Get*",
                       "acm:List*", "apigateway:GET", "athena:Batch*", "athena:Get*", "athena:List*",
                       "autoscaling:Describe*", "backup:Describe*", "backup:Get*", "backup:List*",
                       "cloudformation:Describe*", "cloudformation:Get*", "cloudformation:List*",
                       "cloudfront:Get*", "cloudfront:List*", "cloudtrail:Describe*", "cloudtrail:Get*",
                       "cloudtrail:List*", "cloudtrail:LookupEvents", "cloudwatch:Describe*",
                       "cloudwatch:Get*", "cloudwatch:List*", "codebuild:BatchGet*", "codebuild:List*",
                       "dynamodb:BatchGet*", "dynamodb:Describe*", "dynamodb:Get*", "dynamodb:List*",
                       "dynamodb:Query", "dynamodb:Scan", "ec2:Describe*", "ec2:Get*", "ecr:BatchCheck*",
                       "ecr:BatchGet*", "ecr:Describe*", "ecr:Get*", "ecr:List*", "ecs:Describe*",
                       "ecs:List*", "elasticloadbalancing:Describe*", "events:Describe*", "events:List*",
                       "glue:BatchGet*", "glue:Get*", "glue:List*", "guardduty:Get*", "guardduty:List*",
                       "iam:Generate*", "iam:Get*", "iam:List*", "iam:Simulate*", "kms:Describe*",
                       "kms:Get*", "kms:List*", "lambda:Get*", "lambda:List*", "logs:Describe*",
                       "logs:FilterLogEvents", "logs:Get*", "logs:List*", "logs:StartQuery",
                       "organizations:Describe*", "organizations:List*", "rds:Describe*", "rds:List*",
                       "route53:Get*", "route53:List*", "s3:DescribeJob", "s3:Get*", "s3:List*",
                       "sagemaker:Describe*", "sagemaker:List*", "secretsmanager:Describe*",
                       "secretsmanager:GetResourcePolicy", "secretsmanager:List*", "securityhub:Describe*",
                       "securityhub:Get*", "securityhub:List*", "sns:Get*", "sns:List*", "sqs:Get*",
                       "sqs:List*", "ssm:Describe*", "ssm:Get*", "ssm:List*", "sts:GetCallerIdentity",
                       "support:Describe*", "tag:Get*", "xray:BatchGet*", "xray:Get*",
                   ], "Resource": "*"})),
    aws_policy("PowerUserAccess", "ANPAJYRXTHIB4FOVS3ZXS", "/",  # real
               "2015-02-06 18:39:47", "v5", "2023-07-06 22:04:00", doc(
                   {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"],
                    "Resource": "*"},
                   {"Effect": "Allow", "Action": [
                       "account:GetAccountInformation", "account:GetPrimaryEmail", "account:ListRegions",
                       "iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole", "iam:ListRoles",
                       "organizations:DescribeOrganization",
                   ], "Resource": "*"})),
    aws_policy("SecurityAudit", "ANPAIX2T3QCXHR2OGGCTO", "/",  # real id; document abbreviated
               "2015-02-06 18:41:01", "v47", "2026-06-18 19:05:27", doc({
                   "Sid": "BaseSecurityAuditStatement", "Effect": "Allow", "Action": [
                       "access-analyzer:GetAnalyzer", "access-analyzer:ListAnalyzers",
                       "access-analyzer:ListFindings", "acm:Describe*", "acm:List*",
                       "cloudtrail:DescribeTrails", "cloudtrail:GetEventSelectors",
                       "cloudtrail:GetTrailStatus", "cloudtrail:ListTags", "cloudtrail:LookupEvents",
                       "config:Describe*", "config:Get*", "config:List*", "ec2:Describe*",
                       "ec2:GetEbsEncryptionByDefault", "ecr:DescribeRepositories", "ecr:GetRepositoryPolicy",
                       "guardduty:Get*", "guardduty:List*", "iam:GenerateCredentialReport",
                       "iam:GenerateServiceLastAccessedDetails", "iam:Get*", "iam:List*",
                       "iam:SimulateCustomPolicy", "iam:SimulatePrincipalPolicy", "kms:Describe*",
                       "kms:Get*", "kms:List*", "lambda:GetFunctionConfiguration", "lambda:GetPolicy",
                       "lambda:ListFunctions", "logs:Describe*", "organizations:Describe*",
                       "organizations:List*", "rds:Describe*", "s3:GetAccountPublicAccessBlock",
                       "s3:GetBucketAcl", "s3:GetBucketLocation", "s3:GetBucketLogging",
                       "s3:GetBucketPolicy", "s3:GetBucketPolicyStatus", "s3:GetBucketPublicAccessBlock",
                       "s3:GetBucketVersioning", "s3:GetEncryptionConfiguration", "s3:ListAllMyBuckets",
                       "secretsmanager:DescribeSecret", "secretsmanager:ListSecrets",
                       "securityhub:Describe*", "securityhub:Get*", "securityhub:List*",
                       "sns:GetTopicAttributes", "sns:ListTopics", "sqs:GetQueueAttributes",
                       "sqs:ListQueues", "ssm:DescribeParameters", "ssm:ListDocuments",
                   ], "Resource": "*"})),
    aws_policy("ViewOnlyAccess", "ANPAID22R6XPJATWOFDK6", "/job-function/",  # real id; abbreviated
               "2016-11-10 17:20:15", "v23", "2025-09-02 16:11:52", doc({
                   "Sid": "ViewOnlyActions", "Effect": "Allow", "Action": [
                       "acm:ListCertificates", "athena:List*", "autoscaling:Describe*",
                       "cloudformation:DescribeStacks", "cloudformation:ListStacks",
                       "cloudfront:ListDistributions", "cloudtrail:DescribeTrails",
                       "cloudtrail:LookupEvents", "cloudwatch:DescribeAlarms", "cloudwatch:ListMetrics",
                       "dynamodb:DescribeTable", "dynamodb:ListTables", "ec2:DescribeInstances",
                       "ec2:DescribeRegions", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets",
                       "ec2:DescribeVpcs", "ecs:DescribeClusters", "ecs:ListClusters", "ecs:ListServices",
                       "iam:GetAccountSummary", "iam:ListGroups", "iam:ListRoles", "iam:ListUsers",
                       "lambda:ListFunctions", "logs:DescribeLogGroups", "rds:DescribeDBInstances",
                       "route53:ListHostedZones", "s3:ListAllMyBuckets", "s3:ListBucket",
                       "s3:GetBucketLocation", "sns:ListTopics", "sqs:ListQueues", "tag:GetResources",
                   ], "Resource": "*"})),
    aws_policy("AWSSupportAccess", "ANPAJSNKQX2OW67GF4S7E", "/",  # real
               "2015-02-06 18:41:11", "v1", "2015-02-06 18:41:11",
               doc({"Effect": "Allow", "Action": ["support:*"], "Resource": "*"})),
    aws_policy("AmazonS3ReadOnlyAccess", "ANPAIZTJ4DXE7G6AGAE6M", "/",  # real
               "2015-02-06 18:40:59", "v3", "2023-08-10 21:31:39",
               doc({"Effect": "Allow", "Action": ["s3:Get*", "s3:List*", "s3:Describe*",
                                                  "s3-object-lambda:Get*", "s3-object-lambda:List*"],
                    "Resource": "*"})),
    aws_policy("AWSCloudShellFullAccess", "ANPAZKAPJZG4AJ6XPBCQ4", "/",  # synthetic id
               "2020-12-15 16:32:11", "v1", "2020-12-15 16:32:11",
               doc({"Action": ["cloudshell:*"], "Effect": "Allow", "Resource": "*"})),
    aws_policy("AWSGlueServiceRole", "ANPAIRUJCPEBPMEZFAS32", "/service-role/",  # synthetic id; abbreviated
               "2017-08-14 13:37:39", "v6", "2024-01-16 18:22:04", doc(
                   {"Effect": "Allow", "Action": [
                       "glue:*", "s3:GetBucketLocation", "s3:ListBucket", "s3:ListAllMyBuckets",
                       "s3:GetBucketAcl", "ec2:DescribeVpcEndpoints", "ec2:DescribeRouteTables",
                       "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface",
                       "ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets",
                       "ec2:DescribeVpcAttribute", "iam:ListRolePolicies", "iam:GetRole",
                       "iam:GetRolePolicy", "cloudwatch:PutMetricData"], "Resource": ["*"]},
                   {"Effect": "Allow", "Action": ["s3:CreateBucket"], "Resource": ["arn:aws:s3:::aws-glue-*"]},
                   {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                    "Resource": ["arn:aws:s3:::aws-glue-*/*", "arn:aws:s3:::*/*aws-glue-*/*"]},
                   {"Effect": "Allow", "Action": ["s3:GetObject"],
                    "Resource": ["arn:aws:s3:::crawler-public*", "arn:aws:s3:::aws-glue-*"]},
                   {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream",
                                                  "logs:PutLogEvents"],
                    "Resource": ["arn:aws:logs:*:*:*:/aws-glue/*"]},
               )),
    aws_policy("AWSLambdaBasicExecutionRole", "ANPAJNCQGXC42545SKXIK", "/service-role/",  # real
               "2015-04-09 15:03:43", "v1", "2015-04-09 15:03:43",
               doc({"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream",
                                                  "logs:PutLogEvents"], "Resource": "*"})),
    aws_policy("AmazonECSTaskExecutionRolePolicy", "ANPAJG4T4G4PV56DE72PY", "/service-role/",  # synthetic
               "2017-11-16 18:48:22", "v1", "2017-11-16 18:48:22",
               doc({"Effect": "Allow", "Action": [
                   "ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability",
                   "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage", "logs:CreateLogStream",
                   "logs:PutLogEvents"], "Resource": "*"})),
    aws_policy("AmazonSSMManagedInstanceCore", "ANPAIXSHM2BNB2D3AXXRU", "/",  # synthetic id
               "2019-03-15 17:22:12", "v3", "2023-05-17 19:08:53", doc(
                   {"Effect": "Allow", "Action": [
                       "ssm:DescribeAssociation", "ssm:GetDeployablePatchSnapshotForInstance",
                       "ssm:GetDocument", "ssm:DescribeDocument", "ssm:GetManifest", "ssm:GetParameter",
                       "ssm:GetParameters", "ssm:ListAssociations", "ssm:ListInstanceAssociations",
                       "ssm:PutInventory", "ssm:PutComplianceItems", "ssm:PutConfigurePackageResult",
                       "ssm:UpdateAssociationStatus", "ssm:UpdateInstanceAssociationStatus",
                       "ssm:UpdateInstanceInformation"], "Resource": "*"},
                   {"Effect": "Allow", "Action": [
                       "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                       "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"], "Resource": "*"},
                   {"Effect": "Allow", "Action": [
                       "ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage",
                       "ec2messages:FailMessage", "ec2messages:GetEndpoint", "ec2messages:GetMessages",
                       "ec2messages:SendReply"], "Resource": "*"})),
    aws_policy("AWSSupportServiceRolePolicy", "ANPAJ7W6266ELXF5MISDS", "/aws-service-role/",  # real id
               "2018-04-19 18:04:44", "v40", "2025-07-29 20:14:36", doc(
                   {"Sid": "AWSSupportServiceRolePermissions", "Effect": "Allow", "Action": [
                       "acm:DescribeCertificate", "acm:ListCertificates", "autoscaling:Describe*",
                       "cloudformation:DescribeStack*", "cloudformation:ListStack*",
                       "cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudwatch:Describe*",
                       "cloudwatch:GetMetricData", "cloudwatch:ListMetrics", "dynamodb:DescribeTable",
                       "dynamodb:ListTables", "ec2:Describe*", "ecs:Describe*", "ecs:List*",
                       "elasticloadbalancing:Describe*", "iam:GetAccountSummary", "iam:ListRoles",
                       "lambda:GetFunctionConfiguration", "lambda:ListFunctions", "rds:Describe*",
                       "s3:GetBucketLocation", "s3:GetBucketPolicyStatus", "s3:ListAllMyBuckets",
                       "sqs:GetQueueAttributes", "sqs:ListQueues"], "Resource": "*"},
               ), attachable=False),
    aws_policy("AWSTrustedAdvisorServiceRolePolicy", "ANPAJH4QJ2WMHBOB47BUE",  # real id
               "/aws-service-role/", "2018-02-22 21:24:25", "v14", "2025-03-11 17:02:46", doc(
                   {"Sid": "TrustedAdvisorServiceRolePermissions", "Effect": "Allow", "Action": [
                       "autoscaling:Describe*", "cloudformation:DescribeStacks", "cloudfront:ListDistributions",
                       "cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "dynamodb:DescribeTable",
                       "dynamodb:ListTables", "ec2:Describe*", "ecr:DescribeImages",
                       "elasticloadbalancing:Describe*", "iam:GenerateCredentialReport",
                       "iam:GetAccountPasswordPolicy", "iam:GetAccountSummary", "iam:GetCredentialReport",
                       "iam:GetServerCertificate", "iam:ListServerCertificates", "kms:DescribeKey",
                       "kms:GetKeyRotationStatus", "kms:ListKeys", "lambda:ListFunctions",
                       "rds:Describe*", "route53:ListHostedZones", "s3:GetBucketAcl",
                       "s3:GetBucketLocation", "s3:GetBucketLogging", "s3:GetBucketPolicy",
                       "s3:GetBucketPolicyStatus", "s3:GetBucketVersioning", "s3:ListAllMyBuckets"],
                    "Resource": "*"},
               ), attachable=False),
    aws_policy("AWSOrganizationsServiceTrustPolicy", "ANPAIQH6ROMVVECFVRJPK",  # real id
               "/aws-service-role/", "2017-10-10 23:04:07", "v2", "2017-11-01 06:01:18", doc(
                   {"Sid": "AllowDeletionOfServiceLinkedRoleForOrganizations", "Effect": "Allow",
                    "Action": ["iam:DeleteRole"],
                    "Resource": ["arn:aws:iam::*:role/aws-service-role/organizations.amazonaws.com/*"]},
                   {"Sid": "AllowCreationOfServiceLinkedRoles", "Effect": "Allow",
                    "Action": ["iam:CreateServiceLinkedRole"], "Resource": "*"},
               ), attachable=False),
)}


# --------------------------------------------------------------------------------------------------
# customer managed policies

def customer_policy(name: str, created: str, versions: list[tuple[str, dict[str, Any]]],
                    description: str | None = None, path: str = "/", default: str | None = None
                    ) -> ManagedPolicy:
    out = []
    for i, (when, document) in enumerate(versions, start=1):
        out.append((f"v{i}", t(when), document))
    return ManagedPolicy(name, f"{ARN}:policy{path}{name}", aws_id("ANPA", name), path, t(created), out,
                         description=description, aws=False, default=default)


DEV_V3 = doc(
    allow(["lambda:CreateFunction", "lambda:InvokeFunction", "lambda:UpdateFunctionCode",
           "lambda:UpdateFunctionConfiguration", "lambda:GetFunction", "lambda:ListFunctions",
           "lambda:DeleteFunction", "lambda:PublishVersion", "lambda:CreateAlias", "lambda:UpdateAlias"],
          "*", sid="LambdaDevelopment"),
    allow("iam:PassRole", "*", sid="PassRolesToServices"),
    allow(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
           "dynamodb:Query", "dynamodb:Scan"], f"arn:aws:dynamodb:*:{ACCOUNT}:table/dev-*", sid="DevTables"),
    allow("ecr:GetAuthorizationToken", "*", sid="EcrLogin"),
    allow(["ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
           "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
          f"arn:aws:ecr:*:{ACCOUNT}:repository/dev/*", sid="PushDevImages"),
    allow(["logs:GetLogEvents", "logs:FilterLogEvents", "logs:StartQuery", "logs:GetQueryResults"],
          "*", sid="ReadLogs"),
)

CUSTOMER_POLICIES: dict[str, ManagedPolicy] = {p.name: p for p in (
    customer_policy("DeveloperAccess", "2022-01-05 10:12:40", [
        ("2022-01-05 10:12:40", doc(
            allow(["lambda:GetFunction", "lambda:ListFunctions", "lambda:UpdateFunctionCode"],
                  f"arn:aws:lambda:*:{ACCOUNT}:function:dev-*", sid="LambdaDevelopment"),
            allow(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
                  f"arn:aws:dynamodb:*:{ACCOUNT}:table/dev-*", sid="DevTables"),
        )),
        ("2023-07-18 15:40:02", doc(
            allow(["lambda:CreateFunction", "lambda:GetFunction", "lambda:ListFunctions",
                   "lambda:UpdateFunctionCode", "lambda:InvokeFunction"],
                  f"arn:aws:lambda:*:{ACCOUNT}:function:dev-*", sid="LambdaDevelopment"),
            allow("iam:PassRole", f"{ARN}:role/dev-lambda-*", sid="PassDevLambdaRoles",
                  condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}),
            allow(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan"],
                  f"arn:aws:dynamodb:*:{ACCOUNT}:table/dev-*", sid="DevTables"),
        )),
        ("2025-11-20 09:03:17", DEV_V3),
    ], description="Day-to-day developer permissions (Lambda, DynamoDB dev tables, ECR dev repos)"),
    customer_policy("OpsFullAccess", "2019-07-22 11:20:31", [
        ("2019-07-22 11:20:31", doc(allow("*", "*", sid="OpsEverything"))),
    ], description="Operations on-call: full access (legacy, predates AWS job-function policies)"),
    customer_policy("DataLakeReadWrite", "2021-05-20 13:05:55", [
        ("2021-05-20 13:05:55", doc(
            allow(["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
                  ["arn:aws:s3:::nwha-datalake-raw", "arn:aws:s3:::nwha-datalake-raw/*"], sid="RawZone"),
        )),
        ("2024-03-11 09:48:26", doc(
            allow(["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
                  ["arn:aws:s3:::nwha-datalake-raw", "arn:aws:s3:::nwha-datalake-raw/*",
                   "arn:aws:s3:::nwha-datalake-curated", "arn:aws:s3:::nwha-datalake-curated/*"],
                  sid="DataLakeBuckets"),
            allow(["glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables",
                   "glue:GetPartitions", "glue:CreateTable", "glue:UpdateTable", "glue:BatchCreatePartition"],
                  [f"arn:aws:glue:*:{ACCOUNT}:catalog", f"arn:aws:glue:*:{ACCOUNT}:database/datalake_*",
                   f"arn:aws:glue:*:{ACCOUNT}:table/datalake_*/*"], sid="GlueCatalog"),
            allow(["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults",
                   "athena:StopQueryExecution"], f"arn:aws:athena:*:{ACCOUNT}:workgroup/datalake",
                  sid="AthenaWorkgroup"),
            allow(["kms:Decrypt", "kms:GenerateDataKey"], DATA_KMS_KEY, sid="DataLakeKey"),
        )),
    ], description="Read/write the raw and curated data lake zones"),
    customer_policy("NorthwindWorkloadBoundary", "2023-02-14 16:30:00", [
        ("2023-02-14 16:30:00", doc(
            allow(["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetBucketLocation",
                   "dynamodb:*", "sqs:*", "sns:Publish", "logs:*", "cloudwatch:PutMetricData",
                   "glue:Get*", "glue:BatchGet*", "glue:CreateTable", "glue:UpdateTable",
                   "glue:BatchCreatePartition", "glue:CreatePartition", "athena:*",
                   "xray:PutTraceSegments", "xray:PutTelemetryRecords", "ec2:Describe*",
                   "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "iam:GetRole",
                   "iam:GetRolePolicy", "iam:ListRolePolicies"], "*", sid="AllowWorkloadServices"),
            allow("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:*:{ACCOUNT}:secret:prod/*",
                  sid="AllowProdSecrets"),
            allow(["kms:Decrypt", "kms:GenerateDataKey"], "*", sid="AllowKmsViaServices",
                  condition={"StringLike": {"kms:ViaService": [
                      "s3.*.amazonaws.com", "secretsmanager.*.amazonaws.com", "dynamodb.*.amazonaws.com",
                      "sqs.*.amazonaws.com"]}}),
            deny(["iam:Create*", "iam:Put*", "iam:Attach*", "iam:Detach*", "iam:Update*", "iam:Delete*",
                  "iam:PassRole", "organizations:*", "account:*", "cloudtrail:StopLogging",
                  "cloudtrail:DeleteTrail"], "*", sid="DenyIdentityOrgAndAuditChanges"),
        )),
    ], description="Permissions boundary for workload roles"),
    customer_policy("CIDeployPolicy", "2024-09-03 12:00:41", [
        ("2024-09-03 12:00:41", doc(allow("*", "*", sid="BootstrapTemporary"))),
        ("2024-09-10 08:27:19", doc(
            allow("ecr:GetAuthorizationToken", "*", sid="EcrLogin"),
            allow(["ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
                   "ecr:CompleteLayerUpload", "ecr:PutImage"], f"arn:aws:ecr:*:{ACCOUNT}:repository/app/*",
                  sid="PushAppImages"),
            allow(["ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition", "ecs:DescribeServices",
                   "ecs:UpdateService"], "*", sid="DeployEcsServices"),
            allow("iam:PassRole", [f"{ARN}:role/ecs-task-*", f"{ARN}:role/ecsTaskExecutionRole"],
                  sid="PassEcsTaskRoles",
                  condition={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}),
            allow(["s3:PutObject", "s3:GetObject"], "arn:aws:s3:::nwha-deploy-artifacts/*", sid="Artifacts"),
        )),
    ], description="GitHub Actions deployments of the ECS services"),
    customer_policy("TerraformIamManagement", "2024-11-18 10:14:37", [
        ("2024-11-18 10:14:37", doc(
            allow(["iam:Get*", "iam:List*"], "*", sid="ReadIam"),
        )),
        ("2025-02-03 15:51:09", doc(
            allow(["iam:Get*", "iam:List*"], "*", sid="ReadIam"),
            allow(["iam:CreateRole", "iam:DeleteRole", "iam:TagRole", "iam:UpdateRole",
                   "iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy",
                   "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:CreatePolicy", "iam:CreatePolicyVersion",
                   "iam:DeletePolicyVersion", "iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile"],
                  "*", sid="ManageWorkloadRoles"),
        )),
    ], description="Terraform manages workload roles (no iam:PermissionsBoundary condition yet)"),
    customer_policy("StaticSiteDeploy", "2022-08-30 14:15:09", [
        ("2022-08-30 14:15:09", doc(
            allow(["s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
                  ["arn:aws:s3:::nwha-www", "arn:aws:s3:::nwha-www/*"], sid="SiteBucket"),
            allow("cloudfront:CreateInvalidation", f"arn:aws:cloudfront::{ACCOUNT}:distribution/E2QWRUHEXAMPL3",
                  sid="Invalidate"),
        )),
    ], description="Publish the marketing site"),
    customer_policy("PartnerDataShareRead", "2025-01-22 10:40:12", [
        ("2025-01-22 10:40:12", doc(
            allow(["s3:GetObject", "s3:ListBucket"],
                  ["arn:aws:s3:::nwha-partner-share", "arn:aws:s3:::nwha-partner-share/*"], sid="PartnerShare"),
        )),
    ], description="De-identified extracts for Meridian Analytics"),
    customer_policy("ReportingReadOnly", "2020-11-09 09:00:27", [
        ("2020-11-09 09:00:27", doc(
            allow(["rds:DescribeDBInstances", "rds-db:connect"],
                  [f"arn:aws:rds:us-east-2:{ACCOUNT}:db:reporting",
                   f"arn:aws:rds-db:us-east-2:{ACCOUNT}:dbuser:*/report_reader"], sid="ReportingDb"),
            allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::nwha-reports/*", sid="ReportsBucket"),
        )),
    ]),
    customer_policy("SageMakerPocAccess", "2026-02-10 15:22:48", [
        ("2026-02-10 15:22:48", doc(
            allow(["sagemaker:*", "s3:*"], "*", sid="PocEverything"),
            allow("iam:PassRole", f"{ARN}:role/service-role/sagemaker-poc-role", sid="PassSelf"),
        )),
    ], description="Claims-model proof of concept (temporary)"),
    customer_policy("ServiceAccountsAccess", "2019-03-28 10:05:44", [
        ("2019-03-28 10:05:44", doc(
            allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::nwha-billing-exports/*", sid="BillingExports"),
            allow("ce:GetCostAndUsage", "*", sid="CostExplorer"),
        )),
        ("2023-05-30 16:12:03", doc(
            allow(["s3:GetObject", "s3:PutObject"],
                  ["arn:aws:s3:::nwha-billing-exports/*", "arn:aws:s3:::nwha-datalake-raw/*"],
                  sid="ServiceBuckets"),
            allow(["ce:GetCostAndUsage", "backup:ListBackupJobs", "backup:ListRecoveryPointsByBackupVault",
                   "backup:DescribeBackupJob"], "*", sid="ReportingApis"),
            allow("ecr:GetAuthorizationToken", "*", sid="EcrLogin"),
            allow(["ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
                   "ecr:CompleteLayerUpload", "ecr:PutImage"], f"arn:aws:ecr:*:{ACCOUNT}:repository/app/*",
                  sid="PushAppImages"),
            allow(["ecs:RegisterTaskDefinition", "ecs:DescribeServices", "ecs:UpdateService"], "*",
                  sid="DeployEcsServices"),
            allow("iam:PassRole", f"{ARN}:role/ecs-task-*", sid="PassEcsTaskRoles",
                  condition={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}),
        )),
    ], description="Shared by the programmatic service users"),
    customer_policy("FinOpsBillingRead", "2024-04-15 11:30:02", [
        ("2024-04-15 11:30:02", doc(
            allow(["ce:Get*", "ce:Describe*", "ce:List*", "budgets:ViewBudget", "cur:DescribeReportDefinitions",
                   "billing:GetBillingData", "billing:GetBillingDetails", "account:GetAccountInformation"],
                  "*", sid="BillingRead"),
        )),
    ]),
    customer_policy("SelfManageMFA", "2019-06-10 12:00:00", [
        ("2019-06-10 12:00:00", doc(
            allow(["iam:GetAccountPasswordPolicy", "iam:ListVirtualMFADevices"], "*",
                  sid="AllowViewAccountInfo"),
            allow(["iam:ChangePassword", "iam:GetUser", "iam:GetLoginProfile"],
                  "arn:aws:iam::*:user/${aws:username}", sid="AllowManageOwnPassword"),
            allow("iam:CreateVirtualMFADevice", "arn:aws:iam::*:mfa/*", sid="AllowCreateVirtualMFADevice"),
            allow(["iam:DeactivateMFADevice", "iam:EnableMFADevice", "iam:ListMFADevices",
                   "iam:ResyncMFADevice"], "arn:aws:iam::*:user/${aws:username}", sid="AllowManageOwnMFA"),
        )),
    ], description="Lets every person manage their own password and MFA device"),
    customer_policy("EnforceMFA", "2021-03-01 08:30:00", [
        ("2021-03-01 08:30:00", doc({
            "Sid": "DenyAllExceptListedIfNoMFA", "Effect": "Deny",
            "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser",
                          "iam:ListMFADevices", "iam:ListVirtualMFADevices", "iam:ResyncMFADevice",
                          "sts:GetSessionToken", "iam:ChangePassword", "iam:GetAccountPasswordPolicy"],
            "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        })),
    ], description="Denies everything but MFA enrolment to sessions without MFA"),
    customer_policy("TempVendorUploadAccess", "2024-03-04 17:45:20", [
        ("2024-03-04 17:45:20", doc(
            allow(["s3:PutObject", "s3:ListBucket"],
                  ["arn:aws:s3:::nwha-vendor-drop", "arn:aws:s3:::nwha-vendor-drop/*"], sid="VendorDrop"),
        )),
    ], description="Temporary upload access for the Acme migration (remove after 2024-06)"),
)}

POLICIES: dict[str, ManagedPolicy] = {**AWS_POLICIES, **CUSTOMER_POLICIES}


# --------------------------------------------------------------------------------------------------
# groups, users, roles

@dataclass
class Group:
    name: str
    created: str
    policies: list[str]
    inline: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def arn(self) -> str:
        return f"{ARN}:group/{self.name}"


GROUPS: dict[str, Group] = {g.name: g for g in (
    Group("Admins", "2019-03-14 16:40:02", ["AdministratorAccess", "EnforceMFA", "SelfManageMFA"]),
    Group("Developers", "2019-04-02 15:05:31", ["DeveloperAccess", "ReadOnlyAccess", "SelfManageMFA"]),
    Group("DataEngineering", "2021-05-20 13:10:18", ["DataLakeReadWrite", "SelfManageMFA"]),
    Group("SecurityAuditors", "2019-06-10 12:04:51", ["SecurityAudit", "EnforceMFA", "SelfManageMFA"]),
    Group("Support", "2020-10-05 09:12:27", ["AWSSupportAccess", "ViewOnlyAccess", "SelfManageMFA"]),
    Group("Operations", "2019-07-22 11:18:09", ["OpsFullAccess", "AWSCloudShellFullAccess", "SelfManageMFA"]),
    Group("ServiceAccounts", "2019-03-28 10:02:13", ["ServiceAccountsAccess"]),
)}


@dataclass
class Key:
    active: bool
    rotated: str
    last_used: str | None = None  # None: never used
    region: str = "us-east-1"
    service: str = "s3"


@dataclass
class User:
    name: str
    created: str
    groups: list[str]
    console: bool = True
    password_changed: str | None = None
    password_used: str | None = None  # None with console=True: never used ("no_information")
    mfa: str | None = "virtual"  # "virtual", "fido" or None
    mfa_device: str | None = None  # virtual device name if not the user name
    keys: list[Key | None] = field(default_factory=list)  # slot 1, slot 2 (None = empty slot)
    policies: list[str] = field(default_factory=list)
    inline: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    path: str = "/"

    @property
    def arn(self) -> str:
        return f"{ARN}:user{self.path}{self.name}"

    @property
    def created_at(self) -> datetime:
        return t(self.created)


def person(name: str, created: str, groups: list[str], changed: str, used: str, **kw: Any) -> User:
    tags = {"department": kw.pop("department", "engineering")}
    tags.update(kw.pop("tags", {}))
    return User(name, created, groups, True, changed, used, tags=tags, **kw)


USERS: list[User] = [
    # Admins (people)
    person("daniel.reyes", "2019-04-02 15:11:09", ["Admins", "Developers"], "2026-09-14 08:02:51",
           "2026-11-01 21:47:03", mfa="fido", department="platform", tags={"title": "Head of Platform"}),
    person("amara.nwosu", "2020-08-17 10:20:44", ["Admins"], "2026-10-03 07:55:12", "2026-10-31 16:02:37",
           department="platform"),
    person("tomasz.kowalski", "2021-03-22 13:47:30", ["Admins"], "2026-08-29 11:03:29", "2026-10-30 09:41:55",
           department="platform", mfa_device="tomasz.kowalski-pixel"),
    # Developers
    person("jane.doe", "2022-01-10 09:30:12", ["Developers"], "2026-09-30 08:14:09", "2026-11-01 18:22:40",
           keys=[Key(True, "2026-09-02 10:14:55", "2026-11-01 17:58:00", "us-east-1", "s3")]),
    person("raj.patel", "2022-03-07 14:02:51", ["Developers"], "2026-10-12 09:30:44", "2026-10-30 15:47:21",
           keys=[Key(True, "2026-08-19 16:40:03", "2026-10-30 15:12:00", "us-east-1", "lambda")]),
    person("li.wei", "2022-06-13 08:55:37", ["Developers"], "2026-09-21 10:11:05", "2026-11-01 20:03:16",
           mfa_device="li.wei-iphone",
           keys=[Key(True, "2026-08-12 12:30:18", "2026-10-19 22:41:00", "us-west-2", "ecr"),
                 Key(True, "2026-10-20 09:02:44", "2026-11-01 19:37:00", "us-west-2", "ecr")]),
    person("sofia.martinez", "2022-09-26 11:18:20", ["Developers"], "2026-08-25 14:20:30",
           "2026-10-29 13:05:48"),
    person("ethan.brooks", "2021-11-15 10:01:02", ["Developers"], "2026-10-08 17:22:10", "2026-10-31 11:26:34",
           keys=[Key(True, "2026-04-07 13:40:22", "2026-10-31 10:54:00", "us-east-1", "dynamodb")]),
    person("chloe.nguyen", "2023-01-09 09:44:13", ["Developers"], "2026-09-05 08:37:51", "2026-11-01 09:15:02",
           mfa_device="chloe.nguyen-authy"),
    person("omar.haddad", "2023-04-17 15:29:40", ["Developers"], "2026-10-20 16:44:27", "2026-10-30 17:52:19"),
    person("hannah.schmidt", "2023-06-05 08:05:55", ["Developers"], "2026-07-20 09:11:40",
           "2026-08-14 16:05:33", tags={"note": "parental leave from 2026-08-17"}),
    person("lucas.silva", "2023-10-02 10:33:08", ["Developers"], "2026-09-17 12:01:55", "2026-10-28 14:30:21"),
    person("grace.kim", "2024-02-12 13:12:46", ["Developers"], "2026-10-01 10:48:33", "2026-11-01 12:10:07"),
    person("noah.williams", "2024-07-08 09:09:09", ["Developers"], "2026-08-12 15:16:42",
           "2026-10-27 08:59:30", mfa_device="noah.williams-1password"),
    person("kevin.marsh", "2026-06-01 14:20:06", ["Developers"], "2026-09-01 08:45:19", "2026-10-29 10:02:44",
           mfa=None, tags={"employment": "contractor", "sponsor": "daniel.reyes", "end-date": "2026-12-31"}),
    # Data engineering
    person("priya.raman", "2021-05-24 09:15:38", ["DataEngineering"], "2026-09-09 09:20:13",
           "2026-11-01 15:44:51", department="data"),
    person("marcus.johnson", "2021-09-13 11:41:26", ["DataEngineering"], "2026-10-15 08:08:08",
           "2026-11-01 10:21:36", department="data",
           keys=[Key(False, "2025-11-03 14:12:09", "2026-09-30 16:45:00", "us-east-1", "athena"),
                 Key(True, "2026-10-01 09:55:47", "2026-11-01 10:20:00", "us-east-1", "athena")]),
    person("elena.petrova", "2022-02-28 10:26:14", ["DataEngineering"], "2026-08-31 13:33:03",
           "2026-10-30 11:11:11", department="data"),
    person("yuki.tanaka", "2023-03-13 12:49:57", ["DataEngineering"], "2026-10-06 09:58:26",
           "2026-10-31 08:34:45", department="data", mfa_device="yuki.tanaka-iphone"),
    person("samuel.osei", "2024-01-22 09:37:01", ["DataEngineering"], "2026-09-26 11:43:10",
           "2026-10-28 16:27:09", department="data"),
    person("fatima.zahra", "2025-05-05 10:00:52", ["DataEngineering"], "2026-10-09 14:14:14",
           "2026-11-01 13:49:27", department="data"),
    # Security
    person("michelle.okafor", "2019-06-10 12:08:14", ["SecurityAuditors"], "2026-09-02 07:30:45",
           "2026-10-30 18:12:03", mfa="fido", department="security", tags={"title": "CISO"}),
    person("ben.carter", "2022-11-14 13:25:36", ["SecurityAuditors"], "2026-10-10 10:10:31",
           "2026-11-01 11:56:44", department="security"),
    person("isabel.fernandes", "2025-02-03 09:40:29", ["SecurityAuditors"], "2026-08-27 15:05:17",
           "2026-10-26 10:40:58", department="security", mfa_device="isabel.fernandes-yubico-authenticator"),
    # Support
    person("alex.murphy", "2020-10-05 09:20:51", ["Support", "Operations"], "2026-09-12 06:50:29",
           "2026-11-02 03:12:46", department="operations"),
    person("nina.rossi", "2023-08-21 14:36:02", ["Support"], "2026-10-02 13:27:55", "2026-10-31 14:05:38",
           department="support"),
    person("laura.chen", "2024-04-15 11:26:43", ["Support"], "2026-09-19 09:00:16", "2026-10-29 16:41:22",
           department="finance", policies=["FinOpsBillingRead"], tags={"title": "FinOps analyst"}),
    # Operations
    person("shared-ops", "2019-07-22 11:03:45", ["Operations"], "2026-09-01 22:15:08", "2026-11-01 02:14:09",
           mfa=None, department="operations", tags={"owner": "ops-oncall@northwind.example"}),
    person("carlos.mendez", "2020-02-10 08:48:17", ["Operations"], "2026-10-05 07:12:40", "2026-11-01 23:30:12",
           department="operations"),
    person("aisha.bello", "2022-05-16 16:03:25", ["Operations"], "2026-09-24 09:44:31", "2026-10-31 21:19:56",
           department="operations"),
    person("peter.lindqvist", "2024-09-09 10:15:33", ["Operations"], "2026-10-14 11:27:05",
           "2026-10-30 06:48:12", department="operations", mfa_device="peter.lindqvist-phone"),
    # Programmatic service users
    User("ci-deployer", "2021-02-01 10:00:37", ["ServiceAccounts"], console=False, mfa=None,
         keys=[Key(True, "2026-01-15 09:12:44", "2026-11-02 05:41:00", "us-east-1", "ecs")],
         tags={"owner": "platform@northwind.example", "purpose": "legacy Jenkins deploys (migrating to OIDC)"}),
    User("svc-legacy-billing", "2019-03-28 10:07:52", ["ServiceAccounts"], console=False, mfa=None,
         keys=[Key(True, "2024-02-12 17:30:05", "2026-11-01 23:10:00", "us-east-1", "s3")],
         tags={"owner": "finance-platform@northwind.example", "purpose": "nightly billing export"}),
    User("svc-backup-reporter", "2023-05-30 16:20:19", ["ServiceAccounts"], console=False, mfa=None,
         keys=[Key(True, "2026-08-25 12:00:31", "2026-09-01 03:00:00", "us-east-2", "backup")],
         tags={"owner": "operations@northwind.example", "purpose": "weekly backup compliance report"}),
    User("svc-etl-loader", "2022-04-11 13:52:06", ["ServiceAccounts"], console=False, mfa=None,
         keys=[Key(True, "2026-09-28 08:45:10", "2026-11-02 05:12:00", "us-east-1", "s3")],
         inline=[("etl-kms-decrypt", doc(allow(["kms:Decrypt", "kms:GenerateDataKey"], DATA_KMS_KEY,
                                                  sid="DataLakeKey")))],
         tags={"owner": "data@northwind.example", "purpose": "on-prem SFTP to data lake loader"}),
    # External auditor: no group, one AWS managed policy and an inline deny
    User("rachel.thompson.ext", "2026-10-05 13:00:24", [], console=True,
         password_changed="2026-10-05 13:21:50", password_used="2026-10-27 10:11:50",
         policies=["AmazonS3ReadOnlyAccess"],
         inline=[("DenyObjectReads", doc(deny("s3:GetObject*", "*", sid="ConfigurationReviewOnly")))],
         tags={"employment": "external-auditor", "firm": "Baxter & Lowe LLP", "end-date": "2026-12-31"}),
]
USERS_BY_NAME = {u.name: u for u in USERS}


def trust(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def service_trust(service: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    stmt: dict[str, Any] = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if condition:
        stmt["Condition"] = condition
    return trust(stmt)


SAML_TRUST = trust({
    "Effect": "Allow", "Principal": {"Federated": SAML_ARN}, "Action": "sts:AssumeRoleWithSAML",
    "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
})


@dataclass
class Role:
    name: str
    created: str
    trust_policy: dict[str, Any]
    policies: list[str]
    last_used: str | None  # None: never used
    last_region: str = "us-east-1"
    path: str = "/"
    max_session: int = 3600
    boundary: str | None = None
    inline: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    description: str | None = None
    instance_profile: str | None = None

    @property
    def arn(self) -> str:
        return f"{ARN}:role{self.path}{self.name}"


ROLES: list[Role] = [
    Role("BreakGlassAdmin", "2021-06-01 09:30:00", trust({
        "Effect": "Allow", "Principal": {"AWS": f"{ARN}:root"}, "Action": "sts:AssumeRole",
        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}),
         ["AdministratorAccess"], "2026-09-18 14:05:12",
         tags={"purpose": "break-glass", "owner": "security@northwind.example", "review": "quarterly-drill"},
         description="Emergency access; use is paged to the security team"),
    Role("OrganizationAccountAccessRole", "2019-03-14 16:02:30", trust({
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{MGMT_ACCOUNT}:root"}, "Action": "sts:AssumeRole"}),
         ["AdministratorAccess"], "2026-10-21 15:33:48"),
    Role("Okta-PlatformAdmin", "2020-01-15 10:09:12", SAML_TRUST, ["AdministratorAccess"], "2026-11-01 21:48:40",
         max_session=43200, tags={"idp": "okta", "okta-group": "aws-platform-admins"}),
    Role("Okta-Developer", "2020-01-15 10:09:40", SAML_TRUST, ["PowerUserAccess"], "2026-11-02 03:10:27",
         last_region="us-west-2", max_session=28800, tags={"idp": "okta", "okta-group": "aws-developers"}),
    Role("Okta-ReadOnly", "2020-01-15 10:10:05", SAML_TRUST, ["ReadOnlyAccess"], "2026-10-28 13:45:02",
         max_session=43200, tags={"idp": "okta", "okta-group": "aws-readonly"}),
    Role("github-actions-deploy", "2024-09-03 11:58:20", trust({
        "Effect": "Allow", "Principal": {"Federated": OIDC_ARN}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": "repo:northwind-health/platform-services:ref:refs/heads/main",
        }}}), ["CIDeployPolicy"], "2026-11-02 05:30:16", path="/ci/",
         tags={"repo": "northwind-health/platform-services"}),
    Role("github-actions-legacy", "2022-08-30 14:10:55", trust({
        "Effect": "Allow", "Principal": {"Federated": OIDC_ARN}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}}),
         ["StaticSiteDeploy"], "2026-10-12 17:20:03", path="/ci/", tags={"repo": "northwind-health/www"}),
    Role("terraform-apply", "2024-11-18 10:20:03", trust({
        "Effect": "Allow", "Principal": {"Federated": OIDC_ARN}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": "repo:northwind-health/infrastructure:environment:production",
        }}}), ["TerraformIamManagement", "ReadOnlyAccess"], "2026-10-29 16:40:12", path="/ci/",
         tags={"repo": "northwind-health/infrastructure"}),
    Role("VendorMonitoring-Obsrv", "2023-11-07 10:44:31", trust({
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{VENDOR_ACCOUNT}:root"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}}),
         ["SecurityAudit"], "2026-11-02 05:50:09", tags={"vendor": "obsrv", "contract": "MSA-2023-07"},
         description="Obsrv cloud monitoring integration"),
    Role("PartnerAnalyticsAccess", "2025-01-22 10:36:48", trust({
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{PARTNER_ACCOUNT}:root"},
        "Action": "sts:AssumeRole"}),
         ["PartnerDataShareRead"], "2026-10-30 04:02:51",
         tags={"partner": "meridian-analytics", "dpa": "DPA-2025-003"}),
    Role("etl-glue-job-role", "2021-05-20 13:15:42", service_trust("glue.amazonaws.com"),
         ["AWSGlueServiceRole", "DataLakeReadWrite"], "2026-11-02 04:00:38", path="/service-role/",
         boundary="NorthwindWorkloadBoundary"),
    Role("lambda-claims-ingest-role", "2022-10-03 15:05:09", service_trust("lambda.amazonaws.com"),
         ["AWSLambdaBasicExecutionRole"], "2026-11-02 05:55:21", path="/service-role/",
         boundary="NorthwindWorkloadBoundary", inline=[("claims-ingest", doc(
             allow(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                   f"arn:aws:sqs:us-east-1:{ACCOUNT}:claims-intake", sid="IntakeQueue"),
             allow(["dynamodb:PutItem", "dynamodb:UpdateItem"], f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/claims",
                   sid="ClaimsTable"),
             allow("s3:GetObject", "arn:aws:s3:::nwha-claims-inbox/*", sid="Inbox"),
             allow("kms:Decrypt", DATA_KMS_KEY, sid="DataKey"),
         ))]),
    Role("ecs-task-patient-api", "2023-02-14 16:45:27", service_trust("ecs-tasks.amazonaws.com", {
        "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:us-east-1:{ACCOUNT}:*"},
        "StringEquals": {"aws:SourceAccount": ACCOUNT}}),
         [], "2026-11-02 05:57:58", boundary="NorthwindWorkloadBoundary", inline=[("patient-api-runtime", doc(
             allow("secretsmanager:GetSecretValue",
                   f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:prod/patient-api/*", sid="AppSecrets"),
             allow(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"],
                   f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/patients", sid="PatientsTable"),
             allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::nwha-phi-documents/*", sid="Documents"),
             allow(["kms:Decrypt", "kms:GenerateDataKey"], DATA_KMS_KEY, sid="DataKey"),
         ))], tags={"app": "patient-api", "data-classification": "phi"}),
    Role("ecsTaskExecutionRole", "2023-02-14 16:40:03", service_trust("ecs-tasks.amazonaws.com"),
         ["AmazonECSTaskExecutionRolePolicy"], "2026-11-01 22:15:44"),
    Role("ec2-bastion-ssm-role", "2021-09-20 10:30:15", service_trust("ec2.amazonaws.com"),
         ["AmazonSSMManagedInstanceCore"], "2026-11-02 05:40:32", instance_profile="ec2-bastion-ssm-role"),
    Role("legacy-reporting-role", "2020-11-09 08:58:46", service_trust("ec2.amazonaws.com"),
         ["ReportingReadOnly", "AmazonSSMManagedInstanceCore"], "2025-12-02 08:15:09", last_region="us-east-2",
         instance_profile="legacy-reporting", tags={"app": "crystal-reports", "status": "decommission-pending"}),
    Role("sagemaker-poc-role", "2026-02-10 15:20:31", service_trust("sagemaker.amazonaws.com"),
         ["SageMakerPocAccess"], None, path="/service-role/", tags={"project": "claims-model-poc"}),
    Role("CloudTrailCloudWatchLogsRole", "2021-06-01 09:10:22", service_trust("cloudtrail.amazonaws.com"),
         [], "2026-11-02 05:57:40", path="/service-role/", inline=[("cloudtrail-to-cloudwatch-logs", doc(
             allow(["logs:CreateLogStream", "logs:PutLogEvents"],
                   f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:aws-cloudtrail-logs-org-audit:log-stream:*",
                   sid="AWSCloudTrailCreateLogStreamAndPutEvents"),
         ))]),
    Role("AWSServiceRoleForSupport", "2019-03-14 16:02:31", service_trust("support.amazonaws.com"),
         ["AWSSupportServiceRolePolicy"], "2026-10-30 19:20:55",
         path="/aws-service-role/support.amazonaws.com/",
         description="Enables resource access for AWS to provide billing, administrative and support services"),
    Role("AWSServiceRoleForTrustedAdvisor", "2019-03-14 16:02:31", service_trust("trustedadvisor.amazonaws.com"),
         ["AWSTrustedAdvisorServiceRolePolicy"], "2026-11-02 01:04:12",
         path="/aws-service-role/trustedadvisor.amazonaws.com/",
         description="Access for the AWS Trusted Advisor Service to help reduce cost, increase performance, "
                     "and improve security of your AWS environment."),
    Role("AWSServiceRoleForOrganizations", "2019-03-14 16:02:31", service_trust("organizations.amazonaws.com"),
         ["AWSOrganizationsServiceTrustPolicy"], "2026-10-05 12:00:18",
         path="/aws-service-role/organizations.amazonaws.com/",
         description="Service-linked role used by AWS Organizations to enable integration of other AWS "
                     "services with Organizations."),
]
ROLES_BY_NAME = {r.name: r for r in ROLES}


# --------------------------------------------------------------------------------------------------
# derived ids and relations

USER_IDS = {u.name: aws_id("AIDA", u.name) for u in USERS}
GROUP_IDS = {g.name: aws_id("AGPA", g.name) for g in GROUPS.values()}
ROLE_IDS = {r.name: aws_id("AROA", r.name) for r in ROLES}
PROFILE_IDS = {r.instance_profile: aws_id("AIPA", r.instance_profile) for r in ROLES if r.instance_profile}

# The virtual MFA device name people picked (AWS has allowed custom names since 2022)
MFA_ENABLED_AFTER = timedelta(minutes=23)
UNASSIGNED_MFA = "shared-ops"  # someone started an MFA enrolment for shared-ops and never finished it


def mfa_serial(user: User) -> str:
    return f"{ARN}:mfa/{user.mfa_device or user.name}"


def mfa_enable_date(user: User) -> datetime:
    # people created before the 2021-03 MFA push enrolled then; later joiners right after their first login
    push = t("2021-03-01 09:00:00")
    base = push if user.created_at < push else user.created_at
    jitter = int(hashlib.sha256(user.name.encode()).hexdigest()[:6], 16) % 14400  # up to 4 hours
    return base + MFA_ENABLED_AFTER + timedelta(seconds=jitter)


def attachments() -> dict[str, list[tuple[str, str]]]:
    """policy name -> [(kind, principal name)] for attached (not boundary) uses."""
    out: dict[str, list[tuple[str, str]]] = {}
    for g in GROUPS.values():
        for p in g.policies:
            out.setdefault(p, []).append(("group", g.name))
    for u in USERS:
        for p in u.policies:
            out.setdefault(p, []).append(("user", u.name))
    for r in ROLES:
        for p in r.policies:
            out.setdefault(p, []).append(("role", r.name))
    return out


def boundary_uses() -> dict[str, int]:
    out: dict[str, int] = {}
    for r in ROLES:
        if r.boundary:
            out[r.boundary] = out.get(r.boundary, 0) + 1
    return out


def check_model() -> None:
    attached = attachments()
    for name in attached:
        assert name in POLICIES, name
    for name, policy in AWS_POLICIES.items():
        assert name in attached, f"AWS managed policy {name} is listed but attached to nothing"
        assert policy.arn.startswith("arn:aws:iam::aws:policy/")
    for u in USERS:
        for g in u.groups:
            assert g in GROUPS, (u.name, g)
        stamps = [u.created_at]
        if u.password_changed:
            assert t(u.password_changed) >= u.created_at, u.name
        if u.password_used:
            assert t(u.password_used) >= u.created_at, u.name
            stamps.append(t(u.password_used))
        for k in u.keys:
            if k:
                assert t(k.rotated) >= u.created_at, (u.name, "key rotated before user creation")
                if k.last_used:
                    assert t(k.last_used) >= t(k.rotated), (u.name, "key used before it existed")
                    stamps.append(t(k.last_used))
        assert max(stamps) < REPORT_GENERATED, u.name
    for r in ROLES:
        if r.last_used:
            assert t(r.last_used) >= t(r.created) and t(r.last_used) < COLLECTED, r.name
    for g in GROUPS.values():
        assert any(g.name in u.groups for u in USERS), f"group {g.name} is empty"
    assert len({u.arn for u in USERS}) == len(USERS)


# --------------------------------------------------------------------------------------------------
# get-account-authorization-details

def attached_list(names: list[str]) -> list[dict[str, str]]:
    return [{"PolicyName": POLICIES[n].name, "PolicyArn": POLICIES[n].arn} for n in names]


def inline_list(items: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    return [{"PolicyName": name, "PolicyDocument": document} for name, document in items]


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def role_summary(r: Role) -> dict[str, Any]:
    return {"Path": r.path, "RoleName": r.name, "RoleId": ROLE_IDS[r.name], "Arn": r.arn,
            "CreateDate": iso(t(r.created)), "AssumeRolePolicyDocument": r.trust_policy}


def authorization_details() -> dict[str, Any]:
    users = []
    for u in sorted(USERS, key=lambda x: x.name.lower()):
        entry: dict[str, Any] = {
            "Path": u.path, "UserName": u.name, "UserId": USER_IDS[u.name], "Arn": u.arn,
            "CreateDate": iso(u.created_at),
        }
        if u.inline:
            entry["UserPolicyList"] = inline_list(u.inline)
        entry["GroupList"] = list(u.groups)
        entry["AttachedManagedPolicies"] = attached_list(u.policies)
        entry["Tags"] = tag_list(u.tags)
        users.append(entry)
    groups = []
    for g in sorted(GROUPS.values(), key=lambda x: x.name.lower()):
        groups.append({
            "Path": "/", "GroupName": g.name, "GroupId": GROUP_IDS[g.name], "Arn": g.arn,
            "CreateDate": iso(t(g.created)), "GroupPolicyList": inline_list(g.inline),
            "AttachedManagedPolicies": attached_list(g.policies),
        })
    roles = []
    for r in sorted(ROLES, key=lambda x: x.name.lower()):
        profiles = []
        if r.instance_profile:
            profiles.append({
                "Path": "/", "InstanceProfileName": r.instance_profile,
                "InstanceProfileId": PROFILE_IDS[r.instance_profile],
                "Arn": f"{ARN}:instance-profile/{r.instance_profile}",
                "CreateDate": iso(t(r.created) + timedelta(seconds=2)),
                "Roles": [role_summary(r)],
            })
        entry = {
            **role_summary(r),
            "InstanceProfileList": profiles,
            "RolePolicyList": inline_list(r.inline),
            "AttachedManagedPolicies": attached_list(r.policies),
        }
        if r.boundary:
            entry["PermissionsBoundary"] = {"PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                                            "PermissionsBoundaryArn": POLICIES[r.boundary].arn}
        entry["Tags"] = tag_list(r.tags)
        entry["RoleLastUsed"] = (
            {"LastUsedDate": iso(t(r.last_used)), "Region": r.last_region} if r.last_used else {}
        )
        roles.append(entry)
    attached = attachments()
    bounds = boundary_uses()
    policies = []
    for p in sorted(POLICIES.values(), key=lambda x: (x.aws, x.name.lower())):
        entry = {
            "PolicyName": p.name, "PolicyId": p.policy_id, "Arn": p.arn, "Path": p.path,
            "DefaultVersionId": p.default_version, "AttachmentCount": len(attached.get(p.name, [])),
            "PermissionsBoundaryUsageCount": bounds.get(p.name, 0), "IsAttachable": p.attachable,
        }
        if p.description:
            entry["Description"] = p.description
        entry["CreateDate"] = iso(p.created)
        entry["UpdateDate"] = iso(p.updated)
        # The API lists every version of a policy, newest first.
        entry["PolicyVersionList"] = [
            {"Document": document, "VersionId": version, "IsDefaultVersion": version == p.default_version,
             "CreateDate": iso(created)}
            for version, created, document in reversed(p.versions)
        ]
        policies.append(entry)
    return {"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles, "Policies": policies}


def list_roles() -> dict[str, Any]:
    """`aws iam list-roles`: the only place MaxSessionDuration and Description are exported."""
    out = []
    for r in sorted(ROLES, key=lambda x: x.name.lower()):
        entry = role_summary(r)
        if r.description:
            entry["Description"] = r.description
        entry["MaxSessionDuration"] = r.max_session
        out.append(entry)
    return {"Roles": out}


# --------------------------------------------------------------------------------------------------
# get-credential-report

ROOT_CREATED = t("2019-03-14 16:02:11")
ROOT_PASSWORD_USED = t("2026-05-19 09:14:52")


def csv_time(text: str | None) -> str:
    return iso(t(text)) if text else "N/A"


def credential_rows() -> list[str]:
    rows = [",".join([
        "<root_account>", f"{ARN}:root", iso(ROOT_CREATED), "not_supported", iso(ROOT_PASSWORD_USED),
        "not_supported", "not_supported", "true",
        "false", "N/A", "N/A", "N/A", "N/A", "false", "N/A", "N/A", "N/A", "N/A",
        "false", "N/A", "false", "N/A",
    ])]
    for u in sorted(USERS, key=lambda x: x.name.lower()):
        if u.console:
            changed = t(u.password_changed) if u.password_changed else u.created_at
            password = [
                "true",
                iso(t(u.password_used)) if u.password_used else "no_information",
                iso(changed),
                iso(changed + timedelta(days=PASSWORD_MAX_AGE_DAYS)),
            ]
        else:
            password = ["false", "N/A", "N/A", "N/A"]
        keys: list[str] = []
        slots = list(u.keys) + [None] * (2 - len(u.keys))
        for k in slots:
            if k is None:
                keys += ["false", "N/A", "N/A", "N/A", "N/A"]
            elif k.last_used:
                keys += [str(k.active).lower(), csv_time(k.rotated), csv_time(k.last_used), k.region, k.service]
            else:
                keys += [str(k.active).lower(), csv_time(k.rotated), "N/A", "N/A", "N/A"]
        rows.append(",".join([
            u.name, u.arn, iso(u.created_at), *password, str(u.mfa is not None).lower(), *keys,
            "false", "N/A", "false", "N/A",
        ]))
    return rows


def credential_report() -> dict[str, Any]:
    text = "\n".join([CSV_HEADER, *credential_rows()])
    return {
        "Content": base64.b64encode(text.encode("utf-8")).decode("ascii"),
        "ReportFormat": "text/csv",
        "GeneratedTime": iso(REPORT_GENERATED),
    }


# --------------------------------------------------------------------------------------------------
# the smaller exports

def password_policy() -> dict[str, Any]:
    return {"PasswordPolicy": {
        "MinimumPasswordLength": 12, "RequireSymbols": True, "RequireNumbers": True,
        "RequireUppercaseCharacters": True, "RequireLowercaseCharacters": True,
        "AllowUsersToChangePassword": True, "ExpirePasswords": True, "MaxPasswordAge": PASSWORD_MAX_AGE_DAYS,
        "PasswordReusePrevention": 12, "HardExpiry": False,
    }}


def virtual_mfa_devices() -> dict[str, Any]:
    devices = []
    for u in USERS:
        if u.mfa != "virtual":
            continue
        user: dict[str, Any] = {"Path": u.path, "UserName": u.name, "UserId": USER_IDS[u.name], "Arn": u.arn,
                                "CreateDate": iso(u.created_at)}
        if u.password_used:
            user["PasswordLastUsed"] = iso(t(u.password_used))
        devices.append({"SerialNumber": mfa_serial(u), "User": user, "EnableDate": iso(mfa_enable_date(u))})
    devices.append({"SerialNumber": f"{ARN}:mfa/{UNASSIGNED_MFA}"})
    devices.sort(key=lambda d: d["SerialNumber"])
    return {"VirtualMFADevices": devices}


SERVER_CERTS = [
    # (path, name, uploaded, expires)
    ("/cloudfront/", "portal-northwind-health-2024", "2024-06-24 18:02:37", "2025-06-30 23:59:59"),
    ("/", "api-internal-northwind-2026", "2026-04-14 10:31:09", "2027-04-15 12:00:00"),
]


def server_certificates() -> dict[str, Any]:
    return {"ServerCertificateMetadataList": [
        {"Path": path, "ServerCertificateName": name, "ServerCertificateId": aws_id("ASCA", name),
         "Arn": f"{ARN}:server-certificate{path}{name}", "UploadDate": iso(t(uploaded)),
         "Expiration": iso(t(expires))}
        for path, name, uploaded, expires in SERVER_CERTS
    ]}


def account_summary() -> dict[str, Any]:
    virtual = virtual_mfa_devices()["VirtualMFADevices"]
    assigned = sum(1 for d in virtual if "User" in d)
    fido = sum(1 for u in USERS if u.mfa == "fido")
    root_hardware = 1
    customer = [p for p in POLICIES.values() if not p.aws]
    summary = {
        "AccessKeysPerUserQuota": 2,
        "AccountAccessKeysPresent": 0,
        "AccountMFAEnabled": 1,
        "AccountPasswordPresent": 1,
        "AccountSigningCertificatesPresent": 0,
        "AssumeRolePolicySizeQuota": 2048,
        "AttachedPoliciesPerGroupQuota": 10,
        "AttachedPoliciesPerRoleQuota": 10,
        "AttachedPoliciesPerUserQuota": 10,
        "GlobalEndpointTokenVersion": 1,
        "GroupPolicySizeQuota": 5120,
        "Groups": len(GROUPS),
        "GroupsPerUserQuota": 10,
        "GroupsQuota": 300,
        "InstanceProfiles": len(PROFILE_IDS),
        "InstanceProfilesQuota": 1000,
        "MFADevices": len(virtual) + fido + root_hardware,
        "MFADevicesInUse": assigned + fido + root_hardware,
        "Policies": len(customer),
        "PoliciesQuota": 1500,
        "PolicySizeQuota": 6144,
        "PolicyVersionsInUse": sum(len(p.versions) for p in customer),
        "PolicyVersionsInUseQuota": 10000,
        "Providers": 2,
        "RolePolicySizeQuota": 10240,
        "Roles": len(ROLES),
        "RolesQuota": 1000,
        "ServerCertificates": len(SERVER_CERTS),
        "ServerCertificatesQuota": 20,
        "SigningCertificatesPerUserQuota": 2,
        "UserPolicySizeQuota": 2048,
        "Users": len(USERS),
        "UsersQuota": 5000,
        "VersionsPerPolicyQuota": 5,
    }
    return {"SummaryMap": summary}


def saml_providers() -> dict[str, Any]:
    return {"SAMLProviderList": [
        {"Arn": SAML_ARN, "ValidUntil": "2120-01-15T10:04:33+00:00", "CreateDate": "2020-01-15T10:04:33+00:00"},
    ]}


def oidc_providers() -> dict[str, Any]:
    return {"OpenIDConnectProviderList": [{"Arn": OIDC_ARN}]}


def regions() -> dict[str, Any]:
    return {"Regions": [
        {"Endpoint": f"ec2.{name}.amazonaws.com", "RegionName": name, "OptInStatus": "opt-in-not-required"}
        for name in REGIONS
    ]}


def trails() -> dict[str, Any]:
    return {"trailList": [{
        "Name": TRAIL_NAME,
        "S3BucketName": f"nwha-cloudtrail-logs-{ACCOUNT}",
        "S3KeyPrefix": "audit",
        "IncludeGlobalServiceEvents": True,
        "IsMultiRegionTrail": True,
        "HomeRegion": HOME_REGION,
        "TrailARN": TRAIL_ARN,
        "LogFileValidationEnabled": True,
        "CloudWatchLogsLogGroupArn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:aws-cloudtrail-logs-org-audit:*",
        "CloudWatchLogsRoleArn": ROLES_BY_NAME["CloudTrailCloudWatchLogsRole"].arn,
        "KmsKeyId": TRAIL_KMS_KEY,
        "HasCustomEventSelectors": True,
        "HasInsightSelectors": False,
        "IsOrganizationTrail": False,
    }]}


def trail_status() -> dict[str, Any]:
    return {
        "IsLogging": True,
        "LatestDeliveryTime": iso_ms(t("2026-11-02 05:57:12.418")),
        "StartLoggingTime": iso_ms(t("2021-06-01 09:12:44.201")),
        "LatestCloudWatchLogsDeliveryTime": iso_ms(t("2026-11-02 05:57:40.902")),
        "LatestDigestDeliveryTime": iso_ms(t("2026-11-02 05:31:09.774")),
        "LatestDeliveryAttemptTime": "2026-11-02T05:57:12Z",
        "LatestNotificationAttemptTime": "",
        "LatestNotificationAttemptSucceeded": "",
        "LatestDeliveryAttemptSucceeded": "2026-11-02T05:57:12Z",
        "TimeLoggingStarted": "2021-06-01T09:12:44Z",
        "TimeLoggingStopped": "",
    }


def event_selectors() -> dict[str, Any]:
    return {
        "TrailARN": TRAIL_ARN,
        "EventSelectors": [{
            "ReadWriteType": "All",
            "IncludeManagementEvents": True,
            "DataResources": [{"Type": "AWS::S3::Object", "Values": [
                "arn:aws:s3:::nwha-phi-documents/", "arn:aws:s3:::nwha-datalake-curated/"]}],
            "ExcludeManagementEventSources": [],
        }],
    }


def analyzers_us_east_1() -> dict[str, Any]:
    return {"analyzers": [{
        "arn": ANALYZER_ARN,
        "createdAt": "2023-03-02T10:41:18+00:00",
        "lastResourceAnalyzed": "arn:aws:s3:::nwha-partner-share",
        "lastResourceAnalyzedAt": "2026-11-02T05:22:47.301000+00:00",
        "name": "nwha-account-analyzer",
        "status": "ACTIVE",
        "tags": {"owner": "security"},
        "type": "ACCOUNT",
    }]}


def finding(fid: str, principal: dict[str, str], action: list[str], resource: str, rtype: str,
            condition: dict[str, str], created: str, status: str, updated: str | None = None,
            is_public: bool = False) -> dict[str, Any]:
    return {
        "id": fid, "principal": principal, "action": action, "resource": resource, "isPublic": is_public,
        "resourceType": rtype, "condition": condition, "createdAt": iso_ms(t(created)),
        "analyzedAt": "2026-11-02T05:22:47.301000+00:00", "updatedAt": iso_ms(t(updated or created)),
        "status": status, "resourceOwnerAccount": ACCOUNT,
    }


def analyzer_findings_us_east_1() -> dict[str, Any]:
    gh = "token.actions.githubusercontent.com"
    return {"findings": [
        finding("0c3f6a1e-5b7d-4e28-9a41-2d8c7e5f1b93", {"AWS": PARTNER_ACCOUNT}, ["sts:AssumeRole"],
                ROLES_BY_NAME["PartnerAnalyticsAccess"].arn, "AWS::IAM::Role", {},
                "2025-01-22 10:41:07.512", "ACTIVE"),
        finding("4e9b2d71-8a3c-4f06-b5e2-7c1d9a6f3e58", {"AWS": PARTNER_ACCOUNT}, ["s3:GetObject", "s3:ListBucket"],
                "arn:aws:s3:::nwha-partner-share", "AWS::S3::Bucket", {},
                "2025-01-22 11:02:33.078", "ACTIVE"),
        finding("7a15c8e3-2f9d-4b6a-8e07-5d3b1c9f4a26", {"Federated": OIDC_ARN},
                ["sts:AssumeRoleWithWebIdentity"], ROLES_BY_NAME["github-actions-legacy"].arn, "AWS::IAM::Role",
                {f"{gh}:aud": "sts.amazonaws.com"}, "2023-03-02 10:55:40.190", "ACTIVE"),
        finding("9d2e4f60-1c7b-4a35-a8d9-3e6f0b2c5d71", {"AWS": MGMT_ACCOUNT}, ["sts:AssumeRole"],
                ROLES_BY_NAME["OrganizationAccountAccessRole"].arn, "AWS::IAM::Role", {},
                "2023-03-02 10:55:39.884", "ARCHIVED", "2023-03-02 11:20:15.006"),
        finding("b6038c2a-9e4d-47f1-b3a5-8f2c6d0e1a94", {"AWS": VENDOR_ACCOUNT}, ["sts:AssumeRole"],
                ROLES_BY_NAME["VendorMonitoring-Obsrv"].arn, "AWS::IAM::Role", {"sts:ExternalId": EXTERNAL_ID},
                "2023-11-07 10:49:02.337", "ARCHIVED", "2023-11-07 14:03:51.420"),
        finding("c81f0e4b-3d2a-4c97-8e5f-1b6a7d9c2e40", {"Federated": OIDC_ARN},
                ["sts:AssumeRoleWithWebIdentity"], ROLES_BY_NAME["terraform-apply"].arn, "AWS::IAM::Role",
                {f"{gh}:aud": "sts.amazonaws.com",
                 f"{gh}:sub": "repo:northwind-health/infrastructure:environment:production"},
                "2024-11-18 10:24:51.903", "ARCHIVED", "2024-11-18 11:02:37.215"),
        finding("e2a7d5b9-6c1f-4d83-9b20-4a8e3f7c6d05", {"Federated": OIDC_ARN},
                ["sts:AssumeRoleWithWebIdentity"], ROLES_BY_NAME["github-actions-deploy"].arn, "AWS::IAM::Role",
                {f"{gh}:aud": "sts.amazonaws.com",
                 f"{gh}:sub": "repo:northwind-health/platform-services:ref:refs/heads/main"},
                "2024-09-03 12:03:12.645", "ARCHIVED", "2024-09-03 12:30:44.918"),
    ]}


def organization() -> dict[str, Any]:
    return {"Organization": {
        "Id": ORG_ID,
        "Arn": f"arn:aws:organizations::{MGMT_ACCOUNT}:organization/{ORG_ID}",
        "FeatureSet": "ALL",
        "MasterAccountArn": f"arn:aws:organizations::{MGMT_ACCOUNT}:account/{ORG_ID}/{MGMT_ACCOUNT}",
        "MasterAccountId": MGMT_ACCOUNT,
        "MasterAccountEmail": "aws-management@northwind.example",
        "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}],
    }}


def scps() -> dict[str, Any]:
    return {"Policies": [
        {"Id": "p-FullAWSAccess",
         "Arn": "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
         "Name": "FullAWSAccess", "Description": "Allows access to every operation",
         "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": True},
        {"Id": "p-4x9k2m7q",
         "Arn": f"arn:aws:organizations::{MGMT_ACCOUNT}:policy/{ORG_ID}/service_control_policy/p-4x9k2m7q",
         "Name": "DenyLeaveOrg", "Description": "Member accounts cannot leave the organization",
         "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": False},
    ]}


def sso_instances() -> dict[str, Any]:
    return {"Instances": [{
        "InstanceArn": "arn:aws:sso:::instance/ssoins-72238d4c1a9e0f35",
        "IdentityStoreId": "d-90676f2a1b",
        "OwnerAccountId": MGMT_ACCOUNT,
        "Name": "northwind",
        "CreatedDate": "2024-05-13T15:22:08.412000+00:00",
        "Status": "ACTIVE",
    }]}


# --------------------------------------------------------------------------------------------------
# What was planted, for the README table ("incidental" = follows from realistic data, not a plant)

PLANTED: dict[str, str] = {
    "root_without_hardware_mfa": "Root uses a hardware MFA: mfa_active=true and no root device in the "
                                 "virtual list.",
    "root_used_recently": "Root console last used 2026-05-19 (167 days).",
    "user_console_without_mfa": "Planted: contractor kevin.marsh and the shared account shared-ops "
                                "(EX-2026-009 for shared-ops expired 2026-10-15, so it stays FAIL).",
    "user_without_mfa": "The two above plus the four programmatic service users (incidental). daniel.reyes "
                        "and michelle.okafor use FIDO keys: MFA per the credential report, not in the "
                        "virtual list.",
    "access_key_not_rotated": "Planted: ethan.brooks (209 d), ci-deployer (291 d), svc-legacy-billing "
                              "(994 d, WAIVED by EX-2026-014). marcus.johnson's old key 1 is inactive: "
                              "not counted.",
    "access_key_unused": "Planted: svc-backup-reporter, last used 2026-09-01 (62 d).",
    "user_password_unused": "Planted: hannah.schmidt, console last used 2026-08-14 (80 d).",
    "user_has_multiple_active_keys": "Planted: li.wei mid-rotation.",
    "access_key_created_at_user_setup": "No key was created with its user and left unused.",
    "user_has_attached_policies": "Planted: laura.chen (FinOpsBillingRead) and the external auditor "
                                  "(AmazonS3ReadOnlyAccess).",
    "user_has_inline_policies": "Planted: svc-etl-loader (etl-kms-decrypt) and the external auditor "
                                "(inline Deny).",
    "user_not_in_group": "Planted: the external auditor.",
    "console_user_has_access_keys": "Incidental: five people also hold access keys.",
    "user_appears_shared": "Planted: shared-ops.",
    "workload_uses_iam_user": "Incidental: the four svc/ci users.",
    "password_min_length_too_short": "Planted: 12 < 14.",
    "password_reuse_prevention_too_low": "Planted: 12 < 24.",
    "password_expiry_too_long": "MaxPasswordAge 90 is not above 90.",
    "customer_policy_allows_full_admin": "Planted: OpsFullAccess. CIDeployPolicy v1 (*:*) is not the "
                                         "default version and must not fail.",
    "inline_policy_allows_full_admin": "No inline policy grants *:*.",
    "principal_has_admin_access": "Admins and Operations groups and their members, BreakGlassAdmin, "
                                  "OrganizationAccountAccessRole, Okta-PlatformAdmin.",
    "policy_allows_service_wildcard": "Planted: SageMakerPocAccess (s3:*, sagemaker:*).",
    "principal_can_escalate_privileges": "Planted: DeveloperAccess (iam:PassRole on * + "
                                         "lambda:CreateFunction + lambda:InvokeFunction) reaches the "
                                         "Developers group and its 12 non-admin members; terraform-apply "
                                         "(iam:AttachRolePolicy ...); Okta-Developer through PowerUserAccess "
                                         "(lambda:UpdateFunctionCode). Full admins are out of scope. "
                                         "etl-glue-job-role's glue:* is cut by its permissions boundary.",
    "principal_can_exfiltrate_data": "Incidental: admins, ReadOnlyAccess (s3:Get*, ssm:Get*), "
                                     "PowerUserAccess, SageMakerPocAccess (s3:*), "
                                     "AmazonSSMManagedInstanceCore (ssm:GetParameter). The external "
                                     "auditor must PASS: the inline Deny s3:GetObject* removes it.",
    "principal_can_expose_credentials": "Incidental: ecr:GetAuthorizationToken (needs Resource *) in "
                                        "developer, CI and ECS execution policies; PowerUserAccess "
                                        "(sts:GetFederationToken).",
    "principal_can_modify_resource_policies": "Admins, PowerUserAccess, SageMakerPocAccess (s3:*), "
                                              "terraform-apply (iam:UpdateAssumeRolePolicy).",
    "policy_allows_notaction": "No customer/inline Allow uses NotAction (EnforceMFA is a Deny+NotAction: "
                               "must not fail).",
    "policy_allows_passrole_to_any_role": "Planted: DeveloperAccess; OpsFullAccess through *.",
    "policy_allows_assume_any_role": "OpsFullAccess through *.",
    "policy_allows_kms_decrypt_on_all_keys": "OpsFullAccess through *. The boundary's kms:Decrypt has a "
                                             "kms:ViaService condition and is only a boundary.",
    "policy_allows_cloudtrail_tampering": "OpsFullAccess through *.",
    "customer_policy_unused": "Planted: TempVendorUploadAccess. NorthwindWorkloadBoundary is used as a "
                              "boundary (AttachmentCount 0, PermissionsBoundaryUsageCount 3): not unused.",
    "cloudshell_full_access_attached": "Planted: Operations group.",
    "role_trust_allows_any_principal": "No trust policy admits *.",
    "role_trust_cross_account_without_external_id": "Planted: PartnerAnalyticsAccess (444455556666). "
                                                    "OrganizationAccountAccessRole trusts the management "
                                                    "account 111111111111 (fails on a literal reading). "
                                                    "VendorMonitoring-Obsrv has sts:ExternalId: PASS.",
    "role_oidc_trust_without_subject_condition": "Planted: github-actions-legacy (aud only). "
                                                 "github-actions-deploy pins sub: PASS.",
    "role_unused": "Planted: legacy-reporting-role (last used 2025-12-02) and sagemaker-poc-role (never "
                   "used, created 2026-02-10).",
    "privileged_role_trust_without_mfa": "OrganizationAccountAccessRole. BreakGlassAdmin requires MFA: "
                                         "PASS. Okta-PlatformAdmin is SAML-only.",
    "privileged_role_session_too_long": "Planted: Okta-PlatformAdmin at 43200 s. MaxSessionDuration is "
                                        "only in roles.json (list-roles), not in authorization details.",
    "iam_delegation_without_permissions_boundary": "Planted: terraform-apply (TerraformIamManagement: "
                                                   "iam:CreateRole, iam:AttachRolePolicy ... on *, no "
                                                   "boundary). Full admins are out of scope.",
    "break_glass_role_missing": "BreakGlassAdmin, tagged purpose=break-glass.",
    "support_role_missing": "Support group holds AWSSupportAccess.",
    "group_empty": "Every group has members.",
    "virtual_mfa_device_unassigned": "Planted: mfa/shared-ops (an abandoned enrolment).",
    "server_certificate_expired": "Planted: portal-northwind-health-2024 expired 2025-06-30; "
                                  "api-internal-northwind-2026 is valid.",
    "access_analyzer_not_enabled": "Planted: eu-west-1 has no analyzer; no files for us-east-2 and "
                                   "us-west-2 (ERROR, never PASS).",
    "access_analyzer_has_active_findings": "Three ACTIVE findings in us-east-1 (four more are ARCHIVED "
                                           "and must not count).",
    "organization_scps_missing": "DenyLeaveOrg exists besides FullAWSAccess.",
}


FILES: dict[str, Any] = {
    "credential-report.json": credential_report,
    "authorization-details.json": authorization_details,
    "roles.json": list_roles,
    "password-policy.json": password_policy,
    "account-summary.json": account_summary,
    "mfa-devices.json": virtual_mfa_devices,
    "server-certificates.json": server_certificates,
    "saml-providers.json": saml_providers,
    "oidc-providers.json": oidc_providers,
    "regions.json": regions,
    "trails.json": trails,
    f"trail-status-{TRAIL_NAME}.json": trail_status,
    f"event-selectors-{TRAIL_NAME}.json": event_selectors,
    "access-analyzer-us-east-1.json": analyzers_us_east_1,
    "access-analyzer-eu-west-1.json": lambda: {"analyzers": []},
    "access-analyzer-findings-us-east-1.json": analyzer_findings_us_east_1,
    "organization.json": organization,
    "scps.json": scps,
    "sso-instances.json": sso_instances,
}


def population() -> str:
    virtual = virtual_mfa_devices()["VirtualMFADevices"]
    assigned = sum(1 for d in virtual if "User" in d)
    people = [u for u in USERS if u.console]
    linked = sum(1 for r in ROLES if r.path.startswith("/aws-service-role/"))
    customer = [p for p in POLICIES.values() if not p.aws]
    return (
        f"* Population: {len(USERS)} IAM users ({len(people)} people with a console password, among them a "
        f"contractor and an external auditor, and {len(USERS) - len(people)} programmatic service users), "
        f"{len(GROUPS)} groups, {len(ROLES)} roles ({linked} of them service-linked), {len(customer)} customer "
        f"managed policies ({sum(len(p.versions) for p in customer)} versions), {len(AWS_POLICIES)} attached "
        f"AWS managed policies, {len(PROFILE_IDS)} instance profiles, {len(virtual)} virtual MFA devices "
        f"({assigned} assigned, {len(virtual) - assigned} unassigned), "
        f"{sum(1 for u in USERS if u.mfa == 'fido')} people on FIDO keys, root on a hardware MFA."
    )


def replace_between(path: Path, start: str, end: str, body: str) -> None:
    text = path.read_text(encoding="utf-8")
    before, _, rest = text.partition(start)
    _, _, after = rest.partition(end)
    path.write_text(f"{before}{start}\n{body}\n{end}{after}", encoding="utf-8")


def main() -> None:
    check_model()
    EXPORTS.mkdir(exist_ok=True)
    for old in EXPORTS.glob("*.json"):
        if old.name not in FILES:
            old.unlink()
    for name, build in FILES.items():
        write_json(name, build())
    import expected  # samples/expected.py: the reference verdicts, computed from the files just written

    results = expected.evaluate(EXPORTS)
    (HERE / "expected-findings.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    expected.write_readme(results, HERE / "README.md", PLANTED)
    replace_between(HERE / "README.md", "<!-- population:start -->", "<!-- population:end -->", population())
    print(f"wrote {len(FILES)} files to {EXPORTS}")
    print(f"users {len(USERS)}, groups {len(GROUPS)}, roles {len(ROLES)}, "
          f"customer policies {len(CUSTOMER_POLICIES)}, AWS managed policies {len(AWS_POLICIES)}")


if __name__ == "__main__":
    main()
