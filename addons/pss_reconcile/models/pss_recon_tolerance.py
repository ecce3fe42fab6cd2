from odoo import api, fields, models

CHECKS = [
    ("hours_engagement", "Hours per engagement"),
    ("hours_resource", "Hours per resource"),
    ("unbilled", "Unbilled approved time"),
    ("invoice", "Invoiced amounts"),
    ("intercompany", "Intercompany balances"),
    ("health", "Integration health"),
]
COMPARED_CHECKS = ("hours_engagement", "hours_resource", "invoice")


class PssReconTolerance(models.Model):
    """How far Odoo's figure may differ from the sender's before a line is a
    variance: per entity and check, an absolute amount and / or a percentage
    of the sender's figure (the larger one applies)."""

    _name = "pss.recon.tolerance"
    _description = "Reconciliation Tolerance"
    _order = "company_id, check_type"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    check_type = fields.Selection(
        [c for c in CHECKS if c[0] in COMPARED_CHECKS], required=True
    )
    tolerance_abs = fields.Float(string="Absolute", digits=(16, 2))
    tolerance_pct = fields.Float(string="Percent", digits=(16, 2))

    _sql_constraints = [
        (
            "company_check_unique",
            "unique(company_id, check_type)",
            "One tolerance per entity and check.",
        ),
        (
            "positive",
            "CHECK(tolerance_abs >= 0 AND tolerance_pct >= 0)",
            "Tolerances are not negative.",
        ),
    ]

    @api.model
    def _for_company(self, company):
        """{check: (absolute, percent)} of ``company`` (one query)."""
        found = self.sudo().search([("company_id", "=", company.id)])
        return {t.check_type: (t.tolerance_abs, t.tolerance_pct) for t in found}
