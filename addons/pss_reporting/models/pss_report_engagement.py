from odoo import fields, models, tools

# Cost figures (and margins, which reveal them): pss Finance and pss Manager,
# or a technical user given the group.
COST = "pss_core.group_pss_cost"

MONEY = (
    "value_rate_card",
    "value_invoiced",
    "revenue_invoiced",
    "revenue_draft",
    "revenue_unbilled",
    "revenue",
    "cost_time",
    "cost_intercompany",
    "cost_expense",
    "cost",
    "margin",
)


class PssReportEngagement(models.Model):
    """Realization and margin per month and engagement (entity, practice
    and customer of the engagement), in company and group currency.

    - realization: the invoiced time at its invoice price (invoice line's
      unit value in company currency, discounts included) against the same
      hours at the rate card (the sale line's price), by the month of the
      time;
    - revenue: what was delivered, invoiced or not, so that approving an
      invoice never moves it: posted customer invoices and credit notes of
      the engagement (by invoice date), plus draft ones waiting for
      approval (same amounts, same date: ``revenue_draft``), plus approved
      time on no invoice at sale price (by the month of the time);
    - hours of time billed by the hour: every approved hour is in exactly
      one of ``unbilled_hours`` (on no invoice, or a cancelled one),
      ``draft_hours`` (on a draft invoice) and ``invoiced_hours`` (on a
      posted one), by the month of the time;
    - cost: the engagement's time at the cost in force (timesheet amount),
      except time of another entity's resource once charged, which costs
      what the intercompany charge lines say (transfer price, adjustments
      included, converted to the company currency on the charge line's
      date), plus approved expenses (untaxed, by expense date);
    - group currency: each month's amounts at the rate of the month's end.
      Amounts add up across entities only in the group currency: the
      company-currency columns are not aggregated (``group_operator``
      None), and the ratios of a row or a pivot group are computed from
      group-currency sums.
    """

    _name = "pss.report.engagement"
    _inherit = "pss.report.mixin"
    _description = "Realization and margin (KPI)"
    _auto = False
    _order = "month desc, company_id, order_id"
    _pss_ratios = {
        "realization": ("value_invoiced_group", "value_rate_card_group"),
        "margin_percent": ("margin_group", "revenue_group"),
    }
    _pss_api_columns = (
        "id",
        "month",
        "company_id",
        "practice",
        "partner_id",
        "order_id",
        "billable_hours",
        "invoiced_hours",
        "draft_hours",
        "unbilled_hours",
        "planned_hours",
        *MONEY,
        "realization",
        "margin_percent",
        "currency_id",
        "group_currency_id",
        *(f"{name}_group" for name in MONEY),
    )

    month = fields.Date(readonly=True)
    practice = fields.Char(readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    order_id = fields.Many2one("sale.order", string="Engagement", readonly=True)
    billable_hours = fields.Float(
        string="Billable Approved Hours", readonly=True, digits=(16, 2)
    )
    invoiced_hours = fields.Float(readonly=True, digits=(16, 2))
    draft_hours = fields.Float(
        string="Hours On Draft Invoices", readonly=True, digits=(16, 2)
    )
    unbilled_hours = fields.Float(
        string="Unbilled Approved Hours", readonly=True, digits=(16, 2)
    )
    planned_hours = fields.Float(readonly=True, digits=(16, 2))
    value_rate_card = fields.Monetary(
        string="Invoiced Hours At Rate Card",
        readonly=True,
        group_operator=None,
    )
    value_invoiced = fields.Monetary(
        string="Invoiced Hours Value",
        readonly=True,
        group_operator=None,
    )
    realization = fields.Float(
        string="Realization (%)", readonly=True, group_operator="avg"
    )
    revenue_invoiced = fields.Monetary(
        readonly=True,
        group_operator=None,
    )
    revenue_draft = fields.Monetary(
        string="On Draft Invoices",
        readonly=True,
        group_operator=None,
    )
    revenue_unbilled = fields.Monetary(
        string="Unbilled Approved At Sale Price",
        readonly=True,
        group_operator=None,
    )
    revenue = fields.Monetary(
        readonly=True,
        group_operator=None,
    )
    cost_time = fields.Monetary(
        string="Time At Cost",
        readonly=True,
        group_operator=None,
        groups=COST,
    )
    cost_intercompany = fields.Monetary(
        string="Intercompany Charges",
        readonly=True,
        group_operator=None,
        groups=COST,
    )
    cost_expense = fields.Monetary(
        string="Expenses",
        readonly=True,
        group_operator=None,
        groups=COST,
    )
    cost = fields.Monetary(
        readonly=True,
        group_operator=None,
        groups=COST,
    )
    margin = fields.Monetary(
        readonly=True,
        group_operator=None,
        groups=COST,
    )
    margin_percent = fields.Float(
        string="Margin (%)", readonly=True, group_operator="avg", groups=COST
    )
    value_rate_card_group = fields.Monetary(
        string="Invoiced Hours At Rate Card (Group)",
        readonly=True,
        currency_field="group_currency_id",
    )
    value_invoiced_group = fields.Monetary(
        string="Invoiced Hours Value (Group)",
        readonly=True,
        currency_field="group_currency_id",
    )
    revenue_invoiced_group = fields.Monetary(
        string="Revenue Invoiced (Group)",
        readonly=True,
        currency_field="group_currency_id",
    )
    revenue_draft_group = fields.Monetary(
        string="On Draft Invoices (Group)",
        readonly=True,
        currency_field="group_currency_id",
    )
    revenue_unbilled_group = fields.Monetary(
        string="Unbilled Approved (Group)",
        readonly=True,
        currency_field="group_currency_id",
    )
    revenue_group = fields.Monetary(
        string="Revenue (Group)", readonly=True, currency_field="group_currency_id"
    )
    cost_time_group = fields.Monetary(
        string="Time At Cost (Group)",
        readonly=True,
        currency_field="group_currency_id",
        groups=COST,
    )
    cost_intercompany_group = fields.Monetary(
        string="Intercompany Charges (Group)",
        readonly=True,
        currency_field="group_currency_id",
        groups=COST,
    )
    cost_expense_group = fields.Monetary(
        string="Expenses (Group)",
        readonly=True,
        currency_field="group_currency_id",
        groups=COST,
    )
    cost_group = fields.Monetary(
        string="Cost (Group)",
        readonly=True,
        currency_field="group_currency_id",
        groups=COST,
    )
    margin_group = fields.Monetary(
        string="Margin (Group)",
        readonly=True,
        currency_field="group_currency_id",
        groups=COST,
    )

    def init(self):
        self._pss_create_functions()
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"""
            CREATE OR REPLACE VIEW {self._table} AS (
            WITH eng AS (
                -- The engagement's projects (pss_project sets their sale line).
                SELECT p.id AS project_id, sol.order_id, p.pss_practice
                  FROM project_project p
                  JOIN sale_order_line sol ON sol.id = p.sale_line_id
                  JOIN sale_order so ON so.id = sol.order_id
                 WHERE so.state = 'sale'
            ),
            practice AS (
                SELECT DISTINCT ON (order_id) order_id, pss_practice
                  FROM eng
              ORDER BY order_id, project_id
            ),
            inv_unit AS (
                SELECT aml.move_id, rel.order_line_id,
                       SUM(-aml.balance) / NULLIF(SUM(
                           CASE WHEN am.move_type = 'out_refund'
                                THEN -aml.quantity ELSE aml.quantity END), 0)
                           AS unit_value
                  FROM account_move_line aml
                  JOIN account_move am ON am.id = aml.move_id
                  JOIN sale_order_line_invoice_rel rel
                       ON rel.invoice_line_id = aml.id
                 WHERE am.state = 'posted' AND aml.display_type = 'product'
              GROUP BY aml.move_id, rel.order_line_id
            ),
            time AS (
                SELECT eng.order_id, date_trunc('month', aal.date)::date AS month,
                       SUM(CASE WHEN aal.pss_approved
                                 AND aal.timesheet_invoice_type LIKE 'billable%'
                                THEN aal.unit_amount ELSE 0 END) AS billable_hours,
                       SUM(CASE WHEN iu.unit_value IS NOT NULL
                                THEN aal.unit_amount ELSE 0 END) AS invoiced_hours,
                       SUM(CASE WHEN iu.unit_value IS NOT NULL
                                THEN aal.unit_amount * sol.price_unit
                                     / COALESCE(NULLIF(so.currency_rate, 0), 1.0)
                                ELSE 0 END) AS value_rate_card,
                       SUM(CASE WHEN iu.unit_value IS NOT NULL
                                THEN aal.unit_amount * iu.unit_value
                                ELSE 0 END) AS value_invoiced,
                       SUM(CASE WHEN aal.pss_approved
                                 AND sol.qty_delivered_method = 'timesheet'
                                 AND (aal.timesheet_invoice_id IS NULL
                                      OR am.state = 'cancel')
                                THEN aal.unit_amount ELSE 0 END) AS unbilled_hours,
                       SUM(CASE WHEN aal.pss_approved
                                 AND sol.qty_delivered_method = 'timesheet'
                                 AND am.state = 'draft'
                                THEN aal.unit_amount ELSE 0 END) AS draft_hours,
                       SUM(CASE WHEN aal.pss_approved
                                 AND sol.qty_delivered_method = 'timesheet'
                                 AND (aal.timesheet_invoice_id IS NULL
                                      OR am.state = 'cancel')
                                THEN aal.unit_amount * sol.price_unit
                                     / COALESCE(NULLIF(so.currency_rate, 0), 1.0)
                                ELSE 0 END) AS revenue_unbilled,
                       SUM(CASE WHEN charged.timesheet_id IS NOT NULL THEN 0
                                ELSE -aal.amount END) AS cost_time
                  FROM account_analytic_line aal
                  JOIN eng ON eng.project_id = aal.project_id
             LEFT JOIN sale_order_line sol ON sol.id = aal.so_line
             LEFT JOIN sale_order so ON so.id = sol.order_id
             LEFT JOIN account_move am ON am.id = aal.timesheet_invoice_id
             LEFT JOIN inv_unit iu ON iu.move_id = aal.timesheet_invoice_id
                                  AND iu.order_line_id = aal.so_line
             LEFT JOIN (SELECT DISTINCT timesheet_id FROM pss_ic_charge_line
                         WHERE timesheet_id IS NOT NULL) charged
                       ON charged.timesheet_id = aal.id
              GROUP BY eng.order_id, date_trunc('month', aal.date)
            ),
            invoiced AS (
                -- Posted and draft invoices alike (a draft is dated and
                -- valued as it will be posted): approving moves revenue
                -- from one column to the other, never in or out.
                SELECT sol.order_id,
                       date_trunc('month', COALESCE(am.invoice_date, am.date))::date
                           AS month,
                       SUM(CASE WHEN am.state = 'posted' THEN -aml.balance
                                ELSE 0 END) AS revenue_invoiced,
                       SUM(CASE WHEN am.state = 'draft' THEN -aml.balance
                                ELSE 0 END) AS revenue_draft
                  FROM account_move_line aml
                  JOIN account_move am ON am.id = aml.move_id
                  JOIN sale_order_line_invoice_rel rel
                       ON rel.invoice_line_id = aml.id
                  JOIN sale_order_line sol ON sol.id = rel.order_line_id
                 WHERE am.state IN ('posted', 'draft')
                   AND aml.display_type = 'product'
                   AND am.move_type IN ('out_invoice', 'out_refund')
              GROUP BY sol.order_id,
                       date_trunc('month', COALESCE(am.invoice_date, am.date))
            ),
            ic AS (
                SELECT eng.order_id, date_trunc('month', aal.date)::date AS month,
                       SUM(icl.amount * pss_reporting_convert(
                               icl.currency_id, c.currency_id, c.id, icl.date))
                           AS cost_intercompany
                  FROM pss_ic_charge_line icl
                  JOIN account_analytic_line aal ON aal.id = icl.timesheet_id
                  JOIN eng ON eng.project_id = aal.project_id
                  JOIN res_company c ON c.id = aal.company_id
              GROUP BY eng.order_id, date_trunc('month', aal.date)
            ),
            expense AS (
                SELECT x.sale_order_id AS order_id,
                       date_trunc('month', x.date)::date AS month,
                       SUM(x.total_amount - COALESCE(x.tax_amount, 0)) AS cost_expense
                  FROM hr_expense x
                 WHERE x.sale_order_id IS NOT NULL
                   AND x.state IN ('approved', 'done')
              GROUP BY x.sale_order_id, date_trunc('month', x.date)
            ),
            planned AS (
                SELECT a.order_id, date_trunc('month', l.week_start)::date AS month,
                       SUM(l.hours) AS planned_hours
                  FROM pss_assignment_line l
                  JOIN pss_assignment a ON a.id = l.assignment_id
              GROUP BY a.order_id, date_trunc('month', l.week_start)
            ),
            grid AS (
                SELECT order_id, month FROM time
                UNION SELECT order_id, month FROM invoiced
                UNION SELECT order_id, month FROM ic
                UNION SELECT order_id, month FROM expense
                UNION SELECT order_id, month FROM planned
            ),
            k AS (
                SELECT g.order_id, g.month, so.company_id, so.partner_id,
                       pr.pss_practice AS practice, c.currency_id,
                       COALESCE(t.billable_hours, 0) AS billable_hours,
                       COALESCE(t.invoiced_hours, 0) AS invoiced_hours,
                       COALESCE(t.draft_hours, 0) AS draft_hours,
                       COALESCE(t.unbilled_hours, 0) AS unbilled_hours,
                       COALESCE(pl.planned_hours, 0) AS planned_hours,
                       ROUND(COALESCE(t.value_rate_card, 0)::numeric, 2)
                           AS value_rate_card,
                       ROUND(COALESCE(t.value_invoiced, 0)::numeric, 2)
                           AS value_invoiced,
                       ROUND(COALESCE(i.revenue_invoiced, 0)::numeric, 2)
                           AS revenue_invoiced,
                       ROUND(COALESCE(i.revenue_draft, 0)::numeric, 2)
                           AS revenue_draft,
                       ROUND(COALESCE(t.revenue_unbilled, 0)::numeric, 2)
                           AS revenue_unbilled,
                       ROUND(COALESCE(t.cost_time, 0)::numeric, 2) AS cost_time,
                       ROUND(COALESCE(ic.cost_intercompany, 0)::numeric, 2)
                           AS cost_intercompany,
                       ROUND(COALESCE(x.cost_expense, 0)::numeric, 2) AS cost_expense,
                       pss_reporting_to_group(
                           c.currency_id,
                           (g.month + interval '1 month - 1 day')::date) AS to_group
                  FROM grid g
                  JOIN sale_order so ON so.id = g.order_id
                  JOIN res_company c ON c.id = so.company_id
             LEFT JOIN practice pr ON pr.order_id = g.order_id
             LEFT JOIN time t ON t.order_id = g.order_id AND t.month = g.month
             LEFT JOIN invoiced i ON i.order_id = g.order_id AND i.month = g.month
             LEFT JOIN ic ON ic.order_id = g.order_id AND ic.month = g.month
             LEFT JOIN expense x ON x.order_id = g.order_id AND x.month = g.month
             LEFT JOIN planned pl ON pl.order_id = g.order_id
                                 AND pl.month = g.month
            ),
            m AS (
                SELECT k.*,
                       k.revenue_invoiced + k.revenue_draft + k.revenue_unbilled
                           AS revenue,
                       k.cost_time + k.cost_intercompany + k.cost_expense AS cost,
                       k.revenue_invoiced + k.revenue_draft + k.revenue_unbilled
                           - k.cost_time - k.cost_intercompany - k.cost_expense
                           AS margin
                  FROM k
            ),
            g AS (
                SELECT m.*,
                       ROUND((m.value_rate_card * m.to_group)::numeric, 2)
                           AS value_rate_card_group,
                       ROUND((m.value_invoiced * m.to_group)::numeric, 2)
                           AS value_invoiced_group,
                       ROUND((m.revenue_invoiced * m.to_group)::numeric, 2)
                           AS revenue_invoiced_group,
                       ROUND((m.revenue_draft * m.to_group)::numeric, 2)
                           AS revenue_draft_group,
                       ROUND((m.revenue_unbilled * m.to_group)::numeric, 2)
                           AS revenue_unbilled_group,
                       ROUND((m.revenue * m.to_group)::numeric, 2) AS revenue_group,
                       ROUND((m.cost_time * m.to_group)::numeric, 2)
                           AS cost_time_group,
                       ROUND((m.cost_intercompany * m.to_group)::numeric, 2)
                           AS cost_intercompany_group,
                       ROUND((m.cost_expense * m.to_group)::numeric, 2)
                           AS cost_expense_group,
                       ROUND((m.cost * m.to_group)::numeric, 2) AS cost_group,
                       ROUND((m.margin * m.to_group)::numeric, 2) AS margin_group
                  FROM m
            )
            SELECT (k.order_id::bigint * 100000
                    + EXTRACT(YEAR FROM k.month)::integer * 12
                    + EXTRACT(MONTH FROM k.month)::integer - 1) AS id,
                   k.month, k.company_id, k.practice, k.partner_id, k.order_id,
                   k.currency_id,
                   pss_reporting_group_currency() AS group_currency_id,
                   k.billable_hours, k.invoiced_hours, k.draft_hours,
                   k.unbilled_hours, k.planned_hours,
                   k.value_rate_card, k.value_invoiced,
                   -- Ratios from the group-currency figures, as the pivot
                   -- groups and the dashboard compute them.
                   CASE WHEN k.value_rate_card_group != 0
                        THEN ROUND(100 * k.value_invoiced_group
                                   / k.value_rate_card_group, 2)
                        ELSE 0 END AS realization,
                   k.revenue_invoiced, k.revenue_draft, k.revenue_unbilled,
                   k.revenue,
                   k.cost_time, k.cost_intercompany, k.cost_expense, k.cost,
                   k.margin,
                   CASE WHEN k.revenue_group != 0
                        THEN ROUND(100 * k.margin_group / k.revenue_group, 2)
                        ELSE 0 END AS margin_percent,
                   k.value_rate_card_group, k.value_invoiced_group,
                   k.revenue_invoiced_group, k.revenue_draft_group,
                   k.revenue_unbilled_group, k.revenue_group,
                   k.cost_time_group, k.cost_intercompany_group,
                   k.cost_expense_group, k.cost_group, k.margin_group
              FROM g k
            )
            """
        )
