"""Canonical payloads of pss_reporting (schema version 1)."""

from .assignment import AssignmentUpdated, AssignmentWeek

__all__ = ["AssignmentUpdated", "AssignmentWeek"]
