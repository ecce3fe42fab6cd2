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
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError("invalid cursor") from error
    if not isinstance(after, int) or after < 0:
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
