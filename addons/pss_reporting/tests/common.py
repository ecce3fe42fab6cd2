"""Fixtures of the pss_reporting tests: a quarter (April to June 2026) of
approved time in two entities and two currencies (DE in EUR, US in USD),
invoiced in part, a public holiday and a time off, the group currency set
to EUR with month-end rates for USD, and helpers computing each KPI from
the same records with the ORM (the expected values)."""

import calendar
from collections import defaultdict
from datetime import date, datetime, time

from odoo import Command

from odoo.addons.pss_billing.tests.common import APRIL, BillingCase
from odoo.addons.pss_core.tests.common import make_user
from odoo.addons.pss_project.tests.common import chart_company, unique

MONTHS = (date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1))
# Rates of USD at the main company on each month end (EUR at 1).
USD_RATES = {
    date(2026, 4, 30): 1.10,
    date(2026, 5, 31): 1.25,
    date(2026, 6, 30): 1.20,
}
# Rates of GBP at the main company on each month end (a third currency).
GBP_RATES = {
    date(2026, 4, 30): 0.85,
    date(2026, 5, 31): 0.86,
    date(2026, 6, 30): 0.84,
}


def month_end(month):
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


class ReportingCase(BillingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.eur = env.ref("base.EUR")
        cls.usd = env.ref("base.USD")
        env["ir.config_parameter"].sudo().set_param(
            "pss_core.group_currency_id", str(cls.eur.id)
        )
        # pss_project's fixtures load generic_coa, which leaves both
        # entities in USD: the DE entity is set back to EUR.
        cls.company_de.currency_id = cls.eur
        # A third entity, in EUR too: the group has three entities and two
        # currencies.
        cls.company_fr = chart_company(env, "PSS Conseil SAS", "EUR", "FR")
        cls.company_fr.currency_id = cls.eur
        cls.companies |= cls.company_fr
        for records in (cls.crm | cls.psa, cls.tech_crm | cls.tech_psa | cls.finance):
            records.company_ids = [Command.link(cls.company_fr.id)]
        # The entities' own rates (intercompany conversions): 1.25 USD/EUR.
        env["res.currency.rate"].create(
            [
                {
                    "currency_id": cls.usd.id,
                    "name": "2026-01-01",
                    "rate": 1.25,
                    "company_id": company.id,
                }
                for company in cls.companies
            ]
        )
        cls.ic_user = make_user(
            env,
            unique("ic_rep"),
            [
                "base.group_user",
                "pss_core.group_pss_finance",
                "account.group_account_manager",
                "hr_timesheet.group_timesheet_manager",
            ],
            cls.companies,
        )
        ic_product = env["product.product"].create(
            {
                "name": "IC services",
                "detailed_type": "service",
                "taxes_id": [Command.clear()],
                "supplier_taxes_id": [Command.clear()],
            }
        )

        def journal(company, kind):
            return env["account.journal"].search(
                [("company_id", "=", company.id), ("type", "=", kind)], limit=1
            )

        cls.agreement = env["pss.ic.agreement"].create(
            {
                "provider_company_id": cls.company_us.id,
                "consumer_company_id": cls.company_de.id,
                "date_from": "2026-01-01",
                "currency_id": cls.eur.id,
                "pricing": "cost_plus",
                "markup": 10.0,
                "product_id": ic_product.id,
                "provider_journal_id": journal(cls.company_us, "sale").id,
                "consumer_journal_id": journal(cls.company_de, "purchase").id,
            }
        )
        main = env.ref("base.main_company")
        # Rates of the main company (they make the group figures): EUR at 1,
        # USD per month end.
        env["res.currency.rate"].create(
            [
                {
                    "name": "2026-01-01",
                    "currency_id": cls.eur.id,
                    "rate": 1.0,
                    "company_id": main.id,
                }
            ]
            + [
                {
                    "name": day,
                    "currency_id": cls.usd.id,
                    "rate": rate,
                    "company_id": main.id,
                }
                for day, rate in USD_RATES.items()
            ]
        )
        for company in cls.companies:
            company.pss_approval_required = False

    @classmethod
    def add_gbp_entity(cls):
        """A fourth entity, in GBP: the group reports three currencies
        (EUR, USD, GBP), with month-end GBP rates at the main company."""
        env = cls.env
        cls.gbp = env.ref("base.GBP")
        cls.company_gb = chart_company(env, "PSS Consulting Ltd", "GBP", "UK")
        cls.company_gb.pss_approval_required = False
        cls.companies |= cls.company_gb
        for records in (
            cls.crm | cls.psa,
            cls.tech_crm | cls.tech_psa | cls.finance | cls.ic_user,
        ):
            records.company_ids = [Command.link(cls.company_gb.id)]
        main = env.ref("base.main_company")
        env["res.currency.rate"].create(
            [
                {
                    "name": day,
                    "currency_id": cls.gbp.id,
                    "rate": rate,
                    "company_id": main.id,
                }
                for day, rate in GBP_RATES.items()
            ]
        )

    def seed_gbp(self):
        """The GB entity's T&M engagement at 110 GBP/h, 6 h in April and
        9 h in May, approved, not invoiced."""
        self.eng_gb = self.tm_engagement(self.company_gb, rate="110.00")
        self.order_gb = self.order_of(self.eng_gb)
        self.res_gb = self.add_resource(self.company_gb)
        self.approve(
            [
                self.line(unique("L-"), self.res_gb, self.eng_gb, date=day, hours=hours)
                for day, hours in (("2026-04-22", "6"), ("2026-05-19", "9"))
            ],
            self.company_gb,
        )
        self.env.flush_all()

    # ------------------------------------------------------------------
    def seed_quarter(self):
        """Three T&M engagements (DE at 150 EUR/h, US at 200 USD/h, FR at
        120 EUR/h, not invoiced), one resource each, time in the three
        months; April invoiced in DE and US (the DE sale line at a 10 %
        discount: realization 90 %); in May the US resource works 5 h on
        the DE engagement (charged US -> DE at cost plus 10 %) and a 120 EUR
        travel expense is approved on it; a public holiday of the DE
        calendar and a time off of the DE resource."""
        self.eng_de = self.tm_engagement(self.company_de, rate="150.00")
        self.eng_us = self.tm_engagement(self.company_us, rate="200.00")
        self.order_de = self.order_of(self.eng_de)
        self.order_us = self.order_of(self.eng_us)
        self.eng_fr = self.tm_engagement(self.company_fr, rate="120.00")
        self.order_fr = self.order_of(self.eng_fr)
        self.res_de = self.add_resource(self.company_de)
        self.res_us = self.add_resource(self.company_us)
        self.emp_de = self.bound(self.psa, "hr.employee", self.res_de)
        self.emp_us = self.bound(self.psa, "hr.employee", self.res_us)
        self.res_fr = self.add_resource(self.company_fr)
        self.emp_fr = self.bound(self.psa, "hr.employee", self.res_fr)
        spec = [
            (self.res_de, self.eng_de, "2026-04-15", "8", True),
            (self.res_de, self.eng_de, "2026-04-16", "6", True),
            (self.res_de, self.eng_de, "2026-04-17", "3", False),
            (self.res_de, self.eng_de, "2026-05-12", "7.5", True),
            (self.res_de, self.eng_de, "2026-06-10", "4", True),
            (self.res_us, self.eng_us, "2026-04-21", "7", True),
            (self.res_us, self.eng_us, "2026-05-13", "5", True),
            (self.res_us, self.eng_us, "2026-06-24", "8", True),
            (self.res_us, self.eng_de, "2026-05-20", "5", True),
            (self.res_fr, self.eng_fr, "2026-05-06", "6", True),
            (self.res_fr, self.eng_fr, "2026-06-03", "7", True),
        ]
        lines_de = [
            self.line(unique("L-"), r, e, date=d, hours=h, billable=b)
            for r, e, d, h, b in spec
            if e == self.eng_de
        ]
        lines_us = [
            self.line(unique("L-"), r, e, date=d, hours=h, billable=b)
            for r, e, d, h, b in spec
            if e == self.eng_us
        ]
        self.approve(lines_de, self.company_de)
        self.approve(lines_us, self.company_us)
        self.approve(
            [
                self.line(unique("L-"), r, e, date=d, hours=h, billable=b)
                for r, e, d, h, b in spec
                if e == self.eng_fr
            ],
            self.company_fr,
        )
        self.order_de.order_line.filtered(
            lambda sol: sol.qty_delivered_method == "timesheet"
        ).discount = 10.0
        self.run_billing(APRIL, self.company_de)
        self.run_billing(APRIL, self.company_us)
        ic_run = (
            self.env["pss.ic.run"]
            .with_user(self.ic_user)
            .create({"date_from": "2026-05-01", "date_to": "2026-05-31"})
        )
        ic_run.action_run()
        self.assertEqual(ic_run.state, "done", ic_run.error)
        self.assertTrue(ic_run.charge_ids.line_ids)
        expense = {
            "external_id": unique("X-"),
            "resource_external_id": self.res_de,
            "engagement_external_id": self.eng_de,
            "date": "2026-05-18",
            "amount": "120.00",
            "currency": "EUR",
            "category": "travel",
            "description": "Train to the customer",
            "billable": True,
            "approved_by": "manager@example.com",
        }
        message = self.post(self.psa, "expense.approved", expense, self.company_de)
        self.process()
        self.assertDone(message)
        # A public holiday of the DE calendar (Easter Monday) and two days
        # of time off of the DE resource.
        self.env["resource.calendar.leaves"].create(
            [
                {
                    "name": "Easter Monday",
                    "calendar_id": self.emp_de.resource_calendar_id.id,
                    "company_id": self.company_de.id,
                    "date_from": datetime(2026, 4, 6, 0, 0),
                    "date_to": datetime(2026, 4, 6, 23, 59),
                },
                {
                    "name": "Time off",
                    "calendar_id": self.emp_de.resource_calendar_id.id,
                    "resource_id": self.emp_de.resource_id.id,
                    "company_id": self.company_de.id,
                    "date_from": datetime(2026, 5, 4, 0, 0),
                    "date_to": datetime(2026, 5, 5, 23, 59),
                },
            ]
        )
        self.env.flush_all()

    # ------------------------------------------------------------------
    # Expected values, from the records with the ORM
    # ------------------------------------------------------------------
    def to_group(self, amount, currency, month):
        return self.env["res.company"]._pss_to_group(amount, currency, month_end(month))

    def capacity(self, employee, month):
        """Working hours of the month per Odoo's own calendar computation
        (attendances less leaves)."""
        tz = employee.resource_calendar_id.tz or "UTC"
        import pytz

        zone = pytz.timezone(tz)
        start = zone.localize(datetime.combine(month, time.min))
        end = zone.localize(datetime.combine(month_end(month), time.max))
        data = employee._get_work_days_data_batch(start, end)[employee.id]
        return data["hours"]

    def expected_engagement(self, order, month):
        """Every KPI of ``order`` in ``month`` from the timesheets, invoice
        lines and sale lines (company currency)."""
        first, last = month, month_end(month)
        Line = self.env["account.analytic.line"]
        time_lines = Line.search(
            [
                ("project_id.sale_line_id.order_id", "=", order.id),
                ("date", ">=", first),
                ("date", "<=", last),
            ]
        )
        kpi = defaultdict(float)
        company = order.company_id
        for charge in self.env["pss.ic.charge.line"].search(
            [("timesheet_id", "in", time_lines.ids)]
        ):
            kpi["cost_intercompany"] += charge.currency_id._convert(
                charge.amount, company.currency_id, company, charge.date, round=False
            )
        charged = (
            self.env["pss.ic.charge.line"]
            .search([("timesheet_id", "in", time_lines.ids)])
            .timesheet_id
        )
        for expense in self.env["hr.expense"].search(
            [
                ("sale_order_id", "=", order.id),
                ("state", "in", ("approved", "done")),
                ("date", ">=", first),
                ("date", "<=", last),
            ]
        ):
            kpi["cost_expense"] += expense.total_amount - expense.tax_amount
        for ts in time_lines:
            invoice = ts.timesheet_invoice_id
            if ts.pss_approved and ts.timesheet_invoice_type.startswith("billable"):
                kpi["billable_hours"] += ts.unit_amount
            if ts not in charged:
                kpi["cost_time"] += -ts.amount
            if invoice and invoice.state == "posted":
                inv_line = invoice.invoice_line_ids.filtered(
                    lambda aml, ts=ts: ts.so_line in aml.sale_line_ids
                )
                unit = sum(inv_line.mapped("price_subtotal")) / sum(
                    inv_line.mapped("quantity")
                )
                kpi["value_rate_card"] += ts.unit_amount * ts.so_line.price_unit
                kpi["value_invoiced"] += ts.unit_amount * unit
            elif ts.pss_approved and ts.so_line:
                kpi["revenue_unbilled"] += ts.unit_amount * ts.so_line.price_unit
        invoices = self.env["account.move"].search(
            [
                ("invoice_line_ids.sale_line_ids.order_id", "=", order.id),
                ("state", "=", "posted"),
                ("invoice_date", ">=", first),
                ("invoice_date", "<=", last),
            ]
        )
        kpi["revenue_invoiced"] = sum(invoices.mapped("amount_untaxed_signed"))
        kpi["revenue"] = kpi["revenue_invoiced"] + kpi["revenue_unbilled"]
        kpi["cost"] = kpi["cost_time"] + kpi["cost_intercompany"] + kpi["cost_expense"]
        kpi["margin"] = kpi["revenue"] - kpi["cost"]
        return kpi
