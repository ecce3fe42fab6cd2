"""Browser test of the finance control dashboard (pss_reconcile): a finance
user opens Finance → Integration control, follows an entity's open variances
tile to the variance and resolves it with a reason (tour
pss_recon_dashboard_tour, headless Chromium)."""

from pss_tour import TourMixin
from test_reconcile_http import ReconcileHttpCase

from odoo.tests import tagged

from odoo.addons.pss_project.tests.common import unique


@tagged("post_install", "-at_install")
class TestReconcileDashboardTour(TourMixin, ReconcileHttpCase):
    def test_finance_user_resolves_a_variance_from_the_dashboard(self):
        eng = self.tm_engagement(self.company_de)
        res = unique("R-")
        self.post(self.psa, "resource.upserted", self.resource(res), self.company_de)
        self.process()
        approved = self.post(
            self.psa,
            "timesheet.approved",
            {"lines": [self.line(unique("L-"), res, eng, hours="4")]},
            self.company_de,
        )
        self.process()
        self.assertDone(approved)
        # The PSA says 10 hours were approved on the engagement, Odoo has 4:
        # a variance of 6 h, outside the entity's 0.5 h tolerance.
        self.totals([{"engagement_external_id": eng, "hours": "10"}])
        run = self.reconcile()
        variance = run.line_ids.filtered(
            lambda ln: ln.check_type == "hours_engagement" and ln.status == "variance"
        )
        self.assertEqual(len(variance), 1, run.line_ids.mapped("label"))
        self.assertFalse(variance.resolved)

        self.biller.password = self.biller.login
        # The tour looks for the entity by the fixtures' name.
        self.assertEqual(self.company_de.name, "PSS Consulting GmbH")
        self.pss_tour(
            "/web",
            "pss_recon_dashboard_tour",
            login=self.biller.login,
        )

        variance.invalidate_recordset()
        self.assertTrue(variance.resolved)
        self.assertEqual(variance.resolved_by_id, self.biller)
        self.assertIn("PSA export missed", variance.resolution)
        self.assertEqual(run.state, "done")
