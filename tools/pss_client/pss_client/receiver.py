"""``pss-receive``: a small receiver for the events Odoo sends back.

What the far side of pss's outbound queue sees: a signed ``POST`` per event
(``X-PSS-Signature``, ``Idempotency-Key``). This receiver checks the
signature, drops redeliveries of an idempotency key it has seen, prints each
event as one JSON line and answers 200 (401 when the signature is wrong, 400
when the body is not JSON). Meant for demos and for trying an integration
locally, not for production.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .signing import verify

SIGNATURE_HEADER = "X-PSS-Signature"


def make_server(host: str, port: int, secrets: list[str], out=None):
    """A ThreadingHTTPServer accepting signed events on any path."""
    out = out or sys.stdout
    seen: set[str] = set()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if not verify(self.headers.get(SIGNATURE_HEADER), body, secrets):
                return self._answer(401, {"error": "invalid signature"})
            try:
                event = json.loads(body)
            except ValueError:
                return self._answer(400, {"error": "body is not JSON"})
            key = self.headers.get("Idempotency-Key") or event.get("id") or ""
            with lock:
                duplicate = key in seen
                seen.add(key)
            if not duplicate:
                line = {"path": self.path, "idempotency_key": key, "event": event}
                out.write(json.dumps(line, sort_keys=True) + "\n")
                out.flush()
            return self._answer(200, {"received": True, "duplicate": duplicate})

        def _answer(self, status, document):
            data = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):  # keep stdout for the events
            pass

    return ThreadingHTTPServer((host, port), Handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="pss-receive",
        description="Receive, verify and print the events pss sends out.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8070)
    parser.add_argument(
        "--secret",
        action="append",
        help="accepted signing secret (repeat for rotation); "
        "default: $PSS_OUTBOUND_SECRET",
    )
    args = parser.parse_args(argv)
    secrets = args.secret or [os.environ.get("PSS_OUTBOUND_SECRET", "")]
    if not any(secrets):
        parser.error("give --secret or set PSS_OUTBOUND_SECRET")
    server = make_server(args.host, args.port, secrets)
    print(
        f"pss-receive: listening on http://{args.host}:{args.port}/",
        file=sys.stderr,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
