"""Date arithmetic of billing periods and effective-dated rates."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta

__all__ = ["MAX_PERIODS", "effective_index", "month_periods"]

MAX_PERIODS = 120


def month_periods(start, end=None, limit=MAX_PERIODS):
    """Monthly periods from ``start``: [(first day, last day), ...].

    Periods run from the start date's day of month (a retainer starting on
    the 15th runs 15th to 14th). Without ``end`` only the first period is
    returned: the billing run adds the next ones. Raises ValueError beyond
    ``limit`` periods.
    """
    periods = []
    index = 0
    while True:
        first = start + relativedelta(months=index)
        if end is not None and first > end:
            break
        last = start + relativedelta(months=index + 1) - timedelta(days=1)
        periods.append((first, last))
        index += 1
        if end is None:
            break
        if len(periods) > limit:
            raise ValueError(f"more than {limit} periods between {start} and {end}")
    return periods


def effective_index(spans, on_date):
    """Index of the span (date_from, date_to) in force on ``on_date``.

    ``spans`` are ordered by date_from; empty bounds (None, False) are open.
    A date before every span uses the first one, after every span the last.
    """
    if not spans:
        return None
    if not on_date:
        return len(spans) - 1
    for index, (date_from, date_to) in enumerate(spans):
        if (not date_from or date_from <= on_date) and (
            not date_to or on_date <= date_to
        ):
            return index
    if spans[0][0] and on_date < spans[0][0]:
        return 0
    return len(spans) - 1
