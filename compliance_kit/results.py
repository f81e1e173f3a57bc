"""results.json: the Assessment as deterministic JSON (schema: controls/schema/results.schema.json)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Any

from .assess import Assessment
from .evidence.gcpause import gc_paused
from .evidence.manifest import dumps
from .model import Severity, Status

SCHEMA_ID = "compliance-kit/results/1"
_RESOURCE_ORDER = attrgetter("account_id", "resource_type", "resource_id")
_STATUS_TEXT = {status: status.value for status in Status}  # a look-up, not an enum property per resource


def evidence_digest(assessment: Assessment) -> str:
    """One digest for the whole package: SHA-256 over the accounts' manifest digests, in account order."""
    if len(assessment.accounts) == 1:
        return assessment.accounts[0].evidence_digest
    joined = "\n".join(f"{a.account_id} {a.evidence_digest}" for a in assessment.accounts)
    return hashlib.sha256(joined.encode()).hexdigest()


def to_dict(assessment: Assessment) -> dict[str, Any]:
    checks = []
    for result in assessment.checks:
        meta = assessment.check_meta.get(result.check_id)
        checks.append({
            "id": result.check_id,
            "title": meta.title if meta else result.check_id,
            "severity": meta.severity if meta else Severity.MEDIUM.value,
            "category": meta.category if meta else None,
            "status": result.status.value,
            "counts": {s.value: result.count(s) for s in Status},
            "resources": [
                {
                    "account_id": r.account_id,
                    "type": r.resource_type,
                    "id": r.resource_id,
                    "status": _STATUS_TEXT[r.status],
                    "reason": r.reason,
                    "evidence": r.evidence.as_dict() if r.evidence else None,
                    **({"exception": {"id": r.exception_id, "expires": r.exception_expires}} if r.exception_id else {}),
                }
                for r in sorted(result.resources, key=_RESOURCE_ORDER)
            ],
        })
    frameworks = []
    for framework in assessment.frameworks:
        catalog = assessment.catalogs[framework.framework_id]
        frameworks.append({
            "id": framework.framework_id,
            "name": framework.name,
            "version": framework.version,
            "counts": framework.counts(),
            "coverage": catalog.coverage(),
            "controls": [
                {
                    "id": c.control_id,
                    "title": c.title,
                    "group": c.group,
                    "status": c.status.value,
                    "checks": list(c.checks),
                    "reason": c.reason,
                    **({"attestation": c.attestation} if c.attestation else {}),
                }
                for c in framework.controls
            ],
        })
    return {
        "schema": SCHEMA_ID,
        "tool_version": assessment.tool_version,
        "generated_at": assessment.generated_at,
        "account_id": assessment.accounts[0].account_id if len(assessment.accounts) == 1 else None,
        "evidence_digest": evidence_digest(assessment),
        "accounts": [
            {
                "account_id": a.account_id,
                "collected_at": a.collected_at,
                "collected_at_source": a.collected_at_source,
                "evidence_digest": a.evidence_digest,
                "artifacts": list(a.artifacts),
            }
            for a in assessment.accounts
        ],
        "thresholds": dict(sorted(assessment.thresholds.items())),
        "notes": list(assessment.notes),
        "checks": checks,
        "frameworks": frameworks,
        "exceptions": [e.as_dict() for e in assessment.exceptions],
    }


@dataclass(frozen=True)
class Results:
    """results.json as data and as its canonical bytes, built once and shared by every writer."""

    data: dict[str, Any]
    encoded: bytes

    @classmethod
    def of(cls, assessment: Assessment) -> Results:
        with gc_paused():  # hundreds of thousands of fresh dicts, no cycles: see evidence/gcpause.py
            data = to_dict(assessment)
            return cls(data, dumps(data))


def write_results(assessment: Assessment, path: Path, results: Results | None = None) -> None:
    data = (results or Results.of(assessment)).encoded
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
