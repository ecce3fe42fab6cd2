from collections import Counter

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import pricing

LINE = "account.analytic.line"


class PssIcRun(models.Model):
    """Intercompany charging of a period (DESIGN §7): every approved
    intercompany timesheet of the period not charged yet becomes a charge
    line; what changed after it was charged is adjusted. Idempotent: a
    rerun of a period charges nothing twice."""

    _name = "pss.ic.run"
    _inherit = ["pss.period.run"]
    _description = "Intercompany Charging Run"
    _order = "id desc"
    _pss_run_kind = "intercompany"
    _pss_unit_fails_run = False

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="Charge the agreements where this company is provider or "
        "consumer. Empty with no agreement: every agreement you may run.",
    )
    agreement_id = fields.Many2one("pss.ic.agreement", help="Only this pair.")
    company_ids = fields.Many2many(
        "res.company",
        string="Entities",
        compute="_compute_company_ids",
        store=True,
        help="The entities of the pairs the run charges: a run of one entity "
        "is read by that entity's users; a run of one pair or of all pairs "
        "only by users allowed in every entity it charges.",
    )
    date_from = fields.Date(required=True)
    date_to = fields.Date(required=True)
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
    pss_run_id = fields.Many2one("pss.run", string="Progress", readonly=True)
    charge_ids = fields.One2many("pss.ic.charge", "run_id", readonly=True)
    balance_ids = fields.One2many("pss.ic.balance", "run_id", readonly=True)
    charge_count = fields.Integer(readonly=True)
    line_count = fields.Integer(string="Charged Lines", readonly=True)
    adjustment_count = fields.Integer(string="Adjustments", readonly=True)
    mismatch_count = fields.Integer(string="Balance Mismatches", readonly=True)
    summary = fields.Char(readonly=True)
    error = fields.Text(readonly=True)

    _sql_constraints = [
        (
            "dates_check",
            "CHECK(date_to >= date_from)",
            "A run's period cannot end before it starts.",
        )
    ]

    @api.depends(
        "date_from",
        "date_to",
        "company_id",
        "agreement_id.provider_company_id",
        "agreement_id.consumer_company_id",
    )
    def _compute_company_ids(self):
        for run in self:
            if run.company_id:
                run.company_ids = run.company_id
            elif run.date_from and run.date_to:
                # Every pair of the period, whoever created the run.
                agreements = run.sudo()._agreements()
                run.company_ids = (
                    agreements.provider_company_id | agreements.consumer_company_id
                )
            else:
                run.company_ids = False

    @api.depends("date_from", "date_to", "company_id", "agreement_id")
    def _compute_name(self):
        for run in self:
            scope = run.agreement_id.name or run.company_id.name or _("all pairs")
            run.name = f"{run.date_from} - {run.date_to}: {scope}"

    # ------------------------------------------------------------------
    # Scheduling
    # ------------------------------------------------------------------
    @api.model
    def _cron_charge(self, today=None):
        """One run per frequency for the last complete period of each
        frequency in use (a rerun of a charged period makes nothing new)."""
        today = today or fields.Date.context_today(self)
        agreements = self.env["pss.ic.agreement"].search([])
        runs = self.browse()
        for frequency in sorted(set(agreements.mapped("frequency"))):
            start, end = pricing.previous_period(today, frequency)
            for agreement in agreements.filtered(
                lambda a, f=frequency: a.frequency == f
            ):
                run = self.create(
                    {"agreement_id": agreement.id, "date_from": start, "date_to": end}
                )
                run.action_run()
                # A run that found nothing leaves no trace (as pss.run).
                if not run._pss_drop_if_idle():
                    runs |= run
        return runs

    def _agreements(self):
        self.ensure_one()
        domain = [
            ("date_from", "<=", self.date_to),
            "|",
            ("date_to", "=", False),
            ("date_to", ">=", self.date_from),
        ]
        if self.agreement_id:
            domain.append(("id", "=", self.agreement_id.id))
        if self.company_id:
            domain += [
                "|",
                ("provider_company_id", "=", self.company_id.id),
                ("consumer_company_id", "=", self.company_id.id),
            ]
        return self.env["pss.ic.agreement"].search(domain)

    # ------------------------------------------------------------------
    # Running
    # ------------------------------------------------------------------
    def action_run(self):
        for run in self:
            run._run()
        return True

    def _run(self):
        return self._pss_execute()

    # The skeleton of pss.period.run: one unit per agreement pair.
    def _pss_check_state(self):
        if self.state == "running":
            raise UserError(_("This run is already running."))

    def _pss_check_run_access(self):
        """Nothing before: the run's writes are checked as its user."""

    def _pss_run_companies(self):
        # The pairs of the period as they are now (an agreement added since
        # the run was created).
        self.env.add_to_compute(self._fields["company_ids"], self.sudo())
        return self.sudo().company_ids

    def _pss_units(self):
        return self._agreements()

    def _pss_run_unit(self, unit, counts):
        counts.update(self._run_pair(unit))

    def _pss_unit_error(self, unit, exc):
        if isinstance(exc, UserError | ValueError):
            return f"{unit.name}: {exc}"
        if isinstance(exc, psycopg2.IntegrityError):
            # The partial unique index: another run charged the same time at
            # the same moment; it keeps it, this pair made nothing.
            return _(
                "%s: charged by another run at the same time; run again to "
                "charge what is left.",
                unit.name,
            )
        return None

    def _pss_finish(self, counts, errors):
        self.write(
            {
                "state": "failed" if errors else "done",
                "charge_count": counts["charges"],
                "line_count": counts["lines"],
                "adjustment_count": counts["adjustments"],
                "mismatch_count": counts["mismatches"],
                "summary": self.sudo().pss_run_id.summary or _("nothing to charge"),
                "error": "\n".join(errors) or False,
            }
        )

    def _pss_is_idle(self):
        return self.state == "done" and not (self.charge_count or self.mismatch_count)

    def _pair_env(self, agreement):
        """The run's user, allowed in both companies of the pair (or a clear
        error): documents are made with that user's rights, no sudo."""
        companies = agreement.provider_company_id | agreement.consumer_company_id
        user = self.env.user
        if not self.env.su and companies - user.company_ids:
            raise UserError(
                _(
                    "%(user)s is not allowed in %(companies)s: intercompany "
                    "charges are made by a user of both companies.",
                    user=user.name,
                    companies=", ".join((companies - user.company_ids).mapped("name")),
                )
            )
        return self.with_context(allowed_company_ids=companies.ids).env

    def _run_pair(self, agreement):
        env = self._pair_env(agreement)
        run = self.with_env(env)
        agreement = agreement.with_env(env)
        Charge = env["pss.ic.charge"]
        date_from = max(self.date_from, agreement.date_from)
        date_to = min(self.date_to, agreement.date_to or self.date_to)
        timesheets = env[LINE].search(
            [
                ("pss_intercompany", "=", True),
                ("pss_approved", "=", True),
                ("project_id", "!=", False),
                ("company_id", "=", agreement.consumer_company_id.id),
                ("pss_resource_company_id", "=", agreement.provider_company_id.id),
                ("date", ">=", date_from),
                ("date", "<=", date_to),
                ("pss_ic_line_ids", "=", False),
            ],
            order="date, id",
        )
        new_vals, skipped = run._price_new(agreement, timesheets)
        adjust_vals = run._adjustments(agreement)
        counts = Counter(
            lines=len(new_vals), adjustments=len(adjust_vals), no_price=skipped
        )
        if new_vals or adjust_vals:
            charge = Charge.create(
                {
                    "run_id": self.id,
                    "agreement_id": agreement.id,
                    "currency_id": agreement.currency_id.id,
                    "date": Charge._document_date(agreement, self.date_to),
                }
            )
            vals_list = new_vals + adjust_vals
            for vals in vals_list:
                vals["charge_id"] = charge.id
            lines = env["pss.ic.charge.line"].create(vals_list)
            charge._make_documents()
            run._cost_timesheets(agreement, lines)
            counts["charges"] += 1
        counts.update(run._check_balance(agreement))
        return counts

    # ------------------------------------------------------------------
    # Pricing
    # ------------------------------------------------------------------
    def _price_new(self, agreement, timesheets):
        """Charge line values of new timesheets (prices frozen), and how many
        could not be priced (no cost, or no rate for the role)."""
        currency = agreement.currency_id
        digits = currency.decimal_places
        costs = {}
        if agreement.pricing == "cost_plus":
            missing = [
                (t.employee_id, t.date) for t in timesheets if not t.pss_hourly_cost
            ]
            costs = self.env["pss.resource.cost"]._pss_costs_on(missing)
        vals_list, skipped = [], 0
        rates = {}
        for timesheet in timesheets:
            priced = self._price_of(agreement, timesheet, costs, rates)
            if priced is None:
                skipped += 1
                continue
            cost_currency, rate, cost_in, markup, price = priced
            vals_list.append(
                {
                    "timesheet_id": timesheet.id,
                    "timesheet_ref": timesheet.id,
                    "employee_id": timesheet.employee_id.id,
                    "date": timesheet.date,
                    "hours": timesheet.unit_amount,
                    "cost": float(cost_in),
                    "cost_currency_id": cost_currency.id,
                    "cost_rate": rate,
                    "markup": markup,
                    "unit_price": float(price),
                    "amount": float(
                        pricing.line_amount(timesheet.unit_amount, price, digits)
                    ),
                    "currency_id": currency.id,
                }
            )
        return vals_list, skipped

    def _price_of(self, agreement, timesheet, costs, rates):
        """(cost currency, rate, cost in the agreement's currency, markup,
        unit price) of a timesheet, or None without a cost (cost plus) or a
        rate for the role; ``rates`` caches the exchange rates of the run."""
        currency = agreement.currency_id
        employee = timesheet.employee_id
        if agreement.pricing != "cost_plus":
            rate_value = agreement._rate_of(employee)
            if rate_value is None:
                return None
            return currency, 1.0, 0.0, 0.0, pricing.to_decimal(rate_value)
        cost = timesheet.pss_hourly_cost or costs.get((employee.id, timesheet.date))
        if not cost:
            return None
        provider = agreement.provider_company_id
        cost_currency = employee.currency_id or provider.currency_id
        key = (cost_currency, timesheet.date)
        if key not in rates:
            rates[key] = cost_currency._get_conversion_rate(
                cost_currency, currency, provider, timesheet.date
            )
        rate = rates[key]
        cost_in = pricing.converted_cost(cost, rate)
        markup = agreement.markup
        return cost_currency, rate, cost_in, markup, pricing.unit_price(cost_in, markup)

    def _adjustments(self, agreement):
        """Adjustment line values for charged time that changed since: hours
        edited, voided (deleted) or no longer intercompany for this pair."""
        rows = self._charged_rows(agreement)
        charged = {row[0]: (row[1], row[2], row[3]) for row in rows}
        current = {row[0]: row[11] for row in rows if row[10]}
        meta = {row[0]: row for row in rows}
        digits = agreement.currency_id.decimal_places
        vals_list = []
        for ref, (hours, amount) in pricing.adjustments(
            charged, current, digits
        ).items():
            row = meta[ref]
            vals_list.append(
                {
                    "timesheet_id": row[10] or False,
                    "timesheet_ref": ref,
                    "is_adjustment": True,
                    "employee_id": row[4],
                    "date": row[5],
                    "hours": float(hours),
                    "cost": row[6],
                    "cost_currency_id": row[7],
                    "cost_rate": row[8],
                    "markup": row[9],
                    "unit_price": row[3],
                    "amount": float(amount),
                    "currency_id": agreement.currency_id.id,
                }
            )
        return vals_list

    def _charged_rows(self, agreement):
        """Per charged timesheet of the pair whose hours changed: (ref,
        hours, amount and unit price charged, employee, date, cost, cost
        currency, rate, markup of the first charge, timesheet id and hours
        now, both None when it is gone or no longer chargeable)."""
        env = self.env
        env["pss.ic.charge.line"].flush_model()
        env[LINE].flush_model(
            ["unit_amount", "pss_intercompany", "company_id", "pss_resource_company_id"]
        )
        env.cr.execute(
            """
            SELECT l.timesheet_ref,
                   SUM(l.hours), SUM(l.amount),
                   MAX(l.unit_price) FILTER (WHERE l.is_adjustment IS NOT TRUE),
                   MAX(l.employee_id), MAX(l.date),
                   MAX(l.cost) FILTER (WHERE l.is_adjustment IS NOT TRUE),
                   MAX(l.cost_currency_id), MAX(l.cost_rate), MAX(l.markup),
                   t.id, t.unit_amount
              FROM pss_ic_charge_line l
              LEFT JOIN account_analytic_line t
                ON t.id = l.timesheet_ref
               AND t.pss_intercompany
               AND t.pss_approved
               AND t.company_id = %(consumer)s
               AND t.pss_resource_company_id = %(provider)s
             WHERE l.agreement_id = %(agreement)s
             GROUP BY l.timesheet_ref, t.id, t.unit_amount
            HAVING ROUND(SUM(l.hours)::numeric, 4)
                   != ROUND(COALESCE(t.unit_amount, 0)::numeric, 4)
            """,
            {
                "agreement": agreement.id,
                "consumer": agreement.consumer_company_id.id,
                "provider": agreement.provider_company_id.id,
            },
        )
        return env.cr.fetchall()

    def _cost_timesheets(self, agreement, lines):
        """The consumer's project counts the work once, at the transfer
        price: the timesheet's cost becomes what the consumer is charged
        (the vendor bill carries no project analytic). A timesheet already
        invoiced to the customer keeps its cost (Odoo forbids the change)."""
        consumer = agreement.consumer_company_id
        refs = set(lines.mapped("timesheet_ref"))
        timesheets = self.env[LINE].with_company(consumer).browse(refs).exists()
        if not timesheets:
            return
        # Net amount charged per timesheet (first charge and adjustments):
        # lines of this pair only, which the run's user may read.
        self.env["pss.ic.charge.line"].flush_model()
        self.env.cr.execute(
            """
            SELECT timesheet_ref, SUM(amount) FROM pss_ic_charge_line
             WHERE agreement_id = %s AND timesheet_ref = ANY(%s)
             GROUP BY timesheet_ref
            """,
            [agreement.id, timesheets.ids],
        )
        net = dict(self.env.cr.fetchall())
        source = agreement.currency_id
        rates = {}
        costs = {}
        for timesheet in timesheets:
            invoice = timesheet.timesheet_invoice_id
            if invoice and invoice.state != "cancel":
                continue
            target = timesheet.currency_id
            key = (target, timesheet.date)
            if key not in rates:
                rates[key] = source._get_conversion_rate(
                    source, target, consumer, timesheet.date
                )
            costs[timesheet.id] = -target.round(float(net[timesheet.id]) * rates[key])
        if not costs:
            return
        # Rights first, on the whole set, as write() would check them; then
        # one UPDATE (a write per distinct amount re-checks the rules of
        # every line each time). Nothing stored depends on a timesheet's cost.
        costed = timesheets.browse(list(costs))
        costed.check_access_rights("write")
        costed.check_access_rule("write")
        costed._check_can_write({"amount": True})
        self.env.cr.execute(
            """
            UPDATE account_analytic_line t
               SET amount = v.amount, write_uid = %s,
                   write_date = NOW() AT TIME ZONE 'UTC'
              FROM unnest(%s::int[], %s::numeric[]) AS v(id, amount)
             WHERE t.id = v.id
            """,
            [self.env.uid, list(costs), list(costs.values())],
        )
        costed.invalidate_recordset(["amount", "write_uid", "write_date"])

    # ------------------------------------------------------------------
    # Balance
    # ------------------------------------------------------------------
    def _check_balance(self, agreement):
        balance = self.env["pss.ic.balance"]._check(agreement, self)
        return Counter(mismatches=int(balance.state == "mismatch"))
