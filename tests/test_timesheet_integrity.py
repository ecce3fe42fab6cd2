"""Data integrity of people and time over HTTP (issue 8): a voided line never
comes back, approval times are UTC, one person sent by two systems is one
employee."""

from datetime import datetime

from test_project_engagements import ProjectHttpCase

from odoo.tests import tagged

from odoo.addons.pss_project.tests.common import unique
from odoo.addons.pss_timesheet.tests.common import (
    TimesheetMixin,
    add_timesheet_fixtures,
)

LINE = "account.analytic.line"


@tagged("post_install", "-at_install")
class TestTimesheetIntegrityOverHttp(TimesheetMixin, ProjectHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        add_timesheet_fixtures(cls)

    def setUp(self):
        super().setUp()
        self.eng = self.tm_engagement(self.company_de)
        self.order = self.bound(self.psa, "sale.order", self.eng)

    def event(self, system, event_type, data, occurred_at, entity=None):
        """Send one event with the sender's ``occurred_at``; return the message."""
        response = self.send(
            system,
            [
                {
                    "id": unique("evt_int_"),
                    "type": event_type,
                    "schema_version": 1,
                    "occurred_at": occurred_at,
                    "entity": (entity or self.company_de).pss_entity_code,
                    "data": data,
                }
            ],
        )
        self.assertEqual(response.status_code, 202, response.text)
        return self.Message.browse(response.json()["results"][0]["id"])

    def delivered(self):
        return sum(self.order.order_line.mapped("qty_delivered"))

    def test_void_before_the_resource_arrives_never_creates_the_line(self):
        """The PSA approves time of a person the HRIS has not sent yet (the
        approval waits), then voids it; when the HRIS sends the person, the
        voided line is not created and nothing becomes billable."""
        late = unique("R-LATE-")
        ext = unique("L-")
        approval = self.event(
            self.psa,
            "timesheet.approved",
            {"lines": [self.line(ext, late, self.eng, hours="8")]},
            "2026-11-20T10:00:00Z",
        )
        self.process()
        self.assertEqual(approval.state, "parked")
        void = self.event(
            self.psa,
            "timesheet.voided",
            {"lines": [ext], "reason": "wrong person"},
            "2026-11-20T11:00:00Z",
        )
        self.process()
        self.assertDone(void)
        # The HRIS (the CRM system stands in for it) sends the person.
        self.event(
            self.crm, "resource.upserted", self.resource(late), "2026-11-21T08:00:00Z"
        )
        self.process()
        self.process()
        self.assertFalse(
            self.env[LINE].search_count([("pss_external_id", "=", ext)]),
            "the voided line was created",
        )
        self.assertEqual(self.delivered(), 0.0, "nothing billable")
        self.assertEqual(approval.state, "done")
        self.assertEqual(approval.error_category, "conflict")
        self.assertIn("voided", approval.note)
        binding = self.env["pss.binding"].search(
            [
                ("system_id", "=", self.psa.id),
                ("res_model", "=", LINE),
                ("external_id", "=", ext),
            ]
        )
        self.assertEqual(binding.voided_version, 1)
        self.assertEqual(binding.voided_at, datetime(2026, 11, 20, 11, 0))

    def test_requeued_or_resent_older_approval_after_a_void(self):
        res = unique("R-")
        self.event(
            self.psa, "resource.upserted", self.resource(res), "2026-11-19T08:00:00Z"
        )
        self.process()
        ext = unique("L-")
        approval = self.event(
            self.psa,
            "timesheet.approved",
            {"lines": [self.line(ext, res, self.eng, hours="4")]},
            "2026-11-20T10:00:00Z",
        )
        self.process()
        self.assertDone(approval)
        self.assertEqual(self.delivered(), 4.0)
        void = self.event(
            self.psa, "timesheet.voided", {"lines": [ext]}, "2026-11-20T11:00:00Z"
        )
        self.process()
        self.assertDone(void)
        self.assertFalse(self.timesheets([ext]))
        # A manager requeues the old approval.
        approval.action_requeue()
        self.process()
        self.assertFalse(self.env[LINE].search_count([("pss_external_id", "=", ext)]))
        self.assertEqual(
            (approval.state, approval.error_category), ("done", "conflict")
        )
        # The PSA redelivers it under a new event id, later.
        resent = self.event(
            self.psa,
            "timesheet.approved",
            {"lines": [self.line(ext, res, self.eng, hours="4")]},
            "2026-11-22T10:00:00Z",
        )
        self.process()
        self.assertEqual(resent.error_category, "conflict")
        self.assertFalse(self.env[LINE].search_count([("pss_external_id", "=", ext)]))
        self.assertEqual(self.delivered(), 0.0)
        # A real re-approval (a higher version) applies.
        again = self.event(
            self.psa,
            "timesheet.approved",
            {"lines": [self.line(ext, res, self.eng, hours="3", version=2)]},
            "2026-11-23T10:00:00Z",
        )
        self.process()
        self.assertDone(again)
        self.assertEqual(self.timesheets([ext]).unit_amount, 3.0)
        self.assertEqual(self.delivered(), 3.0)

    def test_a_void_older_than_the_applied_re_approval_changes_nothing(self):
        """The void was sent before a re-approval but applied after it (it was
        retrying): the re-approved time stays."""
        res = unique("R-")
        self.event(
            self.psa, "resource.upserted", self.resource(res), "2026-11-19T08:00:00Z"
        )
        self.process()
        ext = unique("L-")
        self.event(
            self.psa,
            "timesheet.approved",
            {"lines": [self.line(ext, res, self.eng, hours="5", version=2)]},
            "2026-11-20T12:00:00Z",
        )
        self.process()
        void = self.event(
            self.psa, "timesheet.voided", {"lines": [ext]}, "2026-11-20T11:00:00Z"
        )
        self.process()
        self.assertEqual((void.state, void.error_category), ("done", "conflict"))
        self.assertEqual(self.timesheets([ext]).unit_amount, 5.0)

    def test_approved_at_with_an_offset_is_stored_in_utc(self):
        res = unique("R-")
        self.event(
            self.psa, "resource.upserted", self.resource(res), "2026-11-19T08:00:00Z"
        )
        self.process()
        ext = unique("L-")
        message = self.event(
            self.psa,
            "timesheet.approved",
            {
                "lines": [
                    self.line(
                        ext, res, self.eng, approved_at="2026-04-20T09:00:00+05:30"
                    )
                ]
            },
            "2026-11-20T10:00:00+05:30",
        )
        self.process()
        self.assertDone(message)
        self.assertEqual(
            self.timesheets([ext]).pss_approved_at, datetime(2026, 4, 20, 3, 30)
        )
        self.assertEqual(message.occurred_at, datetime(2026, 11, 20, 4, 30))

    def test_one_person_from_the_hris_and_the_psa_is_one_employee(self):
        """The HRIS (the CRM system stands in for it) and the PSA send the
        same person under their own ids; the work e-mail makes them one
        employee with two bindings, and the HRIS stays its system of record."""
        hris_id, psa_id = unique("R-HRIS-"), unique("R-PSA-")
        email = f"{hris_id.lower()}@example.com"
        first = self.event(
            self.crm,
            "resource.upserted",
            self.resource(
                hris_id, name="Ada Lovelace", work_email=email, department="Delivery"
            ),
            "2026-11-19T08:00:00Z",
        )
        self.process()
        self.assertDone(first)
        second = self.event(
            self.psa,
            "resource.upserted",
            self.resource(psa_id, name="A. Lovelace", work_email=f"  {email.upper()}"),
            "2026-11-19T09:00:00Z",
        )
        self.process()
        self.assertDone(second)
        employees = (
            self.env["hr.employee"]
            .with_context(active_test=False)
            .search([("work_email", "=ilike", email)])
        )
        self.assertEqual(len(employees), 1, "one employee")
        bindings = self.env["pss.binding"].search(
            [("res_model", "=", "hr.employee"), ("res_id", "=", employees.id)]
        )
        self.assertEqual(
            sorted((b.system_id.id, b.external_id) for b in bindings),
            sorted([(self.crm.id, hris_id), (self.psa.id, psa_id)]),
        )
        self.assertEqual(employees.name, "Ada Lovelace", "the HRIS's record")
        self.assertEqual(employees.department_id.name, "Delivery")
        self.assertIn("system of record", second.note)
        # The PSA's time under its own id lands on that employee.
        ext = unique("L-")
        self.event(
            self.psa,
            "timesheet.approved",
            {"lines": [self.line(ext, psa_id, self.eng, hours="2")]},
            "2026-11-20T10:00:00Z",
        )
        self.process()
        self.assertEqual(self.timesheets([ext]).employee_id, employees)
