"""Who sees and changes resource costs and timesheet exceptions: the
technical user's group and the multi-company rules of pss_timesheet."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.pss_core.tests.common import make_user

from .common import TimesheetCase, unique


@tagged("post_install", "-at_install")
class TestTimesheetSecurity(TimesheetCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Cost = cls.env["pss.resource.cost"]
        cls.Exception = cls.env["pss.timesheet.exception"]

    def cost_of(self, external_id, company, currency):
        message = self.post(
            self.psa,
            "resource.upserted",
            self.resource(
                external_id,
                hourly_cost={
                    "amount": "55",
                    "currency": currency,
                    "effective_from": "2026-01-01",
                },
            ),
            company,
        )
        self.process()
        self.assertDone(message)
        employee = self.bound(self.psa, "hr.employee", external_id)
        return self.Cost.search([("employee_id", "=", employee.id)])

    def exception_in(self, company):
        return self.Exception.create(
            {
                "name": unique("exception "),
                "kind": "void",
                "company_id": company.id,
                "system_id": self.psa.id,
            }
        )

    def test_technical_user_of_one_entity_sees_only_its_costs(self):
        cost_de = self.cost_of(unique("R-"), self.company_de, "EUR")
        cost_us = self.cost_of(unique("R-"), self.company_us, "USD")
        self.assertTrue(cost_de and cost_us)
        tech_de = make_user(
            self.env,
            unique("tech_de"),
            ["pss_timesheet.group_pss_timesheet_integration"],
            self.company_de,
        )
        visible = self.Cost.with_user(tech_de).search(
            [("id", "in", (cost_de | cost_us).ids)]
        )
        self.assertEqual(visible.ids, cost_de.ids)
        with self.assertRaises(AccessError):
            cost_us.with_user(tech_de).read(["amount"])
        with self.assertRaises(AccessError, msg="costs are history: no unlink"):
            cost_de.with_user(tech_de).unlink()
        self.assertTrue(cost_de.exists())

    def test_exceptions_are_read_per_entity_and_resolved_by_finance_only(self):
        exc_de = self.exception_in(self.company_de)
        exc_us = self.exception_in(self.company_us)
        viewer_us = make_user(
            self.env, unique("viewer_us"), ["pss_core.group_pss_user"], self.company_us
        )
        finance_de = make_user(
            self.env,
            unique("finance_de"),
            ["pss_core.group_pss_finance"],
            self.company_de,
        )
        seen = self.Exception.with_user(viewer_us).search(
            [("id", "in", (exc_de | exc_us).ids)]
        )
        self.assertEqual(seen, exc_us.with_user(viewer_us))
        with self.assertRaises(AccessError):
            exc_us.with_user(viewer_us).write({"state": "done"})
        self.assertEqual(exc_us.state, "open")
        exc_de.with_user(finance_de).write({"state": "done"})
        self.assertEqual(exc_de.state, "done")
        with self.assertRaises(AccessError, msg="another entity's exception"):
            exc_us.with_user(finance_de).write({"state": "done"})
        self.assertEqual(exc_us.state, "open")
