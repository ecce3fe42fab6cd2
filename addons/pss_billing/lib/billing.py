"""What a billing run decides per engagement (no ORM): whether it is
invoiced or skipped and why, the run's invoice date under the entity's lock,
and the hours above a retainer period's cap."""

from datetime import timedelta

__all__ = [
    "HOURS_DIGITS",
    "NOTHING",
    "hours_above_cap",
    "hours_in_period",
    "invoice_date_of",
    "skip_reason",
]

# Hours are shown and billed above a cap to the hundredth.
HOURS_DIGITS = 2
# skip_reason: the engagement has nothing to invoice and nothing waiting.
NOTHING = "nothing"


def skip_reason(
    invoiceable, unapproved_hours, credit_hold, locked, price_problem, unpriced
):
    """Why an engagement is not invoiced, in this order: ``NOTHING`` (no
    invoiceable line and no time waiting for approval), ``unapproved_time``
    (no invoiceable line, time waiting), ``credit_hold``, ``locked_period``
    (the entity keeps a locked period for finance), ``missing_price`` (a
    retainer problem, or an invoiceable line without a price); None: it is
    invoiced."""
    if not invoiceable:
        return "unapproved_time" if unapproved_hours else NOTHING
    if credit_hold:
        return "credit_hold"
    if locked:
        return "locked_period"
    if price_problem or unpriced:
        return "missing_price"
    return None


def invoice_date_of(date_to, lock, behaviour):
    """(invoice date, locked) of a run up to ``date_to`` when the entity's
    books are locked up to ``lock`` (None: not locked): an open period's
    invoices are dated ``date_to``; in a locked one they move to the first
    open day (``next_open_date``) or the run keeps them for finance
    (locked)."""
    if lock and date_to <= lock:
        if behaviour == "next_open_date":
            return lock + timedelta(days=1), False
        return date_to, True
    return date_to, False


def hours_in_period(hours, project_id, first, last):
    """The hours of ``project_id`` from ``first`` to ``last`` (both
    included) in ``hours``: {(project id, day): hours}."""
    return sum(
        amount
        for (project, day), amount in hours.items()
        if project == project_id and first <= day <= last
    )


def hours_above_cap(worked, cap):
    """The hours worked above ``cap`` (rounded), or 0.0 when none."""
    above = round(worked - cap, HOURS_DIGITS)
    return above if above > 0 else 0.0
