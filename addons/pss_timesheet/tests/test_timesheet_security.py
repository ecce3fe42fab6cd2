"""Who sees and changes resource costs and timesheet exceptions: the
technical user's group and the multi-company rules of pss_timesheet."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.pss_core.tests.common import make_system, make_user

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


@tagged("post_install", "-at_install")
class TestEventFamilyGroups(TimesheetCase):
    """Issue 8: one narrow technical-user group per event family. An HRIS
    user could write sale orders (its group implied the CRM one)."""

    def narrow_user(self, *groups):
        user = make_user(self.env, unique("tech_narrow"), list(groups), self.companies)
        return user

    def test_hris_user_cannot_apply_crm_events_even_if_allowed(self):
        hris_user = self.narrow_user("pss_timesheet.group_pss_hris_integration")
        # Odoo's own rights: no sales documents at all.
        for model in ("sale.order", "sale.order.line", "project.project"):
            with self.assertRaises(AccessError, msg=model):
                self.env[model].with_user(hris_user).check_access_rights("create")
        hris = make_system(
            self.env,
            unique("hris"),
            hris_user,
            self.companies,
            # The allowed list widened by mistake.
            allowed=["resource.upserted", "customer.upserted", "engagement.won"],
            kind="hris",
        )
        name = unique("Not a customer ")
        customer = self.customer(unique("C-"), name=name)
        engagement = self.engagement(
            unique("ENG-"),
            "time_and_materials",
            self.customer(unique("C-"), name=name),
            currency="EUR",
            rate_card=[{"role": "consultant", "unit_price": "100", "hours": "10"}],
        )
        messages = self.post(
            hris, "customer.upserted", customer, self.company_de
        ) | self.post(hris, "engagement.won", engagement, self.company_de)
        resource = self.post(
            hris,
            "resource.upserted",
            self.resource(
                unique("R-"),
                hourly_cost={
                    "amount": "61.5",
                    "currency": "EUR",
                    "effective_from": "2026-01-01",
                },
            ),
            self.company_de,
        )
        self.process()
        for message in messages:
            self.assertEqual((message.state, message.error_category), ("dead", "data"))
            self.assertIn("Access denied", message.last_error)
            self.assertIn("CRM events", message.last_error)
        self.assertFalse(self.env["res.partner"].search([("name", "=", name)]))
        self.assertFalse(
            self.bound(hris, "sale.order", engagement["external_id"]),
            "no sale order",
        )
        # Its own family applies with the narrow group alone.
        self.assertDone(resource)
        employee = self.bound(
            hris, "hr.employee", resource.sudo().payload["external_id"]
        )
        cost = self.env["pss.resource.cost"].search([("employee_id", "=", employee.id)])
        self.assertEqual(cost.amount, 61.5)

    def test_psa_time_user_applies_time_and_expenses_but_no_engagements(self):
        eng = self.tm_engagement(self.company_de)
        res = unique("R-")
        resource = self.post(
            self.psa, "resource.upserted", self.resource(res), self.company_de
        )
        self.process()
        self.assertDone(resource)
        # From now on the PSA applies as a user of the time family only.
        self.psa.user_id = self.narrow_user(
            "pss_timesheet.group_pss_psa_time_integration"
        )
        line = self.line(unique("L-"), res, eng)
        time_message = self.post(
            self.psa, "timesheet.approved", {"lines": [line]}, self.company_de
        )
        expense = {
            "external_id": unique("X-"),
            "resource_external_id": res,
            "engagement_external_id": eng,
            "date": "2026-04-15",
            "amount": "40.00",
            "currency": "EUR",
            "category": "travel",
            "billable": True,
        }
        expense_message = self.post(
            self.psa, "expense.approved", expense, self.company_de
        )
        won = self.engagement(
            unique("ENG-"),
            "fixed_fee",
            self.customer(unique("C-")),
            currency="EUR",
            fixed_amount="1000",
        )
        won_message = self.post(self.psa, "engagement.won", won, self.company_de)
        self.process()
        self.assertDone(time_message, expense_message)
        self.assertEqual(self.timesheets([line["external_id"]]).unit_amount, 2.5)
        self.assertEqual(won_message.state, "dead")
        self.assertIn("Access denied", won_message.last_error)
        self.assertFalse(self.bound(self.psa, "sale.order", won["external_id"]))
