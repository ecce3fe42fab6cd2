from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    pss_recon_unbilled_days = fields.Integer(
        string="Unbilled Time Policy (days)",
        default=30,
        help="Approved time not invoiced after this many days is an exception.",
    )
    pss_recon_max_messages = fields.Integer(
        string="Failed Messages Threshold",
        default=0,
        help="Dead, parked and stuck messages above this number schedule an "
        "activity for finance.",
    )
    pss_recon_max_variances = fields.Integer(
        string="Open Variances Threshold",
        default=0,
        help="Open variances and exceptions above this number schedule an "
        "activity for finance.",
    )
    pss_recon_user_id = fields.Many2one(
        "res.users",
        string="Reconciliation Responsible",
        help="Gets the activities of crossed thresholds; empty: every pss "
        "Finance user of the entity.",
    )
