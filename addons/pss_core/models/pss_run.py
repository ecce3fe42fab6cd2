# Copyright 2026 PSS contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging
from datetime import timedelta

from odoo import _, api, fields, models

from ..lib.outcomes import summarize

_logger = logging.getLogger(__name__)


class PssRun(models.Model):
    """One run of a pss cron that did some work: what it did, how long it took.

    The queue crons (and later the billing and reconciliation runs) leave one
    of these per run that found work; a run that found nothing leaves none,
    so the list is a readable history, not a heartbeat. Counts are written
    after every batch, so a long run shows its progress while it works.
    """

    _name = "pss.run"
    _description = "Sync run"
    _order = "id desc"

    kind = fields.Selection(
        [
            ("inbound", "Apply inbound"),
            ("outbound", "Send outbound"),
            ("recovery", "Lease recovery"),
            ("retention", "Retention purge"),
        ],
        required=True,
        readonly=True,
        index=True,
    )
    state = fields.Selection(
        [
            ("running", "Running"),
            ("done", "Done"),
            ("failed", "Failed"),
            ("interrupted", "Interrupted"),
        ],
        required=True,
        default="running",
        readonly=True,
        index=True,
    )
    worker = fields.Char(readonly=True, help="host:pid:thread of the worker.")
    started_at = fields.Datetime(readonly=True, required=True)
    finished_at = fields.Datetime(readonly=True)
    duration = fields.Float(string="Duration (s)", readonly=True, digits=(16, 2))
    counts = fields.Json(readonly=True)
    summary = fields.Char(readonly=True)
    claimed_count = fields.Integer(string="Claimed", readonly=True)
    done_count = fields.Integer(string="Done", readonly=True)
    retrying_count = fields.Integer(string="Retrying", readonly=True)
    parked_count = fields.Integer(string="Parked", readonly=True)
    dead_count = fields.Integer(string="Dead", readonly=True)
    error = fields.Text(readonly=True)
    company_ids = fields.Many2many(
        "res.company",
        string="Entities",
        readonly=True,
        help="The entities whose work the run did (a billing run: its entity; "
        "an intercompany run: the entities of its pairs). A user reads the "
        "run when allowed in all of them. Empty: a queue run (counts of "
        "messages of every entity, no amount).",
    )
    message_ids = fields.One2many(
        "pss.message", "run_id", string="Messages", readonly=True
    )
    message_count = fields.Integer(compute="_compute_message_count")

    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for run in self:
            started = fields.Datetime.to_string(
                fields.Datetime.context_timestamp(run, run.started_at)
            )
            run.display_name = f"{kinds.get(run.kind, run.kind)} · {started}"

    def _compute_message_count(self):
        counts = dict(
            self.env["pss.message"]._read_group(
                [("run_id", "in", self.ids)], ["run_id"], ["__count"]
            )
        )
        for run in self:
            run.message_count = counts.get(run, 0)

    # ------------------------------------------------------------------
    # API for the crons
    # ------------------------------------------------------------------
    @api.model
    def _start(self, kind, worker=None, started_at=None, companies=None):
        # The run is bookkeeping of the cron itself, not business data; crons
        # may be started by a manager's "Run now" without rights on pss.run.
        return self.sudo().create(
            {
                "kind": kind,
                "worker": worker,
                "started_at": started_at or fields.Datetime.now(),
                "company_ids": [(6, 0, companies.ids if companies else [])],
            }
        )

    def _progress(self, counts):
        """Write the counts so far (one UPDATE); the caller commits."""
        self.ensure_one()
        self.sudo().write(self._count_vals(counts))

    def _close(self, counts, error=None, seconds=None):
        """Finish the run; ``seconds`` is its measured duration (datetimes
        are stored to the second, too coarse for most runs)."""
        self.ensure_one()
        now = fields.Datetime.now()
        if seconds is None:
            seconds = (now - self.started_at).total_seconds()
        vals = self._count_vals(counts)
        vals.update(
            state="failed" if error else "done",
            finished_at=now,
            duration=max(seconds, 0.0),
            error=error or False,
        )
        self.sudo().write(vals)
        _logger.info("pss: %s run %s: %s", self.kind, self.id, vals["summary"])

    @staticmethod
    def _count_vals(counts):
        counts = {key: value for key, value in counts.items() if value}
        return {
            "counts": counts,
            "summary": summarize(counts),
            "claimed_count": counts.get("claimed", 0),
            "done_count": counts.get("done", 0),
            "retrying_count": counts.get("retrying", 0),
            "parked_count": counts.get("parked", 0),
            "dead_count": counts.get("dead", 0),
        }

    @api.model
    def _record(self, kind, counts, started_at, worker=None):
        """A run that happened in one step (recovery, purge): start and close."""
        run = self._start(kind, worker=worker, started_at=started_at)
        run._close(counts)
        return run

    @api.model
    def _mark_interrupted(self, stale_after, now=None):
        """Runs that stopped reporting (killed worker) are marked interrupted.

        A running run writes its counts after every batch; one silent for
        longer than any message lease lost its worker (its messages are given
        back to the queue by lease recovery).
        """
        now = now or fields.Datetime.now()
        stale = self.sudo().search(
            [
                ("state", "=", "running"),
                ("write_date", "<", now - timedelta(seconds=stale_after)),
            ]
        )
        if stale:
            stale.write(
                {
                    "state": "interrupted",
                    "finished_at": now,
                    "error": _(
                        "The worker stopped reporting; its messages were given "
                        "back to the queue by lease recovery."
                    ),
                }
            )
        return stale

    @api.model
    def _purge(self, keep_days, now=None):
        now = now or fields.Datetime.now()
        old = self.sudo().search(
            [
                ("state", "!=", "running"),
                ("started_at", "<", now - timedelta(days=keep_days)),
            ]
        )
        count = len(old)
        old.unlink()
        return count

    def action_view_messages(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "pss_core.pss_message_action"
        )
        action["domain"] = [("run_id", "=", self.id)]
        action["context"] = {}
        return action
