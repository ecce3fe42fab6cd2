import re
from collections import Counter

from odoo import api, models

from odoo.addons.pss_core.lib.errors import PssDataError
from odoo.addons.pss_core.lib.hashing import payload_hash
from odoo.addons.pss_core.lib.masking import (
    mask_details,
    mask_text,
    sensitive_paths,
    sensitive_values,
)

from ..lib.intake import (
    iso_utc,
    key_conflicts,
    naive_utc,
    split_document,
    validate_envelope,
)
from ..lib.jsonpath import join_path, prefix_details
from ..lib.problem import ApiProblem

IDEMPOTENCY_HEADER_PATH = "headers.Idempotency-Key"
_EVENT_INDEX = re.compile(r"^events\[(\d+)\]")


def _event_index(error):
    """Sort key of an error: the index of its event (errors stay in input order)."""
    match = _EVENT_INDEX.match(error["path"])
    return int(match.group(1)) if match else -1


class PssApiIntake(models.AbstractModel):
    """Validate and store the events of one request: all of them or none.

    Runs as the system's technical user (the controller switched the
    environment), without sudo: the messages are inserted with that user's
    rights on ``pss.message``.
    """

    _name = "pss.api.intake"
    _description = "PSS API: inbound event intake"

    @api.model
    def _pss_accept(
        self,
        system,
        document,
        company_ids,
        idempotency_key=None,
        status_url=None,
        event_types=None,
        traceparent=None,
    ):
        """Validate ``document`` (one envelope or ``{"events": [...]}``) and
        enqueue its events in one INSERT.

        Returns ``(http status, {"results": [entry, ...]}, new events)`` with
        one entry per event in input order; raises :class:`ApiProblem`
        listing every error when any event is invalid (nothing is stored
        then). Every check that needs no stored message runs before the
        INSERT; a key already stored with another payload is found from the
        INSERT's own answer and the transaction rolled back (one query less
        on the common path, where every event is new).

        ``event_types``: the types the system may send (read with its
        credentials); by default the system's allowed events. Any other
        type is refused with 403, before its payload is looked at.

        ``traceparent``: the request's trace (W3C), stored on each message.
        """
        if event_types is None:
            event_types = system._pss_allowed_types("in")
        events, single = split_document(document)
        if idempotency_key is not None and not single:
            raise ApiProblem(
                400,
                "malformed-request",
                "the Idempotency-Key header applies to a single envelope; the "
                "events of a batch use their ids",
                errors=[{"path": IDEMPOTENCY_HEADER_PATH, "message": "not allowed"}],
            )
        valid = self._pss_checked(
            system, events, single, company_ids, idempotency_key, event_types
        )
        stored, rows, accepted = self._pss_store(
            system, valid, single, traceparent, len(events)
        )
        results = []
        for event, (message, is_new) in zip(valid, stored, strict=True):
            row = rows.get(event["key"])
            results.append(
                {
                    "id": message.id,
                    "event_id": event["envelope"].id,
                    "idempotency_key": event["key"],
                    "state": row["state"] if row else "pending",
                    "status_url": status_url(message.id) if status_url else None,
                    "duplicate": not is_new,
                }
            )
        return (202 if accepted else 200), {"results": results}, accepted

    @api.model
    def _pss_checked(
        self, system, events, single, company_ids, idempotency_key, event_types
    ):
        """The valid events, each with its key; raises listing every error
        (the keys reused from stored messages too) when any is invalid."""
        errors = {"invalid": [], "forbidden": [], "conflict": []}
        valid = self._pss_validate_events(
            events,
            single,
            errors["invalid"],
            event_types,
            errors["forbidden"],
            system_code=system.code,
        )
        self._pss_check_entities(system, valid, company_ids, errors)
        for event in valid:
            event["key"] = idempotency_key or event["envelope"].id
        self._pss_check_batch_keys(valid, single, errors["conflict"])
        if any(errors.values()):
            # Refused anyway: also list the keys reused from stored messages.
            rows = self._pss_stored(system, keys={event["key"] for event in valid})
            self._pss_check_stored(valid, rows, single, errors["conflict"])
            self._pss_raise(errors, len(events))
        return valid

    @api.model
    def _pss_store(self, system, valid, single, traceparent, count):
        """Enqueue the valid events in one INSERT: ``([(message, is_new)],
        {key: stored row} of the repeated keys, number of new messages)``.

        A key already stored comes back as (original, is_new False): the
        common case (all new) costs no query to look for repeats first. A
        repeat with another payload raises (422), which rolls back what was
        just inserted: nothing is stored.
        """
        items = [self._pss_item(event) for event in valid]
        for item in items:
            item["traceparent"] = traceparent
        stored = self.env["pss.message"].enqueue_many(system, items)
        new_ids = {message.id for message, is_new in stored if is_new}
        repeated = {message.id for message, _new in stored} - new_ids
        rows = self._pss_stored(system, ids=repeated) if repeated else {}
        conflicts = []
        self._pss_check_stored(valid, rows, single, conflicts)
        if conflicts:
            self._pss_raise(
                {"invalid": [], "forbidden": [], "conflict": conflicts}, count
            )
        return stored, rows, len(new_ids)

    # ------------------------------------------------------------------
    @api.model
    def _pss_validate_events(
        self, events, single, errors, event_types=None, forbidden=None, system_code=""
    ):
        """Envelope, event type and payload of every event; return the valid
        ones as dicts (index, prefix, raw, envelope, handler).

        A known type outside ``event_types`` goes to ``forbidden`` (403)."""
        handlers = self.env["pss.handler"]._pss_registry("in")
        valid = []
        for index, raw in enumerate(events):
            prefix = "" if single else f"events[{index}]"
            envelope, envelope_errors = validate_envelope(raw, prefix)
            if envelope_errors:
                errors.extend(envelope_errors)
                continue
            handler_name = handlers.get(envelope.type)
            if not handler_name:
                errors.append(
                    {
                        "path": join_path(prefix, "type"),
                        "message": f"unknown event type {envelope.type!r}; known: "
                        + ", ".join(sorted(handlers)),
                    }
                )
                continue
            if event_types is not None and envelope.type not in event_types:
                forbidden.append(
                    {
                        "path": join_path(prefix, "type"),
                        "message": f"event type {envelope.type!r} is not among "
                        f"the allowed events of system {system_code!r}",
                        "_slug": "event-type-not-allowed",
                    }
                )
                continue
            handler = self.env[handler_name]
            payload_errors = self._pss_payload_errors(handler, raw, envelope, prefix)
            if payload_errors is not None:
                errors.extend(payload_errors)
                continue
            valid.append(
                {
                    "index": index,
                    "prefix": prefix,
                    "raw": raw,
                    "envelope": envelope,
                    "handler": handler,
                }
            )
        return valid

    @api.model
    def _pss_payload_errors(self, handler, raw, envelope, prefix):
        """The errors of an event's payload by its handler's schema, or None
        when it is valid."""
        try:
            handler._pss_validate(raw["data"], envelope.schema_version)
        except PssDataError as error:
            # An error body never quotes a value the schema marks
            # sensitive (a validator may repeat what it refused).
            hidden = sensitive_values(raw["data"], sensitive_paths(handler._pss_schema))
            return prefix_details(
                mask_details(
                    error.details or [{"path": "data", "message": error.message}],
                    hidden,
                ),
                prefix,
            )
        return None

    @api.model
    def _pss_resolve_entities(self, system, codes):
        """``{entity code: company id}``: the system's own codes (value maps of
        kind ``entity``) first, then the canonical ``pss_entity_code``."""
        codes = {code for code in codes if code}
        if not codes:
            return {}
        mapped = self.env["pss.value.map"]._map(system, "entity", codes)
        rest = tuple(codes - set(mapped))
        if rest:
            # Raw SQL: the technical user may not read companies outside its
            # own, yet an unknown entity (422) must be told apart from a
            # known one that this system may not use (403).
            self.env.cr.execute(
                """
                SELECT pss_entity_code, id FROM res_company
                WHERE pss_entity_code IN %s AND active
                """,
                [rest],
            )
            mapped.update(dict(self.env.cr.fetchall()))
        return mapped

    @api.model
    def _pss_check_entities(self, system, valid, company_ids, errors):
        companies = self._pss_resolve_entities(
            system, {event["envelope"].entity for event in valid}
        )
        allowed = set(company_ids)
        kept = []
        for event in valid:
            code = event["envelope"].entity
            path = join_path(event["prefix"], "entity")
            company_id = companies.get(code)
            if not company_id:
                errors["invalid"].append(
                    {"path": path, "message": f"unknown entity {code!r}"}
                )
            elif company_id not in allowed:
                errors["forbidden"].append(
                    {
                        "path": path,
                        "message": f"entity {code!r} is not among the companies "
                        f"of system {system.code!r}",
                    }
                )
            else:
                event["company_id"] = company_id
                kept.append(event)
        valid[:] = kept

    @staticmethod
    def _pss_fingerprint(event):
        """What must match for a repeated key: type, entity, SHA-256 of data
        (computed only for the keys that need it)."""
        if "fingerprint" not in event:
            event["fingerprint"] = (
                event["envelope"].type,
                event["envelope"].entity,
                payload_hash(event["raw"]["data"]),
            )
        return event["fingerprint"]

    @staticmethod
    def _pss_key_path(event, single):
        if single and event["key"] != event["envelope"].id:
            return IDEMPOTENCY_HEADER_PATH
        return join_path(event["prefix"], "id")

    @api.model
    def _pss_check_batch_keys(self, valid, single, errors):
        """A key used twice in one request must carry the same event."""
        counts = Counter(event["key"] for event in valid)
        repeated = [
            (pos, event["key"], self._pss_fingerprint(event))
            for pos, event in enumerate(valid)
            if counts[event["key"]] > 1
        ]
        for index, first in key_conflicts(repeated).items():
            event = valid[index]
            errors.append(
                {
                    "path": self._pss_key_path(event, single),
                    "message": f"idempotency key {event['key']!r} is used by "
                    f"events[{valid[first]['index']}] with another payload",
                }
            )

    @api.model
    def _pss_stored(self, system, keys=None, ids=None):
        """Stored inbound messages of ``system`` by key or id: ``{key: row}``.

        Raw SQL on the UNIQUE (system, direction, key) index or the primary
        key; the system filter keeps it to the system's own messages.
        """
        if not keys and not ids:
            return {}
        self.env["pss.message"].flush_model()
        column, values = ("idempotency_key", keys) if keys else ("id", ids)
        self.env.cr.execute(
            f"""
            SELECT idempotency_key, id, state, payload_sha256, event_type, entity_code
            FROM pss_message
            WHERE system_id = %s AND direction = 'in' AND {column} IN %s
            """,
            [system.id, tuple(values)],
        )
        return {
            row[0]: {
                "id": row[1],
                "state": row[2],
                "fingerprint": (row[4], row[5], row[3]),
            }
            for row in self.env.cr.fetchall()
        }

    @api.model
    def _pss_check_stored(self, valid, rows, single, errors):
        """A key already stored must carry the same event (else 422)."""
        for event in valid:
            row = rows.get(event["key"])
            if row and row["fingerprint"] != self._pss_fingerprint(event):
                errors.append(
                    {
                        "path": self._pss_key_path(event, single),
                        "message": f"idempotency key {event['key']!r} was already "
                        f"used (message {row['id']}) with another payload",
                    }
                )

    @api.model
    def _pss_raise(self, errors, count):
        invalid, forbidden, conflict = (
            errors["invalid"],
            errors["forbidden"],
            errors["conflict"],
        )
        slugs = {error.pop("_slug", "entity-not-allowed") for error in forbidden}
        every = sorted(invalid + forbidden + conflict, key=_event_index)
        if not every:
            return
        detail = (
            "the event is invalid; nothing was stored"
            if count == 1
            else f"{len(every)} error(s) in a batch of {count} events; nothing "
            "was stored"
        )
        if forbidden and not (invalid or conflict):
            slug = slugs.pop() if len(slugs) == 1 else "forbidden"
            raise ApiProblem(403, slug, detail, errors=forbidden)
        if conflict and not (invalid or forbidden):
            raise ApiProblem(422, "idempotency-conflict", detail, errors=conflict)
        raise ApiProblem(422, "validation-failed", detail, errors=every)

    @api.model
    def _pss_item(self, event):
        envelope = event["envelope"]
        data = event["raw"]["data"]
        return {
            "event_type": envelope.type,
            "payload": data,
            "idempotency_key": event["key"],
            "external_event_id": envelope.id,
            "company_id": event["company_id"],
            "entity_code": envelope.entity,
            "sequence_key": event["handler"]._pss_sequence_key(data),
            "occurred_at": naive_utc(envelope.occurred_at),
            "schema_version": envelope.schema_version,
            "correlation_id": envelope.correlation_id,
        }

    # ------------------------------------------------------------------
    # Status of a message (GET /pss/v1/<system>/messages/<id>)
    # ------------------------------------------------------------------
    @api.model
    def _pss_status(self, message, system):
        """What the sender may know about its message: state, error, and the
        records it created or changed, by the sender's external ids where
        they are bound."""
        message.ensure_one()
        lines = message.record_ids
        by_model = {}
        for line in lines:
            if not line.external_id and line.res_model in self.env:
                by_model.setdefault(line.res_model, set()).add(line.res_id)
        bound = {}
        binding = self.env["pss.binding"]
        for model, ids in by_model.items():
            # One query per model, whatever the number of records.
            external = binding._external_ids(system, self.env[model].browse(list(ids)))
            bound.update({(model, rid): ext for rid, ext in external.items()})
        results = [
            {
                "model": line.res_model,
                "odoo_id": line.res_id,
                "operation": line.operation,
                "external_id": line.external_id
                or bound.get((line.res_model, line.res_id)),
            }
            for line in lines
        ]
        # Texts are masked when written; masked again here for messages
        # stored before their schema marked a field sensitive.
        hidden = message._pss_sensitive_values()
        error = None
        if message.error_category:
            error = {
                "category": message.error_category,
                "message": mask_text(_error_text(message), hidden),
                "details": mask_details(message.error_details or [], hidden),
            }
        return {
            "id": message.id,
            "event_id": message.external_event_id or None,
            "idempotency_key": message.idempotency_key,
            "type": message.event_type,
            "entity": message.entity_code or None,
            "state": message.state,
            "attempts": message.attempts,
            "error": error,
            "park_reason": mask_text(message.park_reason, hidden) or None,
            "note": mask_text(message.note, hidden) or None,
            "trace_id": message.trace_id or None,
            "received_at": iso_utc(message.received_at),
            "started_at": iso_utc(message.started_at),
            "finished_at": iso_utc(message.finished_at),
            "next_attempt_at": iso_utc(message.next_attempt_at),
            "results": results,
        }


def _error_text(message):
    """The error as the sender may see it: an internal error (a bug) keeps
    its message and traceback for the console only."""
    if message.error_category == "internal":
        return (
            "internal error while applying the event; it is retried, then "
            "handed to the integration team"
        )
    return (message.last_error or "").split("\n\n", 1)[0]
