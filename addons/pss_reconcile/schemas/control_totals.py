"""control.totals (inbound): the sender's own totals for an entity (the
envelope's) and a period, per engagement and / or per resource."""

from pydantic import Field, model_validator

from odoo.addons.pss_core.schemas.common import (
    Amount,
    CurrencyCode,
    Day,
    ExternalId,
    StrictModel,
    Version,
    decimal_type,
)

__all__ = ["MAX_LINES", "ControlTotals", "ControlTotalsLine"]

MAX_LINES = 5000
Hours = decimal_type(2, max_digits=12)


class ControlTotalsLine(StrictModel):
    """Totals of one engagement or of one resource (exactly one of them)."""

    engagement_external_id: ExternalId | None = Field(
        default=None,
        description="Exactly one of engagement_external_id and "
        "resource_external_id per line",
    )
    resource_external_id: ExternalId | None = Field(
        default=None,
        description="Exactly one of engagement_external_id and "
        "resource_external_id per line",
    )
    hours: Hours
    invoiced_amount: Amount | None = Field(
        default=None,
        description="Per engagement only, with its currency",
        json_schema_extra={"sensitive": True},
    )
    currency: CurrencyCode | None = Field(
        default=None, description="Required with invoiced_amount"
    )

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
    date_from: Day
    date_to: Day = Field(description="Not before date_from")
    version: Version = Field(description="A newer version replaces the older one")
    lines: list[ControlTotalsLine] = Field(
        default_factory=list,
        max_length=MAX_LINES,
        description="Each engagement and each resource at most once",
    )

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
