"""The fixed parts of the OpenAPI document (lib/openapi.py): the problem,
accepted-entry, message-status and health schemas, the problem responses
and the security schemes.

Plain Python, tested without a database (through build_openapi).
"""

from odoo.addons.pss_core.lib.signature import DEFAULT_TOLERANCE

from .problem import MEDIA_TYPE, PROBLEMS, problem_type

__all__ = [
    "REF",
    "accepted_schema",
    "entry_schema",
    "health_content",
    "problem_responses",
    "problem_schema",
    "security_schemes",
    "status_schema",
]

REF = "#/components/schemas/{model}"
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


def security_schemes():
    return {
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
                f'"<t>." + raw body)>; {DEFAULT_TOLERANCE} s tolerance both ways; '
                "several v1 values allowed (any match). GET requests sign an "
                "empty body."
            ),
        },
        "metricsToken": {"type": "http", "scheme": "bearer"},
    }


def problem_schema():
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


def entry_schema():
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


def status_schema():
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


def accepted_schema():
    return {
        "type": "object",
        "required": ["results"],
        "properties": {
            "results": {
                "type": "array",
                "items": {"$ref": REF.format(model="AcceptedEntry")},
            }
        },
    }


def problem_responses():
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


def health_content():
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
