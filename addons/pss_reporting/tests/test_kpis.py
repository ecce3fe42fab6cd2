"""Every KPI of a seeded quarter in two entities and two currencies equals
the same figure computed in the test from the records, in company and in
group currency."""

import re

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo import fields
from odoo.tests import tagged

from odoo.addons.pss_core.tests.common import default_search_domain, make_user, unique

from .common import MONTHS, ReportingCase, month_end

MONEY = (
    "value_rate_card",
    "value_invoiced",
    "revenue_invoiced",
    "revenue_unbilled",
    "revenue",
    "cost_time",
    "cost_intercompany",
    "cost_expense",
    "cost",
    "margin",
)


@tagged("post_install", "-at_install")
class TestKpis(ReportingCase):
    def setUp(self):
        super().setUp()
        self.seed_quarter()

    def test_utilization_against_calendar_capacity(self):
        Report = self.env["pss.report.utilization"]
        for employee in self.emp_de | self.emp_us | self.emp_fr:
            for month in MONTHS:
                (row,) = Report.search(
                    [("employee_id", "=", employee.id), ("month", "=", month)]
                )
                timesheets = self.env["account.analytic.line"].search(
                    [
                        ("employee_id", "=", employee.id),
                        ("date", ">=", month),
                        ("date", "<=", month_end(month)),
                        ("pss_approved", "=", True),
                    ]
                )
                billable = sum(
                    t.unit_amount
                    for t in timesheets
                    if t.timesheet_invoice_type.startswith("billable")
                )
                capacity = self.capacity(employee, month)
                self.assertEqual(row.company_id, employee.company_id)
                self.assertAlmostEqual(row.capacity_hours, capacity, places=2)
                self.assertAlmostEqual(row.billable_hours, billable, places=2)
                self.assertAlmostEqual(
                    row.approved_hours, sum(timesheets.mapped("unit_amount")), places=2
                )
                self.assertAlmostEqual(
                    row.utilization, round(100 * billable / capacity, 2), places=2
                )
        # The holiday and the time off: April and May of the DE resource
        # lose 8 and 16 hours against the US resource on the same calendar
        # pattern (both standard 40 h weeks).
        de_april = Report.search(
            [("employee_id", "=", self.emp_de.id), ("month", "=", MONTHS[0])]
        )
        us_april = Report.search(
            [("employee_id", "=", self.emp_us.id), ("month", "=", MONTHS[0])]
        )
        self.assertEqual(us_april.capacity_hours - de_april.capacity_hours, 8.0)
        # Non-billable time counts as approved, not as billable.
        self.assertEqual(de_april.billable_hours, 14.0)
        self.assertEqual(de_april.approved_hours, 17.0)
        # A pivot group recomputes the ratio from its sums.
        (group,) = Report.read_group(
            [("employee_id", "in", (self.emp_de | self.emp_us | self.emp_fr).ids)],
            ["billable_hours", "capacity_hours", "utilization"],
            ["company_id"],
            lazy=False,
        )[:1] or [None]
        self.assertAlmostEqual(
            group["utilization"],
            round(100 * group["billable_hours"] / group["capacity_hours"], 2),
        )

    def test_realization_margin_company_and_group_currency(self):
        Report = self.env["pss.report.engagement"]
        seen = 0
        for order in self.order_de | self.order_us | self.order_fr:
            currency = order.company_id.currency_id
            for month in MONTHS:
                expected = self.expected_engagement(order, month)
                row = Report.search(
                    [("order_id", "=", order.id), ("month", "=", month)]
                )
                if not row:
                    # A month without any figure has no row.
                    self.assertFalse(any(expected.values()), f"{order.name} {month}")
                    continue
                seen += 1
                self.assertEqual(row.company_id, order.company_id)
                self.assertEqual(row.currency_id, currency)
                self.assertEqual(row.group_currency_id, self.eur)
                self.assertAlmostEqual(
                    row.billable_hours, expected["billable_hours"], places=2
                )
                for name in MONEY:
                    self.assertAlmostEqual(
                        row[name], expected[name], places=2, msg=f"{name} {month}"
                    )
                    self.assertAlmostEqual(
                        row[f"{name}_group"],
                        self.to_group(expected[name], currency, month),
                        places=2,
                        msg=f"{name}_group {month}",
                    )
                if expected["value_rate_card"]:
                    self.assertAlmostEqual(
                        row.realization,
                        round(
                            100
                            * expected["value_invoiced"]
                            / expected["value_rate_card"],
                            2,
                        ),
                        places=2,
                    )
        self.assertEqual(seen, 8)
        # The figures themselves: April in DE is invoiced at a 10 % discount
        # (realization 90 %); the US April revenue in EUR at 1.10 USD per EUR.
        april_de = Report.search(
            [("order_id", "=", self.order_de.id), ("month", "=", MONTHS[0])]
        )
        self.assertEqual(april_de.realization, 90.0)
        self.assertEqual(april_de.revenue_invoiced, 14 * 150 * 0.9)
        april_us = Report.search(
            [("order_id", "=", self.order_us.id), ("month", "=", MONTHS[0])]
        )
        self.assertEqual(april_us.revenue_invoiced, 7 * 200.0)
        self.assertAlmostEqual(april_us.revenue_invoiced_group, 1400 / 1.10, places=2)
        self.assertEqual(april_us.cost_time, 7 * 50.0)
        # May in DE: the US resource's 5 h cost what DE is charged (50 USD
        # at 1.25 = 40 EUR, + 10 % = 44 EUR/h), the expense 120 EUR.
        may_de = Report.search(
            [("order_id", "=", self.order_de.id), ("month", "=", MONTHS[1])]
        )
        self.assertEqual(may_de.cost_intercompany, 5 * 44.0)
        self.assertEqual(may_de.cost_expense, 120.0)
        self.assertEqual(may_de.cost_time, 7.5 * 50.0)
        self.assertEqual(may_de.currency_id, self.eur)

    def test_backlog_remaining_budget(self):
        Report = self.env["pss.report.backlog"]
        for order in self.order_de | self.order_us | self.order_fr:
            rows = Report.search([("order_id", "=", order.id)])
            self.assertEqual(set(rows.mapped("kind")), {"time"})
            expected = sum(
                max(sol.product_uom_qty - sol.qty_delivered, 0)
                * sol.price_unit
                * (1 - sol.discount / 100)
                for sol in order.order_line.filtered(
                    lambda sol: sol.qty_delivered_method == "timesheet"
                )
            )
            self.assertAlmostEqual(sum(rows.mapped("remaining")), expected, places=2)
            today = self.env.cr.now().date()
            self.assertAlmostEqual(
                sum(rows.mapped("remaining_group")),
                self.env["res.company"]._pss_to_group(
                    expected, order.company_id.currency_id, today
                ),
                places=1,
            )
        de = Report.search([("order_id", "=", self.order_de.id)])
        # 1000 hours ordered, 30.5 billable delivered (5 by the US resource),
        # 150 at 10 % discount.
        self.assertAlmostEqual(sum(de.mapped("remaining")), (1000 - 30.5) * 135, 2)

    def test_finance_of_one_entity_sees_its_rows_only(self):
        """Multi-company rules: a finance user of DE reads DE rows only, in
        every report; the group overview pivot groups by entity."""
        user = self.biller  # finance of DE only
        for model in (
            "pss.report.utilization",
            "pss.report.engagement",
            "pss.report.backlog",
        ):
            Report = (
                self.env[model]
                .with_user(user)
                .with_context(allowed_company_ids=self.company_de.ids)
            )
            rows = Report.search([])
            self.assertTrue(rows, model)
            self.assertEqual(rows.company_id, self.company_de, model)
        groups = (
            self.env["pss.report.engagement"]
            .with_user(user)
            .read_group([], ["margin_group", "margin_percent"], ["company_id"])
        )
        self.assertEqual([g["company_id"][0] for g in groups], [self.company_de.id])

    def test_management_dashboard_tiles_equal_the_records_they_open(self):
        """Each figure of the dashboard is the sum of the records its button
        opens; ratios come from those sums; a user of one entity gets that
        entity's figures only."""

        def opened(board, method):
            action = getattr(board, method)()
            return board.env[action["res_model"]].search(action["domain"])

        for user, companies in (
            (self.env.user, self.companies),
            (self.biller, self.company_de),
        ):
            env = self.env(
                user=user,
                context=dict(self.env.context, allowed_company_ids=companies.ids),
            )
            board = env["pss.report.dashboard"].create({"month": MONTHS[0]})
            self.assertEqual(board.currency_id, self.eur)
            util = opened(board, "action_open_utilization")
            self.assertTrue(util)
            billable = sum(util.mapped("billable_hours"))
            capacity = sum(util.mapped("capacity_hours"))
            self.assertAlmostEqual(board.billable_hours, billable, places=2)
            self.assertAlmostEqual(board.capacity_hours, capacity, places=2)
            self.assertAlmostEqual(
                board.utilization, round(100 * billable / capacity, 2), places=2
            )
            eng = opened(board, "action_open_engagements")
            self.assertTrue(eng)
            revenue = sum(eng.mapped("revenue_group"))
            margin = sum(eng.mapped("margin_group"))
            self.assertAlmostEqual(board.revenue, revenue, places=2)
            self.assertAlmostEqual(board.cost, sum(eng.mapped("cost_group")), places=2)
            self.assertAlmostEqual(board.margin, margin, places=2)
            self.assertAlmostEqual(
                board.margin_percent, round(100 * margin / revenue, 2), places=2
            )
            self.assertAlmostEqual(
                board.realization,
                round(
                    100
                    * sum(eng.mapped("value_invoiced_group"))
                    / sum(eng.mapped("value_rate_card_group")),
                    2,
                ),
                places=2,
            )
            backlog = opened(board, "action_open_backlog")
            self.assertAlmostEqual(
                board.backlog, sum(backlog.mapped("remaining_group")), places=2
            )
            wip = opened(board, "action_open_wip")
            self.assertAlmostEqual(
                board.wip, sum(wip.mapped("value_sale_group")), places=2
            )
            if user == self.biller:
                self.assertEqual(util.company_id | eng.company_id, self.company_de)

    def test_every_dashboard_figure_opens_its_records_with_a_real_title(self):
        """Issue 18: only four figures opened records, under the title
        "pss.report.dashboard,1", from an unsaved "New" record. Every figure
        opens the records it sums, titled with the figure, the month and
        whose figures they are; the menu opens a saved, read-only month."""

        def pct(part, whole):
            return round(100 * part / whole, 2) if whole else 0.0

        def total(field):
            return lambda recs: sum(recs.mapped(field))

        expected = {
            "billable_hours": total("billable_hours"),
            "capacity_hours": total("capacity_hours"),
            "planned_hours": total("planned_hours"),
            "utilization": lambda r: pct(
                sum(r.mapped("billable_hours")), sum(r.mapped("capacity_hours"))
            ),
            "planned_utilization": lambda r: pct(
                sum(r.mapped("planned_hours")), sum(r.mapped("capacity_hours"))
            ),
            "revenue": total("revenue_group"),
            "cost": total("cost_group"),
            "margin": total("margin_group"),
            "margin_percent": lambda r: pct(
                sum(r.mapped("margin_group")), sum(r.mapped("revenue_group"))
            ),
            "realization": lambda r: pct(
                sum(r.mapped("value_invoiced_group")),
                sum(r.mapped("value_rate_card_group")),
            ),
            "backlog": total("remaining_group"),
            "wip": total("value_sale_group"),
            "wip_oldest": lambda r: min(r.mapped("oldest_date")),
        }
        view = self.env.ref("pss_reporting.pss_report_dashboard_view_form")
        buttons = set(re.findall(r"'figure': '(\w+)'", view.arch_db))
        self.assertEqual(buttons, set(expected))
        controller = make_user(
            self.env, unique("cfo"), self.biller.groups_id.ids, self.companies
        )
        for user, companies, scope in (
            (controller, self.companies, "group"),
            (self.biller, self.company_de, self.company_de.pss_entity_code),
        ):
            env = self.env(
                user=user,
                context=dict(self.env.context, allowed_company_ids=companies.ids),
            )
            board = env["pss.report.dashboard"]._for_month(MONTHS[0])
            self.assertEqual(board.display_name, "Management dashboard — April 2026")
            for figure, of_records in expected.items():
                action = board.with_context(figure=figure).action_open_figure()
                records = env[action["res_model"]].search(action["domain"])
                self.assertTrue(records, figure)
                if figure == "wip_oldest":
                    self.assertEqual(board.wip_oldest, of_records(records))
                else:
                    self.assertAlmostEqual(
                        board[figure], of_records(records), places=2, msg=figure
                    )
                self.assertTrue(action["name"].endswith(f", {scope}"), action["name"])
                self.assertNotIn("pss.report.dashboard", action["name"])
                if figure not in ("backlog", "wip", "wip_oldest"):
                    self.assertIn("April 2026", action["name"])
            self.assertEqual(
                board.with_context(figure="revenue").action_open_figure()["name"],
                f"Revenue — April 2026, {scope}",
            )

        # The menu: the saved record of the last closed month, read-only.
        menu = self.env.ref("pss_reporting.pss_report_dashboard_menu").action
        self.assertEqual(menu._name, "ir.actions.server")
        as_biller = self.env(user=self.biller)
        opened = (
            menu.with_user(self.biller)
            .with_context(allowed_company_ids=self.company_de.ids)
            .run()
        )
        board = as_biller["pss.report.dashboard"].browse(opened["res_id"])
        self.assertEqual(opened["res_model"], "pss.report.dashboard")
        today = fields.Date.context_today(board)
        self.assertEqual(board.month, today.replace(day=1) - relativedelta(months=1))
        self.assertEqual(opened["name"], board.display_name)
        arch = as_biller["pss.report.dashboard"].get_views([[False, "form"]])
        form = etree.fromstring(arch["views"]["form"]["arch"])
        self.assertEqual(form.get("edit"), "0")
        self.assertEqual(form.get("create"), "0")
        # Month by month, the same record each time.
        before = board.action_previous_month()
        self.assertEqual(
            as_biller["pss.report.dashboard"].browse(before["res_id"]).month,
            board.month - relativedelta(months=1),
        )
        self.assertEqual(
            board.browse(before["res_id"]).action_next_month()["res_id"], board.id
        )

    def test_report_menus_open_on_the_last_closed_month(self):
        """Issue 18: Utilization opened on every month (January 2020 on
        top) while the dashboard showed November. The month reports open on
        the previous calendar month; from the dashboard, on its month."""
        today = fields.Date.context_today(self.env["pss.report.utilization"])
        last = today.replace(day=1) - relativedelta(months=1)
        for xmlid in (
            "pss_reporting.pss_report_utilization_action",
            "pss_reporting.pss_report_engagement_action",
            "pss_reporting.pss_report_engagement_action_overview",
        ):
            action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
            Report = self.env[action["res_model"]]
            shown = Report.search(default_search_domain(self.env, action))
            self.assertEqual(set(shown.mapped("month")) - {last}, set(), xmlid)
            self.assertTrue(Report.search([("month", "!=", last)]), xmlid)
        # From the dashboard: the dashboard's month, not the menu's default.
        board = self.env["pss.report.dashboard"]._for_month(MONTHS[1])
        action = board.action_open_utilization()
        shown = self.env[action["res_model"]].search(
            default_search_domain(self.env, action)
        )
        self.assertEqual(set(shown.mapped("month")), {MONTHS[1]})
