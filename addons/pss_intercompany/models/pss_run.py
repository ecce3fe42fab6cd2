from odoo import fields, models


class PssRun(models.Model):
    _inherit = "pss.run"

    kind = fields.Selection(
        selection_add=[("intercompany", "Intercompany charging")],
        ondelete={"intercompany": "cascade"},
    )
