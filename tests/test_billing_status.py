"""invoice.posted / invoice.paid / invoice.reversed reach the system that
sent the engagement, signed, through the queue (a local receiver)."""

import json

from odoo.tests import tagged

from odoo.addons.pss_billing.tests.common import APRIL, BillingCase, unique
from odoo.addons.pss_core.lib.signature import verify

from pss_testing import RecordingServer

SECRET = "billing-outbound-secret"


@tagged("post_install", "-at_install")
class TestInvoiceStatusOut(BillingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = RecordingServer().start()
        cls.addClassCleanup(cls.server.stop)
        cls.psa.sudo().write(
            {"outbound_url": cls.server.url, "outbound_secret": SECRET}
        )

    def send(self):
        self.env["pss.message"]._process_queue("out", commit=False, system=self.psa)

    def received(self, event_type):
        found = []
        for request in self.server.requests:
            envelope = json.loads(request["body"])
            if envelope["type"] == event_type:
                signature = request["headers"]["X-PSS-Signature"]
                self.assertEqual(verify(signature, request["body"], [SECRET]), 0)
                found.append(envelope)
        return found

    def test_posted_paid_and_reversed_are_delivered_signed(self):
        self.company_de.pss_approval_required = False
        eng = self.tm_engagement(self.company_de, rate="100.00")
        res = self.add_resource()
        ext = unique("L-")
        self.approve([self.line(ext, res, eng, date="2026-04-10", hours="2")])
        invoice = self.run_billing(APRIL).invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.send()
        (posted,) = self.received("invoice.posted")
        data = posted["data"]
        self.assertEqual(posted["entity"], self.company_de.pss_entity_code)
        self.assertEqual(data["invoice_number"], invoice.name)
        self.assertEqual(data["invoice_date"], "2026-04-30")
        self.assertEqual(data["due_date"], str(invoice.invoice_date_due))
        self.assertEqual(data["engagement_external_ids"], [eng])
        self.assertTrue(data["customer_external_id"])
        self.assertEqual(
            (data["amount_untaxed"], data["amount_tax"], data["amount_total"]),
            ("200.00", "38.00", "238.00"),
        )
        self.assertEqual(data["currency"], invoice.currency_id.name)
        self.assertEqual(data["payment_state"], "not_paid")
        self.assertEqual(data["timesheet_external_ids"], [ext])
        # Sent in clear, stored encrypted: the queue holds no invoiced amount.
        stored = self.env["pss.message"].search(
            [("direction", "=", "out"), ("event_type", "=", "invoice.posted")],
            order="id desc",
            limit=1,
        )
        self.env.cr.execute(
            "SELECT payload::text FROM pss_message WHERE id = %s", [stored.id]
        )
        self.assertNotIn("238.00", self.env.cr.fetchone()[0])

        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.send()
        (paid,) = self.received("invoice.paid")
        self.assertIn(paid["data"]["payment_state"], ("paid", "in_payment"))
        self.assertEqual(paid["data"]["amount_residual"], "0.00")

        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "goodwill"})
        )
        refund = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        refund.action_post()
        self.send()
        (reversed_,) = self.received("invoice.reversed")
        self.assertEqual(reversed_["data"]["invoice_number"], refund.name)
        self.assertEqual(reversed_["data"]["reversed_invoice_number"], invoice.name)
        self.assertEqual(reversed_["data"]["move_type"], "out_refund")
        self.assertEqual(reversed_["data"]["timesheet_external_ids"], [ext])

    def test_systems_subscribed_to_a_type_receive_it_too(self):
        """Besides the engagement's system, a system of the invoice's company
        that receives invoice.posted gets it; one that does not, does not."""
        self.company_de.pss_approval_required = False
        other = RecordingServer().start()
        self.addCleanup(other.stop)
        posted_type = self.env.ref("pss_billing.pss_event_type_invoice_posted")
        self.crm.sudo().write(
            {
                "outbound_url": other.url,
                "outbound_secret": SECRET,
                "outbound_event_type_ids": [(6, 0, posted_type.ids)],
                "company_ids": [(4, self.company_de.id)],
            }
        )
        eng = self.tm_engagement(self.company_de, rate="100.00")
        res = self.add_resource()
        self.approve([self.line(unique("L-"), res, eng, date="2026-04-11")])
        invoice = self.run_billing(APRIL).invoice_ids
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        Message = self.env["pss.message"]
        Message._process_queue("out", commit=False, system=self.crm)
        types = [json.loads(r["body"])["type"] for r in other.requests]
        self.assertEqual(types, ["invoice.posted"], "subscribed to posted only")
        data = json.loads(other.requests[0]["body"])["data"]
        self.assertEqual(data["invoice_number"], invoice.name)
        self.assertEqual(data["engagement_external_ids"], [eng])
        # The PSA's time ids are the PSA's: not sent to another system.
        self.assertEqual(data["timesheet_external_ids"], [])
        self.assertFalse(
            Message.search(
                [("system_id", "=", self.crm.id), ("event_type", "=", "invoice.paid")]
            )
        )
