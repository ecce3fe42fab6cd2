"""Browser test of the month-end close screen (pss_reconcile): a finance
controller of one entity opens Finance → Month-end close, follows the
messages step to the dead message, and the lock refuses with what blocks
(tour pss_close_tour, headless Chromium). Nothing is locked."""

from pss_tour import TourMixin
from test_reconcile_http import ReconcileHttpCase

from odoo.tests import tagged

from odoo.addons.pss_core.tests.common import make_user
from odoo.addons.pss_project.tests.common import unique


@tagged("post_install", "-at_install")
class TestCloseTour(TourMixin, ReconcileHttpCase):
    def test_controller_opens_the_close_and_the_lock_refuses(self):
        controller = make_user(
            self.env,
            unique("controller").lower(),
            [
                "base.group_user",
                "pss_core.group_pss_finance",
                "account.group_account_manager",
            ],
            self.company_de,
        )
        controller.password = controller.login
        self.company_de.period_lock_date = False
        # A message the queue gave up on (the HTTP door refuses invalid
        # events, so a valid one is marked dead as the queue would).
        dead = self.post(
            self.psa, "resource.upserted", self.resource(unique("R-")), self.company_de
        )
        dead.write({"state": "dead", "last_error": "gave up"})
        self.pss_tour("/web", "pss_close_tour", login=controller.login)
        closes = self.env["pss.close"].search([("company_id", "=", self.company_de.id)])
        self.assertEqual(len(closes), 1, "the menu made the last closed month's")
        self.assertFalse(self.company_de.period_lock_date, "nothing was locked")
