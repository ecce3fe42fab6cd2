"""timesheet.approved / timesheet.voided (inbound), timesheet.rejected (out).

Business checks that concern one line (hours range, dates of the engagement,
unknown engagement) are deliberately *not* schema errors: a schema error
refuses the whole event, whereas a bad line must not hold the others
hostage. They are reported per line in ``timesheet.rejected``.
"""

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from odoo.addons.pss_core.schemas.common import ExternalId, StrictModel, UtcDatetime

__all__ = [
    "MAX_LINES",
    "RejectedLine",
    "TimesheetApproved",
    "TimesheetLine",
    "TimesheetRejected",
    "TimesheetVoided",
]

MAX_LINES = 1000
Hours = Annotated[Decimal, Field(allow_inf_nan=False, max_digits=8, decimal_places=2)]


class TimesheetLine(StrictModel):
    external_id: ExternalId
    version: int = Field(default=1, ge=1)
    resource_external_id: ExternalId
    engagement_external_id: ExternalId
    task: Annotated[str, StringConstraints(max_length=256)] | None = Field(
        default=None, description="Task name or external id (optional)"
    )
    date: date
    hours: Hours
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    billable: bool = True
    approved_by: Annotated[str, StringConstraints(max_length=256)] | None = None
    approved_at: UtcDatetime | None = None


class TimesheetApproved(StrictModel):
    lines: list[TimesheetLine] = Field(min_length=1, max_length=MAX_LINES)

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
    reason: Annotated[str, StringConstraints(max_length=2000)] | None = None


class RejectedLine(StrictModel):
    external_id: ExternalId
    reason: str


class TimesheetRejected(StrictModel):
    """Sent back to the system of a timesheet.approved: the lines not applied."""

    event_id: str | None = Field(
        default=None, description="Id of the timesheet.approved event"
    )
    lines: list[RejectedLine] = Field(min_length=1)
