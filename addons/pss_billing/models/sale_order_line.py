from odoo import api, fields, models
from odoo.osv import expression


def approved_time_domain(sale_lines):
    """Domain on timesheets adding the approval gate for ``sale_lines`` of
    companies invoicing approved time only (pss entities by default) and
    nothing for the others (Odoo's rule). ``[]``: nothing to add.

    Without sale lines (time not yet on a sale line), the timesheet's own
    company decides."""
    if not sale_lines:
        gated = (
            sale_lines.env["res.company"]
            .sudo()
            .with_context(active_test=False)
            .search([("pss_invoiced_timesheet", "=", "approved")])
        )
        field = "company_id"
    else:
        gated = sale_lines.company_id._pss_approved_time_only()
        field = "so_line.company_id"
    if not gated:
        return []
    if sale_lines and gated == sale_lines.company_id:
        return [("pss_approved", "=", True)]
    return ["|", ("pss_approved", "=", True), (field, "not in", gated.ids)]


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

    @api.depends("timesheet_ids.pss_approved", "company_id.pss_invoiced_timesheet")
    def _compute_qty_delivered(self):
        return super()._compute_qty_delivered()

    def _timesheet_compute_delivered_quantity_domain(self):
        # Companies invoicing approved time only: only approved time is
        # delivered (and so invoiceable). Others: Odoo's rule, unchanged.
        domain = super()._timesheet_compute_delivered_quantity_domain()
        gate = approved_time_domain(self)
        return expression.AND([domain, gate]) if gate else domain

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
