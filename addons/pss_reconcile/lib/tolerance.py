"""Pure comparison logic of a reconciliation line (no database)."""

__all__ = ["allowed_variance", "classify", "round_figure", "variance_of"]

EPSILON = 1e-6


def round_figure(value, digits=2):
    return round(float(value or 0.0), digits)


def allowed_variance(expected, tolerance_abs=0.0, tolerance_pct=0.0):
    """The larger of the absolute tolerance and the percentage of the
    expected figure (both optional, never negative)."""
    by_pct = abs(float(expected or 0.0)) * max(float(tolerance_pct or 0.0), 0.0) / 100
    return round_figure(max(float(tolerance_abs or 0.0), by_pct, 0.0), 4)


def variance_of(expected, actual):
    """The suite's one sign convention: the external figure (the sender's
    control total, the other side, the policy) minus Odoo's. Positive: the
    outside counts more than Odoo; negative: Odoo has more."""
    return round_figure(float(expected or 0.0) - float(actual or 0.0), 4)


def classify(expected, actual, tolerance_abs=0.0, tolerance_pct=0.0):
    """(variance, allowed, status) of a compared figure: ``matched`` when
    the difference (``variance_of``: external minus Odoo) is within the
    tolerance, ``variance`` otherwise."""
    variance = variance_of(expected, actual)
    allowed = allowed_variance(expected, tolerance_abs, tolerance_pct)
    status = "matched" if abs(variance) <= allowed + EPSILON else "variance"
    return variance, allowed, status


def change_of(previous, expected, actual):
    """How a line differs from the same line of the signed-off run:
    ``new`` (not there), ``changed`` (other figures) or ``same``."""
    if previous is None:
        return "new"
    prev_expected, prev_actual = previous
    if abs(round_figure(prev_expected, 4) - round_figure(expected, 4)) > EPSILON or (
        abs(round_figure(prev_actual, 4) - round_figure(actual, 4)) > EPSILON
    ):
        return "changed"
    return "same"
