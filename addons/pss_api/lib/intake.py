"""The request checks of ``POST /pss/v1/<system>/events`` that need no ORM.

Order of the checks (each raises an :class:`~.problem.ApiProblem`):

1. :func:`check_declared_length` - the ``Content-Length`` header, before a
   single byte of the body is read (413);
2. :func:`check_content_type` (415);
3. :func:`check_body_length` - the real length of what was read (413);
4. :func:`parse_json` (400 for what is not JSON; 422 with the path of every
   value that no field could hold: text with NUL or a lone surrogate, an
   integer past 4,300 digits, a number that overflows to infinity);
5. :func:`split_document` - one envelope or ``{"events": [...]}`` (422, 413);
6. :func:`validate_envelope` - per event, errors collected, not raised.

Plain Python, tested without a database.
"""

import json
import math
import re
from datetime import timezone

from pydantic import ValidationError

from odoo.addons.pss_core.lib.crypto import KeyConfigError, load_keyring
from odoo.addons.pss_core.schemas.common import text_problem
from odoo.addons.pss_core.schemas.envelope import MAX_BATCH_EVENTS, Envelope

from .jsonpath import join_path, pydantic_details
from .problem import RETRY_AFTER_KEYS, ApiProblem, retry_after

__all__ = [
    "MAX_BATCH_EVENTS",
    "MAX_BODY_BYTES",
    "MAX_IDEMPOTENCY_KEY",
    "check_body_length",
    "check_content_type",
    "check_declared_length",
    "check_idempotency_key",
    "check_values",
    "iso_utc",
    "key_conflicts",
    "naive_utc",
    "parse_json",
    "split_document",
    "validate_envelope",
]

#: Largest accepted body: 5 MiB (pss_client stays under 5,000,000 bytes).
MAX_BODY_BYTES = 5 * 1024 * 1024
#: Longest Idempotency-Key header accepted.
MAX_IDEMPOTENCY_KEY = 255
_JSON_MEDIA_TYPES = ("application/json",)
#: Longest integer literal read (Python refuses to convert past 4,300 digits,
#: and no field holds more than 18): longer ones are refused with their path.
MAX_NUMBER_DIGITS = 100
# A JSON escape that decodes to NUL or to a surrogate: only a body holding
# one needs its strings walked (raw NUL and raw surrogates are not JSON).
_SUSPECT_ESCAPE = re.compile(r"\\u(0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


def _too_large(detail):
    return ApiProblem(413, "payload-too-large", detail)


def check_encryption_keys(config):
    """Nothing is accepted while the configured encryption keys cannot be
    read (a payload would be stored without its sensitive values sealed):
    503, the sender retries; the health details say why."""
    try:
        load_keyring(config)
    except KeyConfigError:
        raise ApiProblem(
            503,
            "service-unavailable",
            "the server's encryption keys cannot be read; retry later",
            headers=retry_after(RETRY_AFTER_KEYS),
        ) from None


def check_idempotency_key(value):
    """The ``Idempotency-Key`` header stripped (None when absent); 400
    unless it holds 1 to ``MAX_IDEMPOTENCY_KEY`` printable characters."""
    if value is None:
        return None
    key = value.strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY or not key.isprintable():
        raise ApiProblem(
            400,
            "malformed-request",
            f"Idempotency-Key must hold 1 to {MAX_IDEMPOTENCY_KEY} printable "
            "characters",
            errors=[{"path": "headers.Idempotency-Key", "message": "invalid"}],
        )
    return key


def check_declared_length(content_length, limit=MAX_BODY_BYTES):
    """Refuse a body announced larger than ``limit`` before reading it."""
    if content_length is not None and content_length > limit:
        raise _too_large(
            f"the body has {content_length} bytes; at most {limit} bytes are accepted"
        )


def check_body_length(body, limit=MAX_BODY_BYTES):
    """Refuse a body read larger than ``limit`` (chunked bodies lie about nothing
    in advance; they are read up to ``limit + 1`` bytes)."""
    if len(body) > limit:
        raise _too_large(f"the body is larger than {limit} bytes")


def check_content_type(mimetype, params=None):
    """Only ``application/json`` (UTF-8) is accepted."""
    if (mimetype or "").lower() not in _JSON_MEDIA_TYPES:
        raise ApiProblem(
            415,
            "unsupported-media-type",
            f"Content-Type must be application/json, not {mimetype or 'missing'!r}",
        )
    charset = (params or {}).get("charset")
    if charset and charset.lower().replace("-", "") != "utf8":
        raise ApiProblem(
            415,
            "unsupported-media-type",
            f"JSON bodies are UTF-8; charset {charset!r} is not accepted",
        )


def _refuse_constant(name):
    raise ValueError(f"{name} is not valid JSON")


class _BadNumber(str):
    """A number literal no field can hold, kept as text until its path is
    known (:func:`check_values`)."""

    __slots__ = ()


def _unique_keys(pairs):
    """An object whose keys are each given once: with a key twice, a reader
    keeping the first and one keeping the last (Python) see two different
    documents (``"entity": "ZZ99", "entity": "GB01"``)."""
    document = {}
    for key, value in pairs:
        if key in document:
            raise ValueError(f"the key {key!r} is given more than once")
        document[key] = value
    return document


def _parse_int(literal):
    if len(literal) > MAX_NUMBER_DIGITS:
        return _BadNumber(f"a number of {len(literal)} digits is too long")
    return int(literal)


def _parse_float(literal):
    if len(literal) > MAX_NUMBER_DIGITS:
        return _BadNumber(f"a number of {len(literal)} characters is too long")
    value = float(literal)
    if not math.isfinite(value):
        return _BadNumber("the number is out of range")
    return value


def _bad_value(value):
    if isinstance(value, _BadNumber):
        return str(value)
    if isinstance(value, str):
        return text_problem(value)
    return None


def check_values(document, strings=True):
    """[{path, message}] of every value of ``document`` that no field can
    hold: marked numbers, and (when ``strings``) text with NUL or a lone
    surrogate, in values and in keys. Iterative: depth is bounded by the
    JSON parser only."""
    errors = []
    stack = [("", document)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            items = []
            for key, value in node.items():
                child = join_path(path, key)
                problem = strings and text_problem(key)
                if problem:
                    errors.append({"path": child, "message": f"field name: {problem}"})
                items.append((child, value))
            stack.extend(reversed(items))
        elif isinstance(node, list):
            stack.extend(
                (f"{path}[{index}]", value)
                for index, value in reversed(list(enumerate(node)))
            )
        elif isinstance(node, _BadNumber) or (strings and isinstance(node, str)):
            problem = _bad_value(node)
            if problem:
                errors.append({"path": path, "message": problem})
    return errors


def parse_json(body):
    """Decode a UTF-8 JSON body.

    400 for anything that is not strict JSON (a key given twice in one
    object included); 422 (with the path of each)
    for values that no field could hold: text with NUL or a lone surrogate
    (PostgreSQL cannot store them), integers of more than
    ``MAX_NUMBER_DIGITS`` digits (Python refuses to read past 4,300) and
    numbers that overflow to infinity.
    """
    if not body:
        raise ApiProblem(400, "malformed-request", "the request body is empty")
    try:
        text = body.decode("utf-8")
        if text.startswith("\ufeff"):
            raise ValueError("a byte order mark is not allowed")
        numbers = []

        def parse_int(literal):
            value = _parse_int(literal)
            if isinstance(value, _BadNumber):
                numbers.append(value)
            return value

        def parse_float(literal):
            value = _parse_float(literal)
            if isinstance(value, _BadNumber):
                numbers.append(value)
            return value

        document = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_constant=_refuse_constant,
            parse_int=parse_int,
            parse_float=parse_float,
        )
    except UnicodeDecodeError as exc:
        raise ApiProblem(
            400, "malformed-request", f"the body is not UTF-8: {exc.reason}"
        ) from exc
    except RecursionError as exc:
        raise ApiProblem(
            400, "malformed-request", "the JSON is nested too deep"
        ) from exc
    except ValueError as exc:
        raise ApiProblem(
            400, "malformed-request", f"the body is not valid JSON: {exc}"
        ) from exc
    strings = bool(_SUSPECT_ESCAPE.search(text))
    if numbers or strings:
        errors = check_values(document, strings=strings)
        if errors:
            raise ApiProblem(
                422,
                "validation-failed",
                "the body holds values that cannot be stored; nothing was stored",
                errors=errors,
            )
    return document


def split_document(document, max_events=MAX_BATCH_EVENTS):
    """Return ``(events, single)`` of one envelope or ``{"events": [...]}``."""
    if not isinstance(document, dict):
        raise ApiProblem(
            422,
            "validation-failed",
            'the body must be one event envelope or {"events": [...]}',
            errors=[{"path": "", "message": "expected a JSON object"}],
        )
    if "events" not in document:
        return [document], True
    errors = [
        {"path": join_path("", key), "message": "unknown field"}
        for key in document
        if key != "events"
    ]
    events = document["events"]
    if not isinstance(events, list):
        errors.append({"path": "events", "message": "expected a list of envelopes"})
    elif not events:
        errors.append({"path": "events", "message": "at least one event is required"})
    if errors:
        raise ApiProblem(
            422, "validation-failed", "the batch document is invalid", errors=errors
        )
    if len(events) > max_events:
        raise _too_large(
            f"the batch holds {len(events)} events; at most {max_events} are accepted"
        )
    return events, False


def validate_envelope(raw, prefix=""):
    """Return ``(envelope, errors)``: the pydantic Envelope or the field errors."""
    try:
        return Envelope.model_validate(raw), []
    except ValidationError as exc:
        return None, pydantic_details(exc, prefix)


def iso_utc(value):
    """A naive UTC datetime as Odoo stores it, as ISO 8601 text ending in Z
    (None for an empty value): the inverse of :func:`naive_utc`."""
    if not value:
        return None
    return value.replace(tzinfo=timezone.utc).isoformat().replace("+00:00", "Z")


def naive_utc(moment):
    """An aware datetime as the naive UTC datetime Odoo stores."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def key_conflicts(items):
    """Indexes of items reusing an earlier item's key with another payload hash.

    ``items`` are ``(index, key, payload_hash)``; returns
    ``{index: index of the first item with that key}``.
    """
    first = {}
    conflicts = {}
    for index, key, digest in items:
        if key not in first:
            first[key] = (index, digest)
        elif first[key][1] != digest:
            conflicts[index] = first[key][0]
    return conflicts
