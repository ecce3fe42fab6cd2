"""HTTP routes of the inbound API: ``/pss/v1/...`` (DESIGN section 4).

Every route is ``auth="none"`` (the API authenticates systems itself),
``csrf=False`` (no browser session is involved) and ``save_session=False``
(no cookie is ever set). Errors are raised as :class:`ApiProblem`: Odoo rolls
the request's transaction back and answers the problem document. A route
authenticates with the functions of auth.py (pss_reporting's too).
"""

import functools
import json
import logging
import re
import threading
import time
from urllib.parse import quote, urlencode

import psycopg2

from odoo import fields, http
from odoo.http import request
from odoo.modules.module import get_manifest
from odoo.tools import config, date_utils

from odoo.addons.pss_core import telemetry
from odoo.addons.pss_core.lib.crypto import status as crypto_status
from odoo.addons.pss_core.schemas.common import MAX_INT

from ..lib import intake
from ..lib.metrics import (
    ACCEPT_HISTOGRAM,
    api_families,
    format_exposition,
    queue_families,
)
from ..lib.openapi import build_openapi
from ..lib.problem import RETRY_AFTER_UNAVAILABLE, ApiProblem, retry_after
from ..models.pss_api_metric import BUFFER
from . import auth

_logger = logging.getLogger(__name__)

API = "/pss/v1"
DB_HEADER = "X-Odoo-Database"
# Longest event type, entity or system code put on a trace step.
MAX_ATTRIBUTE_LENGTH = 64
_MESSAGE_ID = re.compile(r"[0-9]{1,10}")


def pss_route(path, methods):
    return http.route(
        path,
        type="http",
        auth="none",
        methods=methods,
        csrf=False,
        save_session=False,
        pss_api=True,
    )


def _utcnow():
    """Naive UTC now (a function of its own so that tests can pin the clock)."""
    return fields.Datetime.now()


def _message_id(text):
    """The message id of a URL segment: 1 to 10 ASCII digits within the id
    column's range, else None (no such message)."""
    if not _MESSAGE_ID.fullmatch(text or ""):
        return None
    number = int(text)
    return number if 0 < number <= MAX_INT else None


@functools.lru_cache(maxsize=16)
def _openapi_bytes(events, version):
    return json.dumps(build_openapi(events, version=version), indent=1).encode()


def json_document_response(body):
    """The answer of an OpenAPI document's bytes."""
    return request.make_response(
        body,
        headers=[
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
        ],
    )


class PssApiController(http.Controller):
    # ------------------------------------------------------------------
    # Routes
    # ------------------------------------------------------------------
    @pss_route(f"{API}/<string:system_code>/events", ["POST"])
    def pss_post_events(self, system_code, **params):
        return self._pss_serve("events", self._pss_post_events, system_code)

    # <string:...>, not <int:...>: werkzeug's int converter raises (a 500)
    # on more than 4,300 digits; the id is read by _message_id.
    @pss_route(f"{API}/<string:system_code>/messages/<string:message_id>", ["GET"])
    def pss_get_message(self, system_code, message_id, **params):
        return self._pss_serve(
            "message", self._pss_get_message, system_code, message_id
        )

    @pss_route(f"{API}/health", ["GET"])
    def pss_health(self, **params):
        return self._pss_serve("health", self._pss_health)

    @pss_route(f"{API}/metrics", ["GET"])
    def pss_metrics(self, **params):
        return self._pss_serve("metrics", self._pss_metrics)

    @pss_route(f"{API}/openapi.json", ["GET"])
    def pss_openapi(self, **params):
        return self._pss_serve("openapi", self._pss_openapi)

    # ------------------------------------------------------------------
    # Database selection, counting
    # ------------------------------------------------------------------
    def _pss_serve(self, endpoint, handler, *args):
        """Run ``handler`` once a database is selected; count the answer.

        Odoo selects the database of an ``auth="none"`` request from the
        server configuration: ``--database`` / ``db_name`` (the listed
        databases that exist), ``--db-filter`` (e.g. ``^%d$`` by host name)
        or the only database of the cluster. A request may name its
        database with the ``X-Odoo-Database`` header or the ``db`` query
        parameter: it must then be the selected one (404 otherwise). On a
        multi-database server without a filter, no database is selected and
        these routes answer only when ``pss_api`` is a server-wide module
        (``--load=base,web,pss_api``): see :meth:`_pss_serve_named_db`.
        """
        if request.httprequest.method == "OPTIONS":
            return request.make_response(
                b"", headers=[("Allow", self._pss_allow(endpoint))], status=204
            )
        if not request.db:
            return self._pss_serve_named_db(endpoint)
        named = self._pss_named_db()
        if named and named != request.db:
            raise ApiProblem(404, "not-found", f"database {named!r} is not served here")
        db = request.db
        # The request's "intake" trace step: here, not in a wrapper of the
        # handler, adding no stack frame under the JSON parser (depth limit).
        step = self._pss_intake_step(endpoint, args)
        try:
            response = handler(*args)
        except ApiProblem as problem:
            BUFFER.inc(
                db,
                "pss_api_requests_total",
                {"endpoint": endpoint, "status": problem.code},
            )
            self._pss_flush_metrics()
            if step is not None:
                step.set("http.response.status_code", problem.code)
                step.outcome(f"refused:{problem.code}", error=True)
            raise
        except Exception as error:
            if step is not None:
                step.outcome(f"error:{error.__class__.__name__}", error=True)
            raise
        else:
            if step is not None:
                step.set("http.response.status_code", response.status_code)
                step.outcome("accepted" if response.status_code == 202 else "duplicate")
        finally:
            if step is not None:
                step.end()
        BUFFER.inc(
            db,
            "pss_api_requests_total",
            {"endpoint": endpoint, "status": response.status_code},
        )
        self._pss_flush_metrics()
        return response

    @staticmethod
    def _pss_intake_step(endpoint, args):
        """POST events: the intake step (telemetry.py) under the request's
        W3C ``traceparent`` header (an invalid or missing one starts a new
        trace, never a refusal); an OpenTelemetry span when that is on. Its
        traceparent is stored on the messages and echoed in the answer."""
        if endpoint != "events":
            return None
        step = telemetry.start(
            "pss.intake",
            request.httprequest.headers.get("traceparent"),
            {
                telemetry.ATTR_SYSTEM: str(args[0])[:MAX_ATTRIBUTE_LENGTH],
                "http.method": "POST",
            },
            kind="server",
        )
        request.pss_intake_step = step
        request.pss_traceparent = step.traceparent
        return step

    @staticmethod
    def _pss_allow(endpoint):
        return "POST, OPTIONS" if endpoint == "events" else "GET, HEAD, OPTIONS"

    @staticmethod
    def _pss_named_db():
        httprequest = request.httprequest
        return httprequest.headers.get(DB_HEADER) or httprequest.args.get("db") or None

    def _pss_serve_named_db(self, endpoint):
        """No database selected by the configuration: serve the named one.

        Only reachable when ``pss_api`` is a server-wide module. The name
        must pass the server's own filter (``http.db_list`` applies
        ``--db-filter`` / ``--database``), so a request can never reach a
        database the server does not expose. The request is then served
        again, with that database, by Odoo's regular path.
        """
        named = self._pss_named_db()
        attempted = getattr(request, "_pss_db_attempted", False)
        candidates = [] if attempted else http.db_list(force=True)
        if endpoint == "health" and (attempted or not candidates):
            return self._pss_json(
                503,
                {"status": "error", "database": "unreachable"},
                retry_after(RETRY_AFTER_UNAVAILABLE),
            )
        if attempted:
            raise ApiProblem(
                503,
                "service-unavailable",
                "the database is not available",
                headers=retry_after(RETRY_AFTER_UNAVAILABLE),
            )
        if not named:
            raise ApiProblem(
                400,
                "malformed-request",
                f"this server holds several databases: name one with the "
                f"{DB_HEADER} header or the db query parameter",
            )
        if named not in candidates:
            raise ApiProblem(404, "not-found", f"database {named!r} is not served here")
        request._pss_db_attempted = True
        request.db = named
        request.session.db = named
        # Odoo's own path for a request with a database: registry, cursor,
        # retry on serialization failures, routing, error handling.
        return request._serve_db()

    def _pss_flush_metrics(self):
        request.env["pss.api.metric"]._pss_flush()

    @staticmethod
    def _pss_now():
        """The clock of the rate limits (tests pin ``_utcnow``)."""
        return _utcnow()

    def _pss_read_body(self):
        """The raw body, at most ``intake.MAX_BODY_BYTES``, checked against
        ``Content-Length`` before a byte is read."""
        httprequest = request.httprequest
        length = httprequest.content_length
        if length is None:
            raise ApiProblem(
                411, "length-required", "a Content-Length header is required"
            )
        intake.check_declared_length(length)
        body = httprequest.get_data()  # cached: a retried request reads it again
        intake.check_body_length(body)
        return body

    # ------------------------------------------------------------------
    # POST events
    # ------------------------------------------------------------------
    @staticmethod
    def _pss_span_events(document):
        """Event types and entities of an accepted document (validated
        envelopes: no payload value)."""
        events, _single = intake.split_document(document)
        envelopes = [e for e in events if isinstance(e, dict)]
        types = sorted({str(e.get("type"))[:MAX_ATTRIBUTE_LENGTH] for e in envelopes})
        entities = sorted(
            {str(e.get("entity"))[:MAX_ATTRIBUTE_LENGTH] for e in envelopes}
        )
        return {
            telemetry.ATTR_EVENT_TYPE: types[0] if len(types) == 1 else types[:20],
            telemetry.ATTR_ENTITY: entities[0] if len(entities) == 1 else entities[:20],
            "pss.event_count": len(events),
        }

    def _pss_post_events(self, system_code):
        step = request.pss_intake_step  # set by _pss_serve
        started = getattr(threading.current_thread(), "perf_t0", None) or time.time()
        httprequest = request.httprequest
        info = auth.check_key(system_code)
        intake.check_encryption_keys(config)
        intake.check_declared_length(httprequest.content_length)
        intake.check_content_type(httprequest.mimetype, httprequest.mimetype_params)
        body = self._pss_read_body()
        auth.check_signature(info, body)
        system = auth.enter(info)
        rate_headers = auth.rate_limit(info, self._pss_now)

        key = intake.check_idempotency_key(httprequest.headers.get("Idempotency-Key"))
        document = intake.parse_json(body)
        kind = (
            "batch" if isinstance(document, dict) and "events" in document else "single"
        )
        status, result, accepted = request.env["pss.api.intake"]._pss_accept(
            system,
            document,
            info["company_ids"],
            idempotency_key=key,
            status_url=self._pss_status_urls(system_code),
            event_types=info["event_types"],
            traceparent=step.traceparent,
        )
        for key, value in self._pss_span_events(document).items():
            step.set(key, value)
        db = request.db
        metric = request.env["pss.api.metric"]

        def after_commit():
            labels = {"system": system_code, "kind": kind}
            BUFFER.observe(db, ACCEPT_HISTOGRAM, labels, time.time() - started)
            if accepted:
                BUFFER.inc(
                    db,
                    "pss_api_events_accepted_total",
                    {"system": system_code},
                    accepted,
                )
            metric._pss_flush()

        request.env.cr.postcommit.add(after_commit)
        headers = dict(rate_headers, traceparent=step.traceparent)
        return self._pss_json(status, result, headers)

    def _pss_status_urls(self, system_code):
        """A function: message id -> status URL (the parts computed once)."""
        base = (
            f"{request.httprequest.url_root.rstrip('/')}{API}/"
            f"{quote(system_code, safe='')}/messages/"
        )
        named = self._pss_named_db()
        suffix = f"?{urlencode({'db': named})}" if named else ""
        return lambda message_id: f"{base}{message_id}{suffix}"

    # ------------------------------------------------------------------
    # GET messages/<id>
    # ------------------------------------------------------------------
    def _pss_get_message(self, system_code, message_id):
        _info, system, rate_headers = auth.signed_get(system_code, self._pss_now)
        # As the technical user: record rules apply (own system, own
        # companies); the system filter also separates two systems that
        # share a technical user.
        message = request.env["pss.message"]
        number = _message_id(message_id)
        if number:
            message = message.search(
                [
                    ("id", "=", number),
                    ("system_id", "=", system.id),
                    ("direction", "=", "in"),
                ],
                limit=1,
            )
        if not message:
            raise ApiProblem(
                404,
                "not-found",
                f"system {system_code!r} has no message {auth.safe(message_id, 20)}",
            )
        document = request.env["pss.api.intake"]._pss_status(message, system)
        document["status_url"] = self._pss_status_urls(system_code)(message.id)
        return self._pss_json(200, document, rate_headers)

    # ------------------------------------------------------------------
    # Health, metrics, OpenAPI
    # ------------------------------------------------------------------
    @staticmethod
    def _pss_max_pending_age():
        """The ``max_pending_age`` query parameter (seconds), else None."""
        raw = request.httprequest.args.get("max_pending_age")
        if raw is None:
            return None
        try:
            max_age = float(raw)
        except ValueError:
            max_age = None
        if max_age is None or not 0 <= max_age < float("inf"):
            raise ApiProblem(
                400,
                "malformed-request",
                "max_pending_age must be a number of seconds",
                errors=[{"path": "query.max_pending_age", "message": "invalid"}],
            )
        return max_age

    def _pss_health(self):
        max_age = self._pss_max_pending_age()
        detailed = bool(auth.monitoring_access())
        try:
            by_state, oldest = request.env["pss.message"]._pss_queue_stats()
        except psycopg2.Error as error:
            _logger.warning("pss_api: health check failed: %s", error)
            document = {"status": "error"}
            if detailed:
                document.update(database="error", detail=str(error.pgcode or ""))
            return self._pss_json(503, document, retry_after(RETRY_AFTER_UNAVAILABLE))
        status = "ok"
        code = 200
        if max_age is not None and oldest > max_age:
            status, code = "degraded", 503
        if not detailed:
            # Without the metrics token: up or down only, nothing about the
            # queue (a load balancer needs no more).
            return self._pss_json(code, {"status": status})
        return self._pss_json(
            code,
            {
                "status": status,
                "database": "ok",
                "queue": {
                    "depth": sum(
                        by_state.get(s, 0) for s in ("pending", "retrying", "running")
                    ),
                    "by_state": by_state,
                    "oldest_pending_age_seconds": round(oldest, 3),
                },
                # Encryption at rest of sensitive values (never a key).
                "encryption": crypto_status(config),
                "checked_at": intake.iso_utc(fields.Datetime.now()),
            },
        )

    def _pss_metrics(self):
        if not auth.monitoring_access():
            auth.refuse(
                401,
                "metrics_token",
                "-",
                "the metrics need the metrics token (Authorization: Bearer); an "
                "administrator sets it in the system parameter "
                "pss_api.metrics_token, or makes the metrics public with "
                "pss_api.metrics_public",
            )
        rows = request.env["pss.api.metric"]._pss_flush(force=True, read=True)
        body = format_exposition(self._pss_metric_families(rows)).encode()
        return request.make_response(
            body,
            headers=[
                ("Content-Type", "text/plain; version=0.0.4; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),
            ],
        )

    def _pss_metric_families(self, rows):
        """The queue's figures (read at scrape time), then the request
        figures of the flushed ``rows``."""
        queue = request.env["pss.message"]._pss_queue_by_system()
        return queue_families(queue) + api_families(rows)

    def _pss_openapi(self):
        handlers = request.env["pss.handler"]._pss_registry("in")
        events = []
        for event_type, name in sorted(handlers.items()):
            handler = request.env[name]
            events.append(
                (
                    event_type,
                    handler._pss_schema,
                    handler._pss_description or handler._description,
                    tuple(handler._pss_schema_versions),
                )
            )
        version = get_manifest("pss_api")["version"]
        return json_document_response(_openapi_bytes(tuple(events), version))

    # ------------------------------------------------------------------
    def _pss_json(self, status, data, headers=None):
        body = json.dumps(
            data, ensure_ascii=False, default=date_utils.json_default
        ).encode("utf-8", "backslashreplace")
        response_headers = [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ]
        response_headers += list((headers or {}).items())
        return request.make_response(body, headers=response_headers, status=status)
