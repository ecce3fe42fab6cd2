"""assignment.updated: what becomes of each plan of a batch (plain Python).

``plan_assignments(items, facts)`` decides per message (the first that
applies):

=========================================  ==================================
the message                                step
=========================================  ==================================
a higher version of its assignment is in   conflict ``superseded`` (of equal
the batch                                  versions the first one applies)
its resource is not bound (by any system)  park ``waiting`` on the employee
its engagement is not bound (any system)   park ``waiting`` on the sale order
its assignment has this version or a       conflict ``not_newer``
newer one applied
its assignment is known                    update ``id`` (its weeks replaced)
otherwise                                  create
=========================================  ==================================

A create or an update carries the assignment's values and its weeks, and
notes ``planned`` (``count`` weeks, ``hours`` in all).
"""

from dataclasses import dataclass, field

from odoo.addons.pss_core.lib.plan import CONFLICT, CREATE, PARK, UPDATE, Step

from .weeks import parse_iso_week

__all__ = ["AssignmentFacts", "best_versions", "plan_assignments"]

EMPLOYEE = "hr.employee"
ORDER = "sale.order"


@dataclass(frozen=True)
class AssignmentFacts:
    """What the lookups found, as plain values."""

    system_id: int
    employees: dict = field(default_factory=dict)  # resource ext id -> id
    orders: dict = field(default_factory=dict)  # engagement ext id -> (id, company id)
    known: dict = field(default_factory=dict)  # assignment ext id -> (id, version)


def best_versions(items):
    """{assignment external id: index in ``items`` of its highest version}
    (the first of equal versions)."""
    best = {}
    for index, data in enumerate(items):
        current = best.get(data.external_id)
        if current is None or data.version > items[current].version:
            best[data.external_id] = index
    return best


def plan_assignments(items, facts):
    """One :class:`Step` per validated ``AssignmentUpdated`` of ``items``."""
    best = best_versions(items)
    return [
        plan_assignment(data, facts)
        if best[data.external_id] == index
        else Step(CONFLICT, "superseded")
        for index, data in enumerate(items)
    ]


def plan_assignment(data, facts):
    """The step of the batch's highest version of one assignment."""
    for model, what, external_id, bound in (
        (EMPLOYEE, "resource", data.resource_external_id, facts.employees),
        (ORDER, "engagement", data.engagement_external_id, facts.orders),
    ):
        if external_id not in bound:
            return Step(
                PARK,
                "waiting",
                {"what": what, "ext": external_id},
                waits_for=(model, external_id),
            )
    known = facts.known.get(data.external_id)
    if known and data.version <= known[1]:
        return Step(
            CONFLICT,
            "not_newer",
            {"got": data.version, "ext": data.external_id, "have": known[1]},
        )
    order_id, company_id = facts.orders[data.engagement_external_id]
    values = {
        "employee_id": facts.employees[data.resource_external_id],
        "order_id": order_id,
        "company_id": company_id,
        "version": data.version,
        "role": data.role,
    }
    weeks = [
        {"week_start": parse_iso_week(w.week), "hours": float(w.hours)}
        for w in data.weeks
    ]
    args = {"count": len(weeks), "hours": sum(w["hours"] for w in weeks)}
    if known:
        kind, args["id"] = UPDATE, known[0]
    else:
        kind = CREATE
        values.update(system_id=facts.system_id, external_id=data.external_id)
    return Step(
        kind, args=args, values={"assignment": values, "weeks": weeks}, note="planned"
    )
