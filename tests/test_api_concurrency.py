"""Concurrent requests against the real HTTP server, with committed fixtures.

HttpCase runs the server in test mode: one shared cursor, requests served one
at a time, so it cannot show what happens when transactions race. These
tests commit their fixtures on a cursor of their own, send requests from
threads to the server started by pytest-odoo (not in test mode: every
request has its own transaction), and delete everything they committed.
"""

import threading
import unittest
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from unittest.mock import patch

import requests

import odoo

from odoo.addons.pss_api.models.pss_api_metric import BUFFER
from odoo.addons.pss_api.tests.common import (
    INTEGRATION,
    dumps,
    envelope,
    skip_unless_installed,
)
from odoo.addons.pss_core.tests.common import (
    CommittedCase,
    make_company,
    make_system,
    make_user,
    signed_request,
    unique,
)


class TestConcurrentRequests(CommittedCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if cls.registry.in_test_mode():
            raise unittest.SkipTest("the registry is in test mode")
        cls.url = f"http://127.0.0.1:{odoo.tools.config['http_port']}"
        with cls.cursor_env() as env:
            cr = env.cr
            skip_unless_installed(env)
            cr.execute("SELECT coalesce(max(id), 0) FROM ir_cron_trigger")
            cls.max_trigger = cr.fetchone()[0]
            cr.execute("SELECT name, labels, value FROM pss_api_metric")
            cls.metrics_snapshot = cr.fetchall()
            company = make_company(env, "Race Entity", unique("R"))
            cls.remember(company.partner_id, company)
            user = make_user(
                env, unique("race_tech_").lower(), INTEGRATION, company, email=False
            )
            cls.remember(user.partner_id, user)
            system = make_system(env, unique("race").lower(), user, company, kind="psa")
            cls.remember(system)
            cls.creds = system.issue_credentials()
            # The metrics need their token: this test's own, restored after.
            params = env["ir.config_parameter"]
            cls.metrics_token_before = params.get_param("pss_api.metrics_token")
            cls.metrics_token = unique("mon_")
            params.set_param("pss_api.metrics_token", cls.metrics_token)
            cls.ids = {"system": system.id}
            cls.entity = company.pss_entity_code
            cls.code = system.code
        cls.addClassCleanup(cls.cleanup)

    @classmethod
    def cleanup(cls):
        """Before the kit removes the committed records: the metrics, cron
        triggers and metrics token as they were."""
        db = cls.registry.db_name
        BUFFER.drain(db)
        with cls.cursor_env() as env:
            cr = env.cr
            cr.execute("DELETE FROM ir_cron_trigger WHERE id > %s", [cls.max_trigger])
            cr.execute("DELETE FROM pss_api_metric")
            for row in cls.metrics_snapshot:
                cr.execute(
                    "INSERT INTO pss_api_metric (name, labels, value) "
                    "VALUES (%s, %s, %s)",
                    row,
                )
            env["ir.config_parameter"].set_param(
                "pss_api.metrics_token", cls.metrics_token_before or False
            )

    def count(self, where="TRUE", params=()):
        with self.registry.cursor() as cr:
            cr.execute(
                f"SELECT count(*) FROM pss_message WHERE system_id = %s AND {where}",
                [self.ids["system"], *params],
            )
            return cr.fetchone()[0]

    def post(self, body, session=None):
        return signed_request(
            session or requests,
            "POST",
            f"{self.url}/pss/v1/{self.code}/events",
            self.creds,
            body,
            timeout=120,
        )

    def race(self, bodies):
        barrier = threading.Barrier(len(bodies))

        def send(body):
            barrier.wait(timeout=30)
            return self.post(body)

        with ThreadPoolExecutor(len(bodies)) as pool:
            return list(pool.map(send, bodies))

    def test_20_identical_concurrent_requests_store_exactly_one_message(self):
        event_id = unique("race_")
        body = dumps(envelope(event_id, self.entity))
        responses = self.race([body] * 20)
        statuses = sorted(r.status_code for r in responses)
        self.assertTrue(set(statuses) <= {200, 202}, [r.text for r in responses])
        self.assertEqual(statuses.count(202), 1, statuses)
        ids = {r.json()["results"][0]["id"] for r in responses}
        self.assertEqual(len(ids), 1, ids)
        self.assertEqual(self.count("idempotency_key = %s", [event_id]), 1)
        duplicates = [r.json()["results"][0]["duplicate"] for r in responses]
        self.assertEqual(duplicates.count(False), 1)

    def test_concurrent_batches_sharing_events_store_each_once(self):
        shared = [envelope(unique("race_"), self.entity) for _i in range(50)]
        bodies = [
            dumps({"events": [*shared, envelope(unique("own_"), self.entity)]})
            for _i in range(8)
        ]
        before = self.count()
        responses = self.race(bodies)
        self.assertEqual(
            {r.status_code for r in responses}, {202}, [r.text[:300] for r in responses]
        )
        self.assertEqual(self.count() - before, 50 + 8)
        per_event = {}
        for response in responses:
            for entry in response.json()["results"][:50]:
                per_event.setdefault(entry["event_id"], set()).add(entry["id"])
        self.assertTrue(all(len(v) == 1 for v in per_event.values()))

    def test_rate_limit_holds_across_concurrent_transactions(self):
        with self.registry.cursor() as cr:
            cr.execute(
                "UPDATE pss_system SET rate_limit_per_minute = 5 WHERE id = %s",
                [self.ids["system"]],
            )
        pinned = patch(
            "odoo.addons.pss_api.controllers.main._utcnow",
            return_value=datetime(2026, 11, 20, 10, 0, 30),
        )
        try:
            pinned.start()
            bodies = [dumps(envelope(unique("rate_"), self.entity)) for _i in range(12)]
            before = self.count()
            responses = self.race(bodies)
            statuses = sorted(r.status_code for r in responses)
            self.assertEqual(statuses, [202] * 5 + [429] * 7)
            self.assertEqual(self.count() - before, 5)
            refused = [r for r in responses if r.status_code == 429]
            self.assertTrue(all(r.headers["Retry-After"] == "30" for r in refused))
        finally:
            pinned.stop()
            with self.registry.cursor() as cr:
                cr.execute(
                    "DELETE FROM pss_api_rate_window WHERE system_id = %s",
                    [self.ids["system"]],
                )
                cr.execute(
                    "UPDATE pss_system SET rate_limit_per_minute = 0 WHERE id = %s",
                    [self.ids["system"]],
                )

    def test_accept_latency_histogram_counts_committed_requests(self):
        def count_for_system(text):
            prefix = (
                "pss_api_accept_duration_seconds_count"
                f'{{kind="single",system="{self.code}"}}'
            )
            for line in text.splitlines():
                if line.startswith(prefix):
                    return float(line.split()[-1])
            return 0.0

        def metrics():
            return requests.get(
                f"{self.url}/pss/v1/metrics",
                headers={"Authorization": f"Bearer {self.metrics_token}"},
                timeout=30,
            ).text

        before = count_for_system(metrics())
        with requests.Session() as session:
            for _i in range(3):
                body = dumps(envelope(unique("lat_"), self.entity))
                self.assertEqual(self.post(body, session).status_code, 202)
        text = metrics()
        self.assertEqual(count_for_system(text), before + 3)
        self.assertIn(f'pss_api_events_accepted_total{{system="{self.code}"}}', text)
