"""Outcomes: what applying or sending a message did, written in few queries.

``_finish`` records a group at once: the messages that did not fail are done
(with their records and notes), each failure gets the values
``_failure_vals`` computes from its error: the category and the next state
come from the pure rules of ``lib/failures.py`` (park, done, dead, or retry
after a backoff), the error text is masked of sensitive values.
``_write_outcomes`` writes per-message values with one UPDATE per set of
columns.
"""

import time
from collections import defaultdict

from odoo import _, fields, models
from odoo.tools import SQL

from ..lib.failures import RetryPolicy, categorize, failure_outcome
from ..lib.masking import mask_details, mask_text
from ..lib.texts import counted


class PssMessageOutcome(models.AbstractModel):
    """Inherited by pss.message only (its methods work on that table)."""

    _name = "pss.message.outcome"
    _description = "Sync Message: outcomes"

    def _finish(self, failures, records, notes, started, now=None):
        """Write the outcome of every message of ``self`` in few queries."""
        now = now or fields.Datetime.now()
        elapsed_ms = (time.monotonic() - started) * 1000.0
        per_message_ms = round(elapsed_ms / max(len(self), 1), 1)
        counts = {}
        done = self.filtered(lambda m: m.id not in failures)
        if done:
            vals = {
                "state": "done",
                "finished_at": now,
                "duration_ms": per_message_ms,
                "lease_owner": False,
                "lease_expires_at": False,
                "error_category": False,
                "last_error": False,
                "error_details": False,
                "park_reason": False,
            }
            with_note = done.filtered(lambda m: m.id in notes)
            (done - with_note).write(vals)
            self._write_outcomes(
                {
                    m.id: dict(
                        vals, note=mask_text(notes[m.id], m._pss_sensitive_values())
                    )
                    for m in with_note
                }
            )
            counts["done"] = len(done)
        outcomes = {
            message.id: message._failure_vals(failures[message.id], now, per_message_ms)
            for message in self.filtered(lambda m: m.id in failures)
        }
        self._write_outcomes(outcomes)
        for vals in outcomes.values():
            counts[vals["state"]] = counts.get(vals["state"], 0) + 1
        companies = {m.id: m.company_id.id for m in self}
        record_vals = [
            dict(vals, message_id=mid, company_id=companies.get(mid) or False)
            for mid, lines in records.items()
            if mid not in failures
            for vals in lines
        ]
        if record_vals:
            self.env["pss.message.record"].sudo().create(record_vals)
        return counts

    def _failure_vals(self, error, now, duration_ms):
        """The values that record one failure according to its category."""
        self.ensure_one()
        system = self.system_id
        category = categorize(error)
        message = getattr(error, "message", None) or str(error) or repr(error)
        details = getattr(error, "details", None) or False
        # What a handler or Odoo says may quote a sensitive value (a tax id
        # refused as a duplicate...): the console, the API's status answer
        # and the logs show it masked.
        hidden = self._pss_sensitive_values()
        message = mask_text(message, hidden)
        details = mask_details(details, hidden)
        vals = {
            "error_category": category,
            "last_error": message,
            "error_details": details,
            "lease_owner": False,
            "lease_expires_at": False,
            "duration_ms": duration_ms,
        }
        if getattr(error, "pss_traceback", None):
            vals["last_error"] = mask_text(
                f"{message}\n\n{error.pss_traceback}", hidden
            )
        state_vals, gave_up = failure_outcome(
            category,
            self.attempts,
            RetryPolicy.of(system),
            now,
            retry_after=getattr(error, "retry_after", None) or 0,
        )
        vals.update(state_vals)
        if category == "dependency":
            vals.update(
                park_reason=message,
                wait_system_id=False
                if getattr(error, "any_system", False)
                else (error.system_id or system.id),
                wait_model=error.model,
                wait_external_id=error.external_id,
            )
        elif category == "hold":
            vals.update(park_reason=message)
        elif category == "conflict":
            vals.update(note=message)
        if gave_up:
            vals["last_error"] = counted(
                self.attempts,
                _("%(error)s\n(gave up after %(count)s attempt)"),
                _("%(error)s\n(gave up after %(count)s attempts)"),
                error=vals["last_error"],
            )
        return vals

    def _write_outcomes(self, vals_by_id):
        """Write per-message values with one UPDATE per set of columns.

        Failures carry values of their own (error text, jittered next attempt)
        so one ``write`` cannot cover them; an ``UPDATE ... FROM (VALUES ...)``
        per set of written columns (a handful: one per error category) keeps
        a batch of 500 failures at a few queries instead of 500.
        """
        if not vals_by_id:
            return
        groups = defaultdict(list)
        for message_id, vals in vals_by_id.items():
            groups[tuple(sorted(vals))].append((message_id, vals))
        self.flush_model()
        now = fields.Datetime.now()
        for columns, rows in groups.items():
            fields_ = [self._fields[name] for name in columns]
            values = SQL(", ").join(
                SQL(
                    "(%s, %s)",
                    message_id,
                    SQL(", ").join(
                        SQL(
                            "%s::%s",
                            field.convert_to_column(vals[field.name], self),
                            SQL(field.column_type[1]),
                        )
                        for field in fields_
                    ),
                )
                for message_id, vals in rows
            )
            self.env.cr.execute(
                SQL(
                    "UPDATE pss_message m SET %s, write_date = %s "
                    "FROM (VALUES %s) AS v(id, %s) WHERE m.id = v.id",
                    SQL(", ").join(
                        SQL("%s = v.%s", SQL.identifier(name), SQL.identifier(name))
                        for name in columns
                    ),
                    now,
                    values,
                    SQL(", ").join(SQL.identifier(name) for name in columns),
                )
            )
        self.browse(list(vals_by_id)).invalidate_recordset()
