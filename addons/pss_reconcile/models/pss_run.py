from odoo import fields, models


class PssRun(models.Model):
    _inherit = "pss.run"

    kind = fields.Selection(
        selection_add=[("reconcile", "Reconciliation run")],
        ondelete={"reconcile": "cascade"},
    )
