"""Delivery to S3: `<prefix>/<period>/` gets package.zip, MANIFEST.sha256, delta.json, the reports and
results.json (last, so a period is listed as complete only when everything else is there).

Every object: server-side encryption (SSE-KMS with the configured key, else SSE-S3 AES256), metadata with
the package digest (SHA-256 of package.zip) and the object's own SHA-256, no ACL argument (buckets with
Object Ownership "bucket owner enforced" refuse ACLs; nothing is ever made public). Large files go up in
parts (boto3 TransferConfig). boto3 is imported only here, when an S3 output is configured.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import __version__
from ..evidence.manifest import sha256_file
from .config import S3Output
from .period import Scheme

MIB = 1024 * 1024
CONTENT_TYPES = {
    ".zip": "application/zip",
    ".json": "application/json",
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".sha256": "text/plain; charset=utf-8",
}
AWS_ERROR = re.compile(r"An error occurred \((\w+)\) when calling the (\w+) operation(?: \(.*?\))?: (.*)$")
LAST = "results.json"  # uploaded last: its presence marks a complete period in the listing


class DeliveryError(Exception):
    """An upload (or the S3 listing) failed; the message is one line."""


def client(target: S3Output) -> Any:
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(profile_name=target.profile, region_name=target.region)
    config = Config(retries={"mode": "standard", "max_attempts": 5}, user_agent_extra="compliance-kit-run",
                    connect_timeout=10, read_timeout=120)
    return session.client("s3", endpoint_url=target.endpoint_url, config=config)


def _describe(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and isinstance(response.get("Error"), dict):
        error = response["Error"]
        code = error.get("Code") or "Error"
        message = error.get("Message") or ""
        return f"{code}: {message}".strip().rstrip(":")
    text = " ".join(str(exc).split())
    wrapped = AWS_ERROR.search(text)  # boto3's S3UploadFailedError wraps the ClientError's text
    if wrapped:
        return f"{wrapped.group(1)}: {wrapped.group(3)}"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _errors() -> tuple[type[BaseException], ...]:
    from boto3.exceptions import Boto3Error
    from botocore.exceptions import BotoCoreError, ClientError

    return (ClientError, BotoCoreError, Boto3Error, OSError)


def list_periods(target: S3Output, scheme: Scheme, s3: Any | None = None) -> list[str]:
    """Periods under the prefix that hold a results.json (complete deliveries), oldest first."""
    s3 = s3 or client(target)
    base = target.key() + "/" if target.prefix else ""
    found: set[str] = set()
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=target.bucket, Prefix=base):
            for item in page.get("Contents") or []:
                rest = str(item["Key"])[len(base):]
                period, _, name = rest.partition("/")
                if name == LAST and scheme.matches(period):
                    found.add(period)
    except _errors() as exc:
        raise DeliveryError(f"cannot list {target.describe()}/: {_describe(exc)}") from None
    return sorted(found)


def reader(target: S3Output, period: str, name: str, s3: Any | None = None) -> Callable[[], bytes | None]:
    """A function that downloads `<prefix>/<period>/<name>` (None when it does not exist)."""

    def read() -> bytes | None:
        nonlocal s3
        s3 = s3 or client(target)
        try:
            return s3.get_object(Bucket=target.bucket, Key=target.key(period, name))["Body"].read()  # type: ignore[no-any-return]
        except _errors() as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code in ("NoSuchKey", "404", "NotFound"):
                return None
            raise DeliveryError(f"cannot read {target.describe()}/{period}/{name}: {_describe(exc)}") from None

    return read


def upload_period(target: S3Output, folder: Path, period: str, names: list[str], digest: str,
                  log: Callable[[str], None] = lambda _: None, s3: Any | None = None) -> list[str]:
    """Upload NAMES (relative to FOLDER) to `<prefix>/<period>/`; returns the s3:// URLs written."""
    from boto3.s3.transfer import TransferConfig

    s3 = s3 or client(target)
    threshold = target.multipart_threshold_mb * MIB
    transfer = TransferConfig(multipart_threshold=threshold, multipart_chunksize=threshold,
                              max_concurrency=4, use_threads=True)
    ordered = sorted(names, key=lambda n: (n == LAST, n))
    urls = []
    for name in ordered:
        path = folder / name
        extra: dict[str, Any] = {
            "ContentType": CONTENT_TYPES.get(path.suffix, "application/octet-stream"),
            "Metadata": {"package-sha256": digest, "sha256": sha256_file(path), "period": period,
                         "tool": f"compliance-kit {__version__}"},
        }
        if target.kms_key_id:
            extra.update(ServerSideEncryption="aws:kms", SSEKMSKeyId=target.kms_key_id)
        else:
            extra["ServerSideEncryption"] = "AES256"
        key = target.key(period, name)
        url = f"s3://{target.bucket}/{key}"
        try:
            s3.upload_file(str(path), target.bucket, key, ExtraArgs=extra, Config=transfer)
        except _errors() as exc:
            raise DeliveryError(f"upload to {url} failed: {_describe(exc)}") from None
        log(f"uploaded {url}")
        urls.append(url)
    return urls
