"""The documented privilege-escalation methods that ``escalation`` looks for, and their sources.

Each :class:`EscalationMethod` lists the actions it needs and on what kind of resource (see the
``escalation`` module docstring for the sources, the probes and what is deliberately left out).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

__all__ = ["ESCALATION_METHODS", "EscalationMethod", "Requirement", "Target"]

Target = Literal["user", "user_or_self", "group", "role", "self_role", "policy", "any"]


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
