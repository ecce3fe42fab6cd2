"""The queries pss_timesheet runs per message batch are served by indexes."""

import json

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestTimesheetIndexes(TransactionCase):
    def plan(self, query, params):
        cr = self.env.cr
        cr.execute("SET LOCAL enable_seqscan = off")
        # Statistics of the table as it is now (rolled back with the test):
        # with stale ones (autovacuum's timing) the planner may weigh two
        # indexes on guesses and pick either.
        cr.execute("ANALYZE hr_employee")
        cr.execute("EXPLAIN (FORMAT JSON) " + query, params)
        return json.dumps(cr.fetchone()[0])

    def test_employee_by_work_email_uses_its_index(self):
        # The query of pss.handler.resource.upserted._pss_employees_by_email.
        plan = self.plan(
            """
            SELECT DISTINCT ON (lower(btrim(work_email))) lower(btrim(work_email)), id
              FROM hr_employee
             WHERE company_id = %s AND lower(btrim(work_email)) IN %s
             ORDER BY lower(btrim(work_email)), id
            """,
            [self.env.company.id, ("ann@example.com", "bob@example.com")],
        )
        self.assertIn("hr_employee_pss_work_email_index", plan)
