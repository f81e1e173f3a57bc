"""IAM policy evaluation: parse documents, combine a principal's policies, find risky grants.

Pure functions of the evidence: nothing here calls AWS. Typical use::

    doc = PolicyDocument.default_version_document(policy_entry, source=src)
    perms = PrincipalPermissions(identity=[doc, ...], boundary=None, account_id="123456789012")
    perms.allows("iam:PassRole", resource="*").allowed
    perms.full_admin()
    find_escalations(perms)

See ``evaluate`` for the evaluation semantics and ``escalation`` for the methods and probes.
"""

from __future__ import annotations

from compliance_kit.policy.actions import ActionCatalog, default_catalog, expand_action
from compliance_kit.policy.categories import (
    ADMIN_PATTERNS,
    DATA_EXFILTRATION_ACTIONS,
    SENSITIVE_SERVICES,
    Category,
    category_actions,
)
from compliance_kit.policy.document import Grant, PolicyDocument, PolicyParseError, PolicySource
from compliance_kit.policy.escalation import (
    ESCALATION_METHODS,
    Escalation,
    EscalationMethod,
    find_escalations,
)
from compliance_kit.policy.evaluate import Decision, PrincipalPermissions

__all__ = [
    "ADMIN_PATTERNS",
    "DATA_EXFILTRATION_ACTIONS",
    "ESCALATION_METHODS",
    "SENSITIVE_SERVICES",
    "ActionCatalog",
    "Category",
    "Decision",
    "Escalation",
    "EscalationMethod",
    "Grant",
    "PolicyDocument",
    "PolicyParseError",
    "PolicySource",
    "PrincipalPermissions",
    "category_actions",
    "default_catalog",
    "expand_action",
    "find_escalations",
]
