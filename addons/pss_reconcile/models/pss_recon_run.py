import logging
import time
from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import date_utils

from ..lib.tolerance import change_of, classify, round_figure, variance_of
from .pss_recon_line import lock_free

_logger = logging.getLogger(__name__)

FINANCE_GROUP = "pss_core.group_pss_finance"
HEALTH_STATES = ("dead", "parked", "retrying")
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
    _inherit = ["pss.mail.thread", "mail.activity.mixin"]
    _order = "date_to desc, id desc"
    _check_company_auto = True

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
            if run.state in ("signed", "running"):
                raise UserError(
                    _("Run %s is signed off or running: start a new one.", run.name)
                )
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
                    _(
                        "%(run)s has %(count)s open variances or exceptions: "
                        "resolve them, or give the reason to sign off anyway "
                        "(Sign-Off Override Reason).",
                        run=run.name,
                        count=run.open_count,
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
    def _pss_run(self):
        self.ensure_one()
        self.env.cr.execute(
            "SELECT pg_try_advisory_xact_lock(%s, %s)",
            [LOCK_NAMESPACE, self.company_id.id],
        )
        if not self.env.cr.fetchone()[0]:
            raise UserError(
                _(
                    "Another reconciliation of %s is running: run this one when "
                    "it has finished.",
                    self.company_id.name,
                )
            )
        started = time.monotonic()
        progress = self.env["pss.run"]._start("reconcile", companies=self.company_id)
        self.sudo().write(
            {
                "state": "running",
                "pss_run_id": progress.id,
                "started_at": fields.Datetime.now(),
                "error": False,
            }
        )
        counts = {}
        try:
            with self.env.cr.savepoint():
                vals_list = self._pss_compute(progress, counts)
                # The lines are the run's: replaced, never edited by hand.
                self.sudo().line_ids.unlink()
                self.env["pss.recon.line"].sudo().create(vals_list)
                self._pss_finish(vals_list, counts)
        except Exception as exc:
            _logger.exception("pss: reconciliation run %s failed", self.id)
            self.sudo().write(
                {
                    "state": "failed",
                    "error": str(exc),
                    "finished_at": fields.Datetime.now(),
                }
            )
            progress._close(counts, error=str(exc), seconds=time.monotonic() - started)
            return
        progress._close(counts, seconds=time.monotonic() - started)

    def _pss_finish(self, vals_list, counts):
        status = defaultdict(int)
        for vals in vals_list:
            status[vals["status"]] += 1
        changed = sum(1 for v in vals_list if v.get("change") in ("new", "changed"))
        previous = self.previous_run_id
        gone = 0
        if previous:
            keys = {(v["check_type"], v["key"]) for v in vals_list}
            gone = sum(
                1
                for line in previous.line_ids
                if (line.check_type, line.key) not in keys
            )
        counts.update(
            matched=status["matched"],
            variance=status["variance"],
            exception=status["exception"],
        )
        summary = _(
            "%(matched)s matched, %(variance)s variances, %(exception)s exceptions",
            matched=status["matched"],
            variance=status["variance"],
            exception=status["exception"],
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
                "counts": counts,
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
    # Helpers
    # ------------------------------------------------------------------
    def _compared(self, check, key, label, expected, actual, tolerances, **extra):
        tol_abs, tol_pct = tolerances.get(check, (0.0, 0.0))
        variance, allowed, status = classify(expected, actual, tol_abs, tol_pct)
        return {
            "check_type": check,
            "key": key,
            "label": label,
            "expected": round_figure(expected),
            "actual": round_figure(actual),
            "variance": variance,
            "tolerance": allowed,
            "status": status,
            **extra,
        }

    def _statements(self):
        return (
            self.env["pss.recon.statement"]
            .sudo()
            .search(
                [
                    ("company_id", "=", self.company_id.id),
                    ("date_from", "=", self.date_from),
                    ("date_to", "=", self.date_to),
                ]
            )
        )

    def _external_ids(self, system, model, res_ids):
        """{record id: external id} (the system's own binding first)."""
        if not res_ids:
            return {}
        self.env.cr.execute(
            """
            SELECT DISTINCT ON (res_id) res_id, external_id
              FROM pss_binding
             WHERE res_model = %s AND res_id = ANY(%s)
             ORDER BY res_id, (system_id = %s) DESC, id
            """,
            [model, list(res_ids), system.id],
        )
        return dict(self.env.cr.fetchall())

    def _approved_time_by(self, column):
        """{record id: (hours, [timesheet ids], from the system ids)} of the
        entity's approved time of the period, grouped by ``column``
        (project_id or employee_id); one aggregate query."""
        assert column in ("project_id", "employee_id")
        self.env.cr.execute(
            f"""
            SELECT aal.{column}, SUM(aal.unit_amount),
                   array_agg(aal.id ORDER BY aal.id),
                   array_agg(DISTINCT aal.pss_system_id)
                       FILTER (WHERE aal.pss_system_id IS NOT NULL)
              FROM account_analytic_line aal
             WHERE aal.company_id = %s
               AND aal.date BETWEEN %s AND %s
               AND aal.pss_approved IS TRUE
               AND aal.project_id IS NOT NULL
               AND aal.{column} IS NOT NULL
          GROUP BY aal.{column}
            """,
            [self.company_id.id, self.date_from, self.date_to],
        )
        return {
            row[0]: (row[1] or 0.0, row[2], set(row[3] or ()))
            for row in self.env.cr.fetchall()
        }

    # ------------------------------------------------------------------
    # (1) hours per engagement and per resource
    # ------------------------------------------------------------------
    def _pss_check_hours(self, tolerances):
        statements = self._statements()
        if not statements:
            return []
        binding = self.env["pss.binding"].sudo()
        result = []
        for kind, model, column, check in (
            ("engagement", "project.project", "project_id", "hours_engagement"),
            ("resource", "hr.employee", "employee_id", "hours_resource"),
        ):
            lines_by_statement = {
                s: s.line_ids.filtered(lambda ln, k=kind: ln.kind == k)
                for s in statements
            }
            if not any(lines_by_statement.values()):
                continue
            actual = self._approved_time_by(column)
            for statement, lines in lines_by_statement.items():
                if not lines:
                    continue
                system = statement.system_id
                resolved = binding._resolve_any(
                    system, model, lines.mapped("external_id")
                )
                seen = set()
                for line in lines:
                    res_id = resolved.get(line.external_id)
                    hours, ids, _systems = actual.get(res_id, (0.0, [], set()))
                    seen.add(res_id)
                    result.append(
                        self._compared(
                            check,
                            f"{system.code}/{line.external_id}",
                            line.external_id
                            if res_id
                            else _("%s (unknown in Odoo)", line.external_id),
                            line.hours,
                            hours,
                            tolerances,
                            record_model="account.analytic.line",
                            record_ids=ids,
                            record_count=len(ids),
                        )
                    )
                # Odoo's time of this system the sender did not count.
                extra = {
                    res_id: figures
                    for res_id, figures in actual.items()
                    if res_id not in seen and system.id in figures[2]
                }
                names = self._external_ids(system, model, extra)
                for res_id, (hours, ids, _systems) in extra.items():
                    ext = names.get(res_id) or f"{model}:{res_id}"
                    result.append(
                        self._compared(
                            check,
                            f"{system.code}/{ext}",
                            _("%s (not in the control totals)", ext),
                            0.0,
                            hours,
                            tolerances,
                            record_model="account.analytic.line",
                            record_ids=ids,
                            record_count=len(ids),
                        )
                    )
        return result

    # ------------------------------------------------------------------
    # (2) approved, unbilled time older than the entity's policy
    # ------------------------------------------------------------------
    def _unbilled_cutoff(self):
        days = self.company_id.sudo().pss_recon_unbilled_days
        return fields.Date.context_today(self) - timedelta(days=max(days, 0))

    def _pss_check_unbilled(self, tolerances):
        cutoff = min(self._unbilled_cutoff(), self.date_to)
        self.env.cr.execute(
            """
            SELECT aal.project_id, SUM(aal.unit_amount),
                   array_agg(aal.id ORDER BY aal.id), MIN(aal.date)
              FROM account_analytic_line aal
              JOIN sale_order_line sol ON sol.id = aal.so_line
         LEFT JOIN account_move am ON am.id = aal.timesheet_invoice_id
             WHERE aal.company_id = %s
               AND aal.pss_approved IS TRUE
               AND aal.project_id IS NOT NULL
               AND sol.qty_delivered_method = 'timesheet'
               AND (aal.timesheet_invoice_id IS NULL OR am.state = 'cancel')
               AND aal.date < %s
          GROUP BY aal.project_id
            """,
            [self.company_id.id, cutoff],
        )
        rows = self.env.cr.fetchall()
        projects = self.env["project.project"].sudo().browse([r[0] for r in rows])
        names = {p.id: p.display_name for p in projects}
        return [
            {
                "check_type": "unbilled",
                "key": f"project/{project_id}",
                "label": _(
                    "%(project)s: unbilled since %(date)s",
                    project=names.get(project_id),
                    date=oldest,
                ),
                "expected": 0.0,
                "actual": round_figure(hours),
                "variance": variance_of(0.0, hours),
                "tolerance": 0.0,
                "status": "exception",
                "record_model": "account.analytic.line",
                "record_ids": ids,
                "record_count": len(ids),
            }
            for project_id, hours, ids, oldest in rows
        ]

    # ------------------------------------------------------------------
    # (3) invoiced amounts
    # ------------------------------------------------------------------
    def _pss_check_invoices(self, tolerances):
        result = []
        binding = self.env["pss.binding"].sudo()
        for statement in self._statements():
            lines = statement.line_ids.filtered("has_invoiced")
            if not lines:
                continue
            system = statement.system_id
            # The engagement is the sale order its event created.
            order_of = binding._resolve_any(
                system, "sale.order", lines.mapped("external_id")
            )
            orders = [o for o in order_of.values() if o]
            totals = defaultdict(lambda: defaultdict(float))
            move_ids = defaultdict(list)
            if orders:
                self.env.cr.execute(
                    """
                    SELECT x.order_id, am.id, am.currency_id,
                           CASE WHEN am.move_type = 'out_refund'
                                THEN -am.amount_untaxed ELSE am.amount_untaxed END
                      FROM account_move am
                      JOIN (SELECT DISTINCT aml.move_id, sol.order_id
                              FROM account_move_line aml
                              JOIN sale_order_line_invoice_rel rel
                                ON rel.invoice_line_id = aml.id
                              JOIN sale_order_line sol ON sol.id = rel.order_line_id
                             WHERE sol.order_id = ANY(%s)) x ON x.move_id = am.id
                     WHERE am.company_id = %s AND am.state = 'posted'
                       AND am.move_type IN ('out_invoice', 'out_refund')
                       AND am.invoice_date BETWEEN %s AND %s
                    """,
                    [orders, self.company_id.id, self.date_from, self.date_to],
                )
                for order_id, move_id, currency_id, amount in self.env.cr.fetchall():
                    totals[order_id][currency_id] += amount or 0.0
                    move_ids[order_id].append(move_id)
            for line in lines:
                order_id = order_of.get(line.external_id)
                amount = totals[order_id][line.currency_id.id] if order_id else 0.0
                ids = move_ids.get(order_id, [])
                result.append(
                    self._compared(
                        "invoice",
                        f"{system.code}/{line.external_id}",
                        line.external_id,
                        line.invoiced_amount,
                        amount,
                        tolerances,
                        currency_id=line.currency_id.id,
                        record_model="account.move",
                        record_ids=ids,
                        record_count=len(ids),
                    )
                )
        return result

    # ------------------------------------------------------------------
    # (4) intercompany balances
    # ------------------------------------------------------------------
    def _pss_check_intercompany(self, tolerances):
        company = self.company_id
        balances = (
            self.env["pss.ic.balance"]
            .sudo()
            .search(
                [
                    ("date", ">=", self.date_from),
                    ("date", "<=", self.date_to),
                    "|",
                    ("provider_company_id", "=", company.id),
                    ("consumer_company_id", "=", company.id),
                ],
                order="date desc, id desc",
            )
        )
        latest = {}
        for balance in balances:
            latest.setdefault(balance.agreement_id, balance)
        return [
            {
                "check_type": "intercompany",
                "key": f"agreement/{agreement.id}",
                "label": agreement.display_name,
                "expected": round_figure(balance.receivable),
                "actual": round_figure(balance.payable),
                "variance": variance_of(balance.receivable, balance.payable),
                "tolerance": 0.0,
                "currency_id": balance.currency_id.id,
                "status": "exception" if balance.state == "mismatch" else "matched",
                "record_model": "pss.ic.balance",
                "record_ids": [balance.id],
                "record_count": 1,
            }
            for agreement, balance in latest.items()
        ]

    # ------------------------------------------------------------------
    # (5) integration health
    # ------------------------------------------------------------------
    @api.model
    def _health_rows(self, companies, now=None):
        """[(company id, system id, state, [message ids])]: dead, parked and
        retrying messages older than their system's agreed delay."""
        now = now or fields.Datetime.now()
        self.env["pss.message"].flush_model(["state", "company_id", "received_at"])
        self.env.cr.execute(
            """
            SELECT m.company_id, m.system_id, m.state, array_agg(m.id ORDER BY m.id)
              FROM pss_message m
              JOIN pss_system s ON s.id = m.system_id
             WHERE m.company_id = ANY(%s)
               AND m.state IN %s
               AND COALESCE(m.received_at, m.create_date)
                   <= %s - make_interval(hours => COALESCE(s.pss_recon_delay_hours, 0))
          GROUP BY 1, 2, 3
            """,
            [companies.ids, HEALTH_STATES, now],
        )
        return self.env.cr.fetchall()

    def _pss_check_health(self, tolerances):
        rows = self._health_rows(self.company_id)
        systems = self.env["pss.system"].sudo().browse({r[1] for r in rows})
        codes = {s.id: s.code for s in systems}
        return [
            {
                "check_type": "health",
                "key": f"{codes.get(system_id)}/{state}",
                "label": _(
                    "%(system)s: %(count)s %(state)s messages",
                    system=codes.get(system_id),
                    count=len(ids),
                    state=state,
                ),
                "expected": 0.0,
                "actual": float(len(ids)),
                "variance": variance_of(0.0, len(ids)),
                "tolerance": 0.0,
                "status": "exception",
                "record_model": "pss.message",
                "record_ids": ids,
                "record_count": len(ids),
            }
            for _company, system_id, state, ids in rows
        ]

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
                if run._pss_is_idle():
                    # A night before the period's data arrived (or a month
                    # with none): no run to show, nothing superseded.
                    pss_run = run.sudo().pss_run_id
                    run.sudo().unlink()
                    pss_run.unlink()
                else:
                    runs |= run
                if not self.env.context.get("pss_no_commit"):
                    self.env.cr.commit()  # pylint: disable=invalid-commit
        self.env["pss.recon.dashboard"].sudo()._pss_alert(companies)
        return runs
