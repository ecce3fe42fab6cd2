"""A user of one company sees its side only; a run needs a user of both."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.pss_core.tests.common import make_user, unique

from .common import IntercompanyCase


@tagged("post_install", "-at_install")
class TestIntercompanySecurity(IntercompanyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        groups = [
            "base.group_user",
            "pss_core.group_pss_finance",
            "account.group_account_manager",
            "hr_timesheet.group_timesheet_manager",
        ]
        cls.user_de = make_user(cls.env, unique("ic_de"), groups, cls.de)
        cls.user_us = make_user(cls.env, unique("ic_us"), groups, cls.us)

    def test_company_user_reads_only_its_document(self):
        self.time(self.anna, self.project_us, 7.5)
        charge = self.charge().charge_ids
        invoice, bill = charge.invoice_id, charge.bill_id
        Move = self.env["account.move"]
        self.assertEqual(
            Move.with_user(self.user_de).search([("pss_ic_charge_id", "=", charge.id)]),
            invoice,
        )
        self.assertEqual(
            Move.with_user(self.user_us).search([("pss_ic_charge_id", "=", charge.id)]),
            bill,
        )
        with self.assertRaises(AccessError):
            bill.with_user(self.user_de).read(["amount_total"])
        with self.assertRaises(AccessError):
            invoice.with_user(self.user_us).read(["amount_total"])
        # the charge is visible to both sides; the NL user's is not
        self.assertTrue(charge.with_user(self.user_de).read(["amount_charged"]))
        user_nl = make_user(
            self.env,
            unique("ic_nl"),
            ["base.group_user", "pss_core.group_pss_finance"],
            self.nl,
        )
        self.assertFalse(
            self.env["pss.ic.charge"]
            .with_user(user_nl)
            .search([("id", "=", charge.id)])
        )
        self.assertFalse(
            self.env["pss.ic.agreement"]
            .with_user(user_nl)
            .search([("id", "=", self.de_to_us.id)])
        )

    def test_run_by_a_user_of_one_company_fails_clearly_and_makes_nothing(self):
        self.time(self.anna, self.project_us, 7.5)
        run = self.charge(user=self.user_de, agreement_id=self.de_to_us.id)
        self.assertEqual(run.state, "failed")
        self.assertIn("is not allowed in", run.error)
        self.assertFalse(self.env["pss.ic.charge"].search([]))
        self.assertFalse(self.moves(self.de) | self.moves(self.us))
