from odoo import fields, models


class ProjectMilestone(models.Model):
    _inherit = "project.milestone"

    pss_external_id = fields.Char(
        string="External ID", readonly=True, copy=False, index="btree_not_null"
    )
    pss_accepted_by = fields.Char(
        string="Accepted By", readonly=True, copy=False, help="As sent by the PSA."
    )
