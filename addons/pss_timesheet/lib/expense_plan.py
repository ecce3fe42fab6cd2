"""expense.approved: what becomes of one approved expense (plain Python).

``plan_expense(data, facts)`` decides, in this order (the first that applies):

=======================================  ====================================
the expense                              step
=======================================  ====================================
already applied (its external id bound)  conflict ``applied``
engagement given but not known yet       park on project.project
unmapped category, unknown currency,     reject ``invalid`` with a detail per
billable without an engagement           field
resource not known yet                   park on hr.employee
dated on or before its lock date         per the entity's behaviour: moved to
                                         the first open day (note
                                         ``moved``), reject ``locked``, or
                                         hold ``locked_hold``
resource employed by another entity      reject ``other_entity``
otherwise                                create (hr.expense values)
=======================================  ====================================

The lock date is the entity's for the category (its product's purchase
taxes decide whether the tax lock date counts: res.company._pss_locked_until).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from odoo.addons.pss_core.lib.plan import CONFLICT, CREATE, HOLD, PARK, REJECT, Step

__all__ = ["ExpenseFacts", "plan_expense"]

EMPLOYEE = "hr.employee"
PROJECT = "project.project"


@dataclass(frozen=True)
class ExpenseFacts:
    """What the lookups found, as plain values."""

    company_id: int
    system_id: int
    lock_behaviour: str  # park | next_open_date | reject
    applied: frozenset = frozenset()  # external ids already applied
    # resource ext -> (employee id, company id, company name)
    employees: dict = field(default_factory=dict)
    # engagement ext -> (project id, analytic account id, sale order id)
    projects: dict = field(default_factory=dict)
    products: dict = field(default_factory=dict)  # category -> product id
    currencies: dict = field(default_factory=dict)  # ISO code -> currency id
    locks: dict = field(default_factory=dict)  # category -> last locked day


def plan_expense(data, facts):
    """The :class:`Step` for one validated ``ExpenseApproved``."""
    return _not_ready(data, facts) or _booked(data, facts)


def _not_ready(data, facts):
    """Already applied, waiting for a record or invalid (None: none of it)."""
    ext = data.external_id
    if ext in facts.applied:
        return Step(CONFLICT, "applied", {"ext": ext})
    engagement = data.engagement_external_id
    if engagement and engagement not in facts.projects:
        return Step(
            PARK,
            "engagement_unknown",
            {"ext": engagement},
            waits_for=(PROJECT, engagement),
        )
    details = _problems(data, facts)
    if details:
        return Step(
            REJECT, "invalid", {"ext": ext, "category": data.category}, details=details
        )
    employee = facts.employees.get(data.resource_external_id)
    if employee is None:
        return Step(
            PARK,
            "resource_unknown",
            {"ext": data.resource_external_id},
            waits_for=(EMPLOYEE, data.resource_external_id),
        )
    return None


def _booked(data, facts):
    """Where a ready expense is booked: its date, the first open day, held
    or rejected for a locked period, or refused for another entity."""
    ext = data.external_id
    employee = facts.employees[data.resource_external_id]
    lock = facts.locks.get(data.category)
    on_date, locked = booking_date(data.date, lock, facts.lock_behaviour)
    if locked == REJECT:
        return Step(
            REJECT,
            "locked",
            {"ext": ext, "date": data.date, "lock": lock},
            details=(("data.date", "period_locked"),),
        )
    if locked == HOLD:
        return Step(HOLD, "locked_hold", {"ext": ext, "date": data.date, "lock": lock})
    employee_id, employee_company_id, employee_company = employee
    if employee_company_id != facts.company_id:
        return Step(
            REJECT,
            "other_entity",
            {"res": data.resource_external_id, "company": employee_company},
        )
    return Step(
        CREATE,
        values=_values(data, facts, employee_id, on_date),
        note="moved" if on_date != data.date else "",
        args={"date": data.date, "open": on_date},
    )


def booking_date(day, lock, behaviour):
    """(date to book on, None) or (None, REJECT | HOLD) for a day and the
    last locked day under the entity's locked-period behaviour."""
    if not lock or day > lock:
        return day, None
    if behaviour == "next_open_date":
        return lock + timedelta(days=1), None
    return None, REJECT if behaviour == "reject" else HOLD


def _problems(data, facts):
    details = []
    if data.category not in facts.products:
        details.append(("data.category", "category_unmapped"))
    if data.currency not in facts.currencies:
        details.append(("data.currency", "currency_unknown"))
    if data.billable and not data.engagement_external_id:
        details.append(("data.engagement_external_id", "billable_without_engagement"))
    return tuple(details)


def _values(data, facts, employee_id, on_date: date):
    vals = {
        "name": data.description or data.category,
        "employee_id": employee_id,
        "company_id": facts.company_id,
        "product_id": facts.products[data.category],
        "date": on_date,
        "total_amount_currency": float(data.amount),
        "currency_id": facts.currencies[data.currency],
        "quantity": 1,
        "payment_mode": "own_account",
        "pss_system_id": facts.system_id,
        "pss_external_id": data.external_id,
        "pss_approved_by": data.approved_by or False,
        "pss_receipt_url": data.receipt_url or False,
    }
    project = facts.projects.get(data.engagement_external_id)
    if project:
        _project_id, analytic_id, order_id = project
        if analytic_id:
            vals["analytic_distribution"] = {str(analytic_id): 100}
        if data.billable and order_id:
            vals["sale_order_id"] = order_id
    return vals
