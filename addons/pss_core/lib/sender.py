"""Send one outbound event over HTTP and classify the answer.

Returns ``None`` when delivered, otherwise a :mod:`.errors` exception telling
the queue what to do: retry (408, 429, 5xx, network) or dead (other 4xx).
Timeouts and connection failures carry ``unreachable = True``: the queue
counts them towards the receiver's circuit (see :mod:`.delivery`).
"""

import email.utils
import json
import math
import re
import time

import requests

from .errors import PssDataError, PssTransientError
from .signature import sign

__all__ = ["parse_retry_after", "send_event"]

RETRYABLE_STATUS = {408, 425, 429}
MAX_ERROR_BODY = 2000
#: Longest wait a receiver may ask for (a day): a larger Retry-After is
#: honoured up to this, so that no answer can push a retry out of range.
MAX_RETRY_AFTER = 86400
# delta-seconds are ASCII digits (RFC 9110); str.isdigit() would also take
# Arabic-Indic or superscript digits, and int() refuses past 4,300 digits.
_DELTA_SECONDS = re.compile(r"[0-9]{1,20}")


def parse_retry_after(value, now=None):
    """Seconds from a Retry-After header (delta-seconds or HTTP date), at most
    ``MAX_RETRY_AFTER``; ``None`` when absent or malformed (a malformed value
    is treated as absent: the system's own backoff applies)."""
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    if _DELTA_SECONDS.fullmatch(value):
        return min(int(value), MAX_RETRY_AFTER)
    if len(value) > 64 or not value.isascii():
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
        seconds = when.timestamp() - (time.time() if now is None else now)
    except (TypeError, ValueError, OverflowError, IndexError, AttributeError):
        return None
    if not math.isfinite(seconds):
        return None
    return int(min(max(0.0, seconds), MAX_RETRY_AFTER))


def send_event(
    url,
    envelope,
    idempotency_key,
    secret=None,
    token=None,
    timeout=10.0,
    session=None,
    traceparent=None,
):
    """POST ``envelope``; ``traceparent``: the W3C header of this send (the
    message's trace, a parent id of its own)."""
    body = json.dumps(envelope, separators=(",", ":"), default=str).encode()
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": idempotency_key,
        "User-Agent": "pss-odoo/17.0",
    }
    if secret:
        headers["X-PSS-Signature"] = sign(secret, body)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if traceparent:
        headers["traceparent"] = traceparent
    http = session or requests
    try:
        response = http.post(url, data=body, headers=headers, timeout=timeout)
    except requests.Timeout as exc:
        error = PssTransientError(f"timeout after {timeout}s posting to {url}: {exc}")
        error.unreachable = True
        return error
    except requests.RequestException as exc:
        error = PssTransientError(f"cannot reach {url}: {exc.__class__.__name__}")
        error.unreachable = True
        return error
    status = response.status_code
    if 200 <= status < 300:
        return None
    text = (response.text or "")[:MAX_ERROR_BODY]
    if status in RETRYABLE_STATUS or status >= 500:
        return PssTransientError(
            f"HTTP {status} from {url}: {text}",
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    return PssDataError(f"HTTP {status} from {url}: {text}")
