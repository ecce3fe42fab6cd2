"""milestone.reached: a milestone of an engagement was delivered."""

from pydantic import Field

from odoo.addons.pss_core.schemas.common import (
    Day,
    ExternalId,
    StrictModel,
    text_type,
)

__all__ = ["MilestoneReached"]


class MilestoneReached(StrictModel):
    engagement_external_id: ExternalId
    milestone_external_id: ExternalId
    reached_on: Day
    accepted_by: text_type(256) | None = Field(
        default=None, description="Who accepted it at the customer"
    )
