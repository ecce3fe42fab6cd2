"""A slow or hanging receiver costs time, never messages (real commits).

The receiver first hangs past the sender's timeout, then answers slowly.
A sending worker and a lease-recovery worker run at once, on their own
cursors, as two cron threads would. Every message must be delivered exactly
once (one 2xx answer per Idempotency-Key) and none may die.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from odoo.tests import tagged

from odoo.addons.pss_core.tests.common import (
    CommittedCase,
    event_types,
    main_entity,
    unique,
)

MESSAGES = 200
# The system's outbound timeout (s). Far above SLOW: an answer the sender
# gave up on before it arrived is a timeout to the sender, who sends again
# (at least once, deduplicated by the receiver with the Idempotency-Key);
# with 0.3 s, a machine loaded by several test suites answered that late
# once and the receiver saw one key twice.
TIMEOUT = 1.0
HANG_FOR = 3.0  # the receiver hangs this long after its first request (s)
SLOW = 0.03  # then answers each request after this (s)


class HangingReceiver:
    """Hangs (longer than the sender's timeout) for ``HANG_FOR`` seconds after
    the first request, then answers 200 slowly; records what it answered."""

    def __init__(self):
        self.delivered = []  # Idempotency-Key of each 2xx answer
        self.timed_out = 0  # requests that arrived while hanging
        self.first = None
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                now = time.monotonic()
                with outer.lock:
                    outer.first = outer.first or now
                    hanging = now - outer.first < HANG_FOR
                    if hanging:
                        outer.timed_out += 1
                if hanging:
                    time.sleep(TIMEOUT * 3)
                    return  # the sender gave up long ago; answer nothing
                time.sleep(SLOW)
                with outer.lock:
                    outer.delivered.append(self.headers["Idempotency-Key"])
                body = json.dumps({"ok": True}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@tagged("post_install", "-at_install")
class TestOutboundSlowReceiver(CommittedCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.receiver = HangingReceiver()
        cls.addClassCleanup(cls.receiver.stop)
        with cls.cursor_env() as env:
            company = main_entity(env)
            system = env["pss.system"].create(
                {
                    "name": "slow receiver",
                    "code": unique("slow"),
                    "company_ids": [(6, 0, company.ids)],
                    "outbound_url": cls.receiver.url,
                    "outbound_timeout": TIMEOUT,
                    "lease_seconds": 2,
                    "retry_base": 1,
                    "retry_cap": 2,
                    "max_attempts": 3,
                    "internal_max_attempts": 2,
                    **event_types(env, ["test.notified"]),
                }
            )
            cls.remember(system)
            cls.system_id, cls.company_id = system.id, company.id

    def states(self):
        with self.cursor_env() as env:
            env.cr.execute(
                "SELECT state, count(*) FROM pss_message WHERE system_id = %s "
                "GROUP BY state",
                [self.system_id],
            )
            return dict(env.cr.fetchall())

    def test_hanging_then_slow_receiver_loses_nothing(self):
        with self.cursor_env() as env:
            system = env["pss.system"].browse(self.system_id)
            company = env["res.company"].browse(self.company_id)
            items = [
                {
                    "event_type": "test.notified",
                    "payload": {"external_id": f"inv{i}", "status": "posted"},
                    "company_id": company.id,
                }
                for i in range(MESSAGES)
            ]
            messages = env["pss.message"].enqueue_many(system, items, direction="out")
            keys = {m.uuid for m, _new in messages}
        self.assertEqual(len(keys), MESSAGES)

        stop = threading.Event()
        errors = []

        def sender():
            try:
                while not stop.is_set():
                    with self.cursor_env() as env:
                        system = env["pss.system"].browse(self.system_id)
                        summary = env["pss.message"]._process_queue(
                            "out", commit=True, system=system, time_budget=5
                        )
                    if not summary["claimed"]:
                        time.sleep(0.2)
            except Exception as error:  # reported by the test
                errors.append(error)

        def recovery():
            try:
                while not stop.is_set():
                    with self.cursor_env() as env:
                        env["pss.message"]._cron_recover_leases()
                    time.sleep(0.3)
            except Exception as error:
                errors.append(error)

        threads = [threading.Thread(target=sender), threading.Thread(target=recovery)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        deadline = started + 90
        try:
            while time.monotonic() < deadline:
                states = self.states()
                if states.get("done", 0) + states.get("dead", 0) == MESSAGES:
                    break
                time.sleep(0.5)
        finally:
            stop.set()
            for thread in threads:
                thread.join(30)
        drained = time.monotonic() - started
        self.assertFalse(errors, errors)

        states = self.states()
        self.assertEqual(states, {"done": MESSAGES}, "no message dead or left behind")
        delivered = self.receiver.delivered
        self.assertEqual(set(delivered), keys, "every message delivered")
        self.assertEqual(len(delivered), MESSAGES, "each Idempotency-Key seen once")
        # The circuit stops hammering the hanging receiver: a handful of
        # probes, not one timeout per message while it hangs.
        self.assertLessEqual(self.receiver.timed_out, 8)
        with self.cursor_env() as env:
            env.cr.execute(
                "SELECT max(attempts), count(*) FILTER (WHERE error_category "
                "= 'internal') FROM pss_message WHERE system_id = %s",
                [self.system_id],
            )
            max_attempts, internal = env.cr.fetchone()
            system = env["pss.system"].browse(self.system_id)
            self.assertEqual(system.circuit_failures, 0, "circuit closed again")
            self.assertFalse(system.circuit_open_until)
        self.assertEqual(internal, 0, "no unsent message counted as a failure")
        self.assertLessEqual(max_attempts, 3)
        print(
            f"\nslow receiver: {MESSAGES} messages drained in {drained:.1f} s, "
            f"{self.receiver.timed_out} request(s) timed out, max attempts "
            f"{max_attempts}"
        )
