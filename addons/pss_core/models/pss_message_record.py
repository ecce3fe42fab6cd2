from odoo import _, api, fields, models

from ..record_names import display_names, form_action


class PssMessageRecord(models.Model):
    """A record a message created, updated or removed: the console's links."""

    _name = "pss.message.record"
    _description = "Record Touched by a Sync Message"
    _order = "id"

    message_id = fields.Many2one(
        "pss.message", required=True, ondelete="cascade", index=True
    )
    # Copied from the message when written (not a related field: thousands
    # of these are created per batch and a related recompute costs more).
    company_id = fields.Many2one("res.company", index=True, readonly=True)
    res_model = fields.Char(string="Model", required=True, index=True)
    res_id = fields.Many2oneReference(
        string="Record ID", model_field="res_model", required=True
    )
    operation = fields.Selection(
        [
            ("created", "Created"),
            ("updated", "Updated"),
            ("removed", "Removed"),
            ("unchanged", "Unchanged"),
        ],
        required=True,
        default="created",
    )
    external_id = fields.Char(help="The sender's id of this record, if any.")
    record_name = fields.Char(compute="_compute_record_name")

    def init(self):
        # "Which messages touched this record" (smart buttons on business
        # records) filters on both columns.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS pss_message_record_res_idx
                ON pss_message_record (res_model, res_id)
            """
        )

    @api.depends("res_model", "res_id")
    def _compute_record_name(self):
        names = display_names(self.env, [(r.res_model, r.res_id) for r in self])
        for line in self:
            name = names.get((line.res_model, line.res_id))
            if not name and line.res_model and line.res_id:
                name = _("%(model)s #%(id)s (deleted)") % {
                    "model": line.res_model,
                    "id": line.res_id,
                }
            line.record_name = name or False

    def action_open(self):
        self.ensure_one()
        return form_action(self.env, self.res_model, self.res_id, self.record_name)
