"""Fixtures of the cross-addon tests: the test kit of pss_core
(odoo.addons.pss_core.tests.common), re-exported, and a recording receiver."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from odoo.addons.pss_core.tests.common import (
    CommittedCase,
    committed_env,
    main_entity,
    make_company,
    make_system,
    make_user,
    signed_headers,
    signed_request,
    unique,
)
from odoo.addons.pss_queue_test.tests.common import SHORT_RETRY

__all__ = [
    "SHORT_RETRY",
    "CommittedCase",
    "RecordingServer",
    "committed_env",
    "main_entity",
    "make_company",
    "make_system",
    "make_user",
    "signed_headers",
    "signed_request",
    "unique",
]


class RecordingServer:
    """A local HTTP server standing in for an external system's endpoint.

    ``responses`` is a list of (status, headers) consumed one per request;
    when empty the server answers 200. Requests are recorded with their raw
    body and headers.
    """

    def __init__(self):
        self.requests = []
        self.responses = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with outer.lock:
                    outer.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body}
                    )
                    status, headers = (
                        outer.responses.pop(0) if outer.responses else (200, {})
                    )
                payload = json.dumps({"status": status}).encode()
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/pss"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
