"""Sensitive values at rest (pss_core lib/crypto.py): a cost sent by the HR
side through the signed API is stored encrypted in the queue tables, the
handler applies it in clear; rotation, a missing key, the health details and
the payload retention per entity."""

import base64
import contextlib
import json
import os
from datetime import timedelta
from unittest.mock import patch

from test_project_engagements import ProjectHttpCase

from odoo import fields
from odoo.tests import tagged
from odoo.tools import config

from odoo.addons.pss_core.lib import crypto
from odoo.addons.pss_core.lib.hashing import payload_hash
from odoo.addons.pss_project.tests.common import make_user, unique
from odoo.addons.pss_timesheet.tests.common import (
    TimesheetMixin,
    add_timesheet_fixtures,
)

KEY_A = "keyA:" + base64.b64encode(b"a" * 32).decode()
KEY_B = "keyB:" + base64.b64encode(b"b" * 32).decode()


@contextlib.contextmanager
def keys(text):
    """The Odoo option pss_encryption_keys set to ``text`` (the environment
    variable, which would win, unset) for the block."""
    environ = {k: v for k, v in os.environ.items() if k != crypto.ENV_VARIABLE}
    with (
        patch.dict(config.options, {crypto.OPTION: text}),
        patch.dict(os.environ, environ, clear=True),
    ):
        yield


@tagged("post_install", "-at_install")
class TestEncryptionAtRest(TimesheetMixin, ProjectHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        add_timesheet_fixtures(cls)

    def pss_manager(self):
        return make_user(
            self.env,
            unique("enc_manager"),
            [
                self.env.ref("base.group_user").id,
                self.env.ref("pss_core.group_pss_manager").id,
            ],
            self.companies,
            email=False,
        )

    def cost(self, amount):
        return {"amount": amount, "currency": "EUR", "effective_from": "2026-01-01"}

    def employee(self, external_id):
        return self.bound(self.psa, "hr.employee", external_id)

    def queue_rows_with(self, *texts):
        """Ids of the messages whose stored payloads, error texts or chatter
        hold any of ``texts``: the text search an intruder reading the
        database would run."""
        self.env.flush_all()
        found = set()
        for text in texts:
            like = f"%{text}%"
            self.env.cr.execute(
                """
                SELECT id FROM pss_message
                 WHERE payload::text LIKE %(like)s
                    OR payload_original::text LIKE %(like)s
                    OR coalesce(last_error, '') LIKE %(like)s
                    OR coalesce(error_details::text, '') LIKE %(like)s
                    OR coalesce(note, '') LIKE %(like)s
                    OR coalesce(park_reason, '') LIKE %(like)s
                UNION
                SELECT res_id FROM mail_message
                 WHERE model = 'pss.message' AND body::text LIKE %(like)s
                """,
                {"like": like},
            )
            found |= {row[0] for row in self.env.cr.fetchall()}
        return found

    def test_a_cost_sent_a_minute_earlier_is_nowhere_in_the_queue_tables(self):
        ext = unique("R-ENC-")
        email = f"{ext.lower()}-secret@example.com"
        data = self.resource(ext, work_email=email, hourly_cost=self.cost("913.47"))
        event_id = unique("evt_enc_")
        message = self.post(
            self.psa, "resource.upserted", data, self.company_de, event_id=event_id
        )
        self.process()
        self.assertDone(message)
        # The handler applied the clear cost and e-mail.
        employee = self.employee(ext)
        self.assertEqual(employee.hourly_cost, 913.47)
        self.assertEqual(employee.work_email, email)
        # Nothing in the queue tables gives them away...
        self.assertFalse(self.queue_rows_with("913.47", email))
        stored = message.sudo().payload
        self.assertTrue(stored["hourly_cost"]["amount"].startswith("pss:enc:v1:test1:"))
        self.assertTrue(crypto.is_encrypted(stored["work_email"]))
        self.assertEqual(stored["hourly_cost"]["currency"], "EUR")
        # ...the hash is the one of the payload as received...
        self.assertEqual(message.payload_sha256, payload_hash(data))
        # ...so the same event sent again is the same message (200), and the
        # same id with another cost is refused as a conflict.
        again = self.send(
            self.psa,
            [
                {
                    "id": event_id,
                    "type": "resource.upserted",
                    "schema_version": 1,
                    "occurred_at": "2026-11-20T10:00:00Z",
                    "entity": self.company_de.pss_entity_code,
                    "data": data,
                }
            ],
        )
        self.assertIn(again.status_code, (200, 202), again.text)
        self.assertEqual(again.json()["results"][0]["id"], message.id)
        changed = dict(data, hourly_cost=self.cost("914.00"))
        conflict = self.send(
            self.psa,
            [
                {
                    "id": event_id,
                    "type": "resource.upserted",
                    "schema_version": 1,
                    "occurred_at": "2026-11-20T10:00:00Z",
                    "entity": self.company_de.pss_entity_code,
                    "data": changed,
                }
            ],
        )
        self.assertEqual(conflict.status_code, 422, conflict.text)
        self.assertEqual(
            self.Message.search_count([("external_event_id", "=", event_id)]), 1
        )
        # A pss Manager reads the clear values on the form; a pss User the
        # masked ones.
        manager = message.with_user(self.pss_manager())
        self.assertIn("913.47", manager.payload_display)
        self.assertIn(email, manager.payload_display)
        pss_user = make_user(
            self.env,
            unique("enc_user"),
            [self.env.ref("pss_core.group_pss_user").id],
            self.company_de,
            email=False,
        )
        shown = message.with_user(pss_user).payload_display
        self.assertNotIn("913.47", shown)
        self.assertNotIn("pss:enc", shown)
        self.assertIn("***", shown)

    def test_an_edit_shows_clear_values_and_stores_them_encrypted(self):
        ext = unique("R-ENC-")
        data = self.resource(ext, hourly_cost=self.cost("401.10"))
        message = self.post(self.psa, "resource.upserted", data, self.company_de)
        self.process()
        self.assertDone(message)
        admin = self.pss_manager()
        wizard = (
            self.env["pss.message.edit.wizard"]
            .with_user(admin)
            .with_context(default_message_id=message.id)
            .create({})
        )
        self.assertIn("401.10", wizard.payload_text)
        edited = json.loads(wizard.payload_text)
        edited["hourly_cost"]["amount"] = "402.20"
        wizard.payload_text = json.dumps(edited)
        wizard.action_apply()
        self.process()
        self.assertDone(message)
        self.assertEqual(self.employee(ext).hourly_cost, 402.20)
        # Neither the new nor the original cost is readable in the tables.
        self.assertFalse(self.queue_rows_with("401.10", "402.20"))
        self.assertIsNotNone(message.sudo().payload_original)
        self.assertEqual(
            message._pss_clear_payload(original=True)["hourly_cost"]["amount"],
            "401.10",
        )

    def test_key_rotation(self):
        ext = unique("R-ROT-")
        with keys(KEY_A):
            message = self.post(
                self.psa,
                "resource.upserted",
                self.resource(ext, hourly_cost=self.cost("350.25")),
                self.company_de,
            )
            self.assertEqual(
                crypto.key_ids_of(
                    message.sudo().payload, message._pss_sensitive_paths()
                ),
                {"keyA"},
            )
        # The new key first, the old one still listed: old values decrypt,
        # the command re-encrypts them all with the new key.
        with keys(f"{KEY_B},{KEY_A}"):
            counts = self.Message._pss_reencrypt(batch_size=7)
            self.assertEqual(counts["key_id"], "keyB")
            self.assertEqual(counts["failed"], 0)
            self.assertGreaterEqual(counts["reencrypted"], 1)
            self.assertEqual(
                crypto.key_ids_of(
                    message.sudo().payload, message._pss_sensitive_paths()
                ),
                {"keyB"},
            )
            # Idempotent: a second run changes nothing.
            self.assertEqual(self.Message._pss_reencrypt()["reencrypted"], 0)
        # The old key removed: the handler still reads the cost.
        manager = self.pss_manager()
        with keys(KEY_B):
            self.process()
            self.assertDone(message)
            self.assertEqual(self.employee(ext).hourly_cost, 350.25)
            # A replay reads it too.
            message.with_user(manager).action_requeue()
            self.process()
            self.assertDone(message)
        self.assertFalse(self.queue_rows_with("350.25"))

    def test_a_missing_key_fails_the_message_with_its_reason(self):
        ext = unique("R-NOKEY-")
        with keys(KEY_A):
            message = self.post(
                self.psa,
                "resource.upserted",
                self.resource(ext, hourly_cost=self.cost("777.77")),
                self.company_de,
            )
        with keys(KEY_B):
            self.process()
        self.assertEqual(message.state, "dead")
        self.assertEqual(message.error_category, "data")
        self.assertIn("cannot be decrypted", message.last_error)
        self.assertIn("'keyA', which is not configured", message.last_error)
        self.assertFalse(self.employee(ext), "nothing applied")
        # The wrong key under the right id: refused as well, with its reason.
        manager = self.pss_manager()
        wrong = "keyA:" + base64.b64encode(b"z" * 32).decode()
        message.with_user(manager).action_requeue()
        with keys(wrong):
            self.process()
        self.assertEqual(message.state, "dead")
        self.assertIn("wrong key for this id", message.last_error)
        self.assertFalse(self.employee(ext))
        # The key back: a replay applies it.
        message.with_user(manager).action_requeue()
        with keys(KEY_A):
            self.process()
        self.assertDone(message)
        self.assertEqual(self.employee(ext).hourly_cost, 777.77)

    def test_unreadable_keys_refuse_intake_with_503_and_store_nothing(self):
        before = self.Message.search_count([])
        event_id = unique("evt_badkey_")
        envelope = {
            "id": event_id,
            "type": "resource.upserted",
            "schema_version": 1,
            "occurred_at": "2026-11-20T10:00:00Z",
            "entity": self.company_de.pss_entity_code,
            "data": self.resource(unique("R-BAD-"), hourly_cost=self.cost("77.70")),
        }
        with keys("broken key without its base64"):
            response = self.send(self.psa, [envelope])
        self.assertEqual(response.status_code, 503, response.text)
        self.assertEqual(response.headers["Retry-After"], "30")
        self.assertIn("encryption keys cannot be read", response.json()["detail"])
        self.assertEqual(self.Message.search_count([]), before)
        # With its keys back, the same event is accepted.
        self.assertEqual(self.send(self.psa, [envelope]).status_code, 202)

    def test_health_says_whether_encryption_is_on(self):
        self.env["ir.config_parameter"].set_param("pss_api.metrics_token", "mon-enc")

        def health():
            response = self.opener.get(
                f"{self.base_url()}/pss/v1/health",
                headers={"Authorization": "Bearer mon-enc"},
                timeout=60,
            )
            self.assertEqual(response.status_code, 200, response.text)
            return response.json()["encryption"]

        with keys(f"{KEY_B},{KEY_A}"):
            self.assertEqual(
                health(),
                {"status": "on", "key_id": "keyB", "key_ids": ["keyB", "keyA"]},
            )
        with keys(""):
            off = health()
            self.assertEqual(off["status"], "off")
            self.assertIn("no key configured", off["detail"])
            # Without a key the suite still works, in clear.
            ext = unique("R-CLEAR-")
            message = self.post(
                self.psa,
                "resource.upserted",
                self.resource(ext, hourly_cost=self.cost("123.45")),
                self.company_de,
            )
            self.process()
            self.assertDone(message)
            self.assertEqual(message.sudo().payload["hourly_cost"]["amount"], "123.45")
        # Encrypted by the command once a key is configured.
        with keys(KEY_A):
            self.Message._pss_reencrypt()
            self.assertFalse(self.queue_rows_with("123.45"))
            self.assertEqual(
                message._pss_clear_payload()["hourly_cost"]["amount"], "123.45"
            )


@tagged("post_install", "-at_install")
class TestRetentionPerEntity(TimesheetMixin, ProjectHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        add_timesheet_fixtures(cls)

    def finished(self, company, days_ago):
        message = self.post(
            self.psa,
            "resource.upserted",
            self.resource(unique("R-RET-")),
            company,
        )
        self.process()
        self.assertDone(message)
        message.write({"finished_at": fields.Datetime.now() - timedelta(days=days_ago)})
        return message

    def test_the_shorter_of_entity_and_system_retention_wins(self):
        self.psa.retention_days = 90
        self.company_de.pss_payload_retention_days = 5
        self.company_us.pss_payload_retention_days = 0
        de_old = self.finished(self.company_de, 10)
        de_recent = self.finished(self.company_de, 2)
        us_old = self.finished(self.company_us, 10)
        self.Message._cron_purge_payloads()
        for message in de_old | de_recent | us_old:
            message.invalidate_recordset()
        self.assertTrue(de_old.payload_purged)
        self.assertFalse(de_old.sudo().payload)
        self.assertFalse(de_recent.payload_purged)
        self.assertFalse(us_old.payload_purged, "the system keeps 90 days")
        # The system's retention is shorter: it wins over the entity's.
        self.psa.retention_days = 7
        self.company_us.pss_payload_retention_days = 30
        self.Message._cron_purge_payloads()
        us_old.invalidate_recordset()
        self.assertTrue(us_old.payload_purged)
        self.assertFalse(de_recent.payload_purged)
        # 0 on both sides keeps the payload.
        self.psa.retention_days = 0
        self.company_de.pss_payload_retention_days = 0
        kept = self.finished(self.company_de, 400)
        self.Message._cron_purge_payloads()
        kept.invalidate_recordset()
        self.assertFalse(kept.payload_purged)
