"""timesheet.approved's and timesheet.voided's plans, without a database."""

from collections import namedtuple
from datetime import date, datetime

from hypothesis import given
from hypothesis import strategies as st

from odoo.tests import BaseCase

from ..lib import timesheet_plan as tp
from ..lib import void_plan as vp
from ..schemas.timesheet import TimesheetLine

DE, US = 1, 2
LOCK = date(2026, 4, 30)
SENT = datetime(2026, 5, 10, 12, 0)
FACTS = tp.TimesheetFacts(
    system_id=7,
    employees={"R-1": tp.Employee(11, DE), "R-US": tp.Employee(12, US)},
    projects={
        "ENG-1": tp.Project(21, DE, date(2026, 1, 1), date(2026, 12, 31)),
        "ENG-US": tp.Project(22, US),
    },
    queued_projects=frozenset({"ENG-Q"}),
    states={
        "L-OLD": tp.LineState(res_id=31, version=2),
        "L-INV": tp.LineState(res_id=32, version=1),
        "L-LOCKED": tp.LineState(res_id=33, version=1),
        "L-VOID": tp.LineState(voided_version=3, voided_at=SENT),
        "L-GONE": tp.LineState(res_id=99, version=1),
    },
    timesheets={
        31: tp.Timesheet(31, DE, 21, 11, date(2026, 5, 4)),
        32: tp.Timesheet(32, DE, 21, 11, date(2026, 5, 4), invoiced=True),
        33: tp.Timesheet(33, DE, 21, 11, date(2026, 4, 10)),
    },
    tasks={(21, "Design"): 41},
    locks={DE: LOCK, US: None},
    behaviours={DE: "park", US: "park"},
    costs={(11, date(2026, 5, 4)): 80.0},
)


def line(**values):
    data = {
        "external_id": "L-1",
        "resource_external_id": "R-1",
        "engagement_external_id": "ENG-1",
        "date": "2026-05-04",
        "hours": "8",
    }
    data.update(values)
    return TimesheetLine.model_validate(data)


def facts(**values):
    return tp.TimesheetFacts(**{**FACTS.__dict__, **values})


def plan_one(data, known=FACTS, occurred_at=SENT):
    ((step,),) = [tuple(tp.plan_lines([data], occurred_at, known, {id(data)}))]
    return step


class TestTimesheetPlan(BaseCase):
    def test_the_first_rule_that_applies_decides(self):
        reject = facts(behaviours={DE: "reject"})
        move = facts(behaviours={DE: "next_open_date"})
        cases = [
            # (line, facts, kind, reason or what it waits for)
            (line(external_id="L-VOID", version=3), FACTS, tp.VOIDED, ""),
            (line(external_id="L-VOID", version=2), FACTS, tp.VOIDED, ""),
            # a higher version sent when (or after) it was voided: applies
            (line(external_id="L-VOID", version=4), FACTS, tp.CREATE, ""),
            (line(hours="0"), FACTS, tp.REJECTED, "hours"),
            (line(hours="24.5"), FACTS, tp.REJECTED, "hours"),
            (line(engagement_external_id="ENG-Q"), FACTS, tp.DEFERRED, "project"),
            (
                line(engagement_external_id="ENG-9"),
                FACTS,
                tp.REJECTED,
                "engagement_unknown",
            ),
            (line(date="2027-01-04"), FACTS, tp.REJECTED, "outside"),
            # the engagement's problems come before the missing resource
            (
                line(engagement_external_id="ENG-9", resource_external_id="R-9"),
                FACTS,
                tp.REJECTED,
                "engagement_unknown",
            ),
            (line(resource_external_id="R-9"), FACTS, tp.DEFERRED, "employee"),
            (line(external_id="L-OLD", version=2), FACTS, tp.UNCHANGED, ""),
            (line(external_id="L-OLD", version=3), FACTS, tp.UPDATE, ""),
            (line(external_id="L-INV", version=2), FACTS, tp.EXCEPTION, ""),
            (line(external_id="L-LOCKED", version=2), FACTS, tp.EXCEPTION, "locked"),
            (
                line(external_id="L-LOCKED", version=2),
                reject,
                tp.REJECTED,
                "old_locked",
            ),
            (line(external_id="L-LOCKED", version=2), move, tp.REVERSE, ""),
            (line(date="2026-04-10"), FACTS, tp.DEFERRED, "locked"),
            (line(date="2026-04-10"), reject, tp.REJECTED, "locked_period"),
            (line(date="2026-04-10"), move, tp.CREATE, ""),
            # a reversed timesheet (not in the facts) is gone: new time
            (line(external_id="L-GONE", version=2), FACTS, tp.CREATE, ""),
            (line(), FACTS, tp.CREATE, ""),
        ]
        waits = {
            (tp.PROJECT, "ENG-Q"): "project",
            (tp.EMPLOYEE, "R-9"): "employee",
            tp.LOCKED: "locked",
        }
        for data, known, kind, why in cases:
            with self.subTest(line=data.model_dump(), kind=kind):
                step = plan_one(data, known)
                got = waits[step.waits_for] if step.kind == tp.DEFERRED else step.reason
                self.assertEqual((step.kind, got), (kind, why))

    def test_a_void_sent_after_the_approval_wins(self):
        data = line(external_id="L-VOID", version=4)
        self.assertEqual(
            plan_one(data, occurred_at=datetime(2026, 5, 9)).kind, tp.VOIDED
        )
        self.assertNotEqual(
            plan_one(data, occurred_at=datetime(2026, 5, 11)).kind, tp.VOIDED
        )

    def test_values_moved_costed_and_without_task(self):
        step = plan_one(
            line(date="2026-04-10", task="Build", billable=False),
            facts(behaviours={DE: "next_open_date"}),
        )
        self.assertTrue(step.moved)
        values = step.values
        self.assertEqual(values["date"], date(2026, 5, 1))
        self.assertEqual((values["project_id"], values["employee_id"]), (21, 11))
        self.assertEqual(
            (values["so_line"], values["is_so_line_edited"]), (False, True)
        )
        self.assertEqual(values["pss_hourly_cost"], 0.0)  # no cost on 10 April
        self.assertEqual(tp.MessagePlan(tp.PROGRESS, (step,)).no_task, ["Build"])
        step = plan_one(line(task="Design"))
        self.assertFalse(step.moved)
        self.assertEqual(step.values["task_id"], 41)
        self.assertEqual(step.values["pss_hourly_cost"], 80.0)
        self.assertNotIn("so_line", step.values)
        self.assertFalse(step.values["pss_intercompany"])
        # employed by another company than the engagement's: intercompany
        step = plan_one(line(resource_external_id="R-US"))
        self.assertTrue(step.values["pss_intercompany"])
        self.assertEqual(step.values["pss_resource_company_id"], US)

    def test_an_update_writes_only_what_changes(self):
        step = plan_one(line(external_id="L-OLD", version=3, hours="6"))
        self.assertEqual(step.timesheet_id, 31)
        for key in tp.SAME_KEYS:
            self.assertNotIn(key, step.values)
        self.assertEqual(step.values["unit_amount"], 6.0)

    def test_the_message_verdict(self):
        def plan(*lines):
            return tp.plan_message(lines, SENT, FACTS, {id(x) for x in lines})

        cases = [
            ((line(external_id="L-VOID", version=3),), tp.CONFLICT),
            ((line(resource_external_id="R-9"),), tp.WAIT),
            (
                (
                    line(external_id="A", resource_external_id="R-9"),
                    line(external_id="B", resource_external_id="R-9"),
                ),
                tp.WAIT,
            ),
            ((line(date="2026-04-10"),), tp.WAIT),
            # waiting for two things: children, the message progresses
            (
                (
                    line(external_id="A", resource_external_id="R-9"),
                    line(external_id="B", date="2026-04-10"),
                ),
                tp.PROGRESS,
            ),
            # a voided line and a waiting one: the waiting one is a child
            (
                (
                    line(external_id="L-VOID", version=3),
                    line(external_id="B", resource_external_id="R-9"),
                ),
                tp.PROGRESS,
            ),
            ((line(hours="0"),), tp.PROGRESS),
            ((line(),), tp.PROGRESS),
        ]
        for lines, expected in cases:
            with self.subTest(lines=[x.external_id for x in lines]):
                self.assertEqual(plan(*lines).verdict, expected)

    @given(
        st.lists(
            st.tuples(st.sampled_from(["A", "B", "C"]), st.integers(1, 4)),
            min_size=1,
            max_size=12,
        )
    )
    def test_only_the_highest_version_of_a_line_applies(self, sent):
        lines = [line(external_id=ext, version=v) for ext, v in sent]
        best = tp.best_lines(lines)
        applied = [x for x in lines if id(x) in best]
        # one per external id, its highest version, the first sent on a tie
        self.assertEqual(
            sorted(x.external_id for x in applied), sorted({e for e, _v in sent})
        )
        for x in applied:
            versions = [v for e, v in sent if e == x.external_id]
            self.assertEqual(x.version, max(versions))
            first = next(
                y
                for y in lines
                if y.external_id == x.external_id and y.version == x.version
            )
            self.assertIs(x, first)
        steps = list(tp.plan_lines(lines, SENT, FACTS, best))
        self.assertEqual(
            sum(s.kind == tp.CREATE for s in steps), len({e for e, _v in sent})
        )

    @given(
        ext=st.sampled_from(["L-1", "L-OLD", "L-INV", "L-LOCKED", "L-VOID", "L-GONE"]),
        version=st.integers(1, 5),
        engagement=st.sampled_from(["ENG-1", "ENG-US", "ENG-Q", "ENG-9"]),
        resource=st.sampled_from(["R-1", "R-US", "R-9"]),
        day=st.dates(date(2025, 12, 1), date(2027, 1, 31)),
        hours=st.sampled_from(["0", "0.25", "8", "24", "25"]),
        behaviour=st.sampled_from(["park", "next_open_date", "reject"]),
    )
    def test_a_line_gets_one_step_and_is_never_booked_locked(self, **kw):
        data = line(
            external_id=kw["ext"],
            version=kw["version"],
            engagement_external_id=kw["engagement"],
            resource_external_id=kw["resource"],
            date=kw["day"].isoformat(),
            hours=kw["hours"],
        )
        step = plan_one(data, facts(behaviours={DE: kw["behaviour"], US: "park"}))
        self.assertIn(step.kind, tp.LINE_KINDS)
        self.assertIs(step.line, data)
        if step.values is not None:
            self.assertIn(step.kind, (tp.CREATE, tp.UPDATE, tp.REVERSE))
            self.assertTrue(0 < step.values["unit_amount"] <= 24)
            self.assertFalse(
                step.values["date"] <= (FACTS.locks.get(DE) or date.min)
                and step.values.get("company_id", DE) == DE
            )
        self.assertEqual(step.kind == tp.DEFERRED, step.waits_for is not None)


# pss.binding's BoundState: the void plan reads when the line was applied.
State = namedtuple("State", "res_id version voided_version voided_at applied_at")
BEFORE, VOID_AT, AFTER = (datetime(2026, 5, d, 12) for d in (9, 10, 11))
VOID_FACTS = vp.VoidFacts(
    states={
        "L-1": State(31, 2, 0, None, BEFORE),
        "L-NEW": State(31, 3, 0, None, AFTER),
        "L-INV": State(32, 1, 0, None, BEFORE),
        "L-LOCKED": State(33, 1, 0, None, BEFORE),
        "L-INVLOCKED": State(34, 1, 0, None, BEFORE),
    },
    timesheets={
        31: tp.Timesheet(31, DE, 21, 11, date(2026, 5, 4)),
        32: tp.Timesheet(32, DE, 21, 11, date(2026, 5, 4), invoiced=True),
        33: tp.Timesheet(33, DE, 21, 11, date(2026, 4, 10)),
        34: tp.Timesheet(34, DE, 21, 11, date(2026, 4, 10), invoiced=True),
    },
    locks={DE: LOCK},
    behaviours={DE: "park"},
    queued={"L-1": [(BEFORE, 4), (AFTER, 6)], "L-EARLY": [(BEFORE, 2)]},
)


def void(lines, known=VOID_FACTS, at=VOID_AT, company=DE):
    (steps,), voids = vp.plan_voids([(at, company, lines)], known)
    return steps, {v["external_id"]: v for v in voids}


class TestVoidPlan(BaseCase):
    def test_the_first_rule_that_applies_decides(self):
        def with_behaviour(behaviour):
            return vp.VoidFacts(
                **{**VOID_FACTS.__dict__, "behaviours": {DE: behaviour}}
            )

        cases = [
            # (line, facts, kind, locked-period behaviour, void recorded)
            ("L-1", VOID_FACTS, vp.REMOVE, None, True),
            ("L-NEW", VOID_FACTS, vp.STALE, None, False),
            ("L-EARLY", VOID_FACTS, vp.EARLY, None, True),
            ("L-INV", VOID_FACTS, vp.EXCEPTION, None, True),
            ("L-LOCKED", VOID_FACTS, vp.EXCEPTION, "park", True),
            (
                "L-LOCKED",
                with_behaviour("next_open_date"),
                vp.REVERSE,
                "next_open_date",
                True,
            ),
            ("L-LOCKED", with_behaviour("reject"), vp.REJECTED, "reject", False),
            # invoiced: an exception whatever the lock says
            ("L-INVLOCKED", with_behaviour("reject"), vp.EXCEPTION, None, True),
        ]
        for ext, known, kind, locked, recorded in cases:
            with self.subTest(ext=ext, kind=kind):
                (step,), voids = void([ext], known)
                self.assertEqual((step.kind, step.locked), (kind, locked))
                self.assertEqual(ext in voids, recorded)

    def test_the_void_covers_the_approvals_sent_before_it(self):
        _steps, voids = void(["L-1", "L-EARLY"], company=US)
        # applied 2, queued 4 before the void (6 was sent after it)
        self.assertEqual(voids["L-1"]["version"], 4)
        self.assertEqual(voids["L-1"]["company_id"], DE)  # the timesheet's
        self.assertEqual(voids["L-EARLY"]["version"], 2)
        self.assertEqual(voids["L-EARLY"]["company_id"], US)  # the message's
        self.assertEqual(voids["L-1"]["voided_at"], VOID_AT)

    def test_two_voids_of_a_line_in_a_batch_merge(self):
        plans, voids = vp.plan_voids(
            [(AFTER, DE, ["L-EARLY"]), (BEFORE, DE, ["L-EARLY"])], VOID_FACTS
        )
        self.assertEqual(len(plans), 2)
        self.assertEqual(
            voids,
            [
                {
                    "external_id": "L-EARLY",
                    "version": 2,
                    "voided_at": AFTER,
                    "company_id": DE,
                }
            ],
        )

    @given(
        st.lists(
            st.sampled_from(["L-1", "L-NEW", "L-INV", "L-LOCKED", "L-EARLY", "L-X"]),
            min_size=1,
            max_size=8,
            unique=True,
        ),
        st.sampled_from(["park", "next_open_date", "reject"]),
    )
    def test_a_void_is_recorded_unless_stale_or_refused(self, lines, behaviour):
        known = vp.VoidFacts(**{**VOID_FACTS.__dict__, "behaviours": {DE: behaviour}})
        steps, voids = void(lines, known)
        self.assertEqual([s.external_id for s in steps], lines)
        for step in steps:
            self.assertEqual(
                step.external_id in voids, step.kind not in (vp.STALE, vp.REJECTED)
            )
            self.assertEqual(step.kind == vp.EARLY, step.timesheet_id is None)
