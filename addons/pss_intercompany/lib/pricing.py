"""Transfer pricing arithmetic of intercompany charges (no ORM).

Amounts are computed with ``Decimal`` and rounded half-up to the currency's
decimals once, per charged line: a line's amount is hours x unit price, the
unit price is the hourly cost x (1 + markup %) (cost plus) or the role's rate,
and a document's untaxed amount is the sum of its lines' amounts.
"""

import calendar
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

FREQUENCY_MONTHS = {"monthly": 1, "quarterly": 3}
# Unit prices and converted costs are kept to this many decimals.
PRICE_DIGITS = 6


def to_decimal(value):
    return value if isinstance(value, Decimal) else Decimal(str(value))


def quantize(value, digits=2):
    return to_decimal(value).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)


def unit_price(cost, markup_percent):
    """Unit price of cost plus pricing, unrounded (kept to PRICE_DIGITS)."""
    price = to_decimal(cost) * (1 + to_decimal(markup_percent) / 100)
    return quantize(price, PRICE_DIGITS)


def converted_cost(cost, rate):
    """An hourly cost in the agreement's currency at ``rate``."""
    return quantize(to_decimal(cost) * to_decimal(rate), PRICE_DIGITS)


def line_amount(hours, price, digits=2):
    return quantize(to_decimal(hours) * to_decimal(price), digits)


def period_of(on_date, frequency="monthly"):
    """(first day, last day) of the charging period that contains ``on_date``."""
    months = FREQUENCY_MONTHS[frequency]
    first_month = ((on_date.month - 1) // months) * months + 1
    start = date(on_date.year, first_month, 1)
    last_month = first_month + months - 1
    end = date(
        on_date.year, last_month, calendar.monthrange(on_date.year, last_month)[1]
    )
    return start, end


def previous_period(today, frequency="monthly"):
    """The last complete period before ``today`` (what a cron charges)."""
    start, _end = period_of(today, frequency)
    return period_of(start - timedelta(days=1), frequency)


def adjustments(charged, current, digits=2):
    """What to charge again for time that changed after it was charged.

    ``charged``: {ref: (hours charged so far, amount charged so far, unit
    price of the first charge)}; ``current``: {ref: hours now} (a voided or
    no longer chargeable timesheet is absent). Returns {ref: (hours, amount)}
    of the differences, negative for a reduction; the difference is priced
    at the unit price of the first charge, and a line that went back to zero
    hours reverses exactly the amount charged.
    """
    result = {}
    for ref, (hours, amount, price) in charged.items():
        now = to_decimal(current.get(ref, 0))
        diff = now - to_decimal(hours)
        if not diff:
            continue
        if not now:
            result[ref] = (-to_decimal(hours), -to_decimal(amount))
            continue
        result[ref] = (diff, line_amount(now, price, digits) - to_decimal(amount))
    return result
