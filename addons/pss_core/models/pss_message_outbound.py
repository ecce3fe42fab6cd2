"""Outbound sending: POST each claimed outbound message to its system.

``_send_claimed`` sends one message at a time and commits after each. Before
each send it renews the leases of the messages still waiting
(``_renew_leases``); a message that no longer fits the run's time budget, or
whose system's circuit opened during the batch (``pss.system``
``_pss_circuit_record``), goes back to the queue unsent (``_release_unsent``).
``_outbound_envelope`` is the JSON body sent. Each send is a "send" step of
the message's trace: its ``traceparent`` header has the message's trace id
and a parent id of its own (an OpenTelemetry span when that is on).
"""

import time

from odoo import _, api, fields, models

from .. import telemetry
from ..lib.crypto import CryptoError
from ..lib.delivery import fits_budget
from ..lib.errors import PssDataError


class PssMessageOutbound(models.AbstractModel):
    """Inherited by pss.message only (its methods work on that table)."""

    _name = "pss.message.outbound"
    _description = "Sync Message: outbound sending"

    def _outbound_envelope(self):
        self.ensure_one()
        return {
            "id": self.external_event_id or self.uuid,
            "type": self.event_type,
            "schema_version": self.schema_version or 1,
            "occurred_at": (self.occurred_at or self.received_at).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
            "entity": self.entity_code or self.company_id.pss_entity_code or "",
            "correlation_id": self.correlation_id or None,
            # Sensitive values decrypted in memory for the receiver.
            "data": self._pss_clear_payload() or {},
        }

    def _unsendable_note(self):
        """Why this outbound message is never sent (it is cancelled, kept for
        the audit trail, out of "needs attention"), or None to send it."""
        self.ensure_one()
        system = self.system_id
        if not system.outbound_url:
            # Not every system takes status back (an HRIS may not).
            return _(
                "Not sent: system %s has no outbound URL. Set one "
                "and requeue to send it.",
                system.code,
            )
        if self.event_type not in system._pss_allowed_types("out"):
            # The system does not receive this type.
            return _(
                "Not sent: system %(system)s does not receive "
                "%(type)s events. Add the type to its events "
                "received and requeue to send it.",
                system=system.code,
                type=self.event_type,
            )
        return None

    @api.model
    def _send_claimed(self, ids, worker, commit=True, now=None, deadline=None):
        """POST each claimed outbound message; commit after each one.

        A message is sent at least once; the receiver deduplicates with the
        ``Idempotency-Key`` header (the message uuid), so a crash between the
        send and the commit cannot apply an event twice on the far side.

        A slow or hanging receiver costs nothing but time: before each send
        the leases of the claimed messages still waiting are renewed (lease
        recovery never takes a message this live worker has not sent yet);
        a message that no longer fits the run's time budget (``deadline``,
        ``time.monotonic()`` seconds), or whose system's circuit opened during
        this batch, goes back to the queue unsent with its attempt given back.
        """
        counts = {}
        paused = set()  # systems whose circuit opened during this batch
        waiting = list(ids)
        while waiting:
            message_id = waiting.pop(0)
            message = self.browse(message_id).sudo()
            system = message.system_id
            timeout = system.outbound_timeout or 10.0
            # The first message of a batch is always sent, so a budget shorter
            # than the timeout still makes progress.
            late = (
                deadline is not None
                and message_id != ids[0]
                and not fits_budget(time.monotonic(), timeout, deadline)
            )
            if late or system.id in paused:
                released = self._release_unsent([message_id], worker, now=now)
                counts["released"] = counts.get("released", 0) + released
                if commit:
                    self.env.cr.commit()  # pylint: disable=invalid-commit
                continue
            self._renew_leases([message_id, *waiting], worker, timeout)
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
            owned = self._lock_owned([message_id], worker)
            if not owned:
                continue
            for key, value in message._send_owned(timeout, now, paused).items():
                counts[key] = counts.get(key, 0) + value
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return counts

    def _send_owned(self, timeout, now, paused):
        """Send this message (claimed and locked by the worker); return the
        counts of what it became. A message nobody can receive any more is
        cancelled, one whose payload cannot be decrypted is dead, unsent."""
        self.ensure_one()
        started = time.monotonic()
        note = self._unsendable_note()
        if note:
            self.write(
                {
                    "state": "cancelled",
                    "finished_at": now or fields.Datetime.now(),
                    "lease_owner": False,
                    "lease_expires_at": False,
                    "note": note,
                }
            )
            return {"cancelled": 1}
        try:
            envelope = self._outbound_envelope()
        except CryptoError as error:
            reason = _("The payload cannot be decrypted: %s; not sent.", error)
            return self._finish({self.id: PssDataError(reason)}, {}, {}, started, now)
        system = self.system_id
        error = self._send_envelope(envelope, timeout)
        pause = system.sudo()._pss_circuit_record(error, now=now)
        if pause:
            paused.add(system.id)
            # Its retry is due when the circuit lets a probe through.
            error.retry_after = max(error.retry_after or 0, pause)
        failures = {self.id: error} if error else {}
        return self._finish(failures, {}, {}, started, now)

    def _send_envelope(self, envelope, timeout):
        """POST the envelope in a "send" step of the message's trace; return
        the error (None: delivered)."""
        from ..lib.sender import send_event

        system = self.system_id
        token, secret = system._outbound_credentials()
        with telemetry.span(
            "pss.send", self.traceparent, self._pss_span_attributes(), kind="client"
        ) as step:
            error = send_event(
                url=system.outbound_url,
                envelope=envelope,
                idempotency_key=self.uuid,
                secret=secret,
                token=token,
                timeout=timeout,
                traceparent=step.traceparent,
            )
            step.outcome(
                "delivered"
                if error is None
                else f"failed:{getattr(error, 'category', 'error')}",
                error=error is not None,
            )
        return error
