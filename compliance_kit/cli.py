"""The command line: a thin layer over the library (evidence, checks, catalog, assess, results)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import CollectionError, InputError

FRAMEWORK_HELP = "framework id (repeatable; default: all). See `compliance-kit frameworks list`."


def clock_from_env() -> Callable[[], datetime]:
    """SOURCE_DATE_EPOCH fixes the clock for reproducible output."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        if not epoch.strip().isdigit():
            raise InputError(f"SOURCE_DATE_EPOCH must be whole seconds, got {epoch!r}", file="environment")
        fixed = datetime.fromtimestamp(int(epoch), UTC)
        return lambda: fixed
    return lambda: datetime.now(UTC)


def _parse_moment(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    from .evidence.values import parse_time

    moment = parse_time(value)
    if moment is None:
        raise InputError(f"not an ISO-8601 time: {value!r}", file=option)
    return moment


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="compliance-kit")
def cli() -> None:
    """Audit evidence from AWS IAM for SOC 2, ISO/IEC 27001, HIPAA, NIST CSF and CMMC."""


@cli.group()
def evidence() -> None:
    """Build and verify evidence directories."""


@evidence.command("import")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="folder to write <account-id>/ into")
@click.option("--account-id", help="account id, when the files do not say")
@click.option("--collected-at", help="when the client ran the exports (ISO-8601); default: the report's GeneratedTime")
@click.option("--no-password-policy", is_flag=True, help="the client's account has no password policy (NoSuchEntity)")
@click.option("--attestations", "attestations_file", type=click.Path(path_type=Path),
              help="attestations YAML: its referenced documents are copied in and hashed in the manifest")
def evidence_import(source: Path, out: Path, account_id: str | None, collected_at: str | None,
                    no_password_policy: bool, attestations_file: Path | None) -> None:
    """Recognise saved AWS CLI exports in SOURCE by content and write an evidence directory."""
    from .evidence.importer import build_evidence, with_documents, write_evidence

    imported = build_evidence(source, account_id=account_id, collected_at=_parse_moment(collected_at, "--collected-at"),
                              clock=clock_from_env(), password_policy_not_configured=no_password_policy)
    if attestations_file is not None:
        imported = with_documents(imported, attestations_file)
    target = write_evidence(imported, out)
    from .render.terminal import print_import_summary

    print_import_summary(imported, target)


@evidence.command("verify")
@click.argument("directory", type=click.Path(path_type=Path))
def evidence_verify(directory: Path) -> None:
    """Re-hash an evidence directory (or a folder of them), a `run` period folder or its package.zip."""
    from .evidence.loader import find_evidence_dirs
    from .monthly.package import is_package, verify_package

    if is_package(directory):  # a period folder of `compliance-kit run` (MANIFEST.sha256) or its package.zip
        package = verify_package(directory)
        for line in package.lines():
            click.echo(line)
        if not package.ok:
            raise SystemExit(1)
        return
    from .evidence.manifest import verify_directory

    dirs = find_evidence_dirs(directory) if directory.is_dir() else None
    if not dirs:
        raise InputError("no manifest.json here or in its sub-folders: not an evidence directory", file=str(directory))
    bad = False
    for path in dirs:
        report = verify_directory(path)
        if report.ok:
            click.echo(f"OK {path}: {report.checked} files match the manifest")
            continue
        bad = True
        for name in report.changed:
            click.echo(f"CHANGED {path / name}")
        for name in report.missing:
            click.echo(f"MISSING {path / name}")
        for name in report.added:
            click.echo(f"ADDED {path / name} (not in the manifest)")
    if bad:
        raise SystemExit(1)


def _load_catalogs(catalog_dir: Path | None, wanted: tuple[str, ...]) -> tuple[list[Any], dict[str, Any]]:
    from .catalog import load_check_metadata, load_frameworks
    from .checks.registry import load_all

    known = set(load_all())
    frameworks = load_frameworks(catalog_dir, known)
    if wanted:
        unknown = [w for w in wanted if w not in frameworks]
        if unknown:
            raise InputError(f"unknown framework {unknown[0]!r} (known: {', '.join(sorted(frameworks))})",
                             file="--framework")
        selected = [frameworks[w] for w in wanted]
    else:
        selected = [frameworks[k] for k in sorted(frameworks)]
    return selected, load_check_metadata()


@cli.command()
@click.argument("evidence_dir", type=click.Path(path_type=Path))
@click.option("--framework", "frameworks", multiple=True, help=FRAMEWORK_HELP)
@click.option("--out", type=click.Path(path_type=Path), help="write results.json here")
@click.option("--threshold", "thresholds", multiple=True, metavar="NAME=N",
              help="override a threshold, e.g. access_key_max_age_days=60")
@click.option("--catalog-dir", type=click.Path(path_type=Path), help="folder of extra or overriding catalogs")
@click.option("--fail-on", type=click.Choice(["critical", "high", "medium", "low", "info", "never"]), default="never",
              show_default=True, help="exit 1 when a check of at least this severity fails")
@click.option("--exceptions", "exceptions_file", type=click.Path(path_type=Path), help="exceptions (waivers) YAML")
@click.option("--attestations", "attestations_file", type=click.Path(path_type=Path), help="attestations YAML")
@click.option("--quiet", is_flag=True, help="no summary table")
def assess(evidence_dir: Path, frameworks: tuple[str, ...], out: Path | None, thresholds: tuple[str, ...],
           catalog_dir: Path | None, fail_on: str, exceptions_file: Path | None, attestations_file: Path | None,
           quiet: bool) -> None:
    """Assess EVIDENCE_DIR (an evidence directory, a folder of them, or loose exports)."""
    from .assess import assess as run_assessment
    from .evidence import load_evidence
    from .results import write_results
    from .settings import parse_threshold_options

    overrides = parse_threshold_options(thresholds)
    selected, meta = _load_catalogs(catalog_dir, frameworks)
    evidences = load_evidence(evidence_dir, clock=clock_from_env())
    from .assess import parallel_map_accounts

    assessment = run_assessment(evidences, selected, meta, thresholds=overrides, clock=clock_from_env(),
                                exceptions=exceptions_file, attestations=attestations_file,
                                map_accounts=parallel_map_accounts())
    if out is not None:
        write_results(assessment, out)
    if not quiet:
        from .render.terminal import print_summary

        print_summary(assessment, out)
    if fail_on != "never" and _fails_at(assessment, fail_on):
        raise SystemExit(1)


def _fails_at(assessment: Any, level: str) -> bool:
    from .model import Severity, Status

    limit = Severity(level).rank
    for result in assessment.checks:
        meta = assessment.check_meta.get(result.check_id)
        severity = Severity(meta.severity) if meta else Severity.MEDIUM
        if result.status is Status.FAIL and severity.rank <= limit:
            return True
    return False


@cli.command()
@click.argument("evidence_dir", type=click.Path(path_type=Path))
@click.option("--format", "formats", default="pdf,xlsx", show_default=True,
              help="comma-separated: pdf, xlsx, json")
@click.option("--framework", "frameworks", multiple=True, help=FRAMEWORK_HELP)
@click.option("--out", type=click.Path(path_type=Path), default=Path("."), show_default=True, help="output folder")
@click.option("--org-name", default=None, help="organization name for the cover page")
@click.option("--exceptions", "exceptions_file", type=click.Path(path_type=Path), help="exceptions (waivers) YAML")
@click.option("--attestations", "attestations_file", type=click.Path(path_type=Path), help="attestations YAML")
@click.option("--previous", type=click.Path(path_type=Path), help="previous period's results.json, for what changed")
@click.option("--combined", is_flag=True, help="one PDF for all frameworks instead of one per framework")
@click.option("--pdf-variant", type=click.Choice(["pdf/a-3b"]), default=None, help="archival PDF/A-3b")
@click.option("--threshold", "thresholds", multiple=True, metavar="NAME=N", help="override a threshold")
@click.option("--catalog-dir", type=click.Path(path_type=Path), help="folder of extra or overriding catalogs")
def report(evidence_dir: Path, formats: str, frameworks: tuple[str, ...], out: Path, org_name: str | None,
           exceptions_file: Path | None, attestations_file: Path | None, previous: Path | None, combined: bool,
           pdf_variant: str | None, thresholds: tuple[str, ...], catalog_dir: Path | None) -> None:
    """Assess once, then write the PDF report(s), the workbook and/or results.json into --out."""
    from .pipeline import ReportOptions, run_report

    wanted = [f.strip().lower() for f in formats.split(",") if f.strip()]
    bad = [f for f in wanted if f not in {"pdf", "xlsx", "json"}]
    if bad or not wanted:
        raise InputError(f"unknown format {bad[0] if bad else formats!r} (use pdf, xlsx, json)", file="--format")
    options = ReportOptions(
        formats=tuple(wanted), frameworks=frameworks, out=out, org_name=org_name, exceptions=exceptions_file,
        attestations=attestations_file, previous=previous, combined=combined, pdf_variant=pdf_variant,
        thresholds=thresholds, catalog_dir=catalog_dir,
    )
    for path in run_report(evidence_dir, options, clock=clock_from_env()):
        click.echo(f"wrote {path}")


@cli.group()
def checks() -> None:
    """The check library."""


@checks.command("list")
def checks_list() -> None:
    """List every registered check with its severity and the evidence it needs."""
    from .catalog import load_check_metadata
    from .checks.registry import load_all
    from .render.terminal import print_checks

    print_checks(load_all(), load_check_metadata())


@cli.group()
def frameworks() -> None:
    """Framework catalogs."""


@frameworks.command("list")
@click.option("--catalog-dir", type=click.Path(path_type=Path), help="folder of extra or overriding catalogs")
def frameworks_list(catalog_dir: Path | None) -> None:
    """List the frameworks with their coverage."""
    from .render.terminal import print_frameworks

    selected, _ = _load_catalogs(catalog_dir, ())
    print_frameworks(selected)


@frameworks.command("show")
@click.argument("framework_id")
@click.option("--catalog-dir", type=click.Path(path_type=Path), help="folder of extra or overriding catalogs")
def frameworks_show(framework_id: str, catalog_dir: Path | None) -> None:
    """Coverage of one framework and which checks evidence which controls."""
    from .render.terminal import print_framework

    selected, meta = _load_catalogs(catalog_dir, (framework_id,))
    print_framework(selected[0], meta)


@cli.group()
def catalog() -> None:
    """Catalog files."""


@catalog.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def catalog_validate(paths: tuple[Path, ...]) -> None:
    """Validate catalog YAML files (or folders of them) against the schema and the check registry."""
    from .catalog import parse_catalog
    from .checks.registry import load_all

    known = set(load_all())
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(path.glob("*.yaml"))
        else:
            files.append(path)
    if not files:
        raise InputError("no .yaml catalog found", file=str(paths[0]))
    for file in files:
        framework = parse_catalog(file, known)
        cov = framework.coverage()
        click.echo(f"OK {file}: {framework.framework_id} — {cov['total']} controls "
                   f"({cov['automated']} automated, {cov['manual']} manual, {cov['not_applicable']} not applicable)")


from .collect.cli import collect, policy  # noqa: E402  (registered here so `--help` lists them)

cli.add_command(collect)
cli.add_command(policy)

from .monthly.cli import init, run  # noqa: E402

cli.add_command(run)
cli.add_command(init)


def main(argv: list[str] | None = None) -> None:
    """Entry point: bad input is one line on stderr and exit code 2, never a traceback."""
    try:
        cli.main(args=argv, prog_name="compliance-kit", standalone_mode=False)
    except InputError as exc:
        click.echo(f"compliance-kit: error: {exc.line()}", err=True)
        sys.exit(2)
    except CollectionError as exc:
        click.echo(f"compliance-kit: collection failed: {exc}", err=True)
        sys.exit(3)
    except click.exceptions.Abort:
        click.echo("compliance-kit: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except SystemExit:
        raise
    except OSError as exc:
        click.echo(f"compliance-kit: error: {exc.filename or ''}: {exc.strerror or exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
