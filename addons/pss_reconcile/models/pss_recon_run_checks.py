from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models

from odoo.addons.pss_core.lib.texts import counted

from ..lib.run_figures import exception_vals
from ..lib.tolerance import classify, round_figure, variance_of

HEALTH_STATES = ("dead", "parked", "retrying")


class PssReconRunChecks(models.Model):
    """The five checks of a reconciliation run (``_pss_check_*``), each
    returning the values of its lines, and the aggregates they read."""

    _inherit = "pss.recon.run"

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
                if lines:
                    result += self._pss_hours_lines(
                        check, model, statement, lines, actual, tolerances
                    )
        return result

    def _pss_hours_lines(self, check, model, statement, lines, actual, tolerances):
        """The lines of one statement's totals of one kind: each sent total
        against Odoo's, then Odoo's time of the system it did not count."""
        system = statement.system_id
        resolved = (
            self.env["pss.binding"]
            .sudo()
            ._resolve_any(system, model, lines.mapped("external_id"))
        )
        result = []
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
            exception_vals(
                "unbilled",
                f"project/{project_id}",
                _(
                    "%(project)s: unbilled since %(date)s",
                    project=names.get(project_id),
                    date=oldest,
                ),
                hours,
                "account.analytic.line",
                ids,
            )
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
            exception_vals(
                "health",
                f"{codes.get(system_id)}/{state}",
                counted(
                    len(ids),
                    _("%(system)s: %(count)s %(state)s message"),
                    _("%(system)s: %(count)s %(state)s messages"),
                    system=codes.get(system_id),
                    state=state,
                ),
                len(ids),
                "pss.message",
                ids,
            )
            for _company, system_id, state, ids in rows
        ]
