"""resource.upserted, timesheet.approved / voided and expense.approved
through the queue (the HTTP door is covered by tests/test_timesheet_*.py)."""

from datetime import date

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import TimesheetCase, unique

LINE = "account.analytic.line"


@tagged("post_install", "-at_install")
class TestResources(TimesheetCase):
    def test_employee_contractor_cost_history_and_archive(self):
        ext_emp, ext_con = unique("R-"), unique("R-")
        messages = self.post(
            self.psa,
            "resource.upserted",
            [
                self.resource(
                    ext_emp,
                    department="Data",
                    hourly_cost={
                        "amount": "60",
                        "currency": "EUR",
                        "effective_from": "2026-01-01",
                    },
                ),
            ],
            self.company_de,
        ) | self.post(
            self.psa,
            "resource.upserted",
            self.resource(ext_con, kind="contractor", role="architect"),
            self.company_us,
        )
        self.process()
        self.assertDone(*messages)
        employee = self.bound(self.psa, "hr.employee", ext_emp)
        self.assertEqual(employee.company_id, self.company_de)
        self.assertEqual(employee.job_id, self.job_consultant)
        self.assertEqual(employee.department_id.name, "Data")
        self.assertEqual(employee.work_email, f"{ext_emp.lower()}@example.com")
        self.assertEqual(employee.hourly_cost, 60.0)
        self.assertEqual(employee.pss_resource_kind, "employee")
        contractor = self.bound(self.psa, "hr.employee", ext_con)
        self.assertEqual(contractor.company_id, self.company_us)
        self.assertEqual(contractor.pss_resource_kind, "contractor")
        self.assertEqual(contractor.job_id.name, "architect")
        self.assertEqual(contractor.job_id.company_id, self.company_us)
        self.assertTrue(contractor.pss_vendor_partner_id.supplier_rank)

        # A new dated cost: the history grows, the current cost follows.
        message = self.post(
            self.psa,
            "resource.upserted",
            self.resource(
                ext_emp,
                department="Data",
                hourly_cost={
                    "amount": "70",
                    "currency": "EUR",
                    "effective_from": "2026-06-01",
                },
                active=False,
            ),
            self.company_de,
        )
        self.process()
        self.assertDone(message)
        self.assertEqual(
            employee.pss_cost_ids.sorted("date_from").mapped("amount"), [60.0, 70.0]
        )
        self.assertFalse(employee.active, "active: false archives the employee")


@tagged("post_install", "-at_install")
class TestApprovedTime(TimesheetCase):
    def setUp(self):
        super().setUp()
        self.eng = self.tm_engagement(self.company_de)
        self.res = unique("R-")
        self.post(
            self.psa,
            "resource.upserted",
            self.resource(
                self.res,
                hourly_cost={
                    "amount": "50",
                    "currency": "EUR",
                    "effective_from": "2026-01-01",
                },
            ),
            self.company_de,
        )
        self.process()
        self.order = self.bound(self.psa, "sale.order", self.eng)

    def approve(self, lines, company=None):
        message = self.post(
            self.psa, "timesheet.approved", {"lines": lines}, company or self.company_de
        )
        self.process()
        return message

    def test_mixed_batch_rejects_bad_lines_and_waits_for_the_resource(self):
        late = unique("R-LATE-")
        good = [
            self.line(unique("L-"), self.res, self.eng, hours="8"),
            self.line(unique("L-"), self.res, self.eng, hours="1.5"),
        ]
        bad = [
            self.line(unique("L-"), self.res, self.eng, hours="0"),
            self.line(unique("L-"), self.res, self.eng, hours="24.5"),
            self.line(unique("L-"), self.res, self.eng, date="2027-02-01"),
            self.line(unique("L-"), self.res, unique("ENG-NOPE-")),
        ]
        waiting = [self.line(unique("L-"), late, self.eng, hours="3")]
        message = self.approve(good + bad + waiting)
        self.assertDone(message)
        timesheets = self.timesheets([ln["external_id"] for ln in good])
        self.assertEqual(sorted(timesheets.mapped("unit_amount")), [1.5, 8.0])
        self.assertEqual(timesheets.so_line, self.order.order_line)
        self.assertEqual(set(timesheets.mapped("amount")), {-400.0, -75.0})
        self.assertEqual(
            timesheets.mapped("pss_approved_by"), ["manager@example.com"] * 2
        )
        self.assertFalse(self.timesheets([ln["external_id"] for ln in bad + waiting]))

        rejected = self.outbound("timesheet.rejected").filtered(
            lambda m: m.payload["event_id"] == message.external_event_id
        )
        self.assertEqual(len(rejected), 1, "one timesheet.rejected per event")
        reasons = {ln["external_id"]: ln["reason"] for ln in rejected.payload["lines"]}
        self.assertEqual(set(reasons), {ln["external_id"] for ln in bad})
        self.assertIn("hours", reasons[bad[0]["external_id"]])
        self.assertIn("hours", reasons[bad[1]["external_id"]])
        self.assertIn("outside the engagement", reasons[bad[2]["external_id"]])
        self.assertIn("unknown engagement", reasons[bad[3]["external_id"]])

        child = self.Message.search(
            [("idempotency_key", "=like", f"{message.idempotency_key}/wait:%")]
        )
        self.assertEqual(child.state, "parked")
        self.assertIn(late, child.park_reason)
        # The resource arrives: the waiting line applies by itself.
        self.post(self.psa, "resource.upserted", self.resource(late), self.company_de)
        self.process()
        self.assertDone(child)
        self.assertEqual(self.timesheets([waiting[0]["external_id"]]).unit_amount, 3.0)

    def test_task_by_name_and_an_unknown_task_said_on_the_message(self):
        project = self.bound(self.psa, "project.project", self.eng)
        task = self.env["project.task"].create(
            {"name": "Discovery workshop", "project_id": project.id}
        )
        known = self.line(unique("L-"), self.res, self.eng, task="Discovery workshop")
        unknown = self.line(unique("L-"), self.res, self.eng, task="Typo task")
        message = self.approve([known, unknown])
        self.assertDone(message)
        self.assertEqual(self.timesheets([known["external_id"]]).task_id, task)
        orphan = self.timesheets([unknown["external_id"]])
        self.assertEqual(orphan.unit_amount, 2.5, "the time is kept")
        self.assertFalse(orphan.task_id)
        self.assertIn("1 recorded without a task", message.note)
        self.assertIn("'Typo task'", message.note)

    def test_time_waits_for_a_resource_another_system_brings(self):
        """The PSA books time for a resource only the HRIS knows (here the
        CRM system stands in for it): the waiting line applies when the
        other system's resource.upserted binds it."""
        newcomer = unique("R-HRIS-")
        line = self.line(unique("L-"), newcomer, self.eng, hours="6")
        message = self.approve([line])
        self.assertEqual(message.state, "parked")
        self.assertFalse(message.wait_system_id, "waits on any system")
        self.assertIn(newcomer, message.park_reason)
        self.post(
            self.crm, "resource.upserted", self.resource(newcomer), self.company_de
        )
        self.process()
        self.assertDone(message)
        timesheet = self.timesheets([line["external_id"]])
        self.assertEqual(timesheet.unit_amount, 6.0)
        employee = self.env["pss.binding"]._resolve_records(
            self.crm, "hr.employee", [newcomer]
        )[newcomer]
        self.assertEqual(timesheet.employee_id, employee)

    def test_cost_in_force_on_the_date_and_never_rewritten(self):
        before = self.line(unique("L-"), self.res, self.eng, date="2026-05-31")
        self.approve([before])
        self.post(
            self.psa,
            "resource.upserted",
            self.resource(
                self.res,
                hourly_cost={
                    "amount": "80",
                    "currency": "EUR",
                    "effective_from": "2026-06-01",
                },
            ),
            self.company_de,
        )
        self.process()
        after = self.line(unique("L-"), self.res, self.eng, date="2026-06-01")
        self.approve([after])
        self.assertEqual(self.timesheets([before["external_id"]]).amount, -125.0)
        self.assertEqual(self.timesheets([after["external_id"]]).amount, -200.0)

    def test_versioned_update_void_and_non_billable(self):
        ext = unique("L-")
        free = self.line(unique("L-"), self.res, self.eng, billable=False)
        self.approve([self.line(ext, self.res, self.eng, hours="4"), free])
        timesheet = self.timesheets([ext])
        self.assertFalse(self.timesheets([free["external_id"]]).so_line)
        self.approve([self.line(ext, self.res, self.eng, hours="6", version=2)])
        self.assertEqual(timesheet.unit_amount, 6.0)
        stale = self.approve([self.line(ext, self.res, self.eng, hours="1")])
        self.assertDone(stale)
        self.assertEqual(timesheet.unit_amount, 6.0, "older version is ignored")
        void = self.post(
            self.psa,
            "timesheet.voided",
            {"lines": [ext], "reason": "booked twice"},
            self.company_de,
        )
        self.process()
        self.assertDone(void)
        self.assertFalse(timesheet.exists())

    def test_invoiced_line_becomes_an_exception_and_stays(self):
        ext = unique("L-")
        self.approve([self.line(ext, self.res, self.eng, hours="5")])
        timesheet = self.timesheets([ext])
        invoice = self.order._create_invoices()
        invoice.action_post()
        self.assertEqual(timesheet.timesheet_invoice_id, invoice)
        self.approve([self.line(ext, self.res, self.eng, hours="9", version=2)])
        void = self.post(
            self.psa, "timesheet.voided", {"lines": [ext]}, self.company_de
        )
        self.process()
        self.assertDone(void)
        self.assertTrue(timesheet.exists())
        self.assertEqual(timesheet.unit_amount, 5.0)
        exceptions = self.env["pss.timesheet.exception"].search(
            [("external_id", "=", ext)]
        )
        self.assertEqual(sorted(exceptions.mapped("kind")), ["update", "void"])
        self.assertEqual(exceptions.invoice_id, invoice)
        self.assertEqual(
            exceptions.filtered(lambda e: e.kind == "update").requested["hours"], "9"
        )

    def test_locked_period_is_held_then_moved_by_finance(self):
        self.company_de.sudo().fiscalyear_lock_date = date(2026, 4, 30)
        open_line = self.line(unique("L-"), self.res, self.eng, date="2026-05-04")
        locked = self.line(unique("L-"), self.res, self.eng, date="2026-04-10")
        message = self.approve([open_line, locked])
        self.assertDone(message)
        self.assertTrue(self.timesheets([open_line["external_id"]]))
        self.assertFalse(self.timesheets([locked["external_id"]]))
        held = self.Message.search(
            [("idempotency_key", "=", f"{message.idempotency_key}/locked")]
        )
        self.assertEqual((held.state, held.error_category), ("parked", "hold"))
        self.assertIn("locked accounting period", held.park_reason)
        self.assertTrue(held.pss_timesheet_locked)
        held.with_user(self.finance).action_pss_move_to_open_date()
        self.process()
        self.assertDone(held)
        moved = self.timesheets([locked["external_id"]])
        self.assertEqual(moved.date, date(2026, 5, 1))
        self.assertEqual(held.payload_original["lines"][0]["date"], "2026-04-10")
        self.assertIn("moved to", held.message_ids[:1].body)

    def test_locked_period_rejected_by_finance(self):
        self.company_de.sudo().fiscalyear_lock_date = date(2026, 4, 30)
        locked = self.line(unique("L-"), self.res, self.eng, date="2026-04-10")
        message = self.approve([locked])
        self.assertEqual(message.state, "parked", "all lines held: the event itself")
        message.with_user(self.finance).action_pss_reject_locked()
        self.assertEqual(message.state, "cancelled")
        rejected = self.outbound("timesheet.rejected").filtered(
            lambda m: m.payload["event_id"] == message.external_event_id
        )
        self.assertIn("locked", rejected.payload["lines"][0]["reason"])

    def test_lock_behaviour_next_open_date(self):
        self.company_de.sudo().write(
            {
                "fiscalyear_lock_date": date(2026, 4, 30),
                "pss_period_lock_behaviour": "next_open_date",
            }
        )
        locked = self.line(unique("L-"), self.res, self.eng, date="2026-04-10")
        self.assertDone(self.approve([locked]))
        self.assertEqual(
            self.timesheets([locked["external_id"]]).date, date(2026, 5, 1)
        )

    def test_tax_lock_date_alone_leaves_time_and_voids_on_their_dates(self):
        # Time is no move and carries no tax: only the tax lock date is set
        # (Odoo's rule for moves without taxes ignores it).
        self.company_de.sudo().tax_lock_date = date(2026, 4, 30)
        ext = unique("L-")
        message = self.approve([self.line(ext, self.res, self.eng, date="2026-04-10")])
        self.assertDone(message)
        timesheet = self.timesheets([ext])
        self.assertEqual(timesheet.date, date(2026, 4, 10))
        void = self.post(
            self.psa, "timesheet.voided", {"lines": [ext]}, self.company_de
        )
        self.process()
        self.assertDone(void)
        self.assertFalse(timesheet.exists(), "removed, not reversed")
        self.assertFalse(
            self.env["account.analytic.line"].search([("pss_external_id", "=", ext)]),
        )
        # The period lock still holds time (and reverses a void).
        self.company_de.sudo().period_lock_date = date(2026, 4, 30)
        held = self.approve(
            [self.line(unique("L-"), self.res, self.eng, date="2026-04-11")]
        )
        self.assertEqual((held.state, held.error_category), ("parked", "hold"))


@tagged("post_install", "-at_install")
class TestExpenses(TimesheetCase):
    def setUp(self):
        super().setUp()
        self.eng = self.tm_engagement(self.company_de)
        self.order = self.bound(self.psa, "sale.order", self.eng)
        self.res = unique("R-")
        self.post(
            self.psa, "resource.upserted", self.resource(self.res), self.company_de
        )
        self.process()

    def expense(self, **values):
        data = {
            "external_id": unique("X-"),
            "resource_external_id": self.res,
            "engagement_external_id": self.eng,
            "date": "2026-04-15",
            "amount": "120.00",
            "currency": self.company_de.currency_id.name,
            "category": "travel",
            "description": "Train to the customer",
            "billable": True,
            "approved_by": "manager@example.com",
            "receipt_url": "https://psa.example.com/receipts/1",
        }
        data.update(values)
        return data

    def test_billable_expense_is_reinvoiced_on_the_engagement(self):
        data = self.expense()
        message = self.post(self.psa, "expense.approved", data, self.company_de)
        self.process()
        self.assertDone(message)
        expense = self.bound(self.psa, "hr.expense", data["external_id"])
        self.assertEqual(expense.company_id, self.company_de)
        self.assertEqual(expense.total_amount_currency, 120.0)
        self.assertEqual(expense.currency_id, self.company_de.currency_id)
        self.assertEqual(expense.sale_order_id, self.order)
        self.assertEqual(
            expense.analytic_distribution,
            {str(self.order.analytic_account_id.id): 100},
        )
        self.assertIn(expense.sheet_id.state, ("approve", "post"))
        self.assertEqual(expense.sheet_id.approval_state, "approve")
        reinvoiced = self.order.order_line.filtered(
            lambda ln: ln.product_id == self.product_travel
        )
        self.assertEqual(reinvoiced.price_unit, 120.0, "re-invoiced at cost")
        # Sent again: nothing new.
        again = self.post(self.psa, "expense.approved", data, self.company_de)
        self.process()
        self.assertEqual(again.state, "done")
        self.assertEqual(
            self.env["hr.expense"].search_count(
                [("pss_external_id", "=", data["external_id"])]
            ),
            1,
        )

    def test_non_billable_expense_in_another_currency(self):
        company_currency = self.company_de.currency_id
        other = "USD" if company_currency.name == "EUR" else "EUR"
        data = self.expense(
            currency=other, amount="80.50", billable=False, category="travel"
        )
        message = self.post(self.psa, "expense.approved", data, self.company_de)
        self.process()
        self.assertDone(message)
        expense = self.bound(self.psa, "hr.expense", data["external_id"])
        self.assertEqual(expense.currency_id.name, other)
        self.assertEqual(expense.total_amount_currency, 80.5)
        self.assertEqual(expense.company_currency_id, company_currency)
        self.assertFalse(expense.sale_order_id)
        self.assertEqual(expense.sheet_id.approval_state, "approve")
        self.assertFalse(
            self.order.order_line.filtered(
                lambda ln: ln.product_id == self.product_travel
            ),
            "a non-billable expense is not re-invoiced",
        )

    def test_unknown_category_is_a_data_error(self):
        message = self.post(
            self.psa,
            "expense.approved",
            self.expense(category="yacht"),
            self.company_de,
        )
        self.process()
        self.assertEqual(message.state, "dead")
        self.assertIn("expense_category", str(message.error_details))

    def test_tax_lock_date_holds_an_expense_with_taxes_only(self):
        # The expense's move carries its category's purchase taxes: the tax
        # lock date holds it (Odoo would move its date silently); an expense
        # without taxes is booked on its date.
        self.company_de.sudo().tax_lock_date = date(2026, 4, 30)
        untaxed = self.expense(category="meal", billable=False)
        message = self.post(self.psa, "expense.approved", untaxed, self.company_de)
        self.process()
        self.assertDone(message)
        self.assertEqual(
            self.bound(self.psa, "hr.expense", untaxed["external_id"]).date,
            date(2026, 4, 15),
        )
        input_tax = self.env["account.tax"].create(
            {
                "name": "19% Vorsteuer",
                "amount": 19.0,
                "amount_type": "percent",
                "type_tax_use": "purchase",
                "company_id": self.company_de.id,
            }
        )
        self.product_travel.supplier_taxes_id = input_tax
        taxed = self.expense(billable=False)
        held = self.post(self.psa, "expense.approved", taxed, self.company_de)
        self.process()
        self.assertEqual((held.state, held.error_category), ("parked", "hold"))
        self.assertIn("2026-04-30", held.park_reason)
        self.assertFalse(
            self.env["hr.expense"].search(
                [("pss_external_id", "=", taxed["external_id"])]
            )
        )
        held.with_user(self.finance).action_pss_move_to_open_date()
        self.process()
        self.assertDone(held)
        expense = self.bound(self.psa, "hr.expense", taxed["external_id"])
        self.assertEqual(expense.date, date(2026, 5, 1))
        self.assertEqual(expense.tax_ids, input_tax)


@tagged("post_install", "-at_install")
class TestResentInOneBatch(TimesheetCase):
    def test_same_lines_in_two_events_of_one_batch(self):
        eng = self.tm_engagement(self.company_de)
        res = unique("R-")
        self.post(self.psa, "resource.upserted", self.resource(res), self.company_de)
        self.process()
        lines = [self.line(unique("L-"), res, eng, hours="3") for _i in range(3)]
        newer = dict(lines[0], version=2, hours="4")
        messages = self.post(
            self.psa,
            "timesheet.approved",
            [{"lines": lines}, {"lines": lines}, {"lines": [newer]}],
            self.company_de,
        )
        self.process()
        self.assertDone(*messages)
        ext_ids = [ln["external_id"] for ln in lines]
        self.assertEqual(
            self.env["account.analytic.line"].search_count(
                [("pss_external_id", "in", ext_ids)]
            ),
            3,
        )
        self.assertEqual(self.timesheets(ext_ids[:1]).unit_amount, 4.0)


@tagged("post_install", "-at_install")
class TestWaitingForTheEngagement(TimesheetCase):
    def test_lines_wait_for_an_engagement_still_in_the_queue(self):
        res = unique("R-")
        self.post(self.psa, "resource.upserted", self.resource(res), self.company_de)
        self.process()
        # The engagement waits for its customer; its time waits for it.
        customer = unique("C-LATE-")
        eng = unique("ENG-LATE-")
        won = self.post(
            self.psa,
            "engagement.won",
            self.engagement(
                eng,
                "time_and_materials",
                customer,
                currency=self.company_de.currency_id.name,
                rate_card=[{"role": "consultant", "unit_price": "100"}],
            ),
            self.company_de,
        )
        self.process()
        self.assertEqual(won.state, "parked")
        line = self.line(unique("L-"), res, eng, hours="5")
        message = self.post(
            self.psa, "timesheet.approved", {"lines": [line]}, self.company_de
        )
        self.process()
        self.assertEqual(message.state, "parked")
        self.assertIn(eng, message.park_reason)
        self.assertFalse(
            self.outbound("timesheet.rejected").filtered(
                lambda m: m.payload["event_id"] == message.external_event_id
            )
        )
        self.post(
            self.psa,
            "customer.upserted",
            self.customer(customer, name="Late Customer GmbH"),
            self.company_de,
        )
        self.process()
        self.assertDone(won, message)
        timesheet = self.timesheets([line["external_id"]])
        self.assertEqual(timesheet.unit_amount, 5.0)
        self.assertEqual(
            timesheet.so_line.order_id, self.bound(self.psa, "sale.order", eng)
        )

    def test_only_finance_releases_locked_time(self):
        eng = self.tm_engagement(self.company_de)
        res = unique("R-")
        self.post(self.psa, "resource.upserted", self.resource(res), self.company_de)
        self.process()
        self.company_de.sudo().fiscalyear_lock_date = date(2026, 4, 30)
        message = self.post(
            self.psa,
            "timesheet.approved",
            {"lines": [self.line(unique("L-"), res, eng, date="2026-04-01")]},
            self.company_de,
        )
        self.process()
        self.assertEqual(message.state, "parked")
        with self.assertRaises(UserError):
            message.with_user(self.pm).action_pss_move_to_open_date()
        self.assertEqual(message.state, "parked")
