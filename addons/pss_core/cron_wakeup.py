"""Wake Odoo's cron workers after a commit, over one kept-open connection.

``ir.cron._trigger()`` wakes the cron threads with ``pg_notify`` on a fresh
connection to the ``postgres`` database, which Odoo's pool never keeps: with
password authentication over TCP that is about 8 ms per call, half the cost
of accepting one event. The queue triggers its cron on every enqueue, so it
sends the same notification over one autocommit connection per process
instead (reconnected when it breaks), at most once per transaction.
"""

import logging
import os
import threading

import psycopg2
from psycopg2 import sql

from odoo import sql_db

_logger = logging.getLogger(__name__)

# Same function as odoo.addons.base.models.ir_cron uses.
NOTIFY_FUNCTION = os.getenv("ODOO_NOTIFY_FUNCTION", "pg_notify")

_lock = threading.Lock()
_connection = None


def _connect():
    _db, info = sql_db.connection_info_for("postgres")
    connection = psycopg2.connect(**info)
    connection.autocommit = True
    return connection


def notify_cron_workers(dbname):
    """Send ``cron_trigger`` for ``dbname``; never raises."""
    global _connection  # noqa: PLW0603 - one connection per process, by design
    query = sql.SQL("SELECT {}('cron_trigger', %s)").format(
        sql.Identifier(NOTIFY_FUNCTION)
    )
    with _lock:
        for attempt in (1, 2):
            try:
                if _connection is None or _connection.closed:
                    _connection = _connect()
                with _connection.cursor() as cr:
                    cr.execute(query, [dbname])
                return True
            except psycopg2.Error as error:
                _logger.debug("pss: cron wake-up attempt %s failed: %s", attempt, error)
                if _connection is not None and not _connection.closed:
                    try:
                        _connection.close()
                    except psycopg2.Error as close_error:
                        _logger.debug("pss: closing failed: %s", close_error)
                _connection = None
    _logger.warning("pss: cannot wake the cron workers; their schedule runs the queue")
    return False


def schedule_wakeup(cr, dbname):
    """Notify the cron workers once, after ``cr`` commits."""
    if cr.postcommit.data.get("pss_cron_wakeup"):
        return
    cr.postcommit.data["pss_cron_wakeup"] = True
    cr.postcommit.add(lambda: notify_cron_workers(dbname))
