from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

# What an approval freezes: the time, its date, who and what it is for.
PROTECTED_FIELDS = frozenset(
    {"unit_amount", "date", "employee_id", "project_id", "task_id", "so_line"}
)


class AccountAnalyticLine(models.Model):
    _inherit = "account.analytic.line"

    pss_approved = fields.Boolean(
        string="Approved",
        readonly=True,
        copy=False,
        index=True,
        help="Only approved time is invoiced (delivered quantity of the sale "
        "line, timesheets linked to an invoice). Time from a PSA arrives "
        "approved; time typed in Odoo is approved by a project manager or "
        "finance.",
    )
    pss_approved_user_id = fields.Many2one(
        "res.users",
        string="Approved In Odoo By",
        readonly=True,
        copy=False,
    )

    @api.model_create_multi
    def create(self, vals_list):
        systems = (
            self.env["pss.system"]
            .sudo()
            .browse(
                {
                    vals["pss_system_id"]
                    for vals in vals_list
                    if vals.get("pss_system_id")
                }
            )
        )
        senders = {system.id for system in systems if system.user_id == self.env.user}
        for vals in vals_list:
            # timesheet.approved: what a PSA sends is approved there.
            if vals.get("pss_system_id") and (
                self.env.su or vals["pss_system_id"] in senders
            ):
                vals.setdefault("pss_approved", True)
            elif not self.env.su or not vals.get("pss_approved"):
                vals.pop("pss_approved", None)
                vals.pop("pss_approved_user_id", None)
        return super().create(vals_list)

    def write(self, vals):
        if PROTECTED_FIELDS.intersection(vals) or "pss_approved" in vals:
            self._pss_check_frozen(vals)
        return super().write(vals)

    def unlink(self):
        self._pss_check_frozen({})
        return super().unlink()

    def _pss_is_sender(self, line):
        """The sender of an approved line (its system's technical user,
        applying a new version or a void) may change it."""
        return bool(line.pss_system_id) and (
            line.sudo().pss_system_id.user_id == self.env.user
        )

    def _pss_check_frozen(self, vals):
        if self.env.su:
            # Odoo's own rerouting of sale lines runs as superuser.
            return
        if "pss_approved" in vals and not self.env.context.get("pss_approving"):
            raise AccessError(_("Use the Approve action to approve time."))
        frozen = self.filtered(lambda line: line.pss_approved and line.project_id)
        if "so_line" in vals and set(vals) <= {"so_line", "is_so_line_edited"}:
            # Moving approved, unbilled time to another line of the same
            # order (rate card) stays possible; billed time never moves.
            frozen = frozen.filtered("timesheet_invoice_id")
        blocked = frozen.filtered(lambda line: not self._pss_is_sender(line))
        if blocked:
            raise UserError(
                _(
                    "Approved time cannot be changed or deleted (%(lines)s): the "
                    "system it came from sends a new version or a void; time "
                    "approved in Odoo is reset by finance.",
                    lines=", ".join(blocked[:5].mapped("display_name")),
                )
            )

    # ------------------------------------------------------------------
    # Approval in Odoo
    # ------------------------------------------------------------------
    def _pss_can_approve(self):
        user = self.env.user
        return user.has_group("pss_core.group_pss_finance") or user.has_group(
            "project.group_project_manager"
        )

    def action_pss_approve(self):
        """Approve time typed in Odoo: who and when are kept; delivered
        quantities of the sale lines follow at once."""
        if not self._pss_can_approve():
            raise AccessError(
                _("Only project managers and pss Finance may approve time.")
            )
        lines = self.filtered(lambda line: line.project_id and not line.pss_approved)
        if not lines:
            return True
        lines.check_access_rights("write")
        lines.check_access_rule("write")
        now = fields.Datetime.now()
        # The user's rights are checked above; the approval fields are
        # readonly for everyone and written here only.
        lines.sudo().with_context(pss_approving=True).write(
            {
                "pss_approved": True,
                "pss_approved_user_id": self.env.uid,
                "pss_approved_at": now,
                "pss_approved_by": self.env.user.login,
            }
        )
        lines._pss_recompute_delivered()
        return True

    def _pss_recompute_delivered(self):
        so_lines = self.sudo().so_line
        if so_lines:
            field = so_lines._fields["qty_delivered"]
            self.env.add_to_compute(field, so_lines)
            so_lines.flush_recordset(["qty_delivered"])
