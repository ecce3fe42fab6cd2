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


# Personal and financial values: masked for everyone but pss Managers in the
# console, chatter, logs, error texts and the API's status answers.
SENSITIVE = {"sensitive": True}


class HourlyCost(StrictModel):
    amount: Rate = Field(
        ge=0, description="Cost of one hour", json_schema_extra=SENSITIVE
    )
    currency: CurrencyCode
    effective_from: date = Field(description="First day this cost applies")


class ResourceUpserted(StrictModel):
    external_id: ExternalId
    name: str = Field(min_length=1, max_length=256)
    work_email: Email | None = Field(default=None, json_schema_extra=SENSITIVE)
    kind: Literal["employee", "contractor"] = "employee"
    role: Short | None = Field(
        default=None, description="Role code of the rate cards (value map role_job)"
    )
    department: Short | None = None
    hourly_cost: HourlyCost | None = None
    active: bool = True
