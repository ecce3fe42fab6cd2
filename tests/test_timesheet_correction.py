"""Issue 25, "Reshaping a line": integration-owned fields of approved time
are the sender's, or finance's through the documented correction action
with a reason (*Correct integration fields*), through real JSON-RPC."""

import test_security_controls as controls
from test_project_engagements import ProjectHttpCase

from odoo.tests import tagged

from odoo.addons.pss_billing.tests.common import APRIL, add_billing_fixtures
from odoo.addons.pss_project.tests.common import unique
from odoo.addons.pss_timesheet.tests.common import (
    TimesheetMixin,
    add_timesheet_fixtures,
)

LINE = controls.LINE
WIZARD = "pss.timesheet.correction.wizard"
LOG = "pss.timesheet.correction"
USER_ERROR = controls.USER_ERROR
VALIDATION_ERROR = "odoo.exceptions.ValidationError"


@tagged("post_install", "-at_install")
class TestTimesheetCorrection(controls.RpcMixin, TimesheetMixin, ProjectHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        add_timesheet_fixtures(cls)
        add_billing_fixtures(cls)
        cls.biller.password = cls.biller.login
        # A pss User who works in the console, and a timesheet approver.
        cls.viewer = controls.console_user(
            cls.env,
            unique("viewer").lower(),
            ["pss_core.group_pss_user", "hr_timesheet.group_hr_timesheet_approver"],
            cls.companies,
        )

    psa_line = controls.TestApprovedTimeControls.psa_line
    run_billing = controls.TestApprovedTimeControls.run_billing

    def setUp(self):
        super().setUp()
        self.ext = self.tm_engagement(self.company_de)
        self.timesheet = self.psa_line()  # 4 h at 50 EUR, approved by the PSA

    def snapshot(self, line):
        line.invalidate_recordset()
        line = line.sudo()
        return (
            line.pss_hourly_cost,
            line.amount,
            line.pss_intercompany,
            line.pss_resource_company_id,
            line.pss_approved,
            line.pss_approved_by,
        )

    def correct(self, user, line, **values):
        """Open the dialog on ``line`` and press Correct, as ``user``."""
        self.login(user)
        context = {"active_model": LINE, "active_ids": line.ids}
        answer = self.call_kw(WIZARD, "create", [values], {"context": context})
        wizard_id = self.result(answer)
        return self.call_kw(WIZARD, "action_apply", [[wizard_id]])

    def logs(self, line):
        return self.env[LOG].sudo().search([("line_id", "=", line.id)])

    def test_a_pss_user_cannot_correct(self):
        before = self.snapshot(self.timesheet)
        for values in (
            {"reset_approval": True, "reason": "resend"},
            {"correct_intercompany": True, "intercompany": False, "reason": "x"},
        ):
            with self.subTest(values=values):
                message = self.assertRefused(
                    self.correct(self.viewer, self.timesheet, **values)
                )
                self.assertIn("pss Finance", message)
        self.assertEqual(self.snapshot(self.timesheet), before)
        self.assertFalse(self.logs(self.timesheet))
        # Nor read the log.
        self.assertRefused(self.call_kw(LOG, "search_read", [[]], {"fields": ["id"]}))

    def test_finance_corrects_with_a_reason_and_it_is_logged(self):
        line = self.timesheet
        self.assertEqual(
            self.snapshot(line)[:4], (50.0, -200.0, False, self.company_de)
        )
        reason = "HRIS sent last year's rate; agreed with HR"
        self.result(
            self.correct(
                self.biller,
                line,
                correct_cost=True,
                hourly_cost=62.5,
                correct_intercompany=True,
                intercompany=True,
                resource_company_id=self.company_us.id,
                reason=reason,
            )
        )
        cost, amount, intercompany, resource, approved, _by = self.snapshot(line)
        self.assertEqual((cost, amount), (62.5, -250.0))
        self.assertTrue(intercompany)
        self.assertEqual(resource, self.company_us)
        self.assertTrue(approved, "a cost correction keeps the approval")
        logs = self.logs(line)
        self.assertEqual(
            {(log.field_name, log.old_value, log.new_value) for log in logs},
            {
                ("pss_hourly_cost", "50.0", "62.5"),
                ("amount", "-200.0", "-250.0"),
                ("pss_intercompany", "False", "True"),
                (
                    "pss_resource_company_id",
                    self.company_de.display_name,
                    self.company_us.display_name,
                ),
            },
        )
        self.assertEqual(set(logs.mapped("reason")), {reason})
        self.assertEqual(logs.user_id, self.biller)
        self.assertTrue(all(logs.mapped("corrected_at")))
        # Finance reads the log through the console.
        self.login(self.biller)
        rows = self.result(
            self.call_kw(
                LOG,
                "search_read",
                [[("line_id", "=", line.id)]],
                {"fields": ["field_name", "reason", "user_id"]},
            )
        )
        self.assertEqual(len(rows), 4)

        # Reset approved time: un-approved, the sender may send it again.
        self.result(
            self.correct(
                self.biller, line, reset_approval=True, reason="PSA resends it"
            )
        )
        self.assertEqual(self.snapshot(line)[4:], (False, False))
        self.assertIn(
            ("pss_approved", "True", "False"),
            {(g.field_name, g.old_value, g.new_value) for g in self.logs(line)},
        )

    def test_without_a_reason_nothing_changes(self):
        before = self.snapshot(self.timesheet)
        for reason in (False, "", "   "):
            with self.subTest(reason=reason):
                message = self.assertRefused(
                    self.correct(
                        self.biller,
                        self.timesheet,
                        correct_cost=True,
                        hourly_cost=1.0,
                        reset_approval=True,
                        reason=reason,
                    ),
                    USER_ERROR,
                )
                self.assertIn("reason", message)
        self.assertEqual(self.snapshot(self.timesheet), before)
        self.assertFalse(self.logs(self.timesheet))

    def test_a_negative_or_absurd_cost_is_refused(self):
        before = self.snapshot(self.timesheet)
        for cost in (-1.0, 1e300):
            with self.subTest(cost=cost):
                message = self.assertRefused(
                    self.correct(
                        self.biller,
                        self.timesheet,
                        correct_cost=True,
                        hourly_cost=cost,
                        reason="typo",
                    ),
                    USER_ERROR,
                )
                self.assertIn("hourly cost is between 0", message)
        self.assertEqual(self.snapshot(self.timesheet), before)
        self.assertFalse(self.logs(self.timesheet))

    def test_plain_write_by_finance_is_still_refused(self):
        before = self.snapshot(self.timesheet)
        self.login(self.biller)
        for vals in (
            {"pss_hourly_cost": 1.0},
            {"pss_intercompany": True},
            {"pss_resource_company_id": self.company_us.id},
            {"amount": -1.0},
        ):
            with self.subTest(vals=vals):
                self.assertRefused(
                    self.call_kw(LINE, "write", [self.timesheet.ids, vals]),
                    USER_ERROR,
                )
        for vals in ({"pss_approved": False}, {"pss_approved_at": False}):
            with self.subTest(vals=vals):
                self.assertRefused(
                    self.call_kw(LINE, "write", [self.timesheet.ids, vals])
                )
        # Nor by writing the log by hand.
        self.assertRefused(
            self.call_kw(
                LOG, "create", [{"line_id": self.timesheet.id, "reason": "forged"}]
            )
        )
        self.assertEqual(self.snapshot(self.timesheet), before)

    def test_refused_in_a_locked_period(self):
        before = self.snapshot(self.timesheet)
        self.company_de.sudo().period_lock_date = "2026-04-30"
        message = self.assertRefused(
            self.correct(
                self.biller,
                self.timesheet,
                correct_cost=True,
                hourly_cost=70.0,
                reason="too late",
            ),
            USER_ERROR,
        )
        self.assertIn("locked period", message)
        self.assertEqual(self.snapshot(self.timesheet), before)
        self.assertFalse(self.logs(self.timesheet))

    def test_invoiced_time_stays_approved(self):
        invoice = self.run_billing(APRIL).invoice_ids
        self.assertEqual(self.timesheet.sudo().timesheet_invoice_id, invoice)
        before = self.snapshot(self.timesheet)
        for values in (
            {"reset_approval": True},
            {"correct_cost": True, "hourly_cost": 70.0},
        ):
            with self.subTest(values=values):
                message = self.assertRefused(
                    self.correct(
                        self.biller, self.timesheet, reason="resend", **values
                    ),
                    USER_ERROR,
                )
                self.assertIn("nvoiced", message)
        self.assertEqual(self.snapshot(self.timesheet), before)
        self.assertFalse(self.logs(self.timesheet))

    def test_a_reason_that_cannot_be_stored_is_refused_clearly(self):
        """A NUL character (or a lone surrogate) in the reason: a clear
        error over JSON-RPC, never the database's, and nothing written."""
        before = self.snapshot(self.timesheet)
        self.login(self.biller)
        context = {"active_model": LINE, "active_ids": self.timesheet.ids}
        values = {"correct_cost": True, "hourly_cost": 70.0}
        for reason in ("HRIS\x00 rate", "\x00", "rate \ud800"):
            with self.subTest(reason=reason):
                answer = self.call_kw(
                    WIZARD,
                    "create",
                    [{**values, "reason": reason}],
                    {"context": context},
                )
                message = self.assertRefused(answer, VALIDATION_ERROR)
                self.assertIn("cannot be stored", message)
                self.assertIn("Reason", message)
        # Nor by writing it on a dialog made with a fine reason.
        answer = self.call_kw(
            WIZARD, "create", [{**values, "reason": "fine"}], {"context": context}
        )
        wizard_id = self.result(answer)
        message = self.assertRefused(
            self.call_kw(WIZARD, "write", [[wizard_id], {"reason": "bad\x00"}]),
            VALIDATION_ERROR,
        )
        self.assertIn("cannot be stored", message)
        self.assertEqual(self.env[WIZARD].sudo().browse(wizard_id).reason, "fine")
        self.assertEqual(self.snapshot(self.timesheet), before)
        self.assertFalse(self.logs(self.timesheet))
