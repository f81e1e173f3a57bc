"""Write a synthetic but realistic set of loose AWS CLI exports for one account, at any size.

    python benchmarks/make_account.py --users 10000 --roles 800 --policies 400 --groups 60 \
        --seed 7 --out /tmp/big-account [--account-id 123456789012] [--compact]

Same file names and formats as samples/exports/ (what the AWS CLI prints). Deterministic for a seed:
every random choice comes from random.Random(seed) and every time is relative to a fixed collection
moment, 2026-11-02T06:00:00Z. Stdlib only. JSON is indented like the AWS CLI's; `--compact` drops
the indentation (smaller files, somewhat faster).

The mix: ~85% of users are people with a console password, ~5% of those without MFA; ~10% of active
keys older than 90 days; ~5% of users unused for 45+ days; users get permissions through groups that
share customer policies; ~3% of users have inline policies and ~2% direct attachments; ~3% belong
to no group; roles of several trust kinds (AWS services, SAML, GitHub OIDC with and without a `sub`
condition, cross-account with and without sts:ExternalId, same-account with MFA), permissions
boundaries on about a third of the service roles, a few admin roles, a break-glass role and the
usual service-linked roles; customer policies with 1-3 versions, a few dangerous ones and a few unused.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BASE = datetime(2026, 11, 2, 6, 0, 0, tzinfo=UTC)
GENERATED = BASE - timedelta(seconds=79)
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
REGIONS = ("eu-west-1", "us-east-1", "us-east-2", "us-west-2")
HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,"
    "cert_2_active,cert_2_last_rotated"
)
FIRST = ("james", "mary", "robert", "patricia", "john", "jennifer", "michael", "linda", "david", "elizabeth",
         "william", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah", "charles", "karen",
         "amara", "chidi", "priya", "arjun", "mei", "wei", "yuki", "haruto", "sofia", "mateo", "fatima",
         "omar", "ingrid", "lars", "olga", "dmitri", "aisha", "kwame", "lucia", "diego", "noa", "eitan",
         "zara", "ravi", "ana", "joao", "emma", "liam", "chloe", "noah")
LAST = ("smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez",
        "martinez", "hernandez", "lopez", "gonzalez", "wilson", "anderson", "thomas", "taylor", "moore",
        "jackson", "martin", "lee", "perez", "thompson", "white", "harris", "sanchez", "clark", "ramirez",
        "lewis", "robinson", "okafor", "nwosu", "patel", "sharma", "nguyen", "tanaka", "kim", "park",
        "kowalski", "novak", "schmidt", "muller", "rossi", "silva", "santos", "haddad", "cohen", "osei",
        "mensah", "lindqvist")
TEAMS = ("platform", "data", "payments", "claims", "patient-apps", "analytics", "security", "support",
         "operations", "finance", "ml", "integrations", "mobile", "web", "reporting", "identity")
SERVICES = ("s3", "dynamodb", "sqs", "sns", "lambda", "logs", "kinesis", "glue", "athena", "ecr", "ecs",
            "secretsmanager", "ssm", "kms", "rds", "cloudwatch", "states", "events", "firehose", "sagemaker")
KEY_SERVICES = ("s3", "ecr", "ecs", "dynamodb", "sqs", "lambda", "athena", "sts", "cloudwatch", "logs")
AWS_MANAGED = {  # name: (path, id, document)
    "AdministratorAccess": ("/", "ANPAIWMBCKSKIEE64ZLYK", [{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
    "ReadOnlyAccess": ("/", "ANPAILL3HVNFSB6DCOWYQ", [{"Effect": "Allow", "Action": [
        "ec2:Describe*", "iam:Get*", "iam:List*", "s3:Get*", "s3:List*", "ssm:Get*", "ecr:Get*", "lambda:Get*",
        "dynamodb:Get*", "dynamodb:Scan", "logs:Get*", "cloudwatch:Get*", "kms:Describe*"], "Resource": "*"}]),
    "PowerUserAccess": ("/", "ANPAJYRXTHIB4FOVS3ZXS", [
        {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},
        {"Effect": "Allow", "Action": ["iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole",
                                       "iam:ListRoles", "organizations:DescribeOrganization"], "Resource": "*"}]),
    "SecurityAudit": ("/", "ANPAIX2T3QCXHR2OGGCTO", [{"Effect": "Allow", "Action": [
        "iam:Get*", "iam:List*", "iam:GenerateCredentialReport", "cloudtrail:Describe*", "config:Describe*",
        "ec2:Describe*", "kms:Describe*", "s3:GetBucket*", "s3:ListAllMyBuckets"], "Resource": "*"}]),
    "ViewOnlyAccess": ("/job-function/", "ANPAID22R6XPJATWOFDK6", [{"Effect": "Allow", "Action": [
        "ec2:DescribeInstances", "iam:ListUsers", "iam:ListRoles", "s3:ListAllMyBuckets", "lambda:ListFunctions"],
        "Resource": "*"}]),
    "AWSSupportAccess": ("/", "ANPAJSNKQX2OW67GF4S7E", [{"Effect": "Allow", "Action": ["support:*"],
                                                        "Resource": "*"}]),
    "AmazonS3ReadOnlyAccess": ("/", "ANPAIZTJ4DXE7G6AGAE6M", [{"Effect": "Allow", "Action": [
        "s3:Get*", "s3:List*", "s3:Describe*"], "Resource": "*"}]),
    "AWSCloudShellFullAccess": ("/", "ANPAZKAPJZG4AJ6XPBCQ4", [{"Action": ["cloudshell:*"], "Effect": "Allow",
                                                              "Resource": "*"}]),
    "AWSLambdaBasicExecutionRole": ("/service-role/", "ANPAJNCQGXC42545SKXIK", [{"Effect": "Allow", "Action": [
        "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}]),
    "AmazonECSTaskExecutionRolePolicy": ("/service-role/", "ANPAJG4T4G4PV56DE72PY", [{"Effect": "Allow", "Action": [
        "ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer",
        "ecr:BatchGetImage", "logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}]),
    "AmazonSSMManagedInstanceCore": ("/", "ANPAIXSHM2BNB2D3AXXRU", [{"Effect": "Allow", "Action": [
        "ssm:UpdateInstanceInformation", "ssm:GetParameter", "ssm:GetParameters", "ssmmessages:*",
        "ec2messages:*"], "Resource": "*"}]),
    "AWSSupportServiceRolePolicy": ("/aws-service-role/", "ANPAJ7W6266ELXF5MISDS", [{"Effect": "Allow", "Action": [
        "ec2:Describe*", "iam:GetAccountSummary", "s3:ListAllMyBuckets"], "Resource": "*"}]),
    "AWSTrustedAdvisorServiceRolePolicy": ("/aws-service-role/", "ANPAJH4QJ2WMHBOB47BUE", [{
        "Effect": "Allow", "Action": ["ec2:Describe*", "iam:GetAccountPasswordPolicy", "s3:GetBucketAcl"],
        "Resource": "*"}]),
    "AWSOrganizationsServiceTrustPolicy": ("/aws-service-role/", "ANPAIQH6ROMVVECFVRJPK", [{
        "Effect": "Allow", "Action": ["iam:CreateServiceLinkedRole"], "Resource": "*"}]),
}


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


class Account:
    def __init__(self, args: argparse.Namespace) -> None:
        self.rng = random.Random(args.seed)
        self.account = args.account_id
        self.arn = f"arn:aws:iam::{self.account}"
        self.n_users, self.n_roles, self.n_policies, self.n_groups = args.users, args.roles, args.policies, args.groups
        self.ids: set[str] = set()

    # ---- primitives
    def uid(self, prefix: str) -> str:
        while True:
            value = prefix + "".join(self.rng.choices(B32, k=17))
            if value not in self.ids:
                self.ids.add(value)
                return value

    def ago(self, lo_days: float, hi_days: float) -> datetime:
        seconds = self.rng.uniform(lo_days * 86400, hi_days * 86400)
        return (BASE - timedelta(seconds=seconds)).replace(microsecond=0)

    def between(self, start: datetime, end: datetime) -> datetime:
        if end <= start:
            return start
        return (start + timedelta(seconds=self.rng.uniform(0, (end - start).total_seconds()))).replace(microsecond=0)

    # ---- policies
    def statement(self, team: str) -> dict[str, Any]:
        svc = self.rng.choice(SERVICES)
        verbs = self.rng.sample(("Get*", "List*", "Describe*", "Put*", "Update*", "Create*", "Delete*"),
                                self.rng.randint(1, 3))
        resource: Any = f"arn:aws:{svc}:*:{self.account}:*{team}*"
        if svc == "s3":
            resource = [f"arn:aws:s3:::nw-{team}-{self.rng.randint(1, 40)}",
                        f"arn:aws:s3:::nw-{team}-{self.rng.randint(1, 40)}/*"]
        elif self.rng.random() < 0.15:
            resource = "*"
        return {"Effect": "Allow", "Action": sorted(f"{svc}:{v}" for v in verbs), "Resource": resource}

    def customer_policies(self) -> None:
        rng = self.rng
        self.policies: list[dict[str, Any]] = []
        self.boundary_arn = f"{self.arn}:policy/WorkloadBoundary"
        special = {0: "boundary", 1: "admin", 2: "passrole", 3: "notaction"}
        for i in range(self.n_policies):
            kind = special.get(i, "normal")
            team = rng.choice(TEAMS)
            name = {"boundary": "WorkloadBoundary", "admin": "LegacyFullAccess",
                    "passrole": "DeveloperAccess"}.get(kind, f"{team}-{rng.choice(('rw', 'ro', 'deploy', 'ops'))}-{i}")
            created = self.ago(60, 2200)
            versions = []
            n_versions = rng.choice((1, 1, 2, 3))
            when = created
            for v in range(n_versions):
                stmts: list[dict[str, Any]]
                if kind == "admin":
                    stmts = [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
                elif kind == "passrole":
                    stmts = [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
                             {"Effect": "Allow", "Action": ["lambda:CreateFunction", "lambda:InvokeFunction",
                                                            "lambda:UpdateFunctionCode"], "Resource": "*"}]
                elif kind == "notaction":
                    stmts = [{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}]
                elif kind == "boundary":
                    stmts = [{"Effect": "Allow", "Action": ["s3:*", "dynamodb:*", "sqs:*", "logs:*", "kms:Decrypt"],
                              "Resource": "*"},
                             {"Effect": "Deny", "Action": ["iam:*", "organizations:*"], "Resource": "*"}]
                else:
                    stmts = [self.statement(team) for _ in range(rng.randint(1, 4))]
                if v < n_versions - 1 and rng.random() < 0.1:
                    stmts = [{"Effect": "Allow", "Action": "*", "Resource": "*"}]  # old, non-default version
                versions.append((f"v{v + 1}", when, {"Version": "2012-10-17", "Statement": stmts}))
                when = self.between(when, BASE - timedelta(days=1))
            self.policies.append({"name": name, "arn": f"{self.arn}:policy/{name}", "id": self.uid("ANPA"),
                                  "created": created, "versions": versions, "kind": kind,
                                  "attached": 0, "boundary": 0})
        self.attachable = [p for p in self.policies if p["kind"] == "normal"]

    # ---- groups, users
    def groups_and_users(self) -> None:
        rng = self.rng
        self.groups: list[dict[str, Any]] = []
        for i in range(self.n_groups):
            team = TEAMS[i % len(TEAMS)]
            name = f"{team}-{('engineers', 'readers', 'operators', 'admins')[i // len(TEAMS) % 4]}"
            if i >= len(TEAMS) * 4:
                name += f"-{i}"
            pols = [p["arn"] for p in rng.sample(self.attachable, min(len(self.attachable), rng.randint(1, 3)))]
            aws = []
            if i == 0:
                aws = ["AdministratorAccess"]
            elif i == 1:
                pols.append(f"{self.arn}:policy/DeveloperAccess")
                aws = ["ReadOnlyAccess"]
            elif i == 2:
                aws = ["AWSSupportAccess", "ViewOnlyAccess"]
            elif i == 3:
                aws = ["AWSCloudShellFullAccess", "PowerUserAccess"]
            elif i == 4:
                aws = ["SecurityAudit"]
            self.groups.append({"name": name, "id": self.uid("AGPA"), "created": self.ago(400, 2500),
                                "policies": pols, "aws": aws, "members": 0,
                                "inline": rng.random() < 0.05})
        self.users: list[dict[str, Any]] = []
        names: set[str] = set()
        for i in range(self.n_users):
            service = rng.random() < 0.12
            if service:
                name = f"svc-{rng.choice(TEAMS)}-{rng.choice(SERVICES)}-{i}"
            else:
                name = f"{rng.choice(FIRST)}.{rng.choice(LAST)}"
                if name in names:
                    name = f"{name}{i}"
            names.add(name)
            created = self.ago(3, 2600)
            user: dict[str, Any] = {"name": name, "id": self.uid("AIDA"), "created": created, "service": service}
            r = rng.random()
            if r < 0.03 or not self.groups:
                user["groups"] = []
            else:
                user["groups"] = [g["name"] for g in rng.sample(self.groups, min(len(self.groups),
                                                                                 1 if r < 0.8 else 2))]
            for g in self.groups:
                if g["name"] in user["groups"]:
                    g["members"] += 1
            user["attached"] = [rng.choice(self.attachable)["arn"]] if self.attachable and rng.random() < 0.02 else []
            user["aws_attached"] = ["AmazonS3ReadOnlyAccess"] if rng.random() < 0.005 else []
            user["inline"] = rng.random() < 0.03
            user["console"] = not service
            unused = rng.random() < 0.05
            if user["console"]:
                user["mfa"] = rng.random() >= 0.05
                if unused:
                    user["pw_used"] = self.between(created, BASE - timedelta(days=46)) if created < BASE - timedelta(
                        days=47) else None
                else:
                    user["pw_used"] = self.between(max(created, BASE - timedelta(days=30)), GENERATED)
                user["pw_changed"] = self.between(created, user["pw_used"] or GENERATED)
            else:
                user["mfa"] = False
            keys = []
            n_keys = 1 if service else (1 if rng.random() < 0.2 else 0)
            if service and rng.random() < 0.04:
                n_keys = 2
            for _ in range(n_keys):
                old = rng.random() < 0.10
                earliest = max(created, BASE - timedelta(days=2000 if old else 89))
                latest = BASE - timedelta(days=91) if old else GENERATED
                rotated = self.between(earliest, latest) if earliest < latest else created
                active = rng.random() < 0.95
                never = rng.random() < 0.03
                if rng.random() < 0.01:  # created together with the user and never used (CIS 1.11)
                    rotated, never = created + timedelta(seconds=rng.randint(1, 40)), True
                key_unused = unused or rng.random() < 0.02
                if never:
                    used = None
                elif key_unused and rotated < BASE - timedelta(days=47):
                    used = self.between(rotated, BASE - timedelta(days=46))
                else:
                    used = self.between(max(rotated, BASE - timedelta(days=20)), GENERATED)
                if used:
                    used = used.replace(second=0)
                    used = max(used, rotated)
                keys.append((active, rotated, used, rng.choice(REGIONS), rng.choice(KEY_SERVICES)))
            user["keys"] = keys
            self.users.append(user)

    # ---- roles
    def roles(self) -> None:
        rng = self.rng
        self.role_list: list[dict[str, Any]] = []
        saml = f"{self.arn}:saml-provider/CorpIdP"
        oidc = f"{self.arn}:oidc-provider/token.actions.githubusercontent.com"
        fixed = ["AWSServiceRoleForSupport", "AWSServiceRoleForTrustedAdvisor", "AWSServiceRoleForOrganizations",
                 "BreakGlassAdmin"]
        n_admin = max(1, self.n_roles // 60)
        for i in range(max(self.n_roles, len(fixed) + n_admin)):
            created = self.ago(5, 2400)
            path, boundary, max_session, tags = "/", None, 3600, []
            aws: list[str] = []
            attached: list[str] = []
            condition: dict[str, Any] | None = None
            if i < len(fixed):
                name = fixed[i]
                if name == "BreakGlassAdmin":
                    principal = {"AWS": f"{self.arn}:root"}
                    action = "sts:AssumeRole"
                    condition = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
                    aws = ["AdministratorAccess"]
                    tags = [{"Key": "purpose", "Value": "break-glass"}]
                else:
                    svc = {"AWSServiceRoleForSupport": "support", "AWSServiceRoleForTrustedAdvisor": "trustedadvisor",
                           "AWSServiceRoleForOrganizations": "organizations"}[name]
                    path = f"/aws-service-role/{svc}.amazonaws.com/"
                    principal = {"Service": f"{svc}.amazonaws.com"}
                    action = "sts:AssumeRole"
                    aws = [{"support": "AWSSupportServiceRolePolicy", "trustedadvisor": "AWSTrustedAdvisorServiceRolePolicy",
                            "organizations": "AWSOrganizationsServiceTrustPolicy"}[svc]]
            else:
                kind = rng.choices(("service", "saml", "oidc", "cross", "same", "admin"),
                                   (60, 10, 8, 8, 4, 0))[0] if i >= len(fixed) + n_admin else "admin"
                team = rng.choice(TEAMS)
                action = "sts:AssumeRole"
                if kind == "service":
                    svc = rng.choice(("lambda", "ec2", "ecs-tasks", "glue", "states", "sagemaker", "events"))
                    name = f"{team}-{svc}-role-{i}"
                    path = "/service-role/" if rng.random() < 0.5 else "/"
                    principal = {"Service": f"{svc}.amazonaws.com"}
                    aws = {"lambda": ["AWSLambdaBasicExecutionRole"], "ec2": ["AmazonSSMManagedInstanceCore"],
                           "ecs-tasks": ["AmazonECSTaskExecutionRolePolicy"]}.get(svc, [])
                    if rng.random() < 0.33:
                        boundary = self.boundary_arn
                elif kind == "saml":
                    name = f"SSO-{team}-{rng.choice(('Admin', 'Developer', 'ReadOnly'))}-{i}"
                    principal = {"Federated": saml}
                    action = "sts:AssumeRoleWithSAML"
                    condition = {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}
                    max_session = rng.choice((3600, 14400, 28800, 43200))
                    if name.startswith(f"SSO-{team}-ReadOnly"):
                        aws = ["ReadOnlyAccess"]
                elif kind == "oidc":
                    name = f"gha-{team}-{i}"
                    principal = {"Federated": oidc}
                    action = "sts:AssumeRoleWithWebIdentity"
                    cond = {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
                    if rng.random() < 0.8:
                        cond["token.actions.githubusercontent.com:sub"] = f"repo:example-org/{team}:ref:refs/heads/main"
                    condition = {"StringEquals": cond}
                elif kind == "cross":
                    name = f"partner-{team}-{i}"
                    other = f"{rng.randint(100000000000, 999999999999)}"
                    principal = {"AWS": f"arn:aws:iam::{other}:root"}
                    if rng.random() < 0.5:
                        condition = {"StringEquals": {"sts:ExternalId": f"ext-{rng.getrandbits(48):012x}"}}
                else:  # same-account (with MFA) or admin
                    name = f"{team}-{'admin' if kind == 'admin' else 'operator'}-{i}"
                    principal = {"AWS": f"{self.arn}:root"}
                    if rng.random() < 0.6:
                        condition = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
                    if kind == "admin":
                        aws = ["AdministratorAccess"]
                        max_session = rng.choice((3600, 43200))
                if self.attachable and rng.random() < 0.85:
                    attached = [p["arn"] for p in rng.sample(self.attachable, min(len(self.attachable),
                                                                                  rng.randint(1, 2)))]
            stmt: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
            if condition:
                stmt["Condition"] = condition
            r = rng.random()
            last = None if r < 0.15 else (self.between(max(created, BASE - timedelta(days=400)),
                                                       BASE - timedelta(days=91)) if r < 0.30 else
                                          self.between(max(created, BASE - timedelta(days=30)), BASE))
            if last and last < created:
                last = created
            self.role_list.append({
                "name": name, "id": self.uid("AROA"), "path": path, "created": created,
                "trust": {"Version": "2012-10-17", "Statement": [stmt]}, "aws": aws, "attached": attached,
                "boundary": boundary, "max_session": max_session, "tags": tags, "last": last,
                "region": rng.choice(REGIONS), "inline": rng.random() < 0.2,
            })

    # ---- outputs
    def policy_ref(self, arn: str) -> dict[str, str]:
        return {"PolicyName": arn.rsplit("/", 1)[-1], "PolicyArn": arn}

    def aws_arn(self, name: str) -> str:
        return f"arn:aws:iam::aws:policy{AWS_MANAGED[name][0]}{name}"

    def inline(self, owner: str) -> list[dict[str, Any]]:
        team = self.rng.choice(TEAMS)
        return [{"PolicyName": f"{owner}-inline", "PolicyDocument": {
            "Version": "2012-10-17", "Statement": [self.statement(team)]}}]

    def authorization_details(self) -> dict[str, Any]:
        counts: dict[str, int] = {}

        def use(arn: str) -> dict[str, str]:
            counts[arn] = counts.get(arn, 0) + 1
            return self.policy_ref(arn)

        users = []
        for u in self.users:
            entry: dict[str, Any] = {"Path": "/", "UserName": u["name"], "UserId": u["id"],
                                     "Arn": f"{self.arn}:user/{u['name']}", "CreateDate": iso(u["created"])}
            if u["inline"]:
                entry["UserPolicyList"] = self.inline(u["name"])
            entry["GroupList"] = u["groups"]
            entry["AttachedManagedPolicies"] = [use(a) for a in u["attached"]] + [
                use(self.aws_arn(a)) for a in u["aws_attached"]]
            entry["Tags"] = [{"Key": "team", "Value": self.rng.choice(TEAMS)}] if not u["service"] else [
                {"Key": "owner", "Value": f"{self.rng.choice(TEAMS)}@example.com"}]
            users.append(entry)
        groups = []
        for g in self.groups:
            groups.append({
                "Path": "/", "GroupName": g["name"], "GroupId": g["id"], "Arn": f"{self.arn}:group/{g['name']}",
                "CreateDate": iso(g["created"]), "GroupPolicyList": self.inline(g["name"]) if g["inline"] else [],
                "AttachedManagedPolicies": [use(a) for a in g["policies"]] + [use(self.aws_arn(a)) for a in g["aws"]],
            })
        roles = []
        bounds: dict[str, int] = {}
        for r in self.role_list:
            summary = {"Path": r["path"], "RoleName": r["name"], "RoleId": r["id"],
                       "Arn": f"{self.arn}:role{r['path']}{r['name']}", "CreateDate": iso(r["created"]),
                       "AssumeRolePolicyDocument": r["trust"]}
            entry = {**summary, "InstanceProfileList": [],
                     "RolePolicyList": self.inline(r["name"]) if r["inline"] else [],
                     "AttachedManagedPolicies": [use(a) for a in r["attached"]] + [
                         use(self.aws_arn(a)) for a in r["aws"]]}
            if r["boundary"]:
                bounds[r["boundary"]] = bounds.get(r["boundary"], 0) + 1
                entry["PermissionsBoundary"] = {"PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                                                "PermissionsBoundaryArn": r["boundary"]}
            entry["Tags"] = r["tags"]
            entry["RoleLastUsed"] = {"LastUsedDate": iso(r["last"]), "Region": r["region"]} if r["last"] else {}
            roles.append(entry)
        policies = []
        for p in self.policies:
            versions = p["versions"]
            policies.append({
                "PolicyName": p["name"], "PolicyId": p["id"], "Arn": p["arn"], "Path": "/",
                "DefaultVersionId": versions[-1][0], "AttachmentCount": counts.get(p["arn"], 0),
                "PermissionsBoundaryUsageCount": bounds.get(p["arn"], 0), "IsAttachable": True,
                "CreateDate": iso(p["created"]), "UpdateDate": iso(versions[-1][1]),
                "PolicyVersionList": [{"Document": d, "VersionId": v, "IsDefaultVersion": v == versions[-1][0],
                                       "CreateDate": iso(w)} for v, w, d in reversed(versions)],
            })
        for name, (path, pid, statements) in AWS_MANAGED.items():
            arn = self.aws_arn(name)
            if arn not in counts:
                continue
            policies.append({
                "PolicyName": name, "PolicyId": pid, "Arn": arn, "Path": path, "DefaultVersionId": "v1",
                "AttachmentCount": counts[arn], "PermissionsBoundaryUsageCount": 0,
                "IsAttachable": not path.startswith("/aws-service-role/"),
                "CreateDate": "2015-02-06T18:39:46+00:00", "UpdateDate": "2015-02-06T18:39:46+00:00",
                "PolicyVersionList": [{"Document": {"Version": "2012-10-17", "Statement": statements},
                                       "VersionId": "v1", "IsDefaultVersion": True,
                                       "CreateDate": "2015-02-06T18:39:46+00:00"}],
            })
        self.customer_count = len(self.policies)
        self.version_count = sum(len(p["versions"]) for p in self.policies)
        return {"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles, "Policies": policies}

    def credential_report(self) -> dict[str, Any]:
        lines = [HEADER, ",".join((
            "<root_account>", f"{self.arn}:root", iso(BASE - timedelta(days=2600)), "not_supported",
            iso(BASE - timedelta(days=140, hours=3)), "not_supported", "not_supported", "true",
            "false", "N/A", "N/A", "N/A", "N/A", "false", "N/A", "N/A", "N/A", "N/A", "false", "N/A", "false", "N/A"))]
        na4 = ("N/A", "N/A", "N/A")
        for u in self.users:
            if u["console"]:
                changed = u["pw_changed"]
                password = ("true", iso(u["pw_used"]) if u["pw_used"] else "no_information", iso(changed),
                            iso(changed + timedelta(days=90)))
            else:
                password = ("false",) + na4
            keys: list[str] = []
            for slot in range(2):
                if slot < len(u["keys"]):
                    active, rotated, used, region, service = u["keys"][slot]
                    keys += [("true" if active else "false"), iso(rotated)]
                    keys += [iso(used), region, service] if used else list(na4)
                else:
                    keys += ["false", "N/A", "N/A", "N/A", "N/A"]
            lines.append(",".join((u["name"], f"{self.arn}:user/{u['name']}", iso(u["created"]), *password,
                                   "true" if u["mfa"] else "false", *keys, "false", "N/A", "false", "N/A")))
        content = base64.b64encode("\n".join(lines).encode()).decode("ascii")
        return {"Content": content, "ReportFormat": "text/csv", "GeneratedTime": iso(GENERATED)}

    def mfa_devices(self) -> dict[str, Any]:
        devices = []
        for u in self.users:
            if u["mfa"]:
                user = {"Path": "/", "UserName": u["name"], "UserId": u["id"],
                        "Arn": f"{self.arn}:user/{u['name']}", "CreateDate": iso(u["created"])}
                if u.get("pw_used"):
                    user["PasswordLastUsed"] = iso(u["pw_used"])
                devices.append({"SerialNumber": f"{self.arn}:mfa/{u['name']}", "User": user,
                                "EnableDate": iso(u["created"] + timedelta(minutes=20))})
        for i in range(max(1, len(self.users) // 500)):
            devices.append({"SerialNumber": f"{self.arn}:mfa/abandoned-{i}"})
        self.mfa_total = len(devices)
        self.mfa_in_use = sum(1 for d in devices if "User" in d)
        return {"VirtualMFADevices": devices}

    def list_roles(self) -> dict[str, Any]:
        out = []
        for r in self.role_list:
            out.append({"Path": r["path"], "RoleName": r["name"], "RoleId": r["id"],
                        "Arn": f"{self.arn}:role{r['path']}{r['name']}", "CreateDate": iso(r["created"]),
                        "AssumeRolePolicyDocument": r["trust"], "MaxSessionDuration": r["max_session"]})
        return {"Roles": out}

    def small_files(self) -> dict[str, Any]:
        rng, a = self.rng, self.account
        trail = f"arn:aws:cloudtrail:us-east-1:{a}:trail/org-audit-trail"
        analyzer = f"arn:aws:access-analyzer:us-east-1:{a}:analyzer/account-analyzer"
        files: dict[str, Any] = {
            "password-policy.json": {"PasswordPolicy": {
                "MinimumPasswordLength": rng.choice((8, 12, 14, 16)), "RequireSymbols": True, "RequireNumbers": True,
                "RequireUppercaseCharacters": True, "RequireLowercaseCharacters": rng.random() < 0.8,
                "AllowUsersToChangePassword": True, "ExpirePasswords": True, "MaxPasswordAge": 90,
                "PasswordReusePrevention": rng.choice((5, 12, 24)), "HardExpiry": False}},
            "server-certificates.json": {"ServerCertificateMetadataList": [
                {"Path": "/", "ServerCertificateName": f"cert-{i}", "ServerCertificateId": self.uid("ASCA"),
                 "Arn": f"{self.arn}:server-certificate/cert-{i}", "UploadDate": iso(self.ago(400, 900)),
                 "Expiration": iso(self.ago(-400, 200))} for i in range(3)]},
            "saml-providers.json": {"SAMLProviderList": [{"Arn": f"{self.arn}:saml-provider/CorpIdP",
                                                          "ValidUntil": "2120-01-15T10:04:33+00:00",
                                                          "CreateDate": "2020-01-15T10:04:33+00:00"}]},
            "oidc-providers.json": {"OpenIDConnectProviderList": [
                {"Arn": f"{self.arn}:oidc-provider/token.actions.githubusercontent.com"}]},
            "regions.json": {"Regions": [{"Endpoint": f"ec2.{r}.amazonaws.com", "RegionName": r,
                                          "OptInStatus": "opt-in-not-required"} for r in REGIONS]},
            "trails.json": {"trailList": [{
                "Name": "org-audit-trail", "S3BucketName": f"cloudtrail-logs-{a}", "IncludeGlobalServiceEvents": True,
                "IsMultiRegionTrail": True, "HomeRegion": "us-east-1", "TrailARN": trail,
                "LogFileValidationEnabled": True, "KmsKeyId": f"arn:aws:kms:us-east-1:{a}:key/{rng.getrandbits(64):016x}",
                "HasCustomEventSelectors": False, "HasInsightSelectors": False, "IsOrganizationTrail": False}]},
            "trail-status-org-audit-trail.json": {
                "IsLogging": True, "LatestDeliveryTime": "2026-11-02T05:55:12.418000+00:00",
                "StartLoggingTime": "2021-06-01T09:12:44.201000+00:00",
                "LatestDeliveryAttemptTime": "2026-11-02T05:55:12Z", "LatestNotificationAttemptTime": "",
                "LatestNotificationAttemptSucceeded": "", "LatestDeliveryAttemptSucceeded": "2026-11-02T05:55:12Z",
                "TimeLoggingStarted": "2021-06-01T09:12:44Z", "TimeLoggingStopped": ""},
            "event-selectors-org-audit-trail.json": {"TrailARN": trail, "EventSelectors": [
                {"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": [],
                 "ExcludeManagementEventSources": []}]},
            "access-analyzer-us-east-1.json": {"analyzers": [{
                "arn": analyzer, "createdAt": "2023-03-02T10:41:18+00:00", "name": "account-analyzer",
                "status": "ACTIVE", "tags": {}, "type": "ACCOUNT"}]},
            "access-analyzer-eu-west-1.json": {"analyzers": []},
            "access-analyzer-findings-us-east-1.json": {"findings": [
                {"id": f"{rng.getrandbits(128):032x}", "principal": {"AWS": r["trust"]["Statement"][0]["Principal"]
                                                                      ["AWS"].split(":")[4]},
                 "action": ["sts:AssumeRole"], "resource": f"{self.arn}:role{r['path']}{r['name']}", "isPublic": False,
                 "resourceType": "AWS::IAM::Role", "condition": {}, "createdAt": iso(r["created"]),
                 "analyzedAt": iso(GENERATED), "updatedAt": iso(r["created"]),
                 "status": "ACTIVE" if "Condition" not in r["trust"]["Statement"][0] else "ARCHIVED",
                 "resourceOwnerAccount": a}
                for r in self.role_list if r["name"].startswith("partner-")]},
            "organization.json": {"Organization": {
                "Id": "o-exampleorg1", "Arn": "arn:aws:organizations::111111111111:organization/o-exampleorg1",
                "FeatureSet": "ALL",
                "MasterAccountArn": "arn:aws:organizations::111111111111:account/o-exampleorg1/111111111111",
                "MasterAccountId": "111111111111", "MasterAccountEmail": "aws-management@example.com",
                "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]}},
            "scps.json": {"Policies": [{
                "Id": "p-FullAWSAccess", "Arn": "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
                "Name": "FullAWSAccess", "Description": "Allows access to every operation",
                "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": True}]},
            "sso-instances.json": {"Instances": [{
                "InstanceArn": "arn:aws:sso:::instance/ssoins-0123456789abcdef", "IdentityStoreId": "d-9067000000",
                "OwnerAccountId": "111111111111", "Name": "example", "CreatedDate": "2024-05-13T15:22:08.412000+00:00",
                "Status": "ACTIVE"}]},
        }
        return files

    def summary(self) -> dict[str, Any]:
        return {"SummaryMap": {
            "AccessKeysPerUserQuota": 2, "AccountAccessKeysPresent": 0, "AccountMFAEnabled": 1,
            "AccountPasswordPresent": 1, "AccountSigningCertificatesPresent": 0, "AssumeRolePolicySizeQuota": 2048,
            "AttachedPoliciesPerGroupQuota": 10, "AttachedPoliciesPerRoleQuota": 10,
            "AttachedPoliciesPerUserQuota": 10, "GlobalEndpointTokenVersion": 1, "GroupPolicySizeQuota": 5120,
            "Groups": len(self.groups), "GroupsPerUserQuota": 10, "GroupsQuota": 300, "InstanceProfiles": 0,
            "InstanceProfilesQuota": 1000, "MFADevices": self.mfa_total + 1, "MFADevicesInUse": self.mfa_in_use + 1,
            "Policies": self.customer_count, "PoliciesQuota": 1500, "PolicySizeQuota": 6144,
            "PolicyVersionsInUse": self.version_count, "PolicyVersionsInUseQuota": 10000, "Providers": 2,
            "RolePolicySizeQuota": 10240, "Roles": len(self.role_list), "RolesQuota": 1000,
            "ServerCertificates": 3, "ServerCertificatesQuota": 20, "SigningCertificatesPerUserQuota": 2,
            "UserPolicySizeQuota": 2048, "Users": len(self.users), "UsersQuota": 5000, "VersionsPerPolicyQuota": 5}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--roles", type=int, default=20)
    parser.add_argument("--policies", type=int, default=15)
    parser.add_argument("--groups", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--account-id", default="123456789012")
    parser.add_argument("--compact", action="store_true", help="write JSON without indentation (faster)")
    args = parser.parse_args(argv)
    if min(args.users, args.roles, args.groups) < 0 or args.policies < 4:
        parser.error("counts must be non-negative and --policies at least 4")
    if not (len(args.account_id) == 12 and args.account_id.isdigit()):
        parser.error("--account-id must be 12 digits")
    started = time.perf_counter()
    account = Account(args)
    account.customer_policies()
    account.groups_and_users()
    account.roles()
    files: dict[str, Any] = {
        "authorization-details.json": account.authorization_details(),
        "credential-report.json": account.credential_report(),
        "mfa-devices.json": account.mfa_devices(),
        "roles.json": account.list_roles(),
    }
    files.update(account.small_files())
    files["account-summary.json"] = account.summary()
    args.out.mkdir(parents=True, exist_ok=True)
    indent = None if args.compact else 4
    for name, data in files.items():
        with (args.out / name).open("w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=indent, ensure_ascii=False)
            handle.write("\n")
    elapsed = time.perf_counter() - started
    print(args.out)
    print(f"users {len(account.users)}, groups {len(account.groups)}, roles {len(account.role_list)}, "
          f"customer policies {len(account.policies)}, files {len(files)} ({elapsed:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
