"""The figures of a reconciliation run from its lines (no database)."""

from collections import Counter

from .tolerance import round_figure, variance_of

__all__ = ["CHANGED", "STATUSES", "exception_vals", "line_figures"]

# The statuses a run counts, in the order of its summary.
STATUSES = ("matched", "variance", "exception")
# A line's change since the signed-off run that counts as changed.
CHANGED = ("new", "changed")


def line_figures(vals_list, previous_keys=None):
    """({status: lines} of ``STATUSES``, lines new or changed since the
    signed-off run, lines of it gone) of a run's line values; without a
    signed-off run (``previous_keys`` None: its (check, key) pairs) nothing
    is gone."""
    status = Counter(vals["status"] for vals in vals_list)
    changed = sum(1 for vals in vals_list if vals.get("change") in CHANGED)
    gone = 0
    if previous_keys is not None:
        keys = {(vals["check_type"], vals["key"]) for vals in vals_list}
        gone = sum(1 for key in previous_keys if key not in keys)
    return {name: status[name] for name in STATUSES}, changed, gone


def exception_vals(check, key, label, actual, record_model, record_ids):
    """The values of a line whose figure should be none at all (unbilled
    time past the policy, messages stuck in the queue): expected 0, no
    tolerance, always an exception."""
    return {
        "check_type": check,
        "key": key,
        "label": label,
        "expected": 0.0,
        "actual": round_figure(actual),
        "variance": variance_of(0.0, actual),
        "tolerance": 0.0,
        "status": "exception",
        "record_model": record_model,
        "record_ids": record_ids,
        "record_count": len(record_ids),
    }
