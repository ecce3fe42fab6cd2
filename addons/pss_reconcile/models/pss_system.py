from odoo import fields, models


class PssSystem(models.Model):
    _inherit = "pss.system"

    pss_recon_delay_hours = fields.Integer(
        string="Agreed Delay (h)",
        default=24,
        help="Reconciliation: dead, parked and retrying messages of this "
        "system older than this are reported as integration exceptions.",
    )
