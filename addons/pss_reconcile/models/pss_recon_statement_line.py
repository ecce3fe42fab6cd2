from odoo import fields, models


class PssReconStatementLine(models.Model):
    _name = "pss.recon.statement.line"
    _description = "Control Total"
    _order = "statement_id, kind, external_id"

    statement_id = fields.Many2one(
        "pss.recon.statement", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="statement_id.company_id", store=True, index=True
    )
    kind = fields.Selection(
        [("engagement", "Engagement"), ("resource", "Resource")], required=True
    )
    external_id = fields.Char(string="External ID", required=True)
    hours = fields.Float(digits=(16, 2))
    invoiced_amount = fields.Float(digits=(16, 2))
    has_invoiced = fields.Boolean(string="Invoiced Amount Sent")
    currency_id = fields.Many2one("res.currency")
