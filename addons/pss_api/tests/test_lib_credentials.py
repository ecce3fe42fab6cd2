"""API keys and signing secrets, without a database."""

import hashlib

from odoo.tests import BaseCase

from odoo.addons.pss_api.lib.credentials import (
    generate_api_key,
    generate_signing_secret,
    hash_key,
    key_matches,
    split_key,
)


class TestLibCredentials(BaseCase):
    def test_generated_keys_are_unique_high_entropy_and_parse_back(self):
        keys = {generate_api_key() for _i in range(50)}
        assert len(keys) == 50
        for key, prefix in keys:
            assert key.startswith(f"pss_{prefix}_")
            assert len(key) >= 4 + 12 + 1 + 43
            assert split_key(key) == prefix

    def test_signing_secrets(self):
        first, second = generate_signing_secret(), generate_signing_secret()
        assert first != second
        assert first.startswith("pss_sig_") and len(first) > 40

    def test_malformed_keys_have_no_prefix(self):
        for key in [
            None,
            "",
            "pss",
            "pss__x",
            "abc_0123456789ab_secret",
            "pss_0123456789AB_secret",
            "pss_0123456789a_secret",
            "pss_0123456789ab_",
            "pss_0123456789ab_" + "x" * 300,
            "pss_0123456789ab_sécret",
            12,
        ]:
            with self.subTest(key=key):
                assert split_key(key) is None

    def test_secret_part_may_hold_underscores(self):
        assert split_key("pss_0123456789ab_a_b-c") == "0123456789ab"

    def test_hash_and_match(self):
        key, _prefix = generate_api_key()
        digest = hash_key(key)
        assert digest == hashlib.sha256(key.encode()).hexdigest()
        assert key_matches(key, ["0" * 64, digest])
        assert not key_matches(key + "x", [digest])
        assert not key_matches(key, [])
        assert not key_matches(key, [None, ""])
