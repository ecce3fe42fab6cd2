"""Who may see and do what in the console."""

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged

from .common import SHORT_RETRY, make_company, make_system, make_user, unique


@tagged("post_install", "-at_install")
class TestQueueSecurity(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = make_company(cls.env, "Sec A", unique("SA"), "EUR", "DE")
        cls.company_b = make_company(cls.env, "Sec B", unique("SB"), "EUR", "DE")
        both = cls.company_a | cls.company_b
        tech = make_user(
            cls.env, unique("sectech"), ["pss_core.group_pss_integration"], both
        )
        cls.system = make_system(cls.env, unique("sec"), tech, both, **SHORT_RETRY)
        other_tech = make_user(
            cls.env, unique("othertech"), ["pss_core.group_pss_integration"], both
        )
        cls.other_system = make_system(
            cls.env, unique("oth"), other_tech, both, **SHORT_RETRY
        )
        cls.tech, cls.other_tech = tech, other_tech
        Message = cls.env["pss.message"]
        cls.msg_a, _ = Message.enqueue(
            cls.system,
            "test.record",
            {"external_id": "A", "name": "a", "behaviour": "data"},
            company=cls.company_a,
        )
        cls.msg_b, _ = Message.enqueue(
            cls.system,
            "test.record",
            {"external_id": "B", "name": "b"},
            company=cls.company_b,
        )
        Message._process_queue("in", commit=False, system=cls.system)
        cls.viewer = make_user(
            cls.env,
            unique("viewer"),
            ["base.group_user", "pss_core.group_pss_user"],
            both,
        )
        cls.viewer_b = make_user(
            cls.env,
            unique("viewerb"),
            ["base.group_user", "pss_core.group_pss_user"],
            cls.company_b,
        )
        cls.manager = make_user(
            cls.env,
            unique("mgr"),
            ["base.group_user", "pss_core.group_pss_manager"],
            both,
        )

    def test_user_reads_but_cannot_retry_requeue_cancel_or_edit(self):
        msg = self.msg_a.with_user(self.viewer).with_context(
            allowed_company_ids=(self.company_a | self.company_b).ids
        )
        self.assertEqual(msg.state, "dead")
        for action in ("action_requeue", "action_cancel", "action_edit_payload"):
            with self.assertRaises(AccessError, msg=action):
                getattr(msg, action)()
        with self.assertRaises(AccessError):
            msg._edit_payload({"external_id": "A", "name": "x"})
        with self.assertRaises(AccessError):
            msg.write({"state": "pending"})
        self.assertEqual(self.msg_a.state, "dead")

    def test_manager_can_requeue(self):
        msg = self.msg_a.with_user(self.manager).with_context(
            allowed_company_ids=(self.company_a | self.company_b).ids
        )
        msg.action_requeue()
        self.assertEqual(self.msg_a.state, "pending")

    def test_user_of_company_b_sees_no_message_of_company_a(self):
        Message = self.env["pss.message"].with_user(self.viewer_b)
        visible = Message.search([("system_id", "=", self.system.id)])
        self.assertEqual(visible, self.msg_b)
        with self.assertRaises(AccessError):
            self.msg_a.with_user(self.viewer_b).read(["state"])
        records = self.env["pss.message.record"].with_user(self.viewer_b).search([])
        self.assertNotIn(self.company_a, records.mapped("company_id"))

    def test_a_technical_user_sees_only_its_own_system(self):
        Message = (
            self.env["pss.message"]
            .with_user(self.other_tech)
            .with_context(allowed_company_ids=(self.company_a | self.company_b).ids)
        )
        self.assertFalse(Message.search([("system_id", "=", self.system.id)]))
        own = (
            self.env["pss.message"]
            .with_user(self.tech)
            .with_context(allowed_company_ids=(self.company_a | self.company_b).ids)
        )
        self.assertEqual(
            own.search([("system_id", "=", self.system.id)]), self.msg_a | self.msg_b
        )

    def test_secrets_are_for_settings_administrators_only(self):
        self.system.outbound_secret = "s3cr3t"
        system = self.system.with_user(self.manager)
        with self.assertRaises(AccessError):
            system.read(["outbound_secret"])
        self.assertNotIn("outbound_secret", system.fields_get())
