from odoo import _, fields, models
from odoo.exceptions import UserError


class PssTimesheetException(models.Model):
    """A change the sender asked for on time that is already invoiced: the
    timesheet stays as it is, finance decides (credit note, new line...)."""

    _name = "pss.timesheet.exception"
    _description = "Timesheet Change on Invoiced Time"
    _inherit = ["pss.mail.thread"]
    _order = "id desc"

    name = fields.Char(required=True, readonly=True)
    kind = fields.Selection(
        [("update", "Re-approved with changes"), ("void", "Voided")],
        required=True,
        readonly=True,
    )
    state = fields.Selection(
        [("open", "Open"), ("done", "Resolved")],
        default="open",
        required=True,
        tracking=True,
    )
    timesheet_id = fields.Many2one(
        "account.analytic.line", readonly=True, ondelete="set null"
    )
    invoice_id = fields.Many2one("account.move", readonly=True, ondelete="set null")
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    system_id = fields.Many2one("pss.system", readonly=True, ondelete="cascade")
    message_id = fields.Many2one(
        "pss.message", string="Sync Message", readonly=True, ondelete="set null"
    )
    external_id = fields.Char(string="External ID", readonly=True)
    version = fields.Integer(readonly=True)
    requested = fields.Json(string="Requested Change", readonly=True)
    reason = fields.Text(readonly=True)

    def action_resolve(self):
        if not self.env.user.has_group("pss_core.group_pss_finance"):
            raise UserError(_("Only PSS finance can resolve timesheet exceptions."))
        self.write({"state": "done"})
        return True
