"""resource.upserted: a person of an entity (employee or contractor)."""

from typing import Literal

from pydantic import Field

from odoo.addons.pss_core.schemas.common import (
    CurrencyCode,
    Day,
    Email,
    ExternalId,
    Name,
    NonNegativeRate,
    StrictModel,
    text_type,
)

__all__ = ["HourlyCost", "ResourceUpserted"]

Short = text_type(128, min_length=1)


class HourlyCost(StrictModel):
    amount: NonNegativeRate = Field(description="Cost of one hour")
    currency: CurrencyCode
    effective_from: Day = Field(description="First day this cost applies")


class ResourceUpserted(StrictModel):
    external_id: ExternalId
    name: Name
    work_email: Email | None = None
    kind: Literal["employee", "contractor"] = "employee"
    role: Short | None = Field(
        default=None, description="Role code of the rate cards (value map role_job)"
    )
    department: Short | None = None
    hourly_cost: HourlyCost | None = None
    active: bool = True
