"""What a failed attempt becomes: the queue's outcome rules (plain Python).

DESIGN section 3. One failure of a message, known by its error category and
the attempts made so far (the claim counts an attempt), becomes:

============  ==============================================================
category      outcome
============  ==============================================================
dependency    parked until the awaited binding exists (released by itself)
hold          parked for a person
conflict      done (an older version than the applied one: no effect)
data          dead at once
transient     retrying after a backoff, dead once ``max_attempts`` are made
anything      retrying after a backoff, dead once ``internal_max_attempts``
else          are made (``internal``: a bug, retried a few times)
============  ==============================================================

Nothing here touches the database: ``pss.message._failure_vals`` asks
:func:`failure_outcome` and writes the answer (with the error text). Lease
recovery (``_recover_lease_rows``) applies the ``internal`` row of this table
in its one UPDATE: a message whose worker vanished is retried at once, or
dead once it reached ``internal_max_attempts``.
"""

from datetime import timedelta
from typing import NamedTuple

import psycopg2

from odoo.exceptions import AccessError, UserError, ValidationError

from .backoff import full_jitter
from .errors import PssError

__all__ = ["RetryPolicy", "attempt_limit", "categorize", "failure_outcome"]


class RetryPolicy(NamedTuple):
    """The retry settings of a system (``pss.system`` fields of these names)."""

    max_attempts: int  # transient errors
    internal_max_attempts: int  # internal errors (bugs)
    retry_base: float  # seconds, first backoff ceiling
    retry_cap: float  # seconds, largest backoff ceiling

    @classmethod
    def of(cls, system):
        """The policy of a system (any object with the four attributes)."""
        return cls(
            system.max_attempts,
            system.internal_max_attempts,
            system.retry_base,
            system.retry_cap,
        )


def categorize(error):
    """The error category of an exception raised while applying a message."""
    if isinstance(error, PssError):
        return error.category
    if isinstance(error, psycopg2.OperationalError):
        return "transient"  # serialization failure, lock timeout...
    if isinstance(error, ValidationError | UserError | AccessError):
        return "data"
    return "internal"


def attempt_limit(category, policy):
    """How many attempts a category gets before the message is dead; None for
    the categories that are never retried."""
    if category in ("dependency", "hold", "conflict", "data"):
        return None
    if category == "transient":
        return policy.max_attempts
    return policy.internal_max_attempts


def failure_outcome(category, attempts, policy, now, retry_after=0, rng=None):
    """The state columns to write for one failure; returns ``(vals, gave_up)``.

    ``vals`` holds ``state`` and, where the outcome sets them, ``finished_at``
    (an end state) or ``next_attempt_at`` (a retry: ``now`` plus a full-jitter
    backoff, never less than ``retry_after`` seconds, a receiver's
    Retry-After). ``gave_up`` is true when a retried category ran out of
    attempts (the caller says so in the error text).
    """
    if category in ("dependency", "hold"):
        return {"state": "parked"}, False
    if category == "conflict":
        return {"state": "done", "finished_at": now}, False
    limit = attempt_limit(category, policy)
    if limit is None or attempts >= limit:
        return {"state": "dead", "finished_at": now}, limit is not None
    delay = full_jitter(
        attempts,
        policy.retry_base,
        policy.retry_cap,
        rng=rng,
        minimum=retry_after or 0,
    )
    return {
        "state": "retrying",
        "next_attempt_at": now + timedelta(seconds=delay),
    }, False
