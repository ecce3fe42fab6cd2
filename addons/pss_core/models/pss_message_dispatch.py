"""Dispatch: applying claimed inbound messages with their handler.

``_apply_claimed`` groups the claimed messages by event type, system and
company (at most the system's batch size per group). ``_apply_group`` builds
the handler's environment (``_handler_env``: the system's technical user, in
the message's company, never superuser), checks that the system may send the
type and its user holds the type's group (``_pss_check_allowed``), validates
each payload, then runs the handler on the whole group in a savepoint
(``_run_handler``); if the group fails as a whole, each message is applied on
its own so that one bad message does not hold the others hostage. The
outcome of every message is written by ``_finish`` (pss_message_outcome.py).

Each message's application is one "apply" step of its trace
(``_apply_group_traced``, telemetry.py): an OpenTelemetry span when that is
on, and the traceparent the messages its handler enqueues inherit.
"""

import logging
import time
import traceback

import psycopg2

from odoo import _, api, models
from odoo.exceptions import AccessError

from .. import telemetry
from ..batch import PssBatch
from ..lib.crypto import CryptoError
from ..lib.errors import PssDataError, PssError
from ..lib.masking import mask_text

_logger = logging.getLogger(__name__)


class PssMessageDispatch(models.AbstractModel):
    """Inherited by pss.message only (its methods work on that table)."""

    _name = "pss.message.dispatch"
    _description = "Sync Message: dispatch to handlers"

    def _handler_env(self, system, company):
        """Environment a handler runs in: the system's user, in the company."""
        if not system.user_id:
            raise PssDataError(
                _(
                    "System %s has no technical user: set one on the system "
                    "before its events can be applied.",
                    system.code,
                )
            )
        company_ids = [company.id] if company else []
        user_companies = system.user_id.sudo().company_ids
        company_ids += [
            c.id for c in system.company_ids if c in user_companies and c != company
        ]
        if company and company not in user_companies:
            raise PssDataError(
                _(
                    "The technical user of system %(system)s is not allowed in "
                    "company %(company)s.",
                    system=system.code,
                    company=company.display_name,
                )
            )
        env = self.env(
            user=system.user_id.id,
            context=dict(self.env.context, allowed_company_ids=company_ids or None),
            su=False,
        )
        return env

    @api.model
    def _pss_check_allowed(self, system, handler):
        """The system may send this event type, and its technical user holds
        the group of the type's family (an HRIS user cannot apply CRM events
        even if its allowed list was widened by mistake).

        The intake refuses a type the system may not send; this catches what
        got in anyway (a message requeued after the list was narrowed).
        """
        event_type = handler._pss_event_type
        if event_type not in system._pss_allowed_types("in"):
            raise PssDataError(
                _(
                    "System %(system)s may not send %(type)s events (not among "
                    "its allowed events); nothing was applied.",
                    system=system.code,
                    type=event_type,
                )
            )
        groups = [g.strip() for g in (handler._pss_groups or "").split(",") if g]
        user = system.user_id
        if groups and not any(user.has_group(group) for group in groups):
            names = ", ".join(
                self.env.ref(group).sudo().full_name or group for group in groups
            )
            raise AccessError(
                _(
                    "Access denied: the technical user %(user)s of system "
                    "%(system)s is not in the group that applies %(type)s "
                    "events (%(groups)s); nothing was applied.",
                    user=user.login,
                    system=system.code,
                    type=event_type,
                    groups=names,
                )
            )

    @api.model
    def _apply_claimed(self, ids, worker, now=None):
        """Apply claimed inbound messages: one handler call per group."""
        owned = self._lock_owned(ids, worker)
        messages = self.browse(owned).sudo()
        counts = {}
        groups = {}
        for message in messages:
            key = (message.event_type, message.system_id.id, message.company_id.id)
            groups.setdefault(key, []).append(message.id)
        handlers = self.env["pss.handler"]._pss_registry("in")
        for (event_type, system_id, _company_id), group_ids in groups.items():
            # The system's batch size bounds what one handler call receives.
            size = self.env["pss.system"].sudo().browse(system_id).batch_size
            size = max(size or len(group_ids), 1)
            for start in range(0, len(group_ids), size):
                group = self.browse(group_ids[start : start + size]).sudo()
                outcome = self._apply_group_traced(
                    group, handlers.get(event_type), now=now
                )
                for key, value in outcome.items():
                    counts[key] = counts.get(key, 0) + value
        return counts

    def _pss_span_attributes(self):
        """What a span of this message may say: never a payload value."""
        self.ensure_one()
        return {
            telemetry.ATTR_EVENT_TYPE: self.event_type,
            telemetry.ATTR_SYSTEM: self.system_id.code,
            telemetry.ATTR_ENTITY: self.entity_code or self.company_id.pss_entity_code,
            telemetry.ATTR_DIRECTION: self.direction,
            telemetry.ATTR_MESSAGE_ID: self.id,
        }

    def _apply_group_traced(self, group, handler_name, now=None):
        """``_apply_group`` with one "apply" step per message, under the
        message's own trace; its outcome is the state the message ends in."""
        steps = {
            message.id: telemetry.start(
                "pss.apply", message.traceparent, message._pss_span_attributes()
            )
            for message in group
        }
        try:
            with telemetry.apply_steps(
                {
                    message.id: (
                        message.uuid,
                        message.correlation_id,
                        steps[message.id].traceparent,
                    )
                    for message in group
                }
            ):
                return self._apply_group(group, handler_name, now=now)
        finally:
            for message in group:
                state = message.state
                steps[message.id].outcome(
                    state, error=state in ("retrying", "dead", "running")
                )
                steps[message.id].end()

    def _apply_group(self, group, handler_name, now=None):
        started = time.monotonic()
        system = group[0].system_id
        company = group[0].company_id
        if not handler_name:
            error = PssDataError(
                _("No handler is installed for event type %s.", group[0].event_type)
            )
            return group._finish({m.id: error for m in group}, {}, {}, started, now)
        try:
            env = self._handler_env(system, company)
            self._pss_check_allowed(system, env[handler_name])
        except (PssDataError, AccessError) as error:
            return group._finish({m.id: error for m in group}, {}, {}, started, now)
        handler = env[handler_name]
        payloads = {}
        failures = {}
        for message in group:
            try:
                # Sensitive values are decrypted here, in memory only: the
                # handler gets the clear values, the table keeps them
                # encrypted (lib/crypto.py).
                clear = message._pss_clear_payload()
                payloads[message.id] = handler._pss_validate(
                    clear or {}, message.schema_version
                )
            except CryptoError as error:
                failures[message.id] = PssDataError(
                    _(
                        "The payload cannot be decrypted: %s; nothing was applied.",
                        error,
                    )
                )
            except PssDataError as error:
                failures[message.id] = error
        valid = group.filtered(lambda m: m.id in payloads)
        if not valid:
            return group._finish(failures, {}, {}, started, now)
        batch = self._run_handler(handler, valid, payloads, system, company)
        if batch is not None:
            failures.update(batch.failures)
            return group._finish(failures, batch.records, batch.notes, started, now)
        # The batch as a whole failed: apply each message on its own so that
        # one bad message does not hold the others hostage.
        records, notes = {}, {}
        for message in valid:
            single = self._run_handler(
                handler, message, payloads, system, company, single=True
            )
            if isinstance(single, Exception):
                failures[message.id] = single
                continue
            failures.update(single.failures)
            records.update(single.records)
            notes.update(single.notes)
        return group._finish(failures, records, notes, started, now)

    def _run_handler(self, handler, messages, payloads, system, company, single=False):
        """Run the handler in a savepoint; return the batch or the exception.

        For a multi-message batch an exception returns None (caller splits).
        """
        batch = PssBatch(
            messages.with_env(handler.env).sudo(), payloads, system, company
        )
        try:
            with self.env.cr.savepoint(), telemetry.trace_scope_of(messages.ids):
                handler._pss_process(batch)
                handler.env.flush_all()
        except Exception as error:  # pylint: disable=broad-except
            # Roll back the ORM cache with the savepoint.
            self.env.invalidate_all()
            # Logs never carry a sensitive value of the payloads.
            hidden = set()
            for message in messages:
                hidden |= message._pss_sensitive_values()
            if not single:
                _logger.info(
                    "pss: batch of %d %s failed (%s); applying one by one",
                    len(messages),
                    messages[0].event_type,
                    mask_text(str(error), hidden),
                )
                return None
            if not isinstance(error, PssError | psycopg2.OperationalError):
                error.pss_traceback = traceback.format_exc(limit=20)
                _logger.error(
                    "pss: handler %s failed on message %s\n%s",
                    handler._name,
                    messages.id,
                    mask_text(error.pss_traceback, hidden),
                )
            return error
        return batch
