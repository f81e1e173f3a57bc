"""The report pipeline: load evidence, assess once, hand the Assessment to each renderer."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .assess import available_cpus, parallel_map_accounts
from .errors import InputError


@dataclass(frozen=True)
class ReportOptions:
    formats: tuple[str, ...] = ("pdf", "xlsx")
    frameworks: tuple[str, ...] = ()
    out: Path = Path(".")
    org_name: str | None = None
    exceptions: Path | None = None
    attestations: Path | None = None
    previous: Path | None = None
    combined: bool = False
    pdf_variant: str | None = None
    thresholds: tuple[str, ...] = ()
    catalog_dir: Path | None = None


def load_previous(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise InputError("file not found", file=str(path)) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not a results.json ({exc})", file=str(path)) from None
    except RecursionError:
        raise InputError("not a results.json (JSON nested too deeply to read)", file=str(path)) from None
    if not isinstance(data, dict) or data.get("schema") != "compliance-kit/results/1":
        raise InputError("not a compliance-kit results.json", file=str(path))
    return data


def build_assessment(evidence_dir: Path, options: ReportOptions, clock: Callable[[], datetime]) -> tuple[Any, list[Any]]:
    from .assess import assess
    from .catalog import load_check_metadata, load_frameworks
    from .checks.registry import load_all
    from .evidence import load_evidence
    from .settings import parse_threshold_options

    overrides = parse_threshold_options(options.thresholds)
    known = set(load_all())
    frameworks = load_frameworks(options.catalog_dir, known)
    if options.frameworks:
        unknown = [f for f in options.frameworks if f not in frameworks]
        if unknown:
            raise InputError(f"unknown framework {unknown[0]!r} (known: {', '.join(sorted(frameworks))})",
                             file="--framework")
        selected = [frameworks[f] for f in options.frameworks]
    else:
        selected = [frameworks[k] for k in sorted(frameworks)]
    evidences = load_evidence(evidence_dir, clock=clock)
    assessment = assess(evidences, selected, load_check_metadata(), thresholds=overrides, clock=clock,
                        exceptions=options.exceptions, attestations=options.attestations,
                        map_accounts=parallel_map_accounts())
    return assessment, evidences


def run_report(evidence_dir: Path, options: ReportOptions,
               clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> list[Path]:
    previous = load_previous(options.previous)
    from .render.pdf import pdf_workers

    cpus = available_cpus()
    documents = 1 if options.combined else len(options.frameworks) or cpus
    # Started now, the PDF workers import WeasyPrint while this process assesses; start_pdfs shuts them down.
    pool = pdf_workers(min(cpus, documents)) if "pdf" in options.formats and cpus > 1 else None
    try:
        return _report(evidence_dir, options, clock, previous, pool)
    except BaseException:
        if pool is not None:  # the run failed before start_pdfs took the pool over
            pool.shutdown(wait=True, cancel_futures=True)
        raise


def _report(evidence_dir: Path, options: ReportOptions, clock: Callable[[], datetime], previous: dict[str, Any] | None,
            pool: Any) -> list[Path]:
    assessment, evidences = build_assessment(evidence_dir, options, clock)
    options.out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    from .results import Results, write_results

    results = Results.of(assessment) if {"json", "pdf"} & set(options.formats) else None
    if "json" in options.formats:
        path = options.out / "results.json"
        write_results(assessment, path, results)
        written.append(path)
    from .render.pdf import PendingPdfs, start_pdfs

    pending = PendingPdfs([], [], pool)
    if "pdf" in options.formats:  # the PDFs render in worker processes while this one writes the workbook
        pending = start_pdfs(assessment, options.out, org_name=options.org_name, previous=previous,
                             combined=options.combined, pdf_variant=options.pdf_variant, evidences=evidences,
                             results=results, background="xlsx" in options.formats, pool=pool)
    results = None  # its data (hundreds of MB for a large account) is not needed while the workbook is written
    with pending:
        if "xlsx" in options.formats:
            from .render.workbook import write_workbook

            written.append(write_workbook(assessment, evidences, options.out / "compliance-kit.xlsx",
                                          org_name=options.org_name, previous=previous))
        written.extend(pending.wait())
    return written
