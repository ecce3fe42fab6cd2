from odoo import fields, models


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
