"""Fixtures of the pss_intercompany tests: three entities in two currencies
(DE and NL in EUR, US in USD), each with its chart of accounts and taxes, a
fixed EUR/USD rate, consultants with dated costs, a project in each entity,
and agreements in both directions. Approved intercompany time is created as
pss_timesheet records it (approval metadata, resource entity, dated cost)."""

from datetime import date

from odoo import Command
from odoo.tests import TransactionCase

from odoo.addons.pss_core.tests.common import make_user, unique
from odoo.addons.pss_project.tests.common import chart_company

LINE = "account.analytic.line"
# 1 EUR = 1.25 USD in every company, all year.
USD_PER_EUR = 1.25


def entity(env, name, currency, country):
    """A company with its chart of accounts, in ``currency``: loading
    generic_coa sets the company currency to the template's (USD), so it is
    set back while the company has no journal items."""
    company = chart_company(env, name, currency, country)
    company.currency_id = env.ref(f"base.{currency}")
    return company


def tax(env, company, name, amount, use, price_include=False):
    return env["account.tax"].create(
        {
            "name": name,
            "amount": amount,
            "amount_type": "percent",
            "type_tax_use": use,
            "price_include": price_include,
            "company_id": company.id,
        }
    )


class IntercompanyFixtures:
    """The group's fixtures on a class with an ``env`` (the test case, or a
    benchmark's namespace)."""

    @classmethod
    def build_fixtures(cls):
        env = cls.env
        env.ref("base.EUR").active = True
        env.ref("base.USD").active = True
        cls.eur = env.ref("base.EUR")
        cls.usd = env.ref("base.USD")
        cls.de = entity(env, "PSS Beratung GmbH", "EUR", "DE")
        cls.us = entity(env, "PSS Advisory Inc.", "USD", "US")
        cls.nl = entity(env, "PSS Advies B.V.", "EUR", "NL")
        cls.companies = cls.de | cls.us | cls.nl
        assert (cls.de | cls.nl).currency_id == cls.eur
        assert cls.us.currency_id == cls.usd
        # Rates per company, so each company converts the same way.
        env["res.currency.rate"].create(
            [
                {
                    "currency_id": cls.usd.id,
                    "name": "2026-01-01",
                    "rate": USD_PER_EUR,
                    "company_id": company.id,
                }
                for company in cls.companies
            ]
        )
        # DE invoices the US without VAT (export: fiscal position); the US
        # entity invoices DE with a 7% price-included tax, DE books 7% input.
        cls.tax_de_19 = tax(env, cls.de, "19% USt", 19.0, "sale")
        cls.tax_de_export = tax(env, cls.de, "0% export", 0.0, "sale")
        cls.tax_de_input_7 = tax(env, cls.de, "7% Vorsteuer", 7.0, "purchase")
        cls.tax_us_incl = tax(env, cls.us, "7% incl.", 7.0, "sale", price_include=True)
        cls.tax_nl_0 = tax(env, cls.nl, "0% intra-EU", 0.0, "sale")
        cls.fpos_de_export = env["account.fiscal.position"].create(
            {
                "name": "Export (outside EU)",
                "company_id": cls.de.id,
                "auto_apply": True,
                "country_id": env.ref("base.us").id,
                "tax_ids": [
                    Command.create(
                        {
                            "tax_src_id": cls.tax_de_19.id,
                            "tax_dest_id": cls.tax_de_export.id,
                        }
                    )
                ],
            }
        )
        cls.product = env["product.product"].create(
            {
                "name": "Intercompany consulting services",
                "detailed_type": "service",
                "taxes_id": [
                    Command.set((cls.tax_de_19 | cls.tax_us_incl | cls.tax_nl_0).ids)
                ],
                "supplier_taxes_id": [Command.set(cls.tax_de_input_7.ids)],
            }
        )
        cls.job = env["hr.job"].create({"name": "IC Consultant"})
        cls.anna = cls.employee("Anna Berger", cls.de, "83.37", cls.eur)
        cls.bob = cls.employee("Bob Miller", cls.us, "97.30", cls.usd)
        cls.nina = cls.employee("Nina de Vries", cls.nl, "70.00", cls.eur)
        cls.project_us = cls.project("US client project", cls.us)
        cls.project_de = cls.project("DE client project", cls.de)
        cls.finance = make_user(
            env,
            unique("ic_finance"),
            [
                "base.group_user",
                "pss_core.group_pss_finance",
                "account.group_account_manager",
                "hr_timesheet.group_timesheet_manager",
                "analytic.group_analytic_accounting",
            ],
            cls.companies,
        )
        cls.de_to_us = cls.agreement(cls.de, cls.us, cls.eur, markup=7.5)
        cls.us_to_de = cls.agreement(cls.us, cls.de, cls.eur, markup=5.0)
        cls.nl_to_de = cls.agreement(
            cls.nl,
            cls.de,
            cls.eur,
            pricing="role_rate",
            auto_post_bill=False,
            rate_ids=[Command.create({"job_id": cls.job.id, "rate": 112.5})],
        )

    @classmethod
    def employee(cls, name, company, cost, currency):
        employee = cls.env["hr.employee"].create(
            {"name": name, "company_id": company.id, "job_id": cls.job.id}
        )
        cls.env["pss.resource.cost"].create(
            {
                "employee_id": employee.id,
                "date_from": "2026-01-01",
                "amount": float(cost),
                "currency_id": currency.id,
            }
        )
        return employee

    @classmethod
    def project(cls, name, company):
        return (
            cls.env["project.project"]
            .with_company(company)
            .create({"name": name, "company_id": company.id, "allow_timesheets": True})
        )

    @classmethod
    def journal(cls, company, kind):
        return cls.env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", kind)], limit=1
        )

    @classmethod
    def agreement(cls, provider, consumer, currency, **values):
        vals = {
            "provider_company_id": provider.id,
            "consumer_company_id": consumer.id,
            "date_from": "2026-01-01",
            "currency_id": currency.id,
            "product_id": cls.product.id,
            "provider_journal_id": cls.journal(provider, "sale").id,
            "consumer_journal_id": cls.journal(consumer, "purchase").id,
            "pricing": "cost_plus",
        }
        vals.update(values)
        return cls.env["pss.ic.agreement"].create(vals)


class IntercompanyCase(IntercompanyFixtures, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.build_fixtures()

    def time(self, employee, project, hours, on_date="2026-04-15", cost=None):
        """Approved time of ``employee`` on ``project`` of another entity, as
        pss_timesheet records it (cost in force on the day)."""
        if cost is None:
            costs = self.env["pss.resource.cost"]._pss_costs_on(
                [(employee, date.fromisoformat(on_date))]
            )
            cost = next(iter(costs.values()))
        env = self.env(
            context=dict(self.env.context, allowed_company_ids=self.companies.ids)
        )
        # Approved as a PSA's line arrives (pss_billing's approval gate).
        return (
            env[LINE]
            .sudo()
            .create(
                {
                    "name": f"Work of {employee.name}",
                    "date": on_date,
                    "unit_amount": hours,
                    "project_id": project.id,
                    "employee_id": employee.id,
                    "company_id": project.company_id.id,
                    "pss_approved_by": "manager@example.com",
                    "pss_approved_at": "2026-04-20 09:00:00",
                    "pss_approved": True,
                    "pss_hourly_cost": cost,
                    "pss_intercompany": employee.company_id != project.company_id,
                    "pss_resource_company_id": employee.company_id.id,
                }
            )
        )

    def charge(self, date_from="2026-04-01", date_to="2026-04-30", user=None, **values):
        env = self.env(user=user or self.finance)
        run = env["pss.ic.run"].create(
            {"date_from": date_from, "date_to": date_to, **values}
        )
        run.action_run()
        return run

    def moves(self, company, move_type=None):
        domain = [("company_id", "=", company.id), ("pss_ic_charge_id", "!=", False)]
        if move_type:
            domain.append(("move_type", "=", move_type))
        return self.env["account.move"].search(domain)
