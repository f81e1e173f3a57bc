"""Account-wide checks: federation, MFA devices, certificates, Access Analyzer, CloudTrail, Organizations."""

from __future__ import annotations

from collections.abc import Iterator

from ..evidence import Evidence, EvidenceUnavailable
from ..evidence.values import iso, parse_bool, parse_time
from ..model import ResourceResult
from ..settings import Settings
from .registry import check, errored, failed, not_applicable, passed, verdict

TRAILS = "describe-trails.json"
_ABSENT = object()


@check("federation_not_configured", needs=["saml_providers", "oidc_providers", "identity_center_instances"])
def federation_not_configured(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    saml, oidc, sso = evidence.saml_providers, evidence.oidc_providers, evidence.identity_center_instances
    found = []
    if saml:
        found.append(f"{len(saml)} SAML provider(s)")
    if sso:
        found.append(f"{len(sso)} IAM Identity Center instance(s)")
    if oidc:
        found.append(f"{len(oidc)} OIDC provider(s)")
    if saml or sso:
        yield passed("account", evidence.account_id, "federation in use: " + ", ".join(found), "list-saml-providers.json")
    else:
        detail = f" (only {found[0]}, typically for workloads)" if found else ""
        yield failed("account", evidence.account_id,
                     f"no SAML provider and no IAM Identity Center instance: people sign in as IAM users{detail}",
                     "list-saml-providers.json")


@check("virtual_mfa_device_unassigned", needs=["virtual_mfa_devices"])
def virtual_mfa_device_unassigned(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    for index, device in enumerate(evidence.virtual_mfa_devices):
        serial = device.get("SerialNumber", _ABSENT)  # the placeholder is formatted only when needed
        yield verdict(not device.get("User"), "mfa_device", f"device {index}" if serial is _ABSENT else str(serial),
                      "virtual MFA device assigned to nobody", "assigned", "list-virtual-mfa-devices.json",
                      f"/VirtualMFADevices/{index}")


@check("server_certificate_expired", needs=["server_certificates"])
def server_certificate_expired(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    for index, cert in enumerate(evidence.server_certificates):
        name = str(cert.get("Arn") or cert.get("ServerCertificateName") or f"certificate {index}")
        expires = parse_time(cert.get("Expiration"))
        pointer = f"/ServerCertificateMetadataList/{index}"
        if expires is None:
            yield errored("certificate", name, "not assessed: no Expiration date", "list-server-certificates.json", pointer)
        else:
            when = iso(expires)  # once, for whichever reason applies
            yield verdict(expires < evidence.collected_at, "certificate", name, f"expired on {when}",
                          f"valid until {when}", "list-server-certificates.json", pointer)


@check("access_analyzer_not_enabled", needs=["regions"], uses=["access_analyzers"])
def access_analyzer_not_enabled(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    regions = evidence.enabled_regions
    if not regions:
        yield errored("account", evidence.account_id, "not assessed: no enabled region listed", "describe-regions.json")
        return
    for region in regions:
        file = f"list-analyzers.{region}.json"
        reason = evidence.unavailable_reason("access_analyzers", region)
        if reason:
            yield errored("region", region, f"not assessed: {reason}", file)
            continue
        active = [a for a in evidence.analyzers(region) if str(a.get("status", "")).upper() == "ACTIVE"
                  and str(a.get("type", "ACCOUNT")).upper() in ("ACCOUNT", "ORGANIZATION")]
        yield verdict(not active, "region", region,
                      "no active external-access analyzer (type ACCOUNT or ORGANIZATION) in this region",
                      f"active analyzer {active[0].get('name') if active else ''}", file, "/analyzers")


@check("access_analyzer_has_active_findings", needs=["access_analyzer_findings"])
def access_analyzer_has_active_findings(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    for region in evidence.keys("access_analyzer_findings"):
        file = f"list-findings.{region}.json"
        reason = evidence.unavailable_reason("access_analyzer_findings", region)
        if reason:
            yield errored("region", region, f"not assessed: {reason}", file)
            continue
        active = [(i, f) for i, f in enumerate(evidence.analyzer_findings(region))
                  if str(f.get("status", "")).upper() == "ACTIVE"]
        if not active:
            yield passed("region", region, "no active findings", file, "/findings")
        for index, finding in active:
            resource = str(finding.get("resource") or finding.get("id") or f"finding {index}")
            principal = finding.get("principal")
            if isinstance(principal, dict):
                principal = ", ".join(f"{k} {v}" for k, v in sorted(principal.items()))
            yield failed("finding", resource,
                         f"active finding {finding.get('id', '')}: {finding.get('resourceType', '')} "
                         f"shared with {principal or finding.get('findingType') or 'external principals'}",
                         file, f"/findings/{index}")


def _advanced_all_management(selector: dict[str, object]) -> bool:
    """An advanced selector for management events without a readOnly filter records reads and writes."""
    fields = [f for f in (selector.get("FieldSelectors") or []) if isinstance(f, dict)]  # type: ignore[attr-defined]
    management = any(f.get("Field") == "eventCategory" and "Management" in (f.get("Equals") or []) for f in fields)
    read_only_filter = any(f.get("Field") == "readOnly" for f in fields)
    return management and not read_only_filter


def _trail_name(trail: dict[str, object]) -> str:
    return str(trail.get("Name", "")).rsplit("/", 1)[-1]


@check("cloudtrail_multi_region_not_logging", needs=["trails"], uses=["trail_status", "event_selectors"])
def cloudtrail_multi_region_not_logging(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    multi = [(i, t) for i, t in enumerate(evidence.trails) if parse_bool(t.get("IsMultiRegionTrail"))]
    if not multi:
        yield failed("account", evidence.account_id, "no multi-region trail", TRAILS, "/trailList")
        return
    problems: list[str] = []
    for index, trail in multi:
        name = _trail_name(trail)
        try:
            logging_on = parse_bool(evidence.trail_status(name).get("IsLogging"))
        except EvidenceUnavailable as exc:
            problems.append(f"{name}: status {exc.reason}")
            continue
        if not logging_on:
            problems.append(f"{name}: not logging")
            continue
        try:
            selectors = evidence.json("event_selectors", name) or {}
        except EvidenceUnavailable as exc:
            problems.append(f"{name}: event selectors {exc.reason}")
            continue
        basic = selectors.get("EventSelectors") or []
        advanced = selectors.get("AdvancedEventSelectors") or []
        management = any(
            parse_bool(s.get("IncludeManagementEvents")) and str(s.get("ReadWriteType", "All")) == "All"
            for s in basic if isinstance(s, dict)
        ) or any(_advanced_all_management(s) for s in advanced if isinstance(s, dict))
        if management:
            yield passed("account", evidence.account_id,
                         f"multi-region trail {name} is logging all management events", TRAILS, f"/trailList/{index}")
            return
        problems.append(f"{name}: does not record all read and write management events")
    unknown = [p for p in problems if "not collected" in p or "denied" in p or "failed" in p or "malformed" in p
               or "changed since" in p or "missing" in p]
    if unknown:  # a trail we could not read may be the one that logs everything
        yield errored("account", evidence.account_id, "not assessed: " + "; ".join(problems), TRAILS, "/trailList")
    else:
        yield failed("account", evidence.account_id,
                     "no multi-region trail logging all management events: " + "; ".join(problems), TRAILS, "/trailList")


@check("cloudtrail_log_validation_disabled", needs=["trails"])
def cloudtrail_log_validation_disabled(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    for index, trail in enumerate(evidence.trails):
        arn = str(trail.get("TrailARN") or _trail_name(trail))
        yield verdict(not parse_bool(trail.get("LogFileValidationEnabled")), "trail", arn,
                      "log file validation disabled", "log file validation enabled", TRAILS, f"/trailList/{index}")


@check("cloudtrail_not_encrypted_with_kms", needs=["trails"])
def cloudtrail_not_encrypted_with_kms(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    for index, trail in enumerate(evidence.trails):
        arn = str(trail.get("TrailARN") or _trail_name(trail))
        yield verdict(not trail.get("KmsKeyId"), "trail", arn, "logs not encrypted with a KMS key (SSE-KMS)",
                      "logs encrypted with KMS key", TRAILS, f"/trailList/{index}")


@check("organization_scps_missing", needs=["organization"], uses=["organization_scps"])
def organization_scps_missing(evidence: Evidence, settings: Settings) -> Iterator[ResourceResult]:
    org = evidence.organization
    if org is None:
        yield not_applicable("account", evidence.account_id, "account is not in an organization",
                             "describe-organization.json")
        return
    if str(org.get("FeatureSet", "ALL")) != "ALL":
        yield failed("account", evidence.account_id,
                     "organization has only consolidated billing: SCPs cannot be used", "describe-organization.json",
                     "/Organization/FeatureSet")
        return
    reason = evidence.unavailable_reason("organization_scps")
    if reason:
        yield errored("account", evidence.account_id, f"not assessed: {reason}", "list-policies.SERVICE_CONTROL_POLICY.json")
        return
    custom = [p for p in evidence.organization_scps
              if str(p.get("Name")) != "FullAWSAccess" and not parse_bool(p.get("AwsManaged"))]
    yield verdict(not custom, "account", evidence.account_id, "organization has no SCP besides FullAWSAccess",
                  f"{len(custom)} custom SCP(s): {', '.join(str(p.get('Name')) for p in custom[:5])}",
                  "list-policies.SERVICE_CONTROL_POLICY.json", "/Policies")
