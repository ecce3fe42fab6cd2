"""Fixed-window rate limiting maths (the counter itself lives in PostgreSQL).

Each system has one counter row per window of ``WINDOW_SECONDS``; every
authenticated request increments the row of the current window with one
``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` in its own short
transaction (see ``pss.api.rate.window``). A request whose count exceeds the
limit is refused with ``429`` and ``Retry-After`` = seconds until the window
ends. Because the counter is a database row, the limit holds across every
Odoo worker process and server.

A fixed window lets a client send up to twice the limit across a window
boundary; that is the accepted price of one row and one statement per request.
"""

import math
from datetime import datetime, timedelta

__all__ = ["WINDOW_SECONDS", "RateDecision", "decide", "retry_after", "window_start"]

WINDOW_SECONDS = 60


def window_start(now, seconds=WINDOW_SECONDS):
    """Start of the window holding ``now`` (naive UTC datetime)."""
    epoch = datetime(1970, 1, 1)
    elapsed = int((now - epoch).total_seconds())
    return epoch + timedelta(seconds=elapsed - elapsed % seconds)


def retry_after(now, seconds=WINDOW_SECONDS):
    """Whole seconds (>= 1) until the window holding ``now`` ends."""
    end = window_start(now, seconds) + timedelta(seconds=seconds)
    return max(1, math.ceil((end - now).total_seconds()))


class RateDecision:
    __slots__ = ("allowed", "hits", "limit", "remaining", "retry_after")

    def __init__(self, allowed, hits, limit, remaining, retry_after_seconds):
        self.allowed = allowed
        self.hits = hits
        self.limit = limit
        self.remaining = remaining
        self.retry_after = retry_after_seconds

    def headers(self):
        """Informative headers (IETF draft RateLimit fields, plain form)."""
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.retry_after),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers


def decide(hits, limit, now, seconds=WINDOW_SECONDS):
    """Decision for the ``hits``-th request of the window (limit 0: no limit)."""
    if not limit or limit <= 0:
        return RateDecision(True, hits, 0, 0, 0)
    return RateDecision(
        hits <= limit, hits, limit, max(0, limit - hits), retry_after(now, seconds)
    )
