"""Texts with a count, without a database."""

from odoo.tests import BaseCase

from odoo.addons.pss_core.lib.texts import counted

ONE = "%(count)s open variance"
OTHER = "%(count)s open variances"


class TestLibTexts(BaseCase):
    def test_one_for_a_count_of_one_other_otherwise(self):
        table = [
            (0, "0 open variances"),
            (1, "1 open variance"),
            (2, "2 open variances"),
            (11, "11 open variances"),
            (21, "21 open variances"),
            (1.5, "1.5 open variances"),
        ]
        for count, expected in table:
            with self.subTest(count=count):
                self.assertEqual(counted(count, ONE, OTHER), expected)

    def test_other_placeholders_are_filled(self):
        one = "%(count)s failed message (threshold %(max)s)"
        other = "%(count)s failed messages (threshold %(max)s)"
        self.assertEqual(
            counted(1, one, other, max=0), "1 failed message (threshold 0)"
        )
        self.assertEqual(
            counted(3, one, other, max=2), "3 failed messages (threshold 2)"
        )

    def test_values_may_hold_the_count_too(self):
        """A handler's reason arguments hold ``count``: the count given
        first is the one said."""
        values = {"count": 5, "version": 2}
        self.assertEqual(counted(1, ONE, OTHER, **values), "1 open variance")
        self.assertEqual(
            counted(1, "%(count)s total, version %(version)s", "", **values),
            "1 total, version 2",
        )
