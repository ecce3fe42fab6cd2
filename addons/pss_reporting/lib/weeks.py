"""ISO weeks, cursors and CSV of the read API (plain Python, no Odoo)."""

import base64
import csv
import io
import json
from datetime import date

__all__ = ["decode_cursor", "encode_cursor", "parse_iso_week", "to_csv"]


def parse_iso_week(value):
    """Monday of ISO week ``YYYY-Www``; ValueError for a week that does not
    exist (``2026-W53``)."""
    try:
        year, week = value.split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    except (ValueError, AttributeError) as error:
        raise ValueError(f"{value!r} is not an ISO week (YYYY-Www)") from error


# The largest id PostgreSQL's integer column holds.
MAX_ID = 2**31 - 1


def encode_cursor(last_id):
    """Opaque cursor of keyset paging: the last id served."""
    raw = json.dumps({"after": int(last_id)}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor):
    """Last id served of a cursor (0 without one); ValueError when forged."""
    if not cursor:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        after = json.loads(base64.urlsafe_b64decode(padded.encode()))["after"]
    except (ValueError, KeyError, TypeError, RecursionError) as error:
        raise ValueError("invalid cursor") from error
    # An id: a JSON true is an int to Python, PostgreSQL's ids are 32-bit.
    if type(after) is not int or not 0 <= after <= MAX_ID:
        raise ValueError("invalid cursor")
    return after


def to_csv(columns, rows):
    """Rows (dicts) as CSV text with a header line of ``columns``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row[c] is None else row[c] for c in columns])
    return out.getvalue()
