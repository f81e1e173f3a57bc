"""Publicly documented IAM privilege-escalation methods, checked against effective permissions.

Sources: Rhino Security Labs' original 21 methods and part 2 (CodeStar, Lambda layers,
SageMaker), NCC Group's PMapper edge checks (CloudFormation, CodeBuild, EC2 Auto Scaling, SSM,
STS), the set cloudsplaining and pacu flag, and the paths catalogued at pathfinding.cloud
(Datadog) that cloudsplaining has since adopted. Each :class:`EscalationMethod` lists the
actions it needs; a method is flagged only when *all* of them are allowed, not explicitly
denied, and inside the permissions boundary.

Resources are probed, not ignored: an action on IAM users, groups, roles or customer policies is
asked about a probe ARN in the principal's account, e.g.
``arn:aws:iam::<account>:user/ck-escalation-probe`` -- "some other user". A statement whose
Resource names specific users/roles/policies therefore does not flag the method (such a grant
may still be dangerous if that specific role is privileged; that is a question about the role,
answered elsewhere). ``AttachUserPolicy``/``PutUserPolicy`` also count on the principal itself
(a ``user/${aws:username}`` statement is the textbook self-escalation), and the ``*ToSelf``
role methods need ``principal_arn``. Actions on other services (Lambda functions, EC2 instances,
stacks, projects...) are asked about "at least one resource": whether a given function or
instance carries a privileged role is not visible in policies, so only a Deny on every resource
defeats them.

``UpdateAssumeRolePolicy`` needs no ``sts:AssumeRole`` (unlike Rhino's original listing): a
trust policy that names the caller's own ARN lets it assume the role within the account, as
pathfinding.cloud iam-012 and cloudsplaining have it.

Deliberately not methods: ``iam:UpdateAccessKey`` (reactivating a key needs its secret, which
the caller does not have: it is listed under credential exposure instead),
``iam:CreateServiceSpecificCredential`` (CodeCommit/Keyspaces credentials only),
``cloudformation:SetStackPolicy`` (guards stack updates, grants nothing), ``iam:PassRole`` alone,
and documented chains whose actions include another method's (e.g. CreateAccessKey +
DeleteAccessKey, UpdateFunctionCode + InvokeFunction): the shorter method already flags them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Literal

from compliance_kit.policy.actions import matcher
from compliance_kit.policy.document import Grant, PolicyDocument
from compliance_kit.policy.evaluate import PrincipalPermissions, resource_applies

__all__ = [
    "ESCALATION_METHODS",
    "PROBE_NAME",
    "Escalation",
    "EscalationMethod",
    "Requirement",
    "find_escalations",
    "probe_arn",
]

Target = Literal["user", "user_or_self", "group", "role", "self_role", "policy", "any"]
PROBE_NAME = "ck-escalation-probe"
_SELF_USER = "${aws:username}"


@dataclass(frozen=True)
class Requirement:
    """One action a method needs, and what kind of resource it must be allowed on."""

    action: str
    target: Target = "any"


@dataclass(frozen=True, eq=False)
class EscalationMethod:
    """A documented technique: its name, what it does, and the actions it needs.

    Compared by identity, so method tuples hash cheaply as cache keys.
    """

    name: str
    description: str
    requires: tuple[Requirement, ...]
    references: tuple[str, ...] = ()

    @cached_property
    def actions(self) -> tuple[str, ...]:
        return tuple(r.action for r in self.requires)


@dataclass(frozen=True)
class Escalation:
    """A method the principal can use, with the Allow statements that make it possible."""

    method: str
    description: str
    actions: tuple[str, ...]
    grants: tuple[Grant, ...]
    conditional: bool = False
    references: tuple[str, ...] = ()


_RHINO = "https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/"
_RHINO2 = "https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation-part-2/"
_CODESTAR = "https://rhinosecuritylabs.com/aws/escalating-aws-iam-privileges-undocumented-codestar-api/"
_PMAPPER = "https://github.com/nccgroup/PMapper"
_HACKTRICKS = "https://cloud.hacktricks.wiki/en/pentesting-cloud/aws-security/aws-privilege-escalation/"


def _pf(path_id: str) -> str:
    return f"https://pathfinding.cloud/paths/{path_id}"


def _m(name: str, description: str, spec: str, *refs: str) -> EscalationMethod:
    """``spec``: space-separated ``action[@target]``."""
    reqs = []
    for item in spec.split():
        action, _, target = item.partition("@")
        reqs.append(Requirement(action, target or "any"))  # type: ignore[arg-type]
    return EscalationMethod(name, description, tuple(reqs), tuple(refs))


_PASS = "iam:PassRole@role"

ESCALATION_METHODS: tuple[EscalationMethod, ...] = (
    # -- IAM: permissions on policies and principals ------------------------------------
    _m("CreatePolicyVersion", "Create a new default version of a customer managed policy with any permissions "
       "(--set-as-default needs no SetDefaultPolicyVersion).",
       "iam:CreatePolicyVersion@policy", _RHINO, _pf("iam-001")),
    _m("SetDefaultPolicyVersion", "Make an older, more permissive version of a managed policy the default.",
       "iam:SetDefaultPolicyVersion@policy", _RHINO),
    _m("CreateAccessKey", "Create an access key for another (more privileged) user.",
       "iam:CreateAccessKey@user", _RHINO, _pf("iam-002")),
    _m("CreateLoginProfile", "Set a console password for another user that has none.",
       "iam:CreateLoginProfile@user", _RHINO, _pf("iam-004")),
    _m("UpdateLoginProfile", "Change another user's console password.",
       "iam:UpdateLoginProfile@user", _RHINO, _pf("iam-006")),
    _m("AttachUserPolicy", "Attach any managed policy (e.g. AdministratorAccess) to a user, including oneself.",
       "iam:AttachUserPolicy@user_or_self", _RHINO, _pf("iam-008")),
    _m("AttachGroupPolicy", "Attach any managed policy to a group one belongs to.",
       "iam:AttachGroupPolicy@group", _RHINO, _pf("iam-010")),
    _m("AttachRolePolicy", "Attach any managed policy to a role, then assume it.",
       "iam:AttachRolePolicy@role sts:AssumeRole@role", _RHINO, _pf("iam-014")),
    _m("AttachRolePolicyToSelf", "A role attaches any managed policy to itself.",
       "iam:AttachRolePolicy@self_role", _pf("iam-009")),
    _m("PutUserPolicy", "Write an inline policy with any permissions on a user, including oneself.",
       "iam:PutUserPolicy@user_or_self", _RHINO, _pf("iam-007")),
    _m("PutGroupPolicy", "Write an inline policy with any permissions on a group one belongs to.",
       "iam:PutGroupPolicy@group", _RHINO, _pf("iam-011")),
    _m("PutRolePolicy", "Write an inline policy with any permissions on a role, then assume it.",
       "iam:PutRolePolicy@role sts:AssumeRole@role", _RHINO, _pf("iam-017")),
    _m("PutRolePolicyToSelf", "A role writes an inline policy with any permissions on itself.",
       "iam:PutRolePolicy@self_role", _pf("iam-005")),
    _m("AddUserToGroup", "Add oneself to a more privileged group.",
       "iam:AddUserToGroup@group", _RHINO, _pf("iam-013")),
    _m("UpdateAssumeRolePolicy", "Rewrite a privileged role's trust policy to name oneself, then assume it "
       "(a trust policy naming the caller's ARN needs no sts:AssumeRole in the caller's own policies).",
       "iam:UpdateAssumeRolePolicy@role", _RHINO, _pf("iam-012")),
    _m("AssumeAnyRole", "Assume any role whose trust policy admits the principal or its account.",
       "sts:AssumeRole@role", _PMAPPER, _pf("sts-001")),
    # -- iam:PassRole to a new compute resource ------------------------------------------
    _m("PassRoleToEC2RunInstances", "Launch an EC2 instance with an existing instance profile and read its "
       "role credentials from the instance metadata.",
       f"{_PASS} ec2:RunInstances", _RHINO, _pf("ec2-001")),
    _m("PassRoleToEC2SpotInstances", "Request a spot instance with an existing instance profile.",
       f"{_PASS} ec2:RequestSpotInstances", _pf("ec2-003")),
    _m("PassRoleToAutoScalingLaunchConfiguration", "Create a launch configuration with a privileged instance "
       "profile and an Auto Scaling group that launches it.",
       f"{_PASS} autoscaling:CreateLaunchConfiguration autoscaling:CreateAutoScalingGroup", _PMAPPER, _HACKTRICKS),
    _m("PassRoleToAutoScalingLaunchTemplate", "Create a launch template with a privileged instance profile and "
       "an Auto Scaling group that launches it.",
       f"{_PASS} ec2:CreateLaunchTemplate autoscaling:CreateAutoScalingGroup", _PMAPPER, _HACKTRICKS),
    _m("PassRoleToNewLambdaThenInvoke", "Create a Lambda function with a privileged role and invoke it.",
       f"{_PASS} lambda:CreateFunction lambda:InvokeFunction", _RHINO, _pf("lambda-001")),
    _m("PassRoleToNewLambdaThenEventSourceMapping", "Create a Lambda function with a privileged role and "
       "trigger it from an event source (e.g. a DynamoDB stream).",
       f"{_PASS} lambda:CreateFunction lambda:CreateEventSourceMapping", _RHINO, _pf("lambda-002")),
    _m("PassRoleToNewLambdaThenAddPermission", "Create a Lambda function with a privileged role and allow "
       "oneself to invoke it through its resource policy.",
       f"{_PASS} lambda:CreateFunction lambda:AddPermission", _pf("lambda-006")),
    _m("PassRoleToNewGlueDevEndpoint", "Create a Glue development endpoint with a privileged role and SSH in.",
       f"{_PASS} glue:CreateDevEndpoint", _RHINO, _pf("glue-001")),
    _m("PassRoleToNewGlueJobThenRun", "Create a Glue job with a privileged role and run it.",
       f"{_PASS} glue:CreateJob glue:StartJobRun", _pf("glue-003")),
    _m("PassRoleToNewGlueJobViaTrigger", "Create a Glue job with a privileged role and a trigger that runs it.",
       f"{_PASS} glue:CreateJob glue:CreateTrigger", _pf("glue-004")),
    _m("PassRoleToUpdatedGlueJobThenRun", "Give an existing Glue job a privileged role and new code, then run it.",
       f"{_PASS} glue:UpdateJob glue:StartJobRun", _pf("glue-005")),
    _m("PassRoleToUpdatedGlueJobViaTrigger", "Give an existing Glue job a privileged role and new code, and "
       "trigger it.", f"{_PASS} glue:UpdateJob glue:CreateTrigger", _pf("glue-006")),
    _m("PassRoleToNewGlueSession", "Create a Glue interactive session with a privileged role and run code in it.",
       f"{_PASS} glue:CreateSession glue:RunStatement", _pf("glue-007")),
    _m("PassRoleToNewCloudFormationStack", "Create a stack whose service role is privileged; the template "
       "creates whatever the attacker wants.",
       f"{_PASS} cloudformation:CreateStack", _RHINO, _pf("cloudformation-001")),
    _m("PassRoleToNewCloudFormationStackSet", "Create a stack set and instances that run with a privileged role.",
       f"{_PASS} cloudformation:CreateStackSet cloudformation:CreateStackInstances", _pf("cloudformation-003")),
    _m("PassRoleToUpdatedCloudFormationStackSet", "Update a stack set to run with a privileged role.",
       f"{_PASS} cloudformation:UpdateStackSet", _pf("cloudformation-004")),
    _m("PassRoleToNewDataPipeline", "Create and activate a Data Pipeline whose activities run commands as a "
       "privileged role.",
       f"{_PASS} datapipeline:CreatePipeline datapipeline:PutPipelineDefinition datapipeline:ActivatePipeline",
       _RHINO, _pf("datapipeline-001")),
    _m("PassRoleToNewSageMakerNotebook", "Create a SageMaker notebook instance with a privileged role and open "
       "it through a presigned URL.",
       f"{_PASS} sagemaker:CreateNotebookInstance sagemaker:CreatePresignedNotebookInstanceUrl", _RHINO2,
       _pf("sagemaker-001")),
    _m("PassRoleToNewSageMakerTrainingJob", "Run a SageMaker training job with a privileged role.",
       f"{_PASS} sagemaker:CreateTrainingJob", _pf("sagemaker-002")),
    _m("PassRoleToNewSageMakerProcessingJob", "Run a SageMaker processing job with a privileged role.",
       f"{_PASS} sagemaker:CreateProcessingJob", _pf("sagemaker-003")),
    _m("PassRoleToNewCodeBuildProject", "Create a CodeBuild project with a privileged service role and build it.",
       f"{_PASS} codebuild:CreateProject codebuild:StartBuild", _PMAPPER, _pf("codebuild-001")),
    _m("PassRoleToNewCodeBuildProjectBatch", "Create a CodeBuild project with a privileged service role and "
       "start a batch build.",
       f"{_PASS} codebuild:CreateProject codebuild:StartBuildBatch", _pf("codebuild-004")),
    _m("PassRoleToNewECSTaskViaRunTask", "Register a task definition with a privileged task role and run it.",
       f"{_PASS} ecs:RegisterTaskDefinition ecs:RunTask", _pf("ecs-004")),
    _m("PassRoleToNewECSTaskViaStartTask", "Register a task definition with a privileged task role and start it.",
       f"{_PASS} ecs:RegisterTaskDefinition ecs:StartTask", _pf("ecs-005")),
    _m("PassRoleToNewECSService", "Register a task definition with a privileged task role and create a service.",
       f"{_PASS} ecs:RegisterTaskDefinition ecs:CreateService", _pf("ecs-003")),
    _m("PassRoleToSSMAutomation", "Create an SSM Automation document and run it with a privileged role.",
       f"{_PASS} ssm:CreateDocument ssm:StartAutomationExecution", _pf("ssm-003")),
    _m("PassRoleToNewAppRunnerService", "Create an App Runner service with a privileged instance role.",
       f"{_PASS} apprunner:CreateService", _pf("apprunner-001")),
    _m("PassRoleToNewBedrockCodeInterpreter", "Create a Bedrock AgentCore code interpreter with a privileged "
       "role and run code in it.",
       f"{_PASS} bedrock-agentcore:CreateCodeInterpreter bedrock-agentcore:StartCodeInterpreterSession "
       "bedrock-agentcore:InvokeCodeInterpreter", _pf("bedrock-001")),
    _m("PassRoleToNewCodeStarProject", "Create a CodeStar project whose template runs with a privileged role.",
       f"{_PASS} codestar:CreateProject", _RHINO2),
    # -- existing resources that already carry a role ------------------------------------
    _m("UpdateExistingLambdaCode", "Replace the code of an existing Lambda function that has a privileged role.",
       "lambda:UpdateFunctionCode", _RHINO, _pf("lambda-003")),
    _m("UpdateExistingLambdaConfiguration", "Attach a malicious layer (or change the handler/environment) of an "
       "existing Lambda function that has a privileged role.", "lambda:UpdateFunctionConfiguration", _RHINO2),
    _m("UpdateExistingGlueDevEndpoint", "Add one's SSH key to an existing Glue development endpoint.",
       "glue:UpdateDevEndpoint", _RHINO, _pf("glue-002")),
    _m("UpdateExistingCloudFormationStack", "Update a stack whose service role is privileged (the stack keeps "
       "its role without iam:PassRole).", "cloudformation:UpdateStack", _PMAPPER, _pf("cloudformation-002")),
    _m("ExecuteChangeSetOnExistingStack", "Create and execute a change set on a stack whose service role is "
       "privileged.", "cloudformation:CreateChangeSet cloudformation:ExecuteChangeSet", _pf("cloudformation-005")),
    _m("UpdateExistingCodeBuildProject", "Change the buildspec of an existing project with a privileged service "
       "role, then build it.", "codebuild:UpdateProject codebuild:StartBuild", _PMAPPER),
    _m("StartBuildWithBuildspecOverride", "Start a build of an existing project with a privileged service role, "
       "overriding its buildspec.", "codebuild:StartBuild", _pf("codebuild-002"), _HACKTRICKS),
    _m("StartBuildBatchWithBuildspecOverride", "Start a batch build of an existing project with a privileged "
       "service role, overriding its buildspec.", "codebuild:StartBuildBatch", _pf("codebuild-003"), _HACKTRICKS),
    _m("PresignedUrlToExistingSageMakerNotebook", "Open an existing notebook instance (and its role) through a "
       "presigned URL.", "sagemaker:CreatePresignedNotebookInstanceUrl", _RHINO2, _pf("sagemaker-004")),
    _m("SageMakerNotebookLifecycleConfig", "Give an existing notebook instance a lifecycle script that runs as "
       "its role, and restart it.",
       "sagemaker:CreateNotebookInstanceLifecycleConfig sagemaker:StopNotebookInstance "
       "sagemaker:UpdateNotebookInstance sagemaker:StartNotebookInstance", _pf("sagemaker-005")),
    _m("ECSExecuteCommand", "Open a shell in a running ECS task and use its task role.",
       "ecs:ExecuteCommand ecs:DescribeTasks", _pf("ecs-006")),
    _m("SSMSendCommand", "Run commands on an EC2 instance through SSM and use its instance role.",
       "ssm:SendCommand", _PMAPPER, _pf("ssm-001")),
    _m("SSMStartSession", "Open a shell on an EC2 instance through Session Manager and use its instance role.",
       "ssm:StartSession", _PMAPPER, _pf("ssm-002")),
    _m("EC2InstanceConnectSendSSHPublicKey", "Push an SSH key to an instance with EC2 Instance Connect, log in "
       "and use its instance role.", "ec2-instance-connect:SendSSHPublicKey", _pf("ec2instanceconnect-003")),
    _m("ModifyInstanceUserData", "Replace an instance's user data and restart it so the script runs as its role.",
       "ec2:ModifyInstanceAttribute ec2:StopInstances ec2:StartInstances", _pf("ec2-002")),
    _m("ModifyExistingLaunchTemplate", "Add a malicious version to a launch template that has a privileged "
       "instance profile and make it the default.",
       "ec2:CreateLaunchTemplateVersion ec2:ModifyLaunchTemplate", _pf("ec2-004"), _pf("ec2-005")),
    _m("ExistingBedrockCodeInterpreterSession", "Run code in an existing Bedrock AgentCore code interpreter "
       "that has a privileged role.",
       "bedrock-agentcore:StartCodeInterpreterSession bedrock-agentcore:InvokeCodeInterpreter", _pf("bedrock-002")),
    _m("CodeStarCreateProjectFromTemplate", "Undocumented CodeStar API that creates a project (and its "
       "privileged resources) without iam:PassRole.", "codestar:CreateProjectFromTemplate", _CODESTAR),
    _m("CodeStarCreateProjectThenAssociateTeamMember", "Create a CodeStar project and make oneself its owner, "
       "gaining the project's IAM policy.", "codestar:CreateProject codestar:AssociateTeamMember", _RHINO2),
)


def probe_arn(target: Target, account_id: str, partition: str = "aws") -> str | None:
    """The probe resource for a target kind; None means "at least one resource"."""
    kind = {"user": "user", "user_or_self": "user", "group": "group", "role": "role", "policy": "policy"}.get(target)
    if kind is None:
        return None
    return f"arn:{partition}:iam::{account_id}:{kind}/{PROBE_NAME}"


def _principal_kind(principal_arn: str | None) -> str | None:
    """"user", "role", "other" (e.g. an assumed-role session) or None when unknown."""
    if not principal_arn:
        return None
    resource = principal_arn.split(":", 5)[-1]
    kind = resource.split("/", 1)[0] if "/" in resource else ""
    return kind if kind in ("user", "role") else "other"


_SELF = object()  # marks an alternative evaluated on the principal's own ARN


def _alternatives(req: Requirement, account: str, partition: str,
                  kind: str | None) -> list[tuple[str, object]]:
    """(action, resource) pairs, any one of which satisfies the requirement."""
    if req.target == "self_role":
        return [(req.action, _SELF)] if kind == "role" else []
    pairs: list[tuple[str, object]] = [(req.action, probe_arn(req.target, account, partition))]
    if req.target == "user_or_self":
        if kind in (None, "user"):
            pairs.append((req.action, f"arn:{partition}:iam::{account}:user/{_SELF_USER}"))
        if kind == "user":
            pairs.append((req.action, _SELF))
    return pairs


_Alt = int | str  # a pair index, or an action to ask about the principal's own ARN
_Plan = tuple[tuple[tuple[_Alt, ...], ...], ...]  # per method, per requirement, alternatives


@dataclass(frozen=True, eq=False)
class _Universe:
    """Every principal-independent (action, probe) pair of a method set, numbered for bit masks."""

    pairs: tuple[tuple[str, str | None], ...]
    by_action: dict[str, tuple[int, ...]]
    plans: dict[str | None, _Plan]
    by_service: dict[str, tuple[str, ...]]
    masks: dict[str | None, tuple[tuple[int, ...] | None, ...]]  # per method: one mask per requirement
    _by_pattern: dict[str, frozenset[int]] = field(default_factory=dict, repr=False)

    def indices(self, pattern: str) -> frozenset[int]:
        """Pair indices whose action one action pattern matches; cached per pattern, because
        distinct patterns are few even when every principal has its own inline policy."""
        key = pattern.lower()
        hit = self._by_pattern.get(key)
        if hit is None:
            if "*" not in key and "?" not in key:
                hit = frozenset(self.by_action.get(key, ()))
            else:
                service = key.partition(":")[0]
                test = matcher((key,), ignore_case=True)
                scope = (self.by_action.items() if "*" in service or "?" in service
                         else ((a, self.by_action[a]) for a in self.by_service.get(service, ())))
                hit = frozenset(i for a, idx in scope if test(a) for i in idx)
            self._by_pattern[key] = hit
        return hit


@lru_cache(maxsize=64)
def _universe(methods: tuple[EscalationMethod, ...], account: str, partition: str) -> _Universe:
    pairs: list[tuple[str, str | None]] = []
    index: dict[tuple[str, str | None], int] = {}
    plans: dict[str | None, _Plan] = {}
    for kind in (None, "user", "role", "other"):
        plan = []
        for method in methods:
            reqs = []
            for req in method.requires:
                alts: list[_Alt] = []
                for action, resource in _alternatives(req, account, partition, kind):
                    if resource is _SELF:
                        alts.append(action)
                        continue
                    pair = (action, resource if isinstance(resource, str) else None)
                    if pair not in index:
                        index[pair] = len(pairs)
                        pairs.append(pair)
                    alts.append(index[pair])
                reqs.append(tuple(alts))
            plan.append(tuple(reqs))
        plans[kind] = tuple(plan)
    by_action: dict[str, list[int]] = {}
    for i, (action, _) in enumerate(pairs):
        by_action.setdefault(action.lower(), []).append(i)
    by_service: dict[str, list[str]] = {}
    for action in by_action:
        by_service.setdefault(action.partition(":")[0], []).append(action)
    masks = {kind: tuple(_masks(reqs) for reqs in plan) for kind, plan in plans.items()}
    return _Universe(tuple(pairs), {a: tuple(v) for a, v in by_action.items()}, plans,
                     {k: tuple(v) for k, v in by_service.items()}, masks)


def _masks(requirements: tuple[tuple[_Alt, ...], ...]) -> tuple[int, ...] | None:
    """A bit mask per requirement (any bit satisfies it), or None if one needs the principal's ARN."""
    out = []
    for alternatives in requirements:
        if any(not isinstance(a, int) for a in alternatives):
            return None
        mask = 0
        for a in alternatives:
            mask |= 1 << int(a)
        out.append(mask)
    return tuple(out)


@dataclass(frozen=True)
class _DocBits:
    allow: int  # pairs some Allow statement grants
    uncond: int  # pairs some unconditioned Allow statement grants
    deny: int  # pairs some unconditioned Deny statement denies
    grants: dict[int, tuple[Grant, ...]]  # pair -> the Allow statements granting it


def _doc_bits(doc: PolicyDocument, universe: _Universe) -> _DocBits:
    """Bit masks of one document over the universe; cached on the document.

    Statement by statement rather than pair by pair, through per-pattern index sets, so an
    unshared inline policy costs a few dict lookups per pattern.
    """
    key = ("esc", universe)
    hit = doc._cache.get(key)
    if hit is not None:
        return hit
    allow = uncond = deny = 0
    grants: dict[int, list[Grant]] = {}
    everything = frozenset(range(len(universe.pairs)))
    for g in doc.statements:
        matched: frozenset[int] = frozenset().union(*(universe.indices(p) for p in g.action_patterns))
        for i in (everything - matched) if g.not_action else matched:
            if not resource_applies(g, universe.pairs[i][1]):
                continue
            bit = 1 << i
            if g.allow:
                allow |= bit
                grants.setdefault(i, []).append(g)
                if not g.conditional:
                    uncond |= bit
            elif not g.conditional:
                deny |= bit
    hit = _DocBits(allow, uncond, deny, {i: tuple(v) for i, v in grants.items()})
    doc._cache[key] = hit
    return hit


@lru_cache(maxsize=1 << 14)
def _find(perms: PrincipalPermissions, principal_arn: str | None,
          methods: tuple[EscalationMethod, ...]) -> tuple[Escalation, ...]:
    universe = _universe(methods, perms.probe_account(), perms.probe_partition())
    allow = uncond = deny = 0
    per_doc = [_doc_bits(doc, universe) for doc in perms.identity]
    for bits in per_doc:
        allow |= bits.allow
        uncond |= bits.uncond
        deny |= bits.deny
    if perms.boundary is not None:
        bits = _doc_bits(perms.boundary, universe)
        allow &= bits.allow
        uncond &= bits.uncond
        deny |= bits.deny
    allowed, firm = allow & ~deny, uncond & ~deny
    if not allowed and principal_arn is None:
        return ()

    kind = _principal_kind(principal_arn)
    found: list[Escalation] = []
    for method, requirements, masks in zip(methods, universe.plans[kind], universe.masks[kind], strict=True):
        if masks is not None and not all(allowed & m for m in masks):
            continue  # quick rejection: some requirement has no allowed alternative
        chosen: list[_Alt] = []
        conditional = False
        for alternatives in requirements:
            hit: _Alt | None = None
            hit_conditional = True
            for alt in alternatives:
                if isinstance(alt, int):
                    ok, sure = bool(allowed >> alt & 1), bool(firm >> alt & 1)
                else:  # an action on the principal's own ARN
                    decision = perms.allows(alt, principal_arn)
                    ok, sure = decision.allowed, decision.allowed and not decision.conditional
                if ok and (hit is None or (hit_conditional and sure)):
                    hit, hit_conditional = alt, not sure
            if hit is None:
                break
            chosen.append(hit)
            conditional = conditional or hit_conditional
        else:
            grants: list[Grant] = []
            for alt in chosen:
                if isinstance(alt, int):
                    found_grants = [g for bits in per_doc for g in bits.grants.get(alt, ())]
                else:
                    found_grants = list(perms.allows(alt, principal_arn).grants)
                for g in found_grants:
                    if g not in grants:
                        grants.append(g)
            found.append(Escalation(method=method.name, description=method.description,
                                    actions=method.actions, grants=tuple(grants),
                                    conditional=conditional, references=method.references))
    return tuple(found)


def find_escalations(perms: PrincipalPermissions, *, principal_arn: str | None = None,
                     methods: Sequence[EscalationMethod] = ESCALATION_METHODS) -> list[Escalation]:
    """Every method in ``methods`` whose actions ``perms`` all allow (see module docstring).

    ``principal_arn`` (the user's or role's own ARN) enables the self-targeted role methods and
    lets the user methods recognise statements naming the principal itself. A full
    administrator matches every method; callers usually report ``full_admin()`` instead.
    """
    return list(_find(perms, principal_arn, tuple(methods)))
