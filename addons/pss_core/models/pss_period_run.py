# Copyright 2026 PSS contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
import time
from collections import Counter

from odoo import fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)


class PssPeriodRun(models.AbstractModel):
    """The one skeleton of a run of a period: the billing run, the
    intercompany charging run and the reconciliation run inherit it
    (``_inherit = ["pss.period.run", ...]``, each keeping its own ``_name``,
    fields and texts) and fill in its hooks.

    ``_pss_execute()`` (``_pss_run()`` is the name the actions call) does,
    in this order:

    1. ``_pss_check_state()``: may this run run now (raises a UserError);
    2. ``_pss_check_run_access()``: write rights and rules on the run;
    3. ``_pss_lock()``: ``pg_try_advisory_xact_lock(*_pss_lock_key())``, or a
       UserError with ``_pss_lock_refused_message()`` while another run
       holds it (no key: no lock), then ``_pss_after_lock()`` (billing's
       run counter);
    4. ``pss.run._start(_pss_run_kind, companies=_pss_run_companies())``,
       the progress record, and the run is written *running*;
    5. ``_pss_run_units()``: every unit of ``_pss_units()`` (one for an
       all-or-nothing run, one per agreement pair for intercompany) runs in
       a savepoint through ``_pss_run_unit(unit, counts)``, with counts of
       its own, added to the run's when the unit succeeds; the progress
       record gets the counts after each unit. A unit that fails:
       ``_pss_unit_fails_run`` (default) rolls it back and fails the run
       (state *failed*, the error, the progress record closed with it);
       otherwise ``_pss_unit_error(unit, exc)`` turns it into a message of
       the run (counted as *failed*, the next unit runs) or returns None to
       let it through. The exceptions of ``_pss_reraise`` always go through
       (billing: a serialization failure, retried by Odoo);
    6. the progress record is closed with the counts and the measured
       seconds, then ``_pss_finish(counts, errors)`` writes the run's
       result.

    ``_pss_drop_if_idle()`` is the crons' removal of a run that found
    nothing (``_pss_is_idle()``) with its progress record.

    The run's writes go through ``_pss_write_run`` (as superuser when
    ``_pss_sudo_writes``, as the reconciliation does); a model needs the
    fields ``state`` (draft / running / done / failed ...), ``pss_run_id``
    and ``error``; ``started_at`` and ``finished_at`` are written when it
    has them.

    ``_pss_run_units`` is the one place a chunked, resumable run changes:
    committing each unit, resuming after the last committed one.
    """

    _name = "pss.period.run"
    _description = "Period run"

    # The pss.run kind of the progress record.
    _pss_run_kind = None
    # A unit that fails fails the whole run (rolled back); False: only the
    # unit fails, reported by _pss_unit_error, and the run goes on.
    _pss_unit_fails_run = True
    # Exceptions a unit lets through as they are (never a failed run).
    _pss_reraise = ()
    # Write the run's state and result as superuser.
    _pss_sudo_writes = False

    # ------------------------------------------------------------------
    # Hooks
    # ------------------------------------------------------------------
    def _pss_check_state(self):
        """Raise a UserError when the run may not run in its state."""

    def _pss_check_run_access(self):
        self.check_access_rights("write")
        self.check_access_rule("write")

    def _pss_lock_key(self):
        """(namespace, id) of the run's advisory lock; empty: no lock."""
        return ()

    def _pss_lock_refused_message(self):
        """The UserError text while another run holds the lock."""
        raise NotImplementedError

    def _pss_after_lock(self):
        """More to lock once the run holds its advisory lock."""

    def _pss_run_companies(self):
        """The entities of the progress record."""
        return self.company_id

    def _pss_units(self):
        """The units (batches) of the run, each run in a savepoint."""
        return [self]

    def _pss_run_unit(self, unit, counts):
        """Do one unit's work, counting into ``counts``."""
        raise NotImplementedError

    def _pss_unit_error(self, unit, exc):
        """The run's message for a unit that failed with ``exc`` (the run
        goes on), or None to let ``exc`` through; defined by a run whose
        units fail alone (``_pss_unit_fails_run`` False)."""
        raise NotImplementedError

    def _pss_finish(self, counts, errors):
        """Write the result of a run that went through its units."""

    def _pss_is_idle(self):
        """The run found nothing: a cron leaves no record of it."""
        return False

    # ------------------------------------------------------------------
    # The skeleton
    # ------------------------------------------------------------------
    def _pss_write_run(self, vals):
        vals = {key: value for key, value in vals.items() if key in self._fields}
        (self.sudo() if self._pss_sudo_writes else self).write(vals)

    def _pss_lock(self):
        key = self._pss_lock_key()
        if key:
            self.env.cr.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", list(key))
            if not self.env.cr.fetchone()[0]:
                raise UserError(self._pss_lock_refused_message())
        self._pss_after_lock()

    def _pss_run(self):
        return self._pss_execute()

    def _pss_execute(self):
        """Run it (see the class): True when every unit succeeded."""
        self.ensure_one()
        self._pss_check_state()
        self._pss_check_run_access()
        self._pss_lock()
        started = time.monotonic()
        progress = self.env["pss.run"]._start(
            self._pss_run_kind, companies=self._pss_run_companies()
        )
        self._pss_write_run(
            {
                "state": "running",
                "pss_run_id": progress.id,
                "started_at": progress.started_at,
                "error": False,
            }
        )
        counts, errors = Counter(), []
        failure = self._pss_run_units(progress, counts, errors)
        if failure is not None:
            error = str(failure) or failure.__class__.__name__
            self._pss_write_run(
                {
                    "state": "failed",
                    "error": error,
                    "finished_at": fields.Datetime.now(),
                }
            )
            progress._close(counts, error=error, seconds=time.monotonic() - started)
            return False
        progress._close(
            counts,
            error="\n".join(errors) or None,
            seconds=time.monotonic() - started,
        )
        self._pss_finish(counts, errors)
        return not errors

    def _pss_run_units(self, progress, counts, errors):
        """Each unit in its own savepoint; the exception that failed the
        whole run (rolled back to before its unit), else None."""
        for unit in self._pss_units():
            unit_counts = Counter()
            try:
                with self.env.cr.savepoint():
                    self._pss_run_unit(unit, unit_counts)
            except self._pss_reraise:
                raise
            except Exception as exc:
                if self._pss_unit_fails_run:
                    _logger.exception("pss: %s %s failed", self._name, self.id)
                    return exc
                message = self._pss_unit_error(unit, exc)
                if message is None:
                    raise
                counts["failed"] += 1
                errors.append(message)
            else:
                counts.update(unit_counts)
            progress._progress(counts)
        return None

    # ------------------------------------------------------------------
    # Crons
    # ------------------------------------------------------------------
    def _pss_drop_if_idle(self):
        """Remove the run and its progress record when it found nothing
        (bookkeeping of the cron, removed whoever runs it); True if so."""
        self.ensure_one()
        if not self._pss_is_idle():
            return False
        run = self.sudo()
        progress = run.pss_run_id
        run.unlink()
        progress.unlink()
        return True
