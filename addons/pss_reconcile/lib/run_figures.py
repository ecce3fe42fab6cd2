"""The figures of a reconciliation run from its lines (no database)."""

from collections import Counter

__all__ = ["CHANGED", "STATUSES", "line_figures"]

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
