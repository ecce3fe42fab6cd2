"""X-PSS-Signature over real HTTP, in the style of Stripe's webhook tests.

Each row sends a request whose API key is valid and whose signature header is
built one way; the answer is 403 (``invalid-signature``) and nothing is
stored, or 202 for the valid variants.
"""

import time

from odoo.tests import tagged

from odoo.addons.pss_api.tests.common import ApiCase, dumps, envelope, unique
from odoo.addons.pss_core.lib.signature import compute


@tagged("post_install", "-at_install")
class TestSignatureTable(ApiCase):
    def send(self, body, header, key=None):
        headers = {"X-PSS-Signature": header} if header is not None else {}
        return self.post(body, sign=False, headers=headers, key=key)

    def test_signature_table(self):
        secret = self.creds["signing_secret"]

        def v1(body, timestamp, key=secret):
            return compute(key, timestamp, body)

        # Builders take the body and "now" (read just before each request);
        # the 300 s boundaries are probed 30 s beyond and 50 s within.
        cases = [
            # (label, header builder(body), expected status, reason in detail)
            ("missing header", lambda b, n: None, 403, "missing"),
            ("empty header", lambda b, n: "", 403, "missing"),
            ("malformed", lambda b, n: "garbage", 403, "malformed"),
            (
                "timestamp not a number",
                lambda b, n: f"t=abc,v1={v1(b, n)}",
                403,
                "number",
            ),
            ("no timestamp", lambda b, n: f"v1={v1(b, n)}", 403, "timestamp"),
            ("wrong scheme only", lambda b, n: f"t={n},v0={v1(b, n)}", 403, "no v1"),
            (
                "non-hex",
                lambda b, n: f"t={n},v1=zz{v1(b, n)[2:]}",
                403,
                "no signature matches",
            ),
            (
                "truncated",
                lambda b, n: f"t={n},v1={v1(b, n)[:32]}",
                403,
                "no signature matches",
            ),
            (
                "over other bytes",
                lambda b, n: f"t={n},v1={v1(b + b' ', n)}",
                403,
                "no signature matches",
            ),
            (
                "other timestamp than signed",
                lambda b, n: f"t={n - 1},v1={v1(b, n)}",
                403,
                "no signature matches",
            ),
            (
                "wrong secret",
                lambda b, n: f"t={n},v1={v1(b, n, key='not-the-secret')}",
                403,
                "no signature matches",
            ),
            (
                "stale (330 s old)",
                lambda b, n: f"t={n - 330},v1={v1(b, n - 330)}",
                403,
                "too old",
            ),
            (
                "future (330 s ahead)",
                lambda b, n: f"t={n + 330},v1={v1(b, n + 330)}",
                403,
                "future",
            ),
            ("valid", lambda b, n: f"t={n},v1={v1(b, n)}", 202, None),
            ("upper-case hex", lambda b, n: f"t={n},v1={v1(b, n).upper()}", 202, None),
            (
                "one valid among several",
                lambda b, n: f"t={n},v1={'0' * 64},v1={v1(b, n)},v1=zz",
                202,
                None,
            ),
            (
                "unknown scheme next to v1",
                lambda b, n: f"t={n},v0=abc,v1={v1(b, n)}",
                202,
                None,
            ),
            (
                "250 s old",
                lambda b, n: f"t={n - 250},v1={v1(b, n - 250)}",
                202,
                None,
            ),
            (
                "250 s ahead",
                lambda b, n: f"t={n + 250},v1={v1(b, n + 250)}",
                202,
                None,
            ),
        ]
        for label, build, status, reason in cases:
            with self.subTest(label):
                body = dumps(envelope(unique("evt_"), self.code_a))
                before = self.count()
                response = self.send(body, build(body, int(time.time())))
                if status == 202:
                    self.assertEqual(response.status_code, 202, response.text)
                    self.assertEqual(self.count(), before + 1)
                    continue
                problem = self.assertProblem(response, 403, "invalid-signature")
                self.assertIn(reason, problem["detail"])
                self.assertNotIn(secret, response.text)
                self.assertEqual(self.count(), before)

    def test_get_requests_are_signed_over_an_empty_body(self):
        entry = self.post(envelope(unique("evt_"), self.code_a)).json()["results"][0]
        path = f"/pss/v1/{self.system.code}/messages/{entry['id']}"
        secret = self.creds["signing_secret"]
        self.assertEqual(self.request("GET", path).status_code, 200)
        now = int(time.time())
        wrong = f"t={now},v1={compute(secret, now, b'{}')}"
        self.assertProblem(
            self.request("GET", path, sign=False, headers={"X-PSS-Signature": wrong}),
            403,
            "invalid-signature",
        )
        self.assertProblem(self.request("GET", path, sign=False), 403)

    def test_rotation_old_secret_works_until_revoked(self):
        old = self.creds
        new = self.system.issue_credentials()
        self.assertNotEqual(old["signing_secret"], new["signing_secret"])
        for label, key, secret in (
            ("new key, new secret", new["api_key"], new["signing_secret"]),
            ("old key, old secret", old["api_key"], old["signing_secret"]),
            ("new key, old secret", new["api_key"], old["signing_secret"]),
            ("old key, new secret", old["api_key"], new["signing_secret"]),
        ):
            with self.subTest(label):
                response = self.post(
                    envelope(unique("evt_"), self.code_a), key=key, secret=secret
                )
                self.assertEqual(response.status_code, 202, response.text)
        # A sender signing with both secrets while it switches.
        body = dumps(envelope(unique("evt_"), self.code_a))
        now = int(time.time())
        both = (
            f"t={now},v1={compute(old['signing_secret'], now, body)},"
            f"v1={compute(new['signing_secret'], now, body)}"
        )
        self.assertEqual(self.send(body, both, key=new["api_key"]).status_code, 202)

        self.assertEqual(self.system.revoke_previous_credentials(), 1)
        before = self.count()
        self.assertProblem(
            self.post(
                envelope(unique("evt_"), self.code_a),
                key=new["api_key"],
                secret=old["signing_secret"],
            ),
            403,
            "invalid-signature",
        )
        self.assertProblem(
            self.post(
                envelope(unique("evt_"), self.code_a),
                key=old["api_key"],
                secret=new["signing_secret"],
            ),
            401,
            "unauthorized",
        )
        self.assertEqual(self.count(), before)
        ok = self.post(
            envelope(unique("evt_"), self.code_a),
            key=new["api_key"],
            secret=new["signing_secret"],
        )
        self.assertEqual(ok.status_code, 202)
        # The header with both secrets still passes: one v1 matches.
        body = dumps(envelope(unique("evt_"), self.code_a))
        now = int(time.time())
        both = (
            f"t={now},v1={compute(old['signing_secret'], now, body)},"
            f"v1={compute(new['signing_secret'], now, body)}"
        )
        self.assertEqual(self.send(body, both, key=new["api_key"]).status_code, 202)

    def test_a_system_without_any_active_secret_refuses_everything(self):
        self.system.pss_credential_ids.sudo().signing_secret = False
        self.assertProblem(
            self.post(envelope(unique("evt_"), self.code_a)), 403, "invalid-signature"
        )
