"""Plan steps, without a database."""

from odoo.tests import BaseCase

from odoo.addons.pss_core.lib.plan import CREATE, KINDS, PARK, REJECT, Step


class TestLibPlan(BaseCase):
    def test_a_step_is_one_of_the_known_kinds(self):
        self.assertEqual(
            KINDS, {"create", "update", "park", "hold", "reject", "conflict"}
        )
        with self.assertRaisesRegex(ValueError, "unknown plan step kind"):
            Step("maybe")

    def test_a_park_step_says_what_it_waits_for(self):
        with self.assertRaisesRegex(ValueError, "waits for"):
            Step(PARK, "resource_unknown")
        step = Step(PARK, "resource_unknown", waits_for=("hr.employee", "R-1"))
        self.assertTrue(step.any_system)

    def test_steps_are_values(self):
        a = Step(REJECT, "invalid", details=(("data.x", "missing"),))
        self.assertEqual(a, Step(REJECT, "invalid", details=(("data.x", "missing"),)))
        with self.assertRaises(AttributeError):
            a.kind = CREATE
