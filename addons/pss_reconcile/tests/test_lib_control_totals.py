"""control.totals' plan, without a database: one step per message."""

from datetime import date

from odoo.tests import BaseCase

from odoo.addons.pss_core.lib.plan import CONFLICT, CREATE, REJECT, UPDATE

from ..lib.control_totals_plan import (
    StatementFacts,
    plan_control_totals,
    statement_lines,
)
from ..schemas.control_totals import ControlTotals

APRIL = (date(2026, 4, 1), date(2026, 4, 30))
MAY = (date(2026, 5, 1), date(2026, 5, 31))
FACTS = StatementFacts(currencies={"EUR": 1, "USD": 2}, statements={APRIL: (41, 3)})


def totals(period=APRIL, version=1, currencies=()):
    lines = [{"resource_external_id": "R1", "hours": "7.5"}]
    lines += [
        {
            "engagement_external_id": f"E-{code}",
            "hours": "1",
            "invoiced_amount": "150.00",
            "currency": code,
        }
        for code in currencies
    ]
    return ControlTotals.model_validate(
        {
            "date_from": period[0].isoformat(),
            "date_to": period[1].isoformat(),
            "version": version,
            "lines": lines,
        }
    )


class TestControlTotalsPlan(BaseCase):
    def test_the_first_rule_that_applies_decides(self):
        cases = [
            # (message, kind, reason, args)
            (
                totals(version=9, currencies=("XXX", "EUR", "JPY")),
                REJECT,
                "currency_unknown",
                {"codes": "JPY, XXX"},
            ),
            # an unknown currency first, even for an older version
            (
                totals(version=1, currencies=("JPY",)),
                REJECT,
                "currency_unknown",
                {"codes": "JPY"},
            ),
            (totals(version=3), CONFLICT, "not_newer", {"new": 3, "old": 3}),
            (totals(version=2), CONFLICT, "not_newer", {"new": 2, "old": 3}),
            (
                totals(version=4, currencies=("USD",)),
                UPDATE,
                "",
                {"count": 2, "version": 4, "id": 41},
            ),
            (totals(MAY, version=1), CREATE, "", {"count": 1, "version": 1}),
        ]
        for data, kind, reason, args in cases:
            with self.subTest(kind=kind, args=args):
                [step] = plan_control_totals([data], FACTS)
                self.assertEqual(
                    (step.kind, step.reason, step.args), (kind, reason, args)
                )
                if kind in (CREATE, UPDATE):
                    self.assertEqual(step.note, "totals")
                    self.assertEqual(step.values["version"], data.version)

    def test_an_earlier_message_of_the_batch_is_the_statement_of_its_period(self):
        steps = plan_control_totals(
            [
                totals(MAY, version=2),
                totals(MAY, version=2),  # not newer than the one just made
                totals(MAY, version=5),
                totals(MAY, version=4),
                totals(version=1, currencies=("JPY",)),  # rejected: no statement
                totals(version=4),
                totals(version=4),
            ],
            FACTS,
        )
        self.assertEqual(
            [(step.kind, step.args.get("id"), step.args.get("old")) for step in steps],
            [
                (CREATE, None, None),
                (CONFLICT, None, 2),
                (UPDATE, None, None),  # the statement created by the first
                (CONFLICT, None, 5),
                (REJECT, None, None),
                (UPDATE, 41, None),
                (CONFLICT, None, 4),
            ],
        )

    def test_no_statement_known(self):
        steps = plan_control_totals(
            [totals(version=1), totals(MAY, version=1)], StatementFacts()
        )
        self.assertEqual([step.kind for step in steps], [CREATE, CREATE])

    def test_lines(self):
        data = totals(version=4, currencies=("USD",))
        self.assertEqual(
            statement_lines(data, FACTS.currencies),
            [
                {
                    "kind": "resource",
                    "external_id": "R1",
                    "hours": 7.5,
                    "has_invoiced": False,
                    "invoiced_amount": 0.0,
                    "currency_id": False,
                },
                {
                    "kind": "engagement",
                    "external_id": "E-USD",
                    "hours": 1.0,
                    "has_invoiced": True,
                    "invoiced_amount": 150.0,
                    "currency_id": 2,
                },
            ],
        )
        [step] = plan_control_totals([data], FACTS)
        self.assertEqual(step.values["lines"], statement_lines(data, FACTS.currencies))
