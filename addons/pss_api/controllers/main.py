"""HTTP routes of the inbound API: ``/pss/v1/...`` (DESIGN section 4).

Every route is ``auth="none"`` (the API authenticates systems itself),
``csrf=False`` (no browser session is involved) and ``save_session=False``
(no cookie is ever set). Errors are raised as :class:`ApiProblem`: Odoo rolls
the request's transaction back and answers the problem document.
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
from odoo.tools import config, consteq, date_utils

from odoo.addons.pss_core import telemetry
from odoo.addons.pss_core.lib.crypto import status as crypto_status
from odoo.addons.pss_core.lib.signature import SignatureError, verify
from odoo.addons.pss_core.schemas.common import MAX_INT, text_problem

from ..lib import intake
from ..lib.credentials import hash_key, key_matches, split_key
from ..lib.metrics import Family, format_exposition, histogram_samples
from ..lib.openapi import build_openapi
from ..lib.problem import ApiProblem
from ..lib.ratelimit import decide, window_start
from ..models.pss_api_metric import BUFFER

_logger = logging.getLogger(__name__)

API = "/pss/v1"
DB_HEADER = "X-Odoo-Database"
MAX_IDEMPOTENCY_KEY = 255
ACCEPT_HISTOGRAM = "pss_api_accept_duration_seconds"
_UNAUTHORIZED = "missing, unknown or revoked API key"
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


def _safe(text, limit=64):
    """A caller-supplied value fit for a log line (no newlines, bounded)."""
    return repr(str(text)[:limit])


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
            {telemetry.ATTR_SYSTEM: str(args[0])[:64], "http.method": "POST"},
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
                {"Retry-After": "5"},
            )
        if attempted:
            raise ApiProblem(
                503,
                "service-unavailable",
                "the database is not available",
                headers={"Retry-After": "5"},
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

    # ------------------------------------------------------------------
    # Authentication
    # ------------------------------------------------------------------
    def _pss_refuse(self, status, reason, system_code, detail, slug=None):
        """Count and log a failed authentication, then answer it.

        The log line names the system, the reason and the peer, never a key,
        a secret or a signature.
        """
        db = request.db
        BUFFER.inc(db, "pss_api_auth_failures_total", {"reason": reason})
        _logger.warning(
            "pss_api: %s refused with %s (%s): system %s, peer %s",
            _safe(request.httprequest.path, 120),
            status,
            reason,
            _safe(system_code),
            request.httprequest.remote_addr,
        )
        headers = {"WWW-Authenticate": 'Bearer realm="pss"'} if status == 401 else {}
        slug = slug or ("unauthorized" if status == 401 else "forbidden")
        raise ApiProblem(status, slug, detail, headers=headers)

    def _pss_check_key(self, system_code):
        """Bearer API key of the system: 401 unless it is an active key."""
        header = request.httprequest.headers.get("Authorization") or ""
        scheme, _sep, key = header.partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            self._pss_refuse(401, "missing_key", system_code, _UNAUTHORIZED)
        prefix = split_key(key)
        info = None
        # A code PostgreSQL cannot compare (NUL) or too long is unknown.
        if len(system_code) <= 64 and text_problem(system_code) is None:
            info = request.env["pss.system.credential"]._pss_auth_lookup(
                system_code, prefix
            )
        if info is None:
            self._pss_refuse(401, "unknown_system", system_code, _UNAUTHORIZED)
        if not prefix or not key_matches(key, info["key_hashes"]):
            self._pss_refuse(401, "bad_key", system_code, _UNAUTHORIZED)
        if not info["active"]:
            self._pss_refuse(401, "archived_system", system_code, _UNAUTHORIZED)
        info["code"] = system_code
        return info

    def _pss_check_signature(self, info, body):
        """X-PSS-Signature over ``"<t>." + body``: 403 unless one v1 value
        matches one active signing secret of the system."""
        header = request.httprequest.headers.get("X-PSS-Signature")
        try:
            verify(header, body, info["secrets"])
        except SignatureError as error:
            self._pss_refuse(
                403,
                f"signature_{error.reason}",
                info["code"],
                f"invalid X-PSS-Signature: {error}",
                slug="invalid-signature",
            )

    def _pss_enter(self, info):
        """Continue as the system's technical user, in its companies only."""
        problem = None
        if not info["user_id"] or not info["user_active"]:
            problem = "has no active technical user"
        elif not info["user_is_integration"]:
            problem = (
                "has a technical user outside the group "
                "'Technical user of an external system'"
            )
        elif info["user_is_admin"]:
            problem = (
                "has an administrator as technical user; give it a user with "
                "only the rights its events need"
            )
        elif not info["company_ids"]:
            problem = "has no company that its technical user may use"
        if problem:
            self._pss_refuse(
                403,
                "misconfigured_system",
                info["code"],
                f"system {info['code']!r} {problem}",
            )
        request.update_env(
            user=info["user_id"],
            context=dict(
                request.env.context,
                allowed_company_ids=info["company_ids"],
                tz=info["tz"],
            ),
        )
        return request.env["pss.system"].browse(info["system_id"])

    def _pss_rate_limit(self, info):
        """Count the request in the system's window; 429 above the limit."""
        limit = info["rate_limit"]
        if not limit or limit <= 0:
            return {}
        now = _utcnow()
        hits = request.env["pss.api.rate.window"]._pss_hit(
            info["system_id"], window_start(now)
        )
        decision = decide(hits, limit, now)
        if not decision.allowed:
            _logger.info(
                "pss_api: system %s over its rate limit (%s/min)",
                _safe(info["code"]),
                limit,
            )
            raise ApiProblem(
                429,
                "rate-limited",
                f"system {info['code']!r} may send {limit} requests per minute; "
                f"retry in {decision.retry_after} s",
                headers=decision.headers(),
            )
        return decision.headers()

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
        types = sorted({str(e.get("type"))[:64] for e in events if isinstance(e, dict)})
        entities = sorted(
            {str(e.get("entity"))[:64] for e in events if isinstance(e, dict)}
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
        info = self._pss_check_key(system_code)
        intake.check_encryption_keys(config)
        intake.check_declared_length(httprequest.content_length)
        intake.check_content_type(httprequest.mimetype, httprequest.mimetype_params)
        body = self._pss_read_body()
        self._pss_check_signature(info, body)
        system = self._pss_enter(info)
        rate_headers = self._pss_rate_limit(info)

        key = httprequest.headers.get("Idempotency-Key")
        if key is not None:
            key = key.strip()
            if not key or len(key) > MAX_IDEMPOTENCY_KEY or not key.isprintable():
                raise ApiProblem(
                    400,
                    "malformed-request",
                    f"Idempotency-Key must hold 1 to {MAX_IDEMPOTENCY_KEY} printable "
                    "characters",
                    errors=[{"path": "headers.Idempotency-Key", "message": "invalid"}],
                )
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
        info = self._pss_check_key(system_code)
        # GET requests are signed over an empty body.
        self._pss_check_signature(info, b"")
        system = self._pss_enter(info)
        rate_headers = self._pss_rate_limit(info)
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
                f"system {system_code!r} has no message {_safe(message_id, 20)}",
            )
        document = request.env["pss.api.intake"]._pss_status(message, system)
        document["status_url"] = self._pss_status_urls(system_code)(message.id)
        return self._pss_json(200, document, rate_headers)

    # ------------------------------------------------------------------
    # Health, metrics, OpenAPI
    # ------------------------------------------------------------------
    def _pss_health(self):
        raw = request.httprequest.args.get("max_pending_age")
        max_age = None
        if raw is not None:
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
        detailed = bool(self._pss_monitoring_access())
        cr = request.env.cr
        by_state = {}
        oldest = 0.0
        try:
            with cr.savepoint(flush=False):
                cr.execute("SET LOCAL statement_timeout = 5000")
                # Served by pss_message_state_received_idx: cheap even on a
                # large queue (only the unfinished states are counted).
                cr.execute(
                    """
                    SELECT state, count(*), EXTRACT(EPOCH FROM
                           (clock_timestamp() AT TIME ZONE 'UTC') - min(received_at))
                      FROM pss_message
                     WHERE state IN ('pending', 'retrying', 'running', 'parked')
                     GROUP BY state
                    """
                )
                rows = cr.fetchall()
                cr.execute("SET LOCAL statement_timeout TO DEFAULT")
                for state, count, age in rows:
                    by_state[state] = count
                    if state in ("pending", "retrying"):
                        oldest = max(oldest, float(age or 0))
        except psycopg2.Error as error:
            _logger.warning("pss_api: health check failed: %s", error)
            document = {"status": "error"}
            if detailed:
                document.update(database="error", detail=str(error.pgcode or ""))
            return self._pss_json(503, document, {"Retry-After": "5"})
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

    def _pss_monitoring_access(self):
        """Who may read the queue's figures: ``"public"`` (an administrator
        set ``pss_api.metrics_public``), ``"token"`` (the request carries the
        metrics token as ``Authorization: Bearer``), else None.

        The token is the system parameter ``pss_api.metrics_token``: the
        token itself, or ``sha256:<hex>`` of it (then nothing readable in
        the database lets anyone scrape). A system's API key is not
        accepted: a sender has no business reading the other systems'
        queues, and a scraper should not hold a key that can send events.
        """
        # sudo: reads two configuration parameters, before any user exists
        # in this auth="none" request; nothing is written.
        params = request.env["ir.config_parameter"].sudo()
        if str(params.get_param("pss_api.metrics_public") or "").strip().lower() in (
            "1",
            "true",
            "yes",
        ):
            return "public"
        token = (params.get_param("pss_api.metrics_token") or "").strip()
        header = request.httprequest.headers.get("Authorization") or ""
        scheme, _sep, given = header.partition(" ")
        given = given.strip()
        if not token or scheme.lower() != "bearer" or not given:
            return None
        if token.startswith("sha256:"):
            matched = consteq(hash_key(given), token[len("sha256:") :].lower())
        else:
            matched = consteq(given, token)
        return "token" if matched else None

    def _pss_metrics(self):
        if not self._pss_monitoring_access():
            self._pss_refuse(
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
        cr = request.env.cr
        cr.execute(
            """
            SELECT s.code, g.direction, g.state, g.n,
                   EXTRACT(EPOCH FROM (clock_timestamp() AT TIME ZONE 'UTC') - g.oldest)
              FROM (SELECT system_id, direction, state, count(*) AS n,
                           min(received_at) AS oldest
                      FROM pss_message GROUP BY system_id, direction, state) g
              JOIN pss_system s ON s.id = g.system_id
             ORDER BY s.code, g.direction, g.state
            """
        )
        depth = Family(
            "pss_queue_messages", "gauge", "Messages by system, direction and state"
        )
        oldest = Family(
            "pss_queue_oldest_pending_age_seconds",
            "gauge",
            "Age of the oldest pending or retrying message",
        )
        processed = Family(
            "pss_messages_processed_total",
            "counter",
            "Messages applied or sent (state done)",
        )
        failed = Family(
            "pss_messages_failed_total", "counter", "Messages given up on (state dead)"
        )
        ages = {}
        totals = {}
        for code, direction, state, count, age in cr.fetchall():
            labels = {"system": code, "direction": direction}
            depth.add(count, dict(labels, state=state))
            totals.setdefault((code, direction), {})[state] = count
            if state in ("pending", "retrying"):
                key = (code, direction)
                ages[key] = max(ages.get(key, 0.0), float(age or 0))
        for (code, direction), by_state in sorted(totals.items()):
            labels = {"system": code, "direction": direction}
            processed.add(by_state.get("done", 0), labels)
            failed.add(by_state.get("dead", 0), labels)
            oldest.add(round(ages.get((code, direction), 0.0), 3), labels)

        families = [depth, oldest, processed, failed]
        for name, help_ in (
            ("pss_api_auth_failures_total", "Refused authentications by reason"),
            ("pss_api_requests_total", "API requests by endpoint and HTTP status"),
            (
                "pss_api_events_accepted_total",
                "Events stored (not duplicates) by system",
            ),
        ):
            family = Family(name, "counter", help_)
            for row_name, labels, value in sorted(
                rows, key=lambda r: (r[0], sorted(r[1].items()))
            ):
                if row_name == name:
                    family.add(value, labels)
            families.append(family)
        histogram = Family(
            ACCEPT_HISTOGRAM,
            "histogram",
            "Seconds from request start to commit of accepted event requests",
        )
        histogram_samples(
            histogram, [row for row in rows if row[0].startswith(ACCEPT_HISTOGRAM)]
        )
        families.append(histogram)
        return families

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
        body = _openapi_bytes(tuple(events), version)
        return request.make_response(
            body,
            headers=[
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
            ],
        )

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
