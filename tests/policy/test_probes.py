"""Bit-mask evaluation (policy.probes) and the shortcuts of evaluate give the answers of the plain path.

The checks answer their questions for thousands of principals from per-document masks and share the
answers between permission sets; these tests compare every answer with PrincipalPermissions.allows on
seeded random documents, and show that sharing never crosses a boundary, an inline document or the
principal's own ARN.
"""

from __future__ import annotations

import itertools
import random

import pytest

from compliance_kit.policy import (
    SENSITIVE_SERVICES,
    PolicyDocument,
    PolicySource,
    PrincipalPermissions,
    default_catalog,
    find_escalations,
)
from compliance_kit.policy.actions import matcher
from compliance_kit.policy.matching import _matches_star, resource_applies
from compliance_kit.policy.probes import ProbeSet, answers, bits_of

ACCOUNT = "123456789012"
ACTIONS = ["*", "s3:*", "s3:Get*", "s3:GetObject", "S3:getobject", "iam:*", "iam:Pass?ole", "iam:PassRole",
           "iam:Attach*", "iam:AttachUserPolicy", "iam:PutUserPolicy", "sts:AssumeRole", "kms:Decrypt",
           "*:Get*", "ec2:*", "lambda:*", "s3", "organizations:*", "iam:Get*", "sqs:Create*"]
RESOURCES = ["*", f"arn:aws:iam::{ACCOUNT}:role/*", f"arn:aws:iam::{ACCOUNT}:user/alice",
             f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}", "arn:aws:s3:::bucket/*", "?", "**",
             f"arn:aws:iam::{ACCOUNT}:*", "arn:aws:kms:*:*:key/*"]
PROBE_RESOURCES = ["*", None, f"arn:aws:iam::{ACCOUNT}:role/probe", f"arn:aws:iam::{ACCOUNT}:user/alice",
                   f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}", "arn:aws:s3:::bucket/key"]
PROBE_ACTIONS = ["s3:GetObject", "s3:PutBucketPolicy", "iam:PassRole", "iam:AttachUserPolicy", "sts:AssumeRole",
                 "kms:Decrypt", "ec2:RunInstances", "iam:GetUser", "sqs:CreateQueue"]


def _statement(rng: random.Random) -> dict:
    statement: dict = {"Effect": rng.choice(["Allow", "Allow", "Deny"])}
    statement["NotAction" if rng.random() < 0.15 else "Action"] = rng.sample(ACTIONS, rng.randint(1, 3))
    statement["NotResource" if rng.random() < 0.15 else "Resource"] = rng.sample(RESOURCES, rng.randint(1, 2))
    if rng.random() < 0.25:
        statement["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    return statement


def _doc(rng: random.Random, name: str, kind: str = "managed") -> PolicyDocument:
    statements = [_statement(rng) for _ in range(rng.randint(1, 4))]
    return PolicyDocument.parse({"Version": "2012-10-17", "Statement": statements},
                                source=PolicySource(kind=kind, name=name))  # type: ignore[arg-type]


def _doc_of(*statements: dict, name: str = "p", kind: str = "managed") -> PolicyDocument:
    return PolicyDocument.parse({"Version": "2012-10-17", "Statement": list(statements)},
                                source=PolicySource(kind=kind, name=name))  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", range(40))
def test_answers_agree_with_allows(seed):
    rng = random.Random(seed)
    docs = [_doc(rng, f"d{i}") for i in range(5)]
    probes = ProbeSet(tuple(itertools.product(PROBE_ACTIONS, PROBE_RESOURCES)))
    for _ in range(6):
        identity = rng.sample(docs, rng.randint(0, 3))
        boundary = rng.choice([None, None, _doc(rng, "b", "boundary")])
        perms = PrincipalPermissions(identity=identity, boundary=boundary, account_id=ACCOUNT)
        found = answers(perms, probes)
        for i, (action, resource) in enumerate(probes.pairs):
            decision = perms.allows(action, resource)
            assert bool(found.allowed >> i & 1) == decision.allowed, (action, resource)
            assert bool(found.firm >> i & 1) == (decision.allowed and not decision.conditional), (action, resource)
            assert found.grants(i) == decision.grants, (action, resource)
            assert found.grant(i) == decision.grant, (action, resource)


def test_answers_are_shared_only_by_documents_that_say_the_same():
    probes = ProbeSet((("iam:PassRole", "*"), ("s3:GetObject", "*")))
    passrole = _doc_of({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}, name="pass")
    unrelated = _doc_of({"Effect": "Allow", "Action": "sqs:CreateQueue", "Resource": "*"}, name="sqs")
    twin = _doc_of({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}, name="pass", kind="inline")
    only_s3 = _doc_of({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, name="boundary", kind="boundary")
    alone = answers(PrincipalPermissions([passrole], account_id=ACCOUNT), probes)
    # A document that says nothing about the probes changes nothing: the answer is shared.
    assert answers(PrincipalPermissions([passrole, unrelated], account_id=ACCOUNT), probes) is alone
    # The same text in another document is another document: its statements are its own.
    other = answers(PrincipalPermissions([twin], account_id=ACCOUNT), probes)
    assert other is not alone and other.allowed == alone.allowed and other.grant(0) is twin.statements[0]
    # A boundary is part of the answer.
    bounded = answers(PrincipalPermissions([passrole], boundary=only_s3, account_id=ACCOUNT), probes)
    assert bounded is not alone and not bounded.allowed and alone.allowed == 1


def test_bits_of():
    assert list(bits_of(0)) == []
    assert list(bits_of(0b101001)) == [0, 3, 5]


def test_star_resource_shortcut_agrees_with_the_matcher():
    alphabet = ["*", "?", "a", "$", "${*}", "${?}", "${$}", "${aws:username}", ":", "/"]
    for size in range(4):
        for combo in itertools.product(alphabet, repeat=size):
            pattern = "".join(combo)
            assert _matches_star((pattern,)) == matcher((pattern,), ignore_case=False)("*"), pattern
    grant = _doc_of({"Effect": "Allow", "Action": "s3:*", "NotResource": ["arn:aws:s3:::b/*"]}).statements[0]
    assert resource_applies(grant, "*")


def _cover(doc: PolicyDocument, every: frozenset[str]) -> tuple[list, set[str]]:
    """Per Allow statement on "*", the actions of EVERY it covers; and those denied on "*"."""
    catalog = default_catalog()
    allows, denied = [], set()
    for g in doc.statements:
        if not resource_applies(g, "*"):
            continue
        if g.not_action:
            covered = every - catalog.expand_all(g.not_actions)
        else:
            covered = every & catalog.expand_all(g.actions)
        if not covered:
            continue
        if g.allow:
            allows.append((g, covered))
        elif not g.conditional:
            denied |= covered
    return allows, denied


def _service_wildcards_reference(perms: PrincipalPermissions, services) -> list:
    """service_wildcards as first written: every statement expanded through the catalog."""
    out: list = []
    for service in services:
        every = default_catalog().actions_of(service)
        if not every:
            continue
        allowed: set[str] = set()
        denied: set[str] = set()
        per_grant = []
        for doc in perms.identity:
            allows, deny = _cover(doc, every)
            per_grant.extend(allows)
            for _, covered in allows:
                allowed |= covered
            denied |= deny
        if perms.boundary is not None:
            b_allows, b_denied = _cover(perms.boundary, every)
            within: set[str] = set()
            for _, covered in b_allows:
                within |= covered
            allowed &= within
            denied |= b_denied
        if allowed - denied != every:
            continue
        whole = [g for g, covered in per_grant if covered == every]
        for g in whole or [g for g, _ in per_grant]:
            if g not in out:
                out.append(g)
    return out


@pytest.mark.parametrize("seed", range(30))
def test_service_wildcards_agree_with_the_plain_expansion(seed):
    rng = random.Random(1000 + seed)
    identity = [_doc(rng, f"d{i}") for i in range(rng.randint(1, 3))]
    boundary = rng.choice([None, _doc(rng, "b", "boundary")])
    perms = PrincipalPermissions(identity=identity, boundary=boundary, account_id=ACCOUNT)
    services = (*SENSITIVE_SERVICES, "sqs", "nosuchservice")
    assert perms.service_wildcards(services) == _service_wildcards_reference(perms, services)


# -- escalation: what is shared between principals, and what is not -------------------------------------


def _user(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:user/{name}"


def _methods(perms: PrincipalPermissions, arn: str) -> set[str]:
    return {e.method for e in find_escalations(perms, principal_arn=arn)}


@pytest.mark.parametrize("order", [("alice", "bob"), ("bob", "alice")])
def test_escalation_on_own_arn_is_not_shared_between_principals(order):
    """The same policy lets alice attach policies to herself, and bob to nobody."""
    only_alice = _doc_of({"Effect": "Allow", "Action": "iam:AttachUserPolicy", "Resource": _user("alice")})
    perms = PrincipalPermissions([only_alice], account_id=ACCOUNT)
    seen = {name: _methods(perms, _user(name)) for name in order}
    assert "AttachUserPolicy" in seen["alice"]
    assert "AttachUserPolicy" not in seen["bob"]
    grants = [e.grants for e in find_escalations(perms, principal_arn=_user("alice")) if e.method == "AttachUserPolicy"]
    assert grants == [(only_alice.statements[0],)]


def test_escalation_role_to_itself_depends_on_the_role():
    own = f"arn:aws:iam::{ACCOUNT}:role/app"
    statement = _doc_of({"Effect": "Allow", "Action": "iam:PutRolePolicy", "Resource": own})
    perms = PrincipalPermissions([statement], account_id=ACCOUNT)
    assert "PutRolePolicyToSelf" in _methods(perms, own)
    assert "PutRolePolicyToSelf" not in _methods(perms, f"arn:aws:iam::{ACCOUNT}:role/other")
    assert "PutRolePolicyToSelf" in _methods(perms, own)  # and again, from the shared answer


def test_escalation_is_not_shared_across_boundaries_or_documents():
    create_key = {"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "*"}
    managed = _doc_of(create_key, name="keys")
    s3_only = _doc_of({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, name="s3", kind="boundary")
    inline_a = _doc_of(create_key, name="a-inline", kind="inline")
    inline_b = _doc_of({"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}, name="b-inline", kind="inline")
    free = PrincipalPermissions([managed], account_id=ACCOUNT)
    bounded = PrincipalPermissions([managed], boundary=s3_only, account_id=ACCOUNT)
    assert "CreateAccessKey" in _methods(free, _user("alice"))
    assert "CreateAccessKey" not in _methods(bounded, _user("bob"))
    assert "CreateAccessKey" in _methods(free, _user("carol"))
    with_a = PrincipalPermissions([inline_a], account_id=ACCOUNT)
    with_b = PrincipalPermissions([inline_b], account_id=ACCOUNT)
    found_a = [e for e in find_escalations(with_a, principal_arn=_user("a")) if e.method == "CreateAccessKey"]
    assert found_a and found_a[0].grants == (inline_a.statements[0],)
    assert "CreateAccessKey" not in _methods(with_b, _user("b"))


def test_permission_sets_hash_by_their_documents_and_pickle_without_the_cached_hash():
    import pickle

    doc = _doc_of({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    first = PrincipalPermissions([doc], account_id=ACCOUNT)
    second = PrincipalPermissions((doc,), account_id=ACCOUNT)
    assert first == second and hash(first) == hash(second) and {first: 1}[second] == 1
    assert first != PrincipalPermissions([doc], boundary=doc, account_id=ACCOUNT)
    copy = pickle.loads(pickle.dumps(first))
    assert copy.identity[0] is not doc and hash(copy) == hash(((copy.identity[0],), None, ACCOUNT, None))


# -- what the checks share per permission set and kind of principal ----------------------------------

ESCALATION_ACTIONS = ["iam:AttachUserPolicy", "iam:PutUserPolicy", "iam:AttachRolePolicy", "iam:PutRolePolicy",
                      "iam:CreateAccessKey", "iam:Put*", "iam:*", "sts:AssumeRole", "lambda:UpdateFunctionCode"]
ESCALATION_RESOURCES = ["*", f"arn:aws:iam::{ACCOUNT}:user/alice", f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}",
                        f"arn:aws:iam::{ACCOUNT}:role/app", f"arn:aws:iam::{ACCOUNT}:role/*", "arn:aws:s3:::b/*"]
PRINCIPALS = {"user": [_user("alice"), _user("bob")],
              "role": [f"arn:aws:iam::{ACCOUNT}:role/app", f"arn:aws:iam::{ACCOUNT}:role/other"],
              "other": [f"arn:aws:iam::{ACCOUNT}:group/team"]}


@pytest.mark.parametrize("seed", range(30))
def test_shared_escalations_are_what_every_principal_of_the_kind_gets(seed):
    """shared_escalations (what the checks work out once per permission set and kind) is either None
    or exactly what escalations_of gives each principal of that kind, whatever its own ARN."""
    from compliance_kit.policy.escalation import escalations_of, principal_kind, shared_escalations

    rng = random.Random(seed)
    statements = [{"Effect": rng.choice(["Allow", "Allow", "Deny"]),
                   "Action": rng.sample(ESCALATION_ACTIONS, rng.randint(1, 3)),
                   "Resource": rng.sample(ESCALATION_RESOURCES, rng.randint(1, 2))} for _ in range(rng.randint(1, 4))]
    perms = PrincipalPermissions([_doc_of(*statements)], account_id=ACCOUNT)
    for kind, arns in PRINCIPALS.items():
        assert all(principal_kind(arn) == kind for arn in arns)
        shared = shared_escalations(perms, kind)
        if shared is not None:
            for arn in arns:
                assert escalations_of(perms, arn) == shared, (kind, arn)
    # naming one user's own ARN for attaching policies is never shared between users
    alice_only = PrincipalPermissions([_doc_of({"Effect": "Allow", "Action": "iam:AttachUserPolicy",
                                                "Resource": _user("alice")})], account_id=ACCOUNT)
    assert shared_escalations(alice_only, "user") is None


def test_shared_escalations_of_many_sets_keep_their_partitions_and_documents_apart():
    """One SharedEscalations asked of many sets (as the checks ask it) finds the probe universe per account
    and partition, and shares an answer only between sets whose documents answer its probes alike."""
    from compliance_kit.policy.escalation import SharedEscalations, shared_escalations

    attach_any = {"Effect": "Allow", "Action": "iam:AttachUserPolicy", "Resource": f"arn:aws:iam::{ACCOUNT}:user/*"}
    aws = _doc_of(attach_any, name="aws")
    object.__setattr__(aws, "source", PolicySource("managed", "aws", f"arn:aws:iam::{ACCOUNT}:policy/aws"))
    china = _doc_of(attach_any, name="china")  # names users of the aws partition: none of its own
    object.__setattr__(china, "source", PolicySource("managed", "china", f"arn:aws-cn:iam::{ACCOUNT}:policy/china"))
    also_aws = _doc_of(attach_any, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}, name="also")
    keys = _doc_of({"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "*"}, name="keys")
    sets = [PrincipalPermissions([d], account_id=ACCOUNT) for d in (aws, china, also_aws, keys)]
    assert [s.probe_partition() for s in sets] == ["aws", "aws-cn", "aws", "aws"]
    for order in (sets, sets[::-1]):
        shared = SharedEscalations("role")
        found = {id(s): shared(s) for s in order}
        first, second, third, fourth = (found[id(s)] for s in sets)
        assert first and [e.method for e in first] == ["AttachUserPolicy"] and second == ()
        assert third is not None and [e.grants for e in third] == [(also_aws.statements[0],)]
        assert fourth is not None and [e.method for e in fourth] == ["CreateAccessKey"]
        assert [found[id(s)] for s in sets] == [shared_escalations(s, "role") for s in sets]


def test_fast_constructors_build_the_same_records():
    import pickle

    from compliance_kit.policy.document import PolicySource

    assert PolicySource.of("inline", "p", None, "f.json", "/x") == PolicySource("inline", "p", None, "f.json", "/x")
    with pytest.raises(ValueError, match="unknown policy kind"):
        PolicySource.of("nonsense", "p")  # type: ignore[arg-type]
    gov = _doc_of({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    object.__setattr__(gov, "source", PolicySource("managed", "g", "arn:aws-us-gov:iam::123456789012:policy/g"))
    fast = PrincipalPermissions.of((gov,), None, ACCOUNT)
    built = PrincipalPermissions([gov], account_id=ACCOUNT)
    assert fast == built and hash(fast) == hash(built) and vars(fast).keys() >= {f for f in vars(built) if f[0] != "_"}
    assert fast.probe_partition() == built.probe_partition() == "aws-us-gov"
    assert "_partition" not in pickle.loads(pickle.dumps(fast)).__dict__  # worked out again after a copy


def test_statements_share_equal_pattern_lists():
    first = _doc_of({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"})
    second = _doc_of({"Effect": "Deny", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": ["*"]}, name="q")
    (a,), (b,) = first.statements, second.statements
    assert a.actions is b.actions and a.resources is b.resources  # one tuple: cache keys found by identity
    assert a.action_patterns == ("s3:GetObject", "s3:PutObject") and not b.allow
