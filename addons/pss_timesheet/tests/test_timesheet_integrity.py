"""Integrity of people and time at the queue level (issue 8): bindings stay
within the sender's companies; locked periods for voids, date moves and
expenses."""

from datetime import date

from odoo.tests import tagged

from odoo.addons.pss_core.tests.common import make_system, make_user
from odoo.addons.pss_project.tests.common import unique

from .common import TimesheetCase

EMPLOYEE = "hr.employee"


@tagged("post_install", "-at_install")
class TestBindingsStayInTheSendersCompanies(TimesheetCase):
    def test_resolve_any_ignores_records_of_companies_the_sender_is_not_in(self):
        res = unique("R-DE-")
        self.post(self.psa, "resource.upserted", self.resource(res), self.company_de)
        self.process()
        employee = self.bound(self.psa, EMPLOYEE, res)
        self.assertEqual(employee.company_id, self.company_de)
        user = make_user(
            self.env,
            unique("tech_us"),
            ["pss_timesheet.group_pss_timesheet_integration"],
            self.company_us,
        )
        us_only = make_system(self.env, unique("psa_us"), user, self.company_us)
        binding = self.env["pss.binding"]
        self.assertEqual(
            binding._resolve_any(self.psa, EMPLOYEE, [res]), {res: employee.id}
        )
        self.assertEqual(
            binding._resolve_any(us_only, EMPLOYEE, [res]),
            {},
            "a record of a company the sender is not allowed in",
        )
        # Its time for that person waits for a resource of its own entities
        # instead of being booked on the other entity's employee.
        eng_us = self.tm_engagement(self.company_us)
        self.env["pss.binding"]._bind_many(
            us_only,
            "project.project",
            [
                {
                    "external_id": eng_us,
                    "res_id": self.bound(self.psa, "project.project", eng_us).id,
                    "company_id": self.company_us.id,
                }
            ],
        )
        ext = unique("L-")
        message = self.post(
            us_only,
            "timesheet.approved",
            {"lines": [self.line(ext, res, eng_us)]},
            self.company_us,
        )
        self.process()
        self.assertEqual(message.state, "parked")
        self.assertFalse(
            self.env["account.analytic.line"].search([("pss_external_id", "=", ext)])
        )


@tagged("post_install", "-at_install")
class TestLockedPeriods(TimesheetCase):
    """Voids, date moves and expenses of a locked period follow the
    company's locked-period behaviour; the closed month never changes."""

    def setUp(self):
        super().setUp()
        self.eng = self.tm_engagement(self.company_de)
        self.order = self.bound(self.psa, "sale.order", self.eng)
        self.res = unique("R-")
        self.post(
            self.psa, "resource.upserted", self.resource(self.res), self.company_de
        )
        self.process()

    def approve(self, lines):
        message = self.post(
            self.psa, "timesheet.approved", {"lines": lines}, self.company_de
        )
        self.process()
        return message

    def void(self, *external_ids):
        message = self.post(
            self.psa,
            "timesheet.voided",
            {"lines": list(external_ids), "reason": "withdrawn"},
            self.company_de,
        )
        self.process()
        return message

    def april_hours(self):
        lines = self.env["account.analytic.line"].search(
            [
                ("project_id", "=", self.order.project_ids[:1].id),
                ("date", ">=", "2026-04-01"),
                ("date", "<=", "2026-04-30"),
            ]
        )
        return sum(lines.mapped("unit_amount"))

    def lock_april(self, behaviour):
        self.company_de.sudo().write(
            {
                "fiscalyear_lock_date": date(2026, 4, 30),
                "pss_period_lock_behaviour": behaviour,
            }
        )

    def test_void_in_a_locked_period_is_parked_for_finance(self):
        ext = unique("L-")
        self.approve([self.line(ext, self.res, self.eng, date="2026-04-10", hours="6")])
        timesheet = self.timesheets([ext])
        self.lock_april("park")
        void = self.void(ext)
        self.assertDone(void)
        self.assertTrue(timesheet.exists(), "time of a closed month is not deleted")
        self.assertEqual(self.april_hours(), 6.0)
        exception = self.env["pss.timesheet.exception"].search(
            [("external_id", "=", ext)]
        )
        self.assertEqual((exception.kind, exception.state), ("void", "open"))
        self.assertIn("locked period", exception.name)
        self.assertIn("exception for finance", void.note)

    def test_void_in_a_locked_period_is_reversed_on_the_first_open_date(self):
        ext = unique("L-")
        self.approve([self.line(ext, self.res, self.eng, date="2026-04-10", hours="6")])
        timesheet = self.timesheets([ext])
        self.lock_april("next_open_date")
        self.assertDone(self.void(ext))
        self.assertTrue(timesheet.exists())
        self.assertEqual(self.april_hours(), 6.0, "the closed month is unchanged")
        reversal = timesheet.pss_reversal_id
        self.assertEqual(
            (reversal.date, reversal.unit_amount), (date(2026, 5, 1), -6.0)
        )
        self.assertEqual(reversal.pss_reverses_id, timesheet)
        self.assertEqual(sum(self.order.order_line.mapped("qty_delivered")), 0.0)
        # Voided again: nothing more is reversed.
        self.assertDone(self.void(ext))
        self.assertEqual(
            self.env["account.analytic.line"].search_count(
                [("pss_reverses_id", "=", timesheet.id)]
            ),
            1,
        )

    def test_void_in_a_locked_period_is_rejected_to_the_sender(self):
        ext = unique("L-")
        self.approve([self.line(ext, self.res, self.eng, date="2026-04-10", hours="6")])
        timesheet = self.timesheets([ext])
        self.lock_april("reject")
        void = self.void(ext)
        self.assertDone(void)
        self.assertTrue(timesheet.exists())
        rejected = self.outbound("timesheet.rejected").filtered(
            lambda m: m.payload["event_id"] == void.external_event_id
        )
        self.assertEqual(rejected.payload["lines"][0]["external_id"], ext)
        self.assertIn("locked", rejected.payload["lines"][0]["reason"])
        # Refused, so not recorded: the line is not voided.
        binding = self.env["pss.binding"].search(
            [("system_id", "=", self.psa.id), ("external_id", "=", ext)]
        )
        self.assertFalse(binding.voided_at)

    def test_date_move_out_of_a_locked_period(self):
        ext = unique("L-")
        self.approve([self.line(ext, self.res, self.eng, date="2026-04-10", hours="6")])
        timesheet = self.timesheets([ext])
        for behaviour in ("park", "reject"):
            self.lock_april(behaviour)
            moved = self.approve(
                [
                    self.line(
                        ext, self.res, self.eng, date="2026-05-12", hours="6", version=2
                    )
                ]
            )
            self.assertDone(moved)
            self.assertEqual(timesheet.date, date(2026, 4, 10), behaviour)
            self.assertEqual(self.april_hours(), 6.0, behaviour)
        self.assertTrue(
            self.env["pss.timesheet.exception"].search(
                [("external_id", "=", ext), ("kind", "=", "update")]
            )
        )
        self.assertTrue(
            self.outbound("timesheet.rejected").filtered(
                lambda m: ext in str(m.payload)
            )
        )
        self.lock_april("next_open_date")
        self.assertDone(
            self.approve(
                [
                    self.line(
                        ext, self.res, self.eng, date="2026-05-12", hours="5", version=3
                    )
                ]
            )
        )
        self.assertEqual(self.april_hours(), 6.0, "the closed month is unchanged")
        self.assertEqual(timesheet.pss_reversal_id.unit_amount, -6.0)
        current = self.timesheets([ext])
        self.assertNotEqual(current, timesheet)
        self.assertEqual((current.date, current.unit_amount), (date(2026, 5, 12), 5.0))
        self.assertEqual(sum(self.order.order_line.mapped("qty_delivered")), 5.0)

    def expense(self, **values):
        data = {
            "external_id": unique("X-"),
            "resource_external_id": self.res,
            "engagement_external_id": self.eng,
            "date": "2026-04-15",
            "amount": "120.00",
            "currency": self.company_de.currency_id.name,
            "category": "travel",
            "billable": True,
        }
        data.update(values)
        return data

    def test_expense_in_a_locked_period(self):
        self.lock_april("park")
        held = self.post(self.psa, "expense.approved", self.expense(), self.company_de)
        self.process()
        self.assertEqual((held.state, held.error_category), ("parked", "hold"))
        self.assertIn("locked", held.park_reason)
        self.assertFalse(
            self.bound(self.psa, "hr.expense", held.payload["external_id"])
        )
        held.with_user(self.finance).action_pss_move_to_open_date()
        self.process()
        self.assertDone(held)
        expense = self.bound(self.psa, "hr.expense", held.payload["external_id"])
        self.assertEqual(expense.date, date(2026, 5, 1))

        self.lock_april("reject")
        refused = self.post(
            self.psa, "expense.approved", self.expense(), self.company_de
        )
        self.process()
        self.assertEqual((refused.state, refused.error_category), ("dead", "data"))
        self.assertIn("locked", refused.last_error)

        self.lock_april("next_open_date")
        moved = self.post(self.psa, "expense.approved", self.expense(), self.company_de)
        self.process()
        self.assertDone(moved)
        expense = self.bound(self.psa, "hr.expense", moved.payload["external_id"])
        self.assertEqual(expense.date, date(2026, 5, 1))
        self.assertIn("first open date", moved.note)
