"""Delivery to S3 and previous-period discovery in S3, against moto in server mode on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from compliance_kit.monthly.config import S3Output
from compliance_kit.monthly.deliver import DeliveryError, list_periods, upload_period
from compliance_kit.monthly.package import verify_package
from compliance_kit.monthly.period import SCHEMES

from .monthly_support import ACCOUNT, ADMIN_POLICY, BUCKET, make_exports

PREFIX = "compliance/northwind"


def kit_for(write_kit, aws, *, local: bool, bucket: str = BUCKET, kms: bool = True) -> Path:
    s3 = {"s3": f"s3://{bucket}/{PREFIX}", "endpoint_url": aws.url, "region": "us-east-1"}
    if kms:
        s3["kms_key_id"] = aws.kms_key_id
    outputs = ([{"dir": "./packages"}] if local else []) + [s3]
    return write_kit({"organization": "Northwind Health Analytics", "source": {"evidence": "./exports"},
                      "frameworks": ["cmmc-l1"], "formats": ["xlsx"], "outputs": outputs})


def test_delivery_with_sse_kms_and_previous_period_found_in_s3(aws, write_kit, run_cli, tmp_path):
    config = kit_for(write_kit, aws, local=False)  # S3 only: history must come from the bucket listing
    make_exports(tmp_path / "exports")
    first = run_cli("run", "--config", str(config), now="2026-11-10")
    assert first.code == 0, first.err
    assert first.summary["delivered"] == [f"s3://{BUCKET}/{PREFIX}/2026-11/"]
    assert first.summary["package"] == f"s3://{BUCKET}/{PREFIX}/2026-11/package.zip"

    s3 = aws.client("s3")
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{PREFIX}/2026-11/")["Contents"]
    assert sorted(o["Key"].rsplit("/", 1)[1] for o in listed) == [
        "MANIFEST.sha256", "compliance-kit.xlsx", "delta.json", "package.zip", "results.json"]
    package = s3.get_object(Bucket=BUCKET, Key=f"{PREFIX}/2026-11/package.zip")
    body = package["Body"].read()
    digest = hashlib.sha256(body).hexdigest()
    assert digest == first.summary["digest"]
    assert package["ServerSideEncryption"] == "aws:kms"
    assert aws.kms_key_id in package["SSEKMSKeyId"]
    for item in listed:
        head = s3.head_object(Bucket=BUCKET, Key=item["Key"])
        assert head["Metadata"]["package-sha256"] == digest
        assert head["ServerSideEncryption"] == "aws:kms"
    acl = s3.get_object_acl(Bucket=BUCKET, Key=f"{PREFIX}/2026-11/package.zip")
    assert not [g for g in acl["Grants"] if "AllUsers" in str(g.get("Grantee", {}).get("URI", ""))]
    zip_copy = tmp_path / "downloaded.zip"
    zip_copy.write_bytes(body)
    assert verify_package(zip_copy).ok

    make_exports(tmp_path / "exports", days=30, admin_policy=True)
    second = run_cli("run", "--config", str(config), now="2026-12-10")
    assert second.code == 0, second.err
    assert second.summary["previous_period"] == "2026-11"
    delta = json.loads(s3.get_object(Bucket=BUCKET, Key=f"{PREFIX}/2026-12/delta.json")["Body"].read())
    assert delta["previous"]["source"] == f"s3://{BUCKET}/{PREFIX}/2026-11/results.json"
    assert any(e["id"].endswith(f"policy/{ADMIN_POLICY}") for e in delta["new_failures"])
    assert [t["period"] for t in delta["trend"]] == ["2026-11", "2026-12"]
    assert list_periods(S3Output(f"s3://{BUCKET}/{PREFIX}", BUCKET, PREFIX, endpoint_url=aws.url,
                                 region="us-east-1"), SCHEMES["monthly"]) == ["2026-11", "2026-12"]


def test_delivery_failure_keeps_the_local_package_and_exits_3(aws, write_kit, run_cli, tmp_path):
    config = kit_for(write_kit, aws, local=True, bucket="no-such-bucket-here", kms=False)
    make_exports(tmp_path / "exports")
    result = run_cli("run", "--config", str(config), now="2026-11-10")
    assert result.code == 3
    summary = result.summary
    assert summary["status"] == "delivery_failed" and summary["delivered"] == []
    assert "NoSuchBucket" in summary["message"] and "local package kept" in summary["message"]
    failure_lines = [line for line in result.err.splitlines() if line.startswith("compliance-kit: delivery failed")]
    assert len(failure_lines) == 1 and "s3://no-such-bucket-here/" in failure_lines[0]
    assert "Traceback" not in result.err
    package = tmp_path / "packages" / "2026-11"
    assert Path(summary["package"]) == config.parent / "packages" / "2026-11" / "package.zip"
    assert verify_package(package).ok
    assert (package / "evidence" / ACCOUNT / "manifest.json").is_file()
    assert "warning: previous periods in s3://no-such-bucket-here" in result.err


def test_upload_uses_multipart_and_sse_s3_by_default(aws, tmp_path):
    folder = tmp_path / "2026-11"
    folder.mkdir()
    big = folder / "package.zip"
    big.write_bytes(b"\0" * (6 * 1024 * 1024 + 123))
    (folder / "results.json").write_text("{}")
    target = S3Output(f"s3://{BUCKET}/x", BUCKET, "x", endpoint_url=aws.url, region="us-east-1",
                      multipart_threshold_mb=5)
    urls = upload_period(target, folder, "2026-11", ["results.json", "package.zip"], "ab" * 32)
    assert urls == [f"s3://{BUCKET}/x/2026-11/package.zip", f"s3://{BUCKET}/x/2026-11/results.json"]  # results last
    head = aws.client("s3").head_object(Bucket=BUCKET, Key="x/2026-11/package.zip")
    assert head["ETag"].strip('"').endswith("-2")  # two parts
    assert head["ServerSideEncryption"] == "AES256"
    assert head["Metadata"]["sha256"] == hashlib.sha256(big.read_bytes()).hexdigest()
    with pytest.raises(DeliveryError, match=r"^upload to s3://missing-bucket-x/x/2026-11/package.zip failed: NoSuchBucket"):
        upload_period(S3Output("s3://missing-bucket-x/x", "missing-bucket-x", "x", endpoint_url=aws.url,
                               region="us-east-1"), folder, "2026-11", ["package.zip"], "ab" * 32)
