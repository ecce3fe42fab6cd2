"""resource.upserted: what becomes of one resource (plain Python).

``plan_resources(items, facts)`` decides per resource, in this order (the
first that applies), one pass over the batch:

=========================================  ==================================
the resource                               step
=========================================  ==================================
hourly cost in an unknown currency         ``reject`` ``currency_unknown``
its employee (bound, else the entity's     ``link``: bound, nothing changed
employee of that work e-mail) was bound
first by another system
its employee is this system's              ``update`` (the values)
the same work e-mail as a resource         ``link`` to that new employee
created earlier in the batch               (``same_as``: its create's index)
otherwise                                  ``create`` (the values)
=========================================  ==================================

One person is one employee whichever systems send it; the system that bound
an employee first is its system of record.
"""

from dataclasses import dataclass, field

__all__ = ["ResourceFacts", "ResourceStep", "email_key", "plan_resources"]

CREATE = "create"
UPDATE = "update"
LINK = "link"
REJECT = "reject"


def email_key(email):
    """Dedupe key of a work e-mail: trimmed, lower case (None when empty)."""
    return (email or "").strip().lower() or None


@dataclass(frozen=True)
class ResourceFacts:
    """What the lookups found, as plain values."""

    company_id: int
    system_id: int
    bound: dict = field(default_factory=dict)  # external id -> employee id
    by_email: dict = field(default_factory=dict)  # e-mail key -> employee id
    owners: dict = field(default_factory=dict)  # employee id -> system id
    currencies: dict = field(default_factory=dict)  # ISO code -> currency id
    jobs: dict = field(default_factory=dict)  # role -> hr.job id
    departments: dict = field(default_factory=dict)  # name -> department id


@dataclass(frozen=True)
class ResourceStep:
    kind: str
    values: dict | None = None  # CREATE / UPDATE: hr.employee values
    employee_id: int | None = None  # UPDATE / LINK to an existing employee
    same_as: int | None = None  # LINK: index of the batch's create
    args: dict = field(default_factory=dict)  # REJECT: fills the reason
    # CREATE / UPDATE: the dated hourly cost (amount, currency id, from)
    cost: tuple | None = None


def plan_resources(items, facts):
    """One :class:`ResourceStep` per validated ``ResourceUpserted``."""
    steps, new_by_email, creates = [], {}, 0
    for data in items:
        step = plan_resource(data, facts, new_by_email)
        if step.kind == CREATE:
            if data.work_email:
                new_by_email[email_key(data.work_email)] = creates
            creates += 1
        steps.append(step)
    return steps


def plan_resource(data, facts, new_by_email):
    """The step of one resource; ``new_by_email``: {e-mail key: index of
    the create} of the resources created earlier in the batch."""
    cost = data.hourly_cost
    if cost and cost.currency not in facts.currencies:
        return ResourceStep(REJECT, args={"currency": cost.currency})
    values = employee_values(data, facts)
    key = email_key(data.work_email)
    employee_id = facts.bound.get(data.external_id) or facts.by_email.get(key)
    if employee_id:
        if facts.owners.get(employee_id, facts.system_id) != facts.system_id:
            return ResourceStep(LINK, employee_id=employee_id)
        return ResourceStep(
            UPDATE, values, employee_id=employee_id, cost=_cost(cost, facts)
        )
    if key in new_by_email:
        # The same person twice in this batch: one employee.
        return ResourceStep(LINK, same_as=new_by_email[key])
    values["company_id"] = facts.company_id
    return ResourceStep(CREATE, values, cost=_cost(cost, facts))


def _cost(cost, facts):
    if not cost:
        return None
    return (float(cost.amount), facts.currencies[cost.currency], cost.effective_from)


def employee_values(data, facts):
    return {
        "name": data.name,
        "work_email": data.work_email or False,
        "job_id": facts.jobs.get(data.role, False) if data.role else False,
        "job_title": data.role or False,
        "department_id": facts.departments.get(data.department, False),
        "pss_resource_kind": data.kind,
        "active": data.active,
    }
