"""assignment.updated: versions per assignment, parking on unknown
resources and engagements, planned utilization of the coming weeks."""

from datetime import date

from odoo.tests import tagged

from odoo.addons.pss_project.tests.common import unique

from .common import ReportingCase


@tagged("post_install", "-at_install")
class TestAssignments(ReportingCase):
    def setUp(self):
        super().setUp()
        self.eng = self.tm_engagement(self.company_de)
        self.order = self.order_of(self.eng)
        self.res = self.add_resource(self.company_de)
        self.employee = self.bound(self.psa, "hr.employee", self.res)

    def assignment(self, ext, version, weeks, resource=None, engagement=None):
        return {
            "external_id": ext,
            "version": version,
            "resource_external_id": resource or self.res,
            "engagement_external_id": engagement or self.eng,
            "role": "consultant",
            "weeks": [{"week": w, "hours": h} for w, h in weeks],
        }

    def send(self, data):
        message = self.post(self.psa, "assignment.updated", data, self.company_de)
        self.process()
        return message

    def plan(self, ext):
        found = self.env["pss.assignment"].search(
            [("system_id", "=", self.psa.id), ("external_id", "=", ext)]
        )
        return found, {line.week_start: line.hours for line in found.line_ids}

    def test_newer_replaces_older_ignored(self):
        ext = unique("A-")
        self.assertDone(
            self.send(self.assignment(ext, 2, [("2026-W50", "32"), ("2026-W51", "16")]))
        )
        found, weeks = self.plan(ext)
        self.assertEqual((found.version, found.company_id), (2, self.company_de))
        self.assertEqual(
            (found.employee_id, found.order_id), (self.employee, self.order)
        )
        self.assertEqual(weeks, {date(2026, 12, 7): 32.0, date(2026, 12, 14): 16.0})

        older = self.send(self.assignment(ext, 1, [("2026-W50", "40")]))
        self.assertEqual((older.state, older.error_category), ("done", "conflict"))
        found, weeks = self.plan(ext)
        self.assertEqual(found.version, 2)
        self.assertEqual(weeks[date(2026, 12, 7)], 32.0)

        newer = self.send(
            self.assignment(ext, 3, [("2026-W51", "24"), ("2026-W52", "8")])
        )
        self.assertDone(newer)
        found, weeks = self.plan(ext)
        self.assertEqual(found.version, 3)
        self.assertEqual(weeks, {date(2026, 12, 14): 24.0, date(2026, 12, 21): 8.0})
        self.assertEqual(found.planned_hours, 32.0)

    def test_unknown_resource_or_engagement_parks_then_applies(self):
        ext_res, ext_eng = unique("R-LATE-"), unique("ENG-LATE-")
        waiting_res = self.send(
            self.assignment(unique("A-"), 1, [("2026-W50", "8")], resource=ext_res)
        )
        waiting_eng = self.send(
            self.assignment(unique("A-"), 1, [("2026-W50", "8")], engagement=ext_eng)
        )
        self.assertEqual(waiting_res.state, "parked")
        self.assertEqual(waiting_eng.state, "parked")
        self.assertFalse(
            self.env["pss.assignment"].search([("employee_id", "=", False)])
        )
        # The resource arrives: the parked plan applies.
        self.post(
            self.psa, "resource.upserted", self.resource(ext_res), self.company_de
        )
        self.process()
        self.process()
        self.assertDone(waiting_res)
        self.assertEqual(waiting_eng.state, "parked")

    def test_invalid_week_refused(self):
        message = self.send(self.assignment(unique("A-"), 1, [("2026-W54", "8")]))
        self.assertEqual(message.state, "dead")
        self.assertFalse(
            self.env["pss.assignment"]
            .search([])
            .filtered(lambda a: a.employee_id == self.employee)
        )

    def test_planned_utilization_coming_weeks(self):
        ext_a, ext_b = unique("A-"), unique("A-")
        self.assertDone(
            self.send(
                self.assignment(ext_a, 1, [("2026-W50", "30"), ("2026-W51", "20")])
            )
        )
        other = self.order_of(self.tm_engagement(self.company_de))
        self.assertDone(
            self.send(
                self.assignment(
                    ext_b, 1, [("2026-W51", "10")], engagement=other.pss_external_id
                )
            )
        )
        december = date(2026, 12, 1)
        row = self.env["pss.report.utilization"].search(
            [("employee_id", "=", self.employee.id), ("month", "=", december)]
        )
        capacity = self.capacity(self.employee, december)
        self.assertAlmostEqual(row.capacity_hours, capacity, places=2)
        self.assertEqual(row.planned_hours, 60.0)
        self.assertAlmostEqual(
            row.planned_utilization, round(100 * 60.0 / capacity, 2), places=2
        )
        self.assertEqual(row.billable_hours, 0.0)
        # Per engagement, next to the actual hours.
        per_order = self.env["pss.report.engagement"].search(
            [("order_id", "in", (self.order | other).ids), ("month", "=", december)]
        )
        self.assertEqual(sorted(per_order.mapped("planned_hours")), [10.0, 50.0])
