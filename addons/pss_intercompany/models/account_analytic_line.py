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

    def _pss_charged_between_entities(self):
        """Lines with a charge line (first charge or adjustment) of any run."""
        charged = super()._pss_charged_between_entities()
        if not self:
            return charged
        self.env["pss.ic.charge.line"].flush_model(["timesheet_ref"])
        self.env.cr.execute(
            "SELECT DISTINCT timesheet_ref FROM pss_ic_charge_line "
            "WHERE timesheet_ref = ANY(%s)",
            [self.ids],
        )
        return charged | self.browse([row[0] for row in self.env.cr.fetchall()])
