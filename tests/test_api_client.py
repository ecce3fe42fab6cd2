"""tools/pss_client against the real server: what an external system runs."""

from odoo.tests import tagged

from odoo.addons.pss_api.tests.common import ApiCase, envelope, unique


@tagged("post_install", "-at_install")
class TestPssClientEndToEnd(ApiCase):
    def client(self, **options):
        from pss_client import PssClient

        self.env.flush_all()
        client = PssClient(
            self.base_url(),
            self.system.code,
            self.creds["api_key"],
            self.creds["signing_secret"],
            max_retries=0,
            **options,
        )
        self.addCleanup(client.close)
        return client

    def test_send_events_then_poll_until_done(self):
        envelopes = [
            envelope(
                unique("evt_"), code, {"external_id": unique("CL"), "name": "client"}
            )
            for code in (self.code_a, self.code_b) * 3
        ]
        client = self.client()
        entries = client.send_events(envelopes, batch_size=4)  # two requests
        self.assertEqual([e["event_id"] for e in entries], [e["id"] for e in envelopes])
        self.assertTrue(all(e["state"] == "pending" for e in entries))
        self.assertEqual(len({e["id"] for e in entries}), 6)
        # Retried delivery (same event ids): the same messages.
        again = client.send_events(envelopes)
        self.assertEqual([e["id"] for e in again], [e["id"] for e in entries])
        self.assertTrue(all(e["duplicate"] for e in again))

        self.Message._process_queue("in", commit=False, system=self.system)
        self.env.flush_all()
        final = client.wait_for(entries[1]["id"], timeout=5)
        self.assertEqual(final["state"], "done")
        self.assertEqual(
            final["results"][0]["external_id"], envelopes[1]["data"]["external_id"]
        )
        record = self.env["pss.test.record"].browse(final["results"][0]["odoo_id"])
        self.assertEqual(record.company_id, self.company_b)
        self.assertEqual(client.health()["status"], "ok")

    def test_errors_surface_as_problems(self):
        from pss_client import PssHTTPError

        client = self.client()
        with self.assertRaises(PssHTTPError) as caught:
            client.send_event(
                envelope(unique("evt_"), self.code_a, {"external_id": "x"})
            )
        self.assertEqual(caught.exception.status, 422)
        self.assertEqual(caught.exception.errors[0]["path"], "data.name")
        bad = self.client()
        bad.signing_secret = "wrong"
        with self.assertRaises(PssHTTPError) as caught:
            bad.send_event(envelope(unique("evt_"), self.code_a))
        self.assertEqual(caught.exception.status, 403)
