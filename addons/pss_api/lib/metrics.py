"""Metrics: a per-process buffer and the Prometheus text exposition format.

How counters work across Odoo worker processes
----------------------------------------------
Odoo serves requests from several processes (``--workers``) and servers, and
a scrape of ``/pss/v1/metrics`` reaches one of them at random; in-process
counters would each tell a different, partial story. So:

- queue figures (depth by state, oldest pending age, processed = messages in
  state ``done``, failed = ``dead``) are read from ``pss_message`` at scrape
  time: exact, the same whichever worker answers;
- request figures (authentication failures, requests by status, accepted
  events, accept latency histogram) are added up in this per-process buffer
  (no I/O on the request path) and flushed into the ``pss_api_metric`` table
  with one ``INSERT ... ON CONFLICT DO UPDATE SET value = value + excluded``
  at most once per ``FLUSH_INTERVAL`` seconds per process, and by every
  scrape for the answering process. A scrape therefore sees the figures of
  other processes at most ``FLUSH_INTERVAL`` seconds late (as of their last
  request); a worker killed loses at most that much.

Plain Python, tested without a database.
"""

import json
import math
import threading
import time

__all__ = [
    "ACCEPT_BUCKETS",
    "ACCEPT_HISTOGRAM",
    "FLUSH_INTERVAL",
    "Family",
    "MetricsBuffer",
    "api_families",
    "format_exposition",
    "format_value",
    "histogram_samples",
    "labels_key",
    "queue_families",
]

FLUSH_INTERVAL = 1.0
ACCEPT_HISTOGRAM = "pss_api_accept_duration_seconds"
# The request counters of the buffer: (name, help).
API_COUNTERS = (
    ("pss_api_auth_failures_total", "Refused authentications by reason"),
    ("pss_api_requests_total", "API requests by endpoint and HTTP status"),
    ("pss_api_events_accepted_total", "Events stored (not duplicates) by system"),
)
#: Buckets (seconds) of the accept latency histogram.
ACCEPT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def labels_key(labels):
    """Canonical text of a label set (the key of a stored metric row)."""
    return json.dumps(
        {str(k): str(v) for k, v in (labels or {}).items()},
        sort_keys=True,
        separators=(",", ":"),
    )


def _bucket_label(bound):
    return "+Inf" if math.isinf(bound) else format_value(bound)


class MetricsBuffer:
    """Thread-safe deltas per database, waiting to be flushed."""

    def __init__(self, interval=FLUSH_INTERVAL, clock=time.monotonic):
        self._lock = threading.Lock()
        self._deltas = {}  # db -> {(name, labels key): value}
        self._last_flush = {}  # db -> clock
        self.interval = interval
        self._clock = clock

    def inc(self, db, name, labels=None, value=1):
        key = (name, labels_key(labels))
        with self._lock:
            deltas = self._deltas.setdefault(db, {})
            deltas[key] = deltas.get(key, 0) + value

    def observe(self, db, name, labels, seconds, buckets=ACCEPT_BUCKETS):
        """Record one observation of histogram ``name``.

        Stored as non-cumulative ``_bucket`` rows and a ``_sum`` row; the
        count is the sum of the buckets.
        """
        bound = next((b for b in buckets if seconds <= b), math.inf)
        self.inc(db, f"{name}_bucket", dict(labels or {}, le=_bucket_label(bound)))
        self.inc(db, f"{name}_sum", labels, seconds)

    def due(self, db):
        with self._lock:
            if not self._deltas.get(db):
                return False
            last = self._last_flush.get(db)
            return last is None or self._clock() - last >= self.interval

    def drain(self, db):
        """Take the deltas of ``db``: sorted [(name, labels key, value)]."""
        with self._lock:
            deltas = self._deltas.pop(db, {})
            self._last_flush[db] = self._clock()
        return sorted((name, key, value) for (name, key), value in deltas.items())

    def restore(self, db, rows):
        """Put deltas back after a failed flush."""
        with self._lock:
            deltas = self._deltas.setdefault(db, {})
            for name, key, value in rows:
                deltas[(name, key)] = deltas.get((name, key), 0) + value

    def pending(self, db):
        with self._lock:
            return dict(self._deltas.get(db, {}))


class Family:
    """One metric family: name, type, help and samples (suffix, labels, value)."""

    __slots__ = ("help", "name", "samples", "type")

    def __init__(self, name, type_, help_, samples=None):
        self.name = name
        self.type = type_
        self.help = help_
        self.samples = list(samples or [])

    def add(self, value, labels=None, suffix=""):
        self.samples.append((suffix, dict(labels or {}), value))
        return self


def format_value(value):
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _escape_label(value):
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _escape_help(text):
    return str(text).replace("\\", "\\\\").replace("\n", "\\n")


def _format_labels(labels):
    if not labels:
        return ""
    inner = ",".join(f'{k}="{_escape_label(v)}"' for k, v in labels.items())
    return "{" + inner + "}"


def format_exposition(families):
    """Prometheus text exposition format (version 0.0.4) of ``families``."""
    lines = []
    for family in families:
        lines.append(f"# HELP {family.name} {_escape_help(family.help)}")
        lines.append(f"# TYPE {family.name} {family.type}")
        for suffix, labels, value in family.samples:
            lines.append(
                f"{family.name}{suffix}{_format_labels(labels)} {format_value(value)}"
            )
    return "\n".join(lines) + "\n"


def _bound(label):
    return math.inf if label == "+Inf" else float(label)


def histogram_samples(family, rows, buckets=ACCEPT_BUCKETS):
    """Add the samples of a histogram to ``family`` from stored rows.

    ``rows`` are ``(name, labels dict, value)`` with non-cumulative
    ``<name>_bucket`` rows (label ``le``) plus ``_sum`` and ``_count``; the
    exposition format wants cumulative buckets including ``+Inf``.
    """
    base = family.name
    series = {}
    for name, row_labels, value in rows:
        labels = dict(row_labels)
        le = labels.pop("le", None)
        key = labels_key(labels)
        entry = series.setdefault(key, {"labels": labels, "buckets": {}, "sum": 0})
        if name == f"{base}_bucket" and le is not None:
            bound = _bound(le)
            entry["buckets"][bound] = entry["buckets"].get(bound, 0) + value
        elif name == f"{base}_sum":
            entry["sum"] += value
    for key in sorted(series):
        entry = series[key]
        bounds = sorted(set(buckets) | set(entry["buckets"]) | {math.inf})
        running = 0
        for bound in bounds:
            running += entry["buckets"].get(bound, 0)
            family.add(
                int(running),
                dict(entry["labels"], le=_bucket_label(bound)),
                "_bucket",
            )
        family.add(float(entry["sum"]), entry["labels"], "_sum")
        family.add(int(running), entry["labels"], "_count")
    return family


def queue_families(rows):
    """The queue's families from ``[(system code, direction, state, count,
    age in seconds of the oldest)]`` (pss.message's _pss_queue_by_system):
    depth by state, oldest pending age, processed (done), failed (dead)."""
    depth = Family(
        "pss_queue_messages", "gauge", "Messages by system, direction and state"
    )
    oldest = Family(
        "pss_queue_oldest_pending_age_seconds",
        "gauge",
        "Age of the oldest pending or retrying message",
    )
    processed = Family(
        "pss_messages_processed_total",
        "counter",
        "Messages applied or sent (state done)",
    )
    failed = Family(
        "pss_messages_failed_total", "counter", "Messages given up on (state dead)"
    )
    ages = {}
    totals = {}
    for code, direction, state, count, age in rows:
        labels = {"system": code, "direction": direction}
        depth.add(count, dict(labels, state=state))
        totals.setdefault((code, direction), {})[state] = count
        if state in ("pending", "retrying"):
            key = (code, direction)
            ages[key] = max(ages.get(key, 0.0), float(age or 0))
    for (code, direction), by_state in sorted(totals.items()):
        labels = {"system": code, "direction": direction}
        processed.add(by_state.get("done", 0), labels)
        failed.add(by_state.get("dead", 0), labels)
        oldest.add(round(ages.get((code, direction), 0.0), 3), labels)
    return [depth, oldest, processed, failed]


def api_families(rows):
    """The request figures' families from the flushed buffer's rows
    ``[(name, labels, value)]``: the counters, then the accept latency
    histogram."""
    families = []
    for name, help_ in API_COUNTERS:
        family = Family(name, "counter", help_)
        for row_name, labels, value in sorted(
            rows, key=lambda r: (r[0], sorted(r[1].items()))
        ):
            if row_name == name:
                family.add(value, labels)
        families.append(family)
    histogram = Family(
        ACCEPT_HISTOGRAM,
        "histogram",
        "Seconds from request start to commit of accepted event requests",
    )
    histogram_samples(
        histogram, [row for row in rows if row[0].startswith(ACCEPT_HISTOGRAM)]
    )
    families.append(histogram)
    return families
