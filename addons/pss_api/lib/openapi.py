"""Build the OpenAPI 3.1 document of the API from the pydantic schemas.

One component schema per registered event type (its ``data`` payload and an
envelope whose ``type`` is that event type), the generic envelope and batch,
the problem document, and the two security schemes every system route
requires together (bearer API key and ``X-PSS-Signature``). The fixed parts
are in lib/openapi_parts.py.

Plain Python, tested without a database.
"""

import re

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from odoo.addons.pss_core.lib.tracecontext import MAX_LENGTH as MAX_TRACEPARENT
from odoo.addons.pss_core.schemas.common import MAX_INT
from odoo.addons.pss_core.schemas.envelope import MAX_BATCH_EVENTS, Envelope

from .intake import MAX_BODY_BYTES, MAX_IDEMPOTENCY_KEY
from .openapi_parts import (
    REF,
    accepted_schema,
    entry_schema,
    health_content,
    problem_responses,
    problem_schema,
    security_schemes,
    status_schema,
)

__all__ = ["ERROR_STATUSES", "build_openapi", "event_schema_name"]

# The errors each route can answer (health and metrics are not signed).
ERROR_STATUSES = {
    "events": (400, 401, 403, 405, 411, 413, 415, 422, 429, 500, 503),
    "message": (401, 403, 404, 405, 429, 500, 503),
    "public": (404, 405, 500, 503),
}


def event_schema_name(event_type):
    """Component name of an event type: ``timesheet.approved`` ->
    ``Event_timesheet_approved``."""
    return "Event_" + re.sub(r"[^A-Za-z0-9_]", "_", event_type)


def _rename_sensitive(node):
    """``sensitive`` (a pss schema marker) becomes the extension
    ``x-pss-sensitive`` so the document stays plain OpenAPI."""
    if isinstance(node, dict):
        if node.get("sensitive") is True:
            node = dict(node)
            node.pop("sensitive")
            node["x-pss-sensitive"] = True
        return {key: _rename_sensitive(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_rename_sensitive(item) for item in node]
    return node


def _discriminant(variants):
    """The member every variant pins with a ``const``, or None."""
    if len(variants) < 2 or not all(
        isinstance(v, dict) and isinstance(v.get("properties"), dict) for v in variants
    ):
        return None
    for key, member in variants[0]["properties"].items():
        if isinstance(member, dict) and "const" in member:
            consts = [v["properties"].get(key, {}).get("const") for v in variants]
            if None not in consts and len(set(map(repr, consts))) == len(consts):
                return key
    return None


def _conditionals(node):
    """An object's ``oneOf`` of variants told apart by one member's ``const``
    (e.g. one variant per billing model) becomes the equivalent chain of
    ``if``/``then``/``else`` on that member: the same instances validate,
    and client generators, which read an object's ``oneOf`` as a union of
    models (losing the object's own members, or failing on a variant's
    ``not``), keep the object as one typed model."""
    if isinstance(node, list):
        return [_conditionals(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _conditionals(value) for key, value in node.items()}
    variants = node.get("oneOf")
    key = (
        "properties" in node and isinstance(variants, list) and _discriminant(variants)
    )
    if key:
        node.pop("oneOf")

        def chain(rest):
            if len(rest) == 1:
                return rest[0]
            pinned = {
                "properties": {key: rest[0]["properties"][key]},
                "required": [key],
            }
            return {"if": pinned, "then": rest[0], "else": chain(rest[1:])}

        node.update(chain(variants))
    return node


def _responses(kind):
    return {
        str(status): {"$ref": f"#/components/responses/Problem{status}"}
        for status in ERROR_STATUSES[kind]
    }


def _json_content(model):
    return {"application/json": {"schema": {"$ref": REF.format(model=model)}}}


def _is_model(schema):
    return isinstance(schema, type) and issubclass(schema, BaseModel)


def _event_schema(schemas, envelope, event, data_schema):
    """The self-contained envelope of one event type (the envelope's
    members, not an ``allOf`` of the envelope: merging the envelope's
    untyped ``data`` into each event made generators emit one model of the
    same name per event type)."""
    event_type, _schema, description, versions = event
    name = event_schema_name(event_type)
    properties = dict(envelope["properties"])
    properties.update(
        type={"const": event_type},
        schema_version={"enum": sorted(versions or (1,))},
        data=data_schema,
    )
    schemas[name] = {
        "title": name,
        "description": description or f"Envelope of a {event_type} event",
        "type": "object",
        "additionalProperties": envelope.get("additionalProperties", False),
        "required": envelope["required"],
        "properties": properties,
        "x-pss-event-type": event_type,
    }
    return REF.format(model=name)


def _event_schemas(schemas, events, keys):
    """Add one schema per event type, then AnyEvent (a discriminated union
    of them) when there is one; return the schema of any one event."""
    variants = []
    mapping = {}
    envelope = schemas["Envelope"]
    for event in events:
        event_type, schema = event[0], event[1]
        name = event_schema_name(event_type)
        if _is_model(schema):
            data_schema = keys[(schema, "validation")]
        else:
            # A named schema of its own: client generators name every model
            # after its component, and two inline ``data`` objects of the same
            # title would collide.
            schemas[f"{name}_data"] = {
                "type": "object",
                "description": f"Payload of a {event_type} event",
            }
            data_schema = {"$ref": REF.format(model=f"{name}_data")}
        ref = _event_schema(schemas, envelope, event, data_schema)
        variants.append({"$ref": ref})
        mapping[event_type] = ref
    if not variants:
        return {"$ref": REF.format(model="Envelope")}
    schemas["AnyEvent"] = {
        "oneOf": variants,
        "discriminator": {"propertyName": "type", "mapping": mapping},
    }
    return {"$ref": REF.format(model="AnyEvent")}


def _schemas(events):
    """``(component schemas, schema of any one event)``."""
    models = [(Envelope, "validation")]
    models += [(event[1], "validation") for event in events if _is_model(event[1])]
    keys, definitions = models_json_schema(models, ref_template=REF)
    schemas = _conditionals(_rename_sensitive(dict(definitions.get("$defs", {}))))
    schemas["Problem"] = problem_schema()
    schemas["AcceptedEntry"] = entry_schema()
    schemas["Accepted"] = accepted_schema()
    schemas["MessageStatus"] = status_schema()
    any_event = _event_schemas(schemas, events, keys)
    schemas["EventBatch"] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["events"],
        "properties": {
            "events": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_BATCH_EVENTS,
                "items": any_event,
            }
        },
    }
    return schemas, any_event


def _signed():
    """Security of the system routes: API key and signature together."""
    return [{"bearerAuth": [], "signature": []}]


def _system_param():
    return {
        "name": "system",
        "in": "path",
        "required": True,
        "description": "Code of the sending system",
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"},
    }


def _header_param(name, description, max_length):
    return {
        "name": name,
        "in": "header",
        "required": False,
        "description": description,
        "schema": {"type": "string", "maxLength": max_length},
    }


def _events_path(any_event):
    return {
        "post": {
            "operationId": "postEvents",
            "summary": f"Send one event or a batch of up to {MAX_BATCH_EVENTS} events",
            "description": (
                "Validates every event synchronously and stores all of them "
                "or none. The idempotency key of an event is its `id` (or "
                "the `Idempotency-Key` header for a single envelope): a "
                "repeated key with the same payload answers 200 with the "
                "original entry, with another payload 422. At most "
                f"{MAX_BODY_BYTES} bytes."
            ),
            "security": _signed(),
            "parameters": [
                _system_param(),
                _header_param(
                    "Idempotency-Key",
                    "Single envelope only; defaults to the event id",
                    MAX_IDEMPOTENCY_KEY,
                ),
                _header_param(
                    "traceparent",
                    "W3C Trace Context: the messages and the events "
                    "they cause carry this trace (an invalid value "
                    "starts a new trace); echoed in the answer",
                    MAX_TRACEPARENT,
                ),
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "oneOf": [
                                any_event,
                                {"$ref": REF.format(model="EventBatch")},
                            ]
                        }
                    }
                },
            },
            "responses": {
                "202": {
                    "description": "Accepted: at least one event was stored",
                    "content": _json_content("Accepted"),
                },
                "200": {
                    "description": "Every event was a repeat of a stored one",
                    "content": _json_content("Accepted"),
                },
                **_responses("events"),
            },
        }
    }


def _message_path():
    return {
        "get": {
            "operationId": "getMessage",
            "summary": "Status of a message of this system",
            "description": "Signed over an empty body.",
            "security": _signed(),
            "parameters": [
                _system_param(),
                {
                    "name": "id",
                    "in": "path",
                    "required": True,
                    "description": "Any other segment answers 404",
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_INT},
                },
            ],
            "responses": {
                "200": {
                    "description": "The message",
                    "content": _json_content("MessageStatus"),
                },
                **_responses("message"),
            },
        }
    }


def _health_path():
    return {
        "get": {
            "operationId": "health",
            "summary": "Database reachable, queue depth, oldest pending age",
            "security": [],
            "parameters": [
                {
                    "name": "max_pending_age",
                    "in": "query",
                    "required": False,
                    "description": "Answer 503 when the oldest pending "
                    "message is older than this many seconds",
                    "schema": {"type": "number"},
                }
            ],
            "responses": {
                "200": {"description": "Healthy", "content": health_content()},
                "503": {"description": "Unhealthy", "content": health_content()},
                "404": {"$ref": "#/components/responses/Problem404"},
            },
        }
    }


def _metrics_path():
    return {
        "get": {
            "operationId": "metrics",
            "summary": "Prometheus text exposition format",
            "description": "Needs `Authorization: Bearer <token>` when the "
            "system parameter `pss_api.metrics_token` is set.",
            "security": [{}, {"metricsToken": []}],
            "responses": {
                "200": {
                    "description": "Metrics",
                    "content": {
                        "text/plain; version=0.0.4": {"schema": {"type": "string"}}
                    },
                },
                "401": {"$ref": "#/components/responses/Problem401"},
                **_responses("public"),
            },
        }
    }


def _openapi_path():
    return {
        "get": {
            "operationId": "openapi",
            "summary": "This document",
            "security": [],
            "responses": {
                "200": {
                    "description": "OpenAPI 3.1 document",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                **_responses("public"),
            },
        }
    }


def _paths(any_event):
    return {
        "/pss/v1/{system}/events": _events_path(any_event),
        "/pss/v1/{system}/messages/{id}": _message_path(),
        "/pss/v1/health": _health_path(),
        "/pss/v1/metrics": _metrics_path(),
        "/pss/v1/openapi.json": _openapi_path(),
    }


def build_openapi(events, version="1.0.0", server_url="/", title="PSS inbound API"):
    """Return the OpenAPI 3.1 document.

    ``events``: iterable of ``(event_type, payload schema or None,
    description, schema versions)``, one per registered inbound handler.
    """
    events = sorted(events, key=lambda item: item[0])
    schemas, any_event = _schemas(events)
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": title,
            "version": version,
            "description": (
                "Inbound events of external systems (CRM, PSA, HRIS, payroll) "
                "for the pss Odoo addons. See docs/API.md for a guide."
            ),
            "license": {
                "name": "LGPL-3.0-or-later",
                "identifier": "LGPL-3.0-or-later",
            },
        },
        "servers": [{"url": server_url}],
        "x-pss-event-types": [item[0] for item in events],
        "paths": _paths(any_event),
        "components": {
            "schemas": schemas,
            "responses": problem_responses(),
            "securitySchemes": security_schemes(),
        },
    }
