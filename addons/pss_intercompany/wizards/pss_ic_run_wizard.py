from odoo import api, fields, models

from ..lib.pricing import previous_period


class PssIcRunWizard(models.TransientModel):
    """Run now: charge a period for one pair, one company or every pair."""

    _name = "pss.ic.run.wizard"
    _description = "Run Intercompany Charging"

    company_id = fields.Many2one("res.company")
    agreement_id = fields.Many2one("pss.ic.agreement")
    date_from = fields.Date(required=True)
    date_to = fields.Date(required=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        start, end = previous_period(fields.Date.context_today(self))
        values.setdefault("date_from", start)
        values.setdefault("date_to", end)
        return values

    def action_run(self):
        self.ensure_one()
        run = self.env["pss.ic.run"].create(
            {
                "company_id": self.company_id.id,
                "agreement_id": self.agreement_id.id,
                "date_from": self.date_from,
                "date_to": self.date_to,
            }
        )
        run.action_run()
        return {
            "type": "ir.actions.act_window",
            "res_model": "pss.ic.run",
            "res_id": run.id,
            "view_mode": "form",
        }
