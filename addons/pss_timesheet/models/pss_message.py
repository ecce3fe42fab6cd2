from datetime import date, timedelta

from odoo import _, fields, models
from odoo.exceptions import UserError


class PssMessage(models.Model):
    """Finance actions on timesheet lines held for a locked period."""

    _inherit = "pss.message"

    pss_timesheet_locked = fields.Boolean(
        string="Held for a Locked Period", compute="_compute_pss_timesheet_locked"
    )

    def _compute_pss_timesheet_locked(self):
        for message in self:
            message.pss_timesheet_locked = (
                message.direction == "in"
                and message.event_type in ("timesheet.approved", "expense.approved")
                and message.state == "parked"
                and message.error_category == "hold"
            )

    def _pss_check_locked_finance(self):
        if not self.env.user.has_group("pss_core.group_pss_finance"):
            raise UserError(_("Only PSS finance can release locked-period time."))
        if not all(self.mapped("pss_timesheet_locked")):
            raise UserError(
                _(
                    "Only timesheet or expense messages held for a locked "
                    "period qualify."
                )
            )

    def _pss_locked_until(self):
        """The lock that holds this message's lines: time carries no tax; an
        expense is booked with its category's taxes (the expense handler's
        rule)."""
        self.ensure_one()
        if self.event_type == "expense.approved":
            return self.company_id._pss_expense_locked_until(
                self.sudo().system_id, self.sudo().payload["category"]
            )
        return self.company_id._pss_locked_until()

    def action_pss_move_to_open_date(self):
        """Move the held lines to the first open date of the company and
        apply them; the original payload is kept and the move is logged."""
        self._pss_check_locked_finance()
        for message in self:
            lock = message._pss_locked_until() or date.min
            first_open = lock + timedelta(days=1)
            # sudo: the raw payload is for pss Managers; finance moves the
            # dates of these held lines only (checked above).
            raw = message.sudo()
            payload = dict(raw.payload)
            moved = []
            lines = []
            # A timesheet.approved holds lines; an expense.approved is one.
            for original in payload.get("lines", [payload]):
                line = dict(original)
                if fields.Date.to_date(line["date"]) <= lock:
                    moved.append(f"{line['external_id']}: {line['date']}")
                    line["date"] = fields.Date.to_string(first_open)
                lines.append(line)
            if "lines" in payload:
                payload["lines"] = lines
            else:
                payload = lines[0]
            vals = {
                "payload": payload,
                "payload_edited_by_id": self.env.uid,
                "payload_edited_at": fields.Datetime.now(),
                "state": "pending",
                "park_reason": False,
                "error_category": False,
                "last_error": False,
            }
            if not raw.payload_original:
                vals["payload_original"] = raw.payload
            # sudo: finance (checked above) may release time held for a
            # locked period but has no write access to the queue's own
            # fields; only these bookkeeping fields of these held messages
            # are written, and the move is logged in their chatter.
            message.sudo().write(vals)
            message.sudo().message_post(
                body=_(
                    "Locked period: %(count)s line(s) moved to %(date)s by "
                    "%(user)s (%(lines)s).",
                    count=len(moved),
                    date=first_open,
                    user=self.env.user.name,
                    lines=", ".join(moved),
                )
            )
        self.sudo()._trigger_processing("in")
        return True

    def action_pss_reject_locked(self):
        """Refuse the held lines: timesheet.rejected to the sender."""
        self._pss_check_locked_finance()
        shared = self.env["pss.timesheet.shared"]
        for message in self.sudo():
            lines = message.payload.get("lines", [])
            if message.event_type == "expense.approved":
                # No rejection event for expenses: the sender reads the
                # cancelled state and reason on the message status.
                message.write(
                    {
                        "state": "cancelled",
                        "last_error": _(
                            "dated in a locked accounting period, rejected by "
                            "finance (%s)",
                            self.env.user.name,
                        ),
                        "finished_at": fields.Datetime.now(),
                    }
                )
                message.message_post(
                    body=_("Locked period: expense rejected by %s.", self.env.user.name)
                )
                continue
            reason = _(
                "dated in a locked accounting period, rejected by finance (%s)",
                self.env.user.name,
            )
            shared.with_env(message.env)._pss_enqueue_rejected(
                message.system_id,
                [(message, [(line["external_id"], reason) for line in lines])],
            )
            message.write({"state": "cancelled", "finished_at": fields.Datetime.now()})
            message.message_post(
                body=_(
                    "Locked period: %(count)s line(s) rejected to the sender by "
                    "%(user)s.",
                    count=len(lines),
                    user=self.env.user.name,
                )
            )
        return True
