from odoo import models

from ..schemas.invoice import InvoiceStatus


class PssHandlerInvoicePaid(models.AbstractModel):
    """invoice.paid (outbound): sent to the system of the engagement."""

    _name = "pss.handler.invoice.paid"
    _inherit = "pss.handler"
    _description = "invoice.paid (outbound)"
    _pss_event_type = "invoice.paid"
    _pss_direction = "out"
    _pss_schema = InvoiceStatus
    _pss_description = "An invoice of the engagement was paid or is in payment"
