"""RFC 9457 problem documents (``application/problem+json``).

Every error of the API is raised as an :class:`ApiProblem`. It is a werkzeug
``HTTPException``, so Odoo's HTTP layer rolls the request's transaction back
and answers with :meth:`ApiProblem.get_response` whatever raised it (the
controller, a model method or the ``ir.http`` error hook).

Plain Python (werkzeug only): unit-tested without a database.
"""

import json

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

__all__ = [
    "DOCS_URL",
    "MEDIA_TYPE",
    "PROBLEMS",
    "RETRY_AFTER_BUSY",
    "RETRY_AFTER_KEYS",
    "RETRY_AFTER_UNAVAILABLE",
    "ApiProblem",
    "problem_document",
    "problem_type",
    "retry_after",
]

MEDIA_TYPE = "application/problem+json"
DOCS_URL = "https://github.com/pss-odoo/pss/blob/17.0/docs/API.md"

# slug -> (status, title). The ``type`` of a problem is the docs anchor of
# its slug, so a client (or a person) can look every problem up.
PROBLEMS = {
    "malformed-request": (400, "Malformed request"),
    "unauthorized": (401, "Unauthorized"),
    "forbidden": (403, "Forbidden"),
    "invalid-signature": (403, "Invalid signature"),
    "entity-not-allowed": (403, "Entity not allowed"),
    "event-type-not-allowed": (403, "Event type not allowed for this system"),
    "not-found": (404, "Not found"),
    "method-not-allowed": (405, "Method not allowed"),
    "length-required": (411, "Length required"),
    "payload-too-large": (413, "Payload too large"),
    "unsupported-media-type": (415, "Unsupported media type"),
    "validation-failed": (422, "Validation failed"),
    "idempotency-conflict": (422, "Idempotency key reused with another payload"),
    "rate-limited": (429, "Too many requests"),
    "internal-error": (500, "Internal error"),
    "service-unavailable": (503, "Service unavailable"),
}
# Seconds a client waits before retrying a 503 (its Retry-After), by cause:
# the database still busy after Odoo's retries (a serialization failure, a
# lost connection), no database to serve or a failed health query, the
# encryption keys unreadable (an operator has to act).
RETRY_AFTER_BUSY = 1
RETRY_AFTER_UNAVAILABLE = 5
RETRY_AFTER_KEYS = 30
_SLUG_BY_STATUS = {}
for _slug, (_status, _title) in PROBLEMS.items():
    _SLUG_BY_STATUS.setdefault(_status, _slug)


def problem_type(slug):
    return f"{DOCS_URL}#{slug}"


def retry_after(seconds):
    """The ``Retry-After`` header of an answer."""
    return {"Retry-After": str(seconds)}


def problem_document(status, slug=None, detail=None, errors=None, title=None):
    """The JSON document of a problem; ``errors`` is [{path, message}]."""
    slug = slug or _SLUG_BY_STATUS.get(status, "internal-error")
    default_status, default_title = PROBLEMS.get(slug, (status, "Error"))
    document = {
        "type": problem_type(slug),
        "title": title or default_title,
        "status": int(status or default_status),
    }
    if detail:
        document["detail"] = str(detail)
    document["errors"] = [
        {"path": str(error.get("path") or ""), "message": str(error.get("message"))}
        for error in (errors or [])
    ]
    return document


class ApiProblem(HTTPException):
    """An error answer of the API; raising it rolls the transaction back."""

    def __init__(
        self, status, slug=None, detail=None, errors=None, headers=None, title=None
    ):
        self.code = int(status)
        self.slug = slug or _SLUG_BY_STATUS.get(self.code, "internal-error")
        self.problem_detail = detail
        self.errors = list(errors or [])
        self.extra_headers = dict(headers or {})
        self.problem_title = title
        super().__init__(description=detail)

    @property
    def document(self):
        return problem_document(
            self.code, self.slug, self.problem_detail, self.errors, self.problem_title
        )

    def body(self):
        # backslashreplace: a lone surrogate quoted from the request becomes
        # the JSON escape it came as, never an encoding error (a 500).
        return json.dumps(self.document, ensure_ascii=False).encode(
            "utf-8", "backslashreplace"
        )

    def get_response(self, environ=None, scope=None):
        body = self.body()
        headers = [
            ("Content-Type", MEDIA_TYPE),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ]
        headers += [(key, str(value)) for key, value in self.extra_headers.items()]
        return Response(body, status=self.code, headers=headers)

    def __str__(self):
        return f"{self.code} {self.slug}: {self.problem_detail or ''}"
