from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

# Who approved the time: written by the Approve action (as superuser, after
# its own checks) or by the sending system's technical user, never by hand.
APPROVAL_FIELDS = frozenset(
    {
        "pss_approved",
        "pss_approved_user_id",
        "pss_approved_by",
        "pss_approved_at",
        "pss_self_approval_reason",
    }
)
# What may still change on approved time (besides its sender and internal
# code): moving unbilled time to another line of the same order (rate card).
SO_LINE_FIELDS = frozenset({"so_line", "is_so_line_edited"})


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
    pss_self_approval_reason = fields.Char(
        string="Self-approval Reason",
        readonly=True,
        copy=False,
        help="The approver approved their own time, which their entity allows "
        "with a reason only (one-person entities).",
    )

    def _pss_guarded_fields(self):
        return super()._pss_guarded_fields() | APPROVAL_FIELDS

    @api.model_create_multi
    def create(self, vals_list):
        if self.env.su:
            for vals in vals_list:
                # timesheet.approved applied by internal code: approved there.
                if vals.get("pss_system_id"):
                    vals.setdefault("pss_approved", True)
            return super().create(vals_list)
        senders = self._pss_sender_system_ids()
        for vals in vals_list:
            sender = vals.get("pss_system_id") in senders
            if any(
                vals.get(name)
                for name in APPROVAL_FIELDS - {"pss_approved_by", "pss_approved_at"}
            ) and not (
                sender
                and not vals.get("pss_approved_user_id")
                and not vals.get("pss_self_approval_reason")
            ):
                raise AccessError(_("Use the Approve action to approve time."))
            if sender:
                # timesheet.approved: what a PSA sends is approved there.
                vals.setdefault("pss_approved", True)
        return super().create(vals_list)

    def write(self, vals):
        if vals and not self.env.su:
            self._pss_check_frozen(vals)
        return super().write(vals)

    def unlink(self):
        if not self.env.su:
            self._pss_check_frozen({}, unlink=True)
        return super().unlink()

    def _pss_is_sender(self, line):
        """The sender of an approved line (its system's technical user,
        applying a new version or a void) may change it."""
        return bool(line.pss_system_id) and (
            line.sudo().pss_system_id.user_id == self.env.user
        )

    def _pss_check_frozen(self, vals, unlink=False):
        """Not as superuser: the Approve action, Odoo's own rerouting of
        sale lines and invoicing run as superuser after their own checks.
        A context key is never a permission."""
        if not APPROVAL_FIELDS.isdisjoint(vals) and (
            "pss_approved_user_id" in vals
            or "pss_self_approval_reason" in vals
            or not all(self._pss_is_sender(line) for line in self)
        ):
            raise AccessError(_("Use the Approve action to approve time."))
        frozen = self.filtered(lambda line: line.pss_approved and line.project_id)
        if not unlink and set(vals) <= SO_LINE_FIELDS and "so_line" in vals:
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

    def action_pss_approve(self, reason=None):
        """Approve time typed in Odoo: who and when are kept; delivered
        quantities of the sale lines follow at once.

        Nobody approves their own time (the line's employee is the
        approver), unless the line's entity allows it (one-person entities)
        and a ``reason`` is given: it is recorded on the line."""
        if not self._pss_can_approve():
            raise AccessError(
                _("Only project managers and pss Finance may approve time.")
            )
        lines = self.filtered(lambda line: line.project_id and not line.pss_approved)
        if not lines:
            return True
        lines.check_access_rights("write")
        lines.check_access_rule("write")
        reason = (reason or "").strip()
        own = lines.sudo().filtered(
            lambda line: line.employee_id.user_id == self.env.user
        )
        if own:
            refused = own.filtered(
                lambda line: not line.company_id.pss_allow_self_approval
            )
            if refused:
                raise AccessError(
                    _(
                        "Nobody approves their own time (%(lines)s): another "
                        "project manager or finance approves it.",
                        lines=", ".join(refused[:5].mapped("display_name")),
                    )
                )
            if not reason:
                raise UserError(
                    _(
                        "You approve your own time: your entity allows it only "
                        "with a reason, recorded on the time."
                    )
                )
        now = fields.Datetime.now()
        vals = {
            "pss_approved": True,
            "pss_approved_user_id": self.env.uid,
            "pss_approved_at": now,
            "pss_approved_by": self.env.user.login,
        }
        # The user's rights are checked above; the approval fields are
        # written as superuser here only (never by a user's own write).
        (lines - own).sudo().write(vals)
        if own:
            own.sudo().write(dict(vals, pss_self_approval_reason=reason))
        lines._pss_recompute_delivered()
        return True

    def action_pss_approve_dialog(self):
        """*Approve time* from the list: approves at once, or asks for the
        reason when the selection holds the approver's own time in an entity
        that allows self-approval (elsewhere the approval refuses it)."""
        lines = self.filtered(lambda line: line.project_id and not line.pss_approved)
        own = lines.sudo().filtered(
            lambda line: (
                line.employee_id.user_id == self.env.user
                and line.company_id.pss_allow_self_approval
            )
        )
        if not own or not self._pss_can_approve():
            self.action_pss_approve()
            return False
        wizard = self.env["pss.time.approve.wizard"].create(
            {"line_ids": [(6, 0, lines.ids)]}
        )
        return {
            "type": "ir.actions.act_window",
            "name": _("Approve time"),
            "res_model": wizard._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def _pss_charged_between_entities(self):
        """The lines already charged between entities (pss_intercompany
        extends it): their approval and entities are no longer corrected by
        hand (see the *Correct integration fields* action)."""
        return self.browse()

    def _pss_recompute_delivered(self):
        so_lines = self.sudo().so_line
        if so_lines:
            field = so_lines._fields["qty_delivered"]
            self.env.add_to_compute(field, so_lines)
            so_lines.flush_recordset(["qty_delivered"])
