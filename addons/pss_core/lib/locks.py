# Copyright 2026 PSS contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Create-once locks for records found by a natural key (no ORM).

Handlers that find a record by a natural key and create it when missing
(a department or a job by name, a partner by VAT...) must not create it
twice when two workers do so at once. Call ``advisory_xact_lock`` with the
key *before* searching::

    advisory_xact_lock(env.cr, "hr.department", company.id, name)
    found = Department.search([...])       # then create when missing

The lock is a PostgreSQL transaction-level advisory lock on a stable hash
of the normalised key parts: a second worker waits until the first commits
or rolls back. Odoo runs the apply in REPEATABLE READ, where the second
worker would still not see the first one's record after the wait; so the
lock also upserts the key into ``pss_lock_key``, which PostgreSQL refuses
with a serialization failure when another transaction took the same key
after this transaction's snapshot. The queue retries such a message
(transient error) in a new transaction, which then finds the record.
"""

import hashlib
import unicodedata

__all__ = ["LOCK_TABLE", "advisory_xact_lock", "advisory_xact_locks", "lock_key"]

LOCK_TABLE = "pss_lock_key"
LOCK_TABLE_DDL = f"""
    CREATE TABLE IF NOT EXISTS {LOCK_TABLE} (
        key bigint PRIMARY KEY,
        locked_at timestamp without time zone NOT NULL
    )
"""


def normalize(part):
    """A key part as compared: text NFKC, case-folded, spaces collapsed."""
    if part is None or part is False:
        return ""
    text = unicodedata.normalize("NFKC", str(part))
    return " ".join(text.casefold().split())


def lock_key(*key_parts):
    """Signed 64-bit key of the normalised parts (stable across processes,
    unlike ``hash()``)."""
    text = "\x1f".join(normalize(part) for part in key_parts)
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def advisory_xact_lock(cr, *key_parts):
    """Lock ``key_parts`` (e.g. model, company id, name) until the end of the
    transaction; return the lock key. See the module docstring."""
    return advisory_xact_locks(cr, [key_parts])[0]


def advisory_xact_locks(cr, keys):
    """Lock many keys (tuples of parts) in a fixed order, so that two workers
    locking overlapping sets never deadlock; return the lock keys."""
    hashed = sorted({lock_key(*parts) for parts in keys})
    if hashed:
        # One statement, keys taken in ascending order (the sorted subquery).
        cr.execute(
            """
            SELECT pg_advisory_xact_lock(k)
              FROM (SELECT unnest(%s::bigint[]) AS k ORDER BY 1) AS keys
            """,
            [hashed],
        )
        placeholders = ", ".join(["(%s, now() at time zone 'UTC')"] * len(hashed))
        cr.execute(
            f"""
            INSERT INTO {LOCK_TABLE} (key, locked_at) VALUES {placeholders}
            ON CONFLICT (key) DO UPDATE SET locked_at = EXCLUDED.locked_at
            """,
            hashed,
        )
    return hashed
