"""Pure rules of outbound delivery: the receiver's circuit and time budgets.

Nothing here touches the database; the queue asks these functions what to do
and writes the answer.
"""

__all__ = [
    "CIRCUIT_THRESHOLD",
    "CRON_TIME_BUDGET",
    "circuit_open_seconds",
    "cron_time_budget",
    "fits_budget",
]

# Consecutive failures to reach a receiver (timeouts, refused connections)
# after which the whole system is paused instead of each message retrying.
CIRCUIT_THRESHOLD = 3
# Seconds a run of the queue's crons wants by default (cron_time_budget
# shortens it within Odoo's cron time limit).
CRON_TIME_BUDGET = 240


def circuit_open_seconds(failures, base, cap, threshold=CIRCUIT_THRESHOLD):
    """Seconds to stop sending to a receiver after ``failures`` consecutive
    transport failures: 0 below ``threshold``, then ``base`` doubling with
    every further failure (each half-open probe that fails), up to ``cap``.
    """
    if failures < threshold:
        return 0
    base = max(int(base or 1), 1)
    cap = max(int(cap or base), base)
    return min(cap, base * 2 ** min(failures - threshold, 30))


def cron_time_budget(wanted, limit_time_real=0, limit_time_real_cron=-1, share=0.75):
    """The seconds a cron run may use without Odoo killing it.

    Odoo stops a cron after ``limit_time_real_cron`` when it is positive;
    otherwise the threaded server applies ``limit_time_real`` (and so does
    the prefork server for -1). The stricter reading holds in both modes.
    A run keeps ``share`` of that limit, leaving time to commit and report.
    """
    if limit_time_real_cron and limit_time_real_cron > 0:
        limit = limit_time_real_cron
    elif limit_time_real and limit_time_real > 0:
        limit = limit_time_real
    else:
        return wanted
    allowed = max(limit * share, 1)
    return min(wanted, allowed) if wanted else allowed


def fits_budget(elapsed, next_step, budget):
    """Whether a step that may take ``next_step`` seconds still fits."""
    if not budget:
        return True
    return elapsed + next_step <= budget
