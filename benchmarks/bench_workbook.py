"""How long the Excel workbook takes to write, and how much memory, against a bare openpyxl dump.

    python benchmarks/bench_workbook.py                      # samples + a 10,000-user synthetic account
    python benchmarks/bench_workbook.py --users 2000 --roles 500 --policies 300 --groups 50
    python benchmarks/bench_workbook.py --synthetic-dir /tmp/big-account   # reuse generated exports
    python benchmarks/bench_workbook.py --no-synthetic

For each evidence folder the assessment is built once (not timed), then, each in a forked child so that
one measurement's memory does not count against the next:

* `write_workbook`: wall-clock and CPU seconds (best of --repeat runs) and peak RSS
  (resource.getrusage), absolute and the increase over the RSS at the start of the call;
* a bare write-only openpyxl dump of the same cell values (same sheets, same rows, no styles,
  formatting, links, names or text protection), measured the same way;
* the ratio of the two times (target: within 1.5x). On a busy machine the CPU ratio is the steadier one.

Numbers only: nothing is asserted.
"""

from __future__ import annotations

import argparse
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

from compliance_kit.pipeline import ReportOptions, build_assessment  # noqa: E402
from compliance_kit.render.workbook import build_sheets, write_workbook  # noqa: E402
from compliance_kit.render.workbook_xlsx import Link, excel_time  # noqa: E402

CLOCK = datetime(2026, 11, 3, tzinfo=UTC)


def _plain(value: Any) -> Any:
    if isinstance(value, Link):
        value = value.value
    if isinstance(value, datetime):
        return excel_time(value)
    return value


def cell_values(assessment: Any, evidences: list[Any],
                org_name: str | None = "Bench") -> list[tuple[str, list[list[Any]]]]:
    """The workbook's cell values, sheet by sheet (header rows, blocks, notes), as plain Python values:
    what a bare write-only dump writes for comparison (also used by run.py)."""
    out = []
    for sheet in build_sheets(assessment, evidences, org_name=org_name, previous=None):
        rows: list[list[Any]] = []
        for index, block in enumerate(sheet.blocks):
            if index:
                rows.append([])
            rows.append([c.header for c in block.columns])
            rows.extend([_plain(v) for v in row] for row in block.rows)
        rows.extend([[f"Note: {n}"] for n in sheet.notes])
        out.append((sheet.title, rows))
    return out


def bare_dump(values: list[tuple[str, list[list[Any]]]], path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for title, rows in values:
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)


def bench(label: str, evidence_dir: Path, work: Path, repeat: int) -> None:
    start = time.perf_counter()
    assessment, evidences = build_assessment(evidence_dir, ReportOptions(), lambda: CLOCK)
    assess_s = time.perf_counter() - start
    values = cell_values(assessment, evidences)
    counts = {title: sum(1 for r in rows[1:] if r and not str(r[0]).startswith("Note: ")) for title, rows in values
              if title in ("Users", "Roles", "Groups", "Policies", "Findings")}
    cells = sum(len(row) for _, rows in values for row in rows)
    target = work / f"{label}.xlsx"
    ours = m.in_fork(lambda: write_workbook(assessment, evidences, target, org_name="Bench", previous=None), repeat)
    bare = m.in_fork(lambda: bare_dump(values, work / f"{label}-bare.xlsx"), repeat)
    print(f"== {label}: {evidence_dir} (best of {repeat})")
    print(f"   population rows {counts}, {len(values)} sheets, {cells:,} cells; assessment built in {assess_s:.2f} s")
    print(f"   write_workbook : {ours['seconds']:7.2f} s wall {ours['cpu']:7.2f} s CPU  peak RSS "
          f"{ours['peak_mb']:7.1f} MB (+{ours['increase_mb']:.1f} MB during the call)  "
          f"{target.stat().st_size / 1e6:.1f} MB file")
    print(f"   bare dump      : {bare['seconds']:7.2f} s wall {bare['cpu']:7.2f} s CPU  peak RSS "
          f"{bare['peak_mb']:7.1f} MB (+{bare['increase_mb']:.1f} MB during the call)")
    print(f"   ratio          : {ours['seconds'] / bare['seconds']:.2f}x wall, {ours['cpu'] / bare['cpu']:.2f}x CPU")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--roles", type=int, default=5000)
    parser.add_argument("--policies", type=int, default=3000)
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--synthetic-dir", type=Path, help="exports made earlier by benchmarks/make_account.py")
    parser.add_argument("--no-synthetic", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is shown")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-workbook-") as tmp:
        work = Path(tmp)
        samples = REPO / "samples" / "exports"
        if samples.is_dir():
            bench("samples", samples, work, args.repeat)
        else:
            real = REPO / "tests" / "fixtures" / "real"
            loose = work / "fixtures"
            loose.mkdir()
            for name, source in (("creds.csv", "credential-report/cloudmapper-demo.csv"),
                                 ("authz.json", "authz/cloudmapper-demo.json")):
                (loose / name).write_bytes((real / source).read_bytes())
            bench("fixtures-cloudmapper", loose, work, args.repeat)
        if args.no_synthetic:
            return 0
        synthetic = args.synthetic_dir
        if synthetic is None:
            maker = REPO / "benchmarks" / "make_account.py"
            if not maker.is_file():
                print("benchmarks/make_account.py not found: synthetic account skipped")
                return 0
            synthetic = work / "synthetic"
            start = time.perf_counter()
            subprocess.run([sys.executable, str(maker), "--users", str(args.users), "--roles", str(args.roles),
                            "--policies", str(args.policies), "--groups", str(args.groups), "--seed", str(args.seed),
                            "--out", str(synthetic)], check=True, stdout=subprocess.DEVNULL)
            print(f"(synthetic exports generated in {time.perf_counter() - start:.1f} s)")
        bench(f"synthetic-{args.users}-users", synthetic, work, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
