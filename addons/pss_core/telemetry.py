"""OpenTelemetry spans of the queue: intake, apply and send (optional).

Off by default. On when the OpenTelemetry SDK is installed
(``opentelemetry-sdk``, and ``opentelemetry-exporter-otlp-proto-http`` to
export) and one of these is set:

- ``pss_otel_enabled = True`` in the Odoo configuration file, or the
  environment variable ``PSS_OTEL_ENABLED=1``;
- the standard ``OTEL_EXPORTER_OTLP_ENDPOINT`` or
  ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` environment variable.

``pss_otel_enabled = False`` (or ``PSS_OTEL_ENABLED=0``) and the standard
``OTEL_SDK_DISABLED=true`` turn it off whatever else is set. Spans go to the
OTLP/HTTP endpoint of the standard variables (``OTEL_EXPORTER_OTLP_*``),
with ``service.name`` from ``OTEL_SERVICE_NAME`` (default ``pss-odoo``).

Each span's parent is the message's stored ``traceparent``
(lib/tracecontext.py), so the spans of one event share its trace id whether
or not OpenTelemetry is on. Attributes name the event type, system, entity
and outcome only: never a payload value, never an error text (it may quote
one).

Without the SDK or when off, :func:`span` costs one random id: it still
gives the step a traceparent of its own to send on.
"""

import contextlib
import contextvars
import logging
import os
import threading

from .lib.tracecontext import child_traceparent, format_traceparent

_logger = logging.getLogger(__name__)

__all__ = ["enabled", "set_tracer_provider", "span", "trace_scope"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_lock = threading.Lock()
_state = {"provider": None, "tracer": None, "decided": False}

# Attribute names (OpenTelemetry style, namespaced).
ATTR_EVENT_TYPE = "pss.event_type"
ATTR_SYSTEM = "pss.system"
ATTR_ENTITY = "pss.entity"
ATTR_OUTCOME = "pss.outcome"
ATTR_DIRECTION = "pss.direction"
ATTR_MESSAGE_ID = "pss.message_id"

#: The traces of the messages a handler is applying (set by the dispatch):
#: the messages the work enqueues inherit them (pss_message_enqueue.py).
_scope = contextvars.ContextVar("pss_trace_scope", default=None)
_steps = contextvars.ContextVar("pss_apply_steps", default=None)


def _setting(name, env_name):
    """True, False or None (not set) from the Odoo configuration or env."""
    value = os.environ.get(env_name)
    if value is None:
        try:
            from odoo.tools import config

            value = config.get(name)
        except ImportError:  # pragma: no cover - outside Odoo
            value = None
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def configured():
    """Whether the configuration asks for spans (the SDK may still be missing)."""
    if (os.environ.get("OTEL_SDK_DISABLED") or "").strip().lower() == "true":
        return False
    explicit = _setting("pss_otel_enabled", "PSS_OTEL_ENABLED")
    if explicit is not None:
        return explicit
    return bool(
        os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


def _build_provider():
    """The OTLP/HTTP exporting provider, or None (off, or no SDK)."""
    if not configured():
        return None
    try:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        _logger.warning(
            "pss: OpenTelemetry is enabled but opentelemetry-sdk is not "
            "installed; no span is emitted"
        )
        return None
    provider = TracerProvider(
        resource=Resource.create(
            {"service.name": os.environ.get("OTEL_SERVICE_NAME") or "pss-odoo"}
        )
    )
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
            OTLPSpanExporter,
        )
    except ImportError:
        _logger.warning(
            "pss: OpenTelemetry is enabled but opentelemetry-exporter-otlp-"
            "proto-http is not installed; spans are not exported"
        )
    else:
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def _tracer():
    if not _state["decided"]:
        with _lock:
            if not _state["decided"]:
                provider = _build_provider()
                _state["provider"] = provider
                _state["tracer"] = provider.get_tracer("pss") if provider else None
                _state["decided"] = True
    return _state["tracer"]


def set_tracer_provider(provider):
    """Use ``provider`` (an SDK ``TracerProvider``) for the pss spans, e.g.
    one with an in-memory exporter in a test, or a deployment's own; None
    goes back to the configuration (read again on the next span)."""
    with _lock:
        _state["provider"] = provider
        _state["tracer"] = provider.get_tracer("pss") if provider else None
        _state["decided"] = provider is not None


def enabled():
    """Whether spans are emitted."""
    return _tracer() is not None


def _clean(attributes):
    """Attributes OpenTelemetry accepts (no None); sequences as tuples."""
    result = {}
    for key, value in (attributes or {}).items():
        if value is None:
            continue
        if isinstance(value, list | tuple | set | frozenset):
            result[key] = tuple(str(v) for v in value if v is not None)
        elif isinstance(value, str | bool | int | float):
            result[key] = value
        else:
            result[key] = str(value)
    return result


class _Step:
    """One step of the work: its traceparent (sent on, given to the
    messages it creates) and, when on, its OpenTelemetry span."""

    def __init__(self, traceparent, otel_span=None):
        self.traceparent = traceparent
        self.otel_span = otel_span
        self.has_outcome = False

    def set(self, key, value):
        if self.otel_span is not None:
            attributes = _clean({key: value})
            if attributes:
                self.otel_span.set_attributes(attributes)

    def outcome(self, value, error=False):
        self.has_outcome = True
        self.set(ATTR_OUTCOME, value)
        if error and self.otel_span is not None:
            from opentelemetry.trace import Status, StatusCode

            # The outcome only: an error text may quote a payload value.
            self.otel_span.set_status(Status(StatusCode.ERROR, str(value)))

    def end(self):
        if self.otel_span is not None:
            self.otel_span.end()
            self.otel_span = None


def start(name, traceparent, attributes=None, kind="internal"):
    """Start a step under ``traceparent`` (the caller ends it: ``.end()``)."""
    tracer = _tracer()
    if tracer is None:
        return _Step(child_traceparent(traceparent))
    from opentelemetry import trace
    from opentelemetry.trace.propagation.tracecontext import (
        TraceContextTextMapPropagator,
    )

    carrier = {"traceparent": traceparent} if traceparent else {}
    context = TraceContextTextMapPropagator().extract(carrier)
    otel_span = tracer.start_span(
        name,
        context=context,
        kind=getattr(trace.SpanKind, kind.upper()),
        attributes=_clean(attributes),
    )
    ctx = otel_span.get_span_context()
    if not ctx.is_valid:
        return _Step(child_traceparent(traceparent), otel_span)
    return _Step(
        format_traceparent(ctx.trace_id, ctx.span_id, int(ctx.trace_flags)), otel_span
    )


@contextlib.contextmanager
def span(name, traceparent, attributes=None, kind="internal"):
    """A step as a ``with`` block; an exception marks it failed (by its
    class name only) and goes on."""
    step = start(name, traceparent, attributes, kind)
    try:
        yield step
    except BaseException as error:
        if not step.has_outcome:
            step.outcome(f"error:{error.__class__.__name__}", error=True)
        raise
    finally:
        step.end()


@contextlib.contextmanager
def trace_scope(traces, default=None):
    """While the block runs, messages enqueued without a traceparent of
    their own inherit one: ``traces`` maps a message's uuid or correlation
    id to a traceparent, ``default`` is for the rest."""
    token = _scope.set({"traces": dict(traces or {}), "default": default})
    try:
        yield
    finally:
        _scope.reset(token)


@contextlib.contextmanager
def apply_steps(steps):
    """The apply steps of a group of messages being applied:
    ``{message id: (uuid, correlation id, traceparent of its step)}``."""
    token = _steps.set(steps)
    try:
        yield
    finally:
        _steps.reset(token)


def trace_scope_of(message_ids):
    """The :func:`trace_scope` of a handler run on ``message_ids`` (all or
    one of the group in :func:`apply_steps`): what it enqueues inherits the
    trace of the message its correlation id names, else of the first one."""
    steps = _steps.get() or {}
    known = [steps[mid] for mid in message_ids if mid in steps]
    traces = {}
    for _uuid, correlation_id, traceparent in reversed(known):
        # The first message of a correlation id wins (reversed: set last).
        if correlation_id:
            traces[correlation_id] = traceparent
    for message_uuid, _correlation_id, traceparent in known:
        traces[message_uuid] = traceparent
    return trace_scope(traces, known[0][2] if known else None)


def inherited_traceparent(correlation_id=None):
    """The traceparent a message enqueued now inherits: the one of the
    message being applied (see :func:`trace_scope`), else the current HTTP
    request's; None outside both (a cron: the caller starts a new trace)."""
    scope = _scope.get()
    if scope:
        if correlation_id and correlation_id in scope["traces"]:
            return scope["traces"][correlation_id]
        if scope["default"]:
            return scope["default"]
    return request_traceparent()


def request_traceparent():
    """The trace of the current HTTP request, one per request: a child of
    its ``traceparent`` header when valid, else a new trace; None outside a
    request."""
    try:
        from odoo.http import request
    except ImportError:  # pragma: no cover - outside Odoo
        return None
    if not request:
        return None
    value = getattr(request, "pss_traceparent", None)
    if value is None:
        header = request.httprequest.headers.get("traceparent")
        value = child_traceparent(header)
        request.pss_traceparent = value
    return value
