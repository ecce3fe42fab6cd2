"""Browser test of the finance control dashboard (pss_reconcile): a finance
user opens Finance → Integration control, follows an entity's open variances
tile to the variance and resolves it with a reason (tour
pss_recon_dashboard_tour, headless Chromium)."""

from pss_tour import TourMixin
from test_reconcile_http import ReconcileHttpCase

from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestReconcileDashboardTour(TourMixin, ReconcileHttpCase):
    def test_finance_user_resolves_a_variance_from_the_dashboard(self):
        self.approve_4_hours_and_report_10()
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
