from odoo import api, fields, models
from odoo.osv import expression

APPROVED = [("pss_approved", "=", True)]


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    pss_overage_of_id = fields.Many2one(
        "sale.order.line",
        string="Hours Above Cap Of",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Retainer period whose hours above the cap this line invoices.",
    )

    @api.depends("timesheet_ids.pss_approved")
    def _compute_qty_delivered(self):
        return super()._compute_qty_delivered()

    def _timesheet_compute_delivered_quantity_domain(self):
        # Only approved time is delivered (and so invoiceable).
        return expression.AND(
            [super()._timesheet_compute_delivered_quantity_domain(), APPROVED]
        )

    def _prepare_invoice_line(self, **optional_values):
        vals = super()._prepare_invoice_line(**optional_values)
        factors = self.env.context.get("pss_prorate") or {}
        if self.id in factors:
            # A retainer period cut by the engagement's start or end: the
            # amount is prorated by days, the quantity stays one period.
            vals["price_unit"] = self.currency_id.round(
                self.price_unit * factors[self.id]
            )
        return vals
