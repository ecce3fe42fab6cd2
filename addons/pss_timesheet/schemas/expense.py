"""expense.approved: one approved expense of a resource."""

from pydantic import Field

from odoo.addons.pss_core.schemas.common import (
    CurrencyCode,
    DateTime,
    Day,
    ExternalId,
    PositiveAmount,
    StrictModel,
    Text,
    text_type,
)

__all__ = ["ExpenseApproved"]


class ExpenseApproved(StrictModel):
    external_id: ExternalId
    resource_external_id: ExternalId
    engagement_external_id: ExternalId | None = None
    date: Day
    amount: PositiveAmount
    currency: CurrencyCode
    category: text_type(64, min_length=1) = Field(
        description="Expense category (value map kind expense_category)"
    )
    description: Text | None = None
    billable: bool = False
    approved_by: text_type(256) | None = None
    approved_at: DateTime | None = None
    # A link to the receipt may open a personal document to whoever holds it.
    receipt_url: Text | None = Field(
        default=None, json_schema_extra={"sensitive": True}
    )
