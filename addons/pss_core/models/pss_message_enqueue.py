"""Enqueue and wake-up: how a message gets into the queue.

``enqueue_many`` stores messages with one INSERT (duplicates resolve through
the idempotency constraint); ``_trigger_processing`` makes a cron worker pick
the queue up right after the commit (see ``cron_wakeup``).
"""

import json
import uuid

import psycopg2
from psycopg2.extras import Json

from odoo import api, fields, models
from odoo.tools import config

from ..cron_wakeup import schedule_wakeup
from ..lib.crypto import encrypt_payload, load_keyring
from ..lib.hashing import payload_hash
from ..lib.tracecontext import continue_or_new, trace_id_of
from ..telemetry import inherited_traceparent

# The crons that apply inbound messages: the main one and the lanes an admin
# may activate so that several cron threads apply messages at once.
INBOUND_CRONS = (
    "pss_core.ir_cron_pss_process_inbound",
    "pss_core.ir_cron_pss_process_inbound_lane2",
    "pss_core.ir_cron_pss_process_inbound_lane3",
    "pss_core.ir_cron_pss_process_inbound_lane4",
)
OUTBOUND_CRONS = ("pss_core.ir_cron_pss_send_outbound",)

# Columns written by the raw INSERT of enqueue_many(), in order.
_INSERT_COLUMNS = (
    "uuid",
    "direction",
    "system_id",
    "event_type",
    "schema_version",
    "external_event_id",
    "idempotency_key",
    "payload",
    "payload_sha256",
    "company_id",
    "entity_code",
    "sequence_key",
    "sequence_scope",
    "correlation_id",
    "occurred_at",
    "received_at",
    "state",
    "attempts",
    "create_uid",
    "create_date",
    "write_uid",
    "write_date",
    "traceparent",
    "trace_id",
)


class PssMessageEnqueue(models.AbstractModel):
    """Inherited by pss.message only (its methods work on that table)."""

    _name = "pss.message.enqueue"
    _description = "Sync Message: enqueue and wake-up"

    @api.model
    def enqueue(
        self,
        system,
        event_type,
        payload,
        idempotency_key=None,
        company=None,
        sequence_key=None,
        direction="in",
        external_event_id=None,
        occurred_at=None,
        schema_version=1,
        correlation_id=None,
        entity_code=None,
        traceparent=None,
    ):
        """Store one message; return ``(message, is_new)``.

        A repeated ``idempotency_key`` for the same system and direction
        returns the message stored the first time and ``False``.
        """
        item = {
            "event_type": event_type,
            "payload": payload,
            "idempotency_key": idempotency_key,
            "company_id": company.id if company else None,
            "sequence_key": sequence_key,
            "external_event_id": external_event_id,
            "occurred_at": occurred_at,
            "schema_version": schema_version,
            "correlation_id": correlation_id,
            "entity_code": entity_code,
            "traceparent": traceparent,
        }
        return self.enqueue_many(system, [item], direction=direction)[0]

    @api.model
    def enqueue_many(self, system, items, direction="in"):
        """Store many messages in one INSERT; return [(message, is_new)].

        Duplicates resolve through the UNIQUE (system, direction, key)
        constraint with ``ON CONFLICT DO NOTHING``, never check-then-insert:
        under Odoo's REPEATABLE READ a concurrent duplicate that committed
        after our snapshot raises a serialization failure, which Odoo's
        request and cron runners retry; the retry then sees the original.

        Each message carries a W3C ``traceparent``: see ``_enqueue_row``.
        """
        if not items:
            return []
        system.ensure_one()
        self.check_access_rights("create")
        now = fields.Datetime.now()
        rows = []
        keys = []
        paths_of = {}
        keyring = load_keyring(config)
        for item in items:
            payload = item["payload"]
            # Stored with its sensitive values encrypted (lib/crypto.py); the
            # hash is of the payload as received (duplicates are found by it).
            event_type = item["event_type"]
            if event_type not in paths_of:
                paths_of[event_type] = self._pss_paths_of(event_type, direction)
            stored = encrypt_payload(payload, paths_of[event_type], keyring, fresh=True)
            key, row = self._enqueue_row(system, direction, item, stored, now)
            keys.append(key)
            rows.append(row)
        self.flush_model()
        placeholders = ", ".join(["%s"] * len(rows))
        self.env.cr.execute(
            f"""
            INSERT INTO pss_message ({", ".join(_INSERT_COLUMNS)})
            VALUES {placeholders}
            ON CONFLICT (system_id, direction, idempotency_key) DO NOTHING
            RETURNING id, idempotency_key
            """,
            rows,
        )
        new_ids = {key: mid for mid, key in self.env.cr.fetchall()}
        missing = [key for key in keys if key not in new_ids]
        existing = {}
        if missing:
            self.env.cr.execute(
                """
                SELECT idempotency_key, id FROM pss_message
                WHERE system_id = %s AND direction = %s AND idempotency_key IN %s
                """,
                [system.id, direction, tuple(missing)],
            )
            existing = dict(self.env.cr.fetchall())
        result = self._enqueue_result(keys, new_ids, existing)
        if new_ids:
            self._trigger_processing(direction)
        return result

    def _enqueue_row(self, system, direction, item, stored, now):
        """(idempotency key, row of _INSERT_COLUMNS) of one item. Its W3C
        ``traceparent`` (lib/tracecontext.py) is the item's own, else the one
        of the message being applied (the work it causes stays in its trace)
        or of the current HTTP request, else a new trace (a cron's work)."""
        uid = self.env.uid
        message_uuid = str(uuid.uuid4())
        # Outbound events are ours: their event id (the envelope "id" sent
        # out) is the message uuid unless the caller names one.
        event_id = item.get("external_event_id") or (
            message_uuid if direction == "out" else None
        )
        key = item.get("idempotency_key") or event_id or message_uuid
        traceparent = continue_or_new(
            item.get("traceparent") or inherited_traceparent(item.get("correlation_id"))
        )
        sequence_key = item.get("sequence_key")
        return key, (
            message_uuid,
            direction,
            system.id,
            item["event_type"],
            item.get("schema_version") or 1,
            event_id,
            key,
            Json(stored, dumps=lambda d: json.dumps(d, default=str)),
            payload_hash(item["payload"]),
            item.get("company_id") or None,
            item.get("entity_code"),
            sequence_key,
            f"{system.id}:{direction}:{sequence_key}" if sequence_key else None,
            item.get("correlation_id"),
            item.get("occurred_at") or now,
            now,
            "pending",
            0,
            uid,
            now,
            uid,
            now,
            traceparent,
            trace_id_of(traceparent),
        )

    @api.model
    def _enqueue_result(self, keys, new_ids, existing):
        """[(message, is_new)] in the order of ``keys``: a key inserted twice
        in one call is new once; a key nobody can see yet is a concurrent
        duplicate (its transaction is retried like any concurrency error)."""
        result = []
        seen_new = set()
        for key in keys:
            if key in new_ids and key not in seen_new:
                seen_new.add(key)
                result.append((self.browse(new_ids[key]), True))
                continue
            mid = new_ids.get(key) or existing.get(key)
            if not mid:
                raise psycopg2.errors.SerializationFailure(
                    "concurrent enqueue of the same idempotency key"
                )
            result.append((self.browse(mid), False))
        return result

    @api.model
    def _active_crons(self, xmlids):
        """Ids of the active crons among ``xmlids`` (the lanes an admin
        activated to apply messages in several cron threads at once)."""
        data = self.env["ir.model.data"]
        ids = [data._xmlid_to_res_id(x, raise_if_not_found=False) for x in xmlids]
        ids = [cron_id for cron_id in ids if cron_id]
        if len(ids) <= 1:
            return ids
        self.env.cr.execute(
            "SELECT id FROM ir_cron WHERE id = ANY(%s) AND active", [ids]
        )
        return sorted(row[0] for row in self.env.cr.fetchall())

    @api.model
    def _trigger_processing(self, direction="in"):
        """Make a cron worker pick the queue up now.

        Like ``ir.cron._trigger()`` (a trigger row, then a wake-up after
        commit) but with one trigger row per transaction and the wake-up sent
        over a kept-open connection (see ``cron_wakeup``).
        """
        xmlids = INBOUND_CRONS if direction == "in" else OUTBOUND_CRONS
        cr = self.env.cr
        key = f"pss_trigger:{direction}"
        if cr.postcommit.data.get(key):
            return
        cron_ids = self._active_crons(xmlids)
        if not cron_ids:
            return
        cr.postcommit.data[key] = True
        self.env["ir.cron.trigger"].sudo().create(
            [
                {"cron_id": cron_id, "call_at": fields.Datetime.now()}
                for cron_id in cron_ids
            ]
        )
        schedule_wakeup(cr, cr.dbname)
