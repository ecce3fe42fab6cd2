"""The runner: the loop a cron worker runs over the queue.

``_process_queue`` claims a batch (committed at once, so that other workers
see it), applies it (inbound: ``_apply_claimed``) or sends it (outbound:
``_send_claimed``), records the batch's counts on the run (``pss.run``) and
commits, until the queue is empty, the limit is reached or the time budget is
spent (then it triggers the next run and leaves the cron slot to others).
"""

import logging
import time
from types import SimpleNamespace

import psycopg2

from odoo import api, models

from ..lib.worker import worker_id

_logger = logging.getLogger(__name__)


class PssMessageRunner(models.AbstractModel):
    """Inherited by pss.message only (its methods work on that table)."""

    _name = "pss.message.runner"
    _description = "Sync Message: the runner loop"

    @api.model
    def _process_queue(
        self,
        direction="in",
        commit=True,
        limit=None,
        time_budget=None,
        now=None,
        worker=None,
        system=None,
        batch_size=500,
    ):
        """Claim and apply messages until the queue is empty.

        ``commit=False`` keeps everything in the caller's transaction (tests).
        Returns a summary dict with counts by outcome.
        """
        worker = worker or worker_id()
        started = time.monotonic()
        summary = {"claimed": 0, "batches": 0}
        job = SimpleNamespace(
            direction=direction,
            commit=commit,
            limit=limit,
            time_budget=time_budget,
            now=now,
            worker=worker,
            system=system,
            batch_size=batch_size,
            summary=summary,
            started=started,
            run_ids=[],  # the run's id, once a batch found work
        )
        try:
            run = self._process_batches(job)
        except Exception as error:
            run = self.env["pss.run"].browse(job.run_ids)
            if not (commit and run):
                raise
            # The batch's own work is rolled back (its messages stay leased
            # and lease recovery gives them back); the run says why it ended.
            self.env.cr.rollback()
            run._close(
                summary,
                error=f"{type(error).__name__}: {error}",
                seconds=time.monotonic() - started,
            )
            self.env.cr.commit()  # pylint: disable=invalid-commit
            raise
        if run:
            run._close(summary, seconds=time.monotonic() - started)
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        summary["seconds"] = round(time.monotonic() - started, 3)
        return summary

    def _process_batches(self, job):
        """The loop of _process_queue (``job`` holds its arguments, the running
        summary and the run's id); returns the pss.run it opened, if any.

        The run record is created with the first batch that found work (an
        idle tick leaves no trace) and its counts are written with every
        batch, in the batch's own transaction.
        """
        summary = job.summary
        run = self.env["pss.run"]
        first = True
        while True:
            batch_limit = job.batch_size
            if job.limit is not None:
                batch_limit = min(batch_limit, job.limit - summary["claimed"])
                if batch_limit <= 0:
                    break
            ids, run = self._claim_batch(job, run, batch_limit, release=first)
            first = False
            if not ids:
                break
            summary["claimed"] += len(ids)
            summary["batches"] += 1
            outcome = self._run_batch(job, ids)
            for key, value in outcome.items():
                summary[key] = summary.get(key, 0) + value
            run._progress(summary)
            if job.commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
            _logger.info(
                "pss: %s queue, %d message(s) claimed so far: %s",
                job.direction,
                summary["claimed"],
                outcome,
            )
            if job.time_budget and time.monotonic() - job.started > job.time_budget:
                # Leave the cron slot to others; continue in a new run soon.
                self._trigger_processing(job.direction)
                break
        return run

    def _claim_batch(self, job, run, limit, release=False):
        """Claim up to ``limit`` messages (inbound with ``release``: after
        releasing the parked ones whose wait is over) and commit; returns
        (their ids, the pss.run, started with the first batch that found
        work)."""
        if job.commit:
            self._begin_read_committed()
        if release and job.direction == "in":
            self._release_waiting()
        ids = self._claim(
            job.direction, limit, job.worker, now=job.now, system=job.system
        )
        if ids:
            if not run:
                run = run._start(
                    "inbound" if job.direction == "in" else "outbound",
                    worker=job.worker,
                )
                job.run_ids.append(run.id)
            self._set_run(ids, run)
        # The queue worker commits on purpose, like OCA queue_job: a claim
        # must be visible to other workers before the apply starts, and
        # each applied batch is its own unit of work.
        if job.commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return ids, run

    def _run_batch(self, job, ids):
        """Apply (inbound) or send (outbound) the claimed ``ids``; returns
        the outcome's counts."""
        try:
            if job.direction == "in":
                return self._apply_claimed(ids, job.worker, now=job.now)
            return self._send_claimed(
                ids,
                job.worker,
                commit=job.commit,
                now=job.now,
                deadline=job.started + job.time_budget if job.time_budget else None,
            )
        except psycopg2.OperationalError as error:
            if not job.commit:
                raise
            # Lost a race on the rows themselves (e.g. lease recovery
            # took them): nothing of this batch was applied; the
            # messages stay leased and are recovered, never lost.
            self.env.cr.rollback()
            _logger.warning("pss: batch of %d skipped: %s", len(ids), error)
            return {"skipped": len(ids)}

    def _set_run(self, ids, run):
        """Mark claimed messages with the run that claimed them (one UPDATE)."""
        self.env.cr.execute(
            "UPDATE pss_message SET run_id = %s WHERE id = ANY(%s)", [run.id, ids]
        )

    def _begin_read_committed(self):
        """Start a READ COMMITTED transaction for queue bookkeeping.

        Odoo runs REPEATABLE READ: locking a row another worker claimed and
        committed after our snapshot raises a serialization failure. Under
        READ COMMITTED, ``FOR UPDATE SKIP LOCKED`` re-checks such rows against
        their latest version and simply skips them, which is what claiming
        needs. Business writes (the apply) stay REPEATABLE READ.
        """
        self.env.cr.commit()  # pylint: disable=invalid-commit
        self.env.cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
