from odoo import models

from ..schemas.invoice import InvoiceStatus


class PssHandlerInvoicePosted(models.AbstractModel):
    """invoice.posted (outbound): sent to the system of the engagement."""

    _name = "pss.handler.invoice.posted"
    _inherit = "pss.handler"
    _description = "invoice.posted (outbound)"
    _pss_event_type = "invoice.posted"
    _pss_direction = "out"
    _pss_schema = InvoiceStatus
    _pss_description = "An invoice of the engagement was posted"
