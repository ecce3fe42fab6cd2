"""Schemas of pss_timesheet, plain pydantic (no database needed)."""

from datetime import datetime

from pydantic import ValidationError

from odoo.tests import BaseCase

from odoo.addons.pss_timesheet.schemas import (
    ExpenseApproved,
    ResourceUpserted,
    TimesheetApproved,
    TimesheetRejected,
    TimesheetVoided,
)


def line(ext, **values):
    data = {
        "external_id": ext,
        "resource_external_id": "R1",
        "engagement_external_id": "E1",
        "date": "2026-04-01",
        "hours": "7.5",
    }
    data.update(values)
    return data


class TestSchemas(BaseCase):
    def test_resource(self):
        data = ResourceUpserted.model_validate(
            {
                "external_id": "R1",
                "name": "Ada",
                "kind": "contractor",
                "hourly_cost": {
                    "amount": "55.1234",
                    "currency": "EUR",
                    "effective_from": "2026-01-01",
                },
            }
        )
        self.assertEqual(str(data.hourly_cost.amount), "55.1234")
        self.assertTrue(data.active)
        for bad in (
            {"external_id": "R1", "name": "Ada", "kind": "intern"},
            {"external_id": "R1", "name": "Ada", "salary": 1},
            {"external_id": "R1", "name": "Ada", "work_email": "not-an-email"},
            {
                "external_id": "R1",
                "name": "Ada",
                "hourly_cost": {
                    "amount": "1.12345",
                    "currency": "EUR",
                    "effective_from": "2026-01-01",
                },
            },
        ):
            with self.assertRaises(ValidationError):
                ResourceUpserted.model_validate(bad)

    def test_timesheet_lines_are_checked_per_line_by_the_handler(self):
        # Out-of-range hours are a per-line rejection, not a refused event.
        data = TimesheetApproved.model_validate(
            {"lines": [line("L1", hours="0"), line("L2", hours="30")]}
        )
        self.assertEqual(len(data.lines), 2)

    def test_timesheet_structure(self):
        with self.assertRaises(ValidationError):
            TimesheetApproved.model_validate({"lines": []})
        with self.assertRaises(ValidationError):
            TimesheetApproved.model_validate({"lines": [line("L1"), line("L1")]})
        with self.assertRaises(ValidationError):
            TimesheetApproved.model_validate({"lines": [line("L1", extra=1)]})
        with self.assertRaises(ValidationError):
            TimesheetApproved.model_validate(
                {"lines": [line(f"L{i}") for i in range(1001)]}
            )
        with self.assertRaises(ValidationError):
            TimesheetApproved.model_validate({"lines": [line("L1", hours="1.234")]})
        self.assertEqual(
            len(
                TimesheetApproved.model_validate(
                    {"lines": [line(f"L{i}") for i in range(1000)]}
                ).lines
            ),
            1000,
        )

    def test_void_expense_rejected(self):
        self.assertEqual(
            TimesheetVoided.model_validate({"lines": ["L1"], "reason": "dup"}).lines,
            ["L1"],
        )
        with self.assertRaises(ValidationError):
            TimesheetVoided.model_validate({"lines": []})
        expense = {
            "external_id": "X1",
            "resource_external_id": "R1",
            "date": "2026-04-01",
            "amount": "12.50",
            "currency": "USD",
            "category": "travel",
        }
        self.assertFalse(ExpenseApproved.model_validate(expense).billable)
        with self.assertRaises(ValidationError):
            ExpenseApproved.model_validate(dict(expense, amount="-1"))
        with self.assertRaises(ValidationError):
            ExpenseApproved.model_validate(dict(expense, currency="usd"))
        with self.assertRaises(ValidationError):
            TimesheetRejected.model_validate({"lines": []})

    def test_approved_at_with_an_offset_is_utc(self):
        data = TimesheetApproved.model_validate(
            {"lines": [line("L1", approved_at="2026-04-20T09:00:00+05:30")]}
        )
        self.assertEqual(data.lines[0].approved_at, datetime(2026, 4, 20, 3, 30))
        self.assertIsNone(data.lines[0].approved_at.tzinfo)
        # Without an offset the time is taken as UTC.
        naive = TimesheetApproved.model_validate(
            {"lines": [line("L1", approved_at="2026-04-20T09:00:00")]}
        )
        self.assertEqual(naive.lines[0].approved_at, datetime(2026, 4, 20, 9, 0))
        expense = ExpenseApproved.model_validate(
            {
                "external_id": "X1",
                "resource_external_id": "R1",
                "date": "2026-04-01",
                "amount": "12.50",
                "currency": "USD",
                "category": "travel",
                "approved_at": "2026-04-01T23:30:00-02:00",
            }
        )
        self.assertEqual(expense.approved_at, datetime(2026, 4, 2, 1, 30))
