"""Browser test of the Integrations console (pss_core): a pss Manager opens
Queue → Messages, filters the dead messages, opens one, reads why it died in
the banner, corrects its payload and replays it (tour pss_console_tour,
headless Chromium); the corrected message then applies."""

from pss_tour import TourMixin

from odoo import fields
from odoo.tests import HttpCase, tagged

from pss_testing import SHORT_RETRY, make_company, make_system, make_user, unique


@tagged("post_install", "-at_install")
class TestConsoleTour(TourMixin, HttpCase):
    def test_manager_replays_a_dead_message_with_a_corrected_payload(self):
        env = self.env
        company = make_company(env, "Tour Entity", unique("TE"), "EUR", "DE")
        tech = make_user(
            env, unique("tech"), ["pss_core.group_pss_integration"], company
        )
        system = make_system(env, unique("crm"), tech, company, **SHORT_RETRY)
        Message = env["pss.message"]
        dead, _new = Message.enqueue(
            system,
            "test.record",
            {"external_id": "TOUR-1", "name": "tour", "behaviour": "data"},
            idempotency_key=unique("evt_"),
            external_event_id=unique("evt_"),
            company=company,
            sequence_key="test.record:TOUR-1",
        )
        done, _new = Message.enqueue(
            system,
            "test.record",
            {"external_id": "TOUR-2", "name": "fine"},
            idempotency_key=unique("evt_"),
            external_event_id=unique("evt_"),
            company=company,
            sequence_key="test.record:TOUR-2",
        )
        now = fields.Datetime.now()
        Message._process_queue("in", commit=False, now=now, system=system)
        self.assertEqual((dead.state, done.state), ("dead", "done"))
        manager = make_user(
            env,
            unique("manager"),
            ["base.group_user", "pss_core.group_pss_manager"],
            company,
        )
        manager.password = manager.login

        self.pss_tour("/web", "pss_console_tour", login=manager.login)

        dead.invalidate_recordset()
        self.assertEqual(dead.state, "pending")
        self.assertEqual(dead.payload["behaviour"], "ok")
        self.assertEqual(dead.payload_original["behaviour"], "data")
        self.assertEqual(dead.payload_edited_by_id, manager)
        Message._process_queue("in", commit=False, now=now, system=system)
        self.assertEqual(dead.state, "done")
        record = env["pss.test.record"].search([("external_id", "=", "TOUR-1")])
        self.assertEqual(record.company_id, company)
