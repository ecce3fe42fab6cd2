from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    pss_ic_charge_id = fields.Many2one(
        "pss.ic.charge",
        string="Intercompany Charge",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    pss_ic_counterpart_id = fields.Many2one(
        "account.move",
        string="Intercompany Counterpart",
        readonly=True,
        copy=False,
        help="The matching document in the other company (invoice ↔ bill, "
        "credit note ↔ refund), made by the same charge.",
    )
