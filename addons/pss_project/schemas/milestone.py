"""milestone.reached: a milestone of an engagement was delivered."""

from datetime import date

from pydantic import Field

from odoo.addons.pss_core.schemas.common import ExternalId, StrictModel

__all__ = ["MilestoneReached"]


class MilestoneReached(StrictModel):
    engagement_external_id: ExternalId
    milestone_external_id: ExternalId
    reached_on: date
    accepted_by: str | None = Field(
        default=None, max_length=256, description="Who accepted it at the customer"
    )
