"""Control totals over HTTP (pss_api): signed control.totals from the PSA,
refused at the door when invalid, reconciled against the approved time."""

from test_project_engagements import ProjectHttpCase

from odoo.tests import tagged

from odoo.addons.pss_billing.tests.common import add_billing_fixtures
from odoo.addons.pss_project.tests.common import unique
from odoo.addons.pss_reconcile.tests.common import (
    ReconcileMixin,
    add_reconcile_fixtures,
)
from odoo.addons.pss_timesheet.tests.common import (
    TimesheetMixin,
    add_timesheet_fixtures,
)


class ReconcileHttpCase(ReconcileMixin, TimesheetMixin, ProjectHttpCase):
    """Real HTTP with the timesheet, billing and reconciliation fixtures."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        add_timesheet_fixtures(cls)
        add_billing_fixtures(cls)
        add_reconcile_fixtures(cls)

    def approve_4_hours_and_report_10(self):
        """4 hours approved on a DE time-and-materials engagement, and
        control totals of the PSA saying 10 hours were approved on it: a
        variance of 6 h, outside the entity's 0.5 h tolerance, once
        reconciled."""
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
        self.totals([{"engagement_external_id": eng, "hours": "10"}])


@tagged("post_install", "-at_install")
class TestControlTotalsOverHttp(ReconcileHttpCase):
    def test_totals_over_http_reconciled_and_invalid_refused(self):
        eng = self.tm_engagement(self.company_de)
        res = unique("R-")
        self.post(self.psa, "resource.upserted", self.resource(res), self.company_de)
        self.process()
        approved = self.post(
            self.psa,
            "timesheet.approved",
            {
                "lines": [
                    self.line(unique("L-"), res, eng, hours="4"),
                    self.line(unique("L-"), res, eng, hours="3.5"),
                ]
            },
            self.company_de,
        )
        self.process()
        self.assertDone(approved)
        message = self.totals(
            [
                {
                    "engagement_external_id": eng,
                    "hours": "7.5",
                    "invoiced_amount": "1234.56",
                    "currency": self.company_de.currency_id.name,
                },
                {"resource_external_id": res, "hours": "7.5"},
            ]
        )
        self.assertDone(message)
        # The invoiced amount is sensitive: masked for finance (not Manager).
        self.assertNotIn("1234.56", message.with_user(self.biller).payload_display)

        # Invalid totals are refused at the door; nothing is stored.
        before = self.env["pss.message"].search_count([])
        response = self.send(
            self.psa,
            [
                {
                    "id": unique("evt_"),
                    "type": "control.totals",
                    "schema_version": 1,
                    "occurred_at": "2026-11-20T10:00:00Z",
                    "entity": self.company_de.pss_entity_code,
                    "data": {
                        "date_from": "2026-04-30",
                        "date_to": "2026-04-01",
                        "version": 2,
                        "lines": [],
                    },
                }
            ],
        )
        self.assertEqual(response.status_code, 422, response.text)
        self.assertEqual(self.env["pss.message"].search_count([]), before)

        run = self.reconcile()
        figures = {
            (ln.check_type, ln.key.split("/", 1)[1]): (ln.actual, ln.status)
            for ln in run.line_ids
        }
        self.assertEqual(figures[("hours_engagement", eng)], (7.5, "matched"))
        self.assertEqual(figures[("hours_resource", res)], (7.5, "matched"))
        # Nothing invoiced yet: the sender's amount is a variance.
        self.assertEqual(figures[("invoice", eng)], (0.0, "variance"))
