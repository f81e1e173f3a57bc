"""Root user checks (CIS 1.4–1.7): from the credential report's <root_account> row."""

from __future__ import annotations

from collections.abc import Iterator

from ..evidence import Evidence
from ..evidence.credential_report import CredentialRow
from ..evidence.values import days_between, iso
from ..model import ResourceResult
from ..settings import Settings
from .registry import check, errored, verdict

CSV = "credential-report.csv"
SUMMARY = "get-account-summary.json"


def _root(evidence: Evidence) -> CredentialRow | None:
    return evidence.credential_report.root


def _no_root_row(evidence: Evidence) -> ResourceResult:
    return errored("account", evidence.root_arn(), "not assessed: the credential report has no <root_account> row", CSV)


@check("root_has_active_access_keys", needs=["credential_report"])
def root_has_active_access_keys(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    root = _root(evidence)
    if root is None:
        yield _no_root_row(evidence)
        return
    active = [k.number for k in root.active_keys]
    yield verdict(bool(active), "account", root.arn,
                  f"root has active access key(s) {', '.join(map(str, active))}",
                  "root has no active access keys", CSV, f"row {root.row}")


@check("root_without_mfa", needs=["credential_report"])
def root_without_mfa(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    root = _root(evidence)
    if root is None:
        yield _no_root_row(evidence)
        return
    yield verdict(not root.mfa_active, "account", root.arn, "root user has no MFA device",
                  "root user has MFA enabled", CSV, f"row {root.row}")


@check("root_without_hardware_mfa", needs=["account_summary", "virtual_mfa_devices"])
def root_without_hardware_mfa(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    enabled = str(evidence.account_summary.get("AccountMFAEnabled", "0")) == "1"
    root_arn = evidence.root_arn()
    if not enabled:
        yield verdict(True, "account", root_arn, "root user has no MFA at all (AccountMFAEnabled 0)", "",
                      SUMMARY, "/SummaryMap/AccountMFAEnabled")
        return
    for index, device in enumerate(evidence.virtual_mfa_devices):
        user = device.get("User") or {}
        if isinstance(user, dict) and str(user.get("Arn", "")).endswith(":root"):
            yield verdict(True, "account", root_arn,
                          f"root MFA is a virtual device ({device.get('SerialNumber', '?')})", "",
                          "list-virtual-mfa-devices.json", f"/VirtualMFADevices/{index}")
            return
    yield verdict(False, "account", root_arn, "",
                  "root MFA is enabled and no virtual MFA device is assigned to root (hardware device)",
                  SUMMARY, "/SummaryMap/AccountMFAEnabled")


@check("root_used_recently", needs=["credential_report"])
def root_used_recently(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    root = _root(evidence)
    if root is None:
        yield _no_root_row(evidence)
        return
    limit = settings.root_recent_use_days
    uses = [("password", root.password_last_used)] + [
        (f"access key {k.number}", k.last_used) for k in root.keys
    ]
    recent = [
        f"{what} on {iso(when)}" for what, when in uses
        if when is not None and days_between(when, evidence.collected_at) < limit
    ]
    yield verdict(bool(recent), "account", root.arn,
                  f"root used within {limit} days of collection: {'; '.join(recent)}",
                  f"root not used in the {limit} days before collection", CSV, f"row {root.row}")


@check("root_has_active_signing_certificates", needs=["credential_report"])
def root_has_active_signing_certificates(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    root = _root(evidence)
    if root is None:
        yield _no_root_row(evidence)
        return
    active = [c.number for c in root.certificates if c.active]
    yield verdict(bool(active), "account", root.arn,
                  f"root has active signing certificate(s) {', '.join(map(str, active))}",
                  "root has no active signing certificates", CSV, f"row {root.row}")
