"""Test helpers for pss_client: a real HTTP server on 127.0.0.1.

The server checks the API key and verifies every signature with
``pss_client.signing.verify``, records each request (raw body included) and
answers like the pss API.  Tests can queue canned answers with
``server.queue(...)``; they are used, in order, before the default behaviour.
(A module of its own, with a name unlikely to clash, rather than conftest.py:
test modules import from it.)
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pss_client.signing import parse_header, verify

API_KEY = "test-api-key"
SECRET = "test-signing-secret"
SYSTEM = "crm"
SERVER_MAX_EVENTS = 500
SERVER_MAX_BYTES = 5 * 1024 * 1024

_EVENTS_PATH = re.compile(r"^/pss/v1/(?P<system>[^/]+)/events$")
_MESSAGE_PATH = re.compile(r"^/pss/v1/(?P<system>[^/]+)/messages/(?P<id>[^/]+)$")


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict
    body: bytes
    signature_ok: bool

    @property
    def timestamp(self) -> int | None:
        return parse_header(self.headers.get("X-PSS-Signature", ""))[0]

    def json(self):
        return json.loads(self.body)


@dataclass
class Canned:
    status: int
    body: object = None
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    content_type: str | None = None


class PssTestServer:
    def __init__(self):
        self.requests: list[Recorded] = []
        self.canned: deque[Canned] = deque()
        self.lock = threading.Lock()
        self.next_id = 1
        # message id -> states still to report (the last one sticks)
        self.messages: dict[str, list[str]] = {}
        # event id -> state its message ends in (default "done")
        self.final_states: dict[str, str] = {}
        self.single_entry_as_object = True
        handler = type("Handler", (_Handler,), {"state": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        host, port = self.httpd.server_address[:2]
        self.url = f"http://{host}:{port}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def queue(self, status, body=None, headers=None, delay=0.0, content_type=None):
        canned = Canned(status, body, dict(headers or {}), delay, content_type)
        self.canned.append(canned)

    def problem(self, status, title, detail="", errors=None, headers=None):
        body = {"type": "about:blank", "title": title, "status": status}
        body["detail"] = detail
        if errors is not None:
            body["errors"] = errors
        self.queue(status, body, headers, content_type="application/problem+json")

    def event_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST"]

    def start(self):
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def _problem_body(status, title, detail="", errors=None):
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    return body


class _Handler(BaseHTTPRequestHandler):
    state: PssTestServer

    def log_message(self, format, *args):  # keep test output quiet
        pass

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def _send(self, status, body, headers=None, content_type=None):
        if isinstance(body, bytes | bytearray):
            payload = bytes(body)
            content_type = content_type or "application/octet-stream"
        elif body is None:
            payload = b""
        else:
            payload = json.dumps(body).encode()
            if content_type is None:
                content_type = (
                    "application/problem+json" if status >= 400 else "application/json"
                )
        try:
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            for name, value in (headers or {}).items():
                self.send_header(name, str(value))
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # the client gave up (timeout test)
            pass

    def _handle(self, method):  # noqa: PLR0911 - one return per answer
        state = self.state
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = dict(self.headers.items())
        signature_ok = verify(headers.get("X-PSS-Signature"), body, [SECRET])
        with state.lock:
            state.requests.append(
                Recorded(method, self.path, headers, body, signature_ok)
            )
            canned = state.canned.popleft() if state.canned else None

        if headers.get("Authorization") != f"Bearer {API_KEY}":
            return self._send(401, _problem_body(401, "Unauthorized", "bad API key"))
        if not signature_ok:
            return self._send(403, _problem_body(403, "Forbidden", "bad signature"))
        if canned is not None:
            if canned.delay:
                time.sleep(canned.delay)
            return self._send(
                canned.status, canned.body, canned.headers, canned.content_type
            )

        if method == "GET" and self.path == "/pss/v1/health":
            return self._send(200, {"status": "ok"})
        match = _MESSAGE_PATH.match(self.path)
        if method == "GET" and match:
            return self._message(match["id"])
        match = _EVENTS_PATH.match(self.path)
        if method == "POST" and match:
            return self._events(match["system"], body)
        return self._send(404, _problem_body(404, "Not Found", self.path))

    def _message(self, message_id):
        state = self.state
        with state.lock:
            states = state.messages.get(message_id)
            if states is None:
                return self._send(404, _problem_body(404, "Not Found", message_id))
            current = states.pop(0) if len(states) > 1 else states[0]
        return self._send(200, {"id": int(message_id), "state": current})

    def _events(self, system, body):
        state = self.state
        if (self.headers.get("Content-Type") or "").split(";")[0] != "application/json":
            return self._send(415, _problem_body(415, "Unsupported Media Type"))
        if len(body) > SERVER_MAX_BYTES:
            return self._send(413, _problem_body(413, "Payload Too Large"))
        try:
            document = json.loads(body)
        except ValueError:
            return self._send(400, _problem_body(400, "Bad Request", "not JSON"))
        single = not (isinstance(document, dict) and "events" in document)
        events = [document] if single else document["events"]
        if len(events) > SERVER_MAX_EVENTS:
            return self._send(413, _problem_body(413, "Too many events"))
        entries = []
        with state.lock:
            for event in events:
                message_id = str(state.next_id)
                state.next_id += 1
                final = state.final_states.get(event.get("id"), "done")
                state.messages[message_id] = ["pending", "processing", final]
                entries.append(
                    {
                        "id": int(message_id),
                        "event_id": event.get("id"),
                        "state": "pending",
                        "status_url": f"/pss/v1/{system}/messages/{message_id}",
                    }
                )
        if single and state.single_entry_as_object:
            return self._send(202, {"results": entries[0]})
        return self._send(202, {"results": entries})


class FakeTime:
    """Injected ``sleep``/``clock`` pair: sleeping records and advances time."""

    def __init__(self):
        self.now = float(int(time.time()))
        self.sleeps: list[float] = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self):
        return self.now


def make_envelope(number=1, **overrides):
    envelope = {
        "id": f"evt_{number:05d}",
        "type": "timesheet.approved",
        "schema_version": 1,
        "occurred_at": "2026-11-20T10:00:00Z",
        "entity": "US01",
        "data": {"employee": "E042", "hours": 7.5, "note": "Grüße ✓"},
    }
    envelope.update(overrides)
    return envelope
