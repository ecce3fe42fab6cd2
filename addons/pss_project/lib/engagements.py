"""Decisions of the engagement builder (plain Python, no ORM).

======================================  =====================================
question                                answer
======================================  =====================================
what a won / amended version does       :func:`version_step`: ``new`` (no
                                        order bound), ``conflict`` (not newer
                                        than the applied version) or
                                        ``amend`` (a newer version)
what a new rate does to a role's line   :func:`rate_change`: ``same`` (same
                                        price: only the hours), ``reprice``
                                        (the line covers the whole period, or
                                        starts on the date, and nothing is
                                        invoiced), else ``split`` (the line
                                        ends the day before, a new one starts)
which retainer periods an end date      :func:`missing_periods`
adds
======================================  =====================================
"""

from datetime import timedelta

from odoo.addons.pss_core.lib import plan as steps

__all__ = [
    "AMEND",
    "CONFLICT",
    "NEW",
    "ONE_DAY",
    "REPRICE",
    "SAME",
    "SPLIT",
    "decimals",
    "milestone_key",
    "missing_periods",
    "not_newer",
    "rate_change",
    "version_step",
]

ONE_DAY = timedelta(days=1)

NEW, CONFLICT, AMEND = "new", "conflict", "amend"
SAME, REPRICE, SPLIT = "same", "reprice", "split"


def milestone_key(engagement_external_id, milestone_external_id):
    """External id of a milestone binding: unique within its engagement."""
    return f"{engagement_external_id}/{milestone_external_id}"


def decimals(value):
    """Decimal places of a Decimal (0 for an integral value)."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def version_step(version, bound):
    """(NEW | CONFLICT | AMEND, applied version or order id) of a version of
    an engagement; ``bound`` is its order's binding (order id, applied
    version) or None."""
    if not bound:
        return NEW, None
    order_id, applied = bound
    if version <= (applied or 0):
        return CONFLICT, applied
    return AMEND, order_id


def not_newer(data, applied):
    """The conflict step of a version of ``data`` not newer than ``applied``
    (reason ``not_newer``: ignored, nothing changed)."""
    return steps.Step(
        steps.CONFLICT,
        "not_newer",
        {"version": data.version, "engagement": data.external_id, "applied": applied},
    )


def rate_change(index, rate_from, invoiced, same_price, effective):
    """What a new rate effective on ``effective`` does to the role's line in
    force then (at ``index`` of its family, starting on ``rate_from``,
    ``invoiced`` or not, its price the new one or not)."""
    if same_price:
        return SAME
    covers_all = index == 0 and (not rate_from or effective <= rate_from)
    if (covers_all or rate_from == effective) and not invoiced:
        return REPRICE
    return SPLIT


def missing_periods(periods, known_starts):
    """The ``periods`` [(first, last)] whose first day has no line yet."""
    return [period for period in periods if period[0] not in known_starts]
