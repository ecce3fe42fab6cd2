from odoo import fields, models


class PssTimeApproveWizard(models.TransientModel):
    """Approve time that includes the approver's own: allowed only where the
    entity allows self-approval, with a reason kept on each own line."""

    _name = "pss.time.approve.wizard"
    _description = "Approve time with a self-approval reason"
    _inherit = ["pss.storable.text"]

    line_ids = fields.Many2many("account.analytic.line", string="Time", readonly=True)
    # Required in the dialog; the approval itself refuses an empty reason
    # (the record is made with its lines before the reason is typed).
    reason = fields.Char(
        help="Why you approve your own time (e.g. one-person entity, no other "
        "approver); kept on your lines.",
    )

    def action_approve(self):
        self.ensure_one()
        # The approve action checks rights, entity settings and the reason.
        self.line_ids.action_pss_approve(reason=self.reason)
        return {"type": "ir.actions.act_window_close"}
