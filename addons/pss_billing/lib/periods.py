"""Billing periods, proration and WIP age buckets (no ORM)."""

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

__all__ = ["AGE_BUCKETS", "age_bucket", "last_closed_period", "period_of", "prorate"]

AGE_BUCKETS = (
    ("0_30", 0, 30),
    ("31_60", 31, 60),
    ("61_90", 61, 90),
    ("90_plus", 91, None),
)


def period_of(frequency, day):
    """(first day, last day) of the billing period of ``frequency`` holding
    ``day``: weeks run Monday to Sunday, months and quarters are calendar ones."""
    if frequency == "weekly":
        first = day - timedelta(days=day.weekday())
        return first, first + timedelta(days=6)
    if frequency == "monthly":
        first = day.replace(day=1)
        return first, first + relativedelta(months=1) - timedelta(days=1)
    if frequency == "quarterly":
        first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        return first, first + relativedelta(months=3) - timedelta(days=1)
    raise ValueError(f"unknown billing frequency {frequency!r}")


def last_closed_period(frequency, today):
    """The latest period of ``frequency`` that ended before ``today``."""
    first, _last = period_of(frequency, today)
    return period_of(frequency, first - timedelta(days=1))


def prorate(period_start, period_end, active_from=None, active_to=None):
    """(days billed, days in period) of a period cut by the engagement's
    start and end (``None``: not cut). (0, n) when they do not overlap."""
    days = (period_end - period_start).days + 1
    first = max(period_start, active_from) if active_from else period_start
    last = min(period_end, active_to) if active_to else period_end
    return max((last - first).days + 1, 0), days


def age_bucket(age_days):
    """Bucket code of an age in days (negative ages: the youngest bucket)."""
    for code, low, high in AGE_BUCKETS:
        if high is None or age_days <= high:
            if age_days >= low or code == "0_30":
                return code
    return AGE_BUCKETS[-1][0]
