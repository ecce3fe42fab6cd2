# Copyright 2026 PSS contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Readable summaries of what a run did (plain Python, no Odoo)."""

# Outcome keys the queue reports, in the order a person reads them.
OUTCOME_LABELS = [
    ("claimed", "claimed"),
    ("done", "done"),
    ("retrying", "retrying"),
    ("parked", "parked"),
    ("dead", "dead"),
    ("cancelled", "cancelled"),
    ("skipped", "skipped"),
    ("released", "given back unsent"),
    ("recovered", "recovered"),
    ("purged", "payloads purged"),
    ("runs_deleted", "old runs deleted"),
    ("interrupted", "runs marked interrupted"),
]
NOT_SHOWN = {"batches"}


def summarize(counts):
    """'500 claimed: 480 done, 15 retrying, 5 dead' from an outcome dict."""
    known = dict(OUTCOME_LABELS)
    parts = [
        f"{counts[key]} {label}" for key, label in OUTCOME_LABELS if counts.get(key)
    ]
    parts += [
        f"{value} {key}"
        for key, value in sorted(counts.items())
        if key not in known
        and key not in NOT_SHOWN
        and isinstance(value, int)
        and value
    ]
    if not parts:
        return "nothing to do"
    if parts[0].endswith(" claimed") and len(parts) > 1:
        return parts[0] + ": " + ", ".join(parts[1:])
    return ", ".join(parts)
