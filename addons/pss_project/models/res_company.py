from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    pss_project_template_id = fields.Many2one(
        "project.project",
        string="Project Template",
        domain="[('company_id', 'in', [id, False])]",
        help="Projects of won engagements in this entity are copies of this "
        "project (stages, tasks, settings). Empty: a new empty project.",
    )
