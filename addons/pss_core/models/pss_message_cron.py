"""The crons of the queue (data/ir_cron.xml): apply inbound messages, send
outbound ones, recover the leases of lost workers, purge old payloads."""

import logging

from odoo import api, fields, models
from odoo.tools import config

from ..lib.delivery import CRON_TIME_BUDGET, cron_time_budget
from ..lib.worker import worker_id

_logger = logging.getLogger(__name__)

RUN_RETENTION_DAYS = 90


class PssMessageCron(models.AbstractModel):
    """Inherited by pss.message only (its methods work on that table)."""

    _name = "pss.message.cron"
    _description = "Sync Message: crons"

    @api.model
    def _cron_process_inbound(self, time_budget=CRON_TIME_BUDGET):
        return self._process_queue(
            "in", commit=True, time_budget=self._cron_budget(time_budget)
        )

    @api.model
    def _cron_send_outbound(self, time_budget=CRON_TIME_BUDGET):
        return self._process_queue(
            "out", commit=True, time_budget=self._cron_budget(time_budget)
        )

    @api.model
    def _cron_budget(self, wanted):
        """The run's time budget within Odoo's own cron time limit (threaded
        and prefork), so Odoo never kills a run in the middle of a batch."""
        return cron_time_budget(
            wanted, config.get("limit_time_real"), config.get("limit_time_real_cron")
        )

    @api.model
    def _cron_recover_leases(self, now=None):
        now = now or fields.Datetime.now()
        rows = self._recover_lease_rows(now=now)
        recovered = [message_id for message_id, _state in rows]
        if recovered:
            self._trigger_processing("in")
            self._trigger_processing("out")
        # A run silent for longer than the longest lease lost its worker.
        longest = max(
            self.env["pss.system"].sudo().search([]).mapped("lease_seconds") or [0]
        )
        interrupted = self.env["pss.run"]._mark_interrupted(
            max(longest, 60) * 2, now=now
        )
        if recovered or interrupted:
            self.env["pss.run"]._record(
                "recovery",
                {
                    "recovered": len(recovered),
                    "dead": sum(1 for _id, state in rows if state == "dead"),
                    "interrupted": len(interrupted),
                },
                started_at=now,
                worker=worker_id(),
            )
        return recovered

    @api.model
    def _purge_payload_rows(self, now):
        """Empty the expired payloads in one UPDATE; return how many."""
        self.flush_model()
        self.env["pss.system"].flush_model(["retention_days"])
        self.env["res.company"].flush_model(["pss_payload_retention_days"])
        # The shorter of the system's and the entity's retention wins (0 on
        # either side: no limit from that side; LEAST ignores NULLs).
        self.env.cr.execute(
            """
            UPDATE pss_message m
               SET payload = NULL, payload_original = NULL, payload_purged = TRUE,
                   write_date = %(now)s
              FROM pss_system s
             WHERE s.id = m.system_id
               AND m.state IN ('done', 'cancelled')
               AND m.payload IS NOT NULL
               AND m.finished_at < %(now)s - make_interval(
                       days => LEAST(
                           NULLIF(s.retention_days, 0),
                           (SELECT NULLIF(c.pss_payload_retention_days, 0)
                              FROM res_company c WHERE c.id = m.company_id)))
            """,
            {"now": now},
        )
        purged = self.env.cr.rowcount
        self.invalidate_model()
        return purged

    def _cron_purge_payloads(self, now=None):
        """Empty payloads of finished messages older than the retention:
        their system's ``retention_days`` or their entity's
        ``pss_payload_retention_days``, the shorter one (0: none).

        Also deletes run records older than ``pss_core.run_retention_days``
        (system parameter, 90 days by default) and lock keys untouched for a
        day (``pss_lock_key``, lib/locks.py).
        """
        now = now or fields.Datetime.now()
        purged = self._purge_payload_rows(now)
        keep_days = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("pss_core.run_retention_days", RUN_RETENTION_DAYS)
        )
        runs_deleted = (
            self.env["pss.run"]._purge(keep_days, now=now) if keep_days > 0 else 0
        )
        # Lock keys (lib/locks.py) only matter while a transaction that
        # touched them may still have a concurrent waiter: a day is ample.
        self.env.cr.execute(
            "DELETE FROM pss_lock_key WHERE touched_at < %s - interval '1 day'",
            [now],
        )
        keys_deleted = self.env.cr.rowcount
        _logger.info(
            "pss: retention purge emptied %d payload(s), deleted %d run(s) "
            "and %d lock key(s)",
            purged,
            runs_deleted,
            keys_deleted,
        )
        if purged or runs_deleted:
            self.env["pss.run"]._record(
                "retention",
                {"purged": purged, "runs_deleted": runs_deleted},
                started_at=now,
                worker=worker_id(),
            )
        return purged
