from odoo import api, models
from odoo.osv import expression

from .sale_order_line import approved_time_domain


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    @api.model
    def _timesheet_domain_get_invoiced_lines(self, sale_line_delivery):
        # Companies invoicing approved time only: unapproved time is never
        # linked to an invoice. Others: Odoo's rule, unchanged.
        domain = super()._timesheet_domain_get_invoiced_lines(sale_line_delivery)
        gate = approved_time_domain(sale_line_delivery)
        return expression.AND([domain, gate]) if gate else domain
