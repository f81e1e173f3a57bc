"""Where the assess stage's time goes, in one process: the work the checks share, then each check.

    python benchmarks/assess_profile.py DIR            # DIR: an evidence folder or loose exports
    python benchmarks/assess_profile.py DIR --top 40

The evidence is loaded first (not timed), with run.py's fixed clock: ages do not move with the day it runs.
Then, with the garbage collector paused as assess() pauses it, the computations several checks share are built one by one and timed (the permission sets of every
principal, their administrator test, escalation paths and probes; the policy documents; the credential
report's users; the roles' trust policies), and then every check runs once, with those caches warm, so
that a check's time is its own. Wall seconds of one run: run it several times on a shared host.

Numbers only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("evidence", type=Path)
    parser.add_argument("--top", type=int, default=25, help="checks to list, slowest first (default 25)")
    args = parser.parse_args()

    from run import CLOCK

    from compliance_kit.checks import effective, permissions, trust, users
    from compliance_kit.checks.registry import REGISTRY, load_all, run_check
    from compliance_kit.evidence import load_evidence
    from compliance_kit.evidence.gcpause import gc_paused
    from compliance_kit.settings import Settings

    load_all()
    evidence = load_evidence(args.evidence, clock=lambda: CLOCK)[0]
    evidence.credential_report, evidence.authorization  # noqa: B018  (parsed here, not timed below)
    shared: dict[str, float] = {}
    checks: dict[str, tuple[float, int]] = {}

    def timed(name: str, build: Callable[[], Any]) -> None:
        start = time.perf_counter()
        build()
        shared[name] = time.perf_counter() - start

    with gc_paused():
        timed("permission sets (roster)", lambda: effective.roster(evidence))
        timed("administrator test per set", lambda: effective.roster(evidence).admins)
        timed("escalation paths per set", lambda: permissions._escalations(evidence))
        timed("category probes per set", lambda: effective.principal_probes(evidence, permissions._principal_categories))
        timed("policy documents", lambda: effective.policy_documents(evidence))
        timed("policy-level probes", lambda: permissions._level_probes(evidence))
        timed("credential report users", lambda: users._users(evidence))
        timed("role trust policies", lambda: [trust.role_trust(evidence, role) for role in evidence.authorization.roles])
        settings = Settings()
        for check_id in sorted(REGISTRY):
            start = time.perf_counter()
            result = run_check(REGISTRY[check_id], evidence, settings)
            checks[check_id] = (time.perf_counter() - start, len(result.resources))

    print(f"{args.evidence}: {len(evidence.authorization.principals())} principals, "
          f"{sum(n for _, n in checks.values()):,} resource verdicts")
    print(f"\nshared work: {sum(shared.values()):.3f} s")
    for name, seconds in shared.items():
        print(f"  {name:32s} {seconds:7.3f} s")
    print(f"\nchecks, caches warm: {sum(s for s, _ in checks.values()):.3f} s")
    by_module: dict[str, float] = {}
    for check_id, (seconds, _) in checks.items():
        module = REGISTRY[check_id].module.rsplit(".", 1)[-1]
        by_module[module] = by_module.get(module, 0.0) + seconds
    for module, seconds in sorted(by_module.items(), key=lambda item: -item[1]):
        print(f"  {module + '.py':32s} {seconds:7.3f} s")
    print(f"\nslowest {args.top} checks:")
    for check_id, (seconds, count) in sorted(checks.items(), key=lambda item: -item[1][0])[:args.top]:
        print(f"  {check_id:48s} {seconds * 1000:7.1f} ms {count:7,d} verdicts {seconds / count * 1e6:8.2f} us each")
    return 0


if __name__ == "__main__":
    sys.exit(main())
