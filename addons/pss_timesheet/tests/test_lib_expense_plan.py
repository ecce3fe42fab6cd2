"""expense.approved's plan, without a database: one step per expense."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from odoo.tests import BaseCase

from odoo.addons.pss_core.lib.plan import CONFLICT, CREATE, HOLD, PARK, REJECT

from ..lib.expense_plan import ExpenseFacts, booking_date, plan_expense
from ..schemas.expense import ExpenseApproved

DE, US = 1, 2
FACTS = ExpenseFacts(
    company_id=DE,
    system_id=7,
    lock_behaviour="park",
    applied=frozenset({"X-DONE"}),
    employees={"R-1": (11, DE, "DE"), "R-US": (12, US, "US Inc.")},
    projects={"ENG-1": (21, 31, 41), "ENG-NOORDER": (22, 32, False)},
    products={"travel": 51, "meal": 52},
    currencies={"EUR": 61, "USD": 62},
    locks={"travel": date(2026, 4, 30), "meal": None},
)


def expense(**values):
    data = {
        "external_id": "X-1",
        "resource_external_id": "R-1",
        "engagement_external_id": "ENG-1",
        "date": "2026-05-04",
        "amount": "120.00",
        "currency": "EUR",
        "category": "travel",
        "billable": True,
    }
    data.update(values)
    return ExpenseApproved.model_validate(data)


def facts(**values):
    return ExpenseFacts(**{**FACTS.__dict__, **values})


class TestExpensePlan(BaseCase):
    def test_the_first_rule_that_applies_decides(self):
        cases = [
            # (expense, facts, kind, reason)
            (expense(external_id="X-DONE"), FACTS, CONFLICT, "applied"),
            (
                expense(engagement_external_id="ENG-9"),
                FACTS,
                PARK,
                "engagement_unknown",
            ),
            # waiting for the engagement comes before the data errors
            (
                expense(engagement_external_id="ENG-9", category="yacht"),
                FACTS,
                PARK,
                "engagement_unknown",
            ),
            (expense(category="yacht"), FACTS, REJECT, "invalid"),
            (expense(currency="JPY"), FACTS, REJECT, "invalid"),
            (expense(engagement_external_id=None), FACTS, REJECT, "invalid"),
            (expense(resource_external_id="R-9"), FACTS, PARK, "resource_unknown"),
            (expense(date="2026-04-10"), FACTS, HOLD, "locked_hold"),
            (
                expense(date="2026-04-10"),
                facts(lock_behaviour="reject"),
                REJECT,
                "locked",
            ),
            # the meal category is not locked (no purchase taxes, no lock)
            (expense(date="2026-04-10", category="meal"), FACTS, CREATE, ""),
            (expense(resource_external_id="R-US"), FACTS, REJECT, "other_entity"),
            (expense(), FACTS, CREATE, ""),
        ]
        for data, known, kind, reason in cases:
            with self.subTest(data=data.model_dump(), kind=kind):
                step = plan_expense(data, known)
                self.assertEqual((step.kind, step.reason), (kind, reason))

    def test_details_name_every_field_at_fault(self):
        step = plan_expense(
            expense(category="yacht", currency="JPY", engagement_external_id=None),
            FACTS,
        )
        self.assertEqual(
            step.details,
            (
                ("data.category", "category_unmapped"),
                ("data.currency", "currency_unknown"),
                ("data.engagement_external_id", "billable_without_engagement"),
            ),
        )
        self.assertEqual(step.args["category"], "yacht")

    def test_values_of_a_billable_and_a_moved_expense(self):
        step = plan_expense(
            expense(date="2026-04-10"), facts(lock_behaviour="next_open_date")
        )
        self.assertEqual(step.kind, CREATE)
        self.assertEqual(step.note, "moved")
        values = step.values
        self.assertEqual(values["date"], date(2026, 5, 1))
        self.assertEqual(
            (values["employee_id"], values["company_id"], values["product_id"]),
            (11, DE, 51),
        )
        self.assertEqual(values["currency_id"], 61)
        self.assertEqual(values["total_amount_currency"], 120.0)
        self.assertEqual(values["analytic_distribution"], {"31": 100})
        self.assertEqual(values["sale_order_id"], 41)
        # not billable: analytic, never re-invoiced; on its own date, no note
        step = plan_expense(expense(billable=False), FACTS)
        self.assertNotIn("sale_order_id", step.values)
        self.assertEqual(step.values["analytic_distribution"], {"31": 100})
        self.assertEqual(step.note, "")
        # an engagement without an order: nothing to re-invoice on
        step = plan_expense(expense(engagement_external_id="ENG-NOORDER"), FACTS)
        self.assertNotIn("sale_order_id", step.values)

    @given(
        day=st.dates(date(2025, 1, 1), date(2027, 12, 31)),
        lock=st.none() | st.dates(date(2025, 1, 1), date(2027, 12, 31)),
        behaviour=st.sampled_from(["park", "next_open_date", "reject"]),
    )
    def test_a_booking_date_is_never_locked(self, day, lock, behaviour):
        on_date, refused = booking_date(day, lock, behaviour)
        if on_date is None:
            self.assertIn(refused, (HOLD, REJECT))
            self.assertLessEqual(day, lock)
            return
        self.assertIsNone(refused)
        self.assertTrue(lock is None or on_date > lock)
        self.assertIn(on_date, (day, lock and lock + timedelta(days=1)))
