from odoo import fields, models


class AccountAnalyticLine(models.Model):
    _inherit = "account.analytic.line"

    pss_ic_line_ids = fields.One2many(
        "pss.ic.charge.line",
        "timesheet_id",
        string="Intercompany Charges",
        readonly=True,
        copy=False,
    )
