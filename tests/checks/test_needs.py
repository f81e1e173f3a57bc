"""Every check, without one of the artifacts it `needs`, is ERROR naming the file: never PASS or FAIL."""

from __future__ import annotations

import pytest

from compliance_kit.checks.registry import load_all
from compliance_kit.evidence.artifacts import BY_NAME
from compliance_kit.model import Status

from .conftest import (
    ACCESS_DENIED,
    ACCOUNT,
    ACCOUNT_TRUST,
    ADMIN_ACCESS,
    ADMIN_POLICY,
    FULL_AWS_ACCESS,
    NO_PASSWORD,
    analyzer,
    cred_row,
    finding,
    group_entry,
    list_role_entry,
    make_evidence,
    management_selectors,
    mfa_device,
    only,
    organization,
    result,
    role_arn,
    role_entry,
    root_row,
    scp,
    server_certificate,
    trail_entry,
    trail_status,
    user_arn,
    user_entry,
)

ADMIN_ROLE = role_entry("Admin", trust_policy=ACCOUNT_TRUST, attached=[ADMIN_ACCESS])
APP_ROLE = role_entry("app")

# A complete, small account: every artifact a check needs or uses.
FULL = {
    "credential_rows": [root_row(), cred_row("alice"), cred_row("svc", **NO_PASSWORD)],
    "users": [user_entry("alice", groups=["admins"])],
    "groups": [group_entry("admins", attached=[ADMIN_ACCESS])],
    "roles": [ADMIN_ROLE, APP_ROLE],
    "policies": [ADMIN_POLICY],
    "list_roles": [list_role_entry(ADMIN_ROLE), list_role_entry(APP_ROLE)],
    "password_policy": {"MinimumPasswordLength": 14, "PasswordReusePrevention": 24},
    "summary": {},
    "mfa_devices": [mfa_device("alice", user_arn("alice"))],
    "server_certs": [server_certificate("api", "2027-04-15T12:00:00+00:00")],
    "saml": [], "oidc": [], "sso": [],
    "regions": ["us-east-1"],
    "analyzers": {"us-east-1": [analyzer("us-east-1")]},
    "findings": {"us-east-1": [finding("f-1", role_arn("app"), status="ARCHIVED")]},
    "trails": [trail_entry("main")],
    "trail_status": {"main": trail_status()},
    "event_selectors": {"main": management_selectors()},
    "org": organization(),
    "scps": [FULL_AWS_ACCESS, scp("DenyLeaveOrg")],
    "accounts": [],
}

# builder arguments that hold each artifact (removing an artifact removes what depends on it)
ARGUMENTS = {
    "credential_report": ("credential_rows",),
    "authorization_details": ("users", "groups", "roles", "policies"),
    "roles": ("list_roles",),
    "password_policy": ("password_policy",),
    "account_summary": ("summary",),
    "virtual_mfa_devices": ("mfa_devices",),
    "server_certificates": ("server_certs",),
    "saml_providers": ("saml",),
    "oidc_providers": ("oidc",),
    "identity_center_instances": ("sso",),
    "regions": ("regions",),
    "trails": ("trails", "trail_status", "event_selectors"),
    "trail_status": ("trail_status",),
    "event_selectors": ("event_selectors",),
    "access_analyzers": ("analyzers",),
    "access_analyzer_findings": ("findings",),
    "organization": ("org",),
    "organization_scps": ("scps",),
    "organization_accounts": ("accounts",),
}
DENIED = {  # what the CLI saved when the call was refused
    "authorization_details": {"authorization": ACCESS_DENIED},
    "access_analyzer_findings": {"findings": {"us-east-1": ACCESS_DENIED}},
    "access_analyzers": {"analyzers": {"us-east-1": ACCESS_DENIED}},
}

REGISTRY = load_all()
CASES = [(check_id, artifact) for check_id, definition in sorted(REGISTRY.items()) for artifact in definition.needs]


def without(artifact: str) -> dict:
    return {k: v for k, v in FULL.items() if k not in ARGUMENTS[artifact]}


def denied(artifact: str) -> dict:
    arguments = without(artifact)
    arguments.update(DENIED.get(artifact, {ARGUMENTS[artifact][0]: ACCESS_DENIED}))
    return arguments


def file_label(artifact: str, key: str) -> str:
    spec = BY_NAME[artifact]
    return spec.file_for(key) if spec.key else spec.filename


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    return make_evidence(tmp_path_factory.mktemp("full"), **FULL)


@pytest.fixture(scope="module")
def evidence_lacking(tmp_path_factory):
    """One evidence per (artifact, how it is lacking), shared by the checks that need the artifact."""
    cache: dict = {}

    def build(artifact: str, how: str):
        if (artifact, how) not in cache:
            arguments = without(artifact) if how == "absent" else denied(artifact)
            cache[artifact, how] = make_evidence(tmp_path_factory.mktemp(f"{how}-{artifact}"), **arguments)
        return cache[artifact, how]

    return build


def test_every_registered_check_has_needs():
    assert len(REGISTRY) == 63
    assert all(d.needs for d in REGISTRY.values())
    assert {a for d in REGISTRY.values() for a in (*d.needs, *d.uses)} <= set(ARGUMENTS)


@pytest.mark.parametrize("check_id", sorted(REGISTRY))
def test_full_evidence_gives_every_check_a_verdict(full, check_id):
    res = result(full, check_id)
    assert res.status is not Status.ERROR, [r.reason for r in res.resources]


@pytest.mark.parametrize(("check_id", "artifact"), CASES, ids=[f"{c}-{a}" for c, a in CASES])
def test_check_without_a_needed_artifact_is_error_naming_the_file(evidence_lacking, check_id, artifact):
    ev = evidence_lacking(artifact, "absent")
    res = only(result(ev, check_id))
    assert res.status is Status.ERROR
    assert f"{file_label(artifact, 'REGION')}: not collected" in res.reason
    assert res.resource_id == ACCOUNT


@pytest.mark.parametrize(("check_id", "artifact"), CASES, ids=[f"{c}-{a}" for c, a in CASES])
def test_check_with_a_denied_needed_artifact_is_error_naming_the_file(evidence_lacking, check_id, artifact):
    ev = evidence_lacking(artifact, "denied")
    res = only(result(ev, check_id))
    assert res.status is Status.ERROR
    assert f"{file_label(artifact, 'us-east-1')}: access denied" in res.reason
