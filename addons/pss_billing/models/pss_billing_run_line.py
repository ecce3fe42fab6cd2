from odoo import fields, models

SKIP_REASONS = [
    ("unapproved_time", "Unapproved time only"),
    ("locked_period", "Locked period"),
    ("credit_hold", "Customer on credit hold"),
    ("missing_price", "Missing price"),
    ("error", "Error"),
]


class PssBillingRunLine(models.Model):
    """What a billing run did with one engagement."""

    _name = "pss.billing.run.line"
    _description = "Billing run: engagement"
    _order = "run_id desc, state, id"
    _check_company_auto = True

    run_id = fields.Many2one(
        "pss.billing.run", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="run_id.company_id", store=True, index=True, readonly=True
    )
    order_id = fields.Many2one(
        "sale.order", string="Engagement", readonly=True, check_company=True
    )
    engagement_ref = fields.Char(
        related="order_id.pss_external_id", string="Engagement ID"
    )
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    billing_model = fields.Selection(related="order_id.pss_billing_model")
    state = fields.Selection(
        [("invoiced", "Invoiced"), ("skipped", "Skipped"), ("failed", "Failed")],
        required=True,
        readonly=True,
    )
    reason = fields.Selection(SKIP_REASONS, readonly=True)
    note = fields.Text(readonly=True)
    invoice_id = fields.Many2one("account.move", readonly=True, check_company=True)
    invoice_state = fields.Selection(related="invoice_id.state", string="Status")
    amount_untaxed = fields.Monetary(related="invoice_id.amount_untaxed")
    currency_id = fields.Many2one(related="invoice_id.currency_id")
    unapproved_hours = fields.Float(readonly=True, digits=(16, 2))
