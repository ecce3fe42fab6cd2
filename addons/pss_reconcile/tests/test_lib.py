"""Pure logic of the reconciliation lines and the control.totals schema."""

from pydantic import ValidationError

from odoo.tests import BaseCase

from odoo.addons.pss_reconcile.lib.tolerance import (
    allowed_variance,
    change_of,
    classify,
)
from odoo.addons.pss_reconcile.schemas.control_totals import ControlTotals


class TestTolerance(BaseCase):
    def test_larger_of_absolute_and_percent(self):
        self.assertEqual(allowed_variance(100, 0.5, 1), 1.0)
        self.assertEqual(allowed_variance(10, 0.5, 1), 0.5)
        self.assertEqual(allowed_variance(10, 0, 0), 0.0)

    def test_classify(self):
        # External minus Odoo: the sender counts more, positive.
        self.assertEqual(classify(5.25, 5.0, 0.5), (0.25, 0.5, "matched"))
        self.assertEqual(classify(8, 5, 0.5), (3.0, 0.5, "variance"))
        # Odoo has more: negative.
        self.assertEqual(classify(0, 2.5), (-2.5, 0.0, "variance"))
        self.assertEqual(classify(10, 10)[2], "matched")

    def test_change(self):
        self.assertEqual(change_of(None, 1, 1), "new")
        self.assertEqual(change_of((1, 1), 1, 1), "same")
        self.assertEqual(change_of((1, 1), 1, 2.5), "changed")


class TestSchema(BaseCase):
    def valid(self, **values):
        data = {
            "date_from": "2026-04-01",
            "date_to": "2026-04-30",
            "version": 1,
            "lines": [
                {"engagement_external_id": "E1", "hours": "10"},
                {"resource_external_id": "R1", "hours": "7.5"},
                {
                    "engagement_external_id": "E2",
                    "hours": "1",
                    "invoiced_amount": "150.00",
                    "currency": "EUR",
                },
            ],
        }
        data.update(values)
        return data

    def test_valid(self):
        totals = ControlTotals.model_validate(self.valid())
        self.assertEqual(len(totals.lines), 3)
        self.assertEqual(totals.lines[1].key, ("resource", "R1"))

    def test_refused(self):
        bad = [
            self.valid(date_to="2026-03-31"),
            self.valid(version=0),
            self.valid(lines=[{"hours": "1"}]),
            self.valid(
                lines=[
                    {
                        "engagement_external_id": "E",
                        "resource_external_id": "R",
                        "hours": "1",
                    }
                ]
            ),
            self.valid(lines=[{"engagement_external_id": "E", "hours": "1"}] * 2),
            self.valid(
                lines=[
                    {
                        "engagement_external_id": "E",
                        "hours": "1",
                        "invoiced_amount": "1",
                    }
                ]
            ),
            self.valid(
                lines=[
                    {
                        "resource_external_id": "R",
                        "hours": "1",
                        "invoiced_amount": "1",
                        "currency": "EUR",
                    }
                ]
            ),
            self.valid(unknown=1),
        ]
        for data in bad:
            with self.assertRaises(ValidationError, msg=data):
                ControlTotals.model_validate(data)
