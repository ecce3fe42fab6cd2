"""Fixtures of the pss_timesheet tests, on top of pss_project's: the PSA
system may also send resources, time and expenses; expense products and
their value maps; a time-and-materials engagement in each entity."""

from odoo import Command

from odoo.addons.pss_core.tests.common import make_user
from odoo.addons.pss_project.tests.common import ProjectCase, unique

ENGAGEMENT_START = "2026-03-01"
ENGAGEMENT_END = "2026-12-31"


def add_timesheet_fixtures(cls):
    """Extend a ProjectCase class (after its setUpClass) in place."""
    env = cls.env
    group = env.ref("pss_timesheet.group_pss_timesheet_integration")
    # A technical user needs an e-mail: Odoo's chatter refuses to post
    # (expense reports, re-invoice lines) for an author without one.
    for user in cls.tech_psa | cls.tech_crm:
        user.write(
            {
                "groups_id": [Command.link(group.id)],
                "email": f"{user.login}@example.com",
            }
        )
    cls.finance = make_user(
        env,
        unique("finance"),
        ["base.group_user", "pss_core.group_pss_finance"],
        cls.companies,
        cls.company_de,
        email=False,
    )
    cls.finance.name = "Fiona Finance"
    expense_account = env["account.account"].search(
        [("company_id", "=", cls.company_de.id), ("account_type", "=", "expense")],
        limit=1,
    )

    def expense_product(name, policy):
        return {
            "name": name,
            "detailed_type": "service",
            "can_be_expensed": True,
            "expense_policy": policy,
            "invoice_policy": "delivery",
            "standard_price": 0.0,
            "property_account_expense_id": expense_account.id,
            "taxes_id": [Command.clear()],
            "supplier_taxes_id": [Command.clear()],
        }

    cls.product_travel, cls.product_meal = env["product.product"].create(
        [
            expense_product("Travel (re-invoiced at cost)", "cost"),
            expense_product("Meals (not re-invoiced)", "no"),
        ]
    )
    env["pss.value.map"].create(
        [
            {
                "system_id": cls.psa.id,
                "kind": "expense_category",
                "external_value": value,
                "res_model": "product.product",
                "res_id": product.id,
            }
            for value, product in (
                ("travel", cls.product_travel),
                ("meal", cls.product_meal),
            )
        ]
    )


class TimesheetMixin:
    """Helpers shared by the queue (TransactionCase) and HTTP tests."""

    def resource(self, external_id, **values):
        data = {
            "external_id": external_id,
            "name": f"Resource {external_id}",
            "kind": "employee",
            "role": "consultant",
            "work_email": f"{external_id.lower()}@example.com",
        }
        data.update(values)
        return data

    def line(self, external_id, resource, engagement, **values):
        data = {
            "external_id": external_id,
            "version": 1,
            "resource_external_id": resource,
            "engagement_external_id": engagement,
            "date": "2026-04-15",
            "hours": "2.5",
            "description": f"Work {external_id}",
            "billable": True,
            "approved_by": "manager@example.com",
            "approved_at": "2026-04-20T09:00:00Z",
        }
        data.update(values)
        return data

    def tm_engagement(self, company, rate="150.00"):
        ext = unique("ENG-TS-")
        data = self.engagement(
            ext,
            "time_and_materials",
            self.customer(unique("C-TS-"), name=f"Customer of {ext}"),
            currency=company.currency_id.name,
            start_date=ENGAGEMENT_START,
            end_date=ENGAGEMENT_END,
            rate_card=[{"role": "consultant", "unit_price": rate, "hours": "1000"}],
        )
        message = self.post(self.psa, "engagement.won", data, company)
        self.process()
        self.assertDone(message)
        return ext

    def timesheets(self, external_ids):
        found = self.env["pss.binding"]._resolve(
            self.psa, "account.analytic.line", external_ids
        )
        return self.env["account.analytic.line"].browse(found.values()).exists()

    def outbound(self, event_type):
        return self.env["pss.message"].search(
            [
                ("direction", "=", "out"),
                ("system_id", "=", self.psa.id),
                ("event_type", "=", event_type),
            ],
            order="id",
        )


class TimesheetCase(TimesheetMixin, ProjectCase):
    """Queue-level tests (no HTTP)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        add_timesheet_fixtures(cls)
