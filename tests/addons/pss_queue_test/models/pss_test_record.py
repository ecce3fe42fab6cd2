from odoo import fields, models


class PssTestRecord(models.Model):
    _name = "pss.test.record"
    _description = "PSS Test Record"

    name = fields.Char(required=True)
    external_id = fields.Char(index=True)
    version = fields.Integer()
    amount = fields.Monetary(currency_field="currency_id")
    currency_id = fields.Many2one(related="company_id.currency_id")
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    parent_id = fields.Many2one("pss.test.record")
    applied_count = fields.Integer(
        help="How many times a message applied to this record (must stay 1 "
        "per version: the exactly-once tests read it)."
    )
