"""Finance's correction of approved time (pss_billing's *Correct integration
fields*) stops at time already charged between entities."""

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import IntercompanyCase

WIZARD = "pss.timesheet.correction.wizard"


@tagged("post_install", "-at_install")
class TestIntercompanyCorrection(IntercompanyCase):
    def correct(self, lines, **values):
        env = self.env(
            user=self.finance,
            context={"allowed_company_ids": self.companies.ids},
        )
        wizard = env[WIZARD].create(
            {"line_ids": [(6, 0, lines.ids)], "reason": "resend", **values}
        )
        return wizard.action_apply()

    def test_charged_time_keeps_its_approval_and_entities(self):
        charged = self.time(self.anna, self.project_us, 2.0)
        run = self.charge()
        self.assertEqual(run.state, "done", run.error)
        self.assertTrue(charged.pss_ic_line_ids)
        later = self.time(self.anna, self.project_us, 1.0, "2026-05-04")
        for values in (
            {"reset_approval": True},
            {"correct_intercompany": True, "intercompany": False},
        ):
            with self.subTest(values=values):
                with self.assertRaisesRegex(UserError, "charged between entities"):
                    self.correct(charged | later, **values)
        self.assertTrue(charged.pss_approved and later.pss_approved)
        self.assertTrue(charged.pss_intercompany)
        # Time not charged yet: un-approved, it is not charged by a run.
        self.correct(later, reset_approval=True)
        self.assertFalse(later.pss_approved)
        self.assertTrue(charged.pss_approved)
        log = self.env["pss.timesheet.correction"].search([("line_id", "=", later.id)])
        self.assertIn("pss_approved", log.mapped("field_name"))
        self.assertEqual(set(log.mapped("user_id")), {self.finance})
