"""timesheet.approved / timesheet.voided (inbound), timesheet.rejected (out).

Business checks that concern one line (hours range, dates of the engagement,
unknown engagement) are deliberately *not* schema errors: a schema error
refuses the whole event, whereas a bad line must not hold the others
hostage. They are reported per line in ``timesheet.rejected``.
"""

from pydantic import Field, model_validator

from odoo.addons.pss_core.schemas.common import (
    DateTime,
    Day,
    ExternalId,
    StrictModel,
    Text,
    Version,
    decimal_type,
    text_type,
)

__all__ = [
    "MAX_LINES",
    "RejectedLine",
    "TimesheetApproved",
    "TimesheetLine",
    "TimesheetRejected",
    "TimesheetVoided",
]

MAX_LINES = 1000
Hours = decimal_type(2, max_digits=8)


class TimesheetLine(StrictModel):
    external_id: ExternalId
    version: Version = 1
    resource_external_id: ExternalId
    engagement_external_id: ExternalId
    task: text_type(256) | None = Field(
        default=None, description="Task name or external id (optional)"
    )
    date: Day
    hours: Hours
    description: Text | None = None
    billable: bool = True
    approved_by: text_type(256) | None = None
    approved_at: DateTime | None = None


class TimesheetApproved(StrictModel):
    lines: list[TimesheetLine] = Field(
        min_length=1,
        max_length=MAX_LINES,
        description="External ids of the lines are unique within the event",
    )

    @model_validator(mode="after")
    def _unique_lines(self):
        seen = set()
        for line in self.lines:
            if line.external_id in seen:
                raise ValueError(f"line {line.external_id!r} is listed twice")
            seen.add(line.external_id)
        return self


class TimesheetVoided(StrictModel):
    lines: list[ExternalId] = Field(min_length=1, max_length=MAX_LINES)
    reason: Text | None = None


class RejectedLine(StrictModel):
    external_id: ExternalId
    reason: Text


class TimesheetRejected(StrictModel):
    """Sent back to the system of a timesheet.approved: the lines not applied."""

    event_id: ExternalId | None = Field(
        default=None, description="Id of the timesheet.approved event"
    )
    lines: list[RejectedLine] = Field(min_length=1)
