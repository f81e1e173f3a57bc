"""Live collection from AWS: one account or a whole organization, into evidence directories.

`collect` writes the same files `evidence import` writes (the AWS CLI's JSON output, the decoded credential
report) and the same manifest.json schema, so every package is assessed by the same code path.
boto3 is imported only by the modules that talk to AWS (session, run, org), never by this package's import.
"""

from __future__ import annotations

from .plan import ACCOUNT_STEPS, ORGANIZATION_STEPS, Step, policy_document, required_actions

__all__ = ["ACCOUNT_STEPS", "ORGANIZATION_STEPS", "Step", "policy_document", "required_actions"]
