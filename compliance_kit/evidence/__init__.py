"""Evidence: the directory contract, importing loose exports, and the typed Evidence view."""

from __future__ import annotations

from .loader import Evidence, EvidenceUnavailable, load_directory, load_evidence
from .manifest import Outcome

__all__ = ["Evidence", "EvidenceUnavailable", "Outcome", "load_directory", "load_evidence"]
