"""Fixtures of the pss_billing tests, on top of pss_timesheet's: a finance
user who runs billing, a PSA resource, helpers to send time and run."""

from datetime import date

from odoo.addons.pss_core.tests.common import make_user
from odoo.addons.pss_timesheet.tests.common import TimesheetCase, unique

APRIL = (date(2026, 4, 1), date(2026, 4, 30))
MAY = (date(2026, 5, 1), date(2026, 5, 31))
BILLER_GROUPS = [
    "base.group_user",
    "pss_core.group_pss_finance",
    "account.group_account_invoice",
    "sales_team.group_sale_salesman_all_leads",
    "hr_timesheet.group_hr_timesheet_approver",
    "project.group_project_milestone",
]


def add_billing_fixtures(cls):
    env = cls.env

    def biller(name, companies):
        user = make_user(env, unique("biller"), BILLER_GROUPS, companies, email=False)
        user.write({"name": name, "email": f"{unique('biller')}@example.com"})
        return user

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
