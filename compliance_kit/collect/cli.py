"""`compliance-kit collect` and `compliance-kit policy` (registered in compliance_kit.cli).

Thin: options in, the library (run.py, org.py, plan.py) does the work. boto3 is imported only when
`collect` runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import CollectionError, InputError
from .org import DEFAULT_ROLE_NAME


def _regions(values: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for value in values:
        out += [v.strip() for v in value.split(",") if v.strip()]
    return tuple(dict.fromkeys(out))


def _echo_account(result: object) -> None:
    from .run import AccountResult

    assert isinstance(result, AccountResult)
    counts = result.counts()
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    click.echo(f"wrote {result.directory} (account {result.account_id}: {summary}; "
               f"{result.requests} requests in {result.seconds:.1f} s)")
    for entry in result.problems():
        name = entry.get("file") or entry["artifact"] + (f".{entry['key']}" if entry.get("key") else "")
        if not entry.get("file"):
            from ..evidence.artifacts import BY_NAME

            spec = BY_NAME.get(entry["artifact"])
            if spec is not None:
                name = spec.file_for(entry["key"]) if spec.key else spec.filename
        click.echo(f"  {entry['outcome']}: {name}: {entry['message']}")
    for text in result.warnings:
        click.echo(f"  warning: {text}")


@click.command()
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="folder to write <account-id>/ into (and organization/ with --org)")
@click.option("--profile", help="AWS profile (default: the standard credential chain: environment, SSO, roles)")
@click.option("--regions", "regions", multiple=True, metavar="R1,R2",
              help="regions for Access Analyzer (comma-separated or repeated; default: the enabled regions)")
@click.option("--home-region", help="region for regional calls such as CloudTrail and IAM Identity Center "
                                    "(default: the profile's region, else us-east-1)")
@click.option("--role-arn", help="assume this audit role first")
@click.option("--external-id", help="ExternalId for --role-arn and for the --org member role")
@click.option("--endpoint-url", help="send every API call to this endpoint (testing, e.g. a moto server)")
@click.option("--org", "org", is_flag=True, help="collect every ACTIVE account of the organization")
@click.option("--role-name", default=None, help=f"--org: role to assume in each account [default: {DEFAULT_ROLE_NAME}]")
@click.option("--max-workers", type=click.IntRange(1, 64), default=4, show_default=True,
              help="--org: accounts collected at the same time")
@click.option("--max-attempts", type=click.IntRange(1, 25), default=8, show_default=True,
              envvar="COMPLIANCE_KIT_MAX_ATTEMPTS", help="attempts per API call (adaptive retry mode)")
@click.option("--report-poll-delay", type=click.FloatRange(0, 30), default=1.0, hidden=True,
              envvar="COMPLIANCE_KIT_REPORT_POLL_DELAY", help="first wait for the credential report (seconds)")
@click.option("--progress", "progress_mode", type=click.Choice(["auto", "rich", "plain", "none"]), default="auto",
              show_default=True, help="progress on stderr: rich on a terminal, plain log lines otherwise")
def collect(out: Path, profile: str | None, regions: tuple[str, ...], home_region: str | None, role_arn: str | None,
            external_id: str | None, endpoint_url: str | None, org: bool, role_name: str | None, max_workers: int,
            max_attempts: int, report_poll_delay: float, progress_mode: str) -> None:
    """Collect IAM evidence from a live AWS account (or a whole organization) into OUT/<account-id>/."""
    from ..cli import clock_from_env
    from .org import collect_organization
    from .progress import make_progress
    from .run import CollectOptions, collect_account

    if role_name is not None and not org:
        raise InputError("--role-name only applies with --org", file="--role-name")
    options = CollectOptions(
        out=out, profile=profile, regions=_regions(regions), home_region=home_region, role_arn=role_arn,
        external_id=external_id, endpoint_url=endpoint_url, max_attempts=max_attempts,
        report_poll_delay=report_poll_delay, clock=clock_from_env(),
    )
    progress = make_progress(progress_mode)
    try:
        if not org:
            result = collect_account(options, progress)
        else:
            org_result = collect_organization(options, role_name=role_name or DEFAULT_ROLE_NAME,
                                              max_workers=max_workers, progress=progress)
    finally:
        progress.close()
    if not org:
        _echo_account(result)
        return
    click.echo(f"wrote {org_result.organization_dir} (organization, management account "
               f"{org_result.management_account_id})")
    for account in org_result.accounts:
        _echo_account(account)
    for account_id, state in org_result.skipped:
        click.echo(f"skipped {account_id}: account is {state}")
    for account_id, message in org_result.failures:
        click.echo(f"FAILED {account_id}: {message}")
    click.echo(f"{len(org_result.accounts)} accounts collected, {len(org_result.failures)} failed, "
               f"{len(org_result.skipped)} skipped; {org_result.requests} requests in {org_result.seconds:.1f} s")
    if not org_result.accounts and org_result.failures:
        raise CollectionError(f"no account of the organization could be collected ({len(org_result.failures)} failed)")


@click.command()
def policy() -> None:
    """Print the minimal read-only IAM policy (JSON) that `collect` needs.

    Attach it to the audit role or user. With --role-arn or --org the calling identity also needs
    sts:AssumeRole on the role(s) it assumes; that is not part of this read-only policy.
    """
    from .plan import policy_document

    click.echo(json.dumps(policy_document(), indent=2))
