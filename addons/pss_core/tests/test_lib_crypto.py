"""Encryption of sensitive payload values (lib/crypto.py), without a database."""

import base64
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.tests import BaseCase

from odoo.addons.pss_core.lib.crypto import (
    ENV_VARIABLE,
    OPTION,
    PREFIX,
    CryptoError,
    KeyConfigError,
    decrypt_payload,
    encrypt_payload,
    generate_key,
    is_encrypted,
    key_ids_of,
    load_keyring,
    parse_keys,
    reencrypt_payload,
    status,
)
from odoo.addons.pss_core.lib.masking import sensitive_values

KEY_A = base64.b64encode(b"A" * 32).decode()
KEY_B = base64.b64encode(b"B" * 32).decode()
PATHS = {"work_email": True, "hourly_cost": {"amount": True}, "lines": {"vat": True}}
PAYLOAD = {
    "external_id": "E1",
    "name": "Ada",
    "work_email": "ada@example.com",
    "hourly_cost": {"amount": 85.5, "currency": "EUR"},
    "lines": [{"vat": "GB123", "n": 1}, {"vat": ["x", {"y": 2}], "n": 2}],
}


def ring(text):
    return load_keyring(environ={ENV_VARIABLE: text})


class TestLibCrypto(BaseCase):
    def test_roundtrip_hides_every_sensitive_value(self):
        keys = ring(f"a:{KEY_A}")
        sealed = encrypt_payload(PAYLOAD, PATHS, keys)
        text = json.dumps(sealed)
        for clear in ("ada@example.com", "85.5", "GB123", '"y"'):
            self.assertNotIn(clear, text)
        # Values that are not sensitive stay readable (ordering, lookups).
        self.assertEqual(sealed["external_id"], "E1")
        self.assertEqual(sealed["hourly_cost"]["currency"], "EUR")
        self.assertTrue(sealed["work_email"].startswith(PREFIX + "a:"))
        self.assertTrue(is_encrypted(sealed["lines"][1]["vat"]))
        # The input is not changed; the decrypted copy equals it, types kept.
        self.assertEqual(PAYLOAD["work_email"], "ada@example.com")
        self.assertEqual(decrypt_payload(sealed, PATHS, keys), PAYLOAD)
        self.assertEqual(key_ids_of(sealed, PATHS), {"a"})

    def test_same_value_encrypts_differently_and_twice_is_once(self):
        keys = ring(f"a:{KEY_A}")
        one = encrypt_payload(PAYLOAD, PATHS, keys)
        two = encrypt_payload(PAYLOAD, PATHS, keys)
        self.assertNotEqual(one["work_email"], two["work_email"])
        self.assertEqual(encrypt_payload(one, PATHS, keys), one)

    def test_no_key_keeps_payload_clear(self):
        keys = ring("")
        self.assertFalse(keys)
        self.assertIsNone(keys.current)
        self.assertIs(encrypt_payload(PAYLOAD, PATHS, keys), PAYLOAD)
        self.assertEqual(decrypt_payload(PAYLOAD, PATHS, keys), PAYLOAD)

    def test_empty_values_are_not_encrypted(self):
        keys = ring(f"a:{KEY_A}")
        sealed = encrypt_payload({"work_email": None, "lines": []}, PATHS, keys)
        self.assertEqual(sealed, {"work_email": None, "lines": []})

    def test_rotation(self):
        old = ring(f"a:{KEY_A}")
        sealed = encrypt_payload(PAYLOAD, PATHS, old)
        both = ring(f"b:{KEY_B},a:{KEY_A}")
        self.assertEqual(both.current, "b")
        # Old values still decrypt with both keys configured.
        self.assertEqual(decrypt_payload(sealed, PATHS, both), PAYLOAD)
        rotated, changed = reencrypt_payload(sealed, PATHS, both)
        self.assertTrue(changed)
        self.assertEqual(key_ids_of(rotated, PATHS), {"b"})
        # Idempotent: a second run changes nothing.
        again, changed = reencrypt_payload(rotated, PATHS, both)
        self.assertFalse(changed)
        self.assertIs(again, rotated)
        # The old key removed: the rotated payload still decrypts...
        new_only = ring(f"b:{KEY_B}")
        self.assertEqual(decrypt_payload(rotated, PATHS, new_only), PAYLOAD)
        # ...and a value left under the old key says which key is missing.
        with self.assertRaisesRegex(CryptoError, "key 'a', which is not configured"):
            decrypt_payload(sealed, PATHS, new_only)

    def test_clear_payload_is_encrypted_by_reencrypt(self):
        keys = ring(f"a:{KEY_A}")
        sealed, changed = reencrypt_payload(PAYLOAD, PATHS, keys)
        self.assertTrue(changed)
        self.assertEqual(key_ids_of(sealed, PATHS), {"a"})
        self.assertEqual(decrypt_payload(sealed, PATHS, keys), PAYLOAD)

    def test_wrong_key_or_altered_value_is_refused(self):
        sealed = encrypt_payload(PAYLOAD, PATHS, ring(f"a:{KEY_A}"))
        # Same key id, another key.
        with self.assertRaisesRegex(CryptoError, "wrong key for this id"):
            decrypt_payload(sealed, PATHS, ring(f"a:{KEY_B}"))
        # A value moved under another key id does not decrypt either.
        moved = dict(sealed, work_email=sealed["work_email"].replace(":a:", ":b:"))
        with self.assertRaises(CryptoError):
            decrypt_payload(moved, PATHS, ring(f"b:{KEY_A}"))
        token = sealed["work_email"]
        altered = dict(
            sealed,
            work_email=token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1],
        )
        with self.assertRaises(CryptoError):
            decrypt_payload(altered, PATHS, ring(f"a:{KEY_A}"))
        with self.assertRaises(CryptoError):
            decrypt_payload({"work_email": PREFIX + "nokey"}, PATHS, ring(f"a:{KEY_A}"))

    def test_key_configuration(self):
        self.assertEqual(
            parse_keys(f" b:{KEY_B} , a:{KEY_A},"), [("b", b"B" * 32), ("a", b"A" * 32)]
        )
        urlsafe = base64.urlsafe_b64encode(bytes(range(200, 232))).decode()
        self.assertEqual(parse_keys(f"k:{urlsafe}")[0][1], bytes(range(200, 232)))
        self.assertEqual(len(base64.b64decode(generate_key())), 32)
        for text, reason in (
            ("nocolon", "expected <key id>:<base64 key>"),
            (f"bad id:{KEY_A}", "expected <key id>"),
            (f"a:{KEY_A},a:{KEY_B}", "listed twice"),
            ("a:!!!!", "not valid base64"),
            ("a:" + base64.b64encode(b"short").decode(), "must be 32 bytes"),
        ):
            with (
                self.subTest(text=text),
                self.assertRaisesRegex(KeyConfigError, reason),
            ):
                parse_keys(text)
        # The error never quotes a key.
        with self.assertRaises(KeyConfigError) as caught:
            parse_keys(f"a:{KEY_A[:-4]}")
        self.assertNotIn(KEY_A[:-4], str(caught.exception))

    def test_environment_wins_over_the_odoo_option(self):
        config = {OPTION: f"a:{KEY_A}"}
        self.assertEqual(load_keyring(config, environ={}).current, "a")
        both = load_keyring(config, environ={ENV_VARIABLE: f"b:{KEY_B}"})
        self.assertEqual(both.current, "b")
        self.assertFalse(load_keyring({}, environ={}))

    def test_sensitive_values_of_the_decrypted_payload(self):
        # Error texts are masked with the clear values: decrypt first.
        keys = ring(f"a:{KEY_A}")
        sealed = encrypt_payload(PAYLOAD, PATHS, keys)
        self.assertNotIn("ada@example.com", sensitive_values(sealed, PATHS))
        clear = decrypt_payload(sealed, PATHS, keys)
        self.assertIn("ada@example.com", sensitive_values(clear, PATHS))
        self.assertIn("85.50", sensitive_values(clear, PATHS))

    def test_deep_nesting_without_recursion(self):
        keys = ring(f"a:{KEY_A}")
        # A sensitive value that is itself deep is encrypted whole (the
        # schemas refuse such values before anything is stored).
        deep = "GB1"
        for _level in range(500):
            deep = [deep]
        sealed = encrypt_payload({"vat": deep}, {"vat": True}, keys)
        self.assertTrue(is_encrypted(sealed["vat"]))
        self.assertEqual(decrypt_payload(sealed, {"vat": True}, keys), {"vat": deep})
        # A deep structure along a path of nested rules.
        rule = {"lines": {"vat": True}}
        lines = [{"vat": "GB2"}]
        for _level in range(3000):
            lines = [lines]
        sealed = encrypt_payload({"lines": lines}, rule, keys)
        node = sealed["lines"]
        while isinstance(node, list):
            node = node[0]
        self.assertTrue(is_encrypted(node["vat"]))
        node = decrypt_payload(sealed, rule, keys)["lines"]
        depth = 0
        while isinstance(node, list):
            node, depth = node[0], depth + 1
        self.assertEqual((depth, node), (3001, {"vat": "GB2"}))

    @settings(max_examples=60, deadline=None)
    @given(
        value=st.recursive(
            st.none()
            | st.booleans()
            | st.integers()
            | st.floats(allow_nan=False, allow_infinity=False)
            | st.text(),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.text(max_size=5), inner, max_size=3)
            ),
            max_leaves=10,
        ),
        other=st.text(),
    )
    def test_roundtrip_property(self, value, other):
        keys = ring(f"b:{KEY_B},a:{KEY_A}")
        payload = {"secret": value, "other": other, "nested": [{"secret": value}]}
        paths = {"secret": True, "nested": {"secret": True}}
        sealed = encrypt_payload(payload, paths, keys)
        self.assertEqual(sealed["other"], other)
        if value not in (None, ""):
            self.assertTrue(is_encrypted(sealed["secret"]))
        self.assertEqual(decrypt_payload(sealed, paths, keys), payload)
        rotated, _changed = reencrypt_payload(
            sealed, paths, ring(f"c:{KEY_A},b:{KEY_B}")
        )
        self.assertEqual(decrypt_payload(rotated, paths, ring(f"c:{KEY_A}")), payload)

    def test_received_value_that_looks_encrypted_is_encrypted(self):
        keys = ring(f"a:{KEY_A}")
        looks = {"work_email": PREFIX + "a:forged"}
        sealed = encrypt_payload(looks, PATHS, keys, fresh=True)
        self.assertNotEqual(sealed["work_email"], looks["work_email"])
        self.assertEqual(decrypt_payload(sealed, PATHS, keys), looks)

    def test_status_never_shows_a_key(self):
        self.assertEqual(
            status(None, {ENV_VARIABLE: f"b:{KEY_B},a:{KEY_A}"}),
            {"status": "on", "key_id": "b", "key_ids": ["b", "a"]},
        )
        off = status({}, {})
        self.assertEqual(off["status"], "off")
        self.assertIn("no key configured", off["detail"])
        broken = status(None, {ENV_VARIABLE: f"a:{KEY_A[:-8]}"})
        self.assertEqual(broken["status"], "error")
        self.assertNotIn(KEY_A[:-8], broken["detail"])

    def test_values_the_queue_stores_as_text_come_back_as_text(self):
        from datetime import date
        from decimal import Decimal

        keys = ring(f"a:{KEY_A}")
        payload = {"work_email": Decimal("12.50"), "lines": [{"vat": date(2026, 1, 2)}]}
        sealed = encrypt_payload(payload, PATHS, keys)
        self.assertEqual(
            decrypt_payload(sealed, PATHS, keys),
            {"work_email": "12.50", "lines": [{"vat": "2026-01-02"}]},
        )
