from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    pss_credit_hold = fields.Boolean(
        string="Credit Hold",
        help="Billing runs skip this customer's engagements (reason: credit "
        "hold) until the hold is lifted.",
    )
    pss_consolidate_invoices = fields.Boolean(
        string="One Invoice For All Engagements",
        help="Billing runs make one invoice per period for all this "
        "customer's engagements (in one currency) instead of one per "
        "engagement.",
    )
