"""Claims and leases: the SQL that hands messages to one worker at a time.

A worker claims messages (``_claim``: state running, a lease with an owner
and an expiry) and locks the ones it still owns before applying them
(``_lock_owned``). A sender renews the leases of what it has not sent yet
(``_renew_leases``) and gives back what it will not send (``_release_unsent``).
Leases of lost workers expire and are recovered (``_recover_leases``); parked
messages whose binding now exists go back to pending (``_release_waiting``).
"""

import logging

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


class PssMessageClaim(models.AbstractModel):
    """Inherited by pss.message only (its methods work on that table)."""

    _name = "pss.message.claim"
    _description = "Sync Message: claims and leases"

    @api.model
    def _claim(self, direction, limit, worker, now=None, system=None):
        """Lock and lease up to ``limit`` messages; return their ids.

        ``FOR UPDATE SKIP LOCKED`` lets several workers claim from the same
        queue without waiting on each other or taking the same message. Only
        the head of every sequence key is claimable, so messages of one key
        apply strictly in arrival order. One exception: a message whose
        handler creates the binding that earlier messages of its key are
        parked waiting for (``_pss_sequence_binds``, e.g. engagement.won
        behind an engagement.amended that arrived first) passes them and
        the messages queued behind them; the binding releases them after it.
        """
        now = now or fields.Datetime.now()
        self.flush_model()
        self.env["pss.system"].flush_model(
            ["batch_size", "circuit_open_until", "lease_seconds"]
        )
        if direction == "out":
            claimable = self._claimable_outbound(limit, now, system)
        else:
            claimable = self._claimable_inbound(limit, now, system)
        self.env.cr.execute(
            SQL(
                """
                WITH claimable AS (%(claimable)s)
                UPDATE pss_message m
                   SET state = 'running',
                       attempts = m.attempts + 1,
                       lease_owner = %(worker)s,
                       last_worker = %(worker)s,
                       lease_expires_at = %(now)s + make_interval(secs => GREATEST(
                           (SELECT s.lease_seconds FROM pss_system s
                             WHERE s.id = m.system_id), 1)),
                       started_at = %(now)s,
                       next_attempt_at = NULL,
                       write_date = %(now)s
                 -- = ANY(ARRAY(...)): primary-key lookups whatever the
                 -- planner believes about the CTE's size (a join here once
                 -- became a nested loop over the whole system's messages).
                 WHERE m.id = ANY(ARRAY(SELECT c.id FROM claimable c))
             RETURNING m.id
                """,
                claimable=claimable,
                now=now,
                worker=worker,
            )
        )
        ids = sorted(row[0] for row in self.env.cr.fetchall())
        self.invalidate_model()
        return ids

    @staticmethod
    def _claimable_head(opener_clause=None):
        """Only the head of a sequence key may be claimed."""
        return SQL(
            """(m.sequence_scope IS NULL OR NOT EXISTS (
                    SELECT 1 FROM pss_message p
                    WHERE p.sequence_scope = m.sequence_scope
                      AND p.id < m.id
                      AND p.state IN ('pending', 'running', 'retrying', 'parked')
                      %s))""",
            opener_clause or SQL(),
        )

    @api.model
    def _claimable_opener_clause(self):
        """A message whose type creates the binding that earlier messages of
        its sequence key are parked waiting for (``_pss_sequence_binds``, e.g.
        engagement.won for an amendment that came first) is not held back by
        them, nor by the ones queued behind them: it is what releases them."""
        openers = self.env["pss.handler"]._pss_sequence_openers()
        if not openers:
            return SQL()
        return SQL(
            """
            AND NOT EXISTS (
                SELECT 1 FROM pss_message w
                WHERE w.sequence_scope = m.sequence_scope
                  AND w.id <= p.id
                  AND w.state = 'parked'
                  AND (m.event_type, w.wait_model) IN %s)
            """,
            openers,
        )

    @api.model
    def _claimable_inbound(self, limit, now, system=None):
        system_clause = SQL("AND m.system_id = %s", system.id) if system else SQL()
        return SQL(
            """
            SELECT m.id FROM pss_message m
            WHERE m.direction = 'in'
              AND m.state IN ('pending', 'retrying')
              AND (m.state = 'pending' OR m.next_attempt_at <= %(now)s)
              %(system_clause)s
              AND %(head)s
            ORDER BY m.id
            LIMIT %(limit)s
            FOR UPDATE OF m SKIP LOCKED
            """,
            now=now,
            limit=limit,
            system_clause=system_clause,
            head=self._claimable_head(self._claimable_opener_clause()),
        )

    @api.model
    def _claimable_outbound(self, limit, now, system=None):
        """Outbound claims: at most ``batch_size`` messages per system, none of
        a system whose circuit is open (its receiver keeps timing out)."""
        system_clause = SQL("AND s.id = %s", system.id) if system else SQL()
        return SQL(
            """
            SELECT c.id FROM pss_system s
            CROSS JOIN LATERAL (
                SELECT m.id FROM pss_message m
                WHERE m.system_id = s.id
                  AND m.direction = 'out'
                  AND m.state IN ('pending', 'retrying')
                  AND (m.state = 'pending' OR m.next_attempt_at <= %(now)s)
                  AND %(head)s
                ORDER BY m.id
                LIMIT GREATEST(COALESCE(s.batch_size, 0), 1)
                FOR UPDATE OF m SKIP LOCKED
            ) c
            WHERE (s.circuit_open_until IS NULL OR s.circuit_open_until <= %(now)s)
              %(system_clause)s
            ORDER BY c.id
            LIMIT %(limit)s
            """,
            now=now,
            limit=limit,
            system_clause=system_clause,
            head=self._claimable_head(),
        )

    @api.model
    def _lock_owned(self, ids, worker):
        """Lock the claimed rows this worker still owns, for the apply.

        Holding the row locks while applying means lease recovery (which
        skips locked rows) can never hand a message that is being applied
        to another worker, even if the lease expired meanwhile. This waits
        (no SKIP LOCKED): another worker's claim may briefly hold a lock on
        a row it re-checked and skipped.
        """
        if not ids:
            return []
        self.env.cr.execute(
            """
            SELECT id FROM pss_message
            WHERE id IN %s AND state = 'running' AND lease_owner = %s
            ORDER BY id
            FOR UPDATE
            """,
            [tuple(ids), worker],
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _recover_leases(self, now=None):
        """Give messages of lost workers (lease expired) back to the queue;
        return their ids."""
        return [message_id for message_id, _state in self._recover_lease_rows(now)]

    @api.model
    def _recover_lease_rows(self, now=None):
        """_recover_leases, returning (id, new state) per recovered message."""
        now = now or fields.Datetime.now()
        self.flush_model()
        self.env.cr.execute(
            """
            WITH lost AS (
                SELECT m.id FROM pss_message m
                WHERE m.state = 'running' AND m.lease_expires_at < %(now)s
                FOR UPDATE OF m SKIP LOCKED
            )
            UPDATE pss_message m
               SET state = CASE WHEN m.attempts >= s.internal_max_attempts
                                THEN 'dead' ELSE 'retrying' END,
                   next_attempt_at = %(now)s,
                   error_category = 'internal',
                   last_error = 'The worker applying this message stopped before '
                                || 'it finished (lease expired at '
                                || to_char(m.lease_expires_at, 'YYYY-MM-DD HH24:MI:SS')
                                || ' UTC, owner ' || coalesce(m.lease_owner, '?')
                                || ').',
                   finished_at = CASE WHEN m.attempts >= s.internal_max_attempts
                                 THEN %(now)s END,
                   lease_owner = NULL,
                   lease_expires_at = NULL,
                   write_date = %(now)s
              FROM pss_system s
             WHERE m.id = ANY(ARRAY(SELECT lost.id FROM lost))
               AND s.id = m.system_id
         RETURNING m.id, m.state
            """,
            {"now": now},
        )
        rows = self.env.cr.fetchall()
        self.invalidate_model()
        if rows:
            _logger.warning(
                "pss: recovered %d message(s) from lost workers (%d dead)",
                len(rows),
                sum(1 for _id, state in rows if state == "dead"),
            )
        return rows

    @api.model
    def _release_waiting(self, system=None, model=None, external_ids=None):
        """Parked messages whose awaited binding now exists go back to pending.

        Called when bindings are created, and by every processing run as a
        safety net (a binding committed while a message was parking).
        """
        self.env["pss.binding"].flush_model()
        self.flush_model()
        query = SQL(
            """
            UPDATE pss_message m
               SET state = 'pending', park_reason = NULL, error_category = NULL,
                   wait_system_id = NULL, wait_model = NULL, wait_external_id = NULL,
                   write_date = now() at time zone 'UTC'
              FROM pss_binding b
             WHERE m.state = 'parked'
               AND m.wait_model IS NOT NULL
               -- no wait system: a binding from any system releases it
               AND (m.wait_system_id IS NULL OR b.system_id = m.wait_system_id)
               AND b.res_model = m.wait_model
               AND b.external_id = m.wait_external_id
               %s
         RETURNING m.id, m.direction
            """,
            SQL(
                "AND b.system_id = %s AND b.res_model = %s AND b.external_id IN %s",
                system.id,
                model,
                tuple(external_ids),
            )
            if external_ids
            else SQL(),
        )
        self.env.cr.execute(query)
        rows = self.env.cr.fetchall()
        if rows:
            self.invalidate_model()
            for direction in {row[1] for row in rows}:
                self._trigger_processing(direction)
        return [row[0] for row in rows]

    @api.model
    def _renew_leases(self, ids, worker, timeout):
        """Push the lease of claimed messages this worker still owns past the
        next send (one UPDATE; only rows whose lease would end within two
        timeouts are touched)."""
        if not ids:
            return
        self.env.cr.execute(
            """
            UPDATE pss_message m
               SET lease_expires_at = (now() AT TIME ZONE 'UTC')
                   + make_interval(secs => GREATEST(s.lease_seconds, %(margin)s))
              FROM pss_system s
             WHERE s.id = m.system_id
               AND m.id = ANY(%(ids)s)
               AND m.state = 'running'
               AND m.lease_owner = %(worker)s
               AND m.lease_expires_at
                   < (now() AT TIME ZONE 'UTC') + make_interval(secs => %(margin)s)
            """,
            {"ids": list(ids), "worker": worker, "margin": 2 * timeout + 5},
        )
        self.invalidate_model(["lease_expires_at"])

    @api.model
    def _release_unsent(self, ids, worker, now=None):
        """Give claimed but unsent messages back as they were before the
        claim: the attempt the claim counted is taken back, a retrying
        message stays retrying and is due at once. Returns how many."""
        if not ids:
            return 0
        self.env.cr.execute(
            """
            UPDATE pss_message
               SET state = CASE WHEN attempts > 1 THEN 'retrying' ELSE 'pending' END,
                   next_attempt_at = CASE WHEN attempts > 1 THEN %(now)s END,
                   attempts = GREATEST(attempts - 1, 0),
                   lease_owner = NULL,
                   lease_expires_at = NULL
             WHERE id = ANY(%(ids)s) AND state = 'running' AND lease_owner = %(worker)s
            """,
            {"ids": list(ids), "worker": worker, "now": now or fields.Datetime.now()},
        )
        released = self.env.cr.rowcount
        self.invalidate_model()
        return released
