from datetime import timedelta

from odoo import api, fields, models


class PssApiRateWindow(models.Model):
    """Request counter of one system in one rate-limit window.

    Written only by :meth:`_pss_hit`, in its own short transaction, so that
    the limit holds across Odoo worker processes and servers.
    """

    _name = "pss.api.rate.window"
    _description = "API Rate Limit Window"
    _log_access = False
    _order = "window_start desc"

    system_id = fields.Many2one(
        "pss.system", required=True, readonly=True, ondelete="cascade"
    )
    window_start = fields.Datetime(required=True, readonly=True)
    hits = fields.Integer(readonly=True)

    _sql_constraints = [
        (
            "system_window_unique",
            "unique(system_id, window_start)",
            "One counter per system and window.",
        )
    ]

    @api.model
    def _pss_hit(self, system_id, window_start):
        """Count one request of ``system_id``; return the window's count.

        One statement in a transaction of its own, committed at once: the
        request's transaction may roll back (a refused request) without
        giving its hit back, and the counter row is locked only for the
        instant of the upsert, never for the whole request. READ COMMITTED,
        so that concurrent upserts of the row wait for each other and add up
        instead of failing with a serialization error (REPEATABLE READ).
        """
        with self.pool.cursor() as cr:
            if not self.pool.in_test_mode():
                # In test mode the "new" cursor is a savepoint of the test
                # transaction, whose isolation level cannot change any more.
                cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            cr.execute(
                """
                INSERT INTO pss_api_rate_window AS w (system_id, window_start, hits)
                VALUES (%s, %s, 1)
                ON CONFLICT (system_id, window_start)
                DO UPDATE SET hits = w.hits + 1
                RETURNING hits
                """,
                [system_id, window_start],
            )
            return cr.fetchone()[0]

    @api.autovacuum
    def _gc_windows(self):
        """Counters of past windows are of no use after a day."""
        self.env.cr.execute(
            "DELETE FROM pss_api_rate_window WHERE window_start < %s",
            [fields.Datetime.now() - timedelta(days=1)],
        )
