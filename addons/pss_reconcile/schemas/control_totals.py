"""control.totals (inbound): the sender's own totals for an entity (the
envelope's) and a period, per engagement and / or per resource."""

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import Field, model_validator

from odoo.addons.pss_core.schemas.common import (
    Amount,
    CurrencyCode,
    ExternalId,
    StrictModel,
)

__all__ = ["MAX_LINES", "ControlTotals", "ControlTotalsLine"]

MAX_LINES = 5000
Hours = Annotated[Decimal, Field(allow_inf_nan=False, max_digits=12, decimal_places=2)]


class ControlTotalsLine(StrictModel):
    """Totals of one engagement or of one resource (exactly one of them)."""

    engagement_external_id: ExternalId | None = None
    resource_external_id: ExternalId | None = None
    hours: Hours
    invoiced_amount: Amount | None = Field(
        default=None, json_schema_extra={"sensitive": True}
    )
    currency: CurrencyCode | None = None

    @model_validator(mode="after")
    def _one_key(self):
        if bool(self.engagement_external_id) == bool(self.resource_external_id):
            raise ValueError(
                "give exactly one of engagement_external_id and resource_external_id"
            )
        if self.invoiced_amount is not None:
            if not self.engagement_external_id:
                raise ValueError("invoiced_amount is given per engagement only")
            if not self.currency:
                raise ValueError("invoiced_amount needs its currency")
        return self

    @property
    def key(self):
        if self.engagement_external_id:
            return ("engagement", self.engagement_external_id)
        return ("resource", self.resource_external_id)


class ControlTotals(StrictModel):
    date_from: date
    date_to: date
    version: int = Field(ge=1, description="A newer version replaces the older one")
    lines: list[ControlTotalsLine] = Field(default_factory=list, max_length=MAX_LINES)

    @model_validator(mode="after")
    def _check(self):
        if self.date_to < self.date_from:
            raise ValueError("date_to is before date_from")
        seen = set()
        for line in self.lines:
            if line.key in seen:
                raise ValueError(f"{line.key[0]} {line.key[1]!r} is listed twice")
            seen.add(line.key)
        return self
