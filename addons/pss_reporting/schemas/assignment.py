"""assignment.updated (inbound): a staffing plan from the PSA.

The whole plan of one assignment (resource on engagement): each version
replaces the weeks of the previous one; a week left out is no longer planned.
"""

from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from odoo.addons.pss_core.schemas.common import (
    ExternalId,
    StrictModel,
    Version,
    decimal_type,
    text_type,
)

from ..lib.weeks import parse_iso_week

__all__ = ["AssignmentUpdated", "AssignmentWeek"]

MAX_WEEKS = 260
# Planned hours of one week (a plan may book more than a person's week:
# utilization then shows above 100 %).
WeekHours = decimal_type(2, max_digits=5, ge=0)
# ASCII digits only (\d would take other scripts' digits); week 53 exists
# only in years with 53 ISO weeks (the description says so, the server
# checks it).
IsoWeek = Annotated[
    str,
    StringConstraints(
        pattern=r"^[1-9][0-9]{3}-W(0[1-9]|[1-4][0-9]|5[0-3])$",
        strip_whitespace=True,
    ),
]


class AssignmentWeek(StrictModel):
    week: IsoWeek = Field(
        description="ISO week, e.g. 2026-W15; W53 only in years that have "
        "53 ISO weeks; each week at most once per assignment"
    )
    hours: WeekHours

    @model_validator(mode="after")
    def _valid_week(self):
        parse_iso_week(self.week)
        return self


class AssignmentUpdated(StrictModel):
    external_id: ExternalId
    version: Version = 1
    resource_external_id: ExternalId
    engagement_external_id: ExternalId
    role: text_type(128) | None = None
    weeks: list[AssignmentWeek] = Field(default_factory=list, max_length=MAX_WEEKS)

    @model_validator(mode="after")
    def _unique_weeks(self):
        seen = set()
        for week in self.weeks:
            if week.week in seen:
                raise ValueError(f"week {week.week!r} is listed twice")
            seen.add(week.week)
        return self
