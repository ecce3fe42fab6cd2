"""The figures of a reconciliation run from its lines, without a database."""

from odoo.tests import BaseCase

from odoo.addons.pss_reconcile.lib.run_figures import exception_vals, line_figures


def _line(check, key, status, change=None):
    vals = {"check_type": check, "key": key, "status": status}
    if change:
        vals["change"] = change
    return vals


class TestLineFigures(BaseCase):
    def test_statuses_changes_and_gone(self):
        lines = [
            _line("hours_engagement", "A/1", "matched", "same"),
            _line("hours_engagement", "A/2", "variance", "changed"),
            _line("unbilled", "project/3", "exception", "new"),
            _line("health", "A/dead", "exception"),
        ]
        zero = {"matched": 0, "variance": 0, "exception": 0}
        table = [
            # (lines, keys of the signed-off run) -> (statuses, changed, gone)
            (([], None), (zero, 0, 0)),
            (([], [("health", "A/dead")]), (zero, 0, 1)),
            (
                (lines, None),
                ({"matched": 1, "variance": 1, "exception": 2}, 2, 0),
            ),
            (
                (
                    lines,
                    [
                        ("hours_engagement", "A/1"),
                        ("hours_engagement", "A/9"),
                        ("unbilled", "project/4"),
                        ("health", "A/dead"),
                    ],
                ),
                ({"matched": 1, "variance": 1, "exception": 2}, 2, 2),
            ),
        ]
        for (vals_list, previous), expected in table:
            with self.subTest(lines=len(vals_list), previous=previous):
                self.assertEqual(line_figures(vals_list, previous), expected)


class TestExceptionVals(BaseCase):
    def test_expected_none_always_an_exception(self):
        table = [
            # (actual, record ids) -> (actual, variance)
            ((12.3456, [4, 5]), (12.35, -12.3456)),
            ((3, [7, 8, 9]), (3.0, -3.0)),
            ((0.0, []), (0.0, 0.0)),
        ]
        for (actual, ids), (figure, variance) in table:
            with self.subTest(actual=actual):
                vals = exception_vals("health", "A/dead", "A: dead", actual, "m", ids)
                self.assertEqual(
                    vals,
                    {
                        "check_type": "health",
                        "key": "A/dead",
                        "label": "A: dead",
                        "expected": 0.0,
                        "actual": figure,
                        "variance": variance,
                        "tolerance": 0.0,
                        "status": "exception",
                        "record_model": "m",
                        "record_ids": ids,
                        "record_count": len(ids),
                    },
                )
