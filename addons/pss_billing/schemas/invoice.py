"""invoice.posted / invoice.paid / invoice.reversed (outbound)."""

from datetime import date
from typing import Literal

from pydantic import Field

from odoo.addons.pss_core.schemas.common import (
    Amount,
    CurrencyCode,
    ExternalId,
    StrictModel,
)

__all__ = ["InvoiceStatus"]

SENSITIVE = {"sensitive": True}

PaymentState = Literal[
    "not_paid", "in_payment", "paid", "partial", "reversed", "invoicing_legacy"
]


class InvoiceStatus(StrictModel):
    """What happened to an invoice of the sender's engagement(s)."""

    invoice_id: int
    invoice_number: str
    invoice_date: date
    due_date: date | None = None
    move_type: Literal["out_invoice", "out_refund"]
    reversed_invoice_number: str | None = Field(
        default=None, description="invoice.reversed: the invoice credited"
    )
    customer_external_id: ExternalId | None = None
    engagement_external_ids: list[ExternalId]
    # Invoiced amounts are encrypted at rest in the queue (pss_core
    # lib/crypto.py) and masked for all but pss Managers.
    amount_untaxed: Amount = Field(json_schema_extra=SENSITIVE)
    amount_tax: Amount = Field(json_schema_extra=SENSITIVE)
    amount_total: Amount = Field(json_schema_extra=SENSITIVE)
    amount_residual: Amount = Field(json_schema_extra=SENSITIVE)
    currency: CurrencyCode
    payment_state: PaymentState
    timesheet_external_ids: list[ExternalId] = Field(
        default_factory=list, description="Time lines this invoice billed"
    )
