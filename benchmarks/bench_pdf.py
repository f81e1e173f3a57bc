"""How long the PDF report takes, how many pages it has and how much memory it needs.

    python benchmarks/bench_pdf.py                              # samples + a synthetic 10,000-user account, soc2
    python benchmarks/bench_pdf.py --frameworks soc2,cmmc-l1,hipaa
    python benchmarks/bench_pdf.py --combined                   # one PDF with every framework given
    python benchmarks/bench_pdf.py --synthetic-dir /tmp/big-account   # reuse exports from make_account.py
    python benchmarks/bench_pdf.py --no-synthetic

For each evidence folder the assessment is built once (not timed); then `write_pdfs` runs in a forked
child so that each measurement's peak RSS (resource.getrusage) is its own. Printed per PDF: pages, file
size, and for the whole call wall-clock and CPU seconds, pages per second and peak RSS. Without
benchmarks/make_account.py the "synthetic" case is the samples' assessment with 10,000 extra failing
users added to one check (the PDF lists 10 of them: its size follows the catalog, not the population).

Numbers only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import _measure as m  # noqa: E402

from compliance_kit.model import ResourceResult, Status  # noqa: E402
from compliance_kit.pipeline import ReportOptions, build_assessment  # noqa: E402
from compliance_kit.render.pdf import write_pdfs  # noqa: E402

CLOCK = datetime(2026, 11, 3, tzinfo=UTC)


def inflate(assessment: Any, extra: int) -> Any:
    """The assessment with EXTRA failing users added to its first failing user check."""
    target = next((c for c in assessment.checks if c.status is Status.FAIL and
                   any(r.resource_type == "user" for r in c.resources)), assessment.checks[0])
    account = assessment.accounts[0].account_id
    added = tuple(ResourceResult("user", f"arn:aws:iam::{account}:user/bench-user-{i:05d}", Status.FAIL,
                                 "synthetic failure for the benchmark", None, account) for i in range(extra))
    checks = tuple(dataclasses.replace(c, resources=c.resources + added) if c is target else c
                   for c in assessment.checks)
    return dataclasses.replace(assessment, checks=checks)


def bench(label: str, assessment: Any, evidences: Any, work: Path, combined: bool) -> None:
    out = work / label
    population = sum(len(c.resources) for c in assessment.checks)
    failing = sum(c.count(Status.FAIL) for c in assessment.checks)

    def render() -> list[str]:
        return [str(p) for p in write_pdfs(assessment, out, org_name="Bench", previous=None, combined=combined,
                                           pdf_variant=None, evidences=evidences)]

    measured = m.in_fork(render)
    paths = [Path(p) for p in measured["result"]]
    total_pages = sum(m.pdf_pages(p) or 0 for p in paths)
    print(f"== {label}: {population:,} resource results ({failing:,} failing), "
          f"{len(assessment.frameworks)} framework(s){' combined' if combined else ''}")
    for path in paths:
        print(f"   {path.name:28} {m.pdf_pages(path) or 0:5} pages  {path.stat().st_size / 1e6:6.2f} MB")
    rate = total_pages / measured["seconds"] if measured["seconds"] else 0.0
    print(f"   write_pdfs: {measured['seconds']:7.2f} s wall {measured['cpu']:7.2f} s CPU  "
          f"{rate:5.1f} pages/s  peak RSS {measured['peak_mb']:7.1f} MB (+{measured['increase_mb']:.1f} MB)")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frameworks", default="soc2", help="comma-separated framework ids (default soc2)")
    parser.add_argument("--combined", action="store_true")
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--roles", type=int, default=5000)
    parser.add_argument("--policies", type=int, default=3000)
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--synthetic-dir", type=Path, help="exports made earlier by benchmarks/make_account.py")
    parser.add_argument("--no-synthetic", action="store_true")
    args = parser.parse_args(argv)
    options = ReportOptions(frameworks=tuple(f for f in args.frameworks.split(",") if f))

    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        work = Path(tmp)
        samples = REPO / "samples" / "exports"
        if samples.is_dir():
            source = samples
        else:
            real = REPO / "tests" / "fixtures" / "real"
            source = work / "fixtures"
            source.mkdir()
            for name, path in (("creds.csv", "credential-report/cloudmapper-demo.csv"),
                               ("authz.json", "authz/cloudmapper-demo.json")):
                (source / name).write_bytes((real / path).read_bytes())
        base, evidences = build_assessment(source, options, lambda: CLOCK)
        bench("samples" if source == samples else "fixtures-cloudmapper", base, evidences, work, args.combined)
        if args.no_synthetic:
            return 0
        synthetic = args.synthetic_dir
        maker = REPO / "benchmarks" / "make_account.py"
        if synthetic is None and maker.is_file():
            synthetic = work / "synthetic"
            start = time.perf_counter()
            subprocess.run([sys.executable, str(maker), "--users", str(args.users), "--roles", str(args.roles),
                            "--policies", str(args.policies), "--groups", str(args.groups), "--seed", str(args.seed),
                            "--out", str(synthetic)], check=True, stdout=subprocess.DEVNULL)
            print(f"(synthetic exports generated in {time.perf_counter() - start:.1f} s)")
        if synthetic is not None:
            start = time.perf_counter()
            big, big_evidences = build_assessment(synthetic, options, lambda: CLOCK)
            print(f"(synthetic assessment built in {time.perf_counter() - start:.1f} s)")
            bench(f"synthetic-{args.users}-users", big, big_evidences, work, args.combined)
        else:
            bench(f"samples+{args.users}-failing-users", inflate(base, args.users), evidences, work, args.combined)
    return 0


if __name__ == "__main__":
    sys.exit(main())
