"""The sync message (pss.message): fields, computes, indexes, manager actions.

The queue engine that moves a message is inherited from one abstract model
per step (``pss.message.<step>``, each in its file; they work on the
pss_message table and are meant for this model only):

- ``pss_message_enqueue.py``: store messages, wake a cron worker;
- ``pss_message_claim.py``: claim, lease, lock, release, recover (SQL);
- ``pss_message_runner.py``: the loop a cron worker runs (commits, budget);
- ``pss_message_dispatch.py``: apply claimed inbound messages with their
  handler (its security environment, savepoints, one-by-one fallback);
- ``pss_message_outcome.py``: write what happened (the rules of what a
  failure becomes are plain Python: ``lib/failures.py``);
- ``pss_message_outbound.py``: send claimed outbound messages;
- ``pss_message_cron.py``: the crons (data/ir_cron.xml);
- ``pss_message_crypto.py``: encryption at rest of the payload's sensitive
  values (``lib/crypto.py``), re-encryption with a new key.

docs/ARCHITECTURE.md follows one event through them.
"""

import functools
import json
import logging
import uuid

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..lib import crypto
from ..lib.errors import PssDataError
from ..lib.hashing import canonical_json
from ..lib.masking import mask_payload, sensitive_paths, sensitive_values
from .pss_message_crypto import ENCRYPTED_FIELDS, pss_keyring

_logger = logging.getLogger(__name__)

STATES = [
    ("pending", "Pending"),
    ("running", "Running"),
    ("retrying", "Retrying"),
    ("parked", "Parked"),
    ("done", "Done"),
    ("dead", "Dead"),
    ("cancelled", "Cancelled"),
]
ERROR_CATEGORIES = [
    ("transient", "Transient"),
    ("data", "Data"),
    ("dependency", "Dependency"),
    ("hold", "Business hold"),
    ("conflict", "Conflict"),
    ("internal", "Internal"),
]
MANAGER_GROUP = "pss_core.group_pss_manager"


@functools.lru_cache(maxsize=256)
def _schema_paths(schema):
    """sensitive_paths of a schema class (they never change at run time)."""
    return sensitive_paths(schema)


class PssMessage(models.Model):
    _name = "pss.message"
    _description = "Sync Message"
    # The queue engine, one step a model (see the module docstring).
    _inherit = [
        "pss.mail.thread",
        "pss.message.enqueue",
        "pss.message.claim",
        "pss.message.runner",
        "pss.message.dispatch",
        "pss.message.outcome",
        "pss.message.outbound",
        "pss.message.cron",
        "pss.message.crypto",
    ]
    _order = "id desc"
    _rec_names_search = [
        "external_event_id",
        "idempotency_key",
        "event_type",
        "trace_id",
    ]

    uuid = fields.Char(
        string="UUID",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        default=lambda self: str(uuid.uuid4()),
    )
    direction = fields.Selection(
        [("in", "Inbound"), ("out", "Outbound")], required=True, readonly=True
    )
    system_id = fields.Many2one(
        "pss.system", required=True, readonly=True, ondelete="restrict", index=True
    )
    event_type = fields.Char(string="Type", required=True, readonly=True, index=True)
    schema_version = fields.Integer(default=1, readonly=True)
    external_event_id = fields.Char(string="Event ID", readonly=True, index=True)
    idempotency_key = fields.Char(required=True, readonly=True)
    # Raw payloads hold personal and financial values (costs, tax ids,
    # e-mails): pss Managers only. Everyone else reads payload_display.
    payload = fields.Json(readonly=True, groups=MANAGER_GROUP)
    payload_sha256 = fields.Char(
        string="Payload SHA-256",
        readonly=True,
        help="Hash of the payload as received; edits do not change it.",
    )
    payload_original = fields.Json(
        readonly=True,
        groups=MANAGER_GROUP,
        help="The payload as received, kept when a manager edits it.",
    )
    payload_edited_by_id = fields.Many2one("res.users", readonly=True)
    payload_edited_at = fields.Datetime(readonly=True)
    payload_purged = fields.Boolean(
        readonly=True, help="The payload was emptied by the retention policy."
    )
    payload_display = fields.Text(
        string="Payload (JSON)",
        compute="_compute_payload_display",
        help="The payload; values its schema marks sensitive are masked for "
        "everyone but pss Managers.",
    )
    payload_original_display = fields.Text(
        string="Original Payload (JSON)", compute="_compute_payload_display"
    )
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    entity_code = fields.Char(readonly=True)
    sequence_key = fields.Char(readonly=True)
    sequence_scope = fields.Char(
        readonly=True,
        help="system:direction:sequence key, the one column the ordering "
        "check looks up (so no other index can be mistaken for it).",
    )
    correlation_id = fields.Char(readonly=True, index=True)
    # W3C Trace Context: the trace of the request (or cron) that created
    # the message; the work it causes is sent on in the same trace.
    traceparent = fields.Char(
        readonly=True,
        copy=False,
        help="W3C traceparent of the work that created this message: the "
        "inbound request's trace (or a new one); sent on, with a new parent "
        "id, on every outbound request this message causes.",
    )
    trace_id = fields.Char(
        string="Trace ID",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The trace id of the traceparent: search a trace's messages "
        "with it, or find its spans in the tracing backend.",
    )
    state = fields.Selection(
        STATES, required=True, default="pending", readonly=True, index=True
    )
    attempts = fields.Integer(readonly=True)
    next_attempt_at = fields.Datetime(readonly=True)
    lease_owner = fields.Char(readonly=True)
    lease_expires_at = fields.Datetime(readonly=True)
    last_worker = fields.Char(
        readonly=True, help="Worker (host:pid:id) that claimed it last."
    )
    error_category = fields.Selection(ERROR_CATEGORIES, readonly=True)
    last_error = fields.Text(readonly=True)
    error_details = fields.Json(readonly=True)
    note = fields.Text(readonly=True, help="What the handler noted, e.g. a conflict.")
    park_reason = fields.Char(readonly=True)
    wait_system_id = fields.Many2one(
        "pss.system",
        readonly=True,
        help="The system whose binding releases this parked message; empty "
        "while it waits on a binding from any system.",
    )
    wait_model = fields.Char(readonly=True)
    wait_external_id = fields.Char(readonly=True)
    occurred_at = fields.Datetime(readonly=True)
    received_at = fields.Datetime(readonly=True)
    started_at = fields.Datetime(readonly=True)
    finished_at = fields.Datetime(readonly=True)
    duration_ms = fields.Float(string="Duration (ms)", readonly=True, digits=(16, 1))
    age_hours = fields.Float(
        string="Age (h)",
        compute="_compute_age",
        digits=(16, 2),
        help="Hours since the message was received.",
    )
    record_ids = fields.One2many(
        "pss.message.record", "message_id", string="Records", readonly=True
    )
    record_count = fields.Integer(compute="_compute_record_count")
    run_id = fields.Many2one(
        "pss.run",
        string="Last run",
        readonly=True,
        ondelete="set null",
        index="btree_not_null",
        help="The cron run that claimed this message last.",
    )

    _sql_constraints = [
        (
            "idempotency_unique",
            "unique(system_id, direction, idempotency_key)",
            "A message with this idempotency key already exists for this system.",
        ),
        ("uuid_unique", "unique(uuid)", "Message UUIDs are unique."),
    ]

    def init(self):
        # One partial index per queue query (see _claim, _recover_leases and
        # _release_waiting in pss_message_claim.py, _cron_purge_payloads in
        # pss_message_cron.py).
        cr = self.env.cr
        cr.execute(
            """
            DROP INDEX IF EXISTS pss_message_claim_pending_idx;
            DROP INDEX IF EXISTS pss_message_claim_retrying_idx;
            CREATE INDEX IF NOT EXISTS pss_message_claimable_idx
                ON pss_message (direction, id)
                WHERE state IN ('pending', 'retrying');
            DROP INDEX IF EXISTS pss_message_sequence_idx;
            CREATE INDEX IF NOT EXISTS pss_message_sequence_scope_idx
                ON pss_message (sequence_scope, id)
                WHERE sequence_scope IS NOT NULL
                  AND state IN ('pending', 'running', 'retrying', 'parked');
            CREATE INDEX IF NOT EXISTS pss_message_open_sequence_key_idx
                ON pss_message (sequence_key)
                WHERE sequence_key IS NOT NULL
                  AND state IN ('pending', 'running', 'retrying', 'parked');
            CREATE INDEX IF NOT EXISTS pss_message_lease_idx
                ON pss_message (lease_expires_at) WHERE state = 'running';
            DROP INDEX IF EXISTS pss_message_waiting_idx;
            CREATE INDEX IF NOT EXISTS pss_message_waiting_for_idx
                ON pss_message (wait_model, wait_external_id)
                WHERE state = 'parked';
            CREATE INDEX IF NOT EXISTS pss_message_retention_idx
                ON pss_message (system_id, finished_at)
                WHERE state IN ('done', 'cancelled') AND payload IS NOT NULL;
            CREATE INDEX IF NOT EXISTS pss_message_state_received_idx
                ON pss_message (state, received_at);
            """
        )

    # ------------------------------------------------------------------
    # Computed fields
    # ------------------------------------------------------------------
    @api.depends("received_at")
    def _compute_age(self):
        now = fields.Datetime.now()
        for message in self:
            start = message.received_at or message.create_date
            message.age_hours = (now - start).total_seconds() / 3600 if start else 0

    @api.depends("record_ids")
    def _compute_record_count(self):
        for message in self:
            message.record_count = len(message.record_ids)

    @api.depends("payload", "payload_original", "event_type")
    @api.depends_context("uid")
    def _compute_payload_display(self):
        # Managers see the values; anybody else (who may not read the raw
        # payload fields) sees the sensitive ones masked. sudo: reads the
        # raw payload only to show its masked copy.
        # Stored sensitive values are encrypted: decrypted here for managers
        # only (the others see them masked, encrypted or not).
        show_all = self._pss_sees_sensitive()
        for message in self:
            raw = message.sudo()
            paths = message._pss_sensitive_paths()
            shown = []
            for name in ENCRYPTED_FIELDS:
                data = raw[name]
                if not show_all:
                    shown.append(self._pretty(data, paths))
                    continue
                try:
                    data = crypto.decrypt_payload(data, paths, pss_keyring())
                except crypto.CryptoError as error:
                    shown.append(f"({error})\n{self._pretty(data, paths)}")
                    continue
                shown.append(self._pretty(data, {}))
            message.payload_display, message.payload_original_display = shown

    def _pss_sees_sensitive(self):
        """Whether the current user may see sensitive values unmasked."""
        return self.env.su or self.env.user.has_group(MANAGER_GROUP)

    def _pss_sensitive_paths(self):
        """The sensitive paths of this message's schema (see lib/masking)."""
        self.ensure_one()
        return self._pss_paths_of(self.event_type, self.direction)

    @api.model
    def _pss_paths_of(self, event_type, direction="in"):
        """The sensitive paths of the schema of ``event_type``."""
        handler = self.env["pss.handler"]._pss_handler_for(event_type, direction)
        if handler is None or handler._pss_schema is None:
            return {}
        return _schema_paths(handler._pss_schema)

    def _pss_sensitive_values(self, payload=None):
        """The sensitive values of the payload (or of ``payload``), as text,
        in clear (error texts and logs are masked with them). A payload
        that cannot be decrypted has no clear value to hide."""
        self.ensure_one()
        paths = self._pss_sensitive_paths()
        data = self.sudo().payload if payload is None else payload
        try:
            data = crypto.decrypt_payload(data, paths, pss_keyring())
        except crypto.CryptoError:
            return set()
        return sensitive_values(data, paths)

    @staticmethod
    def _pretty(data, paths):
        if data is None or data is False:
            return False
        return json.dumps(
            mask_payload(data, paths), indent=2, ensure_ascii=False, default=str
        )

    @api.depends("event_type", "external_event_id")
    def _compute_display_name(self):
        for message in self:
            message.display_name = (
                f"{message.event_type or ''} {message.external_event_id or message.id}"
            )

    # ------------------------------------------------------------------
    # Manual actions (pss Manager)
    # ------------------------------------------------------------------
    def _check_manager(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                _("Only pss Managers may retry, requeue, cancel or edit messages.")
            )

    def _manager_todo(self, states, refusal):
        """The messages of ``self`` in ``states`` that a manager acts on;
        ``refusal`` (a UserError) if there are none."""
        self._check_manager()
        todo = self.filtered(lambda m: m.state in states)
        if not todo:
            raise UserError(refusal)
        return todo

    def action_retry_now(self):
        """Retrying messages: try again now instead of waiting."""
        todo = self._manager_todo(
            ("retrying",), _("Only messages waiting for a retry can be retried now.")
        )
        todo.write({"next_attempt_at": fields.Datetime.now()})
        for message in todo:
            message.message_post(body=_("Retry requested now."))
        self._trigger_processing("in" if "in" in todo.mapped("direction") else "out")
        return True

    def action_requeue(self):
        """Dead, parked, done or cancelled messages: apply again from the start."""
        todo = self._manager_todo(
            ("dead", "parked", "done", "cancelled"),
            _("Only dead, parked, done or cancelled messages can be requeued."),
        )
        if todo.filtered("payload_purged"):
            raise UserError(
                _("The payload of a purged message is gone; it cannot be requeued.")
            )
        for message in todo:
            message.message_post(
                body=_(
                    "Requeued from state %(state)s after %(attempts)s attempt(s).",
                    state=message.state,
                    attempts=message.attempts,
                )
            )
        todo.write(
            {
                "state": "pending",
                "attempts": 0,
                "next_attempt_at": False,
                "error_category": False,
                "park_reason": False,
                "wait_system_id": False,
                "wait_model": False,
                "wait_external_id": False,
                "finished_at": False,
            }
        )
        for direction in set(todo.mapped("direction")):
            self._trigger_processing(direction)
        return True

    def action_cancel(self):
        todo = self._manager_todo(
            ("pending", "retrying", "parked", "dead"),
            _("Only messages not yet applied can be cancelled."),
        )
        todo.write({"state": "cancelled", "finished_at": fields.Datetime.now()})
        for message in todo:
            message.message_post(body=_("Cancelled."))
        return True

    def action_edit_payload(self):
        self._check_manager()
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Edit payload and replay"),
            "res_model": "pss.message.edit.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_message_id": self.id},
        }

    def _edit_payload(self, new_payload, replay=True):
        """Replace the payload (keeping the original) and optionally replay."""
        self._check_manager()
        self.ensure_one()
        if self.state in ("running",):
            raise UserError(_("A running message cannot be edited."))
        handler = self.env["pss.handler"]._pss_handler_for(
            self.event_type, self.direction
        )
        if handler is not None:
            try:
                handler._pss_validate(new_payload, self.schema_version)
            except PssDataError as error:
                lines = "\n".join(f"{d['path']}: {d['message']}" for d in error.details)
                raise ValidationError(
                    _("%(error)s\n%(lines)s", error=error.message, lines=lines)
                ) from error
        # The stored payload (encrypted values and all) becomes the original.
        previous = self.payload
        vals = {
            "payload": new_payload,
            "payload_edited_by_id": self.env.uid,
            "payload_edited_at": fields.Datetime.now(),
        }
        if not self.payload_original:
            vals["payload_original"] = previous
        self.write(vals)
        paths = self._pss_sensitive_paths()
        self.message_post(
            body=_(
                "Payload edited by %(user)s. Previous payload: %(previous)s",
                user=self.env.user.name,
                previous=canonical_json(mask_payload(previous, paths)),
            )
        )
        if replay:
            if self.state in ("pending", "retrying"):
                self.write({"next_attempt_at": fields.Datetime.now()})
            else:
                self.action_requeue()
        return True

    # ------------------------------------------------------------------
    # Console helpers
    # ------------------------------------------------------------------
    def action_view_records(self):
        self.ensure_one()
        if len(self.record_ids) == 1:
            return self.record_ids.action_open()
        return {
            "type": "ir.actions.act_window",
            "name": _("Records"),
            "res_model": "pss.message.record",
            "view_mode": "tree,form",
            "domain": [("message_id", "=", self.id)],
        }
