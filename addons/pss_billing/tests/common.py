"""Fixtures of the pss_billing tests, on top of pss_timesheet's: a finance
user who runs billing, a PSA resource, helpers to send time and run."""

from datetime import date

from odoo import Command

from odoo.addons.pss_timesheet.tests.common import TimesheetCase, unique

APRIL = (date(2026, 4, 1), date(2026, 4, 30))
MAY = (date(2026, 5, 1), date(2026, 5, 31))


def add_billing_fixtures(cls):
    env = cls.env

    def biller(name, companies):
        return (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": name,
                    "login": unique("biller"),
                    "email": f"{unique('biller')}@example.com",
                    "groups_id": [
                        Command.set(
                            [
                                env.ref("base.group_user").id,
                                env.ref("pss_core.group_pss_finance").id,
                                env.ref("account.group_account_invoice").id,
                                env.ref("sales_team.group_sale_salesman_all_leads").id,
                                env.ref("hr_timesheet.group_hr_timesheet_approver").id,
                                env.ref("project.group_project_milestone").id,
                            ]
                        )
                    ],
                    "company_ids": [Command.set(companies.ids)],
                    "company_id": companies[0].id,
                }
            )
        )

    cls.biller = biller("Bea Biller", cls.company_de)
    cls.biller_us = biller("Uma Biller", cls.company_us)


class BillingCase(TimesheetCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        add_billing_fixtures(cls)

    def add_resource(self, company=None):
        ext = unique("R-")
        message = self.post(
            self.psa,
            "resource.upserted",
            self.resource(
                ext,
                hourly_cost={
                    "amount": "50",
                    "currency": (company or self.company_de).currency_id.name,
                    "effective_from": "2026-01-01",
                },
            ),
            company or self.company_de,
        )
        self.process()
        self.assertDone(message)
        return ext

    def approve(self, lines, company=None):
        message = self.post(
            self.psa, "timesheet.approved", {"lines": lines}, company or self.company_de
        )
        self.process()
        self.assertDone(message)
        return self.timesheets([line["external_id"] for line in lines])

    def run_billing(self, period, company=None, user=None):
        company = company or self.company_de
        user = user or (self.biller if company == self.company_de else self.biller_us)
        Run = self.env["pss.billing.run"].with_user(user).with_company(company)
        run = Run.create(
            {"company_id": company.id, "date_from": period[0], "date_to": period[1]}
        )
        run.action_run()
        self.assertEqual(run.state, "done", run.error)
        return run.sudo()

    def order_of(self, ext):
        return self.bound(self.psa, "sale.order", ext)
