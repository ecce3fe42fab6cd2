"""Figures of the queue for the health check and the metrics (pss_api)."""

from odoo import api, models

# A health check answers within this time, or reports the database as down.
HEALTH_TIMEOUT_MS = 5000
# The states of a message not finished yet, and those waiting for a run.
UNFINISHED_STATES = ("pending", "retrying", "running", "parked")
WAITING_STATES = ("pending", "retrying")


class PssMessage(models.Model):
    _inherit = "pss.message"

    @api.model
    def _pss_queue_stats(self):
        """``({state: count}, age in seconds of the oldest waiting message)``
        of the unfinished messages, both directions.

        At most ``HEALTH_TIMEOUT_MS``, in a savepoint: a query that fails
        raises its ``psycopg2.Error`` with the transaction still usable.
        Raw SQL, served by pss_message_state_received_idx: cheap even on a
        large queue (only the unfinished states are counted).
        """
        cr = self.env.cr
        with cr.savepoint(flush=False):
            cr.execute("SET LOCAL statement_timeout = %s", [HEALTH_TIMEOUT_MS])
            cr.execute(
                """
                SELECT state, count(*), EXTRACT(EPOCH FROM
                       (clock_timestamp() AT TIME ZONE 'UTC') - min(received_at))
                  FROM pss_message
                 WHERE state IN %s
                 GROUP BY state
                """,
                [UNFINISHED_STATES],
            )
            rows = cr.fetchall()
            cr.execute("SET LOCAL statement_timeout TO DEFAULT")
        by_state = {}
        oldest = 0.0
        for state, count, age in rows:
            by_state[state] = count
            if state in WAITING_STATES:
                oldest = max(oldest, float(age or 0))
        return by_state, oldest

    @api.model
    def _pss_queue_by_system(self):
        """Every message counted by system, direction and state:
        ``[(system code, direction, state, count, age in seconds of the
        oldest)]``, ordered by code, direction and state."""
        self.env.cr.execute(
            """
            SELECT s.code, g.direction, g.state, g.n,
                   EXTRACT(EPOCH FROM (clock_timestamp() AT TIME ZONE 'UTC') - g.oldest)
              FROM (SELECT system_id, direction, state, count(*) AS n,
                           min(received_at) AS oldest
                      FROM pss_message GROUP BY system_id, direction, state) g
              JOIN pss_system s ON s.id = g.system_id
             ORDER BY s.code, g.direction, g.state
            """
        )
        return self.env.cr.fetchall()
