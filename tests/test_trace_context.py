"""Trace context end to end: a W3C ``traceparent`` sent with an event over
HTTP is stored on its message and sent on, with a new parent id, on the
outbound event its handler causes (a local receiver records it); with
OpenTelemetry on (an in-memory exporter), one trace holds the intake, apply
and send spans with their attributes and no payload value."""

import unittest

from test_project_engagements import ProjectHttpCase

from odoo.tests import tagged

from odoo.addons.pss_core import telemetry
from odoo.addons.pss_core.lib.tracecontext import parse_traceparent
from odoo.addons.pss_project.tests.common import unique

from pss_testing import RecordingServer

try:  # optional: the trace context works without it
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
        InMemorySpanExporter,
    )
except ImportError:  # pragma: no cover - requirements.txt installs it
    TracerProvider = None

needs_otel = unittest.skipIf(
    TracerProvider is None, "opentelemetry-sdk is not installed"
)

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
CALLER = f"00-{TRACE}-{CALLER_SPAN}-01"


def leaves(data):
    """Every scalar value of a JSON document, as text."""
    if isinstance(data, dict):
        for value in data.values():
            yield from leaves(value)
    elif isinstance(data, list):
        for value in data:
            yield from leaves(value)
    elif data is not None:
        yield str(data)


@tagged("post_install", "-at_install")
class TestTraceContext(ProjectHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = RecordingServer().start()
        cls.addClassCleanup(cls.server.stop)
        cls.crm.outbound_url = cls.server.url
        # Whatever the environment says, these tests decide: off unless a
        # test sets its own provider.
        telemetry.set_tracer_provider(None)
        cls.addClassCleanup(telemetry.set_tracer_provider, None)

    def setUp(self):
        super().setUp()
        self.server.requests.clear()
        self.headers = {}
        self.addCleanup(telemetry.set_tracer_provider, None)

    def send(self, system, envelopes, headers=None):
        """ProjectHttpCase.send with the test's traceparent header."""
        return super().send(
            system, envelopes, headers={**self.headers, **(headers or {})}
        )

    def won(self):
        """engagement.won over HTTP, applied: (inbound message, outbound
        project.created it queued, payload sent)."""
        ext = unique("ENG-TR-")
        customer = self.customer(
            unique("C-"), name="Trace Werke AG", vat="DE 811 907 980"
        )
        data = self.engagement(
            ext,
            "time_and_materials",
            customer,
            currency="EUR",
            budget_hours="40",
            rate_card=[{"role": "consultant", "unit_price": "150.00", "hours": "40"}],
        )
        message = self.post(self.crm, "engagement.won", data, self.company_de)
        self.process()
        self.assertDone(message)
        out = self.Message.search(
            [("direction", "=", "out"), ("event_type", "=", "project.created")]
        ).filtered(lambda m: m.payload["engagement_external_id"] == ext)
        self.assertEqual(len(out), 1)
        self.Message._process_queue("out", commit=False, system=self.crm)
        self.assertEqual(out.state, "done", out.last_error)
        return message, out, data

    def sent(self, message):
        (request,) = [
            r
            for r in self.server.requests
            if r["headers"]["Idempotency-Key"] == message.uuid
        ]
        return request

    def test_inbound_traceparent_reaches_the_outbound_event_it_causes(self):
        self.headers = {"traceparent": CALLER}
        message, out, _data = self.won()
        # The answer echoes the intake's traceparent: same trace.
        echoed = parse_traceparent(self.last_response.headers.get("traceparent"))
        self.assertEqual(echoed.trace_id, TRACE)
        # Stored on the inbound message (and shown on its form), searchable.
        self.assertEqual(message.trace_id, TRACE)
        self.assertEqual(parse_traceparent(message.traceparent).trace_id, TRACE)
        form = self.env["pss.message"].get_view(view_type="form")["arch"]
        self.assertIn('name="traceparent"', form)
        # The outbound event created while applying it inherits its trace...
        self.assertEqual(out.trace_id, TRACE)
        found = self.Message.search([("trace_id", "=", TRACE)])
        self.assertEqual(found, message | out)
        # The sender reads it back in the message's status answer.
        self.assertEqual(self.status(self.crm, message)["trace_id"], TRACE)
        # ...and is sent with the same trace id and a parent id of its own.
        sent = parse_traceparent(self.sent(out)["headers"].get("traceparent"))
        self.assertIsNotNone(sent, "the outbound request carries a traceparent")
        self.assertEqual(sent.trace_id, TRACE)
        self.assertNotIn(
            sent.parent_id,
            {CALLER_SPAN, parse_traceparent(out.traceparent).parent_id},
        )
        self.assertEqual(sent.flags, "01")

    def test_an_invalid_traceparent_is_ignored_and_a_new_trace_made(self):
        for value in (f"00-{'0' * 32}-{CALLER_SPAN}-01", "00-zz-yy-01", CALLER.upper()):
            with self.subTest(value=value):
                self.server.requests.clear()
                self.headers = {"traceparent": value}
                message, out, _data = self.won()  # 202, not 400
                trace = parse_traceparent(message.traceparent)
                self.assertIsNotNone(trace)
                self.assertNotIn(trace.trace_id, (TRACE, "0" * 32))
                self.assertEqual(out.trace_id, trace.trace_id)
                sent = parse_traceparent(self.sent(out)["headers"]["traceparent"])
                self.assertEqual(sent.trace_id, trace.trace_id)

    def test_without_a_traceparent_each_request_starts_a_trace(self):
        first, out, _data = self.won()
        second, _out, _data = self.won()
        self.assertTrue(first.trace_id and second.trace_id)
        self.assertNotEqual(first.trace_id, second.trace_id)
        self.assertEqual(out.trace_id, first.trace_id)

    def test_messages_made_by_a_cron_get_a_fresh_trace(self):
        # No request, no message being applied: what a cron enqueues.
        (one, _new), (two, _new2) = self.Message.enqueue_many(
            self.crm,
            [
                {"event_type": "project.created", "payload": {"a": 1}},
                {"event_type": "project.created", "payload": {"a": 2}},
            ],
            direction="out",
        )
        for message in one | two:
            self.assertEqual(
                parse_traceparent(message.traceparent).trace_id, message.trace_id
            )
        self.assertNotEqual(one.trace_id, two.trace_id)

    @needs_otel
    def test_spans_of_intake_apply_and_send_share_the_trace(self):
        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        telemetry.set_tracer_provider(provider)
        self.assertTrue(telemetry.enabled())
        self.headers = {"traceparent": CALLER}
        _message, out, data = self.won()

        spans = [
            s
            for s in exporter.get_finished_spans()
            if f"{s.context.trace_id:032x}" == TRACE
        ]
        by_name = {}
        for span in spans:
            by_name.setdefault(span.name, []).append(span)
        self.assertEqual(set(by_name), {"pss.intake", "pss.apply", "pss.send"})
        (intake,) = by_name["pss.intake"]
        (apply_,) = by_name["pss.apply"]
        (send,) = by_name["pss.send"]
        # One tree: the caller's span > intake > apply > send.
        self.assertEqual(f"{intake.parent.span_id:016x}", CALLER_SPAN)
        self.assertEqual(apply_.parent.span_id, intake.context.span_id)
        self.assertEqual(send.parent.span_id, apply_.context.span_id)
        sent = parse_traceparent(self.sent(out)["headers"]["traceparent"])
        self.assertEqual(sent.parent_id, f"{send.context.span_id:016x}")

        entity = self.company_de.pss_entity_code
        expected = {
            intake: ("engagement.won", "accepted"),
            apply_: ("engagement.won", "done"),
            send: ("project.created", "delivered"),
        }
        for span, (event_type, outcome) in expected.items():
            with self.subTest(span=span.name):
                attributes = dict(span.attributes)
                self.assertEqual(attributes["pss.event_type"], event_type)
                self.assertEqual(attributes["pss.system"], self.crm.code)
                self.assertEqual(attributes["pss.entity"], entity)
                self.assertEqual(attributes["pss.outcome"], outcome)
        # No payload value in any attribute (the customer's VAT number, name,
        # the amounts...), whatever span it is.
        values = " ".join(
            str(value) for span in spans for value in span.attributes.values()
        )
        secrets = {
            v
            for v in set(leaves(data)) | set(leaves(out.payload))
            if len(v) > 3 and not v.isdigit() and v not in (entity, self.crm.code)
        }
        self.assertTrue(secrets >= {"DE 811 907 980", "Trace Werke AG", "150.00"})
        for secret in secrets:
            self.assertNotIn(secret, values)
        provider.shutdown()

    @needs_otel
    def test_a_refused_request_has_its_intake_span_too(self):
        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        telemetry.set_tracer_provider(provider)
        self.headers = {"traceparent": CALLER}
        response = self.send(self.crm, [{"id": unique("evt_"), "type": "nope"}])
        self.assertEqual(response.status_code, 422)
        (intake,) = [
            s
            for s in exporter.get_finished_spans()
            if f"{s.context.trace_id:032x}" == TRACE
        ]
        self.assertEqual(intake.name, "pss.intake")
        self.assertEqual(intake.attributes["pss.outcome"], "refused:422")
        self.assertFalse(intake.status.is_ok)
        provider.shutdown()
