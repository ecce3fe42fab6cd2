from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from .pss_recon_tolerance import CHECKS

# What may still change on a line of a signed-off run: the discussion.
LOCK_FREE_PREFIXES = ("message_", "activity_")
# What a person may change on a line: whom it is assigned to and the reason
# of its resolution. The figures are the run's; resolved, resolver and date
# are written by the resolve and reopen actions only.
FOLLOW_UP_FIELDS = {"user_id", "resolution"}


def lock_free(vals):
    return all(key.startswith(LOCK_FREE_PREFIXES) for key in vals)


class PssReconLine(models.Model):
    """One compared figure of a reconciliation run: what the sender (or the
    policy) expects, what Odoo has, the variance and the records behind
    Odoo's figure. A variance or exception is assigned, discussed in the
    chatter and resolved with a reason."""

    _name = "pss.recon.line"
    _description = "Reconciliation Line"
    _inherit = ["pss.mail.thread", "mail.activity.mixin", "pss.storable.text"]
    _order = "run_id desc, check_type, key"

    run_id = fields.Many2one(
        "pss.recon.run", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(
        related="run_id.company_id", store=True, index=True, string="Entity"
    )
    run_state = fields.Selection(related="run_id.state", string="Run State")
    check_type = fields.Selection(CHECKS, required=True, readonly=True, index=True)
    key = fields.Char(required=True, readonly=True)
    label = fields.Char(readonly=True)
    expected = fields.Float(
        string="Expected (External)",
        readonly=True,
        digits=(16, 2),
        help="The external figure: the sender's control total, the other "
        "entity's side of an intercompany balance, or the policy (0).",
    )
    actual = fields.Float(
        string="Actual (Odoo)",
        readonly=True,
        digits=(16, 2),
        help="Odoo's figure, from the records behind the line.",
    )
    variance = fields.Float(
        readonly=True,
        digits=(16, 2),
        help="External minus Odoo (expected - actual), the same sign in the "
        "simulator and the docs: positive when the sender counts more than "
        "Odoo, negative when Odoo has more.",
    )
    tolerance = fields.Float(readonly=True, digits=(16, 2))
    currency_id = fields.Many2one("res.currency", readonly=True)
    status = fields.Selection(
        [
            ("matched", "Matched"),
            ("variance", "Variance"),
            ("exception", "Exception"),
        ],
        required=True,
        readonly=True,
        index=True,
        tracking=True,
    )
    record_model = fields.Char(string="Records Model", readonly=True)
    record_ids = fields.Json(string="Records", readonly=True)
    record_count = fields.Integer(readonly=True)
    user_id = fields.Many2one(
        "res.users", string="Assigned To", tracking=True, index=True
    )
    resolved = fields.Boolean(readonly=True, tracking=True, index=True)
    resolution = fields.Text(string="Resolution Reason", tracking=True)
    resolved_by_id = fields.Many2one("res.users", readonly=True)
    resolved_at = fields.Datetime(readonly=True)
    is_current = fields.Boolean(
        string="Current Figure",
        readonly=True,
        index=True,
        help="The line that counts for its figure: of the latest run of its "
        "period and, where runs overlap, of the newest one (an intercompany "
        "balance, the queue's health and the unbilled time are figures of "
        "the entity, not of one run: counted once).",
    )
    previous_line_id = fields.Many2one(
        "pss.recon.line",
        string="Line Of The Signed-Off Run",
        readonly=True,
        ondelete="set null",
    )
    change = fields.Selection(
        [("new", "New"), ("changed", "Changed"), ("same", "Unchanged")],
        string="Since Sign-Off",
        readonly=True,
        help="Against the same line of the last signed-off run of the period.",
    )

    def _compute_display_name(self):
        for line in self:
            line.display_name = f"{line.key} ({line.check_type})"

    # ------------------------------------------------------------------
    # Lock
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(
                _("Reconciliation lines come from a run: run it to make them.")
            )
        return super().create(vals_list)

    def write(self, vals):
        if not lock_free(vals) and any(line.run_id.state == "signed" for line in self):
            raise UserError(_("The run is signed off: its lines cannot change."))
        figures = {k for k in vals if not k.startswith(LOCK_FREE_PREFIXES)}
        if not self.env.su:
            if figures & {"resolved", "resolved_by_id", "resolved_at"}:
                raise AccessError(
                    _("A line is resolved or reopened through its buttons only.")
                )
            if figures - FOLLOW_UP_FIELDS:
                raise UserError(
                    _("The figures of a reconciliation line are the run's: rerun it.")
                )
            if "resolution" in vals and any(line.resolved for line in self):
                raise UserError(
                    _("The line is resolved: reopen it to change the reason.")
                )
        return super().write(vals)

    def unlink(self):
        if any(line.run_id.state == "signed" for line in self):
            raise UserError(_("The run is signed off: its lines cannot change."))
        if not self.env.su:
            raise AccessError(
                _(
                    "Reconciliation lines are not deleted by hand: a rerun "
                    "replaces them."
                )
            )
        return super().unlink()

    def _check_can_act(self):
        self.check_access_rights("write")
        self.check_access_rule("write")
        if any(line.run_id.state == "signed" for line in self):
            raise UserError(_("The run is signed off: its lines cannot change."))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_assign_to_me(self):
        self.write({"user_id": self.env.user.id})
        return True

    def action_resolve(self):
        self._check_can_act()
        for line in self:
            if not (line.resolution or "").strip():
                raise UserError(_("Give the reason of the resolution first."))
        self.sudo().write(
            {
                "resolved": True,
                "resolved_by_id": self.env.user.id,
                "resolved_at": fields.Datetime.now(),
            }
        )
        return True

    def action_reopen(self):
        self._check_can_act()
        self.sudo().write(
            {"resolved": False, "resolved_by_id": False, "resolved_at": False}
        )
        return True

    def action_view_records(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.label or self.key,
            "res_model": self.record_model,
            "view_mode": "tree,form",
            "domain": [("id", "in", self.record_ids or [])],
            "context": {"create": False},
        }

    @api.model
    def _open_domain(self, companies):
        """The open variances and exceptions of the current figures of
        ``companies`` (what a controller still has to look at): each figure
        once, from the latest run of its period."""
        return [
            ("company_id", "in", companies.ids),
            ("status", "in", ("variance", "exception")),
            ("resolved", "=", False),
            ("is_current", "=", True),
        ]

    @api.model
    def _pss_refresh_current(self, companies):
        """Mark the current line of each figure of ``companies``: among the
        latest runs of each period, the newest run's line. A figure is the
        line's key within its period for the compared checks (the sender's
        statement is of that period), the balance for an intercompany line
        and the key within the entity for the queue's health and the
        unbilled time (not bound to a period: overlapping runs and the
        months after would count them again)."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT DISTINCT ON (
                       l.company_id,
                       l.check_type,
                       CASE
                           WHEN l.check_type = 'intercompany'
                               THEN l.record_ids::text
                           WHEN l.check_type IN ('health', 'unbilled') THEN l.key
                           ELSE r.date_from::text || '/' || r.date_to::text
                                || '/' || l.key
                       END
                   ) l.id
              FROM pss_recon_line l
              JOIN pss_recon_run r ON r.id = l.run_id
             WHERE r.company_id = ANY(%s) AND r.is_latest IS TRUE
          ORDER BY l.company_id,
                   l.check_type,
                   CASE
                       WHEN l.check_type = 'intercompany' THEN l.record_ids::text
                       WHEN l.check_type IN ('health', 'unbilled') THEN l.key
                       ELSE r.date_from::text || '/' || r.date_to::text
                            || '/' || l.key
                   END,
                   r.finished_at DESC NULLS LAST,
                   r.id DESC
            """,
            [companies.ids],
        )
        current = [row[0] for row in self.env.cr.fetchall()]
        self.env.cr.execute(
            """
            UPDATE pss_recon_line
               SET is_current = (id = ANY(%s))
             WHERE company_id = ANY(%s)
               AND (is_current IS TRUE OR id = ANY(%s))
            """,
            [current, companies.ids, current],
        )
        self.invalidate_model(["is_current"])
