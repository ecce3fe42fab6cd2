from odoo import fields, models, tools

KIND_SELECTION = [
    ("time", "Time and materials budget"),
    ("milestone", "Milestones"),
    ("fixed", "Fixed fee and other"),
]


class PssReportBacklog(models.Model):
    """Backlog: contracted value not yet delivered, per engagement line of
    the confirmed engagements (a snapshot of today), in company currency
    (the order's rate) and group currency (today's rate).

    - time and materials: the budget of hours not consumed yet,
      (ordered - delivered hours) x price after discount, never negative;
    - milestones: the milestones not reached, same formula;
    - fixed fee (and retainers, anything else): the untaxed amount not
      invoiced yet.
    """

    _name = "pss.report.backlog"
    _inherit = "pss.report.mixin"
    _description = "Backlog (KPI)"
    _auto = False
    _order = "company_id, order_id, id"
    _pss_api_columns = (
        "id",
        "company_id",
        "partner_id",
        "order_id",
        "kind",
        "contracted",
        "remaining",
        "currency_id",
        "group_currency_id",
        "contracted_group",
        "remaining_group",
    )

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    order_id = fields.Many2one("sale.order", string="Engagement", readonly=True)
    kind = fields.Selection(KIND_SELECTION, readonly=True)
    # Company currency: shown per row, never added across entities.
    contracted = fields.Monetary(
        string="Contracted Value", readonly=True, group_operator=None
    )
    remaining = fields.Monetary(string="Backlog", readonly=True, group_operator=None)
    contracted_group = fields.Monetary(
        string="Contracted Value (Group)",
        readonly=True,
        currency_field="group_currency_id",
    )
    remaining_group = fields.Monetary(
        string="Backlog (Group)", readonly=True, currency_field="group_currency_id"
    )

    def init(self):
        self._pss_create_functions()
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"""
            CREATE OR REPLACE VIEW {self._table} AS (
            WITH b AS (
                SELECT sol.id, so.company_id, so.partner_id, so.id AS order_id,
                       c.currency_id,
                       CASE WHEN sol.qty_delivered_method = 'timesheet'
                                 AND so.pss_billing_model = 'time_and_materials'
                            THEN 'time'
                            WHEN sol.qty_delivered_method = 'milestones'
                            THEN 'milestone'
                            ELSE 'fixed' END AS kind,
                       sol.price_subtotal
                           / COALESCE(NULLIF(so.currency_rate, 0), 1.0) AS contracted,
                       CASE WHEN sol.qty_delivered_method IN ('timesheet', 'milestones')
                                 AND (sol.qty_delivered_method = 'milestones'
                                      OR so.pss_billing_model = 'time_and_materials')
                            THEN GREATEST(sol.product_uom_qty - sol.qty_delivered, 0)
                                 * sol.price_unit
                                 * (1 - COALESCE(sol.discount, 0) / 100)
                            ELSE GREATEST(sol.price_subtotal
                                          - COALESCE(sol.untaxed_amount_invoiced, 0), 0)
                       END / COALESCE(NULLIF(so.currency_rate, 0), 1.0) AS remaining
                  FROM sale_order_line sol
                  JOIN sale_order so ON so.id = sol.order_id
                  JOIN res_company c ON c.id = so.company_id
                 WHERE so.state = 'sale' AND so.pss_external_id IS NOT NULL
                   AND sol.display_type IS NULL
                   AND sol.is_downpayment IS NOT TRUE
                   AND sol.is_expense IS NOT TRUE
            )
            SELECT b.id, b.company_id, b.partner_id, b.order_id, b.kind,
                   b.currency_id,
                   pss_reporting_group_currency() AS group_currency_id,
                   ROUND(b.contracted::numeric, 2) AS contracted,
                   ROUND(b.remaining::numeric, 2) AS remaining,
                   ROUND((b.contracted * pss_reporting_to_group(b.currency_id,
                                                               CURRENT_DATE))::numeric,
                         2) AS contracted_group,
                   ROUND((b.remaining * pss_reporting_to_group(b.currency_id,
                                                              CURRENT_DATE))::numeric,
                         2) AS remaining_group
              FROM b
            )
            """
        )
