from odoo import fields, models


class PssIcAgreementRate(models.Model):
    _name = "pss.ic.agreement.rate"
    _description = "Intercompany Transfer Rate per Role"
    _order = "agreement_id, job_id"

    agreement_id = fields.Many2one(
        "pss.ic.agreement", required=True, ondelete="cascade", index=True
    )
    job_id = fields.Many2one(
        "hr.job",
        string="Role",
        required=True,
        help="The job position of the provider's employee.",
    )
    rate = fields.Float(
        string="Hourly Rate",
        digits=(16, 4),
        required=True,
        help="In the agreement's currency.",
    )
    currency_id = fields.Many2one(related="agreement_id.currency_id")

    _sql_constraints = [
        ("job_unique", "unique(agreement_id, job_id)", "One rate per role."),
    ]
