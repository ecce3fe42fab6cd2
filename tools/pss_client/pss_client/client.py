"""HTTP client for the pss event intake API (``/pss/v1``)."""

from __future__ import annotations

import email.utils
import json
import logging
import math
import random
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import timezone
from typing import Any
from urllib.parse import quote

import requests

from . import __version__
from .signing import sign

__all__ = [
    "FINAL_STATES",
    "MAX_BATCH_BYTES",
    "MAX_BATCH_EVENTS",
    "PssClient",
    "PssClientError",
    "PssConnectionError",
    "PssHTTPError",
    "PssWaitTimeout",
]

_logger = logging.getLogger(__name__)

#: Most events the server accepts in one request.
MAX_BATCH_EVENTS = 500
#: Largest body the client sends in one request.  The server refuses bodies over
#: 5 MB; staying at 5,000,000 bytes keeps clear of it whether the server counts
#: MB or MiB.
MAX_BATCH_BYTES = 5_000_000
#: Message states after which nothing more happens to a message.
FINAL_STATES = ("done", "dead", "parked", "cancelled")

_RETRYABLE_STATUS = frozenset({408, 429})
_BATCH_PREFIX = b'{"events":['
_BATCH_SUFFIX = b"]}"


class PssClientError(Exception):
    """Base class of the errors raised by :class:`PssClient`."""

    def __init__(self, message: str, *, results: list[dict] | None = None):
        super().__init__(message)
        #: Result entries of the batches accepted before the error (send_events).
        self.results: list[dict] = list(results or [])


class PssConnectionError(PssClientError):
    """The server could not be reached (after all retries)."""


class PssWaitTimeout(PssClientError):
    """:meth:`PssClient.wait_for` gave up before the message reached a state."""

    def __init__(self, message: str, *, last: dict | None = None):
        super().__init__(message)
        #: The last status document read from the server.
        self.last: dict | None = last


class PssHTTPError(PssClientError):
    """The server answered with an error status.

    ``problem`` is the RFC 9457 problem document (or a stand-in built from the
    response when the body was not one) and ``errors`` its list of
    ``{"path": ..., "message": ...}`` entries.
    """

    def __init__(
        self,
        status: int,
        problem: dict,
        *,
        response: requests.Response | None = None,
        retry_after: float | None = None,
    ):
        self.status = status
        self.problem = problem
        errors = problem.get("errors")
        self.errors: list = errors if isinstance(errors, list) else []
        self.title = problem.get("title")
        self.detail = problem.get("detail")
        self.response = response
        self.retry_after = retry_after
        super().__init__(self._describe())

    def _describe(self) -> str:
        text = f"HTTP {self.status}"
        if self.title:
            text += f" {self.title}"
        if self.detail:
            text += f": {self.detail}"
        for error in self.errors[:5]:
            if isinstance(error, Mapping):
                text += f"\n  {error.get('path', '')}: {error.get('message', '')}"
            else:
                text += f"\n  {error}"
        if len(self.errors) > 5:
            text += f"\n  ... and {len(self.errors) - 5} more"
        return text


def _dumps(value: Any) -> bytes:
    """Serialize ``value`` the single time its bytes are built (and signed)."""
    text = json.dumps(
        value,
        separators=(",", ":"),
        sort_keys=False,
        ensure_ascii=False,
        allow_nan=False,
    )
    return text.encode("utf-8")


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Return the delay in seconds asked for by a ``Retry-After`` header value."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        current = time.time() if now is None else now
        seconds = when.timestamp() - current
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)


def _result_entries(document: Any) -> list[dict]:
    """Normalize an acceptance body to a list of result entries."""
    if isinstance(document, Mapping) and "results" in document:
        document = document["results"]
    if isinstance(document, Mapping):
        return [dict(document)]
    if isinstance(document, list):
        return list(document)
    raise PssClientError(f"unexpected acceptance body: {document!r:.200}")


class PssClient:
    """Client for ``{base_url}/pss/v1/{system}/...``.

    Every request carries ``Authorization: Bearer <api_key>`` and a fresh
    ``X-PSS-Signature`` over the exact body bytes, and passes ``timeout`` to
    :mod:`requests`.  Answers 408, 429 and 5xx, connection errors and timeouts
    are retried up to ``max_retries`` times with exponential backoff and full
    jitter, waiting at least as long as a ``Retry-After`` header asks.  Retries
    send the same body bytes (the idempotency key keeps the server from
    applying an event twice) under a new signature.

    ``sleep`` and ``clock`` (seconds since the epoch, used for signature
    timestamps) can be replaced, for tests.
    """

    def __init__(
        self,
        base_url: str,
        system: str,
        api_key: str,
        signing_secret: str | bytes,
        timeout: float | tuple[float, float] = (5, 30),
        max_retries: int = 5,
        backoff_base: float = 0.5,
        backoff_cap: float = 30,
        session: requests.Session | None = None,
        *,
        sleep: Callable[[float], Any] = time.sleep,
        clock: Callable[[], float] = time.time,
        max_batch_bytes: int = MAX_BATCH_BYTES,
    ):
        if not base_url:
            raise ValueError("base_url is required")
        if not system:
            raise ValueError("system is required")
        if not api_key:
            raise ValueError("api_key is required")
        if not signing_secret:
            raise ValueError("signing_secret is required")
        if timeout is None:
            raise ValueError("timeout is required: requests must never wait forever")
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.base_url = base_url.rstrip("/")
        self.system = system
        self.api_key = api_key
        self.signing_secret = signing_secret
        self.timeout = timeout
        self.max_retries = int(max_retries)
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_batch_bytes = int(max_batch_bytes)
        self._owns_session = session is None
        self.session = session if session is not None else requests.Session()
        self._sleep = sleep
        self._clock = clock

    # -- context manager -------------------------------------------------------

    def close(self) -> None:
        """Close the HTTP session if the client created it."""
        if self._owns_session:
            self.session.close()

    def __enter__(self) -> PssClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- URLs ------------------------------------------------------------------

    def _system_url(self, *parts: str) -> str:
        segments = [quote(str(self.system), safe="")]
        segments += [quote(str(part), safe="") for part in parts]
        return f"{self.base_url}/pss/v1/" + "/".join(segments)

    @property
    def events_url(self) -> str:
        return self._system_url("events")

    def message_url(self, message_id: int | str) -> str:
        return self._system_url("messages", str(message_id))

    # -- public API ------------------------------------------------------------

    def send_event(
        self, envelope: Mapping[str, Any], idempotency_key: str | None = None
    ) -> dict:
        """Send one event envelope; return its result entry.

        ``idempotency_key`` defaults, on the server, to the event id.
        """
        if not isinstance(envelope, Mapping):
            raise TypeError("envelope must be a mapping")
        headers = {}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = str(idempotency_key)
        document = self._request("POST", self.events_url, _dumps(envelope), headers)
        entries = _result_entries(document)
        if not entries:
            raise PssClientError("the server accepted the event but returned no result")
        return entries[0]

    def send_events(
        self, envelopes: Iterable[Mapping[str, Any]], batch_size: int = MAX_BATCH_EVENTS
    ) -> list[dict]:
        """Send envelopes in ``{"events": [...]}`` batches; return all result entries.

        A batch holds at most ``batch_size`` (<= 500) events and, unless a single
        event is larger than that by itself, at most ``max_batch_bytes`` bytes.
        When a batch fails, the raised :class:`PssClientError` carries the
        entries of the batches accepted before it in ``results``.
        """
        if not 1 <= batch_size <= MAX_BATCH_EVENTS:
            raise ValueError(f"batch_size must be between 1 and {MAX_BATCH_EVENTS}")
        results: list[dict] = []
        for body in self._batches(envelopes, batch_size):
            try:
                document = self._request("POST", self.events_url, body, {})
                results.extend(_result_entries(document))
            except PssClientError as exc:
                exc.results = results + exc.results
                raise
        return results

    def get_message(self, message_id: int | str) -> dict:
        """Return the status document of a message."""
        return self._request("GET", self.message_url(message_id), b"", {})

    def health(self) -> dict:
        """Return the server's health document."""
        return self._request("GET", f"{self.base_url}/pss/v1/health", b"", {})

    def wait_for(
        self,
        message_id: int | str,
        states: Iterable[str] = FINAL_STATES,
        timeout: float = 30,
        interval: float = 0.5,
    ) -> dict:
        """Poll a message until its ``state`` is one of ``states``; return it.

        Raises :class:`PssWaitTimeout` (with the last document in ``last``) when
        ``timeout`` seconds pass first.
        """
        wanted = {states} if isinstance(states, str) else set(states)
        deadline = time.monotonic() + timeout
        while True:
            status = self.get_message(message_id)
            if status.get("state") in wanted:
                return status
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PssWaitTimeout(
                    f"message {message_id} still {status.get('state')!r} "
                    f"after {timeout} s",
                    last=status,
                )
            self._sleep(min(interval, remaining))

    # -- internals -------------------------------------------------------------

    def _batches(
        self, envelopes: Iterable[Mapping[str, Any]], batch_size: int
    ) -> Iterable[bytes]:
        overhead = len(_BATCH_PREFIX) + len(_BATCH_SUFFIX)
        parts: list[bytes] = []
        size = overhead
        for envelope in envelopes:
            if not isinstance(envelope, Mapping):
                raise TypeError("every envelope must be a mapping")
            part = _dumps(envelope)
            extra = len(part) + (1 if parts else 0)  # the comma separator
            if parts and (
                len(parts) >= batch_size or size + extra > self.max_batch_bytes
            ):
                yield _BATCH_PREFIX + b",".join(parts) + _BATCH_SUFFIX
                parts, size = [], overhead
                extra = len(part)
            parts.append(part)
            size += extra
        if parts:
            yield _BATCH_PREFIX + b",".join(parts) + _BATCH_SUFFIX

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.backoff_cap, self.backoff_base * (2**attempt))
        # Jitter spreads retries out; it needs no cryptographic randomness.
        return random.uniform(0, ceiling)  # noqa: S311

    def _headers(self, body: bytes, extra: Mapping[str, str]) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {self.api_key}",
            "X-PSS-Signature": sign(self.signing_secret, body, int(self._clock())),
            "Accept": "application/json, application/problem+json",
            "User-Agent": f"pss-client/{__version__}",
        }
        if body:
            headers["Content-Type"] = "application/json"
        headers.update(extra)
        return headers

    def _request(
        self, method: str, url: str, body: bytes, extra_headers: Mapping[str, str]
    ) -> Any:
        attempt = 0
        while True:
            # Signed anew on every attempt: the timestamp must be fresh.
            headers = self._headers(body, extra_headers)
            try:
                response = self.session.request(
                    method,
                    url,
                    data=body,
                    headers=headers,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.exceptions.SSLError as exc:
                raise PssConnectionError(f"{method} {url}: {exc}") from exc
            except (
                requests.exceptions.ConnectionError,
                requests.exceptions.Timeout,
                requests.exceptions.ChunkedEncodingError,
            ) as exc:
                if attempt >= self.max_retries:
                    raise PssConnectionError(
                        f"{method} {url} failed after {attempt + 1} attempt(s): {exc}"
                    ) from exc
                delay = self._backoff(attempt)
                _logger.warning(
                    "%s %s: %s; retry %d/%d in %.2f s",
                    method,
                    url,
                    exc,
                    attempt + 1,
                    self.max_retries,
                    delay,
                )
                self._sleep(delay)
                attempt += 1
                continue

            status = response.status_code
            if 200 <= status < 300:
                return self._json(response, method, url)
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            error = PssHTTPError(
                status,
                self._problem(response),
                response=response,
                retry_after=retry_after,
            )
            retryable = status in _RETRYABLE_STATUS or status >= 500
            if not retryable or attempt >= self.max_retries:
                raise error
            delay = self._backoff(attempt)
            if retry_after is not None:
                delay = max(delay, retry_after)
            _logger.warning(
                "%s %s: HTTP %d; retry %d/%d in %.2f s",
                method,
                url,
                status,
                attempt + 1,
                self.max_retries,
                delay,
            )
            response.close()
            self._sleep(delay)
            attempt += 1

    @staticmethod
    def _json(response: requests.Response, method: str, url: str) -> Any:
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError as exc:
            raise PssClientError(
                f"{method} {url}: HTTP {response.status_code} body is not JSON: "
                f"{response.text[:200]!r}"
            ) from exc

    @staticmethod
    def _problem(response: requests.Response) -> dict:
        try:
            document = response.json()
        except ValueError:
            document = None
        if isinstance(document, dict):
            problem = dict(document)
            problem.setdefault("status", response.status_code)
            return problem
        text = response.text or ""
        return {
            "type": "about:blank",
            "title": response.reason or "",
            "status": response.status_code,
            "detail": text[:500],
        }
