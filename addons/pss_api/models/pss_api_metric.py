import json
import logging

from odoo import api, fields, models

from ..lib.metrics import MetricsBuffer

_logger = logging.getLogger(__name__)

#: Deltas of this process, flushed into pss_api_metric (see lib/metrics.py).
BUFFER = MetricsBuffer()


class PssApiMetric(models.Model):
    """A request counter shared by every Odoo worker process.

    Each process adds its deltas to these rows (see ``lib/metrics.py`` for
    why); ``/pss/v1/metrics`` reads them.
    """

    _name = "pss.api.metric"
    _description = "API Metric Counter"
    _log_access = False
    _order = "name, labels"

    name = fields.Char(required=True, readonly=True)
    labels = fields.Char(required=True, readonly=True, help="Label set as JSON")
    value = fields.Float(readonly=True, digits=(16, 6))

    _sql_constraints = [
        ("name_labels_unique", "unique(name, labels)", "One row per metric series.")
    ]

    @api.model
    def _pss_flush(self, force=False, read=False):
        """Add this process's deltas to the shared rows, in a short
        transaction of its own (a refused request keeps its counts).

        With ``read``, return every row as ``[(name, labels dict, value)]``,
        read in that same transaction: the caller's own snapshot (REPEATABLE
        READ, taken when its request began) would not see what was just
        flushed.

        Rows are upserted in a fixed order so that two processes flushing
        at once cannot deadlock.
        """
        db = self.env.cr.dbname
        if not force and (self.pool.in_test_mode() or not BUFFER.due(db)):
            # In test mode the "own" cursor is a savepoint of the request's
            # transaction: a refused request would roll the flush back.
            return None
        rows = BUFFER.drain(db)
        if not rows and not read:
            return None
        try:
            with self.pool.cursor() as cr:
                if not self.pool.in_test_mode():
                    cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
                if rows:
                    placeholders = ", ".join(["(%s, %s, %s)"] * len(rows))
                    cr.execute(
                        f"""
                        INSERT INTO pss_api_metric AS m (name, labels, value)
                        VALUES {placeholders}
                        ON CONFLICT (name, labels)
                        DO UPDATE SET value = m.value + EXCLUDED.value
                        """,
                        [value for row in rows for value in row],
                    )
                if read:
                    cr.execute("SELECT name, labels, value FROM pss_api_metric")
                    return [
                        (name, json.loads(labels), value)
                        for name, labels, value in cr.fetchall()
                    ]
        except Exception:  # pylint: disable=broad-except
            # Metrics must never break a request: keep the deltas for later.
            BUFFER.restore(db, rows)
            _logger.warning("pss_api: could not flush metrics", exc_info=True)
            if read:
                raise
        return None
