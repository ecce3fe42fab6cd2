"""Build the OpenAPI 3.1 document of the API from the pydantic schemas.

One component schema per registered event type (its ``data`` payload and an
envelope whose ``type`` is that event type), the generic envelope and batch,
the problem document, and the two security schemes every system route
requires together (bearer API key and ``X-PSS-Signature``).

Plain Python, tested without a database.
"""

import re

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from odoo.addons.pss_core.schemas.common import MAX_INT
from odoo.addons.pss_core.schemas.envelope import MAX_BATCH_EVENTS, Envelope

from .intake import MAX_BODY_BYTES
from .problem import MEDIA_TYPE, PROBLEMS, problem_type

__all__ = ["ERROR_STATUSES", "build_openapi", "event_schema_name"]

REF = "#/components/schemas/{model}"
# The errors each route can answer (health and metrics are not signed).
ERROR_STATUSES = {
    "events": (400, 401, 403, 405, 411, 413, 415, 422, 429, 500, 503),
    "message": (401, 403, 404, 405, 429, 500, 503),
    "public": (404, 405, 500, 503),
}
_DESCRIPTIONS = {
    400: "Malformed request: the body is not JSON, or the request is inconsistent.",
    401: "No API key, or an unknown or revoked one.",
    403: "Bad signature, or an entity outside the system's companies.",
    404: "Unknown route, or a message of another system.",
    405: "Method not allowed on this route.",
    411: "No Content-Length header (a chunked body is not accepted).",
    413: "Body over 5 MiB or more than 500 events.",
    415: "Content-Type is not application/json.",
    422: "Schema or semantic errors (every field error is listed, with its "
    "JSON path), values no field can hold (text with a NUL character or a "
    "lone surrogate, numbers of more than 100 digits or out of range), or an "
    "idempotency key reused with another payload.",
    429: "Rate limit of the system exceeded: retry after Retry-After seconds.",
    500: "Internal error (a bug: never caused by the request's content).",
    503: "Database unavailable or too busy: retry later.",
}


def event_schema_name(event_type):
    """Component name of an event type: ``timesheet.approved`` ->
    ``Event_timesheet_approved``."""
    return "Event_" + re.sub(r"[^A-Za-z0-9_]", "_", event_type)


def _problem_schema():
    return {
        "type": "object",
        "description": "RFC 9457 problem details.",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["path", "message"],
                    "properties": {
                        "path": {
                            "type": "string",
                            "examples": ["events[2].data.lines[3].hours"],
                        },
                        "message": {"type": "string"},
                    },
                },
            },
        },
    }


def _entry_schema():
    return {
        "type": "object",
        "required": ["id", "event_id", "state", "status_url", "duplicate"],
        "properties": {
            "id": {"type": "integer", "description": "Message id in Odoo"},
            "event_id": {"type": "string"},
            "idempotency_key": {"type": "string"},
            "state": {"type": "string"},
            "status_url": {"type": "string", "format": "uri"},
            "duplicate": {
                "type": "boolean",
                "description": "True when the idempotency key was seen before: "
                "the entry is the original message.",
            },
        },
    }


def _status_schema():
    nullable_time = {"type": ["string", "null"], "format": "date-time"}
    return {
        "type": "object",
        "required": ["id", "event_id", "type", "state", "attempts"],
        "properties": {
            "id": {"type": "integer"},
            "event_id": {"type": ["string", "null"]},
            "idempotency_key": {"type": "string"},
            "type": {"type": "string"},
            "entity": {"type": ["string", "null"]},
            "state": {
                "type": "string",
                "enum": [
                    "pending",
                    "running",
                    "retrying",
                    "parked",
                    "done",
                    "dead",
                    "cancelled",
                ],
            },
            "attempts": {"type": "integer"},
            "error": {
                "type": ["object", "null"],
                "properties": {
                    "category": {"type": "string"},
                    "message": {"type": "string"},
                    "details": {"type": "array", "items": {"type": "object"}},
                },
            },
            "park_reason": {"type": ["string", "null"]},
            "note": {"type": ["string", "null"]},
            "trace_id": {"type": ["string", "null"], "pattern": "^[0-9a-f]{32}$"},
            "received_at": nullable_time,
            "started_at": nullable_time,
            "finished_at": nullable_time,
            "next_attempt_at": nullable_time,
            "results": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "model": {"type": "string"},
                        "odoo_id": {"type": "integer"},
                        "operation": {"type": "string"},
                        "external_id": {
                            "type": ["string", "null"],
                            "description": "The sender's id of the record "
                            "where it is bound",
                        },
                    },
                },
            },
            "status_url": {"type": "string", "format": "uri"},
        },
    }


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


def _problem_responses():
    responses = {}
    for status, description in _DESCRIPTIONS.items():
        slugs = [slug for slug, (code, _title) in PROBLEMS.items() if code == status]
        headers = {}
        if status in (429, 503):
            headers["Retry-After"] = {
                "description": "Seconds to wait before retrying",
                "schema": {"type": "integer"},
            }
        if status == 401:
            headers["WWW-Authenticate"] = {"schema": {"type": "string"}}
        response = {
            "description": description
            + " Problem types: "
            + ", ".join(problem_type(slug) for slug in slugs),
            "content": {MEDIA_TYPE: {"schema": {"$ref": REF.format(model="Problem")}}},
        }
        if headers:
            response["headers"] = headers
        responses[f"Problem{status}"] = response
    return responses


def build_openapi(events, version="1.0.0", server_url="/", title="PSS inbound API"):
    """Return the OpenAPI 3.1 document.

    ``events``: iterable of ``(event_type, payload schema or None,
    description, schema versions)``, one per registered inbound handler.
    """
    events = sorted(events, key=lambda item: item[0])
    models = [(Envelope, "validation")]
    for _type, schema, _description, _versions in events:
        if isinstance(schema, type) and issubclass(schema, BaseModel):
            models.append((schema, "validation"))
    keys, definitions = models_json_schema(models, ref_template=REF)
    schemas = _conditionals(_rename_sensitive(dict(definitions.get("$defs", {}))))
    schemas["Problem"] = _problem_schema()
    schemas["AcceptedEntry"] = _entry_schema()
    schemas["Accepted"] = {
        "type": "object",
        "required": ["results"],
        "properties": {
            "results": {
                "type": "array",
                "items": {"$ref": REF.format(model="AcceptedEntry")},
            }
        },
    }
    schemas["MessageStatus"] = _status_schema()

    variants = []
    mapping = {}
    envelope = schemas["Envelope"]
    for event_type, schema, description, versions in events:
        name = event_schema_name(event_type)
        if isinstance(schema, type) and issubclass(schema, BaseModel):
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
        # Self-contained (the envelope's members, not an ``allOf`` of the
        # envelope): merging the envelope's untyped ``data`` into each event
        # made generators emit one model of the same name per event type.
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
        ref = REF.format(model=name)
        variants.append({"$ref": ref})
        mapping[event_type] = ref
    if variants:
        schemas["AnyEvent"] = {
            "oneOf": variants,
            "discriminator": {"propertyName": "type", "mapping": mapping},
        }
        any_event = {"$ref": REF.format(model="AnyEvent")}
    else:
        any_event = {"$ref": REF.format(model="Envelope")}
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

    system_param = {
        "name": "system",
        "in": "path",
        "required": True,
        "description": "Code of the sending system",
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"},
    }
    signed = [{"bearerAuth": [], "signature": []}]
    paths = {
        "/pss/v1/{system}/events": {
            "post": {
                "operationId": "postEvents",
                "summary": "Send one event or a batch of up to 500 events",
                "description": (
                    "Validates every event synchronously and stores all of them "
                    "or none. The idempotency key of an event is its `id` (or "
                    "the `Idempotency-Key` header for a single envelope): a "
                    "repeated key with the same payload answers 200 with the "
                    "original entry, with another payload 422. At most "
                    f"{MAX_BODY_BYTES} bytes."
                ),
                "security": signed,
                "parameters": [
                    system_param,
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "description": "Single envelope only; defaults to the event id",
                        "schema": {"type": "string", "maxLength": 255},
                    },
                    {
                        "name": "traceparent",
                        "in": "header",
                        "required": False,
                        "description": (
                            "W3C Trace Context: the messages and the events "
                            "they cause carry this trace (an invalid value "
                            "starts a new trace); echoed in the answer"
                        ),
                        "schema": {"type": "string", "maxLength": 512},
                    },
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
                        "content": {
                            "application/json": {
                                "schema": {"$ref": REF.format(model="Accepted")}
                            }
                        },
                    },
                    "200": {
                        "description": "Every event was a repeat of a stored one",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": REF.format(model="Accepted")}
                            }
                        },
                    },
                    **_responses("events"),
                },
            }
        },
        "/pss/v1/{system}/messages/{id}": {
            "get": {
                "operationId": "getMessage",
                "summary": "Status of a message of this system",
                "description": "Signed over an empty body.",
                "security": signed,
                "parameters": [
                    system_param,
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
                        "content": {
                            "application/json": {
                                "schema": {"$ref": REF.format(model="MessageStatus")}
                            }
                        },
                    },
                    **_responses("message"),
                },
            }
        },
        "/pss/v1/health": {
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
                    "200": {"description": "Healthy", "content": _health_content()},
                    "503": {"description": "Unhealthy", "content": _health_content()},
                    "404": {"$ref": "#/components/responses/Problem404"},
                },
            }
        },
        "/pss/v1/metrics": {
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
        },
        "/pss/v1/openapi.json": {
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
        },
    }
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
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": _problem_responses(),
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The system's API key: pss_<prefix>_<secret>",
                },
                "signature": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-PSS-Signature",
                    "description": (
                        "t=<unix seconds>,v1=<hex HMAC-SHA256(signing secret, "
                        '"<t>." + raw body)>; 300 s tolerance both ways; several '
                        "v1 values allowed (any match). GET requests sign an "
                        "empty body."
                    ),
                },
                "metricsToken": {"type": "http", "scheme": "bearer"},
            },
        },
    }


def _health_content():
    return {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {
                    "status": {"type": "string", "enum": ["ok", "degraded", "error"]},
                    "database": {"type": "string"},
                    "queue": {
                        "type": "object",
                        "properties": {
                            "depth": {"type": "integer"},
                            "by_state": {"type": "object"},
                            "oldest_pending_age_seconds": {"type": "number"},
                        },
                    },
                    "encryption": {
                        "type": "object",
                        "description": "Encryption at rest of the payload "
                        "values the schemas mark sensitive: on (with the id "
                        "of the key that encrypts), off (no key configured) "
                        "or error (keys that cannot be read).",
                        "properties": {
                            "status": {
                                "type": "string",
                                "enum": ["on", "off", "error"],
                            },
                            "key_id": {"type": "string"},
                            "key_ids": {
                                "type": "array",
                                "items": {"type": "string"},
                            },
                            "detail": {"type": "string"},
                        },
                    },
                },
            }
        }
    }
