from odoo import fields, models


class HrExpense(models.Model):
    _inherit = "hr.expense"

    pss_system_id = fields.Many2one(
        "pss.system", string="Source System", readonly=True, copy=False
    )
    pss_external_id = fields.Char(
        string="External ID", readonly=True, copy=False, index="btree_not_null"
    )
    pss_approved_by = fields.Char(
        string="Approved By (Source)", readonly=True, copy=False
    )
    pss_receipt_url = fields.Char(string="Receipt", readonly=True, copy=False)
