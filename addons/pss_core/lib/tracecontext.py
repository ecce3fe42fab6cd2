"""W3C Trace Context (https://www.w3.org/TR/trace-context/): the
``traceparent`` header, parsed, formatted and continued. Pure functions.

``traceparent`` is ``version-traceid-parentid-flags``: 2, 32, 16 and 2
lowercase hex digits. A trace id or parent id of only zeros is invalid, and
so is version ``ff``. A version above ``00`` may append fields after the
flags (``-...``): its first four fields are read, and continued as ``00``.

An invalid header is ignored (the caller starts a new trace), never an error.
"""

import re
import secrets
from typing import NamedTuple

__all__ = [
    "TraceParent",
    "child_traceparent",
    "continue_or_new",
    "format_traceparent",
    "new_traceparent",
    "parse_traceparent",
    "trace_id_of",
]

#: Longest header value looked at: version 00 is 55 characters; a future
#: version may append fields, bounded so a header cannot cost anything.
MAX_LENGTH = 512
_HEX = "0123456789abcdef"
_V00 = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")
_FUTURE = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?")
_ZERO_TRACE = "0" * 32
_ZERO_SPAN = "0" * 16
SAMPLED = "01"


class TraceParent(NamedTuple):
    trace_id: str
    parent_id: str
    flags: str

    def __str__(self):
        return format_traceparent(self.trace_id, self.parent_id, self.flags)

    @property
    def sampled(self):
        return bool(int(self.flags, 16) & 1)


def parse_traceparent(value):
    """The :class:`TraceParent` of a header value, or None when it is missing
    or invalid (wrong length, uppercase, version ff, all-zero ids...)."""
    if not isinstance(value, str) or len(value) > MAX_LENGTH:
        return None
    value = value.strip(" \t")
    match = _V00.fullmatch(value)
    if match is None:
        match = _FUTURE.fullmatch(value)
        # Version 00 has exactly four fields; a higher one may append more.
        if match is None or match.group(1) in ("00", "ff"):
            return None
        trace_id, parent_id, flags = match.group(2, 3, 4)
    else:
        trace_id, parent_id, flags = match.groups()
    if trace_id == _ZERO_TRACE or parent_id == _ZERO_SPAN:
        return None
    return TraceParent(trace_id, parent_id, flags)


def format_traceparent(trace_id, parent_id, flags=SAMPLED):
    """The version-00 header of the ids (hex strings or integers)."""
    if isinstance(trace_id, int):
        trace_id = f"{trace_id:032x}"
    if isinstance(parent_id, int):
        parent_id = f"{parent_id:016x}"
    if isinstance(flags, int):
        flags = f"{flags:02x}"
    return f"00-{trace_id}-{parent_id}-{flags}"


def _random_hex(length, zero):
    while True:
        value = secrets.token_hex(length // 2)
        if value != zero:
            return value


def new_traceparent(sampled=True):
    """A new trace: random trace id and parent id."""
    return format_traceparent(
        _random_hex(32, _ZERO_TRACE),
        _random_hex(16, _ZERO_SPAN),
        SAMPLED if sampled else "00",
    )


def child_traceparent(value):
    """The same trace with a new parent (span) id and the same flags, as
    sent on by a step of the work; a new trace when ``value`` is invalid."""
    parent = parse_traceparent(value)
    if parent is None:
        return new_traceparent()
    return format_traceparent(
        parent.trace_id, _random_hex(16, _ZERO_SPAN), parent.flags
    )


def continue_or_new(value):
    """``value`` normalized to version 00 when valid, else a new trace."""
    parent = parse_traceparent(value)
    return str(parent) if parent is not None else new_traceparent()


def trace_id_of(value):
    """The trace id of a header value (None when invalid)."""
    parent = parse_traceparent(value)
    return parent.trace_id if parent is not None else None
