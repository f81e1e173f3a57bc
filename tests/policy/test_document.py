"""Parsing policy documents: tolerated shapes, rejected ones, and default-version picking."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from compliance_kit.errors import InputError
from compliance_kit.policy import PolicyDocument, PolicyParseError, PolicySource

SRC = PolicySource(kind="managed", name="Example", arn="arn:aws:iam::123456789012:policy/Example",
                   file="get-account-authorization-details.json", pointer="/Policies/3/PolicyVersionList/0/Document")

ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def test_list_of_statements_with_string_and_list_values():
    doc = PolicyDocument.parse({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "One", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
            {"Effect": "Deny", "Action": ["iam:*", "sts:*"], "Resource": ["*"]},
        ],
    }, source=SRC)
    first, second = doc.statements
    assert (first.sid, first.effect, first.actions, first.resources) == (
        "One", "Allow", ("s3:GetObject",), ("arn:aws:s3:::b/*",))
    assert (second.sid, second.effect, second.actions) == (None, "Deny", ("iam:*", "sts:*"))
    assert doc.version == "2012-10-17"
    assert first.source is SRC and first.statement_index == 0 and second.statement_index == 1


def test_single_statement_object_is_accepted_and_pointed_at():
    doc = PolicyDocument.parse({"Statement": {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}},
                               source=SRC)
    assert len(doc.statements) == 1
    assert doc.statements[0].pointer == "/Policies/3/PolicyVersionList/0/Document/Statement"


def test_list_statement_pointer_has_index():
    doc = PolicyDocument.parse(ADMIN | {"Statement": [ADMIN["Statement"][0]] * 2}, source=SRC)
    assert doc.statements[1].pointer == "/Policies/3/PolicyVersionList/0/Document/Statement/1"


def test_not_action_and_not_resource():
    doc = PolicyDocument.parse({"Statement": [
        {"Effect": "Allow", "NotAction": "iam:*", "NotResource": ["arn:aws:s3:::secret/*"]},
    ]})
    g = doc.statements[0]
    assert g.not_action and g.not_resource
    assert g.not_actions == ("iam:*",) and g.actions == ()
    assert g.not_resources == ("arn:aws:s3:::secret/*",) and g.resources == ()
    assert g.action_patterns == ("iam:*",) and g.resource_patterns == ("arn:aws:s3:::secret/*",)


@pytest.mark.parametrize("principal, expected", [
    ("*", (("*", "*"),)),
    ({"AWS": "*"}, (("AWS", "*"),)),
    ({"AWS": "arn:aws:iam::111122223333:root"}, (("AWS", "arn:aws:iam::111122223333:root"),)),
    ({"Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"]},
     (("Service", "ec2.amazonaws.com"), ("Service", "lambda.amazonaws.com"))),
    ({"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
     (("Federated", "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"),)),
])
def test_trust_policy_principal_forms(principal, expected):
    trust = PolicyDocument.parse(
        {"Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]},
        source=PolicySource(kind="trust", name="role-trust"))
    g = trust.statements[0]
    assert g.principals == expected
    assert not g.resource_given  # trust policies have no Resource


def test_not_principal():
    doc = PolicyDocument.parse({"Statement": [
        {"Effect": "Deny", "NotPrincipal": {"AWS": ["arn:aws:iam::1:user/a"]}, "Action": "s3:*", "Resource": "*"}]})
    assert doc.statements[0].not_principals == (("AWS", "arn:aws:iam::1:user/a"),)


def test_condition_marks_statement_conditional():
    doc = PolicyDocument.parse({"Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
        {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {}},
    ]})
    assert doc.statements[0].conditional
    assert doc.statements[0].condition == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    assert not doc.statements[1].conditional  # an empty Condition restricts nothing


def test_json_text_and_bytes():
    for raw in (json.dumps(ADMIN), json.dumps(ADMIN).encode()):
        assert PolicyDocument.parse(raw).statements[0].actions == ("*",)


def test_url_encoded_document():
    # Older get-account-authorization-details exports URL-encode policy documents.
    encoded = quote(json.dumps(ADMIN))
    assert encoded.startswith("%7B")
    doc = PolicyDocument.parse(encoded, source=SRC)
    assert doc.statements[0].actions == ("*",)
    assert doc.statements[0].resources == ("*",)


def test_url_encoded_with_spaces_in_condition_values():
    raw = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                          "Condition": {"StringEquals": {"aws:PrincipalTag/team": "data platform"}}}]}
    doc = PolicyDocument.parse(quote(json.dumps(raw)))
    assert doc.statements[0].condition["StringEquals"]["aws:PrincipalTag/team"] == "data platform"


@pytest.mark.parametrize("raw, message", [
    ([ADMIN], "must be a JSON object"),
    ("null", "must be a JSON object"),
    (42, "must be a JSON object"),
    ("not json at all", "neither JSON nor URL-encoded JSON"),
    ({"Version": "2012-10-17"}, "no Statement"),
    ({"Statement": "Allow everything"}, "Statement must be an object or a list"),
    ({"Statement": ["oops"]}, "statement 0 is not an object"),
    ({"Statement": [{"Effect": "allow", "Action": "*", "Resource": "*"}]}, "Effect must be"),
    ({"Statement": [{"Effect": "Permit", "Action": "*", "Resource": "*"}]}, "Effect must be"),
    ({"Statement": [{"Action": "*", "Resource": "*"}]}, "Effect must be"),
    ({"Statement": [{"Effect": "Allow", "Resource": "*"}]}, "neither Action nor NotAction"),
    ({"Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "iam:*", "Resource": "*"}]}, "both"),
    ({"Statement": [{"Effect": "Allow", "Action": ["s3:*", 3], "Resource": "*"}]}, "list of strings"),
    ({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": {"arn": 1}}]}, "Resource must be"),
    ({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": "MFA"}]},
     "Condition must be an object"),
    ({"Statement": [{"Effect": "Allow", "Principal": 7, "Action": "sts:AssumeRole"}]}, "Principal must be"),
])
def test_malformed_documents_raise(raw, message):
    with pytest.raises(PolicyParseError) as info:
        PolicyDocument.parse(raw, source=SRC)
    err = info.value
    assert message in str(err)
    assert isinstance(err, InputError) and isinstance(err, ValueError)
    assert err.file == "get-account-authorization-details.json"
    assert err.place == "/Policies/3/PolicyVersionList/0/Document"
    assert "arn:aws:iam::123456789012:policy/Example" in str(err)


def test_unknown_policy_kind_rejected():
    with pytest.raises(ValueError):
        PolicySource(kind="scp", name="x")  # type: ignore[arg-type]


def test_documents_compare_by_identity():
    a, b = PolicyDocument.parse(ADMIN), PolicyDocument.parse(ADMIN)
    assert a != b and a == a
    assert len({a, b, a}) == 2


def _detail(versions, **extra):
    return {"PolicyName": "Example", "Arn": "arn:aws:iam::123456789012:policy/Example",
            "DefaultVersionId": extra.pop("DefaultVersionId", None), "PolicyVersionList": versions, **extra}


def _version(vid, default, actions):
    return {"VersionId": vid, "IsDefaultVersion": default,
            "Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}}


def test_default_version_is_picked():
    detail = _detail([_version("v3", False, "*"), _version("v2", True, "s3:GetObject"), _version("v1", False, "*")])
    doc = PolicyDocument.default_version_document(detail, source=PolicySource(
        kind="managed", name="Example", file="get-account-authorization-details.json", pointer="/Policies/3"))
    assert doc.statements[0].actions == ("s3:GetObject",)
    assert doc.source.pointer == "/Policies/3/PolicyVersionList/1/Document"
    assert doc.source.file == "get-account-authorization-details.json"


@pytest.mark.parametrize("flag", ["true", "True", " TRUE "])
def test_default_version_flag_written_as_string(flag):
    detail = _detail([_version("v1", "false", "*"), _version("v2", flag, "ec2:DescribeInstances")])
    doc = PolicyDocument.default_version_document(detail)
    assert doc.statements[0].actions == ("ec2:DescribeInstances",)
    # Without a source one is built from the entry itself.
    assert doc.source.kind == "managed" and doc.source.name == "Example"
    assert doc.source.arn == "arn:aws:iam::123456789012:policy/Example"


def test_default_version_falls_back_to_default_version_id():
    detail = _detail([_version("v1", None, "*"), _version("v2", None, "s3:ListBucket")], DefaultVersionId="v2")
    assert PolicyDocument.default_version_document(detail).statements[0].actions == ("s3:ListBucket",)


def test_default_version_url_encoded_document():
    version = _version("v1", True, "*")
    version["Document"] = quote(json.dumps(version["Document"]))
    assert PolicyDocument.default_version_document(_detail([version])).statements[0].actions == ("*",)


@pytest.mark.parametrize("detail", [
    _detail([_version("v1", False, "*"), _version("v2", "false", "*")]),
    _detail([]),
    {"PolicyName": "NoVersions"},
])
def test_no_default_version_is_an_error(detail):
    with pytest.raises(PolicyParseError):
        PolicyDocument.default_version_document(detail)


@pytest.mark.parametrize("statement, fields", [
    ({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"},
     {"effect": "Allow", "actions": ("s3:GetObject", "s3:PutObject"), "resources": ("*",)}),
    ({"Effect": "Deny", "Action": "iam:*", "Resource": ["arn:aws:s3:::b", "*"], "Sid": "NoIam"},
     {"effect": "Deny", "sid": "NoIam", "actions": ("iam:*",), "resources": ("arn:aws:s3:::b", "*")}),
    ({"Effect": "Allow", "NotAction": ["iam:*"], "NotResource": "arn:aws:s3:::b", "Condition": {"Bool": {"k": "v"}}},
     {"effect": "Allow", "not_actions": ("iam:*",), "not_action": True, "not_resources": ("arn:aws:s3:::b",),
      "not_resource": True, "conditional": True, "condition": {"Bool": {"k": "v"}}}),
    ({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": ["arn:aws:iam::1:root", "2"], "Service": "x"}},
     {"effect": "Allow", "actions": ("sts:AssumeRole",), "resource_given": False,
      "principals": (("AWS", "arn:aws:iam::1:root"), ("AWS", "2"), ("Service", "x"))}),
    ({"Effect": "Deny", "Action": "sts:AssumeRole", "NotPrincipal": "*", "Condition": {}, "Sid": 3},
     {"effect": "Deny", "sid": "3", "actions": ("sts:AssumeRole",), "resource_given": False,
      "not_principals": (("*", "*"),)}),
])
def test_parsed_statements_are_the_grants_their_fields_say(statement, fields):
    """_statement fills a copy of a template of Grant's fields: each shape of statement gives the Grant
    that Grant's own __init__ builds, with every field (compared or not) and the same keys, in order."""
    import dataclasses

    from compliance_kit.policy import Grant

    parsed = PolicyDocument.parse({"Statement": [{"Effect": "Allow", "Action": "s3:*"}, statement]}, source=SRC)
    built = Grant(**{"source": SRC, "statement_index": 1, "statement_pointer": "/Statement/1", "sid": None, **fields})
    assert parsed.statements[1] == built
    names = [f.name for f in dataclasses.fields(Grant)]
    assert list(vars(parsed.statements[1])) == [*names, "allow", "action_patterns"]
    assert [getattr(parsed.statements[1], n) for n in (*names, "allow", "action_patterns")] == \
        [getattr(built, n) for n in (*names, "allow", "action_patterns")]


def test_parsed_statements_are_complete_grants():
    """Statements are built without Grant's own __init__ (for speed): they must be the same records."""
    import dataclasses

    from compliance_kit.policy import Grant

    doc = PolicyDocument.parse({"Statement": [{"Sid": 7, "Effect": "Deny", "NotAction": "iam:*",
                                               "NotResource": ["arn:aws:s3:::b"], "Condition": {"Bool": {"k": "v"}}},
                                              {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": "*"}]},
                               source=SRC)
    deny, trust = doc.statements
    precomputed = {"allow", "action_patterns"}  # cached properties that parsing stores with the fields
    assert set(vars(deny)) == {f.name for f in dataclasses.fields(Grant)} | precomputed
    for parsed in (deny, trust):
        built = dataclasses.replace(parsed)  # through Grant's own __init__: the properties computed
        assert (parsed.allow, parsed.action_patterns) == (built.allow, built.action_patterns)
    assert (deny.allow, deny.action_patterns, trust.allow, trust.action_patterns) == \
        (False, ("iam:*",), True, ("sts:AssumeRole",))
    assert deny == Grant(source=SRC, statement_index=0, sid="7", effect="Deny", not_actions=("iam:*",),
                         not_resources=("arn:aws:s3:::b",), conditional=True, not_action=True, not_resource=True,
                         condition={"Bool": {"k": "v"}}, statement_pointer="/Statement/0")
    assert trust == Grant(source=SRC, statement_index=1, sid=None, effect="Allow", actions=("sts:AssumeRole",),
                          resource_given=False, principals=(("*", "*"),), statement_pointer="/Statement/1")
    assert hash(deny) == hash(dataclasses.replace(deny))
    with pytest.raises(dataclasses.FrozenInstanceError):
        deny.sid = "changed"  # type: ignore[misc]
