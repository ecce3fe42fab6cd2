import logging
from collections import Counter, defaultdict
from datetime import timedelta

from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero

from ..lib.periods import last_closed_period, prorate

_logger = logging.getLogger(__name__)

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
    _description = "Billing run"
    _order = "date_to desc, id desc"
    _check_company_auto = True

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
    # The run
    # ------------------------------------------------------------------
    def _pss_lock(self):
        """One billing run per entity at a time, and never on a stale view.

        The advisory lock refuses a second run while one is running; the
        UPDATE of the entity's run counter makes a transaction that began
        before another run committed fail with a serialization error
        (REPEATABLE READ) instead of invoicing what that run invoiced.
        """
        company = self.company_id
        cr = self.env.cr
        cr.execute(
            "SELECT pg_try_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, company.id]
        )
        if not cr.fetchone()[0]:
            raise UserError(
                _(
                    "Another billing run of %s is running: run this one when it "
                    "has finished.",
                    company.name,
                )
            )
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

    def _pss_run(self):
        self.ensure_one()
        if self.state not in ("draft", "failed"):
            raise UserError(_("Only a draft or failed billing run can be run."))
        self.check_access_rights("write")
        self.check_access_rule("write")
        self._pss_lock()
        run = self.env["pss.run"]._start("billing", companies=self.company_id)
        self.write(
            {
                "state": "running",
                "pss_run_id": run.id,
                "started_at": run.started_at,
                "error": False,
            }
        )
        counts = Counter()
        try:
            with self.env.cr.savepoint():
                line_vals = self._pss_bill(counts)
                self.env["pss.billing.run.line"].create(line_vals)
                self.env.flush_all()
        except (pg_errors.SerializationFailure, pg_errors.LockNotAvailable):
            raise
        except Exception as exc:
            _logger.exception("pss: billing run %s failed", self.id)
            error = str(exc) or exc.__class__.__name__
            self.write(
                {
                    "state": "failed",
                    "error": error,
                    "finished_at": fields.Datetime.now(),
                }
            )
            run._close({}, error=error)
            return False
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
        run._close(dict(counts))
        return True

    @api.model
    def _pss_summary(self, counts):
        """The run's counts, then its invoices as they are now (posted,
        waiting for approval): the figures shown beside the summary."""
        parts = [
            _("%s engagements", counts["engagements"]),
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
            text += _(
                "; %(invoices)s invoices: %(posted)s posted, "
                "%(waiting)s waiting for approval",
                invoices=counts["invoices"],
                posted=counts["posted"],
                waiting=counts["waiting"],
            )
        return text

    def _pss_orders(self):
        return self.env["sale.order"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("state", "=", "sale"),
                ("pss_billing_model", "!=", False),
            ]
        )

    def _pss_bill(self, counts):
        """Make the invoices; return the values of the run's lines."""
        company = self.company_id
        date_to = self.date_to
        orders = self._pss_orders()
        counts["engagements"] = len(orders)
        retainers = orders.filtered(lambda o: o.pss_billing_model == "retainer")
        factors, problems = self._pss_prepare_retainers(retainers)
        # Approved, unbilled time up to the period end (Odoo's own period
        # invoicing, as its "create invoices" wizard does it).
        orders.order_line._recompute_qty_to_invoice(False, date_to)
        unapproved = self._pss_unapproved_hours(orders)

        invoice_date = date_to
        # The invoices' lock: with the tax lock date when any of them has
        # taxes (one invoice date for the run).
        lock = company._pss_locked_until(has_tax=bool(orders.order_line.tax_id))
        locked = False
        if lock and date_to <= lock:
            if company.pss_period_lock_behaviour == "next_open_date":
                invoice_date = lock + timedelta(days=1)
            else:
                locked = True

        line_vals = []
        to_invoice = self.env["sale.order"]
        for order in orders:
            base = {
                "run_id": self.id,
                "order_id": order.id,
                "partner_id": order.partner_id.id,
                "unapproved_hours": unapproved.get(order.id, 0.0),
            }
            invoiceable = order._get_invoiceable_lines().filtered(
                lambda line: not line.display_type
            )
            reason, note = None, None
            if not invoiceable:
                if unapproved.get(order.id):
                    reason = "unapproved_time"
                    note = _(
                        "%(hours)s hours up to %(date)s wait for approval.",
                        hours=round(unapproved[order.id], 2),
                        date=date_to,
                    )
                else:
                    counts["nothing"] += 1
                    continue
            elif order.partner_id.commercial_partner_id.pss_credit_hold:
                reason = "credit_hold"
                note = _("The customer is on credit hold.")
            elif locked:
                reason = "locked_period"
                note = _(
                    "The period is locked up to %(lock)s; the entity's policy "
                    "keeps it for finance.",
                    lock=lock,
                )
            elif order.id in problems:
                reason = "missing_price"
                note = problems[order.id]
            else:
                unpriced = invoiceable.filtered(
                    lambda line: (
                        float_is_zero(line.price_unit, precision_digits=6)
                        and not line.is_expense
                        and not line.is_downpayment
                    )
                )
                if unpriced:
                    reason = "missing_price"
                    note = _("No price on %s.", ", ".join(unpriced.mapped("name")))
            if reason:
                counts["skipped"] += 1
                line_vals.append(dict(base, state="skipped", reason=reason, note=note))
                continue
            to_invoice |= order

        made = self._pss_invoice(to_invoice, factors, invoice_date, counts)
        for order in to_invoice:
            base = {
                "run_id": self.id,
                "order_id": order.id,
                "partner_id": order.partner_id.id,
                "unapproved_hours": unapproved.get(order.id, 0.0),
            }
            move, error = made.get(order.id, (None, _("No invoice was made.")))
            if move:
                counts["invoiced"] += 1
                line_vals.append(dict(base, state="invoiced", invoice_id=move.id))
            else:
                counts["failed"] += 1
                line_vals.append(dict(base, state="failed", reason="error", note=error))
        moves = self.env["account.move"].browse(
            {move.id for move, _e in made.values() if move}
        )
        counts["invoices"] = len(moves)
        if moves:
            if company.pss_approval_required:
                # As superuser: no user writes the approval state by hand.
                moves.sudo().write({"pss_approval_state": "to_approve"})
                counts["waiting"] = len(moves)
            else:
                moves._pss_post_checked()
                counts["posted"] = len(moves)
        return line_vals

    def _pss_invoice(self, orders, factors, invoice_date, counts):
        """{order id: (invoice, error)}: all at once, else one by one.

        Each attempt runs in a savepoint: an engagement that fails leaves no
        half-made invoice and does not stop the others.
        """
        if not orders:
            return {}
        consolidated = defaultdict(lambda: self.env["sale.order"])
        single = self.env["sale.order"]
        for order in orders:
            partner = order.partner_id.commercial_partner_id
            if partner.pss_consolidate_invoices:
                consolidated[(partner.id, order.currency_id.id)] |= order
            else:
                single |= order
        groups = [(single, True)] if single else []
        groups += [(group, False) for group in consolidated.values()]
        result = {}
        for group, grouped in groups:
            try:
                result.update(
                    self._pss_invoice_group(group, grouped, factors, invoice_date)
                )
                continue
            except Exception as exc:
                if len(group) == 1 or not grouped:
                    for order in group:
                        result[order.id] = (None, str(exc))
                    continue
            for order in group:
                try:
                    result.update(
                        self._pss_invoice_group(order, True, factors, invoice_date)
                    )
                except Exception as exc:
                    result[order.id] = (None, str(exc))
        return result

    def _pss_invoice_group(self, orders, grouped, factors, invoice_date):
        with self.env.cr.savepoint():
            moves = orders.with_context(
                timesheet_end_date=self.date_to, pss_prorate=factors
            )._create_invoices(grouped=grouped)
            moves.write({"invoice_date": invoice_date, "pss_billing_run_id": self.id})
            self.env.flush_all()
        result = {}
        for move in moves:
            for order in move.invoice_line_ids.sale_line_ids.order_id:
                result[order.id] = (move, None)
        return result

    def _pss_unapproved_hours(self, orders):
        """{order id: hours} of unapproved, unbilled time up to the period end."""
        groups = self.env["account.analytic.line"]._read_group(
            [
                ("order_id", "in", orders.ids),
                ("project_id", "!=", False),
                ("pss_approved", "=", False),
                ("timesheet_invoice_id", "=", False),
                ("date", "<=", self.date_to),
            ],
            ["order_id"],
            ["unit_amount:sum"],
        )
        return {order.id: hours for order, hours in groups}

    # ------------------------------------------------------------------
    # Retainers: one line per period, prorated, hours above the cap
    # ------------------------------------------------------------------
    def _pss_prepare_retainers(self, orders):
        """Deliver the retainer periods that started by the period end.

        Returns ({sale line id: proration factor}, {order id: problem}).
        """
        if not orders:
            return {}, {}
        date_to = self.date_to
        projects = self.env["project.project"].search(
            [("sale_line_id.order_id", "in", orders.ids)]
        )
        project_of = {p.sale_line_id.order_id.id: p for p in projects}
        lines = orders.order_line.filtered(
            lambda line: line.pss_retainer_period and line.pss_period_start
        )
        factors = {}
        for line in lines:
            project = project_of.get(line.order_id.id)
            days, total = prorate(
                line.pss_period_start,
                line.pss_period_end,
                project.date_start if project else None,
                project.date if project else None,
            )
            if 0 < days < total:
                factors[line.id] = days / total
        due = lines.filtered(
            lambda line: (
                line.pss_period_start <= date_to
                and float_compare(line.qty_delivered, 1.0, precision_digits=4) < 0
            )
        )
        if due:
            due.write({"qty_delivered": 1.0})
        problems = self._pss_retainer_overage(orders, lines, project_of, date_to)
        return factors, problems

    def _pss_retainer_overage(self, orders, lines, project_of, date_to):
        """Lines for approved hours above the cap of ended periods."""
        capped = lines.filtered(
            lambda line: line.pss_hours_cap > 0 and line.pss_period_end <= date_to
        )
        if not capped:
            return {}
        done = set(
            self.env["sale.order.line"]
            .search([("pss_overage_of_id", "in", capped.ids)])
            .pss_overage_of_id.ids
        )
        capped = capped.filtered(lambda line: line.id not in done)
        if not capped:
            return {}
        first = min(capped.mapped("pss_period_start"))
        projects = self.env["project.project"].browse(
            [p.id for p in project_of.values()]
        )
        hours = defaultdict(float)
        for project, day, amount in self.env["account.analytic.line"]._read_group(
            [
                ("project_id", "in", projects.ids),
                ("pss_approved", "=", True),
                ("date", ">=", first),
                ("date", "<=", date_to),
            ],
            ["project_id", "date:day"],
            ["unit_amount:sum"],
        ):
            hours[(project.id, day)] += amount
        problems = {}
        vals_list, delivered = [], []
        for line in capped:
            project = project_of.get(line.order_id.id)
            if not project:
                continue
            worked = sum(
                amount
                for (project_id, day), amount in hours.items()
                if project_id == project.id
                and line.pss_period_start <= day <= line.pss_period_end
            )
            above = round(worked - line.pss_hours_cap, 2)
            if above <= 0:
                continue
            rate = line.order_id.pss_overage_rate
            if not rate:
                problems[line.order_id.id] = _(
                    "%(hours)s hours above the cap of %(cap)s in %(first)s - "
                    "%(last)s and no rate above the cap on the engagement.",
                    hours=above,
                    cap=line.pss_hours_cap,
                    first=line.pss_period_start,
                    last=line.pss_period_end,
                )
                continue
            vals_list.append(
                {
                    "order_id": line.order_id.id,
                    "product_id": line.product_id.id,
                    "name": _(
                        "Hours above the cap of %(cap)s, %(first)s - %(last)s",
                        cap=line.pss_hours_cap,
                        first=line.pss_period_start,
                        last=line.pss_period_end,
                    ),
                    "product_uom_qty": 0.0,
                    "price_unit": rate,
                    "tax_id": [fields.Command.set(line.tax_id.ids)],
                    "sequence": line.sequence + 1,
                    "pss_overage_of_id": line.id,
                }
            )
            delivered.append(above)
        if vals_list:
            created = self.env["sale.order.line"].create(vals_list)
            for new_line, qty in zip(created, delivered, strict=True):
                new_line.qty_delivered = qty
        return problems

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
            if run.state == "done" and run._pss_is_empty():
                # Nothing to bill yet: no run to show, the period stays open
                # for the next night.
                idle = run.sudo()
                pss_run = idle.pss_run_id
                idle.unlink()
                pss_run.unlink()
            else:
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
