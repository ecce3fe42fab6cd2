from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models

from .pss_report import ratio


class PssReportDashboard(models.TransientModel):
    """The management dashboard: the group's KPIs of one month on one screen,
    in the group currency, each figure a button to the records behind it.

    Every figure is a ``read_group`` sum over the KPI views (record rules
    apply: a user of some entities sees their figures), so a tile and the
    list it opens always agree.
    """

    _name = "pss.report.dashboard"
    _description = "Group management dashboard"

    def _default_month(self):
        return fields.Date.context_today(self).replace(day=1) - relativedelta(months=1)

    month = fields.Date(required=True, default=_default_month)
    currency_id = fields.Many2one(
        "res.currency", string="Group Currency", compute="_compute_kpis"
    )
    capacity_hours = fields.Float(compute="_compute_kpis", digits=(16, 1))
    billable_hours = fields.Float(compute="_compute_kpis", digits=(16, 1))
    planned_hours = fields.Float(compute="_compute_kpis", digits=(16, 1))
    utilization = fields.Float(string="Utilization (%)", compute="_compute_kpis")
    planned_utilization = fields.Float(
        string="Planned Utilization (%)", compute="_compute_kpis"
    )
    realization = fields.Float(string="Realization (%)", compute="_compute_kpis")
    revenue = fields.Monetary(compute="_compute_kpis")
    cost = fields.Monetary(compute="_compute_kpis", groups="pss_core.group_pss_cost")
    margin = fields.Monetary(compute="_compute_kpis", groups="pss_core.group_pss_cost")
    margin_percent = fields.Float(
        string="Margin (%)", compute="_compute_kpis", groups="pss_core.group_pss_cost"
    )
    backlog = fields.Monetary(string="Backlog (today)", compute="_compute_kpis")
    wip = fields.Monetary(string="Unbilled Approved Time", compute="_compute_kpis")
    wip_oldest = fields.Date(string="Oldest Unbilled Time", compute="_compute_kpis")
    # Approved time on draft invoices waiting for finance (in the revenue
    # already, as "on draft invoices"): the third bucket beside unbilled
    # and invoiced time.
    wip_to_approve = fields.Monetary(
        string="Time On Draft Invoices", compute="_compute_kpis"
    )

    # The records behind each tile ------------------------------------------
    def _month_domain(self):
        self.ensure_one()
        month = self.month.replace(day=1)
        return [("month", "=", month)]

    @api.model
    def _wip_to_approve_domain(self):
        return [("approved", "=", True), ("billing_state", "=", "to_approve")]

    @api.model
    def _wip_domain(self):
        # Approved time on no invoice (time on a draft invoice is in the
        # revenue already, as "on draft invoices").
        return [("approved", "=", True), ("billing_state", "=", "unbilled")]

    @staticmethod
    def _sums(model, domain, names):
        rows = model.read_group(domain, [f"{n}:sum" for n in names], [])
        row = rows[0] if rows else {}
        return {n: row.get(n) or 0.0 for n in names}

    @api.depends("month")
    def _compute_kpis(self):
        group = self.env["res.company"]._pss_group_currency()
        Utilization = self.env["pss.report.utilization"]
        Engagement = self.env["pss.report.engagement"]
        Backlog = self.env["pss.report.backlog"]
        Wip = self.env["pss.billing.wip"]
        backlog = self._sums(Backlog, [], ["remaining_group"])["remaining_group"]
        wip = self._sums(Wip, self._wip_domain(), ["value_sale_group"])
        to_approve = self._sums(
            Wip, self._wip_to_approve_domain(), ["value_sale_group"]
        )["value_sale_group"]
        oldest = Wip.search(self._wip_domain(), order="oldest_date", limit=1)
        for board in self:
            board.currency_id = group
            board.backlog = backlog
            board.wip = wip["value_sale_group"]
            board.wip_to_approve = to_approve
            board.wip_oldest = oldest.oldest_date
            if not board.month:
                board.update(
                    dict.fromkeys(
                        [
                            "capacity_hours",
                            "billable_hours",
                            "planned_hours",
                            "utilization",
                            "planned_utilization",
                            "realization",
                            "revenue",
                            "cost",
                            "margin",
                            "margin_percent",
                        ],
                        0.0,
                    )
                )
                continue
            domain = board._month_domain()
            hours = self._sums(
                Utilization,
                domain,
                ["capacity_hours", "billable_hours", "planned_hours"],
            )
            money = self._sums(
                Engagement,
                domain,
                [
                    "value_invoiced_group",
                    "value_rate_card_group",
                    "revenue_group",
                    "cost_group",
                    "margin_group",
                ],
            )
            board.capacity_hours = hours["capacity_hours"]
            board.billable_hours = hours["billable_hours"]
            board.planned_hours = hours["planned_hours"]
            board.utilization = ratio(hours["billable_hours"], hours["capacity_hours"])
            board.planned_utilization = ratio(
                hours["planned_hours"], hours["capacity_hours"]
            )
            board.realization = ratio(
                money["value_invoiced_group"], money["value_rate_card_group"]
            )
            board.revenue = money["revenue_group"]
            board.cost = money["cost_group"]
            board.margin = money["margin_group"]
            board.margin_percent = ratio(money["margin_group"], money["revenue_group"])

    # Buttons ----------------------------------------------------------------
    def _open(self, xmlid, domain, name, context=None):
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action.update(domain=domain, name=name, context=context or {})
        return action

    def action_open_utilization(self):
        return self._open(
            "pss_reporting.pss_report_utilization_action",
            self._month_domain(),
            _("Utilization of %s", self.month.strftime("%B %Y")),
            {"pivot_row_groupby": ["company_id", "department_id"]},
        )

    def action_open_engagements(self):
        return self._open(
            "pss_reporting.pss_report_engagement_action",
            self._month_domain(),
            _("Realization and margin of %s", self.month.strftime("%B %Y")),
            {
                "pivot_measures": [
                    "revenue_group",
                    "cost_group",
                    "margin_group",
                    "margin_percent",
                    "realization",
                ],
                "pivot_row_groupby": ["company_id", "partner_id"],
            },
        )

    def action_open_backlog(self):
        return self._open("pss_reporting.pss_report_backlog_action", [], _("Backlog"))

    def action_open_wip(self):
        return self._open(
            "pss_billing.pss_billing_wip_action",
            self._wip_domain(),
            _("Unbilled approved time"),
            {"pivot_measures": ["hours", "value_sale_group"]},
        )

    def action_open_wip_to_approve(self):
        return self._open(
            "pss_billing.pss_billing_wip_action",
            self._wip_to_approve_domain(),
            _("Approved time on draft invoices"),
            {"pivot_measures": ["hours", "value_sale_group"]},
        )
