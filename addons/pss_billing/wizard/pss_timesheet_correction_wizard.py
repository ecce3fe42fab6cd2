from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

FINANCE_GROUP = "pss_core.group_pss_finance"
# The largest hourly cost a correction may set (a typo guard, not a policy).
MAX_HOURLY_COST = 100000


class PssTimesheetCorrectionWizard(models.TransientModel):
    """*Correct integration fields* of approved time: the finance correction
    of what the sending system owns (hourly cost, intercompany flag and
    resource entity, approval), with a mandatory reason, logged line by
    line in ``pss.timesheet.correction``.

    Every check runs in :meth:`action_apply` on the server (pss Finance or
    pss Manager, the lines' entities, approved time, the locked period, not
    invoiced or charged); the dialog is a convenience only.
    """

    _name = "pss.timesheet.correction.wizard"
    _description = "Correct integration fields of approved time"
    _inherit = ["pss.storable.text"]

    line_ids = fields.Many2many(
        "account.analytic.line",
        string="Time",
        default=lambda self: self._default_line_ids(),
    )
    correct_cost = fields.Boolean(string="Correct the hourly cost")
    hourly_cost = fields.Float(
        string="New hourly cost",
        digits=(16, 4),
        groups="pss_core.group_pss_cost",
        help="Cost per hour of the resource (company currency of the "
        "employee); the line's cost (amount) follows.",
    )
    correct_intercompany = fields.Boolean(string="Correct the entities")
    intercompany = fields.Boolean(
        help="The resource belongs to another entity than the project.",
    )
    resource_company_id = fields.Many2one("res.company", string="Resource entity")
    reset_approval = fields.Boolean(
        string="Reset approved time",
        help="Un-approve the time so that the system it came from can send "
        "it again. Refused once it is invoiced or charged between entities.",
    )
    reason = fields.Text(help="Why the correction is made: kept with it.")

    @api.model
    def _default_line_ids(self):
        context = self.env.context
        if context.get("active_model") == "account.analytic.line":
            return [(6, 0, context.get("active_ids") or [])]
        return []

    # ------------------------------------------------------------------
    # Checks (server side)
    # ------------------------------------------------------------------
    def _pss_check_user(self):
        if not self.env.user.has_group(FINANCE_GROUP):
            raise AccessError(
                _(
                    "Only pss Finance and pss Managers may correct the "
                    "integration fields of approved time."
                )
            )

    @api.model
    def _pss_locked(self, lines):
        """Lines dated in a locked period: the suite's one lock rule for time
        (res.company._pss_locked_until), the one place it is asked here."""
        locks = {company: company._pss_locked_until() for company in lines.company_id}
        return lines.filtered(
            lambda line: locks[line.company_id] and line.date <= locks[line.company_id]
        )

    def _pss_refuse(self, lines, message):
        if lines:
            raise UserError(
                _(
                    "%(message)s (%(lines)s); nothing was changed.",
                    message=message,
                    lines=", ".join(lines[:5].mapped("display_name")),
                )
            )

    def _pss_checked_values(self):
        """The reason, once what the dialog asks for is checked."""
        reason = (self.reason or "").strip()
        if not reason:
            raise UserError(_("A correction needs a reason; nothing was changed."))
        if not (self.correct_cost or self.correct_intercompany or self.reset_approval):
            raise UserError(_("Choose what to correct; nothing was changed."))
        if self.correct_cost and not 0 <= self.hourly_cost <= MAX_HOURLY_COST:
            raise UserError(
                _(
                    "An hourly cost is between 0 and %s; nothing was changed.",
                    MAX_HOURLY_COST,
                )
            )
        return reason

    def _pss_checked_lines(self):
        self.ensure_one()
        self._pss_check_user()
        reason = self._pss_checked_values()
        lines = self.line_ids
        if not lines:
            raise UserError(_("Select the time to correct."))
        # The user's own rights on the lines (their entities, record rules).
        lines.check_access_rights("read")
        lines.check_access_rule("read")
        lines = lines.sudo()
        self._pss_refuse(
            lines.filtered(lambda line: not line.project_id or not line.pss_approved),
            _("Only approved time is corrected here"),
        )
        self._pss_refuse(
            self._pss_locked(lines),
            _("Time dated in a locked period cannot be corrected"),
        )
        invoiced = lines.filtered(
            lambda line: (
                line.timesheet_invoice_id
                and line.timesheet_invoice_id.state != "cancel"
            )
        )
        charged = lines._pss_charged_between_entities()
        if self.reset_approval:
            self._pss_refuse(
                invoiced | charged,
                _(
                    "Invoiced time or time charged between entities stays "
                    "approved: correct it with a credit note or the "
                    "intercompany adjustment"
                ),
            )
        if self.correct_cost:
            self._pss_refuse(
                invoiced, _("The cost of invoiced time cannot be corrected")
            )
            if self.sudo().hourly_cost < 0:
                raise UserError(_("An hourly cost is never negative."))
        if self.correct_intercompany:
            self._pss_refuse(
                charged,
                _(
                    "The entities of time already charged between entities "
                    "are corrected by the intercompany adjustment"
                ),
            )
            if self.intercompany and not self.resource_company_id:
                raise UserError(
                    _("Intercompany time needs the entity of its resource.")
                )
        return lines, reason

    # ------------------------------------------------------------------
    # Action
    # ------------------------------------------------------------------
    def action_apply(self):
        """Correct the lines (as superuser, after the checks above) and log
        each changed field with the reason."""
        lines, reason = self._pss_checked_lines()
        wizard = self.sudo()
        now = fields.Datetime.now()
        logs = []
        for line in lines:
            changed = {
                name: value
                for name, value in wizard._pss_new_values(line).items()
                if self._pss_differs(line, name, value)
            }
            logs.extend(
                self._pss_log_vals(line, name, line[name], value, reason, now)
                for name, value in changed.items()
            )
            if changed:
                line.write(changed)
        if not logs:
            raise UserError(
                _("The values are already the ones given; nothing changed.")
            )
        self.env["pss.timesheet.correction"].sudo().create(logs)
        if wizard.reset_approval or wizard.correct_cost:
            lines._pss_recompute_delivered()
        return {"type": "ir.actions.act_window_close"}

    def _pss_new_values(self, line):
        """The values the wizard asks for on ``line`` (changed or not)."""
        vals = {}
        if self.correct_cost:
            vals["pss_hourly_cost"] = self.hourly_cost
            vals["amount"] = self._pss_amount(line, self.hourly_cost)
        if self.correct_intercompany:
            vals["pss_intercompany"] = self.intercompany
            vals["pss_resource_company_id"] = (
                self.resource_company_id.id if self.intercompany else False
            )
        if self.reset_approval:
            vals.update(
                {
                    "pss_approved": False,
                    "pss_approved_user_id": False,
                    "pss_approved_by": False,
                    "pss_approved_at": False,
                    "pss_self_approval_reason": False,
                }
            )
        return vals

    def _pss_log_vals(self, line, name, old, new, reason, now):
        """One correction log entry: who, when, the field, old -> new, why."""
        return {
            "line_id": line.id,
            "line_ref": line.id,
            "company_id": line.company_id.id,
            "user_id": self.env.uid,
            "corrected_at": now,
            "field_name": name,
            "field_label": line._fields[name]._description_string(self.env),
            "old_value": self._pss_text(line, name, old),
            "new_value": self._pss_text(line, name, new),
            "reason": reason,
            "system_id": line.pss_system_id.id,
        }

    @api.model
    def _pss_amount(self, line, cost):
        """The line's cost at ``cost`` per hour, as the timesheet handler
        computes it (employee currency, converted on the line's date)."""
        amount = -line.unit_amount * cost
        project = line.project_id
        target = (
            project.analytic_account_id.currency_id or project.company_id.currency_id
        )
        source = line.employee_id.currency_id or target
        if source == target:
            return target.round(amount)
        return source._convert(amount, target, project.company_id, line.date)

    @staticmethod
    def _pss_differs(line, name, value):
        old = line[name]
        if isinstance(old, models.BaseModel):
            return old.id != (value or False)
        if isinstance(old, float):
            return abs(old - (value or 0.0)) > 1e-9
        return (old or False) != (value or False)

    @staticmethod
    def _pss_text(line, name, value):
        if isinstance(value, models.BaseModel):
            return value.display_name or ""
        if isinstance(value, int) and line._fields[name].type == "many2one":
            return line.env[line._fields[name].comodel_name].browse(value).display_name
        if value is False or value is None:
            return "" if line._fields[name].type != "boolean" else "False"
        return str(value)
