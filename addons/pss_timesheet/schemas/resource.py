"""resource.upserted: a person of an entity (employee or contractor)."""

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from odoo.addons.pss_core.schemas.common import (
    CurrencyCode,
    ExternalId,
    Rate,
    StrictModel,
)

__all__ = ["HourlyCost", "ResourceUpserted"]

Email = Annotated[
    str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)
]
Short = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class HourlyCost(StrictModel):
    amount: Rate = Field(ge=0, description="Cost of one hour")
    currency: CurrencyCode
    effective_from: date = Field(description="First day this cost applies")


class ResourceUpserted(StrictModel):
    external_id: ExternalId
    name: str = Field(min_length=1, max_length=256)
    work_email: Email | None = None
    kind: Literal["employee", "contractor"] = "employee"
    role: Short | None = Field(
        default=None, description="Role code of the rate cards (value map role_job)"
    )
    department: Short | None = None
    hourly_cost: HourlyCost | None = None
    active: bool = True
