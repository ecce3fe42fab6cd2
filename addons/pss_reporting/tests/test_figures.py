"""Figures that must agree: totals across entities are in one currency (the
group's), ratios come from group-currency sums, and every approved hour is
in exactly one billing bucket, so approving a draft invoice moves no
figure but its own column."""

from lxml import etree

from odoo.tests import tagged

from odoo.addons.pss_billing.tests.common import MAY

from ..models.pss_report import ratio
from .common import MONTHS, ReportingCase

KPI_MODELS = (
    "pss.report.engagement",
    "pss.report.backlog",
    "pss.report.utilization",
    "pss.billing.wip",
)


@tagged("post_install", "-at_install")
class TestOneCurrencyPerTotal(ReportingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.add_gbp_entity()

    def setUp(self):
        super().setUp()
        self.seed_quarter()
        self.seed_gbp()

    def test_company_currency_amounts_are_never_added_across_entities(self):
        """No KPI view sums its company-currency amounts (the pivot cannot
        offer them as measures), and every measure of its pivot is one that
        adds up."""
        for model in KPI_MODELS:
            Report = self.env[model]
            for name, field in Report._fields.items():
                if field.type == "monetary" and field.currency_field == "currency_id":
                    self.assertFalse(field.group_operator, f"{model}.{name}")
                    self.assertNotIn(
                        "group_operator",
                        Report.fields_get([name])[name],
                        f"{model}.{name}",
                    )
            pivot = Report.get_views([(False, "pivot")])["views"]["pivot"]["arch"]
            for node in etree.fromstring(pivot).iter("field"):
                if node.get("type") != "measure":
                    continue
                field = Report._fields[node.get("name")]
                self.assertTrue(field.group_operator, f"{model}.{field.name}")
                if field.type == "monetary":
                    self.assertEqual(field.currency_field, "group_currency_id")

    def test_totals_and_ratios_of_three_currencies_are_group_sums(self):
        Report = self.env["pss.report.engagement"]
        may = MONTHS[1]
        domain = [("month", "=", may)]
        rows = Report.search(domain)
        self.assertEqual(rows.currency_id, self.eur | self.usd | self.gbp)
        self.assertEqual(rows.group_currency_id, self.eur)
        fields = [
            "revenue",
            "cost",
            "margin",
            "revenue_group",
            "cost_group",
            "margin_group",
            "margin_percent",
            "realization",
        ]
        (total,) = Report.read_group(domain, fields, [])
        # The mixed-currency sum of the company amounts is not offered.
        for name in ("revenue", "cost", "margin"):
            self.assertNotIn(name, total)
        expected = {
            name: sum(
                self.to_group(
                    self.expected_engagement(row.order_id, may)[name],
                    row.currency_id,
                    may,
                )
                for row in rows
            )
            for name in ("revenue", "cost", "margin")
        }
        revenue = sum(rows.mapped("revenue_group"))
        margin = sum(rows.mapped("margin_group"))
        self.assertAlmostEqual(total["revenue_group"], revenue, places=2)
        self.assertAlmostEqual(total["revenue_group"], expected["revenue"], delta=0.05)
        self.assertAlmostEqual(total["cost_group"], expected["cost"], delta=0.05)
        self.assertAlmostEqual(total["margin_group"], margin, places=2)
        self.assertAlmostEqual(total["margin_percent"], ratio(margin, revenue))
        # Per entity: each group's ratio from its own group-currency sums,
        # and a row's ratio from its own group-currency figures.
        groups = Report.read_group(domain, fields, ["company_id"])
        self.assertEqual(len(groups), 4)
        for group in groups:
            part = rows.filtered(
                lambda r, g=group: r.company_id.id == g["company_id"][0]
            )
            self.assertAlmostEqual(
                group["margin_percent"],
                ratio(
                    sum(part.mapped("margin_group")), sum(part.mapped("revenue_group"))
                ),
            )
        for row in rows:
            self.assertEqual(
                row.margin_percent, ratio(row.margin_group, row.revenue_group)
            )
        # The same figures on the management dashboard.
        board = self.env["pss.report.dashboard"].create({"month": may})
        self.assertAlmostEqual(board.revenue, total["revenue_group"], places=2)
        self.assertAlmostEqual(board.margin, total["margin_group"], places=2)
        self.assertEqual(board.margin_percent, total["margin_percent"])
        # Backlog and unbilled time: group sums only.
        for model, company_field, group_field in (
            ("pss.report.backlog", "remaining", "remaining_group"),
            ("pss.billing.wip", "value_sale", "value_sale_group"),
        ):
            records = self.env[model].search([])
            self.assertGreater(len(records.currency_id), 2, model)
            (total,) = self.env[model].read_group([], [company_field, group_field], [])
            self.assertNotIn(company_field, total)
            self.assertAlmostEqual(
                total[group_field], sum(records.mapped(group_field)), places=2
            )


@tagged("post_install", "-at_install")
class TestTimeOnDraftInvoices(ReportingCase):
    def setUp(self):
        super().setUp()
        self.seed_quarter()

    def buckets(self, company):
        """(approved hours billed by the hour, the WIP's hours per billing
        state, the realization view's hours per bucket) of ``company``."""
        Line = self.env["account.analytic.line"]
        time = Line.search(
            [
                ("company_id", "=", company.id),
                ("project_id", "!=", False),
                ("pss_approved", "=", True),
                ("so_line.qty_delivered_method", "=", "timesheet"),
            ]
        )
        wip = dict(
            self.env["pss.billing.wip"]._read_group(
                [("company_id", "=", company.id), ("approved", "=", True)],
                ["billing_state"],
                ["hours:sum"],
            )
        )
        (eng,) = self.env["pss.report.engagement"]._read_group(
            [("company_id", "=", company.id)],
            [],
            ["unbilled_hours:sum", "draft_hours:sum", "invoiced_hours:sum"],
        )
        return sum(time.mapped("unit_amount")), wip, eng

    def assertBuckets(self, draft_hours):
        for company in self.companies:
            total, wip, (unbilled, draft, invoiced) = self.buckets(company)
            self.assertAlmostEqual(
                total,
                wip.get("unbilled", 0.0) + wip.get("to_approve", 0.0) + invoiced,
                places=2,
                msg=company.name,
            )
            self.assertAlmostEqual(unbilled, wip.get("unbilled", 0.0), places=2)
            self.assertAlmostEqual(draft, wip.get("to_approve", 0.0), places=2)
            expected = draft_hours if company == self.company_de else 0.0
            self.assertAlmostEqual(draft, expected, places=2, msg=company.name)

    def test_approving_a_draft_moves_hours_and_revenue_between_buckets_only(self):
        self.company_de.pss_approval_required = True
        invoice = self.run_billing(MAY, self.company_de).invoice_ids
        self.assertEqual(
            (invoice.state, invoice.pss_approval_state), ("draft", "to_approve")
        )
        # 7.5 h of the DE resource and 5 h of the US resource in May.
        self.assertBuckets(12.5)
        may = MONTHS[1]
        Report = self.env["pss.report.engagement"]
        row = Report.search([("order_id", "=", self.order_de.id), ("month", "=", may)])
        self.assertEqual(row.revenue_draft, invoice.amount_untaxed_signed)
        self.assertEqual(row.revenue_unbilled, 0.0)
        self.assertEqual(
            row.revenue, row.revenue_invoiced + row.revenue_draft + row.revenue_unbilled
        )
        before = Report.read_group(
            [("month", "=", may)],
            ["revenue_group", "margin_group", "margin_percent"],
            [],
        )[0]
        board = self.env["pss.report.dashboard"].create({"month": may})
        figures = ("revenue", "cost", "margin", "margin_percent", "wip")
        board_before = {name: board[name] for name in figures}
        # Time on the draft is not unbilled time on the dashboard.
        self.assertAlmostEqual(
            board.wip,
            sum(
                self.env["pss.billing.wip"]
                .search([("approved", "=", True), ("billing_state", "=", "unbilled")])
                .mapped("value_sale_group")
            ),
            places=2,
        )
        # The third bucket: the draft's time, what its button opens.
        action = board.action_open_wip_to_approve()
        on_drafts = self.env[action["res_model"]].search(action["domain"])
        self.assertEqual(on_drafts.order_id, self.order_de)
        self.assertEqual(sum(on_drafts.mapped("hours")), 12.5)
        self.assertAlmostEqual(
            board.wip_to_approve, sum(on_drafts.mapped("value_sale_group")), places=2
        )
        self.assertTrue(board.wip_to_approve)

        invoice.with_user(self.biller).action_pss_approve()
        self.assertEqual(invoice.state, "posted")
        self.env.flush_all()
        self.assertBuckets(0.0)
        row.invalidate_recordset()
        self.assertEqual(row.revenue_draft, 0.0)
        self.assertEqual(row.revenue_invoiced, invoice.amount_untaxed_signed)
        after = Report.read_group(
            [("month", "=", may)],
            ["revenue_group", "margin_group", "margin_percent"],
            [],
        )[0]
        for name in ("revenue_group", "margin_group", "margin_percent"):
            self.assertEqual(after[name], before[name], name)
        board = self.env["pss.report.dashboard"].create({"month": may})
        self.assertEqual({name: board[name] for name in figures}, board_before)
        self.assertEqual(board.wip_to_approve, 0.0)
