"""expense.approved: one approved expense of a resource."""

from datetime import date
from typing import Annotated

from pydantic import Field, StringConstraints

from odoo.addons.pss_core.schemas.common import (
    Amount,
    CurrencyCode,
    ExternalId,
    StrictModel,
    UtcDatetime,
)

__all__ = ["ExpenseApproved"]


class ExpenseApproved(StrictModel):
    external_id: ExternalId
    resource_external_id: ExternalId
    engagement_external_id: ExternalId | None = None
    date: date
    amount: Amount = Field(gt=0)
    currency: CurrencyCode
    category: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        description="Expense category (value map kind expense_category)"
    )
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    billable: bool = False
    approved_by: Annotated[str, StringConstraints(max_length=256)] | None = None
    approved_at: UtcDatetime | None = None
    # A link to the receipt may open a personal document to whoever holds it.
    receipt_url: Annotated[str, StringConstraints(max_length=2000)] | None = Field(
        default=None, json_schema_extra={"sensitive": True}
    )
