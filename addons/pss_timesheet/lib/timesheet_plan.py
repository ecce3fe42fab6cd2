"""timesheet.approved: what becomes of each approved line (plain Python).

``plan_lines(lines, occurred_at, facts, best)`` decides per line, in this
order (the first that applies):

=========================================  ==================================
the line                                   line step
=========================================  ==================================
voided by the sender at or above its       ``voided``
version, or after the approval was sent
hours not in ]0, 24]                       ``rejected`` ``hours``
engagement not known, its won event        ``deferred`` on the engagement
still queued
engagement not known                       ``rejected`` ``engagement_unknown``
dated outside the engagement               ``rejected`` ``outside``
resource not known yet                     ``deferred`` on the resource
a lower version of a line sent twice in    ``unchanged``
the batch (see :func:`best_lines`)
its timesheet has this version or higher   ``unchanged``
its timesheet is invoiced                  ``exception`` (no reason)
its timesheet is in a locked period        per the company's behaviour:
                                           ``rejected`` ``old_locked``,
                                           ``exception`` ``locked`` (park),
                                           or reversed and recorded again
dated in a locked period of the project's  per the behaviour: ``rejected``
company                                    ``locked``, moved to the first
                                           open date, or ``deferred`` on
                                           :data:`LOCKED` (held for finance)
otherwise                                  ``reverse``, ``update`` (the
                                           changed keys) or ``create``
=========================================  ==================================

Then per message (:func:`verdict`): every line voided and none else: the
message is a conflict; nothing progressed and every line waits for one and
the same thing: the message itself waits (parks or is held); otherwise it
progresses, deferred lines going to child messages.

Time is no move and carries no tax: the lock per company is
``res.company._pss_locked_until()`` without the tax lock date.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

__all__ = [
    "LOCKED",
    "Employee",
    "LineState",
    "LineStep",
    "MessagePlan",
    "Project",
    "Timesheet",
    "TimesheetFacts",
    "best_lines",
    "plan_lines",
    "plan_message",
    "verdict",
]

EMPLOYEE = "hr.employee"
PROJECT = "project.project"
# What lines held for finance wait for (no record: a person decides).
LOCKED = ("locked", None)

# Line steps.
VOIDED = "voided"
REJECTED = "rejected"
DEFERRED = "deferred"
UNCHANGED = "unchanged"
EXCEPTION = "exception"
CREATE = "create"
UPDATE = "update"
REVERSE = "reverse"  # reversed on the first open date, recorded again
LINE_KINDS = (VOIDED, REJECTED, DEFERRED, UNCHANGED, EXCEPTION, CREATE, UPDATE)
LINE_KINDS += (REVERSE,)
# Message verdicts.
PROGRESS = "progress"
CONFLICT = "conflict"
WAIT = "wait"

# Keys an update leaves out when the timesheet already has them.
SAME_KEYS = ("project_id", "employee_id", "company_id")


@dataclass(frozen=True)
class Employee:
    id: int
    company_id: int


@dataclass(frozen=True)
class Project:
    id: int
    company_id: int
    date_start: date | None = None
    date_end: date | None = None


@dataclass(frozen=True)
class LineState:
    """The line's binding: its timesheet, applied version and last void."""

    res_id: int | None = None
    version: int = 0
    voided_version: int = 0
    voided_at: datetime | None = None


@dataclass(frozen=True)
class Timesheet:
    """An existing timesheet of a line (never a reversed one)."""

    id: int
    company_id: int
    project_id: int
    employee_id: int
    date: date
    invoiced: bool = False


@dataclass(frozen=True)
class TimesheetFacts:
    """What the lookups found for a batch, as plain values."""

    system_id: int
    employees: dict = field(default_factory=dict)  # resource ext -> Employee
    projects: dict = field(default_factory=dict)  # engagement ext -> Project
    queued_projects: frozenset = frozenset()  # engagement exts still queued
    states: dict = field(default_factory=dict)  # line ext -> LineState
    timesheets: dict = field(default_factory=dict)  # id -> Timesheet
    tasks: dict = field(default_factory=dict)  # (project id, name) -> task id
    locks: dict = field(default_factory=dict)  # company id -> last locked day
    behaviours: dict = field(default_factory=dict)  # company id -> behaviour
    costs: dict = field(default_factory=dict)  # (employee id, date) -> cost


@dataclass(frozen=True)
class LineStep:
    kind: str
    line: Any
    reason: str = ""  # REJECTED / EXCEPTION: a code of the handler's texts
    args: dict = field(default_factory=dict)
    values: dict | None = None  # CREATE / UPDATE / REVERSE (without amount)
    timesheet_id: int | None = None  # UPDATE / REVERSE / EXCEPTION
    waits_for: tuple | None = None  # DEFERRED: (model, ext) or LOCKED
    moved: bool = False  # booked on the first open date


@dataclass(frozen=True)
class MessagePlan:
    verdict: str
    steps: tuple = ()

    def of(self, *kinds):
        return [step for step in self.steps if step.kind in kinds]

    def count(self, *kinds):
        return len(self.of(*kinds))

    @property
    def deferred(self):
        """{waits for: [lines]} in the order of the lines."""
        groups = {}
        for step in self.of(DEFERRED):
            groups.setdefault(step.waits_for, []).append(step.line)
        return groups

    @property
    def no_task(self):
        """Task names of the recorded lines the project has no task for."""
        return [
            step.line.task
            for step in self.of(CREATE, UPDATE, REVERSE)
            if step.line.task and not step.values["task_id"]
        ]


def best_lines(lines):
    """ids (``id()``) of the lines that apply: of a line sent twice in one
    batch (resent under a new event id before the first was applied), only
    its highest version, the first one sent on a tie."""
    best = {}
    for line in lines:
        if (
            line.external_id not in best
            or line.version > best[line.external_id].version
        ):
            best[line.external_id] = line
    return {id(line) for line in best.values()}


def plan_message(lines, occurred_at, facts, best):
    """The :class:`MessagePlan` of one message's lines."""
    steps = tuple(plan_lines(lines, occurred_at, facts, best))
    return MessagePlan(verdict(steps), steps)


def verdict(steps):
    kinds = {step.kind for step in steps}
    deferred = {step.waits_for for step in steps if step.kind == DEFERRED}
    progressed = kinds - {VOIDED, DEFERRED}
    if VOIDED in kinds and not progressed and not deferred:
        return CONFLICT
    if not (progressed or VOIDED in kinds) and len(deferred) == 1:
        return WAIT
    return PROGRESS


def plan_lines(lines, occurred_at, facts, best):
    """One :class:`LineStep` per line."""
    for line in lines:
        yield _not_ready(line, occurred_at, facts) or _ready(line, facts, best)


def voided(line, state, occurred_at):
    """The sender voided this line after sending this approval (or at a
    version at least as high): it must never come back."""
    if not state or not state.voided_at:
        return False
    if line.version <= state.voided_version:
        return True
    return bool(occurred_at) and occurred_at < state.voided_at


def _not_ready(line, occurred_at, facts):
    """Voided, invalid or waiting for a record (None: none of it)."""
    if voided(line, facts.states.get(line.external_id), occurred_at):
        return LineStep(VOIDED, line)
    if line.hours <= 0 or line.hours > 24:
        return LineStep(REJECTED, line, "hours")
    step = _engagement_problem(line, facts)
    if step is None and line.resource_external_id not in facts.employees:
        return LineStep(DEFERRED, line, waits_for=(EMPLOYEE, line.resource_external_id))
    return step


def _engagement_problem(line, facts):
    """The engagement is on its way, unknown, or the line is outside it."""
    engagement = line.engagement_external_id
    project = facts.projects.get(engagement)
    if project is None:
        if engagement in facts.queued_projects:
            return LineStep(DEFERRED, line, waits_for=(PROJECT, engagement))
        return LineStep(REJECTED, line, "engagement_unknown", {"ext": engagement})
    if (project.date_start and line.date < project.date_start) or (
        project.date_end and line.date > project.date_end
    ):
        args = {
            "date": line.date,
            "start": project.date_start or "-",
            "end": project.date_end or "-",
        }
        return LineStep(REJECTED, line, "outside", args)
    return None


def _ready(line, facts, best):
    """Unchanged, for finance, or recorded (created, updated, reversed)."""
    if id(line) not in best:
        return LineStep(UNCHANGED, line)
    state = facts.states.get(line.external_id)
    timesheet = facts.timesheets.get(state.res_id) if state else None
    if timesheet is not None and line.version <= state.version:
        return LineStep(UNCHANGED, line)
    reverse = False
    if timesheet is not None:
        if timesheet.invoiced:
            return LineStep(EXCEPTION, line, timesheet_id=timesheet.id)
        # Time already recorded in a period locked since: a change (a new
        # date, hours...) follows the company's locked-period behaviour.
        old_lock = facts.locks.get(timesheet.company_id)
        if old_lock and timesheet.date <= old_lock:
            behaviour = facts.behaviours.get(timesheet.company_id)
            if behaviour == "reject":
                return LineStep(REJECTED, line, "old_locked", {"lock": old_lock})
            if behaviour != "next_open_date":
                args = {"lock": old_lock}
                return LineStep(EXCEPTION, line, "locked", args, None, timesheet.id)
            # Reversed on the first open date, the new version is new time.
            reverse = True
    return _recorded(line, facts, timesheet, reverse)


def _recorded(line, facts, timesheet, reverse):
    project = facts.projects[line.engagement_external_id]
    on_date, lock = line.date, facts.locks.get(project.company_id)
    if lock and on_date <= lock:
        behaviour = facts.behaviours.get(project.company_id)
        if behaviour == "reject":
            return LineStep(REJECTED, line, "locked_period", {"lock": lock})
        if behaviour != "next_open_date":
            return LineStep(DEFERRED, line, waits_for=LOCKED)
        on_date = lock + timedelta(days=1)
    moved = on_date != line.date
    values = line_values(line, on_date, project, facts)
    if reverse:
        return LineStep(
            REVERSE, line, values=values, timesheet_id=timesheet.id, moved=moved
        )
    if timesheet is None:
        return LineStep(CREATE, line, values=values, moved=moved)
    for key in SAME_KEYS:
        if getattr(timesheet, key) == values[key]:
            values.pop(key)
    return LineStep(UPDATE, line, values=values, timesheet_id=timesheet.id, moved=moved)


def line_values(line, on_date, project, facts):
    """account.analytic.line values of a line; ``amount`` (the cost) is
    added where it is written, in the project's currency, when the dated
    cost is known (else hr_timesheet computes it from the employee)."""
    employee = facts.employees[line.resource_external_id]
    cost = facts.costs.get((employee.id, line.date))
    task_id = facts.tasks.get((project.id, line.task)) if line.task else False
    values = {
        "name": line.description or "/",
        "date": on_date,
        "unit_amount": float(line.hours),
        "project_id": project.id,
        "task_id": task_id or False,
        "employee_id": employee.id,
        "company_id": project.company_id,
        "pss_system_id": facts.system_id,
        "pss_external_id": line.external_id,
        "pss_version": line.version,
        "pss_approved_by": line.approved_by or False,
        "pss_approved_at": line.approved_at if line.approved_at else False,
        "pss_hourly_cost": cost or 0.0,
        "pss_intercompany": employee.company_id != project.company_id,
        "pss_resource_company_id": employee.company_id,
    }
    if not line.billable:
        values.update(so_line=False, is_so_line_edited=True)
    return values
