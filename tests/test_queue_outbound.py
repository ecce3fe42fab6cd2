"""Outbound delivery against a local HTTP server standing in for the far side."""

import json
import socket
from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged

from odoo.addons.pss_core.lib.signature import verify

from pss_testing import (
    SHORT_RETRY,
    RecordingServer,
    make_company,
    make_system,
    make_user,
    unique,
)

SECRET = "outbound-secret"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@tagged("post_install", "-at_install")
class TestQueueOutbound(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = RecordingServer().start()
        cls.addClassCleanup(cls.server.stop)
        cls.company = make_company(cls.env, "Out Entity", unique("OU"), "EUR", "DE")
        tech = make_user(
            cls.env, unique("outtech"), ["pss_core.group_pss_integration"], cls.company
        )
        cls.system = make_system(
            cls.env,
            unique("psa"),
            tech,
            cls.company,
            **SHORT_RETRY,
            outbound_url=cls.server.url,
            outbound_secret=SECRET,
            outbound_token="tok-123",
            outbound_timeout=2,
        )
        cls.Message = cls.env["pss.message"]

    def setUp(self):
        super().setUp()
        self.server.requests.clear()
        self.server.responses.clear()
        self.now = fields.Datetime.now()

    def enqueue(self, status="posted"):
        message, _new = self.Message.enqueue(
            self.system,
            "test.notified",
            {"external_id": unique("inv"), "status": status},
            company=self.company,
            direction="out",
            entity_code=self.company.pss_entity_code,
        )
        return message

    def send(self, now=None):
        return self.Message._process_queue(
            "out", commit=False, now=now or self.now, system=self.system
        )

    def test_delivered_with_a_signature_that_verifies(self):
        message = self.enqueue()
        self.send()
        self.assertEqual(message.state, "done")
        (request,) = self.server.requests
        headers = request["headers"]
        self.assertEqual(
            verify(headers["X-PSS-Signature"], request["body"], [SECRET]), 0
        )
        self.assertEqual(headers["Idempotency-Key"], message.uuid)
        self.assertEqual(headers["Authorization"], "Bearer tok-123")
        envelope = json.loads(request["body"])
        self.assertEqual(envelope["id"], message.uuid)
        self.assertEqual(message.external_event_id, message.uuid)
        self.assertEqual(envelope["type"], "test.notified")
        self.assertEqual(envelope["entity"], self.company.pss_entity_code)
        self.assertEqual(envelope["data"], message.payload)

    def test_server_error_is_retried_then_delivered(self):
        self.server.responses.append((500, {}))
        message = self.enqueue()
        self.send()
        self.assertEqual(
            (message.state, message.error_category), ("retrying", "transient")
        )
        self.assertIn("HTTP 500", message.last_error)
        self.send(now=message.next_attempt_at + timedelta(seconds=1))
        self.assertEqual((message.state, message.attempts), ("done", 2))
        self.assertEqual(len(self.server.requests), 2)
        keys = {r["headers"]["Idempotency-Key"] for r in self.server.requests}
        self.assertEqual(keys, {message.uuid}, "a retry reuses the idempotency key")

    def test_retry_after_is_honoured(self):
        self.server.responses.append((429, {"Retry-After": "120"}))
        message = self.enqueue()
        self.send()
        self.assertEqual(message.state, "retrying")
        self.assertGreaterEqual(
            (message.next_attempt_at - self.now).total_seconds(), 120
        )

    def test_malformed_retry_after_is_treated_as_absent(self):
        # Each answer is a 503 with a Retry-After no sender should send; the
        # run goes on, the message retries on the system's own backoff (cap
        # 100 s) and the message after it in the same run is delivered.
        for value in ("1" * 5000, "\u00b9\u00b2", "-5", "soon"):
            with self.subTest(value=value[:20]):
                self.server.responses[:] = [(503, {"Retry-After": value})]
                message = self.enqueue()
                other = self.enqueue()
                self.send()
                self.assertEqual(
                    (message.state, message.error_category), ("retrying", "transient")
                )
                wait = (message.next_attempt_at - self.now).total_seconds()
                self.assertLessEqual(wait, self.system.retry_cap)
                self.assertEqual(other.state, "done")

    def test_retry_after_past_any_date_waits_at_most_a_day(self):
        for value in ("9" * 20, "Fri, 31 Dec 9999 23:59:59 -2359"):
            with self.subTest(value=value):
                self.server.responses[:] = [(503, {"Retry-After": value})]
                message = self.enqueue()
                self.send()
                self.assertEqual(message.state, "retrying")
                wait = (message.next_attempt_at - self.now).total_seconds()
                self.assertGreater(wait, self.system.retry_cap)
                self.assertLessEqual(wait, 86400)

    def test_endpoint_down_then_up_loses_nothing(self):
        self.system.outbound_url = f"http://127.0.0.1:{free_port()}/down"
        messages = self.enqueue() | self.enqueue() | self.enqueue()
        self.send()
        self.assertEqual(set(messages.mapped("state")), {"retrying"})
        self.assertTrue(all("cannot reach" in e for e in messages.mapped("last_error")))
        self.system.outbound_url = self.server.url
        later = max(messages.mapped("next_attempt_at")) + timedelta(seconds=1)
        self.send(now=later)
        self.assertEqual(set(messages.mapped("state")), {"done"})
        self.assertEqual(
            {json.loads(r["body"])["id"] for r in self.server.requests},
            set(messages.mapped("uuid")),
        )

    def test_client_error_is_dead_at_once(self):
        self.server.responses.append((400, {}))
        message = self.enqueue()
        self.send()
        self.assertEqual((message.state, message.error_category), ("dead", "data"))
        self.assertEqual(message.attempts, 1)

    def test_no_outbound_url_keeps_the_message_cancelled_with_a_note(self):
        self.system.outbound_url = False
        message = self.enqueue()
        self.send()
        self.assertEqual(message.state, "cancelled")
        self.assertIn("no outbound URL", message.note)
        self.assertFalse(self.server.requests)
        # Configured later, a manager requeues it and it is delivered.
        self.system.outbound_url = self.server.url
        message.action_requeue()
        self.send()
        self.assertEqual(message.state, "done")
        self.assertEqual(len(self.server.requests), 1)

    def test_batch_size_bounds_a_claim_per_system(self):
        self.system.batch_size = 2
        for _i in range(5):
            self.enqueue()
        claimed = self.Message._claim("out", 500, "w1", now=self.now)
        self.assertEqual(len(claimed), 2)
        self.assertEqual(self.Message.browse(claimed).system_id, self.system)

    def test_unreachable_receiver_pauses_the_system_then_resumes(self):
        self.system.write({"outbound_url": f"http://127.0.0.1:{free_port()}/down"})
        messages = self.Message
        for _i in range(5):
            messages |= self.enqueue()
        self.send()
        failed = messages.filtered(lambda m: m.attempts == 1)
        untouched = messages - failed
        # Three sends could not reach it: the circuit opened, the other two
        # went back unsent, their attempt given back.
        self.assertEqual(len(failed), 3)
        self.assertEqual(set(failed.mapped("state")), {"retrying"})
        self.assertEqual(set(untouched.mapped("state")), {"pending"})
        self.assertEqual(set(untouched.mapped("attempts")), {0})
        self.assertFalse(any(untouched.mapped("lease_owner")))
        self.assertEqual(self.system.circuit_failures, 3)
        self.assertTrue(self.system.circuit_open_until)
        # While the circuit is open nothing of this system is claimed, even
        # messages whose own retry time has come.
        later = max(failed.mapped("next_attempt_at")) + timedelta(seconds=1)
        paused = min(later, self.system.circuit_open_until - timedelta(seconds=1))
        self.assertFalse(
            self.Message._claim("out", 500, "w2", now=paused, system=self.system)
        )
        # Once the pause is over a probe goes through and sending resumes.
        self.system.outbound_url = self.server.url
        resume = max(later, self.system.circuit_open_until) + timedelta(seconds=1)
        self.send(now=resume)
        self.assertEqual(set(messages.mapped("state")), {"done"})
        self.assertEqual(len(self.server.requests), 5)
        self.assertEqual(self.system.circuit_failures, 0)
        self.assertFalse(self.system.circuit_open_until)

    def test_a_system_receives_only_the_outbound_types_it_subscribes_to(self):
        """Issue 8: a system that does not receive a type is never sent it;
        the message stays for the audit trail, cancelled with a note."""
        self.system.outbound_event_type_ids = [fields.Command.clear()]
        message = self.enqueue()
        self.send()
        self.assertEqual(message.state, "cancelled")
        self.assertIn("does not receive test.notified", message.note)
        self.assertEqual(self.server.requests, [])
        # Subscribed again and requeued, it is sent.
        self.system.outbound_event_type_ids = self.env["pss.event.type"].search(
            [("name", "=", "test.notified"), ("direction", "=", "out")]
        )
        message.action_requeue()
        self.send()
        self.assertEqual(message.state, "done")
        self.assertEqual(len(self.server.requests), 1)
