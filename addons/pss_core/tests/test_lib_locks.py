"""Keys of the create-once locks, without a database."""

from odoo.addons.pss_core.lib.locks import lock_key, normalize


def test_key_is_stable_signed_64_bit():
    key = lock_key("hr.department", 1, "Delivery")
    assert key == lock_key("hr.department", 1, "Delivery")
    assert -(2**63) <= key < 2**63


def test_names_are_normalised():
    assert normalize("  Delivery\tTeam ") == "delivery team"
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in "DELIVERY")
    assert normalize(full_width) == "delivery"  # NFKC
    assert lock_key("hr.job", 1, "Senior  Consultant") == lock_key(
        "hr.job", 1, "senior consultant"
    )


def test_parts_keep_their_boundaries():
    assert lock_key("hr.job", 1, "Consultant") != lock_key("hr.job", 2, "Consultant")
    assert lock_key("hr.job", "1", "2x") != lock_key("hr.job", "12", "x")
    assert lock_key("hr.job", 1, "A") != lock_key("hr.department", 1, "A")
