from odoo import fields, models


class PssTimesheetCorrection(models.Model):
    """One correction of an integration-owned field of approved time, made
    by finance with the *Correct integration fields* action: who, when, the
    field, its old and new value and the reason. Written only by that action
    (as superuser, after its checks); read by pss Finance; never changed.
    """

    _name = "pss.timesheet.correction"
    _description = "Correction of approved time"
    _order = "id desc"

    line_id = fields.Many2one(
        "account.analytic.line",
        string="Timesheet",
        readonly=True,
        ondelete="set null",
        index="btree_not_null",
    )
    line_ref = fields.Integer(
        string="Timesheet ID",
        readonly=True,
        help="Id of the corrected timesheet, kept if it is deleted later.",
    )
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    user_id = fields.Many2one("res.users", string="Corrected By", readonly=True)
    corrected_at = fields.Datetime(readonly=True)
    field_name = fields.Char(string="Field", readonly=True)
    field_label = fields.Char(string="What", readonly=True)
    old_value = fields.Char(readonly=True)
    new_value = fields.Char(readonly=True)
    reason = fields.Text(readonly=True)
    system_id = fields.Many2one(
        "pss.system",
        string="Source System",
        readonly=True,
        help="The system the timesheet came from (it may resend it).",
    )
