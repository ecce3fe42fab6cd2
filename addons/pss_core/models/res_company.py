from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    pss_entity_code = fields.Char(
        string="Entity Code",
        index=True,
        copy=False,
        help="Canonical code of this legal entity in integration events "
        "(the envelope's 'entity'). Systems with other codes get a value map.",
    )
    pss_billing_frequency = fields.Selection(
        [("weekly", "Weekly"), ("monthly", "Monthly"), ("quarterly", "Quarterly")],
        string="Billing Frequency",
        default="monthly",
    )
    pss_approval_required = fields.Boolean(
        string="Invoices Need Approval",
        default=True,
        help="Draft invoices of billing runs wait for a finance approval "
        "before they are posted.",
    )
    pss_period_lock_behaviour = fields.Selection(
        [
            ("park", "Park for finance"),
            ("next_open_date", "Move to the first open date"),
            ("reject", "Reject back to the sender"),
        ],
        string="Locked Period Behaviour",
        default="park",
        help="What happens to an event dated in a locked accounting period.",
    )

    _sql_constraints = [
        (
            "pss_entity_code_unique",
            "unique(pss_entity_code)",
            "The entity code must be unique across companies.",
        )
    ]
