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


# Personal and financial values: masked for everyone but pss Managers in the
# console, chatter, logs, error texts and the API's status answers.
SENSITIVE = {"sensitive": True}


class HourlyCost(StrictModel):
    amount: NonNegativeRate = Field(
        description="Cost of one hour", json_schema_extra=SENSITIVE
    )
    currency: CurrencyCode
    effective_from: Day = Field(description="First day this cost applies")


class ResourceUpserted(StrictModel):
    external_id: ExternalId
    name: Name
    work_email: Email | None = Field(default=None, json_schema_extra=SENSITIVE)
    kind: Literal["employee", "contractor"] = "employee"
    role: Short | None = Field(
        default=None, description="Role code of the rate cards (value map role_job)"
    )
    department: Short | None = None
    hourly_cost: HourlyCost | None = None
    active: bool = True
