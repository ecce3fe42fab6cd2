"""People and approved time over HTTP (pss_api): signed events from the PSA,
resources in two entities, 1,000 approved lines sent three times."""

from collections import Counter

from test_project_engagements import ProjectHttpCase

from odoo.tests import tagged

from odoo.addons.pss_project.tests.common import unique
from odoo.addons.pss_timesheet.tests.common import (
    TimesheetMixin,
    add_timesheet_fixtures,
)

LINES = 1000
EVENTS = 4


@tagged("post_install", "-at_install")
class TestTimesheetsOverHttp(TimesheetMixin, ProjectHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        add_timesheet_fixtures(cls)

    def envelopes(self, event_type, datas, entity):
        return [
            {
                "id": unique("evt_ts_"),
                "type": event_type,
                "schema_version": 1,
                "occurred_at": "2026-11-20T10:00:00Z",
                "entity": entity.pss_entity_code,
                "data": data,
            }
            for data in datas
        ]

    def test_thousand_lines_two_entities_resent_twice(self):
        eng_de = self.tm_engagement(self.company_de, rate="150.00")
        eng_us = self.tm_engagement(self.company_us, rate="180.00")
        order_de = self.bound(self.psa, "sale.order", eng_de)
        order_us = self.bound(self.psa, "sale.order", eng_us)
        res_de = [unique("R-DE-") for _i in range(3)]
        res_us = [unique("R-US-") for _i in range(3)]

        def cost(amount, currency):
            return {
                "amount": amount,
                "currency": currency,
                "effective_from": "2026-01-01",
            }

        self.post(
            self.psa,
            "resource.upserted",
            [self.resource(ext, hourly_cost=cost("50", "EUR")) for ext in res_de],
            self.company_de,
        )
        self.post(
            self.psa,
            "resource.upserted",
            [self.resource(ext, hourly_cost=cost("70", "USD")) for ext in res_us],
            self.company_us,
        )
        self.process()

        # 1,000 lines: DE people on the DE engagement, US people on the US
        # engagement, and one US person working for the DE engagement.
        lines = []
        for i in range(LINES):
            if i % 10 == 9:
                resource, eng = res_us[0], eng_de  # intercompany
            elif i % 2:
                resource, eng = res_us[i % 3], eng_us
            else:
                resource, eng = res_de[i % 3], eng_de
            lines.append(
                self.line(
                    unique("L-HTTP-"),
                    resource,
                    eng,
                    date=f"2026-{4 + i % 6:02d}-{1 + i % 28:02d}",
                    hours=str(1 + i % 4),
                )
            )
        size = LINES // EVENTS
        datas = [{"lines": lines[i : i + size]} for i in range(0, LINES, size)]
        # Events are sent for the entity of the engagement owner (DE).
        first = self.envelopes("timesheet.approved", datas, self.company_de)
        response = self.send(self.psa, first)
        self.assertEqual(response.status_code, 202, response.text)
        ids = [entry["id"] for entry in response.json()["results"]]
        self.process()
        messages = self.Message.browse(ids)
        self.assertDone(*messages)

        # Resent as is (same event ids): answered from the first delivery.
        again = self.send(self.psa, first)
        self.assertIn(again.status_code, (200, 202), again.text)
        self.assertEqual([e["id"] for e in again.json()["results"]], ids)
        # Resent by the PSA as new events (new ids, same lines and versions).
        third = self.send(
            self.psa, self.envelopes("timesheet.approved", datas, self.company_de)
        )
        self.assertEqual(third.status_code, 202, third.text)
        self.process()
        resent = self.Message.browse([e["id"] for e in third.json()["results"]])
        self.assertDone(*resent)
        for message in resent:
            self.assertIn(f"{LINES // EVENTS} unchanged", message.note)

        ext_ids = [ln["external_id"] for ln in lines]
        timesheets = self.timesheets(ext_ids)
        self.assertEqual(len(timesheets), LINES)
        self.assertEqual(
            self.env["account.analytic.line"].search_count(
                [("pss_external_id", "in", ext_ids)]
            ),
            LINES,
            "exactly one timesheet per line",
        )
        by_ext = {t.pss_external_id: t for t in timesheets}
        expected_hours = sum(float(ln["hours"]) for ln in lines)
        self.assertAlmostEqual(sum(timesheets.mapped("unit_amount")), expected_hours)
        companies = Counter()
        for ln in lines:
            timesheet = by_ext[ln["external_id"]]
            hours = float(ln["hours"])
            self.assertEqual(timesheet.unit_amount, hours)
            if ln["engagement_external_id"] == eng_de:
                self.assertEqual(timesheet.company_id, self.company_de)
                self.assertIn(timesheet.so_line, order_de.order_line)
            else:
                self.assertEqual(timesheet.company_id, self.company_us)
                self.assertIn(timesheet.so_line, order_us.order_line)
            if ln["resource_external_id"] in res_de:
                self.assertEqual(timesheet.amount, -50.0 * hours)
                self.assertFalse(timesheet.pss_intercompany)
            elif ln["engagement_external_id"] == eng_us:
                self.assertEqual(timesheet.amount, -70.0 * hours)
                self.assertFalse(timesheet.pss_intercompany)
            else:
                self.assertTrue(timesheet.pss_intercompany)
                self.assertEqual(timesheet.pss_resource_company_id, self.company_us)
                self.assertEqual(timesheet.employee_id.company_id, self.company_us)
            self.assertEqual(timesheet.pss_approved_by, "manager@example.com")
            companies[timesheet.company_id.name] += 1
        self.assertEqual(companies[self.company_de.name], 600)
        self.assertEqual(companies[self.company_us.name], 400)
        # The sale orders deliver the approved hours.
        self.assertAlmostEqual(
            sum(order_de.order_line.mapped("qty_delivered")),
            sum(
                float(ln["hours"])
                for ln in lines
                if ln["engagement_external_id"] == eng_de
            ),
        )

    def test_mixed_batch_over_http_and_the_late_resource(self):
        eng = self.tm_engagement(self.company_de)
        res = unique("R-")
        late = unique("R-LATE-")
        self.post(self.psa, "resource.upserted", self.resource(res), self.company_de)
        self.process()
        good = self.line(unique("L-"), res, eng, hours="7")
        bad = self.line(unique("L-"), res, eng, hours="-1")
        waiting = self.line(unique("L-"), late, eng, hours="2")
        message = self.post(
            self.psa,
            "timesheet.approved",
            {"lines": [good, bad, waiting]},
            self.company_de,
        )
        self.process()
        self.assertDone(message)
        self.assertEqual(self.timesheets([good["external_id"]]).unit_amount, 7.0)
        rejected = self.outbound("timesheet.rejected").filtered(
            lambda m: m.payload["event_id"] == message.external_event_id
        )
        self.assertEqual(
            [ln["external_id"] for ln in rejected.payload["lines"]],
            [bad["external_id"]],
        )
        child = self.Message.search(
            [("idempotency_key", "=like", f"{message.idempotency_key}/wait:%")]
        )
        self.assertEqual(child.state, "parked")
        self.post(self.psa, "resource.upserted", self.resource(late), self.company_de)
        self.process()
        self.assertDone(child)
        self.assertEqual(self.timesheets([waiting["external_id"]]).unit_amount, 2.0)
