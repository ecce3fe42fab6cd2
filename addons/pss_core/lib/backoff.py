"""Exponential backoff with full jitter.

See "Exponential Backoff And Jitter" (AWS architecture blog, 2015): sleeping a
uniformly random time in ``[0, min(cap, base * 2**attempt)]`` spreads retries of
many clients better than fixed or "equal" jitter.
"""

import random

__all__ = ["backoff_ceiling", "full_jitter"]


def backoff_ceiling(attempt, base, cap):
    """Upper bound of the delay before retry number ``attempt`` (1-based)."""
    if attempt < 1:
        raise ValueError("attempt is 1-based")
    if base <= 0 or cap <= 0:
        raise ValueError("base and cap must be positive")
    # Bound the exponent so huge attempt counts cannot overflow to inf.
    exponent = min(attempt - 1, 62)
    return min(float(cap), float(base) * (2**exponent))


def full_jitter(attempt, base, cap, rng=None, minimum=0.0):
    """Seconds to wait before retry ``attempt``: uniform in [0, ceiling].

    ``minimum`` raises the floor, e.g. to honour a server's Retry-After.
    """
    rng = rng or random
    delay = rng.uniform(0, backoff_ceiling(attempt, base, cap))
    return max(delay, float(minimum or 0.0))
