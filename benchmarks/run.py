"""Scale benchmarks: every pipeline stage at 1k and 10k users and for a 50-account organization.

    python benchmarks/run.py                 # full run (3 runs per stage, median), < 20 min on 2 cores
    python benchmarks/run.py --quick         # 1 run, small sizes: a smoke test of the harness, < 3 min
    python benchmarks/run.py --runs 5 --work /tmp/ck-bench --json /tmp/ck-bench/results.json

Each stage runs in a fresh `python` process (this script with `--stage NAME`), so its peak memory is a
whole-process figure (wait4's rusage of that child); what a stage needs first (the evidence, the
assessment, the modules it uses) is prepared in that process before the clock starts. The single account's
reference, load and assess stages run in paired rounds (one run of each per round), and load + assess is
judged by its ratio to the reference round by round. The stages:

  load      import the loose exports (evidence.load_evidence) and parse the credential report and the
            authorization details
  assess    catalogs + checks + control verdicts (compliance_kit.assess.assess)
  workbook  render.workbook.write_workbook          pdf  render.pdf.write_pdfs (one PDF per framework)
  report    `compliance-kit report DIR --format pdf,xlsx`, end to end, as a user runs it

and, measured the same way in the same run, the reference costs that bound them:

  bare json.load   json.load of every evidence file (+ base64 and csv.reader for the credential report)
  bare dump        a write-only openpyxl dump of the very cells the workbook holds (same sheets, rows and
                   columns; no styles, links, filters or formatting)
  bare WeasyPrint  a plain HTML table rendered by WeasyPrint to the same number of documents and pages

Organization: 50 accounts of 500 users (make_account.py, distinct seeds and account ids, imported with
evidence.importer.write_evidence into <dir>/<account-id>/), assessed (load included) with 1 and 2 worker
processes (compliance_kit.assess.parallel_map_accounts) at 10, 25 and 50 accounts, and the combined
workbook at each of these sizes (both should grow linearly in accounts), with its references at 50.
Stdlib + the project's dependencies only. Numbers are printed, targets checked, nothing asserted.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import csv
import io
import json
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

import _measure as m  # noqa: E402

CLOCK = datetime(2026, 11, 3, tzinfo=UTC)
SOURCE_DATE_EPOCH = str(int(CLOCK.timestamp()))
STAGE_TIMEOUT = 3600


@dataclass(frozen=True)
class Size:
    label: str
    users: int
    roles: int
    policies: int
    groups: int

    def args(self) -> list[str]:
        return ["--users", str(self.users), "--roles", str(self.roles), "--policies", str(self.policies),
                "--groups", str(self.groups)]


@dataclass(frozen=True)
class Plan:
    single: tuple[Size, ...]
    org_account: Size
    org_counts: tuple[int, ...]
    workers: tuple[int, ...] = (1, 2)
    frameworks: tuple[str, ...] = ()  # () = every framework, as `report` does by default


FULL = Plan(
    single=(Size("1k", 1000, 500, 300, 20), Size("10k", 10000, 5000, 3000, 200)),
    org_account=Size("org", 500, 100, 60, 10),
    org_counts=(10, 25, 50),
)
QUICK = Plan(  # one framework only: a PDF takes ~0.3 s per page whatever the size, and there are ~600 pages
    single=(Size("300", 300, 150, 90, 6),),
    org_account=Size("org", 100, 20, 12, 3),
    org_counts=(2, 4),
    frameworks=("soc2",),
)


# ---------------------------------------------------------------------------------------------------
# Child side: one stage, in this fresh process
# ---------------------------------------------------------------------------------------------------

def _clock() -> datetime:
    return CLOCK


def _load(path: Path, parse: bool = True) -> list[Any]:
    from compliance_kit.evidence import EvidenceUnavailable, load_evidence

    evidences = load_evidence(path, clock=_clock)
    if parse:
        for evidence in evidences:
            for name in ("credential_report", "authorization"):
                with contextlib.suppress(EvidenceUnavailable):
                    getattr(evidence, name)
    return evidences


FRAMEWORKS: tuple[str, ...] = ()  # set from --framework in a child


def _catalogs() -> tuple[list[Any], dict[str, Any]]:
    """What pipeline.build_assessment loads: every framework, or those given with --framework."""
    from compliance_kit.catalog import load_check_metadata, load_frameworks
    from compliance_kit.checks.registry import load_all

    frameworks = load_frameworks(None, set(load_all()))
    chosen = FRAMEWORKS or tuple(sorted(frameworks))
    return [frameworks[k] for k in chosen], load_check_metadata()


def _assess(evidences: list[Any], workers: int | None = 1, record: dict[str, Any] | None = None) -> Any:
    """WORKERS None: the CLI's default (parallel_map_accounts(): every CPU, a large single account's checks
    split across two processes); 1: everything in this process."""
    from compliance_kit.assess import assess

    mapper = None
    if workers is None or workers > 1:
        from compliance_kit.assess import parallel_map_accounts

        mapper = parallel_map_accounts(workers)
    start = time.perf_counter()
    selected, meta = _catalogs()
    if record is not None:
        record["catalogs_seconds"] = time.perf_counter() - start
    return assess(evidences, selected, meta, clock=_clock, map_accounts=mapper)


def _assessment(args: argparse.Namespace, evidences: list[Any] | None = None) -> Any:
    if args.assessment and Path(args.assessment).is_file():
        with open(args.assessment, "rb") as handle:
            return pickle.load(handle)
    return _assess(evidences if evidences is not None else _load(args.input))


def _counts(assessment: Any) -> dict[str, int]:
    resources = [r for c in assessment.checks for r in c.resources]
    return {
        "accounts": len(assessment.accounts),
        "check_results": len(resources),
        "findings": sum(1 for r in resources if r.status.value in ("FAIL", "ERROR", "WAIVED")),
        "controls": sum(len(f.controls) for f in assessment.frameworks),
    }


def stage_bare_json(args: argparse.Namespace, record: dict[str, Any]) -> None:
    """The floor for loading: parse every file once, nothing else."""
    files = sorted(p for p in Path(args.input).rglob("*") if p.is_file())
    parsed = 0
    with m.timed(record):
        for path in files:
            data = path.read_bytes()
            if path.suffix == ".csv":
                parsed += len(list(csv.reader(io.StringIO(data.decode("utf-8-sig")))))
                continue
            document = json.loads(data)
            if isinstance(document, dict) and isinstance(document.get("Content"), str) and "ReportFormat" in document:
                text = base64.b64decode(document["Content"]).decode("utf-8")
                parsed += len(list(csv.reader(io.StringIO(text))))
            parsed += 1
    record.update(files=len(files), bytes=sum(p.stat().st_size for p in files))


# The modules the load and assess stages use, imported before their clocks start, as every other stage
# imports its own (and the bare reference its json, csv and base64, at the top of this file): a figure is
# the work on the evidence. Importing the program is a fixed cost per process whatever the account's size
# (about 0.1 s); it is recorded as import_seconds and printed beside the figures.
LOAD_MODULES = ("compliance_kit.evidence", "compliance_kit.evidence.importer")
ASSESS_MODULES = ("compliance_kit.assess", "compliance_kit.catalog", "compliance_kit.checks.split")


def _import(modules: Sequence[str], record: dict[str, Any], *, checks: bool = False) -> None:
    """Import MODULES (and, with CHECKS, the check modules, as registry.load_all does), timed apart."""
    import importlib

    start = time.perf_counter()
    for name in modules:
        importlib.import_module(name)
    if checks:
        from compliance_kit.checks.registry import load_all

        load_all()
    record["import_seconds"] = time.perf_counter() - start


def stage_load(args: argparse.Namespace, record: dict[str, Any]) -> None:
    _import(LOAD_MODULES, record)
    with m.timed(record):
        evidences = _load(args.input)
    record["accounts"] = len(evidences)


def stage_assess(args: argparse.Namespace, record: dict[str, Any]) -> None:
    """Catalogs + checks + verdicts; with --with-load the evidence loading is timed too (organizations,
    where workers load their own accounts)."""
    if args.with_load:
        _import((*LOAD_MODULES, *ASSESS_MODULES), record, checks=True)
        with m.timed(record):
            assessment = _assess(_load(args.input, parse=False), args.workers, record)
    else:
        evidences = _load(args.input)  # the evidence modules are imported here, before the clock as ever
        _import(ASSESS_MODULES, record, checks=True)
        with m.timed(record):
            assessment = _assess(evidences, args.workers, record)
    record.update(_counts(assessment))


def stage_prepare(args: argparse.Namespace, record: dict[str, Any]) -> None:
    """Build the assessment once and pickle it for the renderer stages (not a benchmark figure)."""
    with m.timed(record):
        assessment = _assess(_load(args.input))
    record.update(_counts(assessment))
    try:
        data = pickle.dumps(assessment, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.loads(data)
    except Exception as exc:  # noqa: BLE001 - the renderer stages then build it themselves
        record["pickle_error"] = f"{type(exc).__name__}: {exc}"
        return
    Path(args.assessment).write_bytes(data)


def stage_workbook(args: argparse.Namespace, record: dict[str, Any]) -> None:
    from compliance_kit.render.workbook import write_workbook

    evidences = _load(args.input)
    assessment = _assessment(args, evidences)
    target = Path(args.out) / "compliance-kit.xlsx"
    with m.timed(record):
        write_workbook(assessment, evidences, target, org_name=None, previous=None)
    record["bytes"] = target.stat().st_size


def stage_bare_xlsx(args: argparse.Namespace, record: dict[str, Any]) -> None:
    from openpyxl import Workbook

    evidences = _load(args.input)
    assessment = _assessment(args, evidences)
    from bench_workbook import cell_values

    values = cell_values(assessment, evidences, org_name=None)
    target = Path(args.out) / "bare.xlsx"
    with m.timed(record):
        workbook = Workbook(write_only=True)
        for title, rows in values:
            sheet = workbook.create_sheet(title)
            for row in rows:
                sheet.append(row)
        workbook.save(target)
    record.update(sheets=len(values), rows=sum(len(r) for _, r in values),
                  cells=sum(len(row) for _, r in values for row in r), bytes=target.stat().st_size)


def stage_pdf(args: argparse.Namespace, record: dict[str, Any]) -> None:
    from compliance_kit.render.pdf import write_pdfs

    assessment = _assessment(args)
    out = Path(args.out)
    with m.timed(record):
        written = write_pdfs(assessment, out, org_name=None, previous=None, combined=False, pdf_variant=None)
    pages = [m.pdf_pages(p) or 0 for p in written]  # the workers' documents, read back
    record.update(documents=len(written), pages=pages, bytes=sum(p.stat().st_size for p in written))


PLAIN_CSS = """
@page { size: A4; margin: 18mm 15mm; }
body { font-family: sans-serif; font-size: 8.5pt; }
section + section { break-before: page; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; }
th, td { border: 0.5pt solid #999; padding: 1.2mm 1.5mm; text-align: left; vertical-align: top;
         white-space: nowrap; overflow: hidden; }
th:nth-child(2), td:nth-child(2) { width: 40%; }
"""


def _plain_document(pages: int, rows: int) -> str:
    """PAGES pages, each one plain table of ROWS rows (one table per page: WeasyPrint lays a single
    table across hundreds of pages far more slowly, which would flatter the report)."""
    head = "<tr><th>#</th><th>resource</th><th>check</th><th>status</th><th>reason</th><th>pointer</th></tr>"
    sections = []
    for page in range(pages):
        body = "".join(f"<tr><td>{i:06d}</td><td>arn:aws:iam::123456789012:user/user-{i:06d}</td>"
                       f"<td>check_{i % 63:02d}</td><td>FAIL</td><td>reason for row {i:06d}</td>"
                       f"<td>/UserDetailList/{i:06d}</td></tr>"
                       for i in range(page * rows, (page + 1) * rows))
        sections.append(f"<section><table><thead>{head}</thead><tbody>{body}</tbody></table></section>")
    return f"<!doctype html><html><body>{''.join(sections)}</body></html>"


def stage_bare_pdf(args: argparse.Namespace, record: dict[str, Any]) -> None:
    """Plain tables rendered to as many documents and pages as write_pdfs produced."""
    from weasyprint import CSS, HTML

    targets = [int(p) for p in args.pages.split(",") if p]
    css = CSS(string=PLAIN_CSS)

    def fits(rows: int) -> bool:
        return len(HTML(string=_plain_document(1, rows)).render(stylesheets=[css]).pages) == 1

    low, high = 1, 256  # the most rows that fit on one page
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if fits(middle) else (low, middle - 1)
    pages: list[int] = []
    target = Path(args.out)
    with m.timed(record):
        for i, count in enumerate(targets):
            document = HTML(string=_plain_document(count, low)).render(stylesheets=[css])
            pages.append(len(document.pages))
            document.write_pdf(target / f"plain-{i}.pdf")
    record.update(documents=len(targets), pages=pages, rows_per_page=low)


STAGES: dict[str, Callable[[argparse.Namespace, dict[str, Any]], None]] = {
    "bare-json": stage_bare_json, "load": stage_load, "assess": stage_assess, "prepare": stage_prepare,
    "workbook": stage_workbook, "bare-xlsx": stage_bare_xlsx, "pdf": stage_pdf, "bare-pdf": stage_bare_pdf,
}


def child_main(args: argparse.Namespace) -> int:
    global FRAMEWORKS
    FRAMEWORKS = tuple(args.framework)
    record: dict[str, Any] = {"stage": args.stage}
    try:
        STAGES[args.stage](args, record)
    finally:
        record.setdefault("peak_mb", m.peak_rss_self_mb())
        Path(args.result).write_text(json.dumps(record))
    return 0


# ---------------------------------------------------------------------------------------------------
# Parent side: data, repetitions, tables
# ---------------------------------------------------------------------------------------------------

@dataclass
class Figure:
    """The medians of a stage's runs (or why there are none)."""

    n: int = 0
    seconds: float | None = None
    cpu: float | None = None
    peak_mb: float | None = None
    wall: float | None = None
    cpu_all: float | None = None  # the child process and its workers, setup included (wait4)
    others: float | None = None  # CPU used by the rest of the machine meanwhile, in cores (max over runs)
    imports: float | None = None  # the package's imports, before the clock (load and assess stages)
    runs: list[float] | None = None  # each run's seconds, in order (paired rounds: round by round)
    result: dict[str, Any] | None = None
    missing: str | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def _figure(children: Sequence[m.ChildRun]) -> Figure:
    """The medians of CHILDREN's figures; each run's seconds are kept (in order) for paired ratios."""
    figure = Figure(n=len(children), result=children[-1].result if children else None,
                    runs=[c.result["seconds"] for c in children])
    for child in children:
        if child.others is not None:
            figure.others = max(figure.others or 0.0, child.others)
    figure.seconds = m.median([c.result["seconds"] for c in children])
    figure.cpu = m.median([c.result["cpu_seconds"] for c in children if c.result.get("cpu_seconds") is not None])
    figure.peak_mb, figure.wall = m.median([c.peak_mb for c in children]), m.median([c.wall for c in children])
    figure.cpu_all = m.median([c.cpu for c in children])
    figure.imports = m.median([c.result["import_seconds"] for c in children if "import_seconds" in c.result])
    return figure


BUSY_CORES = 0.25
PAIRED_ROUNDS = 5  # at least, for the paired stages (a few seconds each): a median of ratios needs more than 3


def _busy(others: float | None) -> str:
    """A warning when other processes used the CPUs while a figure was taken."""
    if others is None or others < BUSY_CORES:
        return ""
    return f" [busy machine: others used {others:.1f} cores]"


class Bench:
    def __init__(self, work: Path, runs: int, repeat_under: float, verbose: bool,
                 frameworks: tuple[str, ...] = (), pdf_sample: int = 0) -> None:
        self.work = work
        self.pdf_sample = pdf_sample
        self.frameworks = frameworks
        self.runs = runs
        self.repeat_under = repeat_under
        self.verbose = verbose
        self.env = dict(os.environ)
        self.env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])
        self.env["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH
        self.started = time.perf_counter()

    def log(self, text: str) -> None:
        elapsed = time.perf_counter() - self.started
        print(f"[{elapsed:6.0f}s] {text}", file=sys.stderr, flush=True)

    def _scratch(self, name: str) -> Path:
        path = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.work / "out"))
        return path

    def _once(self, stage: str, source: Path, extra: Sequence[str], label: str, assessment: Path | None,
              what: str) -> m.ChildRun | str:
        """One run of STAGE in a fresh process: the child, or why it failed."""
        out = self._scratch(stage)
        result_file = out / "result.json"
        argv = [sys.executable, str(Path(__file__).resolve()), "--stage", stage, "--input", str(source),
                "--out", str(out), "--result", str(result_file), *extra]
        for framework in self.frameworks:
            argv += ["--framework", framework]
        if assessment is not None:
            argv += ["--assessment", str(assessment)]
        child = m.run_child(argv, result_file=result_file, env=self.env, timeout=STAGE_TIMEOUT)
        shutil.rmtree(out, ignore_errors=True)
        if not child.ok or "seconds" not in child.result:
            self.log(f"{label} {stage}: FAILED (exit {child.code})\n{child.tail()}")
            return f"exit {child.code}: {child.tail(3)}"
        self.log(f"{label} {stage} {what}: {child.result['seconds']:.2f} s, peak {child.peak_mb:.0f} MB"
                 f"{_busy(child.others)}")
        return child

    def stage(self, stage: str, source: Path, *extra: str, label: str, runs: int | None = None,
              assessment: Path | None = None) -> Figure:
        """Run STAGE in fresh processes, several times; the medians."""
        runs_wanted = runs or self.runs
        children: list[m.ChildRun] = []
        for attempt in range(runs_wanted):
            child = self._once(stage, source, extra, label, assessment, f"run {attempt + 1}/{runs_wanted}")
            if isinstance(child, str):
                return Figure(error=child)
            children.append(child)
            if child.result["seconds"] > self.repeat_under and attempt + 1 < runs_wanted:
                self.log(f"{label} {stage}: over {self.repeat_under:.0f} s, not repeated")
                break
        return _figure(children)

    def rounds(self, stages: dict[str, tuple[str, ...]], source: Path, label: str, minimum: int = PAIRED_ROUNDS,
               assessment: Path | None = None) -> dict[str, Figure]:
        """STAGES (name -> stage and its arguments) in paired rounds: one run of each per round, in turn, so
        that a round's figures are taken within seconds of each other and a ratio between them can be read
        per round. On this shared host every figure moves by 10-20% from one minute to the next; runs of
        one stage after another would put those moves into the ratios."""
        children: dict[str, list[m.ChildRun]] = {name: [] for name in stages}
        failed: dict[str, str] = {}
        rounds = max(self.runs, minimum) if self.runs > 1 else 1
        for number in range(rounds):
            for name, (stage, *extra) in stages.items():
                if name in failed:
                    continue
                child = self._once(stage, source, extra, label + ("" if name == stage else f" ({name})"), assessment,
                                   f"round {number + 1}/{rounds}")
                if isinstance(child, str):
                    failed[name] = child
                else:
                    children[name].append(child)
        return {name: Figure(error=failed[name]) if name in failed else _figure(children[name]) for name in stages}

    def pdf_reference(self, source: Path, pages: list[int], label: str) -> Figure:
        """The plain-table reference for documents of PAGES pages. With --pdf-sample K (K < documents),
        only K evenly spaced documents are rendered, each in full (a document's cost is what it is; the
        documents are independent), and the time is scaled by total pages / rendered pages."""
        count = len(pages)
        chosen = list(range(count))
        if self.pdf_sample == 1 and count > 1:
            chosen = [count // 2]
        elif 0 < self.pdf_sample < count:
            chosen = sorted({round(i * (count - 1) / (self.pdf_sample - 1)) for i in range(self.pdf_sample)})
        sample = [pages[i] for i in chosen]
        figure = self.stage("bare-pdf", source, "--pages", ",".join(map(str, sample)), label=label)
        if figure.seconds is None or not sum(sample):
            return figure
        factor = sum(pages) / sum(sample)
        result = {**(figure.result or {}), "rendered_documents": len(sample), "rendered_pages": sum(sample),
                  "measured_seconds": figure.seconds, "factor": factor, "pages": pages}
        return Figure(n=figure.n, seconds=figure.seconds * factor, cpu=(figure.cpu or 0) * factor,
                      peak_mb=figure.peak_mb, wall=figure.wall, cpu_all=figure.cpu_all, result=result)

    def report(self, source: Path, label: str) -> Figure:
        """`compliance-kit report SOURCE --format pdf,xlsx`, end to end (process wall time and peak RSS)."""
        figure = Figure()
        seconds, cpus, peaks = [], [], []
        for attempt in range(self.runs):
            out = self._scratch("report")
            argv = [sys.executable, "-m", "compliance_kit.cli", "report", str(source), "--format", "pdf,xlsx",
                    "--out", str(out)]
            for framework in self.frameworks:
                argv += ["--framework", framework]
            child = m.run_child(argv, env=self.env, cwd=REPO, timeout=STAGE_TIMEOUT)
            shutil.rmtree(out, ignore_errors=True)
            if not child.ok:
                figure.error = f"exit {child.code}: {child.tail(3)}"
                self.log(f"{label} report: FAILED (exit {child.code})\n{child.tail()}")
                return figure
            seconds.append(child.wall)
            cpus.append(child.cpu)
            peaks.append(child.peak_mb)
            if child.others is not None:
                figure.others = max(figure.others or 0.0, child.others)
            self.log(f"{label} report run {attempt + 1}/{self.runs}: {child.wall:.2f} s, peak {child.peak_mb:.0f} MB"
                     f"{_busy(child.others)}")
            if child.wall > self.repeat_under and attempt + 1 < self.runs:
                self.log(f"{label} report: over {self.repeat_under:.0f} s, not repeated")
                break
        figure.n = len(seconds)
        figure.seconds = figure.wall = m.median(seconds)
        figure.cpu, figure.peak_mb = m.median(cpus), m.median(peaks)
        return figure


def _make_account(size: Size, seed: int, out: Path, account_id: str | None = None) -> None:
    argv = [sys.executable, str(HERE / "make_account.py"), *size.args(), "--seed", str(seed), "--out", str(out)]
    if account_id:
        argv += ["--account-id", account_id]
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)


IMPORT_SCRIPT = """
import sys
from pathlib import Path
from compliance_kit.evidence.importer import build_evidence, write_evidence
out = Path(sys.argv[1])
for folder in sys.argv[2:]:
    write_evidence(build_evidence(Path(folder)), out)
"""


def prepare_data(bench: Bench, plan: Plan) -> dict[str, Path]:
    """Loose exports per single size; for the organization, evidence directories per account count."""
    data = bench.work / "data"
    stamp = data / "plan.json"
    wanted = json.dumps({"plan": repr(plan), "maker": (HERE / "make_account.py").stat().st_mtime}, sort_keys=True)
    paths = {s.label: data / s.label for s in plan.single}
    paths.update({f"org-{n}": data / f"org-{n}" for n in plan.org_counts})
    if stamp.is_file() and stamp.read_text() == wanted and all(p.is_dir() for p in paths.values()):
        bench.log(f"reusing generated data in {data}")
        return paths
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    for size in plan.single:
        bench.log(f"generating {size.label}: {size.users} users, {size.roles} roles, {size.policies} policies, "
                  f"{size.groups} groups")
        _make_account(size, 1, paths[size.label])
    if plan.org_counts:
        largest = max(plan.org_counts)
        bench.log(f"generating the organization: {largest} accounts of {plan.org_account.users} users")
        loose = data / "org-loose"
        jobs = [(i, loose / f"acct-{i:03d}") for i in range(largest)]
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            list(pool.map(lambda job: _make_account(plan.org_account, 100 + job[0], job[1], f"{210000000000 + job[0]:012d}"),
                          jobs))
        full = data / f"org-{largest}"
        subprocess.run([sys.executable, "-c", IMPORT_SCRIPT, str(full), *(str(p) for _, p in jobs)],
                       check=True, env=bench.env)
        shutil.rmtree(loose)
        accounts = sorted(p for p in full.iterdir() if p.is_dir())
        for count in plan.org_counts:
            if count == largest:
                continue
            target = data / f"org-{count}"
            target.mkdir()
            for account in accounts[:count]:
                shutil.copytree(account, target / account.name)
    stamp.write_text(wanted)
    return paths


def bench_single(bench: Bench, size: Size, source: Path, skip: set[str], end_to_end: bool) -> dict[str, Figure]:
    label = size.label
    figures: dict[str, Figure] = {}

    def want(name: str) -> bool:
        return name not in skip

    stages: dict[str, tuple[str, ...]] = {}
    if want("load"):
        stages.update({"bare-json": ("bare-json",), "load": ("load",)})
    if want("assess"):
        stages["assess"] = ("assess",)  # as the CLI runs it
        stages["assess-1"] = ("assess", "--workers", "1")
    figures.update(bench.rounds(stages, source, label))
    pickled = bench.work / "out" / f"{label}.assessment.pickle"
    if want("workbook") or want("pdf"):
        prepared = bench.stage("prepare", source, "--assessment", str(pickled), label=label, runs=1)
        figures["prepare"] = prepared
        if prepared.result and prepared.result.get("pickle_error"):
            bench.log(f"{label}: the assessment does not pickle ({prepared.result['pickle_error']}); "
                      "renderer stages build it themselves")
    assessment = pickled if pickled.is_file() else None
    if want("workbook"):  # paired too: 10-15 s each, so the plain number of runs
        figures.update(bench.rounds({"workbook": ("workbook",), "bare-xlsx": ("bare-xlsx",)}, source, label,
                                    minimum=1, assessment=assessment))
    if want("pdf"):
        figures["pdf"] = pdf = bench.stage("pdf", source, label=label, assessment=assessment)
        pages = (pdf.result or {}).get("pages")
        if not pages:
            figures["bare-pdf"] = Figure(missing="no PDF to compare with")
        elif end_to_end:  # pages do not grow with users: measured once, at the largest size (see single_table)
            figures["bare-pdf"] = bench.pdf_reference(source, pages, label)
    if want("report") and end_to_end:
        figures["report"] = bench.report(source, label)
    pickled.unlink(missing_ok=True)
    return figures


def bench_org(bench: Bench, plan: Plan, paths: dict[str, Path], skip: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"assess": {}}
    if "org-assess" not in skip:
        for count in plan.org_counts:
            for workers in plan.workers:
                out["assess"][(count, workers)] = bench.stage(
                    "assess", paths[f"org-{count}"], "--with-load", "--workers", str(workers),
                    label=f"org-{count} x{workers}")
    if "workbook" not in skip:
        out["workbooks"] = {}
        largest = max(plan.org_counts)
        for count in plan.org_counts:  # the combined workbook at every size (linear in accounts?); references at the largest
            source, label = paths[f"org-{count}"], f"org-{count}"
            pickled = bench.work / "out" / f"{label}.assessment.pickle"
            bench.stage("prepare", source, "--assessment", str(pickled), label=label, runs=1)
            assessment = pickled if pickled.is_file() else None
            out["workbooks"][count] = bench.stage("workbook", source, label=label, assessment=assessment)
            if count == largest:
                out["bare-json"] = bench.stage("bare-json", source, label=label)
                out["workbook"] = out["workbooks"][count]
                out["bare-xlsx"] = bench.stage("bare-xlsx", source, label=label, assessment=assessment)
            pickled.unlink(missing_ok=True)
    return out


# ---------------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------------

def _sum(*figures: Figure | None) -> float | None:
    values = [f.seconds for f in figures if f is not None]
    return None if not values or any(v is None for v in values) else sum(values)  # type: ignore[arg-type]


def _row(stage: str, figure: Figure | None, reference: str = "", ref: Figure | None = None,
         note: str = "") -> list[str]:
    if figure is None:
        return [stage, "", "n/a", "n/a", "n/a", reference, "n/a", "n/a", note]
    if figure.missing or figure.error:
        why = "missing" if figure.missing else "failed"
        return [stage, str(figure.n), "n/a", "n/a", "n/a", reference, m.fmt_seconds(ref.seconds) if ref else "",
                "n/a", f"{why}: {(figure.missing or figure.error or '')[:60]}"]
    ratio = m.fmt_ratio(figure.seconds, ref.seconds) if ref is not None else ""
    busy = [f for f in (figure, ref) if f is not None and f.others is not None and f.others >= BUSY_CORES]
    if busy:
        note = (note + "; " if note else "") + _busy(max(f.others or 0.0 for f in busy)).strip(" []")
    return [stage, str(figure.n), m.fmt_seconds(figure.seconds), m.fmt_seconds(figure.cpu), m.fmt_mb(figure.peak_mb),
            reference, m.fmt_seconds(ref.seconds) if ref is not None else "", ratio, note]


HEADERS = ("stage", "n", "wall s", "cpu s", "peak MB", "reference", "ref s", "ratio", "notes")


def _imports_note(figure: Figure | None) -> str:
    if figure is None or figure.imports is None:
        return ""
    return f"imports {figure.imports:.2f} s before the clock"


def _paired(figures: dict[str, Figure], *names: str) -> list[float] | None:
    """Round by round (see Bench.rounds): the sum of the first NAMES' seconds over the last one's; None
    unless every one ran the same number of rounds."""
    runs = [(figures.get(name) or Figure()).runs or [] for name in names]
    if not all(runs) or len(set(map(len, runs))) != 1:
        return None
    return [sum(row[:-1]) / row[-1] for row in zip(*runs, strict=True) if row[-1]]


def _paired_text(ratios: list[float]) -> str:
    return (f"{statistics.median(ratios):.2f}x, the median of {len(ratios)} paired rounds "
            f"({min(ratios):.2f}-{max(ratios):.2f}x)")


def paired_ratios(figures: dict[str, Figure]) -> list[float] | None:
    """(load + assess) / bare json.load, round by round."""
    return _paired(figures, "load", "assess", "bare-json")


def _with_imports(figures: dict[str, Figure]) -> float | None:
    """(load + assess + the package's imports) / bare json.load, from the medians: the figure as the
    harness measured it up to the sixth round, imports inside the clocks."""
    load, assess, bare = (figures.get(name) for name in ("load", "assess", "bare-json"))
    parts = [load and load.seconds, load and load.imports, assess and assess.seconds, assess and assess.imports]
    if not all(parts) or not bare or not bare.seconds:
        return None
    return sum(parts) / bare.seconds  # type: ignore[arg-type]


def _scaled_pdf_reference(figures: dict[str, Figure], reference: Figure | None) -> Figure | None:
    """The plain-table reference measured at another size, scaled to this size's page count."""
    ours = sum(((figures.get("pdf") or Figure()).result or {}).get("pages") or [])
    theirs = sum((reference.result or {}).get("pages") or []) if reference and reference.result else 0
    if not ours or not theirs or reference is None or reference.seconds is None:
        return None
    factor = ours / theirs
    return Figure(n=reference.n, seconds=reference.seconds * factor, cpu=(reference.cpu or 0) * factor,
                  peak_mb=reference.peak_mb, result={**(reference.result or {}), "scaled_from_pages": theirs,
                                                     "pages": (reference.result or {}).get("pages"), "scaled": True})


def single_table(size: Size, figures: dict[str, Figure], pdf_reference: Figure | None = None) -> str:
    f = figures.get
    rows = []
    if f("pdf") and f("bare-pdf") is None and pdf_reference is not None:
        figures = {**figures, "bare-pdf": _scaled_pdf_reference(figures, pdf_reference) or Figure(missing="n/a")}
        f = figures.get
    bare, load, assess, assess_1 = f("bare-json"), f("load"), f("assess"), f("assess-1")
    if bare is not None:
        mb = (bare.result or {}).get("bytes", 0) / 1e6
        rows.append(_row("bare json.load + csv (reference)", bare, note=f"{mb:.0f} MB in {(bare.result or {}).get('files')} files"))
    if load:
        rows.append(_row("evidence load (read, parse, models)", load, "bare json.load", bare, _imports_note(load)))
    if assess:
        counts = assess.result or {}
        rows.append(_row("assess (catalogs, checks, verdicts)", assess, "bare json.load", bare,
                         f"{counts.get('check_results', 0):,} resource verdicts; catalogs "
                         f"{counts.get('catalogs_seconds', 0):.2f} s of it; {_imports_note(assess)}"))
    if assess_1:
        rows.append(_row("assess in one process (comparison)", assess_1, "bare json.load", bare,
                         "the CLI splits a large account's checks across two processes"))
    if load and assess:
        total = Figure(n=min(load.n, assess.n), seconds=_sum(load, assess),
                       cpu=(load.cpu or 0) + (assess.cpu or 0) if load.cpu is not None else None,
                       peak_mb=assess.peak_mb)
        if load.missing or load.error or assess.missing or assess.error:
            total = Figure(error="a part failed")
        note = "target <= 3x"
        paired = paired_ratios(figures)
        if paired:
            note += f"; {_paired_text(paired)}"
        with_imports = _with_imports(figures)
        if with_imports:
            note += f"; {with_imports:.2f}x with the imports"
        rows.append(_row("load + assess", total, "bare json.load", bare, note))
    workbook, dump = f("workbook"), f("bare-xlsx")
    if workbook:
        cells = (dump.result or {}) if dump else {}
        rows.append(_row("workbook (write_workbook)", workbook, "bare openpyxl dump", dump, "target <= 1.5x"))
        rows.append(_row("bare openpyxl dump (reference)", dump,
                         note=f"{cells.get('cells', 0):,} cells, {cells.get('rows', 0):,} rows, {cells.get('sheets', 0)} sheets"))
    pdf, plain_pdf = f("pdf"), f("bare-pdf")
    if pdf:
        pages = (pdf.result or {}).get("pages") or []
        rows.append(_row("pdf (write_pdfs)", pdf, "bare WeasyPrint table", plain_pdf,
                         f"{sum(pages)} pages in {len(pages)} PDFs" if pages else ""))
        plain_result = (plain_pdf.result or {}) if plain_pdf else {}
        plain = plain_result.get("pages") or []
        rendered = plain_result.get("rendered_pages", sum(plain))
        note = f"{sum(plain)} pages in {len(plain)} PDFs, {plain_result.get('rows_per_page', '?')} rows per page"
        if plain_result.get("factor"):
            note = (f"{rendered} pages ({plain_result.get('rendered_documents')} of {len(plain)} PDFs) rendered, "
                    f"scaled to {sum(plain)}; {plain_result.get('rows_per_page', '?')} rows per page")
        if plain_result.get("scaled"):
            note = f"from the largest size ({rendered} pages rendered), scaled to {sum(pages)} pages"
        rows.append(_row("bare WeasyPrint table (reference)", plain_pdf, note=note if plain else ""))
    if f("report"):
        rows.append(_row("report --format pdf,xlsx (end to end)", f("report"), note="target < 60 s, < 1024 MB"))
    title = f"### {size.label}: {size.users:,} users, {size.roles:,} roles, {size.policies:,} policies, {size.groups} groups"
    return title + "\n\n" + m.table(HEADERS, rows)


def org_tables(plan: Plan, org: dict[str, Any]) -> str:
    account = plan.org_account
    parts = [f"### organization: accounts of {account.users} users, {account.roles} roles, {account.policies} "
             "policies, {account.groups} groups (load + assess, one process per run)".replace("{account.groups}",
                                                                                               str(account.groups))]
    rows = []
    base: dict[int, float] = {}
    for (count, workers), figure in sorted(org.get("assess", {}).items()):
        per = figure.seconds / count if figure.seconds else None
        if count == min(plan.org_counts) and per:
            base[workers] = per
        scale = f"{per / base[workers]:.2f}" if per and workers in base else "n/a"
        one = org["assess"].get((count, 1))
        speedup = f"{one.seconds / figure.seconds:.2f}x" if one and one.seconds and figure.seconds and workers > 1 else ""
        if figure.missing or figure.error:
            rows.append([str(count), str(workers), "n/a", "n/a", "n/a", "n/a", "n/a", "",
                         (figure.missing or figure.error or "")[:60]])
            continue
        rows.append([str(count), str(workers), m.fmt_seconds(figure.seconds), m.fmt_seconds(figure.cpu_all),
                     m.fmt_mb(figure.peak_mb), m.fmt_seconds(per), scale, speedup,
                     f"n={figure.n}{_busy(figure.others)}"])
    parts.append(m.table(("accounts", "workers", "wall s", "cpu s, all processes", "peak MB", "s / account",
                          f"per-account vs {min(plan.org_counts)}", "speed-up vs 1 worker", "notes"), rows))
    if org.get("workbooks"):
        rows = []
        for count, figure in sorted(org["workbooks"].items()):
            per = figure.seconds / count if figure.seconds else None
            rows.append([str(count), m.fmt_seconds(figure.seconds), m.fmt_seconds(figure.cpu), m.fmt_mb(figure.peak_mb),
                         m.fmt_seconds(per), f"n={figure.n}{_busy(figure.others)}"])
        parts.append("#### organization: combined workbook (write_workbook)\n\n" + m.table(
            ("accounts", "wall s", "cpu s", "peak MB", "s / account", "notes"), rows))
    if org.get("workbook"):
        largest = max(plan.org_counts)
        cells = (org["bare-xlsx"].result or {}) if org.get("bare-xlsx") else {}
        rows = [_row("bare json.load + csv (reference)", org.get("bare-json")),
                _row("combined workbook", org["workbook"], "bare openpyxl dump", org.get("bare-xlsx"),
                     "for comparison (the 1.5x target is the single account's)"),
                _row("bare openpyxl dump (reference)", org.get("bare-xlsx"),
                     note=f"{cells.get('cells', 0):,} cells, {cells.get('rows', 0):,} rows")]
        parts.append(f"#### organization of {largest} accounts: combined workbook against its references\n\n"
                     + m.table(HEADERS, rows))
    return "\n\n".join(parts)


def _linear(xs: list[int], ys: list[float]) -> tuple[float, float, float]:
    """Least-squares line through (XS, YS): slope, intercept, and the worst point's distance from it
    as a fraction of the point (time = start-up + accounts x per-account time)."""
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum((x - mean_x) ** 2 for x in xs)
    start = mean_y - slope * mean_x
    return slope, start, max(abs(y - (start + slope * x)) / y for x, y in zip(xs, ys, strict=True))


def targets(plan: Plan, singles: dict[str, dict[str, Figure]], org: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(target, measured, MET / MISSED / n/a)."""
    out: list[tuple[str, str, str]] = []
    big = plan.single[-1].label
    f = singles.get(big, {})

    def verdict(ok: bool | None) -> str:
        return "n/a" if ok is None else ("MET" if ok else "MISSED")

    load_assess, bare = _sum(f.get("load"), f.get("assess")), f.get("bare-json")
    ratio = load_assess / bare.seconds if load_assess and bare and bare.seconds else None
    measured = (f"{ratio:.2f}x ({m.fmt_seconds(load_assess)} s vs {m.fmt_seconds(bare.seconds if bare else None)} s,"
                " medians)" if ratio else "n/a")
    paired = paired_ratios(f)
    if paired:  # the verdict is read round by round: each round's three figures share the host's phase
        ratio = statistics.median(paired)
        measured = f"{_paired_text(paired)}; {measured}"
    with_imports = _with_imports(f)
    if with_imports:
        measured += f"; {with_imports:.2f}x with the package's imports"
    out.append((f"{big}: evidence load + assess <= 3x bare json.load", measured,
                verdict(ratio <= 3 if ratio else None)))
    report = f.get("report")
    ok = None
    measured = "n/a"
    if report is not None and report.seconds and report.peak_mb:
        ok = report.seconds < 60 and report.peak_mb < 1024
        measured = f"{m.fmt_seconds(report.seconds)} s, {m.fmt_mb(report.peak_mb)} MB"
    out.append((f"{big}: report --format pdf,xlsx < 60 s and < 1 GB peak", measured, verdict(ok)))
    wb, dump = f.get("workbook"), f.get("bare-xlsx")
    ratio = wb.seconds / dump.seconds if wb and dump and wb.seconds and dump.seconds else None
    measured = f"{ratio:.2f}x (medians)" if ratio else "n/a"
    paired = _paired(f, "workbook", "bare-xlsx")
    if paired:
        ratio = statistics.median(paired)
        measured = f"{_paired_text(paired)}; {measured}"
    out.append((f"{big}: workbook <= 1.5x bare openpyxl dump", measured, verdict(ratio <= 1.5 if ratio else None)))
    pages = {label: sum((pdf.result or {}).get("pages") or [])
             for label, fig in singles.items() if (pdf := fig.get("pdf")) is not None and pdf.result}
    if len(pages) >= 2:
        low, high = min(pages.values()), max(pages.values())
        ok = high <= low * 1.15 + 2
        out.append(("PDF pages grow with controls and checks, not users (about equal across sizes)",
                    ", ".join(f"{k}: {v}" for k, v in pages.items()), verdict(ok)))
    assess = org.get("assess", {})
    one_worker = {c: fig.seconds for (c, w), fig in assess.items() if w == 1 and fig.seconds}
    if len(one_worker) >= 2:
        out.append(_scaling("organization: assess time linear in accounts (1 worker)", one_worker))
    large = max(plan.org_counts) if plan.org_counts else None
    if (large, 1) in assess and (large, 2) in assess and assess[(large, 1)].seconds and assess[(large, 2)].seconds:
        speed = assess[(large, 1)].seconds / assess[(large, 2)].seconds
        out.append((f"organization: 2 workers beat 1 ({large} accounts)", f"{speed:.2f}x speed-up",
                    verdict(speed > 1.0)))
    books = {c: fig.seconds for c, fig in org.get("workbooks", {}).items() if fig.seconds}
    if len(books) >= 2:
        out.append(_scaling("organization: combined workbook time linear in accounts", books))
    return out


def _scaling(what: str, seconds: dict[int, float]) -> tuple[str, str, str]:
    """Linear in accounts: the time per account at the largest size at most 25% above the smallest size's
    (a fixed start-up makes it lower; anything worse than linear makes it grow). With three sizes or more the
    least-squares line is shown too: on a shared host one slow run puts a point 10-20% off it."""
    counts = sorted(seconds)
    small, large = counts[0], counts[-1]
    drift = (seconds[large] / large) / (seconds[small] / small)
    measured = f"{drift:.2f}x the per-account time of {small} at {large}"
    if len(counts) >= 3:
        slope, start, worst = _linear(counts, [seconds[c] for c in counts])
        measured += f"; {slope:.2f} s per account + {start:.1f} s, worst point {worst:.0%} off the line"
    target = f"{what} ({', '.join(map(str, counts))} accounts: per-account time at {large} <= 1.25x at {small})"
    return target, measured, "MET" if drift <= 1.25 else "MISSED"


def _jsonable(value: Any) -> Any:
    if isinstance(value, Figure):
        return value.as_dict()
    if isinstance(value, dict):
        return {(",".join(map(str, k)) if isinstance(k, tuple) else k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs per stage; the median is shown (default 3)")
    parser.add_argument("--quick", action="store_true", help="1 run, small sizes: checks the harness, < 3 min")
    parser.add_argument("--work", type=Path, help="keep generated data and outputs here (reused when unchanged)")
    parser.add_argument("--json", type=Path, help="also write every figure as JSON here")
    parser.add_argument("--skip", default="", help="comma-separated: load, assess, workbook, pdf, report, org, "
                        "org-assess")
    parser.add_argument("--sizes", default="", help="comma-separated single-account sizes to run (default: all)")
    parser.add_argument("--repeat-under", type=float, default=30.0, metavar="SECONDS",
                        help="a stage whose first run takes longer than this is not repeated (default 30)")
    parser.add_argument("--pdf-sample", type=int, default=1, metavar="K",
                        help="render the plain-table PDF reference for K of the report's documents (evenly "
                        "spaced, each in full) and scale by pages; 0 renders all (default 1)")
    parser.add_argument("--verbose", action="store_true")
    # child side
    parser.add_argument("--stage", choices=sorted(STAGES), help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--assessment", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=None, help=argparse.SUPPRESS)  # None: as the CLI
    parser.add_argument("--with-load", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--pages", default="", help=argparse.SUPPRESS)
    parser.add_argument("--framework", action="append", default=[], help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def compile_package() -> None:
    """Byte-compile compliance_kit, as installing the wheel does (pip compiles modules on install): a checkout
    run with PYTHONDONTWRITEBYTECODE set would otherwise compile every module from source in every stage
    (about 75 ms of load + assess on a 10,000-user account), which is no cost of ours a user pays."""
    import compileall

    import compliance_kit

    compileall.compile_dir(Path(compliance_kit.__file__).parent, quiet=1)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.stage:
        return child_main(args)
    compile_package()
    plan = QUICK if args.quick else FULL
    runs = 1 if args.quick else max(1, args.runs)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    if args.sizes:
        wanted = {s.strip() for s in args.sizes.split(",")}
        plan = replace(plan, single=tuple(s for s in plan.single if s.label in wanted))
    if "org" in skip:
        plan = replace(plan, org_counts=())
    keep = args.work is not None
    work = args.work or Path(tempfile.mkdtemp(prefix="ck-bench-"))
    (work / "out").mkdir(parents=True, exist_ok=True)
    bench = Bench(work, runs, args.repeat_under, args.verbose, plan.frameworks, args.pdf_sample)
    info = m.machine()
    start = time.perf_counter()
    try:
        paths = prepare_data(bench, plan)
        singles = {size.label: bench_single(bench, size, paths[size.label], skip, size == plan.single[-1])
                   for size in plan.single}
        org = bench_org(bench, plan, paths, skip) if plan.org_counts else {}
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    info_after = m.machine()
    elapsed = time.perf_counter() - start

    print(f"## compliance-kit scale benchmarks ({'quick' if args.quick else 'full'}, {runs} run(s) per stage, median)")
    print()
    print(f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory_gb']} GB RAM, Python {info['python']}, "
          f"WeasyPrint {info['weasyprint']}, openpyxl {info['openpyxl']}; load average before "
          f"{info['loadavg'][0]}, after {info_after['loadavg'][0]}. Harness wall time {elapsed / 60:.1f} min.")
    print(f"Frameworks: {', '.join(plan.frameworks) if plan.frameworks else 'all 8 (the default of report)'}. "
          "wall s: the stage alone (median of the runs); cpu s: its CPU time; peak MB: the peak RSS of the "
          "whole process (and its workers); ratio: wall s / reference wall s.")
    largest = singles[plan.single[-1].label] if plan.single else {}
    for size in plan.single:
        print()
        print(single_table(size, singles[size.label], largest.get("bare-pdf")))
    if org:
        print()
        print(org_tables(plan, org))
    print()
    print("### targets")
    print()
    print(m.table(("target", "measured", "verdict"), targets(plan, singles, org)))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(_jsonable({"machine": info, "machine_after": info_after, "runs": runs,
                                                   "quick": args.quick, "single": singles, "org": org}), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
