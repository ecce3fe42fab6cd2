from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import date_utils

from odoo.addons.pss_core.lib.texts import counted

from ..lib.run_figures import line_figures
from ..lib.tolerance import change_of
from .pss_recon_line import lock_free

FINANCE_GROUP = "pss_core.group_pss_finance"
# Advisory lock namespace: one reconciliation of an entity at a time.
LOCK_NAMESPACE = 7_313_911
# What a person may set on a run (through the form or RPC); everything else
# (state, figures, signer, latest flag) is written by the run's own actions,
# privileged, after their checks.
USER_FIELDS = {"company_id", "date_from", "date_to", "override_reason"}
# Set only while the run is a draft: a run's lines are of its entity and
# period.
PERIOD_FIELDS = {"company_id", "date_from", "date_to"}


def _is_open(line):
    return line.status in ("variance", "exception") and not line.resolved


class PssReconRun(models.Model):
    """A reconciliation of one entity and period (DESIGN §7): Odoo's figures
    against the senders' control totals, the unbilled-time policy, the
    intercompany balances and the sync queue's health, one line per compared
    figure. Signed off by pss Finance, it is locked; a later run of the same
    period shows what changed since."""

    _name = "pss.recon.run"
    _description = "Reconciliation Run"
    _inherit = [
        "pss.period.run",
        "pss.mail.thread",
        "mail.activity.mixin",
        "pss.storable.text",
    ]
    _order = "date_to desc, id desc"
    _check_company_auto = True
    _pss_run_kind = "reconcile"
    # The run's figures are written by its own actions, privileged.
    _pss_sudo_writes = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company",
        string="Entity",
        required=True,
        default=lambda self: self.env.company,
        index=True,
        tracking=True,
    )
    date_from = fields.Date(required=True, tracking=True)
    date_to = fields.Date(required=True, tracking=True)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("running", "Running"),
            ("done", "Done"),
            ("failed", "Failed"),
            ("signed", "Signed Off"),
        ],
        required=True,
        default="draft",
        readonly=True,
        index=True,
        tracking=True,
    )
    is_latest = fields.Boolean(
        string="Latest Of Its Period",
        default=False,
        readonly=True,
        index=True,
        help="The last finished run of its entity and period: the one whose "
        "exceptions count and the one to sign off.",
    )
    line_ids = fields.One2many(
        "pss.recon.line", "run_id", string="Lines", readonly=True
    )
    pss_run_id = fields.Many2one("pss.run", string="Progress", readonly=True)
    superseded_by_id = fields.Many2one(
        "pss.recon.run",
        readonly=True,
        help="The newer run of the same entity and period that replaced "
        "this one: its figures count, not these.",
    )
    previous_run_id = fields.Many2one(
        "pss.recon.run",
        string="Compared With",
        readonly=True,
        help="The last signed-off run of the same entity and period.",
    )
    counts = fields.Json(readonly=True)
    summary = fields.Char(readonly=True)
    matched_count = fields.Integer(string="Matched", readonly=True)
    variance_count = fields.Integer(string="Variances", readonly=True)
    exception_count = fields.Integer(string="Exceptions", readonly=True)
    changed_count = fields.Integer(string="Changed Since Sign-Off", readonly=True)
    gone_count = fields.Integer(
        string="Gone Since Sign-Off",
        readonly=True,
        help="Lines of the signed-off run this run no longer has.",
    )
    error = fields.Text(readonly=True)
    started_at = fields.Datetime(readonly=True)
    finished_at = fields.Datetime(readonly=True)
    signed_by_id = fields.Many2one("res.users", string="Signed Off By", readonly=True)
    signed_at = fields.Datetime(string="Signed Off At", readonly=True)
    open_count = fields.Integer(
        string="Open Variances",
        compute="_compute_open_count",
        help="Variances and exceptions of this run not resolved yet.",
    )
    override_reason = fields.Text(
        string="Sign-Off Override Reason",
        tracking=True,
        help="Why the run is signed off while variances or exceptions are "
        "still open: required to sign off such a run, kept on the run.",
    )

    @api.depends("company_id", "date_from", "date_to")
    def _compute_name(self):
        for run in self:
            run.name = f"{run.company_id.name or ''} {run.date_from} - {run.date_to}"

    @api.depends("line_ids.status", "line_ids.resolved")
    def _compute_open_count(self):
        for run in self:
            run.open_count = len(run.line_ids.filtered(_is_open))

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for run in self:
            if run.date_to < run.date_from:
                raise UserError(_("The period ends before it starts."))

    # ------------------------------------------------------------------
    # Lock
    # ------------------------------------------------------------------
    @api.model
    def _check_user_fields(self, vals):
        """Outside the run's own (privileged) actions only the entity, the
        period and the override reason are set; never the state, the signer
        or the figures, whatever the context."""
        if self.env.su:
            return
        forbidden = sorted(
            key for key in vals if key not in USER_FIELDS and not lock_free({key: 1})
        )
        if forbidden:
            raise AccessError(
                _(
                    "%(fields)s of a reconciliation run change only through its "
                    "actions (run, sign off).",
                    fields=", ".join(forbidden),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_user_fields(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_user_fields(vals)
        allowed = lock_free(
            {
                k: v
                for k, v in vals.items()
                if k not in ("is_latest", "superseded_by_id")
            }
        )
        if not allowed and any(run.state == "signed" for run in self):
            raise UserError(_("The run is signed off: it cannot change."))
        if (
            not self.env.su
            and PERIOD_FIELDS & set(vals)
            and any(run.state != "draft" for run in self)
        ):
            raise UserError(
                _("The entity and period of a run that ran are fixed: start a new run.")
            )
        return super().write(vals)

    def _check_can_act(self):
        """The actions write privileged: the caller must be allowed to change
        these runs in the first place (access rights and entity rules)."""
        self.check_access_rights("write")
        self.check_access_rule("write")

    def unlink(self):
        if any(run.state == "signed" for run in self):
            raise UserError(_("A signed-off run cannot be deleted."))
        return super().unlink()

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_run(self):
        self._check_can_act()
        for run in self:
            run.with_company(run.company_id)._pss_run()
        return True

    def action_sign_off(self):
        if not self.env.user.has_group(FINANCE_GROUP):
            raise AccessError(_("Only pss Finance signs off a reconciliation run."))
        self._check_can_act()
        for run in self:
            if run.state != "done":
                raise UserError(_("Only a finished run can be signed off."))
            if not run.is_latest:
                raise UserError(
                    _("A newer run of this period exists: sign off that one.")
                )
            if run.open_count and not (run.override_reason or "").strip():
                raise UserError(
                    counted(
                        run.open_count,
                        _(
                            "%(run)s has %(count)s open variance or exception: "
                            "resolve it, or give the reason to sign off anyway "
                            "(Sign-Off Override Reason)."
                        ),
                        _(
                            "%(run)s has %(count)s open variances or exceptions: "
                            "resolve them, or give the reason to sign off anyway "
                            "(Sign-Off Override Reason)."
                        ),
                        run=run.name,
                    )
                )
        self.sudo().write(
            {
                "state": "signed",
                "signed_by_id": self.env.user.id,
                "signed_at": fields.Datetime.now(),
            }
        )
        for run in self:
            body = _("Signed off: %s", run.summary)
            if run.open_count:
                body = _(
                    "Signed off with %(count)s open: %(summary)s. Reason: %(reason)s",
                    count=run.open_count,
                    summary=run.summary,
                    reason=run.override_reason,
                )
            run.message_post(body=body)
        return True

    def action_view_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "pss_reconcile.pss_recon_line_action"
        )
        action["domain"] = [("run_id", "=", self.id)]
        action["context"] = {"search_default_open": 1}
        return action

    # ------------------------------------------------------------------
    # The run
    # ------------------------------------------------------------------
    # The skeleton of pss.period.run, one unit: compute every line, replace
    # the run's lines and write its figures, all or nothing.
    def _pss_check_state(self):
        if self.state in ("signed", "running"):
            raise UserError(
                _("Run %s is signed off or running: start a new one.", self.name)
            )

    def _pss_check_run_access(self):
        """Checked by action_run (``_check_can_act``) for all its runs,
        before it switches to each run's entity."""

    def _pss_lock_key(self):
        return LOCK_NAMESPACE, self.company_id.id

    def _pss_lock_refused_message(self):
        return _(
            "Another reconciliation of %s is running: run this one when "
            "it has finished.",
            self.company_id.name,
        )

    def _pss_run_unit(self, unit, counts):
        vals_list = self._pss_compute(self.sudo().pss_run_id, counts)
        # The lines are the run's: replaced, never edited by hand.
        self.sudo().line_ids.unlink()
        self.env["pss.recon.line"].sudo().create(vals_list)
        self._pss_conclude(vals_list, counts)

    def _pss_conclude(self, vals_list, counts):
        """The run's figures and summary; it becomes the latest of its
        period."""
        previous = self.previous_run_id
        status, changed, gone = line_figures(
            vals_list,
            [(line.check_type, line.key) for line in previous.line_ids]
            if previous
            else None,
        )
        counts.update(status)
        summary = _(
            "%(matched)s matched, %(variances)s, %(exceptions)s",
            matched=status["matched"],
            variances=counted(
                status["variance"],
                _("%(count)s variance"),
                _("%(count)s variances"),
            ),
            exceptions=counted(
                status["exception"],
                _("%(count)s exception"),
                _("%(count)s exceptions"),
            ),
        )
        if previous:
            summary += _(
                "; since sign-off: %(changed)s new or changed, %(gone)s gone",
                changed=changed,
                gone=gone,
            )
        older = self.search(
            [
                ("company_id", "=", self.company_id.id),
                ("date_from", "=", self.date_from),
                ("date_to", "=", self.date_to),
                ("id", "!=", self.id),
                ("is_latest", "=", True),
            ]
        )
        older.sudo().write({"is_latest": False, "superseded_by_id": self.id})
        self.sudo().write(
            {
                "state": "done",
                "is_latest": True,
                "counts": dict(counts),
                "summary": summary,
                "matched_count": status["matched"],
                "variance_count": status["variance"],
                "exception_count": status["exception"],
                "changed_count": changed if previous else 0,
                "gone_count": gone,
                "finished_at": fields.Datetime.now(),
                "superseded_by_id": False,
            }
        )
        self.env["pss.recon.line"]._pss_refresh_current(self.company_id)

    def _pss_compute(self, progress, counts):
        company = self.company_id
        tolerances = self.env["pss.recon.tolerance"]._for_company(company)
        previous = self.search(
            [
                ("company_id", "=", company.id),
                ("date_from", "=", self.date_from),
                ("date_to", "=", self.date_to),
                ("state", "=", "signed"),
                ("id", "!=", self.id),
            ],
            order="signed_at desc, id desc",
            limit=1,
        )
        self.sudo().previous_run_id = previous
        prev_lines = {(line.check_type, line.key): line for line in previous.line_ids}
        self.env.flush_all()
        vals_list = []
        for check in (
            self._pss_check_hours,
            self._pss_check_unbilled,
            self._pss_check_invoices,
            self._pss_check_intercompany,
            self._pss_check_health,
        ):
            found = check(tolerances)
            vals_list += found
            counts[check.__name__.replace("_pss_check_", "")] = len(found)
            progress._progress(counts)
        for vals in vals_list:
            vals["run_id"] = self.id
            prev = prev_lines.get((vals["check_type"], vals["key"]))
            if previous:
                vals["previous_line_id"] = prev.id if prev else False
                vals["change"] = change_of(
                    (prev.expected, prev.actual) if prev else None,
                    vals["expected"],
                    vals["actual"],
                )
                if vals["change"] == "same" and prev.resolved:
                    # Explained at sign-off and unchanged since: still is.
                    vals.update(
                        resolved=True,
                        resolution=prev.resolution,
                        resolved_by_id=prev.resolved_by_id.id,
                        resolved_at=prev.resolved_at,
                        user_id=prev.user_id.id,
                    )
        return vals_list

    # ------------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------------
    @api.model
    def _cron_periods(self, company, today):
        """The current month, and the previous one until it is signed off
        (month-end close happens in the first days of the next month)."""
        current = (
            date_utils.start_of(today, "month"),
            date_utils.end_of(today, "month"),
        )
        previous_end = current[0] - timedelta(days=1)
        previous = (date_utils.start_of(previous_end, "month"), previous_end)
        signed = self.sudo().search_count(
            [
                ("company_id", "=", company.id),
                ("date_from", "=", previous[0]),
                ("date_to", "=", previous[1]),
                ("state", "=", "signed"),
            ]
        )
        return [current] if signed else [previous, current]

    def _pss_is_idle(self):
        """Done, without a single line, and the first run of its entity and
        period: it found nothing to check (no time, totals, balances or
        queue trouble yet)."""
        self.ensure_one()
        return (
            self.state == "done"
            and not self.line_ids
            and not self.sudo().search_count(
                [
                    ("company_id", "=", self.company_id.id),
                    ("date_from", "=", self.date_from),
                    ("date_to", "=", self.date_to),
                    ("id", "!=", self.id),
                ]
            )
        )

    @api.model
    def _cron_reconcile(self):
        """Nightly: reconcile every entity that has an external system (the
        current month, and the previous one until signed off), then schedule
        activities for crossed thresholds. A run that finds nothing to check
        in a period never reconciled leaves no record (like the billing
        cron's idle nights): empty runs do not pile up on top of the list."""
        today = fields.Date.context_today(self)
        companies = self.env["pss.system"].sudo().search([]).company_ids
        runs = self.browse()
        for company in companies:
            for date_from, date_to in self._cron_periods(company, today):
                run = (
                    self.sudo()
                    .with_company(company)
                    .create(
                        {
                            "company_id": company.id,
                            "date_from": date_from,
                            "date_to": date_to,
                        }
                    )
                )
                run.action_run()
                # A night before the period's data arrived (or a month with
                # none): no run to show, nothing superseded.
                if not run._pss_drop_if_idle():
                    runs |= run
                if not self.env.context.get("pss_no_commit"):
                    self.env.cr.commit()  # pylint: disable=invalid-commit
        self.env["pss.recon.dashboard"].sudo()._pss_alert(companies)
        return runs
