"""Evidence loading fast paths: each reads exactly what the straightforward code reads.

- JSON: orjson, with the standard library for what orjson refuses or reads differently (evidence/jsondecode.py);
- records made without their dataclass __init__ (frozen.record), key and certificate slots shared;
- the credential report's CSV split without csv.reader when it has no quotes, CR or NUL;
- the SHA-256 of imported files computed once.
"""

from __future__ import annotations

import base64
import csv
import dataclasses
import io
import json
import math
from typing import Any

import orjson
import pytest
from conftest import CLOUDMAPPER, REAL, SAMPLES, copy_exports

from compliance_kit.errors import InputError
from compliance_kit.evidence import jsondecode, load_directory
from compliance_kit.evidence.authorization import (
    AttachedPolicy,
    AuthorizationDetails,
    InlinePolicy,
    ManagedPolicy,
    Principal,
    parse_authorization_details,
)
from compliance_kit.evidence.credential_report import (
    _ASCII_SPACES,
    COLUMNS,
    REQUIRED_COLUMNS,
    AccessKeySlot,
    CertificateSlot,
    CredentialReport,
    CredentialReportError,
    CredentialRow,
    _csv_rows,
    _may_need_strip,
    _parse,
    parse_credential_report,
)
from compliance_kit.evidence.importer import _arn_account, _arn_accounts, build_evidence, write_evidence
from compliance_kit.evidence.loader import EvidenceUnavailable, from_import
from compliance_kit.evidence.manifest import sha256_bytes
from compliance_kit.evidence.recognize import recognize
from compliance_kit.evidence.values import as_list, parse_bool, parse_time
from compliance_kit.frozen import record, records

# --- JSON ---------------------------------------------------------------------------------------------

ORJSON_REFUSES = [  # json reads these; orjson raises, so json must read them
    '{"a": NaN}', '{"a": Infinity}', '{"a": -Infinity}', '{"a": 1e400}', '{"a": -1e999}',
    '{"a": "\\ud800"}', '{"a": "x\\udc00y"}', '{"a": ["\\udbff"]}',
]
ORJSON_READS_DIFFERENTLY = [  # orjson reads these integers as floats
    '{"a": 1180591620717411303424}', f'{{"a": {2**64}}}', f'{{"a": {-2**63 - 1}}}', f'[{-2**70}]',
    f'{{"a": [1, 2, {{"b": {10**30}}}]}}',
]
SAME = [
    '{"a": 1, "b": 2, "a": 3}',  # a repeated key: its last value, at its first position
    '{"z": 1, "a": {"y": 2, "b": 3}}', f'{{"a": {2**64 - 1}, "b": {-2**63}}}', '{"a": -0, "b": -0.0}',
    '{"a": 0.1, "b": 5e-324, "c": 1e-400, "d": 1.7976931348623157e308, "e": 1.23456789012345678901234567890}',
    '{"a": "\\ud83d\\ude00 \\u00e9 \\u0000 \\/"}', '[]', '"text"', '12', ' \r\n\t{"a": [true, false, null]}\n ',
    '{"s": "1234567890123456789012345"}',  # 19+ digits in a string: json reads it (only slower)
]
MALFORMED = [
    '{"a": 1', '{"a": 01}', '{"a": [1,]}', '{"a": 1,}', "{'a': 1}", '{"a": "\t"}', '{"a": 1} x', '{"a": tru}',
    '{"a": .5}', '{"a": +1}', '\x0c{"a": 1}', '{"a": 1}\u00a0', '', '{"a": "\\x41"}',
]


def _same(a: Any, b: Any) -> bool:
    """Equal values of the same types, dict keys in the same order, NaN equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


@pytest.mark.parametrize("text", ORJSON_REFUSES + ORJSON_READS_DIFFERENTLY + SAME)
def test_loads_reads_what_json_reads(text):
    expected = json.loads(text)
    assert _same(jsondecode.loads(text.encode("utf-8", "surrogatepass")), expected)
    assert _same(jsondecode.loads(text.encode(), text), expected)
    bom = b"\xef\xbb\xbf" + text.encode()
    assert _same(jsondecode.loads(bom, text), expected)  # recognition's text: the mark dropped
    assert _same(jsondecode.loads(bom), json.loads(bom))  # json.loads(bytes) drops the mark itself


@pytest.mark.parametrize("k", [1, 2, 10, 18, 19, 20])
def test_long_integer_across_scan_slices_is_seen(k):
    """The scan goes a slice at a time: an integer K bytes before a slice boundary is still seen."""
    prefix = b'{"p": "' + b"x" * (jsondecode._SLICE - k - 15) + b'", "n": '
    document = prefix + str(2**70).encode() + b"}"
    assert document.index(b"1180591620717411303424") == jsondecode._SLICE - k
    assert type(jsondecode.loads(document)["n"]) is int and jsondecode.read(document) is jsondecode.NOT_READ


def test_the_cases_are_what_they_claim():
    """Guards the lists above: if orjson changed, these cases would no longer test the fallback."""
    for text in ORJSON_REFUSES:
        with pytest.raises(orjson.JSONDecodeError):
            orjson.loads(text)
    for text in ORJSON_READS_DIFFERENTLY:
        assert not _same(orjson.loads(text), json.loads(text))
    for text in SAME[:-1]:
        assert _same(orjson.loads(text), json.loads(text))


@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_json_raises_what_json_raises(text):
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    with pytest.raises(json.JSONDecodeError) as got:
        jsondecode.loads(text.encode(), text)
    assert type(got.value) is json.JSONDecodeError  # json's own error, not orjson's subclass
    assert (got.value.msg, got.value.pos, got.value.lineno, got.value.colno) == (
        expected.value.msg, expected.value.pos, expected.value.lineno, expected.value.colno)


def test_invalid_utf8_raises_what_json_raises():
    with pytest.raises(UnicodeDecodeError):
        jsondecode.loads(b'{"a": "\xff"}')


def test_orjson_does_the_ordinary_work(monkeypatch):
    monkeypatch.setattr(jsondecode.json, "loads", lambda *a, **k: pytest.fail("json.loads used"))
    document = b'{"UserDetailList": [{"UserName": "a", "Count": 12}]}'
    expected = {"UserDetailList": [{"UserName": "a", "Count": 12}]}
    assert jsondecode.loads(document) == expected and jsondecode.loads(b"\xef\xbb\xbf" + document) == expected
    assert recognize("authz.json", document).parsed == expected


@pytest.mark.parametrize(("content", "line"), [  # the lines the code gave before orjson
    ((REAL / "authz/cloudmapper-demo.json").read_text()[:900], "line 26 column 7: truncated JSON"),
    ('{"SummaryMap": {"Users": NaN, "Groups": 2}', "line 1 column 43: truncated JSON"),
    ('{"SummaryMap": {"Users": 1,, "Groups": 2}}',
     "line 1 column 28: invalid JSON: Expecting property name enclosed in double quotes"),
    ('{"SummaryMap": {"Users": 01}}', "line 1 column 27: invalid JSON: Expecting ',' delimiter"),
    ('{"SummaryMap": {"Users": 2e999999999 x}}', "line 1 column 38: invalid JSON: Expecting ',' delimiter"),
    ('{"SummaryMap": {"Users": 1}} {"x": 2}', "line 1 column 30: invalid JSON: Extra data"),
])
def test_broken_json_file_gets_the_same_one_line_error(content, line):
    with pytest.raises(InputError) as error:
        recognize("exports/broken.json", content.encode())
    assert str(error.value) == f"exports/broken.json: {line}"


def test_one_stray_byte_after_the_document_is_extra_data_not_truncation():
    with pytest.raises(InputError) as error:
        recognize("exports/summary.json", b'{"SummaryMap": {"Users": 1}}}\n')
    assert str(error.value) == "exports/summary.json: line 1 column 29: invalid JSON: Extra data"


def test_json_nested_beyond_the_recursion_limit_is_one_line_not_a_traceback():
    with pytest.raises(InputError, match="exports/deep.json: JSON nested too deeply to read"):
        recognize("exports/deep.json", b"[" * 100_000 + b"]" * 100_000)


@pytest.mark.parametrize(("content", "line"), [
    (b'{"UserDetailList": [], "x": "\xed\xa0\x80"}', "not UTF-8 text (binary file?)"),  # an encoded surrogate
    (b'{"UserDetailList": [], "x": "\xc0\x80"}', "not UTF-8 text (binary file?)"),  # an overlong NUL
    (b'{"UserDetailList": [], "x": "\x00"}', "binary file, not an AWS export"),
    (b'\x0c{"UserDetailList": []}', "line 1 column 1: invalid JSON: Expecting value"),
    (b'\xef\xbb\xbf\xef\xbb\xbf{"UserDetailList": []}', None),  # a second mark: not JSON, ignored
])
def test_recognition_of_json_bytes_refuses_and_ignores_as_before(content, line):
    if line is None:
        assert recognize("x.json", content) is None
        return
    with pytest.raises(InputError) as error:
        recognize("x.json", content)
    assert str(error.value) == f"x.json: {line}"


@pytest.mark.parametrize("prefix", [b"", b"\xef\xbb\xbf", b" \r\n\t", b" " * 80])
def test_recognition_reads_json_whatever_comes_before_it(prefix):
    content = json.dumps({"SummaryMap": {"Users": 3, "Big": 2**70, "Name": "\u00e9"}}).encode()
    item = recognize("summary.json", prefix + content)
    assert item is not None and item.artifact == "account_summary" and item.content == prefix + content
    assert _same(item.parsed, json.loads(content))


def test_numbers_orjson_cannot_read_load_as_before(tmp_path):
    """NaN, Infinity and integers beyond 64 bits, imported in memory and from an evidence directory."""
    src = copy_exports(tmp_path / "src", CLOUDMAPPER)
    (src / "summary.json").write_text(
        '{"SummaryMap": {"Users": NaN, "Big": 1180591620717411303424, "Neg": -18446744073709551617, '
        '"Inf": Infinity, "Max": 18446744073709551615, "Groups": 3}}')
    expected = {"Users": math.nan, "Big": 2**70, "Neg": -2**64 - 1, "Inf": math.inf, "Max": 2**64 - 1, "Groups": 3}
    imported = build_evidence(src)
    for evidence in (from_import(imported, "src"), load_directory(write_evidence(imported, tmp_path / "ev"))):
        summary = evidence.account_summary
        assert _same(summary, expected)
        assert type(summary["Big"]) is int and type(summary["Neg"]) is int


def test_lone_surrogate_escape_loads_as_before(tmp_path):
    src = copy_exports(tmp_path / "src", CLOUDMAPPER)
    authz = json.loads((src / "iam-authz.json").read_text())
    authz["UserDetailList"][0]["Tags"] = [{"Key": "note", "Value": "LONE"}]
    (src / "iam-authz.json").write_text(json.dumps(authz).replace('"LONE"', '"\\ud800"'))
    imported = build_evidence(src)
    for evidence in (from_import(imported, "src"), load_directory(write_evidence(imported, tmp_path / "ev"))):
        assert evidence.authorization.users[0].tags == (("note", "\ud800"),)


# --- records ----------------------------------------------------------------------------------------

RECORDS = (AttachedPolicy, InlinePolicy, Principal, ManagedPolicy, CredentialRow, AccessKeySlot, CertificateSlot)


def _records(value: Any) -> list[Any]:
    if isinstance(value, RECORDS):
        return [value, *(r for f in dataclasses.fields(value) for r in _records(getattr(value, f.name)))]
    if isinstance(value, tuple | list):
        return [r for v in value for r in _records(v)]
    if isinstance(value, dict):
        return [r for v in value.values() for r in _records(v)]
    return []


def test_records_made_without_init_equal_those_made_by_it():
    """frozen.record fills every field, so the records are what the dataclass __init__ would make."""
    details = parse_authorization_details(json.loads((REAL / "authz/cloudsplaining-test-example-authz-details.json")
                                                     .read_text()))
    report = _parse((REAL / "credential-report/custodian-unused-keys.csv").read_text())
    found = _records([details.users, details.groups, details.roles, details.policies, report.rows])
    assert {type(r) for r in found} == set(RECORDS)
    for item in found:
        assert list(vars(item)) == [f.name for f in dataclasses.fields(item)]
        again = type(item)(**vars(item))
        assert again == item and repr(again) == repr(item)
        with pytest.raises(dataclasses.FrozenInstanceError):
            item.arn = "x"  # type: ignore[misc]


def test_records_are_those_record_makes():
    assert records(AttachedPolicy, []) == ()
    made = records(AttachedPolicy, [{"arn": "a", "name": "n", "pointer": "/p"}, {"arn": "b", "name": "m", "pointer": "/q"}])
    assert made == (AttachedPolicy("a", "n", "/p"), AttachedPolicy("b", "m", "/q"))
    assert made[1] == record(AttachedPolicy, {"arn": "b", "name": "m", "pointer": "/q"})


# The straightforward readings (the code before the fast paths), to compare with.

def _reference_report(text: str) -> CredentialReport:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise CredentialReportError(f"not a credential report: header lacks {', '.join(missing[:4])}"
                                    + (" ..." if len(missing) > 4 else ""))
    index = {name: i for i, name in enumerate(header)}
    positions = [index.get(name, -1) for name in COLUMNS]
    rows, seen, duplicates = [], set(), 0
    for line_no, raw in enumerate((r for r in reader if r), start=2):
        (user, arn, created, password_enabled, password_last_used, password_last_changed, mfa_active,
         k1_active, k1_rotated, k1_used, k1_service, k2_active, k2_rotated, k2_used, k2_service,
         c1_active, c1_rotated, c2_active, c2_rotated) = (raw[i].strip() if 0 <= i < len(raw) else "" for i in positions)
        if not arn or not user:
            raise CredentialReportError(f"row {line_no}: missing user or arn")
        if (user, arn) in seen:
            duplicates += 1
            continue
        seen.add((user, arn))
        rows.append(CredentialRow(
            line_no, user, arn, parse_time(created), parse_bool(password_enabled), parse_time(password_last_used),
            password_last_used, parse_time(password_last_changed), bool(parse_bool(mfa_active)),
            (AccessKeySlot(1, bool(parse_bool(k1_active)), parse_time(k1_rotated), parse_time(k1_used), k1_service or None),
             AccessKeySlot(2, bool(parse_bool(k2_active)), parse_time(k2_rotated), parse_time(k2_used), k2_service or None)),
            (CertificateSlot(1, bool(parse_bool(c1_active)), parse_time(c1_rotated)),
             CertificateSlot(2, bool(parse_bool(c2_active)), parse_time(c2_rotated)))))
    return CredentialReport(tuple(rows), duplicates)


def _report_variants() -> dict[str, str]:
    real = (REAL / "credential-report/cloudmapper-demo.csv").read_text()
    lines = real.splitlines()
    header, rows = lines[0], lines[1:]
    names = header.split(",")
    keep = [i for i, n in enumerate(names) if n not in ("cert_1_active", "access_key_2_last_used_service")]
    fewer = [",".join(names[i] for i in keep) + ",mfa_active"] + [
        ",".join(r.split(",")[i] for i in keep) + ",TRUE" for r in rows]
    quoted = rows[1].split(",")
    quoted[0] = '"odd,name"'
    variants = {
        "real": real,
        "bom_and_crlf": "\ufeff" + "\r\n".join(lines) + "\r\n",
        "bare_cr": "\r".join(lines),
        "blank_lines_and_spaces": "\n\n".join([header, *(" " + r.replace(",", " , ") for r in rows)]) + "\n\n",
        "short_and_long_rows": "\n".join([header, rows[0].rsplit(",", 5)[0], rows[1] + ",extra,cells", *rows[2:]]),
        "columns_missing_or_repeated": "\n".join(fewer),
        "duplicate_rows": "\n".join([header, *rows, rows[0], rows[1]]),
        "quoted_field": "\n".join([header, rows[0], ",".join(quoted)]),
        "upper_case_and_odd_values": "\n".join([header, *(r.replace("true", "TRUE").replace("N/A", "n/a")
                                                          .replace("+00:00", "Z") for r in rows)]),
        "last_line_without_newline": real.rstrip("\n"),
        "other_ascii_spaces": "\n".join([header, *("\t" + r.replace(",", "\x0b,\x1f") + "\x0c" for r in rows)]),
        "spaces_beyond_ascii": "\n".join([header, *(r.replace(",", "\u00a0,\u2003") for r in rows)]),
    }
    for name in real.splitlines()[1:2]:  # a row with NUL characters
        variants["nul"] = real.replace(name.split(",")[0], name.split(",")[0] + "\x00x", 1)
    return variants


@pytest.mark.parametrize("variant", sorted(_report_variants()))
def test_credential_report_reads_as_the_straightforward_parse(variant):
    text = _report_variants()[variant]
    expected: Any = _reference_report(text.replace("\r\n", "\n").replace("\r", "\n"))  # a bare CR ends a row too
    assert _parse(text) == expected
    assert repr(_parse(text)) == repr(expected)


def test_only_text_that_may_need_it_is_stripped():
    """_may_need_strip's characters are every ASCII character str.strip() removes, but the line ends."""
    assert {c for c in map(chr, range(128)) if not c.strip()} - {"\n", "\r"} == set(_ASCII_SPACES)
    assert not _may_need_strip("user,arn\r\na,b\n")
    for text in ("user,arn\na ,b", 'user,arn\n"a",b', "user,arn\na\u00a0,b", "user,arn\na\x1f,b"):
        assert _may_need_strip(text)


@pytest.mark.parametrize("text", ["user,arn\n", "\n\n", "", "user,arn,x\n,arn:aws:iam::1:user/a\n"])
def test_credential_report_errors_as_before(text):
    with pytest.raises(CredentialReportError) as expected:
        _reference_report(text if text.strip() else "x\n")
    with pytest.raises(CredentialReportError) as got:
        _parse(text if text.strip() else "x\n")
    assert str(got.value) == str(expected.value)


def test_unreadable_csv_is_a_credential_report_error_not_a_traceback():
    with pytest.raises(CredentialReportError, match="unreadable CSV: field larger than field limit"):
        parse_credential_report(",".join(REQUIRED_COLUMNS) + "\n" + '"' + "a" * 200_000 + '",x\n')


@pytest.mark.parametrize("text", [
    "a,b\n1,2\n", "a,b\n\n1,2\n\n", 'a,"b,c"\n', "a,b\r\n1,2\r\n", "a,b\r1,2", "a\x00,b\n", " , \n,\n", "a,b",
])
def test_csv_rows_are_what_csv_reader_reads(text):
    try:
        expected: Any = [row for row in csv.reader(io.StringIO(text, newline=None)) if row]
    except csv.Error as exc:
        expected = exc
    if isinstance(expected, Exception):
        with pytest.raises(csv.Error, match=str(expected)):
            list(_csv_rows(text))
    else:
        assert list(_csv_rows(text)) == expected


def _reference_authorization(data: dict[str, Any]) -> AuthorizationDetails:
    def attached(entry: dict[str, Any], base: str) -> tuple[AttachedPolicy, ...]:
        return tuple(AttachedPolicy(str(item["PolicyArn"]),
                                    str(item.get("PolicyName") or str(item["PolicyArn"]).rsplit("/", 1)[-1]),
                                    f"{base}/AttachedManagedPolicies/{i}")
                     for i, item in enumerate(as_list(entry.get("AttachedManagedPolicies")))
                     if isinstance(item, dict) and item.get("PolicyArn"))

    def inline(entry: dict[str, Any], key: str, base: str) -> tuple[InlinePolicy, ...]:
        return tuple(InlinePolicy(str(item.get("PolicyName", f"#{i}")), item.get("PolicyDocument"),
                                  f"{base}/{key}/{i}/PolicyDocument")
                     for i, item in enumerate(as_list(entry.get(key))) if isinstance(item, dict))

    def tags(entry: dict[str, Any]) -> tuple[tuple[str, str], ...]:
        return tuple((str(t["Key"]), str(t.get("Value", ""))) for t in as_list(entry.get("Tags"))
                     if isinstance(t, dict) and "Key" in t)

    def boundary(entry: dict[str, Any]) -> str | None:
        b = entry.get("PermissionsBoundary")
        return str(b["PermissionsBoundaryArn"]) if isinstance(b, dict) and b.get("PermissionsBoundaryArn") else None

    users = tuple(Principal(
        "user", str(e["UserName"]), str(e["Arn"]), str(e.get("UserId", "")), str(e.get("Path", "/")),
        f"/UserDetailList/{i}", parse_time(e.get("CreateDate")), attached(e, f"/UserDetailList/{i}"),
        inline(e, "UserPolicyList", f"/UserDetailList/{i}"), tags(e),
        groups=tuple(str(g) for g in as_list(e.get("GroupList"))), boundary_arn=boundary(e))
        for i, e in enumerate(data.get("UserDetailList", [])))
    groups = tuple(Principal(
        "group", str(e["GroupName"]), str(e["Arn"]), str(e.get("GroupId", "")), str(e.get("Path", "/")),
        f"/GroupDetailList/{i}", parse_time(e.get("CreateDate")), attached(e, f"/GroupDetailList/{i}"),
        inline(e, "GroupPolicyList", f"/GroupDetailList/{i}"))
        for i, e in enumerate(data.get("GroupDetailList", [])))
    roles = []
    for i, e in enumerate(data.get("RoleDetailList", [])):
        base, last_used, session = f"/RoleDetailList/{i}", e.get("RoleLastUsed"), e.get("MaxSessionDuration")
        roles.append(Principal(
            "role", str(e["RoleName"]), str(e["Arn"]), str(e.get("RoleId", "")), str(e.get("Path") or "/"), base,
            parse_time(e.get("CreateDate")), attached(e, base), inline(e, "RolePolicyList", base), tags(e),
            boundary_arn=boundary(e), trust_policy=e.get("AssumeRolePolicyDocument"),
            trust_pointer=f"{base}/AssumeRolePolicyDocument",
            last_used=parse_time(last_used.get("LastUsedDate")) if isinstance(last_used, dict) else None,
            last_used_recorded=isinstance(last_used, dict),
            max_session_duration=int(session) if isinstance(session, int | str) and str(session).isdigit() else None,
            instance_profiles=tuple(str(p.get("InstanceProfileName", "")) for p in as_list(e.get("InstanceProfileList"))
                                    if isinstance(p, dict))))
    policies = {}
    for i, e in enumerate(data.get("Policies", [])):
        base, versions = f"/Policies/{i}", as_list(e.get("PolicyVersionList"))
        chosen = next((j for j, v in enumerate(versions) if isinstance(v, dict) and parse_bool(v.get("IsDefaultVersion"))),
                      None)
        if chosen is None or versions[chosen].get("Document") is None:
            default_id = e.get("DefaultVersionId")
            matching = [j for j, v in enumerate(versions)
                        if isinstance(v, dict) and default_id and v.get("VersionId") == default_id]
            chosen = matching[-1] if matching else chosen
        document = versions[chosen].get("Document") if chosen is not None else None
        arn = str(e["Arn"])
        policies[arn] = ManagedPolicy(
            arn, str(e.get("PolicyName") or arn.rsplit("/", 1)[-1]), str(e.get("PolicyId", "")), base, document,
            f"{base}/PolicyVersionList/{chosen}/Document" if document is not None else None,
            e.get("AttachmentCount") if isinstance(e.get("AttachmentCount"), int) else None,
            e.get("PermissionsBoundaryUsageCount") if isinstance(e.get("PermissionsBoundaryUsageCount"), int) else None,
            parse_bool(e.get("IsAttachable")) is not False)
    return AuthorizationDetails(users, groups, tuple(roles), policies, bool(parse_bool(data.get("IsTruncated"))))


def _odd_authorization() -> dict[str, Any]:
    """A real export with every quirk the parser tolerates."""
    data = json.loads((REAL / "authz/cloudmapper-demo.json").read_text())
    user = data["UserDetailList"][0]
    user.update(Tags={"Key": "single", "Value": 3}, GroupList="one-group", CreateDate="2020-01-01T00:00:00Z",
                PermissionsBoundary={"PermissionsBoundaryArn": "arn:aws:iam::123456789012:policy/b"},
                AttachedManagedPolicies={"PolicyArn": "arn:aws:iam::aws:policy/X"},
                UserPolicyList=[{"PolicyDocument": {"Statement": []}}, "junk"])
    data["UserDetailList"] += [
        {**user, "UserName": "u-empty", "Tags": {}, "UserPolicyList": {}, "AttachedManagedPolicies": {},
         "GroupList": None, "CreateDate": "N/A", "PermissionsBoundary": {}},
        {**user, "UserName": "u-falsy", "Tags": "", "UserPolicyList": 0, "AttachedManagedPolicies": "",
         "GroupList": [1, "g"], "CreateDate": 7},
    ]
    role = data["RoleDetailList"][0]
    data["RoleDetailList"] += [
        {**role, "RoleName": "r-odd", "MaxSessionDuration": "3600", "RoleLastUsed": {}, "Path": "",
         "InstanceProfileList": [{"InstanceProfileName": "ip"}, 5], "Tags": [{"Key": "k"}, {"Value": "v"}]},
        {**role, "RoleName": "r-empty", "MaxSessionDuration": True, "RoleLastUsed": {"LastUsedDate": "bad"},
         "InstanceProfileList": {}, "RolePolicyList": {}, "CreateDate": "2021-02-03T04:05:06+00:00"},
    ]
    policies = data["Policies"]
    for version in policies[0]["PolicyVersionList"]:
        version["IsDefaultVersion"] = "TRUE" if version.get("IsDefaultVersion") else "false"
    policies[-1].update(AttachmentCount=True, IsAttachable="false", PolicyName="")
    for version in policies[-1]["PolicyVersionList"]:
        version["IsDefaultVersion"] = False
    data["IsTruncated"] = "false"
    return data


@pytest.mark.parametrize("source", ["odd", "authz/cloudmapper-demo.json", "authz/fixinventory-test.json",
                                    "authz/cloudsplaining-test-example-authz-details.json", "authz/awscli-example.json"])
def test_authorization_details_read_as_the_straightforward_parse(source):
    data = _odd_authorization() if source == "odd" else json.loads((REAL / source).read_text())
    parsed = parse_authorization_details(data)
    assert parsed == _reference_authorization(data)
    assert repr(parsed) == repr(_reference_authorization(data))


# --- account ids ------------------------------------------------------------------------------------

def test_arn_accounts_are_those_of_each_arn():
    arns = ["arn:aws:iam::123456789012:user/a", "arn:aws:iam::123456789012:role/x/y", "arn:aws-cn:iam::210987654321:root",
            "arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam:::user/a", "arn:aws:sts::111122223333:assumed-role/r/s",
            "arn:aws:iam::123", "arn:aws:iam::444455556666:", "arn:aws:iam::777788889999:user/a:b:c", "x:y:iam:z:55:q",
            "arn:aws:iam:us-east-1:999:user/z", "arn:aws:iam::", "no colons", "", None, 7, {"Arn": 1}, "arn:aws:iam::a:b:c:d"]
    for arn in arns:
        assert _arn_accounts([arn]) == ({_arn_account(arn)} - {None}), arn
    assert _arn_accounts(arns) == {_arn_account(a) for a in arns} - {None}


# --- hashing --------------------------------------------------------------------------------------------

def test_imported_files_are_not_hashed_again_but_replaced_bytes_are(tmp_path, monkeypatch):
    imported = build_evidence(SAMPLES)
    evidence = from_import(imported, "samples")
    from compliance_kit.evidence import loader

    calls: list[int] = []
    monkeypatch.setattr(loader, "sha256_bytes", lambda data: calls.append(len(data)) or sha256_bytes(data))
    assert evidence.credential_report.rows and evidence.raw("authorization_details")
    assert calls == []
    imported.files["credential-report.csv"] = imported.files["credential-report.csv"] + b"\n"
    with pytest.raises(EvidenceUnavailable, match="changed since collection"):
        _ = from_import(imported, "samples").credential_report
    assert calls


def test_credential_report_parsed_by_recognition_is_not_parsed_again(tmp_path, monkeypatch):
    """An import in memory hands the report recognition parsed to Evidence; replaced bytes are read again."""
    src = copy_exports(tmp_path / "src", CLOUDMAPPER)
    csv_bytes = b"\xef\xbb\xbf" + (src / "creds.csv").read_bytes()  # base64 of a report with a byte order mark
    (src / "creds.json").write_text(json.dumps({"Content": base64.b64encode(csv_bytes).decode(), "ReportFormat": "text/csv"}))
    (src / "creds.csv").unlink()
    imported = build_evidence(src)
    assert imported.files["credential-report.csv"] == csv_bytes
    expected = _reference_report(csv_bytes.decode("utf-8-sig"))
    from compliance_kit.evidence import loader

    monkeypatch.setattr(loader, "parse_credential_report", lambda text: pytest.fail("parsed again"))
    assert from_import(imported, "src").credential_report == expected
    monkeypatch.undo()
    imported.files["credential-report.csv"] = bytes(bytearray(csv_bytes))  # equal bytes, another object: read
    assert from_import(imported, "src").credential_report == expected
    assert load_directory(write_evidence(imported, tmp_path / "ev")).credential_report == expected


def test_manifest_names_each_file_with_its_sha256_and_size(tmp_path):
    src = copy_exports(tmp_path / "src", CLOUDMAPPER)
    (src / "creds.json").write_text(json.dumps({"Content": base64.b64encode((src / "creds.csv").read_bytes()).decode(),
                                                "ReportFormat": "text/csv"}))
    (src / "creds.csv").unlink()
    imported = build_evidence(src)
    target = write_evidence(imported, tmp_path / "ev")
    files = [e["file"] for e in imported.manifest["artifacts"] if e.get("file")]
    assert "credential-report.csv" in files and "get-account-authorization-details.json" in files
    for entry in imported.manifest["artifacts"]:
        if entry.get("file"):
            data = (target / entry["file"]).read_bytes()
            assert entry["sha256"] == sha256_bytes(data) and entry["bytes"] == len(data)
            assert imported.hashed[entry["file"]] is imported.files[entry["file"]]
    assert (target / "manifest.json").read_bytes() == imported.manifest_bytes
