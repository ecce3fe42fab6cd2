"""Keys of the create-once locks, without a database."""

import pytest

from odoo.tests import BaseCase

from odoo.addons.pss_core.lib.locks import lock_key, normalize

# The first 8 bytes of sha256("res.partner\x1f0\x1fvat\x1fde123"), signed: a
# worker on another machine or version must compute the same lock.
EXPECTED = 7186490771852495710


class TestLibLocks(BaseCase):
    def test_key_is_stable_across_processes_and_releases(self):
        assert lock_key("res.partner", 0, "vat", "DE123") == lock_key(
            "res.partner", "0", "vat", "DE123"
        )
        assert lock_key("res.partner", 0, "vat", "DE123") == EXPECTED

    def test_key_fits_a_postgresql_bigint_and_separates_parts(self):
        keys = {lock_key("m", company, "k") for company in range(2000)}
        assert len(keys) == 2000
        assert all(-(2**63) <= key < 2**63 for key in keys)
        assert any(key < 0 for key in keys)
        # Parts are separated: ("ab", "c") is not ("a", "bc").
        assert lock_key("ab", "c") != lock_key("a", "bc")
        assert lock_key("hr.job", 1, "Consultant") != lock_key(
            "hr.job", 2, "Consultant"
        )
        assert lock_key("hr.job", 1, "A") != lock_key("hr.department", 1, "A")

    def test_a_key_needs_parts(self):
        with pytest.raises(ValueError):
            lock_key()

    def test_names_are_normalised(self):
        assert normalize("  Delivery\tTeam ") == "delivery team"
        full_width = "".join(chr(ord(c) + 0xFEE0) for c in "DELIVERY")
        assert normalize(full_width) == "delivery"  # NFKC
        assert lock_key("hr.job", 1, "Senior  Consultant") == lock_key(
            "hr.job", 1, "senior consultant"
        )
