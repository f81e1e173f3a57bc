"""Scale of `collect`: a moto server with N users (and N/3 roles and policies), one collection, the numbers.

    python benchmarks/bench_collect.py                 # 1,000 users
    python benchmarks/bench_collect.py --users 5000

Prints the wall time and the HTTP requests by action (counted by the collector's botocore before-send
hook). The target: requests grow with pages, not with entities — at most 15 IAM requests at 1,000 users,
30 at 5,000. The account is populated straight into moto's in-process backend (no HTTP), so setting up
5,000 users takes seconds; the collection itself goes over real HTTP.

moto ignores MaxItems on GetAccountAuthorizationDetails (one page whatever the size); against AWS the
collector asks for pages of 1,000 items (users + groups + roles + policies), so the expected number of
pages is printed next to moto's.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ACCOUNT = "123456789012"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def policy_document(index: int) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": f"arn:aws:s3:::bucket-{index}/*"}]})


def populate(users: int) -> dict[str, int]:
    """Bulk creation straight into moto's IAM backend for ACCOUNT."""
    from moto.iam.models import iam_backends

    iam = iam_backends[ACCOUNT]["aws"]
    third = max(1, users // 3)
    groups = max(1, users // 50)
    policies = [iam.create_policy(f"policy {i}", "/", policy_document(i), f"policy-{i:05d}", []) for i in range(third)]
    for g in range(groups):
        iam.create_group(f"group-{g:04d}")
        iam.put_group_policy(f"group-{g:04d}", "read", policy_document(g))
    for i in range(users):
        name = f"user-{i:05d}"
        iam.create_user("us-east-1", name)
        iam.add_user_to_group(f"group-{i % groups:04d}", name)
        if i % 2 == 0:
            iam.create_login_profile(name, "Corr3ct-Horse-Battery!")
        if i % 3 == 0:
            iam.create_access_key(name)
        if i % 10 == 0:
            iam.attach_user_policy(policies[i % third].arn, name)
    for i in range(third):
        role = f"role-{i:05d}"
        iam.create_role(role, TRUST, "/", None, "", [], None)
        iam.attach_role_policy(policies[i].arn, role)
    return {"users": users, "groups": groups, "roles": third, "policies": third}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--regions", default="us-east-1")
    parser.add_argument("--max-attempts", type=int, default=1, help="1: moto's HTTP 500 (Access Analyzer) not retried")
    parser.add_argument("--out", type=Path, default=None, help="keep the evidence here (default: a temp folder)")
    args = parser.parse_args()

    os.environ.update(AWS_ACCESS_KEY_ID="AKIABENCHMARK0000000", AWS_SECRET_ACCESS_KEY="bench-secret",
                      AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    from moto.server import ThreadedMotoServer

    from compliance_kit.collect.run import CollectOptions, collect_account
    from compliance_kit.collect.session import RequestStats

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        began = time.monotonic()
        counts = populate(args.users)
        print(f"populated {counts} in {time.monotonic() - began:.1f} s")
        with tempfile.TemporaryDirectory() as tmp:
            out = args.out or Path(tmp)
            stats = RequestStats()
            options = CollectOptions(out=out, endpoint_url=f"http://{host}:{port}",
                                     regions=tuple(r for r in args.regions.split(",") if r),
                                     max_attempts=args.max_attempts, report_poll_delay=0.2)
            began = time.monotonic()
            result = collect_account(options, stats=stats)
            wall = time.monotonic() - began
            sizes = {name: len(data) for name, data in result.files.items()}
    finally:
        server.stop()

    iam_requests = sum(n for action, n in stats.by_action.items() if action.startswith("iam:"))
    print(f"\ncollect: {wall:.1f} s wall, {stats.total} HTTP requests ({iam_requests} IAM)")
    for action, n in sorted(stats.by_action.items()):
        print(f"  {n:4d}  {action}")
    print(f"\nget-account-authorization-details.json: {sizes.get('get-account-authorization-details.json', 0):,} bytes; "
          f"credential-report.csv: {sizes.get('credential-report.csv', 0):,} bytes")
    entities = counts["users"] + counts["groups"] + counts["roles"] + counts["policies"]
    expected_authz = math.ceil(entities / 1000)
    print(f"GetAccountAuthorizationDetails pages: moto {stats.by_action['iam:GetAccountAuthorizationDetails']} "
          f"(moto ignores MaxItems); against AWS with MaxItems=1000: about {expected_authz} "
          f"for {entities} entities (plus one per 1,000 AWS managed policies in use)")
    limit = 15 if args.users <= 1000 else 30
    verdict = "OK" if iam_requests <= limit else "OVER"
    print(f"target: <= {limit} IAM requests at {args.users} users -> {verdict} ({iam_requests}); "
          f"expected against AWS: about {iam_requests - stats.by_action['iam:GetAccountAuthorizationDetails'] + expected_authz}")
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    raise SystemExit(main())
