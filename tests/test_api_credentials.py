"""API credentials: issued by managers only, shown once, stored hashed,
rotated without downtime, revocable; also over JSON-RPC execute_kw."""

import hashlib

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.pss_api.tests.common import (
    ApiCase,
    envelope,
    make_user,
    unique,
)

PASSWORD = "pss-Manager-pw-1"


@tagged("post_install", "-at_install")
class TestCredentials(ApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        companies = cls.company_a | cls.company_b
        cls.manager = make_user(
            cls.env,
            unique("manager").lower(),
            ("base.group_user", "pss_core.group_pss_manager"),
            companies,
            email=False,
        )
        cls.manager.password = PASSWORD
        cls.viewer = make_user(
            cls.env,
            unique("viewer").lower(),
            ("base.group_user", "pss_core.group_pss_user"),
            companies,
            email=False,
        )
        cls.viewer.password = PASSWORD

    def test_only_managers_issue_or_revoke_credentials(self):
        for user in (self.viewer, self.tech):
            with self.subTest(user.login), self.assertRaises(AccessError):
                self.system.with_user(user).issue_credentials()
            with self.subTest(user.login), self.assertRaises(AccessError):
                self.system.with_user(user).revoke_previous_credentials()
        values = self.system.with_user(self.manager).issue_credentials()
        self.assertEqual(set(values), {"api_key", "signing_secret", "key_prefix"})
        self.assertTrue(values["api_key"].startswith(f"pss_{values['key_prefix']}_"))
        self.assertGreater(len(values["api_key"]), 50)

    def test_the_key_is_stored_only_as_a_hash_and_never_readable_again(self):
        values = self.system.with_user(self.manager).issue_credentials()
        key = values["api_key"]
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT row_to_json(c)::text FROM pss_system_credential c "
            "WHERE system_id = %s",
            [self.system.id],
        )
        rows = " ".join(row[0] for row in self.env.cr.fetchall())
        self.assertNotIn(key, rows)
        # The secret part: everything after "pss_<prefix>_" (it may itself
        # contain "_", so not what follows the last one).
        secret_part = key.split(f"_{values['key_prefix']}_", 1)[1]
        self.assertEqual(len(secret_part), 43)
        self.assertNotIn(secret_part, rows)
        self.assertIn(hashlib.sha256(key.encode()).hexdigest(), rows)
        # Nor in the chatter, which names the prefix only.
        self.env.cr.execute(
            "SELECT string_agg(body, ' ') FROM mail_message WHERE model = 'pss.system' "
            "AND res_id = %s",
            [self.system.id],
        )
        chatter = self.env.cr.fetchone()[0] or ""
        self.assertIn(values["key_prefix"], chatter)
        self.assertNotIn(key, chatter)
        self.assertNotIn(values["signing_secret"], chatter)
        # A manager sees the credentials, not their hash nor the secret.
        credential = self.system.with_user(self.manager).pss_credential_ids[0]
        self.assertEqual(credential.key_prefix, values["key_prefix"])
        for field in ("key_hash", "signing_secret"):
            with self.subTest(field), self.assertRaises(AccessError):
                credential.read([field])
        # The button shows the values once, through a dialog never saved.
        Wizard = self.env["pss.system.credential.wizard"]
        count = Wizard.search_count([])
        self.system.pss_credential_ids[1:].action_revoke()
        action = self.system.with_user(self.manager).action_issue_credentials()
        self.assertEqual(action["res_model"], "pss.system.credential.wizard")
        self.assertTrue(action["context"]["default_api_key"].startswith("pss_"))
        self.assertTrue(action["context"]["default_signing_secret"])
        self.assertEqual(Wizard.search_count([]), count)
        shown = Wizard.with_context(action["context"]).default_get(["api_key"])
        self.assertEqual(shown["api_key"], action["context"]["default_api_key"])

    def test_rotation_keeps_the_previous_key_until_it_is_revoked(self):
        old = self.creds
        new = self.system.with_user(self.manager).issue_credentials()
        for key, secret in (
            (old["api_key"], old["signing_secret"]),
            (new["api_key"], new["signing_secret"]),
        ):
            response = self.post(
                envelope(unique("evt_"), self.code_a), key=key, secret=secret
            )
            self.assertEqual(response.status_code, 202, response.text)
        with self.assertRaises(UserError):
            self.system.with_user(self.manager).issue_credentials()
        self.assertEqual(
            self.system.with_user(self.manager).revoke_previous_credentials(), 1
        )
        revoked = self.system.pss_credential_ids.filtered(
            lambda c: c.state == "revoked"
        )
        self.assertEqual(revoked.key_prefix, old["key_prefix"])
        self.assertEqual(revoked.revoked_by_id, self.manager)
        before = self.count()
        self.assertProblem(
            self.post(
                envelope(unique("evt_"), self.code_a),
                key=old["api_key"],
                secret=old["signing_secret"],
            ),
            401,
        )
        self.assertEqual(self.count(), before)
        response = self.post(
            envelope(unique("evt_"), self.code_a),
            key=new["api_key"],
            secret=new["signing_secret"],
        )
        self.assertEqual(response.status_code, 202)
        # Emergency: revoke the only active credentials, every request stops.
        self.system.pss_credential_ids.filtered(
            lambda c: c.state == "active"
        ).with_user(self.manager).action_revoke()
        self.assertProblem(
            self.post(
                envelope(unique("evt_"), self.code_a),
                key=new["api_key"],
                secret=new["signing_secret"],
            ),
            401,
        )

    def test_system_form_offers_the_buttons_to_managers_only(self):
        def arch(user):
            views = self.env["pss.system"].with_user(user).get_views([(False, "form")])
            return views["views"]["form"]["arch"]

        manager_arch = arch(self.manager)
        self.assertIn("action_issue_credentials", manager_arch)
        self.assertIn("action_revoke_previous_credentials", manager_arch)
        self.assertIn("pss_credential_ids", manager_arch)
        viewer_arch = arch(self.viewer)
        self.assertNotIn("action_issue_credentials", viewer_arch)
        self.assertNotIn("pss_credential_ids", viewer_arch)

    def jsonrpc(self, login, method, args):
        uid = self.env["res.users"].search([("login", "=", login)]).id
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": [self.env.cr.dbname, uid, PASSWORD, "pss.system", method, args],
            },
        }
        self.env.flush_all()
        response = self.opener.post(
            f"{self.base_url()}/jsonrpc", json=payload, timeout=30
        )
        self.env.invalidate_all()
        return response.json()

    def test_issue_credentials_over_json_rpc(self):
        self.system.pss_credential_ids.action_revoke()
        answer = self.jsonrpc(
            self.manager.login, "issue_credentials", [[self.system.id]]
        )
        values = answer["result"]
        response = self.post(
            envelope(unique("evt_"), self.code_a),
            key=values["api_key"],
            secret=values["signing_secret"],
        )
        self.assertEqual(response.status_code, 202, response.text)
        refused = self.jsonrpc(
            self.viewer.login, "issue_credentials", [[self.system.id]]
        )
        self.assertIn("error", refused)
        self.assertEqual(
            refused["error"]["data"]["name"], "odoo.exceptions.AccessError"
        )
        self.assertEqual(
            self.system.pss_credential_ids.filtered(
                lambda c: c.state == "active"
            ).key_prefix,
            values["key_prefix"],
        )
