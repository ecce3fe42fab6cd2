"""timesheet.voided: what becomes of each withdrawn line (plain Python).

``plan_voids(messages, facts)`` decides per line, in this order (the first
that applies):

=========================================  ==================================
the line                                   void step
=========================================  ==================================
its timesheet was applied after the void   ``stale`` (nothing recorded)
was sent (the approval came later)
its timesheet is in a locked period, not   per the company's behaviour:
invoiced, behaviour *reject*               ``rejected`` (the time stays, the
                                           void is not recorded)
no timesheet (not applied yet, removed)    ``early``
its timesheet is invoiced                  ``exception`` (no reason)
in a locked period, behaviour *park*       ``exception`` ``locked``
in a locked period, *next open date*       ``reverse``
otherwise                                  ``remove`` (the timesheet deleted)
=========================================  ==================================

Every line but the stale and rejected ones records a void on its binding
(:func:`void_of`): the highest of the applied version and the versions of
the line's approvals still queued that were sent before the void, so that
no approval at or below it applies later. A message whose lines are all
stale is a conflict.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["VoidFacts", "VoidStep", "plan_voids", "void_of"]

STALE = "stale"
REJECTED = "rejected"
EARLY = "early"
EXCEPTION = "exception"
REVERSE = "reverse"
REMOVE = "remove"
# A locked period's behaviours (anything else parks for finance).
BEHAVIOURS = ("park", "next_open_date", "reject")


@dataclass(frozen=True)
class VoidFacts:
    """What the lookups found, as plain values."""

    states: dict = field(default_factory=dict)  # ext -> BoundState-like
    timesheets: dict = field(default_factory=dict)  # id -> timesheet_plan.Timesheet
    locks: dict = field(default_factory=dict)  # company id -> last locked day
    behaviours: dict = field(default_factory=dict)  # company id -> behaviour
    # ext -> [(event time, highest version)] of approvals still queued
    queued: dict = field(default_factory=dict)


@dataclass(frozen=True)
class VoidStep:
    kind: str
    external_id: str
    timesheet_id: int | None = None
    lock: Any = None  # REJECTED / EXCEPTION in a locked period: the lock

    @property
    def locked(self):
        """The locked-period behaviour that decided this step, if any."""
        if self.kind == REJECTED:
            return "reject"
        if self.kind == REVERSE:
            return "next_open_date"
        if self.kind == EXCEPTION and self.lock:
            return "park"
        return None


def plan_voids(messages, facts):
    """Steps per message and the voids to record.

    ``messages``: [(void time, company id, [external ids])]; returns
    ([(VoidStep, ...) per message], [void values per line])."""
    plans, voids = [], {}
    for void_at, company_id, lines in messages:
        steps = []
        for ext in lines:
            step, company = _step(ext, void_at, facts)
            steps.append(step)
            if step.kind in (STALE, REJECTED):
                continue
            voids[ext] = void_of(
                ext, void_at, company or company_id, facts, voids.get(ext)
            )
        plans.append(tuple(steps))
    return plans, list(voids.values())


def _step(ext, void_at, facts):
    """(VoidStep, company id of the timesheet or None) of one line."""
    state = facts.states.get(ext)
    timesheet = facts.timesheets.get(state.res_id) if state else None
    if timesheet is None:
        return VoidStep(EARLY, ext), None
    if void_at and state.applied_at and void_at < state.applied_at:
        # Sent before the approval applied now: out of date.
        return VoidStep(STALE, ext, timesheet.id), timesheet.company_id
    lock = facts.locks.get(timesheet.company_id)
    behaviour = None
    if lock and timesheet.date <= lock and not timesheet.invoiced:
        behaviour = facts.behaviours.get(timesheet.company_id)
        if behaviour not in BEHAVIOURS[1:]:
            behaviour = "park"
        if behaviour == "reject":
            # Refused: the time stays, the void is not recorded.
            return VoidStep(REJECTED, ext, timesheet.id, lock), timesheet.company_id
    kind = {"park": EXCEPTION, "next_open_date": REVERSE}.get(behaviour, REMOVE)
    if timesheet.invoiced:
        kind = EXCEPTION
    step = VoidStep(kind, ext, timesheet.id, lock if behaviour == "park" else None)
    return step, timesheet.company_id


def void_of(ext, void_at, company_id, facts, previous=None):
    """The void to record on the line's binding, merged with an earlier void
    of the same line in the batch (the highest version, the latest time)."""
    state = facts.states.get(ext)
    version = max(
        [state.version if state else 0]
        + [
            v
            for at, v in facts.queued.get(ext, ())
            if not (void_at and at and at > void_at)
        ]
    )
    times: list[datetime] = [
        t for t in (void_at, previous and previous["voided_at"]) if t
    ]
    return {
        "external_id": ext,
        "version": max(version, previous["version"] if previous else 0),
        "voided_at": max(times),
        "company_id": company_id,
    }
