"""`compliance-kit run` and `compliance-kit init` (registered in compliance_kit.cli).

Thin: the library (run.py) does the work. Log lines go to stderr; the last line on stdout is one JSON
object for schedulers: {"period", "status", "exit_code", "controls", "new_failures", "package", "digest", ...}.
Exit codes: 0 done; 1 done but a --fail-on rule holds; 2 bad config or input; 3 collection or delivery failed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import CollectionError, InputError

FAIL_ON_HELP = ("exit 1 when this holds (repeatable or comma-separated; replaces the config's fail_on): "
                "new-<severity> = a failure at least that severe that the previous period did not have, "
                "e.g. new-critical, new-high; <severity> = any failure at least that severe, e.g. high; never")


def _log(message: str) -> None:
    click.echo(message, err=True)


def _finish(outcome: object) -> None:
    from .run import RunOutcome

    assert isinstance(outcome, RunOutcome)
    if outcome.exit_code == 3:
        click.echo(f"compliance-kit: {outcome.status.replace('_', ' ')}: {outcome.message}", err=True)
    elif outcome.exit_code == 1:
        click.echo(f"compliance-kit: --fail-on threshold crossed: {', '.join(outcome.failed_on)}", err=True)
    click.echo(outcome.summary_line())
    sys.stdout.flush()
    if outcome.exit_code:
        sys.exit(outcome.exit_code)


@click.command("run")
@click.option("--config", "config_path", required=True, type=click.Path(path_type=Path),
              help="kit.yaml (see `compliance-kit init`)")
@click.option("--period", default=None, metavar="YYYY-MM",
              help="the period to fill (default: the current one, from SOURCE_DATE_EPOCH or the clock, UTC)")
@click.option("--fail-on", "fail_on", multiple=True, metavar="RULE", help=FAIL_ON_HELP)
def run(config_path: Path, period: str | None, fail_on: tuple[str, ...]) -> None:
    """Collect, assess, render, package and deliver one period, as kit.yaml says."""
    from ..cli import clock_from_env
    from .config import load_config, parse_fail_on
    from .package import Busy
    from .run import RunOutcome, run_period

    try:
        config = load_config(config_path)
        rules = parse_fail_on(fail_on) if fail_on else None
        outcome = run_period(config, clock=clock_from_env(), period_override=period, fail_on=rules, log=_log)
    except InputError as exc:
        click.echo(f"compliance-kit: error: {exc.line()}", err=True)
        outcome = RunOutcome(period, "bad_input", 2, message=exc.line())
    except CollectionError as exc:
        outcome = RunOutcome(period, "collection_failed", 3, message=str(exc))
    except Busy as exc:
        outcome = RunOutcome(period, "busy", 3, message=str(exc))
    _finish(outcome)


@click.command("init")
@click.argument("path", required=False, default=Path("kit.yaml"), type=click.Path(path_type=Path))
def init(path: Path) -> None:
    """Write a commented starter kit.yaml to PATH (default ./kit.yaml); never overwrites."""
    from .config import write_starter

    write_starter(path)
    click.echo(f"wrote {path}: set `organization`, `source` and `outputs`, then run "
               f"`compliance-kit run --config {path}`")
