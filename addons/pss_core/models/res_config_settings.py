from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    pss_group_currency_id = fields.Many2one(
        "res.currency",
        string="Group Reporting Currency",
        config_parameter="pss_core.group_currency_id",
        help="Cross-entity figures (dashboards, reports, WIP) are also shown "
        "in this currency, converted at the rate of the period end; the "
        "company currency amounts stay beside them. Empty: the currency of "
        "the group's main company.",
    )
