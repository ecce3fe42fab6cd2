"""500 engagement.won in one batch: bounded SQL queries per event."""

import time

from odoo.tests import tagged

from odoo.addons.pss_project.tests.common import ProjectCase, unique

EVENTS = 500
# Measured: about 30 queries per engagement (new customer, analytic account,
# confirmed order with two lines, project, bindings, project.created), all of
# them Odoo's own per-record work in create / confirm (fiscal position,
# sequence, followers, mail alias...); the handler's own lookups are a fixed
# number per batch. The budget leaves room for Odoo patch releases, not for a
# query per line or a search in a loop (the scaling assertion catches those).
QUERIES_PER_EVENT = 45
# With the entity's project template, Odoo's project copy (stages, tasks,
# followers) adds about 75 queries per engagement for a two-task template.
TEMPLATE_EVENTS = 50
QUERIES_PER_EVENT_TEMPLATE = 130


@tagged("post_install", "-at_install")
class TestEngagementThroughput(ProjectCase):
    def payloads(self, count, company_code, currency="USD"):
        return [
            self.engagement(
                unique(f"ENG-{company_code}-"),
                "time_and_materials",
                self.customer(
                    unique("C-BULK-"),
                    name=f"Bulk customer {index}",
                    vat=f"XX{index:09d}{company_code}",
                ),
                currency=currency,
                budget_hours="100",
                rate_card=[
                    {"role": "consultant", "unit_price": "120"},
                    {"role": "senior", "unit_price": "180"},
                ],
            )
            for index in range(count)
        ]

    def run_batch(self, count, company=None):
        company = company or self.company_us
        messages = self.post(
            self.crm,
            "engagement.won",
            self.payloads(count, "B", company.currency_id.name),
            company,
        )
        self.env.flush_all()
        before = self.env.cr.sql_log_count
        started = time.monotonic()
        summary = self.process(self.crm)
        elapsed = time.monotonic() - started
        queries = self.env.cr.sql_log_count - before
        return messages, summary, queries, elapsed

    def test_500_engagements_in_one_batch(self):
        # Warm up the caches (registry, views, sequences) with a small batch.
        self.run_batch(5)
        small_messages, _summary, small_queries, _elapsed = self.run_batch(20)
        messages, summary, queries, elapsed = self.run_batch(EVENTS)
        self.assertEqual(summary["batches"], 1, "one batch of 500")
        self.assertEqual(summary.get("done"), EVENTS, summary)
        self.assertEqual(set(messages.mapped("state")), {"done"})
        orders = self.SaleOrder.search(
            [("pss_external_id", "in", [m.payload["external_id"] for m in messages])]
        )
        self.assertEqual(len(orders), EVENTS)
        self.assertEqual(set(orders.mapped("state")), {"sale"})
        self.assertEqual(orders.company_id, self.company_us)
        self.assertEqual(len(orders.order_line), 2 * EVENTS)
        projects = self.Project.search([("sale_line_id", "in", orders.order_line.ids)])
        self.assertEqual(len(projects), EVENTS)
        per_event = queries / EVENTS
        print(  # the figure the report quotes
            f"pss_project: {EVENTS} engagement.won in {elapsed:.1f}s, "
            f"{queries} queries ({per_event:.1f} per event; 20 events: "
            f"{small_queries / 20:.1f} per event)"
        )
        self.assertLessEqual(per_event, QUERIES_PER_EVENT)
        # Bounded per event: 25 times the events may not cost much more per
        # event than a small batch (a search per record would show here).
        self.assertLessEqual(per_event, small_queries / 20 * 1.1)
        self.assertTrue(small_messages)

    def test_with_a_project_template_the_cost_per_event_stays_bounded(self):
        self.run_batch(3, self.company_de)
        _m, _s, small_queries, _e = self.run_batch(10, self.company_de)
        messages, summary, queries, _elapsed = self.run_batch(
            TEMPLATE_EVENTS, self.company_de
        )
        self.assertEqual(summary.get("done"), TEMPLATE_EVENTS, summary)
        projects = self.Project.search(
            [("pss_external_id", "in", [m.payload["external_id"] for m in messages])]
        )
        self.assertEqual(len(projects.task_ids), 2 * TEMPLATE_EVENTS)
        per_event = queries / TEMPLATE_EVENTS
        print(
            f"pss_project: {TEMPLATE_EVENTS} engagement.won with a template, "
            f"{per_event:.1f} queries per event (10 events: "
            f"{small_queries / 10:.1f})"
        )
        self.assertLessEqual(per_event, QUERIES_PER_EVENT_TEMPLATE)
        self.assertLessEqual(per_event, small_queries / 10 * 1.1)
