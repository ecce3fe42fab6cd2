from odoo import models

from ..schemas.invoice import InvoiceStatus


class PssHandlerInvoiceReversed(models.AbstractModel):
    """invoice.reversed (outbound): sent to the system of the engagement."""

    _name = "pss.handler.invoice.reversed"
    _inherit = "pss.handler"
    _description = "invoice.reversed (outbound)"
    _pss_event_type = "invoice.reversed"
    _pss_direction = "out"
    _pss_schema = InvoiceStatus
    _pss_description = "An invoice of the engagement was credited (credit note posted)"
