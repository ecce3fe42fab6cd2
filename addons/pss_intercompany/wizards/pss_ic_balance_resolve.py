from odoo import fields, models


class PssIcBalanceResolve(models.TransientModel):
    """Resolve intercompany balance mismatches with a reason (kept on each
    check with who and when)."""

    _name = "pss.ic.balance.resolve"
    _description = "Resolve intercompany balance mismatches"
    _inherit = ["pss.storable.text"]

    balance_ids = fields.Many2many(
        "pss.ic.balance",
        string="Balance Checks",
        default=lambda self: self._default_balances(),
    )
    reason = fields.Text(required=True)

    def _default_balances(self):
        if self.env.context.get("active_model") != "pss.ic.balance":
            return self.env["pss.ic.balance"]
        return self.env["pss.ic.balance"].browse(
            self.env.context.get("active_ids") or []
        )

    def action_confirm(self):
        self.ensure_one()
        self.balance_ids.action_resolve(self.reason)
        return {"type": "ir.actions.act_window_close"}
