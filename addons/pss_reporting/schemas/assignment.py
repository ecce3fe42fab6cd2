"""assignment.updated (inbound): a staffing plan from the PSA.

The whole plan of one assignment (resource on engagement): each version
replaces the weeks of the previous one; a week left out is no longer planned.
"""

from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from odoo.addons.pss_core.schemas.common import ExternalId, StrictModel

from ..lib.weeks import parse_iso_week

__all__ = ["AssignmentUpdated", "AssignmentWeek"]

MAX_WEEKS = 260
WeekHours = Annotated[
    Decimal, Field(allow_inf_nan=False, ge=0, le=168, max_digits=6, decimal_places=2)
]
IsoWeek = Annotated[
    str, StringConstraints(pattern=r"^\d{4}-W\d{2}$", strip_whitespace=True)
]


class AssignmentWeek(StrictModel):
    week: IsoWeek = Field(description="ISO week, e.g. 2026-W15")
    hours: WeekHours

    @model_validator(mode="after")
    def _valid_week(self):
        parse_iso_week(self.week)
        return self


class AssignmentUpdated(StrictModel):
    external_id: ExternalId
    version: int = Field(default=1, ge=1)
    resource_external_id: ExternalId
    engagement_external_id: ExternalId
    role: Annotated[str, StringConstraints(max_length=128)] | None = None
    weeks: list[AssignmentWeek] = Field(default_factory=list, max_length=MAX_WEEKS)

    @model_validator(mode="after")
    def _unique_weeks(self):
        seen = set()
        for week in self.weeks:
            if week.week in seen:
                raise ValueError(f"week {week.week!r} is listed twice")
            seen.add(week.week)
        return self
