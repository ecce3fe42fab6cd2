"""A 1,000-line timesheet.approved: bounded SQL queries per line."""

import logging
import time

from odoo.tests import tagged

from odoo.addons.pss_timesheet.tests.common import TimesheetCase, unique

_logger = logging.getLogger(__name__)

LINES = 1000
# Measured: about 0.06 queries per line (2 cores, Odoo 17.0-20240709): the
# handler's lookups (bindings, value maps, employee rate maps, cost history,
# lock dates) are a fixed number per batch, the timesheets are inserted by
# one create(vals_list) with their dated cost (no per-line write back by
# hr_timesheet) and employee maps read once (no per-line search by
# sale_timesheet). Before those two, Odoo's own per-line work made it 1.19.
# A search in a loop or a query per line would exceed the budget.
QUERIES_PER_LINE = 0.5


@tagged("post_install", "-at_install")
class TestTimesheetThroughput(TimesheetCase):
    def test_thousand_lines_bounded_queries(self):
        eng = self.tm_engagement(self.company_de)
        resources = [unique("R-PERF-") for _i in range(10)]
        self.post(
            self.psa,
            "resource.upserted",
            [
                self.resource(
                    ext,
                    hourly_cost={
                        "amount": "40",
                        "currency": "EUR",
                        "effective_from": "2026-01-01",
                    },
                )
                for ext in resources
            ],
            self.company_de,
        )
        self.process()
        lines = [
            self.line(
                unique("L-PERF-"),
                resources[i % 10],
                eng,
                date=f"2026-0{4 + i % 5}-{1 + i % 28:02d}",
                hours="2",
            )
            for i in range(LINES)
        ]
        message = self.post(
            self.psa, "timesheet.approved", {"lines": lines}, self.company_de
        )
        self.env.flush_all()
        before = self.env.cr.sql_log_count
        started = time.monotonic()
        self.process()
        elapsed = time.monotonic() - started
        queries = self.env.cr.sql_log_count - before
        self.assertDone(message)
        timesheets = self.timesheets([ln["external_id"] for ln in lines])
        self.assertEqual(len(timesheets), LINES)
        self.assertEqual(sum(timesheets.mapped("unit_amount")), 2.0 * LINES)
        self.assertEqual(set(timesheets.mapped("amount")), {-80.0})
        per_line = queries / LINES
        _logger.info(
            "timesheet.approved: %.2f queries/line, %.0f lines/s",
            per_line,
            LINES / elapsed,
        )
        self.assertLessEqual(per_line, QUERIES_PER_LINE, f"{queries} queries")
