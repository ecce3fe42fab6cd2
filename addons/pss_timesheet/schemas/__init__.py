"""Canonical payloads of pss_timesheet (schema version 1)."""

from .expense import ExpenseApproved
from .resource import HourlyCost, ResourceUpserted
from .timesheet import (
    MAX_LINES,
    TimesheetApproved,
    TimesheetLine,
    TimesheetRejected,
    TimesheetVoided,
)

__all__ = [
    "MAX_LINES",
    "ExpenseApproved",
    "HourlyCost",
    "ResourceUpserted",
    "TimesheetApproved",
    "TimesheetLine",
    "TimesheetRejected",
    "TimesheetVoided",
]
