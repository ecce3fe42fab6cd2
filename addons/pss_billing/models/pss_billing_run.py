from datetime import timedelta

from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.pss_core.lib.texts import counted

from ..lib.periods import last_closed_period

# Namespace of the advisory lock of billing runs (first key; the company id
# is the second).
LOCK_NAMESPACE = 7_313_901


class PssBillingRun(models.Model):
    """A billing run: draft invoices of one entity up to a period end.

    Invoices are made by Odoo's own sale invoicing (``_create_invoices``),
    with only approved time up to the period end (``timesheet_end_date``).
    What is already invoiced is never invoiced again, so a rerun of a period
    makes nothing new and late approved time goes to the next run.
    """

    _name = "pss.billing.run"
    _inherit = ["pss.period.run"]
    _description = "Billing run"
    _order = "date_to desc, id desc"
    _check_company_auto = True
    _pss_run_kind = "billing"
    # Odoo retries the transaction; never a failed run.
    _pss_reraise = (pg_errors.SerializationFailure, pg_errors.LockNotAvailable)

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company",
        string="Entity",
        required=True,
        default=lambda self: self.env.company,
        index=True,
    )
    date_from = fields.Date(string="From", required=True)
    date_to = fields.Date(
        string="Until",
        required=True,
        help="Approved time up to this day is invoiced; invoices are dated "
        "this day (or the first open day, per the entity's locked-period "
        "behaviour).",
    )
    trigger = fields.Selection(
        [("manual", "Run now"), ("cron", "Scheduled")],
        default="manual",
        required=True,
        readonly=True,
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("running", "Running"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        default="draft",
        required=True,
        readonly=True,
        index=True,
    )
    pss_run_id = fields.Many2one("pss.run", string="Run", readonly=True)
    started_at = fields.Datetime(readonly=True)
    finished_at = fields.Datetime(readonly=True)
    line_ids = fields.One2many("pss.billing.run.line", "run_id", readonly=True)
    invoice_ids = fields.One2many(
        "account.move", "pss_billing_run_id", string="Invoices", readonly=True
    )
    invoice_count = fields.Integer(compute="_compute_invoice_count")
    # Now, not at the run (the summary says the same).
    invoice_waiting_count = fields.Integer(
        string="To approve",
        compute="_compute_invoice_count",
        help="Invoices of this run waiting for finance approval now.",
    )
    invoice_posted_count = fields.Integer(
        string="Posted",
        compute="_compute_invoice_count",
        help="Invoices of this run posted now.",
    )
    engagement_count = fields.Integer(string="Engagements", readonly=True)
    invoiced_count = fields.Integer(string="Invoiced", readonly=True)
    skipped_count = fields.Integer(string="Skipped", readonly=True)
    failed_count = fields.Integer(string="Failed", readonly=True)
    nothing_count = fields.Integer(string="Nothing To Invoice", readonly=True)
    # What the run did (stored counts) and where its invoices are now (the
    # same counts as "To approve" and "Posted" beside it): one story.
    summary = fields.Char(compute="_compute_summary")
    error = fields.Text(readonly=True)

    _sql_constraints = [
        (
            "pss_billing_run_dates",
            "CHECK (date_from <= date_to)",
            "A billing period ends on or after its start.",
        )
    ]

    @api.depends("company_id", "date_from", "date_to")
    def _compute_name(self):
        for run in self:
            entity = run.company_id.pss_entity_code or run.company_id.name or ""
            run.name = f"{entity} {run.date_from or ''} - {run.date_to or ''}"

    def _compute_invoice_count(self):
        total, waiting, posted = {}, {}, {}
        for run, state, approval, count in self.env["account.move"]._read_group(
            [("pss_billing_run_id", "in", self.ids)],
            ["pss_billing_run_id", "state", "pss_approval_state"],
            ["__count"],
        ):
            total[run] = total.get(run, 0) + count
            if state == "posted":
                posted[run] = posted.get(run, 0) + count
            elif state == "draft" and approval == "to_approve":
                waiting[run] = waiting.get(run, 0) + count
        for run in self:
            run.invoice_count = total.get(run, 0)
            run.invoice_waiting_count = waiting.get(run, 0)
            run.invoice_posted_count = posted.get(run, 0)

    @api.depends(
        "state",
        "engagement_count",
        "invoiced_count",
        "skipped_count",
        "failed_count",
        "nothing_count",
        "invoice_ids.state",
        "invoice_ids.pss_approval_state",
    )
    def _compute_summary(self):
        for run in self:
            if run.state == "failed":
                run.summary = _("Failed: nothing was invoiced.")
            elif run.state != "done":
                run.summary = False
            else:
                run.summary = run._pss_summary(
                    {
                        "engagements": run.engagement_count,
                        "invoiced": run.invoiced_count,
                        "skipped": run.skipped_count,
                        "failed": run.failed_count,
                        "nothing": run.nothing_count,
                        "invoices": run.invoice_count,
                        "posted": run.invoice_posted_count,
                        "waiting": run.invoice_waiting_count,
                    }
                )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_run(self):
        for run in self:
            run.with_company(run.company_id)._pss_run()
        return True

    def action_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("pss_billing_run_id", "=", self.id)]
        action["context"] = {"default_move_type": "out_invoice", "create": False}
        return action

    @api.model
    def _pss_lock_period_end(self, today=None):
        """The period end a month-end close locks: the last day of the month
        before ``today``."""
        today = today or fields.Date.context_today(self)
        return today.replace(day=1) - timedelta(days=1)

    @api.model
    def _pss_lock_blocking_domain(self, today=None, lock_date=None, companies=None):
        """Every draft journal entry that stops Odoo from setting the
        fiscal-year lock date ``lock_date`` (default: the end of the month
        before ``today``) of ``companies`` (default: the active ones): Odoo
        refuses the lock while any draft move of the company or its branches
        is dated on or before it (``res.company._validate_fiscalyear_lock``),
        whatever made it: billing runs, intercompany invoices and vendor
        bills, manual entries. The same domain as Odoo's check, so the list
        and Odoo's refusal always agree."""
        lock_date = lock_date or self._pss_lock_period_end(today)
        companies = companies if companies is not None else self.env.companies
        return [
            ("company_id", "child_of", companies.ids),
            ("state", "=", "draft"),
            ("date", "<=", lock_date),
        ]

    @api.model
    def action_drafts_blocking_lock(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_journal_line"
        )
        lock_date = self._pss_lock_period_end()
        action.update(
            name=_("Drafts blocking the period close (to %s)", lock_date),
            domain=self._pss_lock_blocking_domain(lock_date=lock_date),
            context={"create": False},
            help=_(
                "<p>No draft entry is dated on or before %s: nothing holds "
                "back locking the period.</p>",
                lock_date,
            ),
        )
        return action

    def action_approve_invoices(self):
        self.ensure_one()
        moves = self.invoice_ids.filtered(
            lambda m: m.state == "draft" and m.pss_approval_state == "to_approve"
        )
        return moves.action_pss_approve()

    # ------------------------------------------------------------------
    # The run (the skeleton of pss.period.run; its one unit: _pss_bill)
    # ------------------------------------------------------------------
    def _pss_check_state(self):
        if self.state not in ("draft", "failed"):
            raise UserError(_("Only a draft or failed billing run can be run."))

    def _pss_lock_key(self):
        return LOCK_NAMESPACE, self.company_id.id

    def _pss_lock_refused_message(self):
        return _(
            "Another billing run of %s is running: run this one when it has finished.",
            self.company_id.name,
        )

    def _pss_after_lock(self):
        """One billing run per entity at a time, and never on a stale view.

        The advisory lock refuses a second run while one is running; the
        UPDATE of the entity's run counter makes a transaction that began
        before another run committed fail with a serialization error
        (REPEATABLE READ) instead of invoicing what that run invoiced.
        """
        company = self.company_id
        cr = self.env.cr
        try:
            with cr.savepoint(flush=False):
                cr.execute(
                    "UPDATE res_company SET pss_billing_serial = "
                    "COALESCE(pss_billing_serial, 0) + 1 WHERE id = %s",
                    [company.id],
                )
        except pg_errors.SerializationFailure as exc:
            raise UserError(
                _(
                    "Another billing run of %s finished while this one started: "
                    "run it again (it will make only what is left).",
                    company.name,
                )
            ) from exc

    def _pss_run_unit(self, unit, counts):
        line_vals = self._pss_bill(counts)
        self.env["pss.billing.run.line"].create(line_vals)
        self.env.flush_all()

    def _pss_finish(self, counts, errors):
        self.write(
            {
                "state": "done",
                "finished_at": fields.Datetime.now(),
                "engagement_count": counts["engagements"],
                "invoiced_count": counts["invoiced"],
                "skipped_count": counts["skipped"],
                "failed_count": counts["failed"],
                "nothing_count": counts["nothing"],
            }
        )

    @api.model
    def _pss_summary(self, counts):
        """The run's counts, then its invoices as they are now (posted,
        waiting for approval): the figures shown beside the summary."""
        parts = [
            counted(
                counts["engagements"],
                _("%(count)s engagement"),
                _("%(count)s engagements"),
            ),
            _("%s invoiced", counts["invoiced"]),
        ]
        for key, label in (
            ("skipped", _("skipped")),
            ("failed", _("failed")),
            ("nothing", _("nothing to invoice")),
        ):
            if counts[key]:
                parts.append(f"{counts[key]} {label}")
        text = ", ".join(parts)
        if counts["invoices"]:
            text += counted(
                counts["invoices"],
                _(
                    "; %(count)s invoice: %(posted)s posted, "
                    "%(waiting)s waiting for approval"
                ),
                _(
                    "; %(count)s invoices: %(posted)s posted, "
                    "%(waiting)s waiting for approval"
                ),
                posted=counts["posted"],
                waiting=counts["waiting"],
            )
        return text

    # ------------------------------------------------------------------
    # Cron: every entity on its billing frequency
    # ------------------------------------------------------------------
    @api.model
    def _cron_billing_runs(self, today=None):
        """Run the last closed period of every pss entity that has not had it.

        A period counts as had once a run of it billed, skipped or failed
        something: a run made before the period's time arrived (empty) does
        not stop the next night's run from billing it. A scheduled run that
        finds nothing at all leaves no record (like the queue's idle runs),
        so empty runs do not pile up on top of the list.
        """
        today = today or fields.Date.context_today(self)
        companies = self.env["res.company"].search(
            [("pss_entity_code", "!=", False), ("pss_billing_frequency", "!=", False)]
        )
        periods = {
            company: last_closed_period(company.pss_billing_frequency, today)
            for company in companies
        }
        had = {
            (run.company_id, run.date_from, run.date_to)
            for run in self.search(
                [
                    ("company_id", "in", companies.ids),
                    ("state", "in", ("running", "done")),
                    ("date_from", "in", [p[0] for p in periods.values()]),
                ]
            )
            if run.state == "running" or not run._pss_is_empty()
        }
        made = self.browse()
        for company, (date_from, date_to) in periods.items():
            if (company, date_from, date_to) in had:
                continue
            run = self.create(
                {
                    "company_id": company.id,
                    "date_from": date_from,
                    "date_to": date_to,
                    "trigger": "cron",
                }
            )
            try:
                run.action_run()
            except UserError as exc:
                run.write({"state": "failed", "error": str(exc)})
            # Nothing to bill yet: no run to show, the period stays open for
            # the next night.
            if not run._pss_drop_if_idle():
                made |= run
            if (
                self.env.context.get("pss_commit", True)
                and not self.env.registry.in_test_mode()
            ):
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return made

    def _pss_is_empty(self):
        """Done and nothing billed, skipped or failed: the period had no
        approved work yet when it ran."""
        self.ensure_one()
        return not (
            self.invoiced_count
            or self.skipped_count
            or self.failed_count
            or self.invoice_ids
        )

    def _pss_is_idle(self):
        return self.state == "done" and self._pss_is_empty()
