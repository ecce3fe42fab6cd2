from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    pss_billing_serial = fields.Integer(
        readonly=True,
        copy=False,
        help="Counter written by every billing run of the entity: two runs "
        "that overlap in time cannot both invoice (see pss.billing.run).",
    )
