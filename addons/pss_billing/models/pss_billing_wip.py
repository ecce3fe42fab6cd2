from odoo import fields, models, tools

AGE_BUCKET_SELECTION = [
    ("0_30", "0-30 days"),
    ("31_60", "31-60 days"),
    ("61_90", "61-90 days"),
    ("90_plus", "Over 90 days"),
]

BILLING_STATE_SELECTION = [
    ("unbilled", "Not invoiced"),
    ("to_approve", "On a draft invoice"),
]


class PssBillingWip(models.Model):
    """Unbilled time (work in progress) per entity, customer, engagement and
    age: an SQL view over the timesheets, aggregated by PostgreSQL.

    Time billed by the hour (sale lines delivered from timesheets) that no
    posted invoice holds. ``billing_state`` splits the time no invoice holds
    (or only a cancelled one: ``unbilled``) from the time on a draft invoice
    waiting for finance (``to_approve``); with the time on posted invoices
    (``pss.report.engagement``'s invoiced hours) every approved hour is in
    exactly one of the three. ``approved`` splits what the next billing run
    invoices from what still waits for approval. Values are in the company
    currency (summed only within one entity: ``group_operator`` None), the
    sale value converted at the order's rate, the cost as booked on the
    timesheet; the group columns add up across entities.
    """

    _name = "pss.billing.wip"
    _description = "Unbilled time (WIP)"
    _auto = False
    _order = "company_id, partner_id, order_id, age_bucket"

    company_id = fields.Many2one("res.company", string="Entity", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    order_id = fields.Many2one("sale.order", string="Engagement", readonly=True)
    project_id = fields.Many2one("project.project", readonly=True)
    approved = fields.Boolean(readonly=True)
    billing_state = fields.Selection(
        BILLING_STATE_SELECTION, string="Billing", readonly=True
    )
    age_bucket = fields.Selection(AGE_BUCKET_SELECTION, string="Age", readonly=True)
    oldest_date = fields.Date(string="Oldest Time", readonly=True)
    hours = fields.Float(readonly=True, digits=(16, 2))
    value_sale = fields.Monetary(
        string="Value At Sale Price",
        readonly=True,
        currency_field="currency_id",
        group_operator=None,
    )
    value_cost = fields.Monetary(
        string="Value At Cost",
        readonly=True,
        currency_field="currency_id",
        group_operator=None,
        groups="pss_core.group_pss_cost",
    )
    currency_id = fields.Many2one("res.currency", readonly=True)
    value_sale_group = fields.Monetary(
        string="Value At Sale Price (Group)",
        readonly=True,
        currency_field="group_currency_id",
        help="In the group reporting currency, at today's rate.",
    )
    value_cost_group = fields.Monetary(
        string="Value At Cost (Group)",
        readonly=True,
        groups="pss_core.group_pss_cost",
        currency_field="group_currency_id",
        help="In the group reporting currency, at today's rate.",
    )
    group_currency_id = fields.Many2one("res.currency", readonly=True)
    line_count = fields.Integer(string="Time Lines", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"""
            CREATE OR REPLACE VIEW {self._table} AS (
            -- The group currency (pss_core setting, else the main company's)
            -- and the main company, whose rates convert (as in pss_core's
            -- res.company._pss_group_rates).
            WITH main AS (
                SELECT COALESCE(
                    (SELECT d.res_id FROM ir_model_data d
                      WHERE d.module = 'base' AND d.name = 'main_company'),
                    (SELECT MIN(id) FROM res_company)) AS company_id
            ),
            grp AS (
                SELECT COALESCE(
                    (SELECT cur.id FROM ir_config_parameter p
                       JOIN res_currency cur ON cur.id = CASE
                            WHEN p.value ~ '^[0-9]{{1,9}}$' THEN p.value::int END
                      WHERE p.key = 'pss_core.group_currency_id'),
                    (SELECT c.currency_id FROM res_company c, main
                      WHERE c.id = main.company_id)) AS currency_id
            ),
            wip AS (
                SELECT aal.id,
                       aal.company_id,
                       so.partner_id,
                       so.id AS order_id,
                       aal.project_id,
                       aal.pss_approved IS TRUE AS approved,
                       CASE WHEN am.state = 'draft' THEN 'to_approve'
                            ELSE 'unbilled' END AS billing_state,
                       aal.date,
                       aal.unit_amount,
                       aal.unit_amount * sol.price_unit
                           / COALESCE(NULLIF(so.currency_rate, 0), 1.0) AS value_sale,
                       -aal.amount AS value_cost,
                       CASE
                           WHEN CURRENT_DATE - aal.date <= 30 THEN '0_30'
                           WHEN CURRENT_DATE - aal.date <= 60 THEN '31_60'
                           WHEN CURRENT_DATE - aal.date <= 90 THEN '61_90'
                           ELSE '90_plus'
                       END AS age_bucket
                  FROM account_analytic_line aal
                  JOIN sale_order_line sol ON sol.id = aal.so_line
                  JOIN sale_order so ON so.id = sol.order_id
             LEFT JOIN account_move am ON am.id = aal.timesheet_invoice_id
                 WHERE aal.project_id IS NOT NULL
                   AND sol.qty_delivered_method = 'timesheet'
                   AND (aal.timesheet_invoice_id IS NULL
                        OR am.state IN ('cancel', 'draft'))
            )
            SELECT MIN(wip.id) AS id,
                   wip.company_id,
                   wip.partner_id,
                   wip.order_id,
                   wip.project_id,
                   wip.approved,
                   wip.billing_state,
                   wip.age_bucket,
                   MIN(wip.date) AS oldest_date,
                   SUM(wip.unit_amount) AS hours,
                   ROUND(SUM(wip.value_sale)::numeric, 2) AS value_sale,
                   ROUND(SUM(wip.value_cost)::numeric, 2) AS value_cost,
                   c.currency_id,
                   COUNT(*) AS line_count,
                   grp.currency_id AS group_currency_id,
                   ROUND((SUM(wip.value_sale) * MIN(factor.value))::numeric, 2)
                       AS value_sale_group,
                   ROUND((SUM(wip.value_cost) * MIN(factor.value))::numeric, 2)
                       AS value_cost_group
              FROM wip
              JOIN res_company c ON c.id = wip.company_id
             CROSS JOIN grp
             CROSS JOIN main
             CROSS JOIN LATERAL (
                SELECT CASE WHEN c.currency_id = grp.currency_id THEN 1.0
                       ELSE (SELECT COALESCE((
                                SELECT r.rate FROM res_currency_rate r
                                 WHERE r.currency_id = grp.currency_id
                                   AND r.name <= CURRENT_DATE
                                   AND (r.company_id IS NULL
                                        OR r.company_id = main.company_id)
                              ORDER BY r.company_id, r.name DESC LIMIT 1), 1.0))
                          / (SELECT COALESCE((
                                SELECT r.rate FROM res_currency_rate r
                                 WHERE r.currency_id = c.currency_id
                                   AND r.name <= CURRENT_DATE
                                   AND (r.company_id IS NULL
                                        OR r.company_id = main.company_id)
                              ORDER BY r.company_id, r.name DESC LIMIT 1), 1.0))
                       END AS value
             ) factor
          GROUP BY wip.company_id, wip.partner_id, wip.order_id, wip.project_id,
                   wip.approved, wip.billing_state, wip.age_bucket, c.currency_id,
                   grp.currency_id
            )
            """
        )
