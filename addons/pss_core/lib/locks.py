"""Transaction-level locks on a normalised key (find-or-create without races).

Two workers that look a record up by a key (a VAT number, a currency of a
company...) and create it when it is missing would both create it: the
lookup of each cannot see the other's uncommitted row. Taking
:func:`advisory_xact_lock` on the key before the lookup serialises them; the
lock is released when the transaction ends.

Odoo runs its transactions REPEATABLE READ: a worker that waited for the lock
still reads the snapshot taken at its first query and would not see what the
holder committed. So the lock also touches one row per key in
``pss_lock_key``: PostgreSQL then refuses (serialization failure, SQLSTATE
40001) a transaction whose snapshot predates the last commit that touched the
key, and the queue retries it with a fresh snapshot (category *transient*).
Under READ COMMITTED the waiter simply reads the committed row afterwards.
"""

import hashlib
import unicodedata

__all__ = [
    "LOCK_TABLE_DDL",
    "advisory_xact_lock",
    "advisory_xact_locks",
    "lock_key",
    "normalize",
]

LOCK_TABLE_DDL = """
    CREATE TABLE IF NOT EXISTS pss_lock_key (
        key bigint PRIMARY KEY,
        touched_at timestamp without time zone NOT NULL DEFAULT now()
    )
"""

_SEPARATOR = "\x1f"  # ASCII unit separator: never part of a normalised key


def normalize(part):
    """A key part as compared: text NFKC, case-folded, spaces collapsed
    (``None``/``False`` as empty), so "Senior  Consultant" and "senior
    consultant" take the same lock."""
    if part is None or part is False:
        return ""
    text = unicodedata.normalize("NFKC", str(part))
    return " ".join(text.casefold().split())


def lock_key(*key_parts):
    """Stable signed 64-bit key of ``key_parts`` (same in every process).

    The first 8 bytes of the SHA-256 of the normalised parts joined by the unit
    separator, as PostgreSQL's ``bigint`` of ``pg_advisory_xact_lock``.
    """
    if not key_parts:
        raise ValueError("a lock key needs at least one part")
    text = _SEPARATOR.join(normalize(part) for part in key_parts)
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def advisory_xact_lock(cr, *key_parts):
    """Lock ``key_parts`` until the end of the current transaction.

    Waits while another transaction holds the same key. Raises
    ``psycopg2.errors.SerializationFailure`` when a transaction that
    committed after this one's snapshot touched the key (REPEATABLE READ):
    the caller's lookup would be stale, so the transaction must be retried.
    Returns the 64-bit key.
    """
    return advisory_xact_locks(cr, [key_parts])[0]


def advisory_xact_locks(cr, keys):
    """:func:`advisory_xact_lock` for many keys (tuples of parts) at once.

    Two statements whatever the number of keys; the keys are locked in
    ascending order so that two workers locking overlapping sets cannot
    deadlock. Returns the sorted 64-bit keys.
    """
    locked = sorted({lock_key(*parts) for parts in keys})
    if not locked:
        return []
    cr.execute(
        "SELECT count(pg_advisory_xact_lock(k)) FROM unnest(%s::bigint[]) AS k",
        [locked],
    )
    cr.execute(
        """
        INSERT INTO pss_lock_key (key) SELECT unnest(%s::bigint[])
        ON CONFLICT (key) DO UPDATE SET touched_at = now()
        """,
        [locked],
        log_exceptions=False,
    )
    return locked
