from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import _lt

from .pss_report import ratio

# figure: (action XML id, records of the month?, title, pivot measures)
FIGURES = {
    "utilization": (
        "pss_reporting.pss_report_utilization_action",
        True,
        _lt("Utilization"),
        ["billable_hours", "capacity_hours", "utilization"],
    ),
    "planned_utilization": (
        "pss_reporting.pss_report_utilization_action",
        True,
        _lt("Planned utilization"),
        ["planned_hours", "capacity_hours", "planned_utilization"],
    ),
    "billable_hours": (
        "pss_reporting.pss_report_utilization_action",
        True,
        _lt("Billable hours"),
        ["billable_hours"],
    ),
    "capacity_hours": (
        "pss_reporting.pss_report_utilization_action",
        True,
        _lt("Capacity hours"),
        ["capacity_hours"],
    ),
    "planned_hours": (
        "pss_reporting.pss_report_utilization_action",
        True,
        _lt("Planned hours"),
        ["planned_hours"],
    ),
    "revenue": (
        "pss_reporting.pss_report_engagement_action",
        True,
        _lt("Revenue"),
        ["revenue_group"],
    ),
    "cost": (
        "pss_reporting.pss_report_engagement_action",
        True,
        _lt("Cost"),
        ["cost_group"],
    ),
    "margin": (
        "pss_reporting.pss_report_engagement_action",
        True,
        _lt("Margin"),
        ["margin_group"],
    ),
    "margin_percent": (
        "pss_reporting.pss_report_engagement_action",
        True,
        _lt("Margin (%)"),
        ["revenue_group", "margin_group", "margin_percent"],
    ),
    "realization": (
        "pss_reporting.pss_report_engagement_action",
        True,
        _lt("Realization"),
        ["value_rate_card_group", "value_invoiced_group", "realization"],
    ),
    "backlog": (
        "pss_reporting.pss_report_backlog_action",
        False,
        _lt("Backlog (today)"),
        ["remaining_group"],
    ),
    "wip": (
        "pss_billing.pss_billing_wip_action",
        False,
        _lt("Unbilled approved time"),
        ["hours", "value_sale_group"],
    ),
    "wip_oldest": (
        "pss_billing.pss_billing_wip_action",
        False,
        _lt("Oldest unbilled time"),
        ["hours", "value_sale_group"],
    ),
}

# The figures of a month (0 on a board without one).
MONTH_KPIS = (
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
)


class PssReportDashboard(models.Model):
    """The management dashboard: the group's KPIs of one month on one screen,
    in the group currency, each figure a button to the records behind it.

    Every figure is a ``read_group`` sum over the KPI views (record rules
    apply: a user of some entities sees their figures), so a tile and the
    list it opens always agree.

    One saved record per month, shared (it holds only the month; the
    figures are computed for whoever reads them): the menu opens the last
    closed month's record, read-only, and the month buttons move to the
    record of the month before or after.
    """

    _name = "pss.report.dashboard"
    _description = "Group management dashboard"
    _order = "month desc"

    def _default_month(self):
        return fields.Date.context_today(self).replace(day=1) - relativedelta(months=1)

    month = fields.Date(required=True, default=_default_month, index=True)
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
    # One saved record per month, read by several users: their figures.
    @api.depends_context("uid", "allowed_company_ids")
    def _compute_kpis(self):
        group = self.env["res.company"]._pss_group_currency()
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
            board.update(
                board._month_kpis() if board.month else dict.fromkeys(MONTH_KPIS, 0.0)
            )

    def _month_kpis(self):
        """{field: value} of the figures of the board's month."""
        domain = self._month_domain()
        hours = self._sums(
            self.env["pss.report.utilization"],
            domain,
            ["capacity_hours", "billable_hours", "planned_hours"],
        )
        money = self._sums(
            self.env["pss.report.engagement"],
            domain,
            [
                "value_invoiced_group",
                "value_rate_card_group",
                "revenue_group",
                "cost_group",
                "margin_group",
            ],
        )
        return {
            "capacity_hours": hours["capacity_hours"],
            "billable_hours": hours["billable_hours"],
            "planned_hours": hours["planned_hours"],
            "utilization": ratio(hours["billable_hours"], hours["capacity_hours"]),
            "planned_utilization": ratio(
                hours["planned_hours"], hours["capacity_hours"]
            ),
            "realization": ratio(
                money["value_invoiced_group"], money["value_rate_card_group"]
            ),
            "revenue": money["revenue_group"],
            "cost": money["cost_group"],
            "margin": money["margin_group"],
            "margin_percent": ratio(money["margin_group"], money["revenue_group"]),
        }

    @api.depends("month")
    def _compute_display_name(self):
        for board in self:
            board.display_name = _(
                "Management dashboard — %s", board._month_label() or "?"
            )

    def _month_label(self):
        return self.month.strftime("%B %Y") if self.month else ""

    def write(self, vals):
        # Shared by every reader of the month: moved with the month buttons,
        # never edited (the menu's server action needs the write right).
        if not self.env.su:
            raise UserError(_("Use the month buttons to see another month."))
        return super().write(vals)

    # The screen ---------------------------------------------------------------
    @api.model
    def _for_month(self, month):
        """The saved dashboard of ``month`` (made on first use)."""
        month = month.replace(day=1)
        board = self.sudo().search([("month", "=", month)], limit=1)
        if not board:
            board = self.sudo().create({"month": month})
        return self.browse(board.id)

    def _screen(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "pss_reporting.pss_report_dashboard_action"
        )
        action.update(
            res_id=self.id,
            name=self.display_name,
            context={"create": False, "edit": False, "delete": False},
        )
        return action

    @api.model
    def action_open_dashboard(self):
        """The menu: the last closed month (the previous calendar month)."""
        return self._for_month(self._default_month())._screen()

    def action_previous_month(self):
        self.ensure_one()
        return self._for_month(self.month - relativedelta(months=1))._screen()

    def action_next_month(self):
        self.ensure_one()
        return self._for_month(self.month + relativedelta(months=1))._screen()

    # Buttons ----------------------------------------------------------------
    def _scope(self):
        """Whose figures: the group, or the reader's entities."""
        companies = self.env.companies
        if len(companies) > 1 and companies == self.env.user.company_ids:
            return _("group")
        return ", ".join(companies.mapped(lambda c: c.pss_entity_code or c.name))

    def _open(self, xmlid, domain, name, context=None):
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action.update(domain=domain, name=name, context=context or {})
        return action

    def action_open_figure(self, figure=None):
        """The records behind one figure (``figure`` or the context's), titled
        with the figure, its month and whose figures they are."""
        self.ensure_one()
        figure = figure or self.env.context.get("figure")
        if figure not in FIGURES:
            raise UserError(_("Unknown figure %s.", figure))
        xmlid, monthly, label, measures = FIGURES[figure]
        if monthly:
            domain = self._month_domain()
            when = self._month_label()
        elif xmlid == "pss_billing.pss_billing_wip_action":
            domain = self._wip_domain()
            when = _("today")
        else:
            domain = []
            when = _("today")
        context = {"pivot_measures": measures}
        if xmlid == "pss_reporting.pss_report_utilization_action":
            context["pivot_row_groupby"] = ["company_id", "department_id"]
        elif xmlid == "pss_reporting.pss_report_engagement_action":
            context["pivot_row_groupby"] = ["company_id", "partner_id"]
        title = f"{label} — {when}, {self._scope()}"
        return self._open(xmlid, domain, title, context)

    def action_open_utilization(self):
        action = self.action_open_figure("utilization")
        action["context"]["pivot_measures"] = [
            "capacity_hours",
            "billable_hours",
            "planned_hours",
            "utilization",
            "planned_utilization",
        ]
        return action

    def action_open_engagements(self):
        action = self.action_open_figure("revenue")
        action["context"]["pivot_measures"] = [
            "revenue_group",
            "cost_group",
            "margin_group",
            "margin_percent",
            "realization",
        ]
        action["name"] = action["name"].replace(
            str(FIGURES["revenue"][2]), _("Realization and margin"), 1
        )
        return action

    def action_open_backlog(self):
        return self.action_open_figure("backlog")

    def action_open_wip(self):
        return self.action_open_figure("wip")

    def action_open_wip_to_approve(self):
        return self._open(
            "pss_billing.pss_billing_wip_action",
            self._wip_to_approve_domain(),
            _("Approved time on draft invoices — %s", self._scope()),
            {"pivot_measures": ["hours", "value_sale_group"]},
        )
