from odoo import api, fields, models

INVOICED_TIMESHEET = [
    ("all", "All recorded time"),
    ("approved", "Approved time only"),
]


class ResCompany(models.Model):
    _inherit = "res.company"

    pss_billing_serial = fields.Integer(
        readonly=True,
        copy=False,
        help="Counter written by every billing run of the entity: two runs "
        "that overlap in time cannot both invoice (see pss.billing.run).",
    )
    pss_allow_self_approval = fields.Boolean(
        string="Allow Self-approval With a Reason",
        help="Nobody approves their own time. A one-person entity may allow "
        "it: the approver then gives a reason, recorded on the time.",
    )
    pss_invoiced_timesheet = fields.Selection(
        INVOICED_TIMESHEET,
        string="Invoice",
        compute="_compute_pss_invoiced_timesheet",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        help="Time invoiced by this company's sale orders (delivered quantity "
        "of their lines, time linked to an invoice). Approved time only: "
        "time waits for its approval (from the PSA, or Approve time in "
        "Odoo). A pss entity (a company with an entity code) starts with "
        "approved time only; any other company invoices all recorded time, "
        "as Odoo does.",
    )

    @api.depends("pss_entity_code")
    def _compute_pss_invoiced_timesheet(self):
        # A default that follows the entity code; whoever sets the policy
        # in the same write (or later) keeps their choice.
        for company in self:
            company.pss_invoiced_timesheet = (
                "approved" if company.pss_entity_code else "all"
            )

    def _pss_approved_time_only(self):
        """Companies of ``self`` that invoice approved time only."""
        return self.filtered(lambda c: c.sudo().pss_invoiced_timesheet == "approved")
