"""resource.upserted's plan, without a database: one step per resource."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from odoo.tests import BaseCase

from ..lib import resource_plan as rp
from ..schemas.resource import ResourceUpserted

HRIS, PSA = 7, 8
FACTS = rp.ResourceFacts(
    company_id=1,
    system_id=HRIS,
    bound={"R-MINE": 11, "R-THEIRS": 12},
    by_email={"ann@example.com": 13, "bob@example.com": 12},
    owners={11: HRIS, 12: PSA, 13: HRIS},
    currencies={"EUR": 61},
    jobs={"CONS": 21},
    departments={"Delivery": 31},
)


def resource(**values):
    data = {"external_id": "R-1", "name": "Ann"}
    data.update(values)
    return ResourceUpserted.model_validate(data)


COST = {"amount": "80", "currency": "EUR", "effective_from": "2026-01-01"}


class TestResourcePlan(BaseCase):
    def test_the_first_rule_that_applies_decides(self):
        cases = [
            # (resource, kind, employee id)
            (resource(hourly_cost=dict(COST, currency="JPY")), rp.REJECT, None),
            # unknown currency first, even for another system's employee
            (
                resource(
                    external_id="R-THEIRS", hourly_cost=dict(COST, currency="XXX")
                ),
                rp.REJECT,
                None,
            ),
            (resource(external_id="R-THEIRS"), rp.LINK, 12),
            (resource(work_email=" BOB@example.com"), rp.LINK, 12),
            (resource(external_id="R-MINE"), rp.UPDATE, 11),
            (resource(work_email="ann@example.com"), rp.UPDATE, 13),
            # the binding wins over the e-mail
            (
                resource(external_id="R-MINE", work_email="bob@example.com"),
                rp.UPDATE,
                11,
            ),
            (resource(work_email="new@example.com"), rp.CREATE, None),
            (resource(), rp.CREATE, None),
        ]
        for data, kind, employee_id in cases:
            with self.subTest(data=data.model_dump(), kind=kind):
                (step,) = rp.plan_resources([data], FACTS)
                self.assertEqual((step.kind, step.employee_id), (kind, employee_id))

    def test_values_and_cost(self):
        (step,) = rp.plan_resources(
            [
                resource(
                    role="CONS",
                    department="Delivery",
                    kind="contractor",
                    hourly_cost=COST,
                )
            ],
            FACTS,
        )
        self.assertEqual(step.kind, rp.CREATE)
        self.assertEqual(
            (step.values["job_id"], step.values["job_title"]), (21, "CONS")
        )
        self.assertEqual(step.values["department_id"], 31)
        self.assertEqual(step.values["company_id"], 1)
        self.assertEqual(step.values["pss_resource_kind"], "contractor")
        self.assertEqual(step.cost, (80.0, 61, date(2026, 1, 1)))
        (step,) = rp.plan_resources([resource(external_id="R-MINE")], FACTS)
        self.assertNotIn("company_id", step.values)
        self.assertIsNone(step.cost)

    def test_the_same_new_person_twice_is_one_employee(self):
        steps = rp.plan_resources(
            [
                resource(external_id="A", work_email="x@example.com"),
                resource(external_id="B", work_email="y@example.com"),
                resource(external_id="C", work_email="X@example.com "),
            ],
            FACTS,
        )
        self.assertEqual([s.kind for s in steps], [rp.CREATE, rp.CREATE, rp.LINK])
        self.assertEqual(steps[2].same_as, 0)

    @given(
        st.lists(
            st.tuples(
                st.sampled_from(["R-MINE", "R-THEIRS", "R-1", "R-2", "R-3"]),
                st.sampled_from(
                    [None, "ann@example.com", "z@example.com", "Z@example.com"]
                ),
            ),
            min_size=1,
            max_size=8,
        )
    )
    def test_a_link_to_a_new_employee_points_at_an_earlier_create(self, sent):
        data = [resource(external_id=e, work_email=m) for e, m in sent]
        steps = rp.plan_resources(data, FACTS)
        creates = [i for i, s in enumerate(steps) if s.kind == rp.CREATE]
        for i, step in enumerate(steps):
            if step.same_as is not None:
                self.assertEqual(step.kind, rp.LINK)
                self.assertLess(creates[step.same_as], i)
                created = data[creates[step.same_as]]
                self.assertEqual(
                    rp.email_key(created.work_email), rp.email_key(data[i].work_email)
                )
        # at most one new employee per work e-mail
        keys = [rp.email_key(data[i].work_email) for i in creates]
        keys = [k for k in keys if k]
        self.assertEqual(len(keys), len(set(keys)))
