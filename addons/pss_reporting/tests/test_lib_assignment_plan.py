"""assignment.updated's plan, without a database: one step per message."""

from datetime import date

from odoo.tests import BaseCase

from odoo.addons.pss_core.lib.plan import CONFLICT, CREATE, PARK, UPDATE

from ..lib.assignment_plan import (
    EMPLOYEE,
    ORDER,
    AssignmentFacts,
    best_versions,
    plan_assignments,
)
from ..schemas.assignment import AssignmentUpdated

FACTS = AssignmentFacts(
    system_id=7,
    employees={"R-1": 11},
    orders={"ENG-1": (21, 3)},
    known={"A-OLD": (31, 2)},
)


# A plan of two weeks of a bound resource on a bound engagement.
PLAN = {
    "external_id": "A-NEW",
    "version": 1,
    "resource_external_id": "R-1",
    "engagement_external_id": "ENG-1",
    "role": "CONS",
    "weeks": [
        {"week": "2026-W15", "hours": "20"},
        {"week": "2026-W16", "hours": "12.5"},
    ],
}


def assignment(**values):
    return AssignmentUpdated.model_validate({**PLAN, **values})


WEEKS = [
    {"week_start": date(2026, 4, 6), "hours": 20.0},
    {"week_start": date(2026, 4, 13), "hours": 12.5},
]


class TestAssignmentPlan(BaseCase):
    def test_the_first_rule_that_applies_decides(self):
        cases = [
            # (message, kind, reason, args)
            (
                assignment(resource_external_id="R-X", engagement_external_id="ENG-X"),
                PARK,
                "waiting",
                {"what": "resource", "ext": "R-X"},
            ),
            (
                assignment(engagement_external_id="ENG-X"),
                PARK,
                "waiting",
                {"what": "engagement", "ext": "ENG-X"},
            ),
            # an unbound resource parks even an old version
            (
                assignment(external_id="A-OLD", resource_external_id="R-X"),
                PARK,
                "waiting",
                {"what": "resource", "ext": "R-X"},
            ),
            (
                assignment(external_id="A-OLD", version=2),
                CONFLICT,
                "not_newer",
                {"got": 2, "ext": "A-OLD", "have": 2},
            ),
            (
                assignment(external_id="A-OLD", version=3),
                UPDATE,
                "",
                {"count": 2, "hours": 32.5, "id": 31},
            ),
            (assignment(), CREATE, "", {"count": 2, "hours": 32.5}),
            (assignment(weeks=[]), CREATE, "", {"count": 0, "hours": 0}),
        ]
        for data, kind, reason, args in cases:
            with self.subTest(kind=kind, args=args):
                [step] = plan_assignments([data], FACTS)
                self.assertEqual(
                    (step.kind, step.reason, step.args), (kind, reason, args)
                )

    def test_parks_on_a_binding_of_any_system(self):
        [resource, engagement] = plan_assignments(
            [
                assignment(external_id="A-1", resource_external_id="R-X"),
                assignment(external_id="A-2", engagement_external_id="ENG-X"),
            ],
            FACTS,
        )
        self.assertEqual(resource.waits_for, (EMPLOYEE, "R-X"))
        self.assertEqual(engagement.waits_for, (ORDER, "ENG-X"))
        self.assertTrue(resource.any_system and engagement.any_system)

    def test_values(self):
        [create, update] = plan_assignments(
            [assignment(), assignment(external_id="A-OLD", version=5, role=None)],
            FACTS,
        )
        self.assertEqual(create.note, "planned")
        self.assertEqual(
            create.values,
            {
                "assignment": {
                    "employee_id": 11,
                    "order_id": 21,
                    "company_id": 3,
                    "version": 1,
                    "role": "CONS",
                    "system_id": 7,
                    "external_id": "A-NEW",
                },
                "weeks": WEEKS,
            },
        )
        self.assertEqual(
            update.values,
            {
                "assignment": {
                    "employee_id": 11,
                    "order_id": 21,
                    "company_id": 3,
                    "version": 5,
                    "role": None,
                },
                "weeks": WEEKS,
            },
        )

    def test_the_highest_version_of_the_batch_applies(self):
        items = [
            assignment(version=2),
            assignment(external_id="A-OLD", version=4),
            assignment(version=3),
            assignment(version=3),  # equal: the first one applies
            assignment(version=1),
        ]
        self.assertEqual(best_versions(items), {"A-NEW": 2, "A-OLD": 1})
        steps = plan_assignments(items, FACTS)
        self.assertEqual(
            [(step.kind, step.reason) for step in steps],
            [
                (CONFLICT, "superseded"),
                (UPDATE, ""),
                (CREATE, ""),
                (CONFLICT, "superseded"),
                (CONFLICT, "superseded"),
            ],
        )
        # superseded before anything else, even an unbound resource
        steps = plan_assignments(
            [assignment(resource_external_id="R-X"), assignment(version=2)], FACTS
        )
        self.assertEqual([step.kind for step in steps], [CONFLICT, CREATE])
