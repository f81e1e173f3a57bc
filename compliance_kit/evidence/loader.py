"""The Evidence object: a typed, read-only view of one account's evidence directory.

Every accessor raises EvidenceUnavailable (artifact, reason) when the artifact is absent, was denied,
failed, is malformed or no longer matches its manifest hash. The check engine turns that into ERROR.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from ..errors import InputError
from . import jsondecode
from .artifacts import BY_NAME
from .authorization import AuthorizationDetails, AuthorizationDetailsError, parse_authorization_details
from .credential_report import CredentialReport, CredentialReportError, parse_credential_report
from .gcpause import gc_paused
from .manifest import MANIFEST, Outcome, read_manifest, sha256_bytes
from .values import as_list, parse_time

OUTCOME_WORDS = {
    Outcome.ACCESS_DENIED: "access denied",
    Outcome.ERROR: "collection failed",
    Outcome.NOT_COLLECTED: "not collected",
}


class EvidenceUnavailable(Exception):
    def __init__(self, artifact: str, reason: str) -> None:
        self.artifact = artifact
        self.reason = reason
        super().__init__(f"{artifact}: {reason}")


@dataclass(frozen=True)
class ArtifactState:
    artifact: str
    key: str | None
    outcome: Outcome
    file: str | None
    sha256: str | None
    message: str | None
    metadata: dict[str, Any]

    def reason(self) -> str:
        words = OUTCOME_WORDS.get(self.outcome, self.outcome.value)
        detail = f" ({self.message})" if self.message and self.outcome is not Outcome.NOT_COLLECTED else ""
        label = BY_NAME[self.artifact].filename if self.artifact in BY_NAME else self.artifact
        if self.key:
            label = BY_NAME[self.artifact].file_for(self.key)
        return f"{label}: {words}{detail}"


@dataclass(frozen=True, eq=False)
class Evidence:
    account_id: str
    collected_at: datetime
    collected_at_source: str
    manifest: dict[str, Any]
    digest: str
    directory: str
    read: Callable[[str], bytes] = field(repr=False)
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)
    # file -> the very bytes object whose SHA-256 the manifest holds, hashed by this process (an import in
    # memory): reading that object again needs no second hash
    hashed: dict[str, bytes] = field(default_factory=dict, repr=False)

    @cached_property
    def _states(self) -> dict[tuple[str, str | None], ArtifactState]:
        states = {}
        for entry in self.manifest.get("artifacts", []):
            try:
                outcome = Outcome(entry.get("outcome"))
            except ValueError:
                outcome = Outcome.ERROR
            state = ArtifactState(str(entry.get("artifact")), entry.get("key"), outcome, entry.get("file"),
                                  entry.get("sha256"), entry.get("message"), entry.get("metadata") or {})
            states[(state.artifact, state.key)] = state
        return states

    def state(self, artifact: str, key: str | None = None) -> ArtifactState:
        found = self._states.get((artifact, key))
        if found is None:
            return ArtifactState(artifact, key, Outcome.NOT_COLLECTED, None, None, None, {})
        return found

    def keys(self, artifact: str) -> list[str]:
        return sorted(k for (a, k) in self._states if a == artifact and k)

    def unavailable_reason(self, artifact: str, key: str | None = None) -> str | None:
        spec = BY_NAME.get(artifact)
        if spec is not None and spec.key and key is None:
            keys = self.keys(artifact)
            if any(self.state(artifact, k).outcome.usable for k in keys):
                return None
            if keys:
                return self.state(artifact, keys[0]).reason()
            return f"{spec.file_for(spec.key.upper())}: not collected"
        state = self.state(artifact, key)
        return None if state.outcome.usable else state.reason()

    def raw(self, artifact: str, key: str | None = None) -> bytes | None:
        """File bytes for a usable artifact; None when AWS said it is not configured."""
        state = self.state(artifact, key)
        if not state.outcome.usable:
            raise EvidenceUnavailable(artifact, state.reason())
        if state.outcome is Outcome.NOT_CONFIGURED or not state.file:
            return None
        try:
            data = self.read(state.file)
        except FileNotFoundError:
            raise EvidenceUnavailable(artifact, f"{state.file}: listed in the manifest but missing") from None
        if state.sha256 and self.hashed.get(state.file) is not data and sha256_bytes(data) != state.sha256:
            raise EvidenceUnavailable(artifact, f"{state.file}: changed since collection (SHA-256 mismatch)")
        return data

    def json(self, artifact: str, key: str | None = None) -> Any:
        cache_key = ("json", artifact, key)
        if cache_key not in self.cache:
            data = self.raw(artifact, key)
            if data is None:
                self.cache[cache_key] = None
            else:
                try:
                    self.cache[cache_key] = jsondecode.loads(data)
                except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
                    raise EvidenceUnavailable(artifact, f"{self.state(artifact, key).file}: malformed JSON ({exc})") from None
        return self.cache[cache_key]

    def _object(self, artifact: str, key: str | None = None) -> dict[str, Any]:
        data = self.json(artifact, key)
        if not isinstance(data, dict):
            raise EvidenceUnavailable(artifact, f"{self.state(artifact, key).file}: malformed (not a JSON object)")
        return data

    def pointer_file(self, artifact: str, key: str | None = None) -> str:
        return self.state(artifact, key).file or BY_NAME[artifact].file_for(key)

    @cached_property
    def credential_report(self) -> CredentialReport:
        data = self.raw("credential_report")
        if data is None:
            raise EvidenceUnavailable("credential_report", "credential report: not available")
        parsed: CredentialReport | None = self.cache.get(("report", "credential_report", None))
        if parsed is not None and self.hashed.get(self.pointer_file("credential_report")) is data:
            return parsed  # an import in memory: recognition parsed these very bytes
        try:
            with gc_paused():
                return parse_credential_report(data.decode("utf-8-sig"))
        except (CredentialReportError, UnicodeDecodeError) as exc:
            raise EvidenceUnavailable("credential_report", f"credential-report.csv: malformed ({exc})") from None

    @cached_property
    def authorization(self) -> AuthorizationDetails:
        data = self._object("authorization_details")
        try:
            with gc_paused():
                details = parse_authorization_details(data)
        except AuthorizationDetailsError as exc:
            raise EvidenceUnavailable("authorization_details", f"{self.pointer_file('authorization_details')}: malformed ({exc})") from None
        if details.truncated:
            raise EvidenceUnavailable(
                "authorization_details",
                f"{self.pointer_file('authorization_details')}: incomplete (IsTruncated: the export holds only one page)",
            )
        return details

    @property
    def password_policy(self) -> dict[str, Any] | None:
        """The PasswordPolicy object, or None when the account has none (AWS NoSuchEntity)."""
        data = self.json("password_policy")
        if data is None:
            return None
        policy = data.get("PasswordPolicy") if isinstance(data, dict) else None
        if not isinstance(policy, dict):
            raise EvidenceUnavailable("password_policy", "get-account-password-policy.json: malformed (no PasswordPolicy)")
        return policy

    @property
    def account_summary(self) -> dict[str, Any]:
        summary = self._object("account_summary").get("SummaryMap")
        if not isinstance(summary, dict):
            raise EvidenceUnavailable("account_summary", "get-account-summary.json: malformed (no SummaryMap)")
        return summary

    def _list(self, artifact: str, field_name: str, key: str | None = None) -> list[Any]:
        data = self.json(artifact, key)
        if data is None:
            return []
        value = data.get(field_name, []) if isinstance(data, dict) else None
        if not isinstance(value, list):
            raise EvidenceUnavailable(artifact, f"{self.pointer_file(artifact, key)}: malformed ({field_name} is not a list)")
        return [v for v in value if isinstance(v, dict)]

    @property
    def role_session_durations(self) -> dict[str, tuple[int | None, str]]:
        """Role ARN -> (MaxSessionDuration in seconds, JSON pointer), from list-roles."""
        cache_key = ("role_sessions",)
        if cache_key not in self.cache:
            out: dict[str, tuple[int | None, str]] = {}
            for index, role in enumerate(self._list("roles", "Roles")):
                value = role.get("MaxSessionDuration")
                seconds = int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
                out[str(role.get("Arn", ""))] = (seconds, f"/Roles/{index}/MaxSessionDuration")
            self.cache[cache_key] = out
        return self.cache[cache_key]  # type: ignore[no-any-return]

    @property
    def virtual_mfa_devices(self) -> list[dict[str, Any]]:
        return self._list("virtual_mfa_devices", "VirtualMFADevices")

    @property
    def server_certificates(self) -> list[dict[str, Any]]:
        return self._list("server_certificates", "ServerCertificateMetadataList")

    @property
    def saml_providers(self) -> list[dict[str, Any]]:
        return self._list("saml_providers", "SAMLProviderList")

    @property
    def oidc_providers(self) -> list[dict[str, Any]]:
        return self._list("oidc_providers", "OpenIDConnectProviderList")

    @property
    def identity_center_instances(self) -> list[dict[str, Any]]:
        return self._list("identity_center_instances", "Instances")

    @property
    def enabled_regions(self) -> list[str]:
        regions = self._list("regions", "Regions")
        return sorted(
            str(r["RegionName"]) for r in regions
            if r.get("RegionName") and r.get("OptInStatus", "opt-in-not-required") != "not-opted-in"
        )

    @property
    def trails(self) -> list[dict[str, Any]]:
        return self._list("trails", "trailList")

    def trail_status(self, trail_name: str) -> dict[str, Any]:
        return self._object("trail_status", trail_name)

    def analyzers(self, region: str) -> list[dict[str, Any]]:
        return self._list("access_analyzers", "analyzers", region)

    def analyzer_findings(self, region: str) -> list[dict[str, Any]]:
        return self._list("access_analyzer_findings", "findings", region)

    @property
    def organization(self) -> dict[str, Any] | None:
        """The Organization object, or None when the account is not in an organization."""
        data = self.json("organization")
        if data is None:
            return None
        org = data.get("Organization") if isinstance(data, dict) else None
        if not isinstance(org, dict):
            raise EvidenceUnavailable("organization", "describe-organization.json: malformed (no Organization)")
        return org

    @property
    def organization_scps(self) -> list[dict[str, Any]]:
        return self._list("organization_scps", "Policies")

    def root_arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:root"


def _from_manifest(manifest: dict[str, Any], manifest_bytes: bytes, directory: str,
                   read: Callable[[str], bytes]) -> Evidence:
    collected = parse_time(manifest.get("collected_at")) or datetime(1970, 1, 1, tzinfo=UTC)
    return Evidence(
        account_id=str(manifest.get("account_id") or "unknown"),
        collected_at=collected,
        collected_at_source=str(manifest.get("collected_at_source") or "manifest"),
        manifest=manifest,
        digest=sha256_bytes(manifest_bytes),
        directory=directory,
        read=read,
    )


def load_directory(directory: Path) -> Evidence:
    manifest = read_manifest(directory)
    root = directory.resolve()

    def read(name: str) -> bytes:
        path = (root / name).resolve()
        if root not in path.parents:
            raise FileNotFoundError(name)
        return path.read_bytes()

    return _from_manifest(manifest, (directory / MANIFEST).read_bytes(), str(directory), read)


def from_import(imported: Any, label: str) -> Evidence:
    """Evidence straight from an in-memory import (assess on a loose folder)."""
    files: dict[str, bytes] = imported.files

    def read(name: str) -> bytes:
        if name not in files:
            raise FileNotFoundError(name)
        return files[name]

    evidence = _from_manifest(imported.manifest, imported.manifest_bytes, label, read)
    evidence.hashed.update(getattr(imported, "hashed", {}))
    parsed: dict[str, Any] = getattr(imported, "parsed", {})
    for entry in imported.manifest.get("artifacts", []):  # content decoded during recognition is not decoded again
        if entry.get("file") in parsed:
            kind = "report" if entry["artifact"] == "credential_report" else "json"
            evidence.cache[(kind, entry["artifact"], entry.get("key"))] = parsed[entry["file"]]
    return evidence


def find_evidence_dirs(path: Path) -> list[Path] | None:
    """An evidence directory, or a folder of them (one per account); None for loose exports."""
    if (path / MANIFEST).is_file():
        return [path]
    children = sorted(p for p in path.iterdir() if p.is_dir() and (p / MANIFEST).is_file()) if path.is_dir() else []
    return children or None


def load_evidence(path: Path, **import_options: Any) -> list[Evidence]:
    """Load every account under PATH; loose exports are imported in memory first."""
    if not path.exists():
        raise InputError("no such file or folder", file=str(path))
    if not path.is_dir():
        raise InputError("expected a folder (an evidence directory or a folder of AWS exports)", file=str(path))
    dirs = find_evidence_dirs(path)
    if dirs:
        return [load_directory(d) for d in dirs]
    from .importer import build_evidence

    with gc_paused():
        imported = build_evidence(path, **import_options)
    return [from_import(imported, str(path))]


__all__ = ["Evidence", "EvidenceUnavailable", "ArtifactState", "load_evidence", "load_directory", "as_list"]
